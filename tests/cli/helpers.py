"""Driving the CLI in-process, and reading its one-line errors."""

from click.testing import CliRunner

from aekit.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result) -> str:
    """The message of an ``aekit: error: ...`` line, the only output, with exit status 2."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: "), result.output
    return lines[0][len("aekit: error: "):]
