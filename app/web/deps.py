"""Shared request helpers: the app's services, admin checks, origins, JSON bodies, addresses."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from ..auth import ADMIN_COOKIE, admin_token_matches, bearer, participant_cookie
from ..live import LiveSession
from ..service import Rondvraag
from .errors import ApiError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def services(conn: HTTPConnection) -> Rondvraag:
    return conn.app.state.rondvraag


Services = Annotated[Rondvraag, Depends(services)]


def client_address(conn: HTTPConnection) -> str:
    """The client's address; behind a trusted proxy (--forwarded-allow-ips) the one it reports."""
    return conn.client.host if conn.client else "unknown"


# --- origins ------------------------------------------------------------------------------------


def origin_allowed(conn: HTTPConnection) -> bool:
    """Is this browser request from our own pages?

    Browsers send `Origin` on websockets and on every POST/DELETE; it must be this host (or
    one of RONDVRAAG_ALLOWED_ORIGINS). Without Origin, `Sec-Fetch-Site` must say same-origin.
    A request with neither comes from a script or an old browser and carries no ambient
    authority worth stealing, so it passes.
    """
    origin = conn.headers.get("origin")
    if origin is None:
        site = conn.headers.get("sec-fetch-site")
        return site is None or site in ("same-origin", "none")
    origin = origin.rstrip("/")
    if origin in services(conn).settings.allowed_origins:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    default_port = "443" if parts.scheme == "https" else "80"
    host = conn.headers.get("host", "")
    return _with_port(parts.netloc, default_port) == _with_port(host, default_port)


def _with_port(netloc: str, default_port: str) -> str:
    netloc = netloc.lower()
    if netloc.endswith("]") or ":" not in netloc.rsplit("]", 1)[-1]:
        return f"{netloc}:{default_port}"
    return netloc


def require_same_origin(conn: HTTPConnection) -> None:
    """A state change riding on a cookie must come from our own pages (CSRF)."""
    if not origin_allowed(conn):
        raise ApiError(
            403, "cross_origin", "this request comes from another site's page; it is refused"
        )


# --- admin ---------------------------------------------------------------------------------------


def is_admin(conn: HTTPConnection) -> bool:
    """Admin by `Authorization: Bearer TOKEN` or by a valid presenter login cookie (no limits;
    for pages that show a login form instead of an error)."""
    rondvraag = services(conn)
    if rondvraag.admin_sessions.valid(conn.cookies.get(ADMIN_COOKIE)):
        return True
    return admin_token_matches(bearer(conn.headers.get("authorization")), rondvraag.admin_token)


async def check_admin(conn: HTTPConnection) -> None:
    """Admin, or a 401/403/429 that says why.

    A valid login cookie always passes (it cannot be guessed), but a state change riding on
    it must come from our own pages. Wrong tokens are counted per address (on every worker
    of a cluster together); an address out of tries gets 429 without its guesses being
    checked, until Retry-After.
    """
    rondvraag = services(conn)
    if rondvraag.admin_sessions.valid(conn.cookies.get(ADMIN_COOKIE)):
        if getattr(conn, "method", "GET") in UNSAFE_METHODS or conn.scope["type"] == "websocket":
            require_same_origin(conn)
        return
    given = bearer(conn.headers.get("authorization"))
    if given is None and ADMIN_COOKIE not in conn.cookies:
        raise _unauthorized()
    address = client_address(conn)
    wait = await rondvraag.admin_blocked(address)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many wrong admin tokens from this address; wait before trying again",
            {"Retry-After": str(wait)},
        )
    if admin_token_matches(given, rondvraag.admin_token):
        return
    await rondvraag.admin_failed(address)
    raise _unauthorized()


def _unauthorized() -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        "this needs the admin token (Authorization: Bearer TOKEN)",
        {"WWW-Authenticate": "Bearer"},
    )


Admin = Depends(check_admin)


# --- sessions and participants --------------------------------------------------------------


async def live_session(code: str, request: Request) -> LiveSession:
    """The served session: what participants and the presenter act on."""
    return await services(request).session(code, client_address(request))


Session = Annotated[LiveSession, Depends(live_session)]


async def any_session(code: str, request: Request) -> LiveSession:
    """A served or an earlier (read-only) session, for the organiser: exports, results."""
    session = await services(request).stored(code)
    if session is None:
        raise ApiError(404, "unknown_session", f"there is no session with code {code!r}")
    return session


StoredSession = Annotated[LiveSession, Depends(any_session)]


def participant_token(conn: HTTPConnection, code: str, body: dict[str, Any]) -> str | None:
    """The participant token from the body (or query), else from the cookie.

    A token taken from the cookie is ambient authority, so that request must come from our
    own pages (CSRF from another page on the same site).
    """
    token = body.get("participant") or conn.query_params.get("participant")
    if token:
        return token if isinstance(token, str) else ""
    token = conn.cookies.get(participant_cookie(code))
    if token and getattr(conn, "method", "GET") in UNSAFE_METHODS:
        require_same_origin(conn)
    return token


def participant_id(conn: HTTPConnection, code: str, body: dict[str, Any]) -> str:
    """The verified participant id of this request, or a 401/403 that says why."""
    token = participant_token(conn, code, body)
    if not token:
        raise ApiError(401, "no_participant", "join first: this needs a 'participant' token")
    verified = services(conn).signer.verify(code, token)
    if verified is None:
        raise ApiError(403, "bad_participant", "this participant token was not issued here")
    return verified


# --- bodies ---------------------------------------------------------------------------------


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; 415 unless it is sent as JSON, a clear 400 when it is not one.

    Requiring `application/json` keeps plain HTML forms and `no-cors` fetches from other pages
    (which can only send text/plain, form or multipart bodies) away from every JSON endpoint.
    """
    raw = await request.body()
    content_type = request.headers.get("content-type")
    if (raw or content_type is not None) and not _is_json(content_type or ""):
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    if not raw:  # a body of only whitespace is not "no body": it is invalid JSON
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
