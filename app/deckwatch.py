"""Watch the served deck file and hand every saved version to the session (reload on save).

Polling, not inotify: one stat and one small read a second works on every platform and file
system (network shares, bind mounts) and sees every way editors save, in place or by writing a
new file and renaming it over the old one (the path is opened afresh each time). The bytes are
fingerprinted, so a save that changes nothing (or a touch) reloads nothing, and a save within
the file system's timestamp granularity is still seen.

A save seen mid-write (an editor that truncates, then writes) is read again after a short
pause until two reads agree, so a half-written file does not flash errors on the screen.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from .domain.deck import Deck
from .domain.errors import DeckError, Problem
from .domain.loader import decode_deck
from .domain.yamlsource import MAX_DECK_BYTES

log = logging.getLogger(__name__)

POLL_S = 1.0  # how often the file is looked at
SETTLE_S = 0.2  # a changed file is read again after this, until two reads agree
SETTLE_TRIES = 10
MISSING_TICKS = 3  # a file gone this many polls running is reported (a rename is quicker)

OnDeck = Callable[[Deck], Awaitable[None]]
OnProblems = Callable[[list[Problem]], Awaitable[None]]


def _read(path: Path) -> bytes | None:
    """The file's bytes (one more than a deck may have, at most), or None while it is absent."""
    try:
        with path.open("rb") as file:
            return file.read(MAX_DECK_BYTES + 1)
    except FileNotFoundError:
        return None


def _fingerprint(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


class DeckWatcher:
    """Polls one deck file; a changed file that loads goes to `on_deck`, one that does not to
    `on_problems` (FILE:LINE problems, as `rondvraag validate` prints them)."""

    def __init__(self, path: Path, name: str, on_deck: OnDeck, on_problems: OnProblems) -> None:
        self.path = path
        self.name = name  # the served deck's name stays, whatever the file is renamed to
        self.on_deck = on_deck
        self.on_problems = on_problems
        # Nothing seen yet: the first look hands the file over, and the session ignores a
        # deck it already serves (so a save between loading and watching is not missed).
        self._seen: str | None = None
        self._missing = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing reload must not end the watching
                log.exception("reloading the deck %s failed; watching on", self.path)

    async def check(self) -> None:
        """Look at the file once; act if its content changed since the last look."""
        data = await asyncio.to_thread(_read, self.path)
        if data is None:
            self._missing += 1
            if self._missing == MISSING_TICKS:
                self._seen = None
                await self.on_problems([Problem(str(self.path), 0, "no such file")])
            return
        self._missing = 0
        if _fingerprint(data) == self._seen:
            return
        data = await self._settled(data)
        self._seen = _fingerprint(data)
        try:
            deck = await asyncio.to_thread(decode_deck, data, self.path, self.name)
        except DeckError as exc:
            log.warning("the deck %s does not load; the last good one stays:\n%s", self.path, exc)
            await self.on_problems(exc.problems)
            return
        log.info("the deck %s changed: reloaded", self.path)
        await self.on_deck(deck)

    async def _settled(self, data: bytes) -> bytes:
        """Read again until two reads agree (an editor may still be writing)."""
        for _ in range(SETTLE_TRIES):
            await asyncio.sleep(SETTLE_S)
            again = await asyncio.to_thread(_read, self.path)
            if again is None or again == data:
                return data
            data = again
        return data
