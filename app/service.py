"""The live session service: the one place where deck, presenter state, storage and fan-out meet.

Routes parse requests and call this; this calls the pure domain to decide, the store to keep,
and the hub to tell. Order is always: validate, write (committed), then publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .auth import AdminSessions, TokenSigner
from .coalesce import Coalescer
from .domain.deck import Deck
from .domain.errors import AnswerError, ControlError, DeckError
from .domain.loader import load_deck, parse_deck
from .domain.presenter import PresenterState, apply, initial_state
from .domain.slides import Question
from .hub import Client, Hub, encode
from .joingate import JoinGate, JoinKeys, JoinRefused
from .liveview import ResultsMessage
from .netaddr import lan_address
from .ports.store import SessionGone, SessionRecord, Store
from .ratelimit import RateLimiter
from .settings import Settings

log = logging.getLogger(__name__)

_NO_RESULTS = encode({"type": "results", "result": None})

RESULTS_INTERVAL = 0.1  # at most ~10 tally updates a second to the projector
PHONE_RESULTS_INTERVAL = 0.5  # phones show revealed results too, but 2 updates a second do
# and never more than this many bytes a second each: a fast-growing wall of long answers
# reaches phones every few seconds instead of twice a second (venue Wi-Fi is shared).
PHONE_BYTES_PER_S = 2048
# How much of a growing result each screen gets live (newest open answers, top words): what
# it can show. The HTTP results and the exports always have everything.
PRESENTER_VIEW_SIZE = 100
PHONE_VIEW_SIZE = 30
PRESENCE_INTERVAL = 1.0  # participant counts on the presenter screen, at most once a second
LEASE_SECONDS = 90  # a served session's lease, renewed every third of it
PRESENTER_REFRESH_S = 10.0  # presenter screens get fresh counts at least this often
CLOSE_GONE = 4404  # websocket close code: the session was deleted


class NotFound(Exception):
    """No such session or question (404)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class Conflict(Exception):
    """The request is valid but does not fit the live state now (409)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class TooMany(Exception):
    """Slow down: retry after `retry_after` seconds (429)."""

    def __init__(self, code: str, detail: str, retry_after: int) -> None:
        self.code = code
        self.retry_after = retry_after
        super().__init__(detail)


def _gone(code: str) -> NotFound:
    return NotFound("unknown_session", f"there is no session with code {code!r}")


@dataclass(frozen=True, slots=True)
class Accepted:
    question: str
    answer: Any
    replaced: bool


class LiveSession:
    """One session being presented: its deck, its presenter state and its live audience.

    A session not being served (an earlier talk kept in storage) is loaded `read_only`, for
    the organiser's exports and report: it takes no joins, answers or presenter actions.
    """

    def __init__(
        self,
        record: SessionRecord,
        deck: Deck,
        store: Store,
        hub: Hub,
        join_url: str,
        *,
        signer: TokenSigner,
        gate: JoinGate | None = None,
    ) -> None:
        self.code = record.code
        self.deck = deck
        self.created_at = record.created_at
        self.store = store
        self.hub = hub
        self.join_url = join_url
        self.signer = signer
        self.gate = gate
        self.read_only = gate is None or record.ended_at is not None
        self.gone = False  # deleted while being served: every route answers 404
        self.state = (
            PresenterState.from_json(record.state, deck) if record.state else initial_state(deck)
        )
        self.participants = 0
        self._control_lock = asyncio.Lock()
        self._results = Coalescer(self._publish_results, RESULTS_INTERVAL)
        self._phone_results = Coalescer(self._publish_phone_results, PHONE_RESULTS_INTERVAL)
        self._latest: tuple[Question, dict[str, Any]] | None = None  # live question's result
        self._to_presenters: ResultsMessage | None = None
        self._to_phones: ResultsMessage | None = None
        self._state_text: tuple[int, str] | None = None  # (version, public state text)
        self._presence = Coalescer(self._publish_presenter_state, PRESENCE_INTERVAL)

    # --- views -------------------------------------------------------------------------------

    @property
    def live_slide(self):
        return self.deck.slides[self.state.live]

    @property
    def live_question(self) -> Question | None:
        slide = self.live_slide
        return slide if isinstance(slide, Question) else None

    @property
    def ended(self) -> bool:
        return self.read_only or self.state.ended

    def public_state(self) -> dict[str, Any]:
        question = self.live_question
        return {
            "type": "state",
            "version": self.state.version,
            "code": self.code,
            "title": self.deck.title,
            "language": self.deck.language,
            "join_url": self.join_url,
            "position": {"index": self.state.live, "total": len(self.deck.slides)},
            "slide": self.live_slide.public(),
            "voting_open": bool(question) and self.state.voting_open and not self.ended,
            "results_visible": bool(question) and self.state.results_visible(question),
            "round": self.state.round_of(question.id) if question else 0,
            "ended": self.ended,
        }

    def presenter_state(self) -> dict[str, Any]:
        view = self.public_state()
        key = self.gate.keys.current(self.code) if self.gate else ""
        view["presenter"] = {
            "slides": [
                {"id": s.id, "type": s.type_name, "title": _label(s)} for s in self.deck.slides
            ],
            "notes": self.live_slide.notes,
            "connected": self.hub.phone_count(self.code),
            "participants": self.participants,
            "max_participants": self.gate.max_participants if self.gate else 0,
            "joins_last_minute": self.gate.joins_last_minute() if self.gate else 0,
            "joining_locked": self.state.joining_locked,
            "join_key": key,
            "join_url": f"{self.join_url}?k={key}" if key else self.join_url,
            "qr_visible": self.state.qr_visible,
        }
        return view

    async def result(self, question: Question) -> dict[str, Any]:
        """One question's results in its current round, tallied from stored answers."""
        round_ = self.state.round_of(question.id)
        answers = await self.store.answers(self.code, question.id, round_)
        return {
            "id": question.id,
            "type": question.type_name,
            "round": round_,
            "responses": len(answers),
            **question.tally(answers),
        }

    async def results(self) -> list[dict[str, Any]]:
        return [await self.result(q) for q in self.deck.questions]

    # --- participants ------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.gone:
            raise _gone(self.code)
        if self.ended:
            raise Conflict("session_ended", "this session has ended; it takes no more answers")

    async def join(self, address: str, key: object) -> str:
        """Let a new participant in (or refuse why not); returns their signed token."""
        self._check_writable()
        assert self.gate is not None  # a writable session has a gate
        try:
            self.gate.admit(self.code, address, key, self.participants, self.state.joining_locked)
        except JoinRefused as refused:
            if refused.retry_after:
                raise TooMany(refused.code, str(refused), refused.retry_after) from None
            raise Conflict(refused.code, str(refused)) from None
        token, participant_id = self.signer.issue(self.code)
        try:
            await self.store.add_participant(self.code, participant_id)
        except SessionGone:
            raise _gone(self.code) from None
        self.participants += 1
        self.gate.joined()
        self._presence.poke()
        return token

    async def respond(self, participant_id: str, question_id: str, raw: Any) -> Accepted:
        """Check and store one answer. Acknowledged only after it is committed."""
        self._check_writable()
        question = self.deck.question(question_id)
        if question is None:
            raise NotFound("unknown_question", f"there is no question {question_id!r}")
        if question is not self.live_slide:
            raise Conflict("not_live", f"question {question_id!r} is not the live question")
        if not self.state.voting_open:
            raise Conflict("voting_closed", "voting on this question is closed")
        answer = question.check_answer(raw)
        round_ = self.state.round_of(question.id)
        try:
            saved = await self.store.save_response(
                self.code, question.id, round_, participant_id, answer
            )
        except SessionGone:  # deleted while this answer was on its way
            raise _gone(self.code) from None
        if question is self.live_slide:
            self._results.poke()
        return Accepted(question.id, answer, saved.replaced)

    async def my_answers(self, participant_id: str) -> dict[str, Any]:
        rounds = {q.id: self.state.round_of(q.id) for q in self.deck.questions}
        return await self.store.participant_answers(self.code, participant_id, rounds)

    # --- presenter ---------------------------------------------------------------------------

    async def control(self, action: str, question: str | None = None) -> dict[str, Any]:
        """Apply a presenter action, store the new state, then tell every screen."""
        async with self._control_lock:
            if self.gone:
                raise _gone(self.code)
            if self.read_only:
                raise Conflict("session_ended", "this session has ended; it is read-only now")
            try:
                await self._apply_stored(action, question)
            except SessionGone:
                raise _gone(self.code) from None
        return self.presenter_state()

    async def _apply_stored(self, action: str, question: str | None) -> None:
        """Apply the action to the stored state by compare-and-set on its version.

        If the stored state moved on (another writer), take it and apply the action again,
        so every action lands on the newest state and versions only ever grow.
        """
        for _ in range(10):
            new_state = apply(self.state, self.deck, action, question)
            if new_state is self.state:
                return
            stored = await self.store.save_state(
                self.code, new_state.to_json(), expected_version=self.state.version
            )
            if stored:
                if new_state.ended:
                    await self.store.end_sessions(code=self.code)
                self.state = new_state
                self.publish_state()
                return
            record = await self.store.get_session(self.code)
            if record is None:
                raise SessionGone(self.code)
            self.state = PresenterState.from_json(record.state, self.deck)
        raise Conflict("busy", "the presenter state keeps changing; try again")

    def public_state_text(self) -> str:
        """The public state serialised once per version: every phone gets the same bytes."""
        if self._state_text is None or self._state_text[0] != self.state.version:
            self._state_text = (self.state.version, encode(self.public_state()))
        return self._state_text[1]

    def publish_state(self) -> None:
        self.hub.to_phones(self.code, "state", self.public_state_text())
        self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))
        if not self.live_question:
            self.hub.to_presenters(self.code, "results", _NO_RESULTS)
        self._latest = None
        self._results.poke()

    async def _publish_results(self) -> None:
        """Tally the live question and tell the presenters (and, if shown, the phones)."""
        question = self.live_question
        if question is None:
            return
        result = await self.result(question)
        if question is not self.live_question:
            return  # the slide moved on while we read; its own publish follows
        self._latest = (question, result)
        view = question.live_view(result, PRESENTER_VIEW_SIZE)
        self._to_presenters = ResultsMessage.after(self._to_presenters, view, question.live_list)
        self.hub.results_to_presenters(self.code, self._to_presenters)
        if self.state.results_visible(question):
            self._phone_results.poke()

    def _phone_message(self) -> ResultsMessage | None:
        """The phones' newest results message, if the live question's results are shown."""
        question = self.live_question
        latest = self._latest
        if question is None or latest is None or latest[0] is not question:
            return None
        if not self.state.results_visible(question):
            return None
        view = question.live_view(latest[1], PHONE_VIEW_SIZE)
        current = self._to_phones
        if current is None or current.view != view:
            self._to_phones = ResultsMessage.after(current, view, question.live_list)
        return self._to_phones

    async def _publish_phone_results(self) -> None:
        message = self._phone_message()
        if message is not None:
            self.hub.results_to_phones(self.code, message)
            size = len(message.delta or message.full)
            self._phone_results.interval = max(PHONE_RESULTS_INTERVAL, size / PHONE_BYTES_PER_S)

    def resync(self, client: Client, presenter: bool) -> None:
        """A screen lost track of the changes: send it the whole current view."""
        message = self._to_presenters if presenter else self._phone_message()
        if message is not None and message.question == self.live_slide.id:
            client.results_seen = 0
            client.offer_results(message)

    async def _publish_presenter_state(self) -> None:
        self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    # --- connections -------------------------------------------------------------------------

    def admit_phone(self, client: Client) -> bool:
        """Reserve a place for a phone's socket (before accepting it); False: refuse it."""
        return not self.gone and self.hub.admit_phone(self.code, client)

    def connect_phone(self, client: Client) -> None:
        """An admitted phone's socket is open: send it the state (and results it may see)."""
        self.hub.add_phone(self.code, client)
        client.offer("state", self.public_state_text())
        message = self._phone_message()
        if message is not None:
            client.offer_results(message)
        self._presence.poke()

    def disconnect_phone(self, client: Client) -> None:
        client.close()
        self.hub.remove_phone(self.code, client)
        self._presence.poke()

    def connect_presenter(self, client: Client) -> None:
        self.hub.room(self.code).presenters.add(client)
        client.offer("state", encode(self.presenter_state()))
        question = self.live_question
        message = self._to_presenters
        if question is not None and message is not None and message.question == question.id:
            client.offer_results(message)
        self._results.poke()

    def disconnect_presenter(self, client: Client) -> None:
        client.close()
        self.hub.room(self.code).presenters.discard(client)

    async def refresh_presenters(self) -> None:
        """Keep presenter screens current without any event: a new join key when it turns
        (the projector's QR code follows), and the joins-per-minute figure as it decays."""
        while True:
            wait = PRESENTER_REFRESH_S
            if self.gate is not None and self.gate.keys.enabled:
                wait = min(wait, self.gate.keys.seconds_left() + 0.05)
            await asyncio.sleep(wait)
            if self.hub.room(self.code).presenters:
                await self._publish_presenter_state()

    async def aclose(self) -> None:
        await self._results.aclose()
        await self._phone_results.aclose()
        await self._presence.aclose()


class Rondvraag:
    """The application's services: settings, store, hub and the session being served."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.hub = Hub()
        self.signer = TokenSigner(settings.secret)
        self.sessions: dict[str, LiveSession] = {}  # the served session(s), by join code
        self.primary: LiveSession | None = None
        self.vote_limiter = RateLimiter(settings.vote_rate)
        self.admin_sessions = AdminSessions(settings.secret, settings.admin_token)
        # Ten wrong admin tokens per address, then one try per 10 s; logins already made
        # keep working, so this slows a guesser without locking the presenter out.
        self.admin_failures = RateLimiter(0.1, burst=10)
        # Wrong join codes are limited per address (a code walk), right ones never are.
        self.wrong_codes = RateLimiter(1.0, burst=30)
        self._background: list[asyncio.Task[None]] = []

    def join_url(self, code: str) -> str:
        return f"{self.base_url()}/j/{code}"

    def base_url(self) -> str:
        if self.settings.public_url:
            return self.settings.public_url
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        if ":" in host:
            host = f"[{host}]"
        port = self.settings.port
        return f"http://{host}" + ("" if port == 80 else f":{port}")

    def _gate(self) -> JoinGate:
        rate = self.settings.join_rate
        return JoinGate(
            JoinKeys(self.settings.secret, self.settings.join_key_seconds),
            keyed_rate=rate,
            keyless_rate=min(rate, 1.0),
            keyless_burst=50,
            max_participants=self.settings.max_participants,
        )

    async def start(self) -> LiveSession:
        """Open storage and serve the deck's session: resumed after a restart, else new.

        Serving a deck ends every other open session in this database: only what is being
        served takes joins and answers, so an old talk's code cannot collect answers later.
        """
        await self.store.open()
        deck = load_deck(self.settings.deck_path)
        record = await self.store.open_session(
            deck.name, deck.title, deck.source, initial_state(deck).to_json(), _new_code
        )
        await self.store.end_sessions(keep=record.code)
        session = LiveSession(
            record,
            deck,
            self.store,
            self.hub,
            self.join_url(record.code),
            signer=self.signer,
            gate=self._gate(),
        )
        session.participants = await self.store.participant_count(record.code)
        self.sessions[record.code] = session
        self.primary = session
        self._background = [
            asyncio.create_task(self._keep_lease(record.code)),
            asyncio.create_task(session.refresh_presenters()),
        ]
        return session

    async def _keep_lease(self, code: str) -> None:
        """Say in the database that this session is being served (the CLI's delete checks)."""
        while True:
            until = datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)
            with contextlib.suppress(Exception):
                stamp = until.isoformat(timespec="milliseconds").replace("+00:00", "Z")
                await self.store.set_serving(code, stamp)
            await asyncio.sleep(LEASE_SECONDS / 3)

    async def session(self, code: str, address: str) -> LiveSession:
        """The served session with this join code, for anyone who knows the code.

        Every wrong code costs the asking address a token; when they run out, a code walk
        gets 429 (the same answer for every wrong code, so nothing tells codes apart).
        """
        session = self.sessions.get(code)
        if session is not None and not session.gone:
            return session
        wait = self.wrong_codes.take(address)
        if wait:
            raise TooMany("rate_limited", "too many wrong join codes; wait a moment", wait)
        raise _gone(code)

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
        session = LiveSession(
            record, deck, self.store, self.hub, self.join_url(code), signer=self.signer
        )
        session.participants = await self.store.participant_count(code)
        return session

    async def delete(self, code: str) -> bool:
        """Delete a session and every answer; its sockets close and every route says 404."""
        session = self.sessions.pop(code, None)
        if session is not None:
            session.gone = True
            await session.aclose()
            self.hub.drop_room(code, CLOSE_GONE)
            if session is self.primary:
                self.primary = None
                for task in self._background:
                    task.cancel()
        return await self.store.delete_session(code)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for session in self.sessions.values():
            await session.aclose()
            with contextlib.suppress(Exception):
                await self.store.set_serving(session.code, None)
        await self.store.close()


def _new_code() -> str:
    return f"{secrets.randbelow(900_000) + 100_000}"


def _label(slide) -> str:
    return slide.title or getattr(slide, "prompt", "") or slide.id


__all__ = [
    "Accepted",
    "AnswerError",
    "Conflict",
    "ControlError",
    "LiveSession",
    "NotFound",
    "Rondvraag",
    "TooMany",
]
