"""Entry point: ``aekit COMMAND ...``. Only wires the command groups together."""

from __future__ import annotations

import logging

import click

from aekit._version import __version__
from aekit.cli import cluster, data_commands, demo, model_commands, represent, search, train
from aekit.cli import detect
from aekit.cli import generate
from aekit.cli import text
from aekit.cli import speech
from aekit.cli import impute
from aekit.cli import compress, denoise
from aekit.cli import summarize, voice
from aekit.cli import export, serve
from aekit.cli.errors import AekitGroup


@click.group("aekit", cls=AekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aekit")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Logging detail.")
def cli(log_level: str) -> None:
    """Auto-encoders as tools: train on your data, then encode, reconstruct and inspect."""
    logging.basicConfig(level=log_level.upper(), format="aekit: %(levelname)s: %(message)s")


cli.add_command(train.train)
cli.add_command(model_commands.encode)
cli.add_command(model_commands.reconstruct)
cli.add_command(model_commands.info)
cli.add_command(data_commands.datasets)
cli.add_command(demo.demo)
cli.add_command(represent.embed)
cli.add_command(represent.probe)
cli.add_command(cluster.cluster)
cli.add_command(search.index)
cli.add_command(search.search)
cli.add_command(detect.detect)
cli.add_command(generate.sample)
cli.add_command(generate.interpolate)
cli.add_command(generate.traverse)
cli.add_command(generate.generate_figure)
cli.add_command(text.text)
cli.add_command(summarize.summarize)
cli.add_command(voice.voice)
cli.add_command(speech.speech)
cli.add_command(impute.impute)
cli.add_command(denoise.denoise)
cli.add_command(compress.compress)
cli.add_command(compress.decompress)
cli.add_command(serve.serve)
cli.add_command(export.export)


def main() -> None:
    cli(prog_name="aekit")


if __name__ == "__main__":
    main()
