"""The projector: a presenter websocket that records when votes show in its tallies.

For the watched question it keeps the (time, responses, distinct) of every `results` message.
Every vote in the vote-to-projector scenario carries a word of its own, so a word cloud's
`distinct` (how many different words it holds) is the number of votes counted. The projector
gets only the top words of a cloud (a bounded view), so a vote is found by that count, not by
its word: the vote acknowledged k-th shows in the first message that counts k of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PARSE_MAX_BYTES = 65536  # bigger messages are only counted unless a question is watched


class Presenter:
    def __init__(self, base_url: str, code: str, admin_token: str) -> None:
        self.url = "ws" + base_url.removeprefix("http") + f"/ws/sessions/{code}/presenter"
        self.admin_token = admin_token
        self.ws: ClientConnection | None = None
        self.watched: str | None = None
        self.results: list[tuple[float, int, int]] = []  # (received at, responses, distinct)
        self.messages = 0
        self.payload_bytes = 0  # every data message, text or binary, by payload size
        self.max_message = 0  # biggest payload since the last `reset_max`
        self.closed_early = False
        self._task: asyncio.Task[None] | None = None
        self._state = asyncio.Event()
        self.last_state: dict[str, Any] = {}

    async def connect(self, timeout: float) -> None:
        """Open the socket and wait for its first `state` message."""
        self.ws = await connect(
            self.url,
            additional_headers={"Authorization": f"Bearer {self.admin_token}"},
            compression=None,
            proxy=None,
            ping_interval=None,
            open_timeout=timeout,
            max_size=2**26,
        )
        self._task = asyncio.create_task(self._read())
        async with asyncio.timeout(timeout):
            await self._state.wait()

    def watch(self, question: str | None) -> None:
        """Record tallies of `question` from now on (forgetting earlier ones); None: none."""
        self.watched = question
        self.results = []

    def reset_max(self) -> None:
        self.max_message = 0

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            while True:
                raw = await self.ws.recv(decode=False)  # bytes: payload size without encoding
                now = time.monotonic()
                size = len(raw)
                self.messages += 1
                self.payload_bytes += size
                if size > self.max_message:
                    self.max_message = size
                if size > PARSE_MAX_BYTES and self.watched is None:
                    continue  # counted; nobody reads its tallies (e.g. the whole answer wall)
                try:
                    message = json.loads(raw)
                except ValueError:  # not JSON (say, a binary message): counted, not read
                    continue
                if not isinstance(message, dict):
                    continue
                kind = message.get("type")
                if kind == "state":
                    self.last_state = message
                    self._state.set()
                elif kind == "results":
                    result = message.get("result") or {}
                    if result.get("id") == self.watched:
                        distinct = int(result.get("distinct", len(result.get("counts", {}))))
                        self.results.append((now, int(result.get("responses", 0)), distinct))
        except ConnectionClosed:
            self.closed_early = True

    def distinct(self) -> int:
        """The newest tally's count of different entries (0 before any)."""
        return self.results[-1][2] if self.results else 0

    async def wait_for(self, distinct: int, deadline: float) -> None:
        """Until a tally counts `distinct` different entries, or the deadline."""
        while time.monotonic() < deadline and self.distinct() < distinct:
            await asyncio.sleep(0.01)

    def slides(self) -> list[dict[str, Any]]:
        """The deck's slides in order, as the latest presenter state lists them."""
        return self.last_state["presenter"]["slides"]

    def summary(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "message_bytes": self.payload_bytes,
            "closed_early": self.closed_early,
        }

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):  # already gone: nothing to close
                await self.ws.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
