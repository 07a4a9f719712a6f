"""Joining a session, shared by `POST /api/sessions/{code}/join` and the phone page, and the
phone page's first state.

The phone page joins while it is rendered, so a phone on a slow link can draw the question
and answer it without first waiting for a join request. Both ways go through the same
`LiveSession.join` (join gate, per-address lanes, join key, participant cap, lock) and set the
same cookie; only who may join differs (see `may_join_on_sight`).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from fastapi import Request, Response
from starlette.requests import HTTPConnection

from ..auth import participant_cookie
from ..live import LiveSession
from ..ports.store import StoreUnavailable
from ..service import Rondvraag
from .deps import client_address
from .errors import as_api_error

COOKIE_MAX_AGE_S = 7 * 24 * 3600

# Link-preview fetchers and crawlers that name themselves (`Slackbot-LinkExpanding`,
# `Discordbot/2.0`, `LinkedInBot`, `WhatsApp/2.23`, `facebookexternalhit`, …). Case matters:
# "bot" after a lower-case letter or "Bot", so a CUBOT phone is not taken for one.
_PREVIEW_AGENTS = re.compile(
    r"[a-z](?:bot|Bot)\b|crawler|spider|preview|Preview|facebookexternalhit|WhatsApp|embedly"
)


async def admit(
    conn: HTTPConnection,
    code: str,
    services: Rondvraag,
    session: LiveSession,
    held: str | None,
    key: object,
) -> tuple[str, int]:
    """A returning participant's own token (200), else a new participant's (201).

    Raises what `LiveSession.join` raises when the gate says no (409 ended, locked or full;
    429 with Retry-After for an address over its lane; 404 for a deleted session)."""
    if held and services.signer.verify(code, held) is not None:
        return held, 200
    return await session.join(client_address(conn), key), 201


def set_participant_cookie(response: Response, code: str, token: str) -> None:
    response.set_cookie(
        participant_cookie(code), token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="lax"
    )


def may_join_on_sight(request: Request) -> bool:
    """Should opening the phone page join a new participant?

    Only for a person's browser opening the page: a top-level navigation (Fetch Metadata
    `Sec-Fetch-Mode: navigate`, `Sec-Fetch-Dest: document`), not a speculative prefetch or
    prerender (`Sec-Purpose` / `Purpose`), not from an agent that calls itself a bot or a
    preview. Link-preview fetchers (a join link pasted in a chat) send no Fetch Metadata, nor
    do `<img>`s, `fetch()`es or frames of other sites, so none of them makes a participant
    or spends the address's joins. A browser too old to send Fetch Metadata joins from the
    page with `POST /join`, as before.
    """
    headers = request.headers
    if request.method != "GET":
        return False
    if headers.get("sec-fetch-mode") != "navigate" or headers.get("sec-fetch-dest") != "document":
        return False
    if "sec-purpose" in headers or "purpose" in headers:
        return False
    return not _PREVIEW_AGENTS.search(headers.get("user-agent", ""))


async def first_state(
    request: Request, code: str, services: Rondvraag, session: LiveSession
) -> tuple[dict[str, Any], str | None]:
    """What the phone page carries for its first drawing, and a new token for the cookie.

    `state` is the live slide as the websocket's first message has it. `join` is what
    `POST /join` would have answered (`status` and `participant`, or `error`, `detail` and
    `retry_after`): present for a phone holding a valid cookie, or one that may join on sight
    (else the page joins by itself). A returning participant also gets `answers`, as the
    websocket sends them, so an answered question is not drawn as an empty form first.
    """
    first: dict[str, Any] = {"state": session.public_state()}
    held = request.cookies.get(participant_cookie(code))
    returning = bool(held) and services.signer.verify(code, held) is not None
    if not returning and not may_join_on_sight(request):
        return first, None
    try:
        token, status = await admit(
            request, code, services, session, held, request.query_params.get("k")
        )
    except Exception as exc:
        error = as_api_error(exc)
        if error is None:
            raise
        first["join"] = {"status": error.status, "error": error.code, "detail": error.detail}
        retry_after = (error.headers or {}).get("Retry-After")
        if retry_after:
            first["join"]["retry_after"] = int(retry_after)
        return first, None
    first["join"] = {"status": status, "participant": token}
    participant = services.signer.verify(code, token)
    if status == 200 and participant is not None:
        with contextlib.suppress(StoreUnavailable):  # the websocket sends them too
            first["answers"] = await session.my_answers(participant)
    return first, token  # the cookie, set (or its lifetime renewed) as POST /join does
