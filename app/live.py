"""One live session on this worker: its deck, copies of its truth, and the sockets it feeds.

The truth is behind the ports, never in this object: the presenter state in the store (changed
by compare-and-set on its version), answers in the store, running counts in the live tally,
who is here on the bus, limits in the limits port. This worker keeps copies and fans updates
out to its own sockets through the hub. A message on the session's bus channel brings the
copies up to date at once; in a cluster each worker also re-reads the state every 500 ms, so a
missed message costs at most a moment.

Order for every change: validate, write (committed), then tell (tally, bus, screens).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import rehearsal, retention
from .coalesce import Coalescer
from .domain import moderation, rounds, segments
from .domain.deck import Deck
from .domain.errors import ControlError, DeckError, Problem
from .domain.loader import parse_deck
from .domain.nicknames import clean_name
from .domain.presenter import PresenterState, apply, expire, initial_state
from .domain.redeck import deck_version, follow_deck
from .domain.slides import Question
from .domain.slides.base import LiveCounts, Scores, scored_results
from .domain.slides.choice import Choice
from .errors import Conflict, NotFound, TooMany, session_gone
from .facets import Facets
from .hub import Client, encode
from .joingate import JoinRefused
from .liveview import ResultsMessage
from .ports.bus import BusUnavailable, Message
from .ports.store import Saved, SessionGone, SessionRecord
from .ports.tally import TallySnapshot, TallyUnavailable

if TYPE_CHECKING:
    from .service import Rondvraag

log = logging.getLogger(__name__)

_NO_RESULTS = encode({"type": "results", "result": None})

RESULTS_INTERVAL = 0.1  # at most ~10 tally updates a second to the projector
PHONE_RESULTS_INTERVAL = 0.5  # phones show revealed results too, but 2 updates a second do
# and never more than this many bytes a second each: a fast-growing wall of long answers
# reaches phones every few seconds instead of twice a second (venue Wi-Fi is shared).
PHONE_BYTES_PER_S = 2048
# How much of a growing result each screen gets live (newest open answers, top words): what
# it can show. The HTTP results and the exports always have everything.
PRESENTER_VIEW_SIZE = 100  # top words: a cloud or ranked list shows no more
# The projector's answer wall pages through every answer it holds, so it holds many: 500
# answers of 280 characters are ~145 KB whole (sent on connect or resync), and the changes
# while answers stream in stay a few hundred bytes. Beyond this the wall says so.
PRESENTER_LIST_SIZE = 500
PHONE_VIEW_SIZE = 30
PRESENCE_INTERVAL = 1.0  # participant counts on the presenter screen, at most once a second
PRESENTER_REFRESH_S = 10.0  # presenter screens get fresh counts at least this often
CLUSTER_TICK_S = 1.0  # a cluster worker reports its phones and refreshes counts this often
PRESENCE_TTL_S = 3.0  # a worker that stopped reporting stops counting after this
STATE_POLL_S = 0.5  # a cluster worker re-reads the presenter state at least this often
RECONCILE_S = 5.0  # a cluster worker checks the live tally against the database this often
MAX_DECK_ERRORS = 20  # a deck file's problems the presenter screens list, at most
CLOSE_GONE = 4404  # websocket close code: the session was deleted
# A running timer's `remaining_ms` in the phones' shared state text is at most this old.
TIMER_TEXT_MS = 200


def now_ms() -> int:
    """The server's clock in epoch milliseconds: timers and quiz answers are measured on it
    (never a phone's); workers of a cluster share it through NTP."""
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class Accepted:
    question: str
    answer: Any
    replaced: bool


class LiveSession:
    """One session on this worker. Not served (an earlier talk kept in storage), it is
    read-only, for the organiser's exports and report: no joins, answers or presenter
    actions, no background work."""

    def __init__(
        self, record: SessionRecord, deck: Deck, app: Rondvraag, join_url: str, *, served: bool
    ) -> None:
        self.code = record.code
        self.deck = deck
        self.created_at = record.created_at
        self.ended_at = record.ended_at  # as read at start (a session ended here: see state)
        self.join_url = join_url
        self.app = app
        self.store = app.store
        self.hub = app.hub
        self.read_only = not served or record.ended_at is not None
        self.gone = False  # deleted: every route answers 404
        self.state = (
            PresenterState.from_json(record.state, deck)
            if record.state
            else initial_state(deck, now_ms())
        )
        self._control_lock = asyncio.Lock()
        self._results = Coalescer(self._publish_results, RESULTS_INTERVAL)
        self._phone_results = Coalescer(self._publish_phone_results, PHONE_RESULTS_INTERVAL)
        self._presence = Coalescer(self._publish_presence, PRESENCE_INTERVAL)
        self._announce = Coalescer(self._announce_votes, RESULTS_INTERVAL)
        self._facets = Facets(self, self._results.poke)  # groups and rounds, presenter only
        self._snapshot: tuple[str, Question, TallySnapshot] | None = None  # (key, q, tally)
        self._to_presenters: ResultsMessage | None = None
        self._to_phones: ResultsMessage | None = None
        self._state_text: tuple[Any, str] | None = None  # (key, public state text)
        self._scores: tuple[int, Scores] | None = None  # (state version, scores) for a board
        self._timer_task: tuple[int, asyncio.Task[None]] | None = None  # (closes_at, task)
        self._counts = {"connected": 0, "participants": 0, "joins": 0}
        self._checked: set[str] = set()  # tally keys checked against the store on this worker
        self._tally_stale = False  # an apply failed: replay once the tally is back
        self._last_check: tuple[str, tuple[int, int]] | None = None
        # The latest venue check from a phone (`/check/CODE`): when, and its round trip.
        self._phone_reached: dict[str, Any] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.deck_version = deck_version(deck.source)
        self.deck_errors: list[str] = []  # the served file's problems while it does not load

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

    @property
    def participants(self) -> int:
        return self._counts["participants"]

    def public_state(self, state: PresenterState | None = None) -> dict[str, Any]:
        """What every phone sees of the current state (or of `state`, e.g. the one an action
        just produced, when other workers' changes may have come in since)."""
        state = state or self.state
        slide = self.deck.slides[state.live]
        question = slide if isinstance(slide, Question) else None
        ended = self.read_only or state.ended
        view = {
            "type": "state",
            "version": state.version,
            "code": self.code,
            "title": self.deck.title,
            "language": self.deck.language,
            "join_url": self.join_url,
            "position": {"index": state.live, "total": len(self.deck.slides)},
            "slide": slide.public(),
            "voting_open": bool(question) and state.voting_open and not ended,
            "results_visible": bool(question) and state.results_visible(question),
            "round": state.round_of(question.id) if question else 0,
            "ended": ended,
            "nicknames": self.nicknames,
        }
        timer = state.running_timer(slide.id) if question else None
        view["timer"] = None
        if question is not None and timer is not None:
            view["timer"] = timer_view(timer, now_ms(), view["voting_open"])
            if not view["voting_open"]:
                view["slide"] = {**view["slide"], **question.revealed()}
        if slide.uses_scores:
            scores = self._scores
            if scores is not None and scores[0] == state.version:
                view["slide"] = slide.public_scored(scores[1])
        return view

    @property
    def nicknames(self) -> bool:
        """Participants pick a nickname: the deck has a scored question (a quiz)."""
        return any(q.scored for q in self.deck.questions)

    def presenter_state(
        self, state: PresenterState | None = None, *, with_hidden: bool = False
    ) -> dict[str, Any]:
        """The state for the presenter's screens. The texts of hidden entries only `with_hidden`
        (an answer to the presenter's own request): never in a broadcast, so no screen in the
        room gets them; broadcasts say how many there are."""
        state = state or self.state
        view = self.public_state(state)
        gate = self.app.gate
        key = gate.keys.current(self.code) if not self.read_only else ""
        hidden = state.hidden.get(self.deck.slides[state.live].id, ())
        view["presenter"] = {
            "slides": [
                {"id": s.id, "type": s.type_name, "title": _label(s)} for s in self.deck.slides
            ],
            "notes": self.deck.slides[state.live].notes,
            "connected": self._counts["connected"],
            "participants": self._counts["participants"],
            "max_participants": gate.max_participants,
            "joins_last_minute": self._counts["joins"],
            "joining_locked": state.joining_locked,
            "join_key": key,
            "join_url": f"{self.join_url}?k={key}" if key else self.join_url,
            "qr_visible": state.qr_visible,
            "phone_reached": self._phone_reached,
            "deleted_on": self._deleted_on(state),
            # The deck file as saved does not load (the last good deck is served meanwhile);
            # and the deck this worker serves against the one the stored state follows.
            "deck_errors": self.deck_errors,
            "deck_version": self.deck_version,
            "deck_in_step": state.deck in ("", self.deck_version),
            "rehearsal": state.rehearsal_json(),
            "split": self._split_info(state),
            "compare_rounds": state.compare_rounds,
            "min_group": self.deck.min_group,
            "hidden_count": len(hidden),
        }
        if with_hidden:
            view["presenter"]["hidden"] = list(hidden)
        return view

    def _split_info(self, state: PresenterState) -> dict[str, Any] | None:
        """The groups the presenter's screens split by (labels for the projector's legend)."""
        splitter = self.deck.question(state.split_by) if state.split_by else None
        if not isinstance(splitter, Choice):
            return None
        groups = [{"id": o.id, "label": o.label} for o in splitter.options]
        return {
            "by": splitter.id,
            "title": _label(splitter),
            "groups": [*groups, {"id": segments.NO_ANSWER, "label": ""}],
            "min_group": self.deck.min_group,
        }

    def _deleted_on(self, state: PresenterState) -> str | None:
        """The day an ended session goes, if its deck keeps answers for a number of days."""
        if not state.ended or self.deck.retention_days is None:
            return None
        if self.ended_at is None:  # ended here, now: the store holds the same moment
            self.ended_at = datetime.now(UTC).isoformat()
        day = retention.planned_deletion(self.deck.retention_days, self.ended_at)
        return day.isoformat() if day else None

    def public_state_text(self) -> str:
        """The public state serialised once per version: every phone gets the same bytes.
        (With the board's scores once loaded; while a timer runs, anew every 200 ms so that
        its `remaining_ms` stays fresh.)"""
        state = self.state
        scores = self._scores[0] if self._scores else None
        running = state.voting_open and state.running_timer(self.live_slide.id) is not None
        key = (state.version, scores, now_ms() // TIMER_TEXT_MS if running else None)
        if self._state_text is None or self._state_text[0] != key:
            self._state_text = (key, encode(self.public_state()))
        return self._state_text[1]

    async def result(self, question: Question, rehearsed: bool = False) -> dict[str, Any]:
        """One question's full results in its current round, recounted from the store; with
        `rehearsed`, a rehearsal's simulated answers too (app/rehearsal.py), marked so."""
        round_ = self.state.round_of(question.id)
        answers = await self.store.answers(self.code, question.id, round_)
        simulated = self.state.rehearsed(question.id) if rehearsed else 0
        if simulated:
            answers = [a for _, _, a in rehearsal.rows(question, simulated)] + answers
        result = {
            "id": question.id,
            "type": question.type_name,
            "round": round_,
            "responses": len(answers),
            **question.tally(answers),
        }
        if simulated:
            result["rehearsal"] = True
        # Admin only (GET /results): held entries are listed apart (`held`), if there are any.
        shown = moderation.visible(question, result, self.entry_rules(question), presenter=True)
        if not shown.get("held"):
            shown.pop("held", None)
        return shown

    def entry_rules(self, question: Question) -> moderation.EntryRules:
        """The presenter's decisions on `question`'s free-text entries, and the deck's mode."""
        return moderation.rules_for(self.state, self.deck.moderation, question.id)

    def visible_to_all(self, question: Question) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A result of `question` as the room may see it (merges applied, hidden and held
        entries out): for the groups and rounds the projector shows."""
        rules = self.entry_rules(question)
        return lambda result: moderation.visible(question, result, rules)

    async def results(
        self, by: str | None = None, every_round: bool = False
    ) -> list[dict[str, Any]]:
        """Every question's results with intervals; with `by` (a choice question's id) each is
        also split by what participants answered there (app/domain/segments.py); with
        `every_round`, each also lists its result in every round so far, oldest first, a
        scale's with the paired shift from the round before (app/domain/rounds.py), and with
        both, each round split by group too."""
        results = [
            segments.with_intervals(await self.result(q, rehearsed=True))
            for q in self.deck.questions
        ]
        split: rounds.Split | None = None
        if by is not None:
            splitter = self.deck.question(by)
            if not isinstance(splitter, Choice):
                raise NotFound("unknown_question", f"{by!r} is not a choice question of this deck")
            split = (splitter, segments.membership(await self.answer_rows(splitter)))
        for question, result in zip(self.deck.questions, results, strict=True):
            if split is not None:
                result.update(
                    segments.split_result(
                        question,
                        await self.answer_rows(question),
                        split[1],
                        split[0],
                        self.deck.min_group,
                        self.visible_to_all(question),
                    )
                )
            if every_round:
                result["rounds"] = await self.every_round(question, split)
        return results

    async def every_round(
        self, question: Question, split: rounds.Split | None = None
    ) -> list[dict[str, Any]]:
        """The question's result in each round so far (oldest first, hidden entries left
        out), each scale round after the first with its paired `shift`; with `split` (the
        splitting question and its groups), each round's `segments` too."""
        rows = [
            await self.store.tally_rows(self.code, question.id, round_)
            for round_ in range(1, self.state.round_of(question.id) + 1)
        ]
        visible = self.visible_to_all(question)
        return rounds.every_round(question, rows, self.deck.min_group, visible, split)

    async def scores(self) -> Scores:
        """Every participant's total over the scored questions (current rounds), and names."""
        answers: list[tuple[Question, str, Any]] = []
        for question in self.deck.questions:
            if not question.scored:
                continue
            round_ = self.state.round_of(question.id)
            rows = await self.store.tally_rows(self.code, question.id, round_)
            answers.extend((question, participant, answer) for participant, _, answer in rows)
        names = await self.store.names(self.code) if answers else {}
        return Scores.of(answers, names)

    async def scored_results(self) -> dict[str, Any]:
        """What the deck's score slides add to the results (a leaderboard's full standings)."""
        if not any(s.uses_scores for s in self.deck.slides):
            return {}
        return scored_results(self.deck.slides, await self.scores())

    async def standing(self, participant: str) -> dict[str, Any]:
        """This participant's own place on the live score slide (a leaderboard)."""
        slide = self.live_slide
        if not slide.uses_scores:
            raise Conflict("no_scores", "the live slide shows no scores")
        scores = await self._current_scores()
        return slide.standing(scores, participant) or {}

    async def _current_scores(self) -> Scores:
        """The scores for the current state, read once per state version."""
        version = self.state.version
        if self._scores is not None and self._scores[0] == version:
            return self._scores[1]
        scores = await self.scores()
        if self.state.version == version:
            self._scores = (version, scores)
        return scores

    async def _publish_scores(self) -> None:
        """A score slide went live (or names changed): load the scores, then show them."""
        slide = self.live_slide
        if not slide.uses_scores:
            return
        await self._current_scores()
        if self.live_slide is slide:
            self.hub.to_phones(self.code, "state", self.public_state_text())
            self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    def tally_key(self, question: Question) -> str:
        return f"{self.code}:{question.id}:{self.state.round_of(question.id)}"

    # --- participants ------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.gone:
            raise session_gone(self.code)
        if self.ended:
            raise Conflict("session_ended", "this session has ended; it takes no more answers")

    async def join(self, address: str, key: object) -> str:
        """Let a new participant in (or refuse, saying why); returns their signed token.

        The cap is checked against the store's count, so it holds across workers up to the
        joins that race each other at the very edge."""
        self._check_writable()
        # The cap against the count refreshed every second (and counted up here), not a read
        # per join: a cap is about a room, not one participant more or less.
        participants = self._counts["participants"]
        try:
            await self.app.gate.admit(
                self.code, address, key, participants, self.state.joining_locked
            )
        except JoinRefused as refused:
            if refused.retry_after:
                raise TooMany(refused.code, str(refused), refused.retry_after) from None
            raise Conflict(refused.code, str(refused)) from None
        token, participant_id = self.app.signer.issue(self.code)
        try:
            await self.store.add_participant(self.code, participant_id)
        except SessionGone:
            await self._why_refused()
            raise
        self._counts["participants"] += 1  # the next refresh takes the store's count
        await self.app.gate.joined(self.code)
        self._presence.poke()
        return token

    async def set_name(self, participant_id: str, raw: Any) -> str:
        """Give a participant the nickname they typed (cleaned, checked, made unique)."""
        self._check_writable()
        if not self.nicknames:
            raise Conflict("no_nicknames", "this session is anonymous: its deck has no quiz")
        name = clean_name(raw)
        wait = await self.app.limits.take("names", participant_id, 0.2, 5)
        if wait:
            raise TooMany("rate_limited", "too many name changes; wait a moment", wait)
        try:
            chosen = await self.store.set_name(self.code, participant_id, name)
        except SessionGone:
            await self._why_refused()
            raise
        if self.live_slide.uses_scores:
            self._scores = None
            self._spawn(self._publish_scores())
        return chosen

    async def respond(self, participant_id: str, question_id: str, raw: Any) -> Accepted:
        """Check and store one answer; acknowledged only after it is committed. Then count it
        in the live tally (a tally that cannot take it is repaired from the store later)."""
        self._check_writable()
        question = self.deck.question(question_id)
        if question is None:
            raise NotFound("unknown_question", f"there is no question {question_id!r}")
        if question is not self.live_slide:
            raise Conflict("not_live", f"question {question_id!r} is not the live question")
        if not self.state.voting_open:
            raise Conflict("voting_closed", "voting on this question is closed")
        now = now_ms()  # when the server took the answer: a timed question counts from here
        if self.state.timer_over(question.id, now):
            raise Conflict("voting_closed", "the time for this question is up")
        answer = question.check_answer(raw)
        round_ = self.state.round_of(question.id)
        timer = self.state.timer_of(question.id)
        if timer is not None:
            mine = await self.store.participant_answers(
                self.code, participant_id, {question.id: round_}
            )
            answer = question.timed(answer, now - timer["opened_at"], mine.get(question.id))
        try:
            saved = await self.store.save_response(
                self.code, question.id, round_, participant_id, answer
            )
        except SessionGone:  # deleted, or ended on another worker, while on its way
            await self._why_refused()
            raise
        return await self._counted(question, round_, participant_id, saved, answer)

    async def change_answer(
        self,
        participant_id: str,
        question: Question,
        change: Callable[[Any | None], Any],
        *,
        presenter: bool = False,
    ) -> Accepted:
        """Change one participant's answer atomically in the store (`change(current)` → new,
        see Store.update_response): for types whose answer is built up by several requests.
        A participant's change needs the question live and open; the presenter's (a decision
        on someone's answer) only a session that still runs. Counted like `respond`."""
        self._check_writable()
        if not presenter:
            if question is not self.live_slide:
                raise Conflict("not_live", f"question {question.id!r} is not the live question")
            if not self.state.voting_open:
                raise Conflict("voting_closed", "voting on this question is closed")
        round_ = self.state.round_of(question.id)
        try:
            saved, answer = await self.store.update_response(
                self.code, question.id, round_, participant_id, change
            )
        except SessionGone:
            await self._why_refused()
            raise
        return await self._counted(question, round_, participant_id, saved, answer)

    async def _counted(
        self, question: Question, round_: int, participant_id: str, saved: Saved, answer: Any
    ) -> Accepted:
        """A stored answer goes into the live tally and onto the screens (soon, coalesced)."""
        key = f"{self.code}:{question.id}:{round_}"
        try:
            await self.app.tally.apply(key, participant_id, saved.seq, question.tally_items(answer))
        except TallyUnavailable:
            self._tally_stale = True
        self._results.poke()
        if self.app.bus.shared:
            self._announce.poke()
        return Accepted(question.id, answer, saved.replaced)

    async def answer_rows(self, question: Question) -> list[tuple[str, int, Any]]:
        """Every answer to `question` in its current round as (participant, seq, answer)."""
        round_ = self.state.round_of(question.id)
        return await self.store.tally_rows(self.code, question.id, round_)

    async def _why_refused(self) -> None:
        """The store refused a join or an answer: say whether the session ended (perhaps on
        another worker, a moment ago) or is gone. Always raises."""
        try:
            await self._reload_state()
        except SessionGone:
            raise session_gone(self.code) from None
        self._check_writable()  # ended: 409 session_ended
        raise session_gone(self.code)

    async def my_answers(self, participant_id: str) -> dict[str, Any]:
        """This participant's answers in the current rounds; those of a timed round that is
        over as `settled` (a quiz answer with its points)."""
        rounds = {q.id: self.state.round_of(q.id) for q in self.deck.questions}
        answers = await self.store.participant_answers(self.code, participant_id, rounds)
        for question in self.deck.questions:
            if question.id in answers and self._round_over(question):
                answers[question.id] = question.settled(answers[question.id])
        return answers

    def _round_over(self, question: Question, state: PresenterState | None = None) -> bool:
        """Whether the question's timed round is over (its right answer public): its timer
        ran in this round and voting on it is not open now."""
        state = state or self.state
        if state.timer_of(question.id) is None:
            return False
        live = self.deck.slides[state.live] is question
        return not (live and state.voting_open and not (self.read_only or state.ended))

    async def _publish_settled(self, question: Question) -> None:
        """A timed round is over on the live question: tell each of this worker's phones
        what its answer earned (one read for all of them)."""
        round_ = self.state.round_of(question.id)
        phones = [c for c in self.hub.room(self.code).phones if c.participant]
        if not phones:
            return
        rows = await self.store.tally_rows(self.code, question.id, round_)
        if self.live_question is not question or self.state.round_of(question.id) != round_:
            return  # moved on while we read
        answers = {participant: answer for participant, _, answer in rows}
        kind = f"answer:{question.id}"
        for client in phones:
            if client.participant in answers:
                settled = question.settled(answers[client.participant])
                message = {"type": "answer", "question": question.id, "answer": settled}
                client.offer(kind, encode(message))

    # --- presenter ---------------------------------------------------------------------------

    async def control(
        self,
        action: str,
        question: str | None = None,
        entry: str | None = None,
        participants: int | None = None,
        by: str | None = None,
        *,
        into: str | None = None,
        seconds: int | None = None,
    ) -> dict[str, Any]:
        """Apply a presenter action to the stored state, then tell every worker and screen."""

        def change(state: PresenterState) -> PresenterState:
            return apply(
                state,
                self.deck,
                action,
                question,
                now_ms(),
                entry,
                participants=participants,
                by=by,
                into=into,
                seconds=seconds,
            )

        async with self._control_lock:
            if self.gone:
                raise session_gone(self.code)
            if self.read_only:
                raise Conflict("session_ended", "this session has ended; it is read-only now")
            if action == "rehearse":  # counted before any screen hears of it
                await self._fill_rehearsal(change(self.state))
            try:
                done = await self._apply_stored(change)
            except SessionGone:
                raise session_gone(self.code) from None
        return self.presenter_state(done, with_hidden=True)

    async def _fill_rehearsal(self, state: PresenterState) -> None:
        question = self.deck.question(state.rehearsal[0]) if state.rehearsal else None
        if question is None or state.rehearsal is None:
            return
        with contextlib.suppress(TallyUnavailable):  # then the first read fills it
            await rehearsal.fill(
                self.app.tally, self.tally_key(question), question, state.rehearsal[1]
            )

    async def _drop_rehearsal(self, ended: PresenterState) -> None:
        """A rehearsal ended (any way, on any worker): its simulated tally goes."""
        question = self.deck.question(ended.rehearsal[0]) if ended.rehearsal else None
        if question is None or ended.rehearsal is None:
            return
        key = f"{self.code}:{question.id}:{ended.round_of(question.id)}"
        with contextlib.suppress(TallyUnavailable):
            await self.app.tally.drop(rehearsal.tally_key(key, ended.rehearsal[1]))

    async def _expire(self) -> None:
        """The live question's timer ran out: close its voting. Every worker of a cluster
        tries at the deadline; the compare-and-set lets one close it, the others find it
        closed and write nothing."""
        async with self._control_lock:
            if self.gone or self.read_only:
                return
            with contextlib.suppress(SessionGone):
                await self._apply_stored(lambda state: expire(state, self.deck, now_ms()))

    def _watch_timer(self) -> None:
        """Close voting when the live question's timer runs out, on this worker's clock."""
        slide = self.live_slide
        timer = self.state.running_timer(slide.id) if self.state.voting_open else None
        closes_at = timer["closes_at"] if timer is not None else None
        current = self._timer_task
        if current is not None and current[0] == closes_at and not current[1].done():
            return
        if current is not None and current[1] is not asyncio.current_task():
            current[1].cancel()  # not itself: the expiring task finishes its own work
        self._timer_task = None
        if closes_at is None or self.read_only:
            return

        async def at_deadline() -> None:
            await asyncio.sleep(max(closes_at - now_ms(), 0) / 1000)
            while now_ms() < closes_at:  # a sleep may end a hair early
                await asyncio.sleep(0.005)
            await self._expire()

        task = asyncio.get_running_loop().create_task(at_deadline())
        self._tasks.append(task)
        task.add_done_callback(self._finished)
        self._timer_task = (closes_at, task)

    async def _apply_stored(
        self, change: Callable[[PresenterState], PresenterState]
    ) -> PresenterState:
        """Compare-and-set on the stored state's version. If another presenter (on any worker)
        got there first, take the newer state and apply the action on top of it, so every
        action lands on the newest state and versions only ever grow. Returns the state
        this action made (or found, if it changed nothing)."""
        for _ in range(20):
            new_state = change(self.state)
            if new_state is self.state:
                return new_state
            stored = await self.store.save_state(
                self.code, new_state.to_json(), expected_version=self.state.version
            )
            if stored:
                if new_state.ended:
                    await self.store.end_sessions(code=self.code)
                self._adopt(new_state)
                await self._tell_workers({"kind": "state", "state": new_state.to_json()})
                return new_state
            await self._reload_state()
        raise Conflict("busy", "the presenter state keeps changing; try again")

    async def _reload_state(self) -> None:
        record = await self.store.get_session(self.code)
        if record is None:
            raise SessionGone(self.code)
        self._adopt(PresenterState.from_json(record.state, self.deck))

    def _adopt(self, state: PresenterState) -> None:
        """Take a newer presenter state (ours, or another worker's) and show it."""
        if state.version <= self.state.version:
            return
        before = self.state
        self.state = state
        self.publish_state()
        question = self.live_question
        if question is not None and self.tally_key(question) not in self._checked:
            self._spawn(self._check_tally(question))
        if question is not None and before.voting_open and not state.voting_open:
            # Voting closed: whatever is in flight has landed in a moment; then the live
            # tally must equal the database's count, repaired if it does not.
            self._spawn(self._check_tally(question, delay=1.0))
        if question is not None and _rules_changed(before, state, question.id):
            self._results.poke()  # the presenter hid, approved or merged: every view redrawn
        if (
            question is not None
            and self._round_over(question, state)
            and not (before.live == state.live and self._round_over(question, before))
        ):
            self._spawn(self._publish_settled(question))  # each phone: what its answer earned
        if before.rehearsal is not None and before.rehearsal != state.rehearsal:
            self._spawn(self._drop_rehearsal(before))

    def publish_state(self) -> None:
        """Show the current state on this worker's sockets."""
        if not self.read_only:
            self._watch_timer()
        if self.live_slide.uses_scores and not self.read_only:
            self._spawn(self._publish_scores())
        self.hub.to_phones(self.code, "state", self.public_state_text())
        self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))
        if not self.live_question:
            self.hub.to_presenters(self.code, "results", _NO_RESULTS)
        self._snapshot = None
        self._results.poke()

    # --- the deck file changed (app/deckwatch.py) ------------------------------------------

    async def swap_deck(self, deck: Deck) -> None:
        """Serve `deck` from now on: the stored state moves onto it once (by compare-and-set,
        whichever worker sees the file first; app/domain/redeck.py says how), and the deck
        and state change together, between two awaits, so no reader sees one without the
        other. Then every screen gets the new state."""
        version = deck_version(deck.source)
        async with self._control_lock:
            had_errors, self.deck_errors = bool(self.deck_errors), []
            if self.gone or self.ended or version == self.deck_version:
                if had_errors:
                    self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))
                return
            found = await self._state_on(deck, version)
            if found is None:
                return
            state, moved = found
            if moved:
                await self.store.set_deck(self.code, deck.title, deck.source)
            self.deck, self.deck_version = deck, version
            if state.version < self.state.version:  # a newer one came in meanwhile
                state = PresenterState.from_json(self.state.to_json(), deck)
            self.state = state
            self._state_text = self._snapshot = self._scores = None
            self._to_presenters = self._to_phones = None
            self.publish_state()
            question = self.live_question
            if question is not None and self.tally_key(question) not in self._checked:
                self._spawn(self._check_tally(question))
        if moved:
            await self._tell_workers({"kind": "state", "state": state.to_json()})

    async def follow_stored_deck(self, record: SessionRecord) -> None:
        """At start, before serving: a deck edited while the server was down moves the state
        as a reload does, from the deck the store kept (the one the state was made on; a
        state no reload has moved yet was made on the deck the session began with)."""
        made_on = self.state.deck
        if self.ended or made_on == self.deck_version:
            return
        if not made_on and record.deck_source == self.deck.source:
            return
        try:
            old = parse_deck(record.deck_source, name=self.deck.name)
        except DeckError:
            return
        if made_on not in ("", deck_version(old.source)):
            return  # the stored deck is not the one the state was made on: left as it is
        new, self.deck, self.deck_version = self.deck, old, deck_version(old.source)
        self.state = PresenterState.from_json(record.state, old)
        await self.swap_deck(new)

    async def _state_on(self, deck: Deck, version: str) -> tuple[PresenterState, bool] | None:
        """The stored state moved onto `deck` (True), or as another worker already moved it
        (False); None if the session ended meanwhile (read-only: it keeps its deck)."""
        for _ in range(20):
            record = await self.store.get_session(self.code)
            if record is None:
                raise SessionGone(self.code)
            if record.state.get("deck") == version:
                return PresenterState.from_json(record.state, deck), False
            current = PresenterState.from_json(record.state, self.deck)
            if current.ended:
                return None
            moved = follow_deck(current, self.deck, deck, now_ms())
            if await self.store.save_state(
                self.code, moved.to_json(), expected_version=current.version
            ):
                return moved, True
        raise Conflict("busy", "the presenter state keeps changing; the deck reloads next time")

    async def show_deck_problems(self, problems: list[Problem]) -> None:
        """The deck file as saved does not load: the presenter screens say where and why."""
        self.deck_errors = [str(problem) for problem in problems[:MAX_DECK_ERRORS]]
        if len(problems) > MAX_DECK_ERRORS:
            self.deck_errors.append(f"… {len(problems) - MAX_DECK_ERRORS} more")
        self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    # --- results -----------------------------------------------------------------------------

    async def _publish_results(self) -> None:
        """Read the live question's tally and tell the presenters (and phones, if shown).

        Nobody on this worker to tell (no presenter screen here, the results hidden from
        phones): no read at all. A presenter connecting, or a reveal, asks again."""
        question = self.live_question
        if question is None:
            return
        if not self.hub.room(self.code).presenters:
            # No presenter screen on this worker: phones (if they see results) need them only
            # twice a second, and their own publish reads the tally.
            self._snapshot = None
            if self.state.results_visible(question):
                self._phone_results.poke()
            return
        key = self.tally_key(question)
        snapshot = await self._read_tally(question, key)
        if question is not self.live_question or key != self.tally_key(question):
            return  # the slide moved on while we read; its own publish follows
        self._snapshot = (key, question, snapshot)
        view = self._view(question, snapshot, presenter_size(question), presenter=True)
        view.update(self._facets.for_view(question, snapshot))
        self._to_presenters = ResultsMessage.after(self._to_presenters, view, question.live_list)
        self.hub.results_to_presenters(self.code, self._to_presenters)
        if self.state.results_visible(question):
            self._phone_results.poke()

    async def _read_tally(self, question: Question, key: str) -> TallySnapshot:
        newest = PRESENTER_LIST_SIZE if question.live_list else 0
        top = question.live_top(PRESENTER_VIEW_SIZE)
        simulated = self.state.rehearsed(question.id)
        try:
            if simulated:
                tally = self.app.tally
                return await rehearsal.read(tally, key, question, simulated, newest, top)
            return await self.app.tally.read(key, newest, top)
        except TallyUnavailable:
            # The tally's server is down: count from the store meanwhile (slower, exact).
            self._tally_stale = True
            round_ = self.state.round_of(question.id)
            rows = await self.store.tally_rows(self.code, question.id, round_)
            if simulated:
                rows = rehearsal.rows(question, simulated) + rows
            return snapshot_of(question, rows, newest)

    def _view(
        self, question: Question, snapshot: TallySnapshot, size: int, *, presenter: bool = False
    ) -> dict[str, Any]:
        counts = LiveCounts(
            snapshot.counts,
            snapshot.respondents,
            snapshot.newest,
            snapshot.distinct,
            snapshot.items,
        )
        view = {
            "id": question.id,
            "type": question.type_name,
            "round": self.state.round_of(question.id),
            "responses": snapshot.respondents,
            **question.live_result(counts, size),
        }
        if self.state.rehearsed(question.id):
            view["rehearsal"] = True
        shown = moderation.visible(question, view, self.entry_rules(question), presenter=presenter)
        # The presenter's screens mark each share's and mean's 95 % interval; phones need none.
        return segments.with_intervals(shown) if presenter else shown

    def _phone_message(self) -> ResultsMessage | None:
        """The phones' newest results message, if the live question's results are shown."""
        question = self.live_question
        latest = self._snapshot
        if question is None or latest is None or latest[1] is not question:
            return None
        if not self.state.results_visible(question):
            return None
        view = self._view(question, latest[2], PHONE_VIEW_SIZE)
        current = self._to_phones
        if current is None or current.view != view:
            self._to_phones = ResultsMessage.after(current, view, question.live_list)
        return self._to_phones

    async def _publish_phone_results(self) -> None:
        question = self.live_question
        room = self.hub.room(self.code)
        if question is None or not room.phones or not self.state.results_visible(question):
            return
        if not room.presenters:  # nobody else reads the tally on this worker
            key = self.tally_key(question)
            snapshot = await self._read_tally(question, key)
            if question is not self.live_question or key != self.tally_key(question):
                return
            self._snapshot = (key, question, snapshot)
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

    async def _check_tally(self, question: Question, delay: float = 0.0) -> None:
        """Make the live tally equal the database's count of this question's answers.

        Cheap when it does (two aggregate reads); else every stored answer is replayed into
        the tally, which is harmless to answers counted meanwhile (applying is idempotent)."""
        if delay:
            await asyncio.sleep(delay)
        key = self.tally_key(question)
        round_ = self.state.round_of(question.id)
        stored = await self.store.tally_check(self.code, question.id, round_)
        counted = await self.app.tally.read(key)
        self._checked.add(key)
        if (counted.respondents, counted.seq_sum) == stored:
            return
        rows = await self.store.tally_rows(self.code, question.id, round_)
        await self.app.tally.apply_many(
            key, [(p, seq, question.tally_items(answer)) for p, seq, answer in rows]
        )
        log.info("live tally %s repaired from %d stored answers", key, len(rows))
        self._results.poke()

    # --- the venue check ---------------------------------------------------------------------

    async def phone_reached(self, rtt_ms: int, at: str) -> None:
        """A phone opened the venue check and reached this server in `rtt_ms`: the presenter's
        screens say so (on every worker), so the presenter knows the Wi-Fi lets phones in."""
        self._note_reach({"at": at, "rtt_ms": rtt_ms})
        await self._tell_workers({"kind": "reach", "reach": self._phone_reached})

    def _note_reach(self, reach: dict[str, Any]) -> None:
        self._phone_reached = reach
        if self.hub.room(self.code).presenters:
            self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    # --- presence ----------------------------------------------------------------------------

    async def _publish_presence(self) -> None:
        await self._refresh_counts()
        if self.hub.room(self.code).presenters:
            self.hub.to_presenters(self.code, "state", encode(self.presenter_state()))

    async def presenter_view(self) -> dict[str, Any]:
        """The presenter state with counts read now (for a request, not a broadcast)."""
        await self._refresh_counts()
        return self.presenter_state(with_hidden=True)

    async def _refresh_counts(self) -> None:
        """Phones over all workers, participants from the store, recent joins from limits."""
        bus = self.app.bus
        try:
            await bus.report(
                self.code, self.app.worker, self.hub.phone_count(self.code), PRESENCE_TTL_S
            )
            self._counts["connected"] = await bus.presence(self.code)
        except BusUnavailable:
            self._counts["connected"] = self.hub.phone_count(self.code)
        self._counts["participants"] = await self.store.participant_count(self.code)
        self._counts["joins"] = await self.app.gate.joins_last_minute(self.code)

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
        elif self._snapshot is None:
            self._phone_results.poke()  # nobody needed results here until now
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
        self._presence.poke()

    def disconnect_presenter(self, client: Client) -> None:
        client.close()
        self.hub.room(self.code).presenters.discard(client)

    # --- keeping up with the other workers ---------------------------------------------------

    async def start(self) -> None:
        """Serve: catch up with the store and the tally, then follow the bus (and, in a
        cluster, poll the state and report this worker's phones)."""
        await self._refresh_counts()
        if self.state.rehearsal is not None and not self.ended:  # a rehearsal ends on restart
            with contextlib.suppress(ControlError):
                await self._apply_stored(
                    lambda state: apply(state, self.deck, "end_rehearsal", now_ms=now_ms())
                )
        question = self.live_question
        if question is not None:
            await self._check_tally(question)
        self._watch_timer()
        if self.live_slide.uses_scores:
            await self._current_scores()
        self._spawn(self._follow_bus())
        self._spawn(self._tick())
        if self.app.bus.shared:
            self._spawn(self._poll_state())

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.append(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(ValueError):
            self._tasks.remove(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("session %s: background work failed", self.code, exc_info=task.exception())

    async def _tell_workers(self, message: Message) -> None:
        if not self.app.bus.shared:
            return  # nobody else to tell
        try:
            await self.app.bus.publish(self.code, {**message, "from": self.app.worker})
        except BusUnavailable:
            log.warning("bus down: other workers see this change within %.1f s", STATE_POLL_S)

    async def _announce_votes(self) -> None:
        await self._tell_workers({"kind": "votes"})

    async def _follow_bus(self) -> None:
        while not self.gone:
            try:
                async with self.app.bus.subscribe(self.code) as messages:
                    async for message in messages:
                        await self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    return  # stopping: leaving the subscription failed, nothing to resume
                log.exception("session %s: bus subscription failed; resubscribing", self.code)
                await asyncio.sleep(1.0)

    async def _on_message(self, message: Message) -> None:
        kind = message.get("kind")
        try:
            if kind == "state":
                self._adopt(PresenterState.from_json(message["state"], self.deck))
            elif kind == "votes" and message.get("from") != self.app.worker:
                self._results.poke()
            elif kind == "gone":
                await self.mark_gone()
            elif kind == "reach" and message.get("from") != self.app.worker:
                self._note_reach(message["reach"])
            elif kind == "resync":  # the bus was down: we may have missed anything
                await self._reload_state()
                self._presence.poke()
                question = self.live_question
                if question is not None:
                    await self._check_tally(question)
                self._results.poke()
        except SessionGone:
            await self.mark_gone()
        except Exception:
            log.exception("session %s: could not act on a %s message", self.code, kind)

    async def _poll_state(self) -> None:
        """In a cluster: the state at least every 500 ms, whatever the bus delivered."""
        while not self.gone:
            await asyncio.sleep(STATE_POLL_S)
            try:
                record = await self.store.get_session(self.code)
            except Exception:
                continue  # the store is down: the next poll will tell
            if record is None:
                await self.mark_gone()
            else:
                self._adopt(PresenterState.from_json(record.state, self.deck))

    async def _tick(self) -> None:
        """Presenter counts and the QR key stay fresh; in a cluster this worker reports its
        phones and the live tally is checked against the database when the room is quiet."""
        shared = self.app.bus.shared
        last_reconcile = time.monotonic()
        while not self.gone:
            wait = CLUSTER_TICK_S if shared else PRESENTER_REFRESH_S
            if self.app.gate.keys.enabled:
                wait = min(wait, self.app.gate.keys.seconds_left() + 0.05)
            await asyncio.sleep(wait)
            try:
                await self._publish_presence()
                if shared and time.monotonic() - last_reconcile >= RECONCILE_S:
                    last_reconcile = time.monotonic()
                    await self._reconcile_when_quiet()
            except Exception as exc:  # a store or Redis outage: next time
                log.warning("session %s: %s", self.code, exc)

    async def _reconcile_when_quiet(self) -> None:
        """Repair a tally that misses answers (a worker died between commit and count, or an
        apply failed) once no answer arrived since the last check: then nothing is in flight
        and a difference is real."""
        question = self.live_question
        if question is None:
            return
        key = self.tally_key(question)
        round_ = self.state.round_of(question.id)
        stored = await self.store.tally_check(self.code, question.id, round_)
        quiet = self._last_check == (key, stored)
        self._last_check = (key, stored)
        if quiet or self._tally_stale:
            self._tally_stale = False
            await self._check_tally(question)

    async def mark_gone(self) -> None:
        """The session was deleted (here or on another worker): close its sockets for good."""
        if self.gone:
            return
        self.gone = True
        self.hub.drop_room(self.code, CLOSE_GONE)
        self.app.forget(self)
        await self.aclose()

    async def aclose(self) -> None:
        """Stop this session's background work and wait for it to finish, so its cleanup
        (leaving the bus) happens while the bus is still open."""
        current = asyncio.current_task()
        stopping = [task for task in self._tasks if task is not current]
        for task in stopping:
            task.cancel()
        await asyncio.gather(*stopping, return_exceptions=True)
        await self._results.aclose()
        await self._phone_results.aclose()
        await self._presence.aclose()
        await self._announce.aclose()
        await self._facets.aclose()


def presenter_size(question: Question) -> int:
    """How much of `question`'s live result the presenter screens get."""
    return PRESENTER_LIST_SIZE if question.live_list else PRESENTER_VIEW_SIZE


def snapshot_of(question: Question, rows: list[tuple[str, int, Any]], newest: int) -> TallySnapshot:
    """A tally counted from stored answers (participant, seq, answer), oldest first."""
    items = [question.tally_items(answer) for _, _, answer in rows]
    counts = Counter(item for answer in items for item in answer)
    latest = items[::-1][:newest] if newest else []
    return TallySnapshot(
        dict(counts),
        len(rows),
        sum(seq for _, seq, _ in rows),
        latest,
        distinct=len(counts),
        items=sum(counts.values()),
    )


def timer_view(timer: dict[str, int], now: int, running: bool) -> dict[str, Any]:
    """A timer as the state carries it: when it ends (ISO 8601 and epoch ms) and what is left
    by the server's clock, so every screen counts down alike whatever its own clock says."""
    remaining = max(timer["closes_at"] - now, 0) if running else 0
    ends = datetime.fromtimestamp(timer["closes_at"] / 1000, UTC)
    return {
        "ends_at": ends.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "seconds_left": -(-remaining // 1000),
        "opened_at": timer["opened_at"],
        "closes_at": timer["closes_at"],
        "now": now,
        "remaining_ms": remaining,
    }


def _rules_changed(before: PresenterState, after: PresenterState, question_id: str) -> bool:
    return (
        before.hidden_in(question_id) != after.hidden_in(question_id)
        or before.approved_in(question_id) != after.approved_in(question_id)
        or before.merged_in(question_id) != after.merged_in(question_id)
    )


def _label(slide) -> str:
    return slide.title or getattr(slide, "prompt", "") or slide.id
