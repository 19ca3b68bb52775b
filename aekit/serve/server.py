"""``aekit serve``: the app on uvicorn, in one process or ``workers`` processes."""

from __future__ import annotations

import logging
import os
import socket

from aekit.errors import ConfigError
from aekit.serve import DEFAULT_MAX_BODY_MB, require
from aekit.serve.cores import share_cores

logger = logging.getLogger(__name__)


def serve(model_path, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          max_body_mb: float = DEFAULT_MAX_BODY_MB, log_level: str = "warning") -> None:
    """Serve the model folder ``model_path`` until interrupted."""
    require("fastapi", "uvicorn", "pydantic", "prometheus_client")
    import uvicorn

    from aekit.serve.app import create_app, load_servable

    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if not max_body_mb > 0:
        raise ConfigError(f"--max-body-mb must be a positive number, got {max_body_mb}")
    _check_port(host, port)
    share_cores()
    settings = dict(host=host, port=port, log_level=log_level)
    if workers == 1:
        app = create_app(load_servable(model_path), max_body_mb=max_body_mb)
        uvicorn.run(app, **settings)
        return
    load_servable(model_path)  # fail here, in one line, not in every worker
    # each worker loads the model itself from the folder named in its environment
    os.environ["AEKIT_SERVE_MODEL"] = str(model_path)
    os.environ["AEKIT_SERVE_MAX_BODY_MB"] = str(max_body_mb)
    uvicorn.run("aekit.serve.app:app_from_environment", factory=True, workers=workers,
                **settings)


def _check_port(host: str, port: int) -> None:
    """uvicorn logs a bind failure and exits; say it in one line before starting."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
