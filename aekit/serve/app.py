"""The FastAPI app: one loaded model, its operations as routes, errors as part of the API.

Every problem with a request is a 4xx whose JSON body is ``{"error": kind, "detail":
what is wrong}``: malformed JSON (400), a body that is not JSON (415), over the size
limit (413), rows that do not fit the schema or the model (422), unknown routes (404),
and too many rows waiting (429). The model's own checks (columns, categories, shapes)
give the same messages as the library and the command line.
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations, and
# the body's class is imported inside a function (pydantic is an optional extra)
import contextlib
from pathlib import Path

from aekit.errors import AekitError, InputError, ModelFileError
from aekit.serve import DEFAULT_MAX_BODY_MB, require

SERVE_MODULES = ("fastapi", "uvicorn", "pydantic", "prometheus_client")


def load_servable(path):
    """The model in the folder ``path``, if the service knows its type (loaded read-only:
    config.json and safetensors are read, nothing in the folder runs)."""
    from aekit.io import load, read_config
    from aekit.serve.operations import OPERATIONS

    kind = read_config(Path(path))["type"]
    if kind not in OPERATIONS:
        raise ModelFileError(f"{path} holds a {kind!r} model; aekit serve serves "
                             f"{', '.join(sorted(OPERATIONS))} models")
    return load(path)


def create_app(model, *, max_body_mb: float = DEFAULT_MAX_BODY_MB, max_batch_rows: int = 4096,
               max_pending_rows: int = 65536):
    """The service for a fitted ``model`` (or the path of a model folder)."""
    require(*SERVE_MODULES)
    from fastapi import FastAPI

    from aekit._version import __version__
    from aekit.io import _registered_name
    from aekit.serve.batcher import Batcher
    from aekit.serve.guard import Guard
    from aekit.serve.metrics import Metrics
    from aekit.serve.operations import OPERATIONS

    if isinstance(model, (str, Path)):
        model = load_servable(model)
    kind = _registered_name(type(model))
    if kind not in OPERATIONS:
        raise ModelFileError(f"aekit serve serves {', '.join(sorted(OPERATIONS))} models, "
                             f"not {kind!r}")
    batcher = Batcher(model, max_batch_rows=max_batch_rows, max_pending_rows=max_pending_rows)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        batcher.close()  # the worker thread ends with the server

    app = FastAPI(title="aekit", version=__version__, lifespan=lifespan,
                  description=f"Scoring service for an aekit {kind} model.")
    metrics = Metrics.create()
    app.state.model, app.state.batcher, app.state.metrics = model, batcher, metrics
    _add_error_handlers(app)
    _add_service_routes(app, kind, __version__, metrics)
    for operation in OPERATIONS[kind].values():
        _add_operation(app, operation, model, batcher, metrics)
    routes = {route.path for route in app.routes}
    app.add_middleware(Guard, max_body_bytes=int(max_body_mb * (1 << 20)), metrics=metrics,
                       routes=routes)
    return app


def app_from_environment():
    """For ``uvicorn --factory`` in each worker process of ``aekit serve --workers N``."""
    import os

    from aekit.serve.cores import share_cores

    share_cores()
    return create_app(os.environ["AEKIT_SERVE_MODEL"],
                      max_body_mb=float(os.environ.get("AEKIT_SERVE_MAX_BODY_MB",
                                                       DEFAULT_MAX_BODY_MB)))


def _add_operation(app, operation, model, batcher, metrics) -> None:
    from fastapi.responses import JSONResponse

    from aekit.serve.schemas import RESPONSES, ErrorResponse, RowsRequest

    def endpoint(body: RowsRequest):
        try:
            prepared = operation.prepare(model, body.rows)
        except AekitError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            # preparing is checking the input: pandas' or numpy's complaint about a value
            # is a complaint about the request, answered as one
            raise InputError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        answer = batcher.submit(operation, prepared)
        metrics.rows.labels(operation.name).inc(prepared.n)
        return JSONResponse(answer)  # already plain lists of finite numbers: no re-validation

    errors = {status: {"model": ErrorResponse} for status in (400, 413, 415, 422, 429)}
    app.post(f"/v1/{operation.name}", response_model=RESPONSES[operation.name],
             responses=errors, summary=operation.summary, name=operation.name)(endpoint)


def _add_service_routes(app, kind: str, version: str, metrics) -> None:
    from fastapi import Response

    from aekit.serve.schemas import HealthResponse

    @app.get("/health", response_model=HealthResponse)
    def health():
        return {"status": "ok", "model_type": kind, "aekit_version": version}

    @app.get("/metrics", response_class=Response,
             responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"}})
    def prometheus():
        body, content_type = metrics.text()
        return Response(body, media_type=content_type)


def _add_error_handlers(app) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from aekit.serve.batcher import Overloaded
    from aekit.serve.guard import error_response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "the body is not valid JSON")
        return error_response(422, "invalid_request", _first_error(errors))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        kinds = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed",
                 413: "body_too_large"}
        detail = str(exc.detail)
        if exc.status_code == 400:  # FastAPI's words for a body json could not parse
            detail = "the body could not be parsed as JSON (malformed, or nested too deeply)"
        return error_response(exc.status_code, kinds.get(exc.status_code, "http_error"),
                              detail, getattr(exc, "headers", None))

    @app.exception_handler(AekitError)
    async def invalid_input(request, exc):
        return error_response(422, "invalid_input", str(exc).splitlines()[0])

    @app.exception_handler(Overloaded)
    async def overloaded(request, exc):
        return error_response(429, "overloaded", str(exc), {"Retry-After": "1"})


CELL_KINDS = ("bool", "int", "float", "str")  # the branches of schemas.Cell in an error's loc


def _first_error(errors: list) -> str:
    """One line for pydantic's errors: where (``rows.3.amount``) and what."""
    if not errors:
        return "the request does not match the schema"
    # a NaN or infinity fails every branch of a cell; its float branch says why
    finite = [e for e in errors if e.get("type") == "finite_number"]
    first = (finite or errors)[0]
    where = [str(p) for p in first.get("loc", ()) if p not in ("body", "objects", "lists")]
    message = str(first.get("msg", "invalid"))
    if len(where) == 4 and where[0] == "rows" and where[-1] in CELL_KINDS:
        where = where[:-1]  # a cell: rows.<row>.<column>
        if not finite:
            message = "a cell must be a number, text, true/false or null"
    return f"{'.'.join(where)}: {message}" if where else message
