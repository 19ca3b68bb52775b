"""``aekit demo``: the tour of what aekit does, on real data that ships offline."""

from __future__ import annotations

from pathlib import Path

import click

from aekit.cli.options import default_of
from aekit.demo import run_demo
from aekit.errors import ConfigError


@click.command()
@click.option("--out", default="demo-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the pictures and the trained model.")
@click.option("--epochs", type=int, default=default_of(run_demo, "epochs"), show_default=True,
              help="Training epochs per step.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--overwrite", is_flag=True, help="Write into OUT even when it already holds files.")
def demo(out, epochs, quiet, overwrite):
    """Train on real digits, compare with PCA, and draw the reconstructions."""
    if Path(out).is_dir() and any(Path(out).iterdir()) and not overwrite:
        raise ConfigError(f"{out} already holds files; pass --overwrite to write the demo's "
                          "pictures and models over them, or choose another --out")
    for result in run_demo(out, epochs=epochs, verbose=False if quiet else "auto"):
        click.secho(result.title, bold=True)
        for line in result.lines:
            click.echo(f"  {line}")
        for path in result.files:
            click.echo(f"  wrote {path}")
