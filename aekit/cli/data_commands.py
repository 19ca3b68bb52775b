"""``aekit datasets``: the built-in datasets and whether each is installed."""

from __future__ import annotations

import click

from aekit.data import dataset_info


@click.command()
def datasets():
    """List the built-in datasets (all offline) and how to install a missing one."""
    for entry in dataset_info():
        status = "ready" if entry["available"] else f"missing: {entry.get('install', '')}"
        click.echo(f"{entry['name']:<14} {entry['description']}  [{status}]")
