"""WebSockets: the presenter's channel, and the checks and read loop phone sockets share.

(The phone socket itself is served in front of FastAPI: see hotpaths.py.)

Handshakes are checked before they are accepted (a refused handshake is an HTTP 403): the
Origin must be this site or an allowed one (cross-site websocket hijacking), the session must
exist, and the presenter socket needs the admin token. After that, sockets only receive
snapshots from the hub; what a client sends is read, bounded and mostly ignored.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, WebSocket

from ..domain.errors import ControlError
from ..errors import Conflict, NotFound, TooMany
from ..hub import Client, encode
from ..live import LiveSession
from .control_body import control_body
from .deps import check_admin, client_address, origin_allowed, services
from .errors import ApiError

router = APIRouter()

_PONG = encode({"type": "pong"})


@router.websocket("/ws/sessions/{code}/presenter")
async def presenter_socket(websocket: WebSocket, code: str) -> None:
    try:
        if not origin_allowed(websocket):
            raise ApiError(403, "cross_origin", "foreign origin")
        await check_admin(websocket)
        session = await services(websocket).session(code, client_address(websocket))
    except (ApiError, NotFound, TooMany):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    client = Client(websocket.send_text, close=lambda code: websocket.close(code=code))
    session.connect_presenter(client)
    try:
        await read_until_closed(websocket, client, session, presenter=True)
    finally:
        session.disconnect_presenter(client)


async def read_until_closed(
    websocket: WebSocket, client: Client, session: LiveSession, *, presenter: bool
) -> None:
    """Answer pings and resync requests; a presenter may also send control actions. Ends
    when the socket closes."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if not isinstance(data, dict):
            continue
        kind = data.get("type")
        if kind == "ping":
            client.offer("pong", _PONG)
        elif kind == "resync":
            session.resync(client, presenter)
        elif kind == "control" and presenter:
            await _control(session, client, data)


async def _control(session: LiveSession, client: Client, data: dict) -> None:
    try:
        args = control_body(data)
    except ApiError:
        client.offer("error", encode({"type": "error", "error": "invalid_request"}))
        return
    try:
        await args.apply_to(session)
    except (ControlError, Conflict, NotFound) as exc:
        client.offer("error", encode({"type": "error", "error": exc.code, "detail": str(exc)}))
