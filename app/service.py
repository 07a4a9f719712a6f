"""The application's services: the store and the shared parts, and the session being served.

Routes parse requests and call a LiveSession (app/live.py) found here; nothing else holds
state. In a cluster every worker runs one of these over the same PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from . import netaddr, retention
from .auth import AdminSessions, TokenSigner
from .backends import Shared
from .deckwatch import DeckWatcher
from .domain.errors import AnswerError, ControlError, DeckError
from .domain.loader import load_deck, parse_deck
from .domain.presenter import initial_state
from .errors import Conflict, NotFound, TooMany, session_gone
from .hub import Hub
from .joingate import JoinGate, JoinKeys
from .live import CLOSE_GONE, Accepted, LiveSession, now_ms
from .ports.store import Store
from .settings import Settings

log = logging.getLogger(__name__)

PURGE_EVERY_S = 24 * 3600
LEASE_SECONDS = 90  # a served session's lease, renewed every third of it
SECRET_BYTES = 32


class Rondvraag:
    """Settings, the store and the shared parts (bus, tally, limits), this worker's hub and
    the session it serves."""

    def __init__(self, settings: Settings, store: Store, shared: Shared) -> None:
        self.settings = settings
        self.store = store
        self.bus = shared.bus
        self.tally = shared.tally
        self.limits = shared.limits
        self._shared = shared
        self.hub = Hub()
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.sessions: dict[str, LiveSession] = {}  # the served session(s), by join code
        self.primary: LiveSession | None = None
        # Secrets: from the settings (laptop: the data folder; or the environment), else from
        # the store, so that every worker of a cluster signs and checks with the same ones.
        self.admin_token = settings.admin_token
        self._install_secret(settings.secret)
        self._background: list[asyncio.Task[None]] = []

    def _install_secret(self, secret: bytes) -> None:
        self.signer = TokenSigner(secret)
        self.admin_sessions = AdminSessions(secret, self.admin_token)
        rate = self.settings.join_rate
        self.gate = JoinGate(
            JoinKeys(secret, self.settings.join_key_seconds),
            self.limits,
            keyed_rate=rate,
            keyless_rate=min(rate, 1.0),
            keyless_burst=50,
            max_participants=self.settings.max_participants,
        )

    def join_url(self, code: str) -> str:
        return f"{self.base_url()}/j/{code}"

    def base_url(self) -> str:
        return netaddr.base_url(self.settings.host, self.settings.port, self.settings.public_url)

    # --- limits every worker shares ------------------------------------------------------------

    async def allow_vote(self, participant: str) -> int:
        """0, or seconds until this participant may answer again (5/s, bursts of 25)."""
        rate = self.settings.vote_rate
        return await self.limits.take("votes", participant, rate, rate * 5)

    async def admin_blocked(self, address: str) -> int:
        """Ten wrong admin tokens per address, then one try per 10 s; 0 while allowed."""
        return await self.limits.peek("admin-failures", address, 0.1, 10)

    async def admin_failed(self, address: str) -> None:
        await self.limits.take("admin-failures", address, 0.1, 10)

    # --- starting and stopping ------------------------------------------------------------------

    async def start(self) -> LiveSession:
        """Open the store and the shared parts, then serve the deck's session: resumed after
        a restart, else new (replicas starting together get the same one: the database keeps
        one open session per deck).

        Serving a deck ends every other open session in this database: only what is being
        served takes joins and answers, so an old talk's code cannot collect answers later.
        """
        await self.store.open()
        await self._shared.open()
        if self.settings.cluster:
            await self._shared_secrets()
        deck = load_deck(self.settings.deck_path)
        record = await self.store.open_session(
            deck.name, deck.title, deck.source, initial_state(deck, now_ms()).to_json(), _new_code
        )
        await self.store.end_sessions(keep=record.code)
        session = LiveSession(record, deck, self, self.join_url(record.code), served=True)
        self.sessions[record.code] = session
        self.primary = session
        await session.follow_stored_deck(record)
        await session.start()
        # Saving the deck file reloads it (in a cluster every worker watches its own copy).
        watcher = DeckWatcher(
            self.settings.deck_path, deck.name, session.swap_deck, session.show_deck_problems
        )
        self._background = [
            asyncio.create_task(self._keep_lease(record.code)),
            asyncio.create_task(self._purge_daily()),
            asyncio.create_task(watcher.run()),
        ]
        return session

    async def _shared_secrets(self) -> None:
        """The admin token and signing key every replica shares: from the environment, else
        created once in the database (a participant token from one worker works on all)."""
        if not self.admin_token:
            self.admin_token = await self.store.shared_secret(
                "admin-token", lambda: secrets.token_urlsafe(24)
            )
        secret = (
            self.settings.secret
            or (
                await self.store.shared_secret(
                    "signing-key", lambda: secrets.token_hex(SECRET_BYTES)
                )
            ).encode()
        )
        self._install_secret(secret)

    async def _purge_daily(self) -> None:
        """Delete sessions past their deck's retention: now, then once a day."""
        while True:
            try:
                await retention.purge(self.store)
            except Exception:
                log.exception("purging sessions past their retention failed; next try tomorrow")
            await asyncio.sleep(PURGE_EVERY_S)

    async def _keep_lease(self, code: str) -> None:
        """Say in the database that this session is being served (the CLI's delete checks)."""
        while True:
            until = datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)
            with contextlib.suppress(Exception):
                stamp = until.isoformat(timespec="milliseconds").replace("+00:00", "Z")
                await self.store.set_serving(code, stamp)
            await asyncio.sleep(LEASE_SECONDS / 3)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for session in list(self.sessions.values()):
            await session.aclose()
            if not self.settings.cluster:  # other replicas may still serve it
                with contextlib.suppress(Exception):
                    await self.store.set_serving(session.code, None)
        await self._shared.close()
        await self.store.close()

    @property
    def healthy(self) -> bool:
        """Able to serve phones: the bus subscription is live (a load balancer asks)."""
        return self.bus.healthy

    async def allow_check(self, address: str) -> None:
        """The venue check is for a presenter's test phone: a few per address, then 429."""
        wait = await self.limits.take("phone-checks", address, 0.5, 10)
        if wait:
            raise TooMany("rate_limited", "too many venue checks; wait a moment", wait)

    # --- finding sessions ------------------------------------------------------------------------

    async def session(self, code: str, address: str) -> LiveSession:
        """The served session with this join code, for anyone who knows the code.

        Every wrong code costs the asking address a token; when they run out, a code walk
        gets 429 (the same answer for every wrong code, so nothing tells codes apart).
        """
        session = self.sessions.get(code)
        if session is not None and not session.gone:
            return session
        wait = await self.limits.take("wrong-codes", address, 1.0, 30)
        if wait:
            raise TooMany("rate_limited", "too many wrong join codes; wait a moment", wait)
        raise session_gone(code)

    async def stored(self, code: str) -> LiveSession | None:
        """Any session, served or kept in storage, for the organiser (read-only if not served).

        A stored session is read afresh and never kept here, so a deleted one cannot come back.
        """
        session = self.sessions.get(code)
        if session is not None:
            return None if session.gone else session
        if not (len(code) == 6 and code.isdigit()):
            return None
        record = await self.store.get_session(code)
        if record is None:
            return None
        try:  # off the event loop: a stored deck takes up to a second or two to parse
            deck = await asyncio.to_thread(
                parse_deck, record.deck_source, filename=f"{record.deck}.yaml", name=record.deck
            )
        except DeckError as exc:
            raise Conflict(
                "deck_unreadable", f"the stored deck of session {code} no longer loads: {exc}"
            ) from None
        return LiveSession(record, deck, self, self.join_url(code), served=False)

    def forget(self, session: LiveSession) -> None:
        """A session is gone (deleted here or on another worker)."""
        if self.sessions.get(session.code) is session:
            del self.sessions[session.code]
        if session is self.primary:
            self.primary = None
            for task in self._background:
                task.cancel()

    async def delete(self, code: str) -> bool:
        """Delete a session and every answer; every worker closes its sockets (4404) and
        every route says 404 from then on."""
        session = self.sessions.get(code)
        if session is not None:
            await session.mark_gone()
        existed = await self.store.delete_session(code)
        with contextlib.suppress(Exception):  # the tally's server may be down: it expires
            await self.tally.drop(f"{code}:")
        if self.bus.shared:
            with contextlib.suppress(Exception):  # missed: the others' 500 ms poll sees it
                await self.bus.publish(code, {"kind": "gone", "from": self.worker})
        return existed


def _new_code() -> str:
    return f"{secrets.randbelow(900_000) + 100_000}"


__all__ = [
    "CLOSE_GONE",
    "Accepted",
    "AnswerError",
    "Conflict",
    "ControlError",
    "LiveSession",
    "NotFound",
    "Rondvraag",
    "TooMany",
]
