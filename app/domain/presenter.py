"""The presenter's state machine: which slide is live, voting, reveal, rounds. Pure, no I/O.

Every change returns a new state with a higher version, so any screen can tell newer from older
and a reconnecting client simply takes the newest snapshot.

One timer for every question: `timers[id] = {"round", "opened_at", "closes_at"}` in epoch ms
on the server's clock (`now_ms`, passed in: this module reads no clock), plus `"stopped": 1`
once the presenter stopped it. A question whose deck sets one (`Question.timer_ms`: a quiz, or
`timer:` on any question) gets it the first time voting opens in a round; the presenter starts,
restarts or stops one on the live question at any time (`timer` with `seconds`). Voting closes
by itself at the deadline (`expire`, which the server applies by compare-and-set, so once in a
cluster). A question that reveals something when its time is up (a quiz's right answer) does not
reopen in that round; a new round (`reset`) runs the timer again. Others can be reopened.

A rehearsal (`rehearse` with a number of participants) fills the live question with that many
simulated answers (app/rehearsal.py); the state only says which question and how many, so
every worker shows the same. It ends with `end_rehearsal`, on moving to another slide, on a new
round of that question and when the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .deck import Deck
from .errors import ControlError
from .segments import can_split_by
from .slides import Question
from .slides.base import FreeText

ACTIONS = (
    "goto", "next", "prev", "open", "close", "reveal", "hide", "reset", "qr",
    "lock", "unlock", "end", "hide_entry", "show_entry", "rehearse", "end_rehearsal",
    "split", "compare",
    "approve_entry", "merge_entries",
    "unmerge_entries", "timer",
)  # fmt: skip
MAX_REHEARSAL = 5000  # simulated participants: a big hall, still drawn in well under a second
_KNOWN = "known: " + ", ".join(ACTIONS)


@dataclass(frozen=True, slots=True)
class PresenterState:
    live: int = 0  # index of the live slide
    voting_open: bool = False
    shown: dict[str, bool] = field(default_factory=dict)  # reveal/hide overrides per question
    rounds: dict[str, int] = field(default_factory=dict)  # current round per question (default 1)
    qr_visible: bool = True
    joining_locked: bool = False  # the presenter froze joining: phones already in keep going
    ended: bool = False  # the presenter ended the session: read-only from then on
    # Free-text entries the presenter took off every screen, per question (as results show
    # them): absent from phones, projector and report; kept in the export, marked hidden.
    hidden: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Entries the presenter let through moderation (app/domain/moderation.py), per question.
    approved: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Word-cloud entries the presenter merged by hand, per question: entry -> the one it joins.
    merged: dict[str, dict[str, str]] = field(default_factory=dict)
    # per timed question: {"round", "opened_at", "closes_at"} (epoch ms), see the docstring
    timers: dict[str, dict[str, int]] = field(default_factory=dict)
    # The deck version (app/domain/redeck.py) that `live` and the rounds refer to: a reloaded
    # deck moves the state onto itself once, on whichever worker saw the new file first.
    deck: str = ""
    # (question id, simulated participants) while the live question is rehearsed, see above
    rehearsal: tuple[str, int] | None = None
    # The presenter's screens show the live question split by this choice question's answer
    # (or not split), and/or its rounds side by side; phones never see either.
    split_by: str | None = None
    compare_rounds: bool = False
    version: int = 1

    def round_of(self, question_id: str) -> int:
        return self.rounds.get(question_id, 1)

    def results_visible(self, question: Question) -> bool:
        return self.shown.get(question.id, not question.results_hidden)

    def timer_of(self, question_id: str) -> dict[str, int] | None:
        """The deadline of this question's current round, once its voting opened in it."""
        timer = self.timers.get(question_id)
        if timer is None or timer.get("round") != self.round_of(question_id):
            return None
        return timer

    def rehearsed(self, question_id: str) -> int:
        """How many simulated participants answer this question now (0: not rehearsed)."""
        if self.rehearsal is None or self.rehearsal[0] != question_id:
            return 0
        return self.rehearsal[1]

    def rehearsal_json(self) -> dict[str, Any] | None:
        if self.rehearsal is None:
            return None
        return {"question": self.rehearsal[0], "participants": self.rehearsal[1]}

    def running_timer(self, question_id: str) -> dict[str, int] | None:
        """This round's timer unless the presenter stopped it (it may have run out)."""
        timer = self.timer_of(question_id)
        return None if timer is None or timer.get("stopped") else timer

    def timer_over(self, question_id: str, now_ms: int) -> bool:
        timer = self.running_timer(question_id)
        return timer is not None and now_ms >= timer["closes_at"]

    def to_json(self) -> dict[str, Any]:
        return {
            "live": self.live,
            "voting_open": self.voting_open,
            "shown": dict(self.shown),
            "rounds": dict(self.rounds),
            "qr_visible": self.qr_visible,
            "joining_locked": self.joining_locked,
            "ended": self.ended,
            "hidden": {q: list(entries) for q, entries in self.hidden.items() if entries},
            "approved": {q: list(entries) for q, entries in self.approved.items() if entries},
            "merged": {q: dict(pairs) for q, pairs in self.merged.items() if pairs},
            "timers": {k: dict(v) for k, v in self.timers.items()},
            "deck": self.deck,
            "rehearsal": self.rehearsal_json(),
            "split_by": self.split_by,
            "compare_rounds": self.compare_rounds,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], deck: Deck) -> PresenterState:
        """Restore a saved state, tolerating a deck that changed since (clamp, drop unknowns)."""
        live = min(max(int(data.get("live", 0)), 0), len(deck.slides) - 1)
        known = {q.id for q in deck.questions}
        return cls(
            live=live,
            voting_open=bool(data.get("voting_open", False)),
            shown={k: bool(v) for k, v in data.get("shown", {}).items() if k in known},
            rounds={k: int(v) for k, v in data.get("rounds", {}).items() if k in known},
            qr_visible=bool(data.get("qr_visible", True)),
            joining_locked=bool(data.get("joining_locked", False)),
            ended=bool(data.get("ended", False)),
            hidden={
                k: tuple(str(e) for e in v)
                for k, v in data.get("hidden", {}).items()
                if k in known and isinstance(v, list)
            },
            approved={
                k: tuple(str(e) for e in v)
                for k, v in data.get("approved", {}).items()
                if k in known and isinstance(v, list)
            },
            merged={
                k: {str(a): str(b) for a, b in v.items()}
                for k, v in data.get("merged", {}).items()
                if k in known and isinstance(v, dict)
            },
            timers={
                k: {f: int(v[f]) for f in ("round", "opened_at", "closes_at", "stopped") if f in v}
                for k, v in data.get("timers", {}).items()
                if k in known and isinstance(v, dict)
            },
            deck=str(data.get("deck", "")),
            rehearsal=_rehearsal_from(data.get("rehearsal"), known),
            split_by=_splitter(deck, data.get("split_by")),
            compare_rounds=bool(data.get("compare_rounds", False)),
            version=int(data.get("version", 1)),
        )

    def hidden_in(self, question_id: str) -> frozenset[str]:
        return frozenset(self.hidden.get(question_id, ()))

    def approved_in(self, question_id: str) -> frozenset[str]:
        return frozenset(self.approved.get(question_id, ()))

    def merged_in(self, question_id: str) -> dict[str, str]:
        return dict(self.merged.get(question_id, {}))


def _rehearsal_from(data: Any, known: set[str]) -> tuple[str, int] | None:
    if not isinstance(data, dict) or data.get("question") not in known:
        return None
    participants = data.get("participants")
    if not isinstance(participants, int) or not 1 <= participants <= MAX_REHEARSAL:
        return None
    return (str(data["question"]), participants)


def initial_state(deck: Deck, now_ms: int = 0) -> PresenterState:
    return _go(PresenterState(version=0), deck, 0, now_ms)


MAX_HIDDEN = 1000  # entries hidden (approved, merged) per question: a presenter's hand
MAX_TIMER_S = 3600  # a presenter's timer: an hour at most


def apply(
    state: PresenterState,
    deck: Deck,
    action: str,
    question: str | None = None,
    now_ms: int = 0,
    entry: str | None = None,
    participants: int | None = None,
    by: str | None = None,
    *,
    into: str | None = None,
    seconds: int | None = None,
) -> PresenterState:
    """Apply one presenter action at `now_ms` (the server's clock, epoch ms). Raises
    ControlError if it makes no sense now. `entry` is a free-text entry (for `merge_entries`
    the one merged `into` another); `seconds` a `timer`'s length (0 stops it)."""
    state = _timed_out(state, deck, now_ms)  # a deadline that passed closes first
    if state.ended:
        raise ControlError("session_ended", "this session has ended; it is read-only now")
    if action == "end":
        return _bump(replace(state, ended=True, voting_open=False, rehearsal=None))
    if action == "end_rehearsal":
        return state if state.rehearsal is None else _bump(replace(state, rehearsal=None))
    if action in ("lock", "unlock"):
        return _bump(replace(state, joining_locked=action == "lock"))
    if action == "goto":
        if not question:
            raise ControlError("missing_question", "'goto' needs a 'question' (a slide id)")
        index = deck.index_of(question)
        if index is None:
            raise ControlError("unknown_question", f"there is no slide {question!r} in this deck")
        return _go(state, deck, index, now_ms)
    if action == "next":
        return _go(state, deck, min(state.live + 1, len(deck.slides) - 1), now_ms)
    if action == "prev":
        return _go(state, deck, max(state.live - 1, 0), now_ms)
    if action == "qr":
        return _bump(replace(state, qr_visible=not state.qr_visible))
    if action == "split":
        return _split(state, deck, by)
    if action == "compare":
        return _bump(replace(state, compare_rounds=not state.compare_rounds))

    target = _target_question(state, deck, action, question)
    if action in ("open", "close"):
        if target is not deck.slides[state.live]:
            raise ControlError("not_live", "voting can only be opened or closed on the live slide")
        if action == "open" and state.timer_over(target.id, now_ms):
            _refuse_when_revealed(target)
            state = _stop_timer(state, target)  # its time is up: open now runs without it
        if action == "open":
            return _bump(_start_timer(replace(state, voting_open=True), target, now_ms))
        return _bump(replace(state, voting_open=False))
    if action in ("reveal", "hide"):
        return _bump(replace(state, shown={**state.shown, target.id: action == "reveal"}))
    if action == "reset":
        rounds = {**state.rounds, target.id: state.round_of(target.id) + 1}
        reset = replace(state, rounds=rounds)
        if state.rehearsed(target.id):
            reset = replace(reset, rehearsal=None)  # a new round starts empty
        if target is deck.slides[state.live] and state.voting_open:
            reset = _start_timer(reset, target, now_ms)  # the new round's clock runs at once
        return _bump(reset)
    if action in ("hide_entry", "show_entry", "approve_entry"):
        return _hide_or_show(state, target, action, entry)
    if action == "rehearse":
        return _rehearse(state, deck, target, participants)
    if action in ("merge_entries", "unmerge_entries"):
        return _merge(state, target, action, entry, into)
    if action == "timer":
        if target is not deck.slides[state.live]:
            raise ControlError("not_live", "a timer runs on the live question only")
        return _set_timer(state, target, seconds, now_ms)
    raise ControlError("unknown_action", f"unknown action {action!r} ({_KNOWN})")


def _target_question(
    state: PresenterState, deck: Deck, action: str, question: str | None
) -> Question:
    if action not in ACTIONS:
        raise ControlError("unknown_action", f"unknown action {action!r} ({_KNOWN})")
    slide = deck.slide(question) if question else deck.slides[state.live]
    if slide is None:
        raise ControlError("unknown_question", f"there is no slide {question!r} in this deck")
    if not isinstance(slide, Question):
        raise ControlError("not_interactive", f"slide {slide.id!r} is not a question")
    return slide


def _hide_or_show(
    state: PresenterState, target: Question, action: str, entry: str | None
) -> PresenterState:
    if not isinstance(target, FreeText):
        raise ControlError("not_free_text", f"{target.id!r} has no free-text entries to moderate")
    if not entry:
        raise ControlError("missing_entry", f"'{action}' needs an 'entry' (its text)")
    hidden = list(state.hidden.get(target.id, ()))
    approved = list(state.approved.get(target.id, ()))
    if action == "hide_entry":
        if entry in hidden:
            return state
        _room_for(hidden)
        hidden.append(entry)
        approved = [a for a in approved if a != entry]  # hidden again: it needs a new approval
    elif action == "approve_entry":
        if entry in approved and entry not in hidden:
            return state
        if entry not in approved:
            _room_for(approved)
            approved.append(entry)
        hidden = [h for h in hidden if h != entry]
    elif entry in hidden:
        hidden.remove(entry)
    else:
        return state
    return _bump(
        replace(
            state,
            hidden={**state.hidden, target.id: tuple(hidden)},
            approved={**state.approved, target.id: tuple(approved)},
        )
    )


def _room_for(entries: list[str]) -> None:
    if len(entries) >= MAX_HIDDEN:
        raise ControlError("too_many_entries", f"at most {MAX_HIDDEN} entries per question")


def _merge(
    state: PresenterState, target: Question, action: str, entry: str | None, into: str | None
) -> PresenterState:
    """Count one word-cloud entry as another (`merge_entries`), or as itself again."""
    if not (isinstance(target, FreeText) and target.mergeable):
        raise ControlError("not_word_cloud", f"{target.id!r} has no entries to merge")
    if not entry:
        raise ControlError("missing_entry", f"'{action}' needs 'from' (an entry's text)")
    merged = state.merged_in(target.id)
    if action == "unmerge_entries":
        if merged.pop(entry, None) is None:
            return state
        return _bump(replace(state, merged={**state.merged, target.id: merged}))
    if not into:
        raise ControlError("missing_entry", "'merge_entries' needs 'into' (an entry's text)")
    into = merged.get(into, into)  # into an entry that was merged itself: into where it went
    if into == entry:
        raise ControlError("invalid_merge", "an entry cannot be merged into itself")
    if merged.get(entry) == into:
        return state
    if entry not in merged:
        _room_for(list(merged))
    merged[entry] = into
    for source, goal in merged.items():  # what went into `entry` now goes where it goes
        if goal == entry:
            merged[source] = into
    return _bump(replace(state, merged={**state.merged, target.id: merged}))


def _refuse_when_revealed(question: Question) -> None:
    """A question that showed its answer when time ran out (a quiz) is over for this round."""
    if question.revealed():
        raise ControlError(
            "timer_over", f"the timer of {question.id!r} ran out; 'reset' it for a new round"
        )


def _stop_timer(state: PresenterState, question: Question) -> PresenterState:
    timer = state.running_timer(question.id)
    if timer is None:
        return state
    return replace(state, timers={**state.timers, question.id: {**timer, "stopped": 1}})


def _set_timer(
    state: PresenterState, question: Question, seconds: int | None, now_ms: int
) -> PresenterState:
    """Start (or restart, from now) the live question's timer and open its voting; 0 stops
    it and leaves voting as it is. A restart while it runs keeps when it started (a quiz's
    points count from there), so `+30 s` is a restart with 30 s more."""
    if seconds is None:
        raise ControlError("missing_seconds", "'timer' needs 'seconds' (0 stops it)")
    if not 0 <= seconds <= MAX_TIMER_S:
        raise ControlError("invalid_seconds", f"'seconds' must be 0 to {MAX_TIMER_S}")
    if seconds == 0:
        stopped = _stop_timer(state, question)
        return state if stopped is state else _bump(stopped)
    if state.timer_over(question.id, now_ms):
        _refuse_when_revealed(question)
    current = state.running_timer(question.id)
    running = current is not None and now_ms < current["closes_at"]
    timer = {
        "round": state.round_of(question.id),
        "opened_at": current["opened_at"] if current is not None and running else now_ms,
        "closes_at": now_ms + seconds * 1000,
    }
    timers = {**state.timers, question.id: timer}
    return _bump(replace(state, voting_open=True, timers=timers))


def _rehearse(
    state: PresenterState, deck: Deck, target: Question, participants: int | None
) -> PresenterState:
    if target is not deck.slides[state.live]:
        raise ControlError("not_live", "only the live question can be rehearsed")
    if not valid_participants(participants):
        raise ControlError("invalid_participants", PARTICIPANTS_NEEDED)
    assert isinstance(participants, int)
    if state.rehearsal == (target.id, participants):
        return state
    return _bump(replace(state, rehearsal=(target.id, participants)))


PARTICIPANTS_NEEDED = f"'participants' must be a whole number from 1 to {MAX_REHEARSAL}"


def valid_participants(value: Any) -> bool:
    """A rehearsal's number of simulated participants (any other action takes none)."""
    return type(value) is int and 1 <= value <= MAX_REHEARSAL


def _split(state: PresenterState, deck: Deck, by: str | None) -> PresenterState:
    """Split the presenter's view by a choice question's answer (`by`), or stop (None)."""
    if by is not None and _splitter(deck, by) is None:
        choices = ", ".join(q.id for q in deck.questions if can_split_by(q)) or "none"
        raise ControlError(
            "invalid_split", f"'by' must be a choice question of this deck ({choices}) or null"
        )
    if by == state.split_by:
        return state
    return _bump(replace(state, split_by=by))


def _splitter(deck: Deck, by: object) -> str | None:
    """`by` if it names a choice question of the deck (what groups can be made of), else None."""
    return by if isinstance(by, str) and can_split_by(deck.question(by)) else None


def expire(state: PresenterState, deck: Deck, now_ms: int) -> PresenterState:
    """Close voting on the live question if its timer ran out (else the same state)."""
    return _timed_out(state, deck, now_ms)


def _timed_out(state: PresenterState, deck: Deck, now_ms: int) -> PresenterState:
    slide = deck.slides[state.live]
    if state.voting_open and state.timer_over(slide.id, now_ms):
        return _bump(replace(state, voting_open=False))
    return state


def _start_timer(state: PresenterState, question: Question, now_ms: int) -> PresenterState:
    """Voting opened on `question`: its round's deadline, unless it has one already."""
    length = question.timer_ms
    if length is None or state.timer_of(question.id) is not None:
        return state
    timer = {
        "round": state.round_of(question.id),
        "opened_at": now_ms,
        "closes_at": now_ms + length,
    }
    return replace(state, timers={**state.timers, question.id: timer})


def _go(state: PresenterState, deck: Deck, index: int, now_ms: int = 0) -> PresenterState:
    slide = deck.slides[index]
    opens = isinstance(slide, Question) and slide.opens_when_live
    if index == state.live and state.version > 0:
        return state  # already there: no version bump, no flicker on screens
    if opens and state.timer_over(slide.id, now_ms):
        opens = False  # its timer ran out in this round: back on it, it stays closed
    moved = replace(state, live=index, voting_open=opens, rehearsal=None)
    if opens:
        moved = _start_timer(moved, slide, now_ms)  # type: ignore[arg-type]
    return _bump(moved)


def _bump(state: PresenterState) -> PresenterState:
    return replace(state, version=state.version + 1)
