"""One handler turns every user error into one line on stderr and exit status 2.

That covers aekit's own errors (:class:`~aekit.errors.AekitError`), files that cannot be
opened, and click's usage errors (an unknown option, a missing argument, a bad value),
which click would otherwise print as three lines of usage and an ``Error:`` line.
"""

from __future__ import annotations

import click

from aekit.errors import AekitError

USER_ERRORS = (AekitError, FileNotFoundError, PermissionError, IsADirectoryError)
# `aekit detect` with no sub-command: click shows the group's help, which is what a user wants
_SHOW_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _fail(message: str) -> None:
    click.echo(f"aekit: error: {message.splitlines()[0] if message else 'failed'}", err=True)


def _usage_message(exc: click.UsageError) -> str:
    message = exc.format_message().strip()
    if exc.ctx is not None:
        message = f"{message.rstrip('.')} (see `{exc.ctx.command_path} --help`)"
    return message


class AekitGroup(click.Group):
    """A click group whose commands report user errors as ``aekit: error: ...``."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:  # the top-level options and the command name are parsed here
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if _SHOW_HELP and isinstance(exc, _SHOW_HELP):
                raise
            _fail(_usage_message(exc))
            raise click.exceptions.Exit(2) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            _fail(str(exc) or exc.__class__.__name__)
            ctx.exit(2)
        except click.UsageError as exc:  # a sub-command's options, parsed inside invoke
            if _SHOW_HELP and isinstance(exc, _SHOW_HELP):
                raise
            _fail(_usage_message(exc))
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("aekit: interrupted", err=True)
            ctx.exit(130)
