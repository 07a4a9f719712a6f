"""The two paths a full room hammers, served as plain ASGI in front of FastAPI.

Every vote (`POST /api/sessions/{code}/responses`) and every phone's socket
(`/ws/sessions/{code}`) skip FastAPI's routing, dependency solving and per-request wrappers,
which cost about three times the work of the vote itself (profile in BENCHMARKS.md). The
handlers stay thin: parse, call the service, answer; errors have the same JSON shape as
everywhere else. All other requests go to the FastAPI app untouched.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ..auth import participant_cookie
from ..errors import NotFound, TooMany
from ..hub import Client, encode
from ..service import Rondvraag
from .deps import client_address, json_body, live_session, origin_allowed, participant_id
from .errors import ApiError, as_api_error
from .ws import read_until_closed

VOTE_PATH = re.compile(r"^/api/sessions/([^/]+)/responses$")
PHONE_SOCKET_PATH = re.compile(r"^/ws/sessions/([^/]+)$")
_JSON = [(b"content-type", b"application/json")]


class HotPaths:
    def __init__(self, app: FastAPI, services: Rondvraag) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = VOTE_PATH.match(scope["path"])
            if match:
                scope["app"] = self.app
                await self.vote(match.group(1), Request(scope, receive), send)
                return
        elif scope["type"] == "websocket":
            match = PHONE_SOCKET_PATH.match(scope["path"])
            if match:
                scope["app"] = self.app
                await self.phone_socket(match.group(1), WebSocket(scope, receive, send), send)
                return
        await self.app(scope, receive, send)

    async def vote(self, code: str, request: Request, send: Send) -> None:
        try:
            status, payload = 201, await self._vote(code, request)
            headers = _JSON
        except Exception as exc:
            error = as_api_error(exc)
            if error is None:
                raise
            status, payload = error.status, {"error": error.code, "detail": error.detail}
            headers = _JSON + [
                (k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()
            ]
        body = encode(payload).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _vote(self, code: str, request: Request) -> dict[str, Any]:
        services = self.services
        session = await live_session(code, request)
        body = await json_body(request)
        participant = participant_id(request, code, body)
        question = body.get("question")
        if not isinstance(question, str) or not question:
            raise ApiError(400, "invalid_request", "'question' must be a question id")
        if "answer" not in body:
            raise ApiError(400, "invalid_answer", "the request needs an 'answer'")
        wait = await services.allow_vote(participant)
        if wait:
            raise ApiError(
                429, "rate_limited", "too many answers; wait a moment", {"Retry-After": str(wait)}
            )
        accepted = await session.respond(participant, question, body["answer"])
        return {
            "ok": True,
            "question": accepted.question,
            "answer": accepted.answer,
            "replaced": accepted.replaced,
        }

    async def phone_socket(self, code: str, websocket: WebSocket, send: Send) -> None:
        """A phone's live channel: state snapshots in, pings answered, nothing else.

        Refused before the handshake completes (HTTP 403) for a foreign Origin, a wrong code,
        and sockets beyond the per-participant and unjoined-per-address caps.
        """
        if not origin_allowed(websocket):
            await websocket.close(code=1008)
            return
        address = client_address(websocket)
        try:
            session = await self.services.session(code, address)
        except (NotFound, TooMany):
            await websocket.close(code=1008)
            return
        token = websocket.query_params.get("participant") or websocket.cookies.get(
            participant_cookie(code)
        )
        participant = self.services.signer.verify(code, token) if token else None

        async def send_text(text: str) -> None:
            # Straight to the server's websocket: the fan-out's per-phone cost.
            await send({"type": "websocket.send", "text": text})

        async def close(close_code: int) -> None:
            await send({"type": "websocket.close", "code": close_code})

        client = Client(send_text, participant, close=close, address=address)
        if not session.admit_phone(client):
            await websocket.close(code=1008)
            return
        try:
            await websocket.accept()
            session.connect_phone(client)
            if participant is not None:
                answers = await session.my_answers(participant)
                client.offer("answers", encode({"type": "answers", "answers": answers}))
            await read_until_closed(websocket, client, session, presenter=False)
        finally:
            session.disconnect_phone(client)
