"""Shared request helpers: the app's services, admin checks, JSON bodies, client addresses."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from ..auth import ADMIN_COOKIE, admin_token_matches, bearer
from ..service import LiveSession, Rondvraag
from .errors import ApiError


def services(conn: HTTPConnection) -> Rondvraag:
    return conn.app.state.rondvraag


Services = Annotated[Rondvraag, Depends(services)]


def is_admin(conn: HTTPConnection) -> bool:
    """Admin by `Authorization: Bearer TOKEN` or by the presenter login cookie."""
    expected = services(conn).settings.admin_token
    given = bearer(conn.headers.get("authorization")) or conn.cookies.get(ADMIN_COOKIE)
    return admin_token_matches(given, expected)


def require_admin(request: Request) -> None:
    if not is_admin(request):
        raise ApiError(
            401,
            "unauthorized",
            "this needs the admin token (Authorization: Bearer TOKEN)",
            {"WWW-Authenticate": "Bearer"},
        )


Admin = Depends(require_admin)


async def live_session(code: str, request: Request) -> LiveSession:
    session = await services(request).get(code)
    if session is None:
        raise ApiError(404, "unknown_session", f"there is no session with code {code!r}")
    return session


Session = Annotated[LiveSession, Depends(live_session)]


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; a clear 400 when it is missing or not an object."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "invalid_json", "the request needs a JSON object body")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, absurd nesting
        raise ApiError(400, "invalid_json", "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object")
    return data


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"
