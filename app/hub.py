"""Fan-out of live updates to websockets, so that one slow phone never stalls the room.

Every client has a latest-only mailbox keyed by message kind ("state", "results"): a newer
snapshot replaces an unsent older one, so memory per client is bounded and a slow client
skips straight to the newest state. A sender task exists only while a client has something
to send; an idle room of thousands of phones costs no tasks at all. Messages are serialised
once per broadcast, never per client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

Sender = Callable[[str], Awaitable[None]]


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Client:
    """One connected websocket as the hub sees it."""

    __slots__ = ("_pending", "_send", "_task", "closed", "participant")

    def __init__(self, send: Sender, participant: str | None = None) -> None:
        self._send = send
        self._pending: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self.closed = False
        self.participant = participant

    def offer(self, kind: str, text: str) -> None:
        """Queue a snapshot, replacing an unsent one of the same kind. Never blocks."""
        if self.closed:
            return
        self._pending.pop(kind, None)
        self._pending[kind] = text
        if self._task is None:
            self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._pending and not self.closed:
                kind = next(iter(self._pending))
                await self._send(self._pending.pop(kind))
        except Exception:
            self.closed = True  # the socket is gone; its receive loop will clean up
        finally:
            self._task = None

    def close(self) -> None:
        self.closed = True
        self._pending.clear()


class Room:
    """The clients of one session: phones and presenter screens."""

    __slots__ = ("phones", "presenters")

    def __init__(self) -> None:
        self.phones: set[Client] = set()
        self.presenters: set[Client] = set()


class Hub:
    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}

    def room(self, code: str) -> Room:
        room = self._rooms.get(code)
        if room is None:
            room = self._rooms[code] = Room()
        return room

    def phone_count(self, code: str) -> int:
        room = self._rooms.get(code)
        return len(room.phones) if room else 0

    def to_phones(self, code: str, kind: str, message: dict[str, Any]) -> None:
        room = self._rooms.get(code)
        if room and room.phones:
            text = encode(message)
            for client in room.phones:
                client.offer(kind, text)

    def to_presenters(self, code: str, kind: str, message: dict[str, Any]) -> None:
        room = self._rooms.get(code)
        if room and room.presenters:
            text = encode(message)
            for client in room.presenters:
                client.offer(kind, text)

    def drop_room(self, code: str) -> None:
        room = self._rooms.pop(code, None)
        if room:
            for client in room.phones | room.presenters:
                client.close()
