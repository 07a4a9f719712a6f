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
from ..hub import Client, encode
from ..service import Rondvraag
from .deps import json_body, live_session
from .errors import ApiError, as_api_error
from .ws import origin_allowed, read_until_closed

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
        token = body.get("participant") or request.cookies.get(participant_cookie(code))
        if not token:
            raise ApiError(
                401, "no_participant", "join first: the answer needs a 'participant' token"
            )
        participant_id = services.signer.verify(code, token)
        if participant_id is None:
            raise ApiError(403, "bad_participant", "this participant token was not issued here")
        question = body.get("question")
        if not isinstance(question, str) or not question:
            raise ApiError(400, "invalid_request", "'question' must be a question id")
        if "answer" not in body:
            raise ApiError(400, "invalid_answer", "the request needs an 'answer'")
        if not services.vote_limiter.allow(participant_id):
            raise ApiError(
                429, "rate_limited", "too many answers; wait a moment", {"Retry-After": "1"}
            )
        accepted = await session.respond(participant_id, question, body["answer"])
        return {
            "ok": True,
            "question": accepted.question,
            "answer": accepted.answer,
            "replaced": accepted.replaced,
        }

    async def phone_socket(self, code: str, websocket: WebSocket, send: Send) -> None:
        """A phone's live channel: state snapshots in, pings answered, nothing else."""
        if not origin_allowed(websocket):
            await websocket.close(code=1008)
            return
        session = await self.services.get(code)
        if session is None:
            await websocket.close(code=1008)
            return
        token = websocket.query_params.get("participant") or websocket.cookies.get(
            participant_cookie(code)
        )
        participant_id = self.services.signer.verify(code, token) if token else None
        await websocket.accept()

        async def send_text(text: str) -> None:
            # Straight to the server's websocket: the fan-out's per-phone cost.
            await send({"type": "websocket.send", "text": text})

        client = Client(send_text, participant_id)
        session.connect_phone(client)
        try:
            if participant_id is not None:
                answers = await session.my_answers(participant_id)
                client.offer("answers", encode({"type": "answers", "answers": answers}))
            await read_until_closed(websocket, client)
        finally:
            session.disconnect_phone(client)
