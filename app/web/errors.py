"""Every error a client can cause becomes a 4xx JSON `{"error", "detail"}`, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from ..domain.errors import AnswerError, ControlError
from ..errors import Conflict, NotFound, TooMany
from ..ports.store import SessionGone, StoreUnavailable

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}

_CONTROL_STATUS = {
    "unknown_question": 404,
    "not_live": 409,
    "not_interactive": 409,
    "session_ended": 409,
    "timer_over": 409,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        super().__init__(detail)


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


_RETRY_LATER = {"Retry-After": "2"}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def as_api_error(exc: Exception) -> ApiError | None:
    """What a client should hear about an exception from the domain, service or store."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, AnswerError):
        return ApiError(400, exc.code, str(exc))
    if isinstance(exc, ControlError):
        return ApiError(_CONTROL_STATUS.get(exc.code, 400), exc.code, str(exc))
    if isinstance(exc, NotFound):
        return ApiError(404, exc.code, str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, exc.code, str(exc))
    if isinstance(exc, TooMany):
        return ApiError(429, exc.code, str(exc), {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, SessionGone):
        return ApiError(404, "unknown_session", f"there is no session with code {exc.code!r}")
    if isinstance(exc, StoreUnavailable):
        log.warning("storage unavailable: %s", exc)
        detail = "the server cannot store this right now; please try again"
        return ApiError(503, "storage_unavailable", detail, _RETRY_LATER)
    return None


def install_error_handlers(app: FastAPI) -> None:
    async def known_error(request: Request, exc: Exception) -> JSONResponse:
        error = as_api_error(exc)
        assert error is not None
        return error_response(error.status, error.code, error.detail, error.headers)

    for kind in (
        ApiError, AnswerError, ControlError, NotFound, Conflict, TooMany, SessionGone,
        StoreUnavailable,
    ):  # fmt: skip
        app.add_exception_handler(kind, known_error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(400, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and (allowed := allowed_methods(request)):
            headers = {**(headers or {}), "Allow": allowed}
        return error_response(exc.status_code, code, str(exc.detail), headers)


def allowed_methods(request: Request) -> str:
    """Every method this path answers, for a 405's `Allow`.

    Starlette names only the methods of the first route that matches the path, but a path
    can have several (GET and DELETE on a session are two routes): ask every route.
    """
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return ", ".join(allowed)
