"""An ASGI layer in front of the app: body size limit, content type, and metrics.

It sits outside FastAPI so that a body over the limit is refused before it is read
into memory (by its Content-Length, or while it streams in without one), and so that
every answer, the app's error pages included, is timed and counted once.
"""

from __future__ import annotations

import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI passes it on as is
    (it turns other errors met while reading a body into a 400)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes "
                              "(aekit serve --max-body-mb)")


def error_response(status: int, error: str, detail: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


class Guard:
    def __init__(self, app, *, max_body_bytes: int, metrics, routes: set[str]):
        self.app, self.max_body_bytes = app, max_body_bytes
        self.metrics, self.routes = metrics, routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, answer = time.perf_counter(), {"status": 500, "started": False}

        async def send_counted(message):
            if message["type"] == "http.response.start":
                answer["status"], answer["started"] = message["status"], True
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_counted)
            else:
                await self._pass_on(scope, receive, send_counted, answer)
        finally:
            route = scope["path"] if scope["path"] in self.routes else "other"
            self.metrics.observe(route, answer["status"], time.perf_counter() - start)

    async def _pass_on(self, scope, receive, send, answer) -> None:
        received = 0

        async def receive_limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            await self.app(scope, receive_limited, send)
        except BodyTooLarge as exc:  # raised outside FastAPI's handlers
            if not answer["started"]:
                await error_response(413, "body_too_large", exc.detail)(scope, receive, send)

    def _refusal(self, scope):
        """An error response for what the headers alone already show, or None."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        if length.strip().isdigit() and int(length) > self.max_body_bytes:
            return error_response(413, "body_too_large", BodyTooLarge(self.max_body_bytes).detail)
        if scope["method"] in ("POST", "PUT", "PATCH") and scope["path"] in self.routes:
            kind = headers.get("content-type", "application/json").split(";")[0].strip().lower()
            if kind != "application/json" and not kind.endswith("+json"):
                return error_response(415, "unsupported_media_type",
                                      f"the body must be JSON (Content-Type: application/json), "
                                      f"not {kind or 'empty'}")
        return None
