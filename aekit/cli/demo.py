"""``aekit demo``: the tour of what aekit does, on real data that ships offline."""

from __future__ import annotations

import click

from aekit.cli.options import default_of
from aekit.demo import run_demo


@click.command()
@click.option("--out", default="demo-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the pictures and the trained model.")
@click.option("--epochs", type=int, default=default_of(run_demo, "epochs"), show_default=True,
              help="Training epochs per step.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo(out, epochs, quiet):
    """Train on real digits, compare with PCA, and draw the reconstructions."""
    for result in run_demo(out, epochs=epochs, verbose=False if quiet else "auto"):
        click.secho(result.title, bold=True)
        for line in result.lines:
            click.echo(f"  {line}")
        for path in result.files:
            click.echo(f"  wrote {path}")
