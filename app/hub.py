"""Fan-out of live updates to websockets, so that one slow phone never stalls the room.

Every client has a latest-only mailbox keyed by message kind ("state", "results"): a newer
snapshot replaces an unsent older one, so memory per client is bounded and a slow client
skips straight to the newest state. A sender task exists only while a client has something
to send; an idle room of thousands of phones costs no tasks at all. Messages are serialised
once per broadcast, never per client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

Sender = Callable[[str], Coroutine[Any, Any, None]]
Closer = Callable[[int], Coroutine[Any, Any, None]]


class ResultsMessageLike(Protocol):
    """What the hub needs of a results message (see liveview.ResultsMessage)."""

    version: int
    full: str
    delta: str | None

    @property
    def base(self) -> int: ...


# A phone has one socket, a few when its owner opened the page twice; more is a script.
MAX_SOCKETS_PER_PARTICIPANT = 4
# Our pages join before they open a socket, so sockets without a participant come from
# scripts and tools: a few per address, so that they cannot pile up idle connections.
MAX_UNJOINED_PER_ADDRESS = 20


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Client:
    """One connected websocket as the hub sees it."""

    __slots__ = (
        "_close",
        "_pending",
        "_send",
        "_task",
        "address",
        "closed",
        "participant",
        "results_seen",
    )

    def __init__(
        self,
        send: Sender,
        participant: str | None = None,
        close: Closer | None = None,
        address: str = "",
    ) -> None:
        self._send = send
        self._close = close
        self._pending: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self.closed = False
        self.participant = participant
        self.address = address
        self.results_seen = 0  # version of the last results message this client was offered

    def offer(self, kind: str, text: str) -> None:
        """Send a snapshot now if the socket can take it, else keep only the newest per kind.

        A websocket send completes without suspending unless the client's transport is
        backed up, so the common case is sent right here, eagerly: no task per client per
        broadcast (ten thousand phones would otherwise mean ten thousand tasks per slide
        change). Only a backed-up client gets a task, which drains its mailbox when it can.
        """
        if self.closed:
            return
        if self._task is not None:
            self._pending.pop(kind, None)
            self._pending[kind] = text
            return
        sending = self._send(text)
        try:
            waiting_for = sending.send(None)
        except StopIteration:
            return
        except Exception:
            self.closed = True  # the socket is gone; its receive loop will clean up
            return
        self._task = asyncio.get_running_loop().create_task(self._finish(sending, waiting_for))

    async def _finish(self, sending: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        """Drive a send that had to wait for the transport, then drain what piled up."""
        try:
            while True:
                if waiting_for is None:  # a bare yield: just let the loop run once
                    await asyncio.sleep(0)
                else:
                    with contextlib.suppress(Exception):
                        await waiting_for  # the send sees the outcome itself when resumed
                try:
                    waiting_for = sending.send(None)
                except StopIteration:
                    break
            while self._pending and not self.closed:
                kind = next(iter(self._pending))
                await self._send(self._pending.pop(kind))
        except asyncio.CancelledError:
            sending.close()
            raise
        except Exception:
            self.closed = True
        finally:
            self._task = None

    def offer_results(self, message: ResultsMessageLike) -> None:
        """The results message as a change when this client holds its base and is keeping
        up, else whole (a backed-up client's mailbox may drop what the change builds on)."""
        if self.results_seen == message.version:
            return  # it has this one already
        if message.delta is not None and self.results_seen == message.base and self._task is None:
            self.offer("results", message.delta)
        else:
            self.offer("results", message.full)
        self.results_seen = message.version

    def close(self) -> None:
        self.closed = True
        self._pending.clear()
        if self._task is not None:
            self._task.cancel()

    def disconnect(self, code: int) -> None:
        """Stop sending and close the socket itself with `code` (e.g. the session is gone)."""
        self.close()
        if self._close is not None:
            closing = self._close(code)

            async def close_quietly() -> None:
                with contextlib.suppress(Exception):
                    await closing

            asyncio.get_running_loop().create_task(close_quietly())


class Room:
    """The clients of one session: phones and presenter screens."""

    __slots__ = ("participants", "phones", "presenters")

    def __init__(self) -> None:
        self.phones: set[Client] = set()
        self.presenters: set[Client] = set()
        self.participants: Counter[str] = Counter()  # open sockets per joined participant


class Hub:
    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}
        self._unjoined: Counter[str] = Counter()  # sockets without a participant, by address

    def room(self, code: str) -> Room:
        room = self._rooms.get(code)
        if room is None:
            room = self._rooms[code] = Room()
        return room

    def phone_count(self, code: str) -> int:
        """Joined participants with at least one open socket (scripts' extra sockets and
        sockets that never joined are not people in the room)."""
        room = self._rooms.get(code)
        return len(room.participants) if room else 0

    def admit_phone(self, code: str, client: Client) -> bool:
        """Reserve a place for a phone's socket before it is accepted; False: refuse it."""
        if client.participant is None:
            if self._unjoined[client.address] >= MAX_UNJOINED_PER_ADDRESS:
                return False
            self._unjoined[client.address] += 1
        else:
            room = self.room(code)
            if room.participants[client.participant] >= MAX_SOCKETS_PER_PARTICIPANT:
                return False
            room.participants[client.participant] += 1
        return True

    def add_phone(self, code: str, client: Client) -> None:
        self.room(code).phones.add(client)

    def remove_phone(self, code: str, client: Client) -> None:
        """Forget a phone's socket and give back the place `admit_phone` reserved."""
        if client.participant is None:
            _decrement(self._unjoined, client.address)
        else:
            room = self._rooms.get(code)
            if room is not None:
                _decrement(room.participants, client.participant)
        room = self._rooms.get(code)
        if room is not None:
            room.phones.discard(client)

    def to_phones(self, code: str, kind: str, text: str) -> None:
        """Offer one already-serialised snapshot to every phone of a session."""
        room = self._rooms.get(code)
        if room:
            for client in list(room.phones):
                client.offer(kind, text)

    def results_to_phones(self, code: str, message: ResultsMessageLike) -> None:
        room = self._rooms.get(code)
        if room:
            for client in list(room.phones):
                client.offer_results(message)

    def results_to_presenters(self, code: str, message: ResultsMessageLike) -> None:
        room = self._rooms.get(code)
        if room:
            for client in list(room.presenters):
                client.offer_results(message)

    def to_presenters(self, code: str, kind: str, text: str) -> None:
        room = self._rooms.get(code)
        if room:
            for client in list(room.presenters):
                client.offer(kind, text)

    def drop_room(self, code: str, close_code: int) -> None:
        """Forget a session's room and close every socket in it with `close_code`."""
        room = self._rooms.pop(code, None)
        if room:
            for client in room.phones | room.presenters:
                client.disconnect(close_code)


def _decrement(counter: Counter[str], key: str) -> None:
    if counter[key] <= 1:
        counter.pop(key, None)
    else:
        counter[key] -= 1
