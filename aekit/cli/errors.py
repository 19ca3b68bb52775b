"""One handler turns every user error into one line on stderr and exit status 2."""

from __future__ import annotations

import click

from aekit.errors import AekitError

USER_ERRORS = (AekitError, FileNotFoundError, PermissionError, IsADirectoryError)


class AekitGroup(click.Group):
    """A click group whose commands report user errors as ``aekit: error: ...``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            click.echo(f"aekit: error: {message}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("aekit: interrupted", err=True)
            ctx.exit(130)
