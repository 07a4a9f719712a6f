"""Coalesce bursts: the first change goes out at once, then at most one update per interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Coalescer:
    """Calls `publish` after `poke()`: immediately when idle, else at most once per `interval`.

    A burst of a thousand pokes becomes a handful of publishes, and the last poke is always
    followed by a publish, so the newest data is never left unsent.
    """

    def __init__(self, publish: Callable[[], Awaitable[None]], interval: float) -> None:
        self._publish = publish
        self.interval = interval  # may be changed on the fly (e.g. to keep a bytes budget)
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0

    def poke(self) -> None:
        self._dirty = True
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._dirty:
                wait = self._last + self.interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty = False
                self._last = time.monotonic()
                try:
                    await self._publish()
                except Exception:
                    log.exception("publishing a live update failed")
        finally:
            self._task = None

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
