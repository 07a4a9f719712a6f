"""The live session service: the one place where deck, presenter state, storage and fan-out meet.

Routes parse requests and call this; this calls the pure domain to decide, the store to keep,
and the hub to tell. Order is always: validate, write (committed), then publish.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from .auth import TokenSigner
from .coalesce import Coalescer
from .domain.deck import Deck
from .domain.errors import AnswerError, ControlError
from .domain.loader import load_deck, parse_deck
from .domain.presenter import PresenterState, apply, initial_state
from .domain.slides import Question
from .hub import Client, Hub, encode
from .netaddr import lan_address
from .ratelimit import RateLimiter
from .settings import Settings
from .store.base import SessionRecord, Store

log = logging.getLogger(__name__)

_NO_RESULTS = encode({"type": "results", "result": None})

RESULTS_INTERVAL = 0.1  # at most ~10 tally updates a second to the projector
PHONE_RESULTS_INTERVAL = 0.5  # phones show revealed results too, but 2 updates a second do
PRESENCE_INTERVAL = 1.0  # participant counts on the presenter screen, at most once a second


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


@dataclass(frozen=True, slots=True)
class Accepted:
    question: str
    answer: Any
    replaced: bool


class LiveSession:
    """One session being presented: its deck, its presenter state and its live audience."""

    def __init__(
        self, record: SessionRecord, deck: Deck, store: Store, hub: Hub, join_url: str
    ) -> None:
        self.code = record.code
        self.deck = deck
        self.created_at = record.created_at
        self.store = store
        self.hub = hub
        self.join_url = join_url
        self.state = (
            PresenterState.from_json(record.state, deck) if record.state else initial_state(deck)
        )
        self.participants = 0
        self._control_lock = asyncio.Lock()
        self._results_seq = 0
        self._results = Coalescer(self._publish_results, RESULTS_INTERVAL)
        self._phone_results = Coalescer(self._publish_phone_results, PHONE_RESULTS_INTERVAL)
        self._latest_results: tuple[str, str] | None = None  # (question id, message text)
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
            "voting_open": bool(question) and self.state.voting_open,
            "results_visible": bool(question) and self.state.results_visible(question),
            "round": self.state.round_of(question.id) if question else 0,
        }

    def presenter_state(self) -> dict[str, Any]:
        view = self.public_state()
        view["presenter"] = {
            "slides": [
                {"id": s.id, "type": s.type_name, "title": _label(s)} for s in self.deck.slides
            ],
            "notes": self.live_slide.notes,
            "connected": self.hub.phone_count(self.code),
            "participants": self.participants,
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

    async def register(self, participant_id: str) -> None:
        """A newly issued participant: stored, then counted on the presenter screen."""
        try:
            await self.store.add_participant(self.code, participant_id)
        except ValueError:
            raise NotFound("unknown_session", "this session has been deleted") from None
        self.participants += 1

    async def respond(self, participant_id: str, question_id: str, raw: Any) -> Accepted:
        """Check and store one answer. Acknowledged only after it is committed."""
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
            replaced = await self.store.save_response(
                self.code, question.id, round_, participant_id, answer
            )
        except ValueError:  # deleted from the command line while being served
            raise NotFound("unknown_session", "this session has been deleted") from None
        if question is self.live_slide:
            self._results.poke()
        return Accepted(question.id, answer, replaced)

    async def my_answers(self, participant_id: str) -> dict[str, Any]:
        rounds = {q.id: self.state.round_of(q.id) for q in self.deck.questions}
        return await self.store.participant_answers(self.code, participant_id, rounds)

    # --- presenter ---------------------------------------------------------------------------

    async def control(self, action: str, question: str | None = None) -> dict[str, Any]:
        """Apply a presenter action, store the new state, then tell every screen."""
        async with self._control_lock:
            new_state = apply(self.state, self.deck, action, question)
            if new_state is not self.state:
                await self.store.save_state(self.code, new_state.to_json())
                self.state = new_state
                self.publish_state()
        return self.presenter_state()

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
        self._latest_results = None
        self._results.poke()

    async def _publish_results(self) -> None:
        question = self.live_question
        if question is None:
            return
        self._results_seq += 1
        message = {
            "type": "results",
            "version": self._results_seq,
            "result": await self.result(question),
        }
        if question is not self.live_question:
            return  # the slide moved on while we read; its own publish follows
        text = encode(message)
        self.hub.to_presenters(self.code, "results", text)
        self._latest_results = (question.id, text)
        if self.state.results_visible(question):
            self._phone_results.poke()

    def _results_for_phones(self) -> str | None:
        """The newest results message, if it is the live question's and phones may see it."""
        question = self.live_question
        latest = self._latest_results
        visible = question is not None and self.state.results_visible(question)
        return latest[1] if visible and latest and latest[0] == question.id else None

    async def _publish_phone_results(self) -> None:
        text = self._results_for_phones()
        if text is not None:
            self.hub.to_phones(self.code, "results", text)

    async def _publish_presenter_state(self) -> None:
        self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    # --- connections -------------------------------------------------------------------------

    def connect_phone(self, client: Client) -> None:
        self.hub.room(self.code).phones.add(client)
        client.offer("state", self.public_state_text())
        text = self._results_for_phones()
        if text is not None:
            client.offer("results", text)
        self._presence.poke()

    def disconnect_phone(self, client: Client) -> None:
        client.close()
        self.hub.room(self.code).phones.discard(client)
        self._presence.poke()

    def connect_presenter(self, client: Client) -> None:
        self.hub.room(self.code).presenters.add(client)
        client.offer("state", encode(self.presenter_state()))
        self._results.poke()

    def disconnect_presenter(self, client: Client) -> None:
        client.close()
        self.hub.room(self.code).presenters.discard(client)

    async def aclose(self) -> None:
        await self._results.aclose()
        await self._phone_results.aclose()
        await self._presence.aclose()


class Rondvraag:
    """The application's services: settings, store, hub and the sessions being served."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.hub = Hub()
        self.signer = TokenSigner(settings.secret)
        self.sessions: dict[str, LiveSession] = {}
        self.primary: LiveSession | None = None
        # Joins are limited per address, but generously: a venue may put a whole room
        # behind one NAT address. Answers are limited per participant.
        self.join_limiter = RateLimiter(settings.join_rate, burst=settings.join_rate * 40)
        self.vote_limiter = RateLimiter(settings.vote_rate)
        self.login_limiter = RateLimiter(0.2, burst=5)

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

    async def start(self) -> LiveSession:
        """Open storage and create, or resume after a restart, the session of the served deck."""
        await self.store.open()
        deck = load_deck(self.settings.deck_path)
        record = await self.store.find_session(deck.name)
        if record is None:
            record = await self._create(deck)
        session = LiveSession(record, deck, self.store, self.hub, self.join_url(record.code))
        session.participants = await self.store.participant_count(record.code)
        self.sessions[record.code] = session
        self.primary = session
        return session

    async def _create(self, deck: Deck) -> SessionRecord:
        state = initial_state(deck).to_json()
        for _ in range(20):
            code = f"{secrets.randbelow(900_000) + 100_000}"
            if await self.store.get_session(code) is None:
                return await self.store.create_session(
                    code, deck.name, deck.title, deck.source, state
                )
        raise RuntimeError("could not find a free join code")

    async def get(self, code: str) -> LiveSession | None:
        """A session by join code: the served one, or an earlier one kept in storage."""
        session = self.sessions.get(code)
        if session is not None:
            return session
        if not (len(code) == 6 and code.isdigit()):
            return None
        record = await self.store.get_session(code)
        if record is None:
            return None
        deck = parse_deck(record.deck_source, filename=f"{record.deck}.yaml", name=record.deck)
        session = LiveSession(record, deck, self.store, self.hub, self.join_url(code))
        session.participants = await self.store.participant_count(code)
        self.sessions[code] = session
        return session

    async def delete(self, code: str) -> bool:
        session = self.sessions.pop(code, None)
        if session is not None:
            await session.aclose()
            self.hub.drop_room(code)
        return await self.store.delete_session(code)

    async def stop(self) -> None:
        for session in self.sessions.values():
            await session.aclose()
        await self.store.close()


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
]
