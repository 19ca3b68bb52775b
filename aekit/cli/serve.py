"""``aekit serve MODEL``: the HTTP scoring service (aekit.serve) on uvicorn."""

from __future__ import annotations

import click

from aekit.cli.kinds import check_model_folder, describe
from aekit.errors import ModelFileError
from aekit.serve import DEFAULT_MAX_BODY_MB


@click.command()
@click.argument("model", type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="Server processes, each with its own copy of the model and its own metrics.")
@click.option("--max-body-mb", type=click.FloatRange(0, min_open=True),
              default=DEFAULT_MAX_BODY_MB, show_default=True,
              help="Largest request body; larger ones get 413.")
def serve(model, host, port, workers, max_body_mb):
    """Serve MODEL over HTTP: /v1/score and /v1/explain (anomaly detectors), /v1/encode and
    /v1/reconstruct (auto-encoders, VAEs), /health, /metrics, /openapi.json."""
    from aekit.serve.operations import OPERATIONS
    from aekit.serve.server import serve as run_server

    kind = check_model_folder(model)["type"]
    if kind not in OPERATIONS:
        raise ModelFileError(f"{model} is {describe(kind)}; `aekit serve` serves "
                             f"{' or '.join(describe(k) for k in dict.fromkeys(OPERATIONS))}")
    click.echo(f"serving {model} ({describe(kind)}) on http://{host}:{port} "
               f"(OpenAPI at /docs); Ctrl-C stops", err=True)
    run_server(model, host=host, port=port, workers=workers, max_body_mb=max_body_mb)
