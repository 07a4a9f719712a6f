"""The presenter's state machine: which slide is live, voting, reveal, rounds. Pure, no I/O.

Every change returns a new state with a higher version, so any screen can tell newer from older
and a reconnecting client simply takes the newest snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .deck import Deck
from .errors import ControlError
from .slides import Question
from .slides.base import FreeText

ACTIONS = (
    "goto", "next", "prev", "open", "close", "reveal", "hide", "reset", "qr",
    "lock", "unlock", "end", "hide_entry", "show_entry",
)  # fmt: skip
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
    version: int = 1

    def round_of(self, question_id: str) -> int:
        return self.rounds.get(question_id, 1)

    def results_visible(self, question: Question) -> bool:
        return self.shown.get(question.id, not question.results_hidden)

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
            version=int(data.get("version", 1)),
        )

    def hidden_in(self, question_id: str) -> frozenset[str]:
        return frozenset(self.hidden.get(question_id, ()))


def initial_state(deck: Deck) -> PresenterState:
    return _go(PresenterState(version=0), deck, 0)


MAX_HIDDEN = 1000  # entries hidden per question: a presenter's hand, not a filter's


def apply(
    state: PresenterState,
    deck: Deck,
    action: str,
    question: str | None = None,
    entry: str | None = None,
) -> PresenterState:
    """Apply one presenter action. Raises ControlError if it makes no sense now."""
    if state.ended:
        raise ControlError("session_ended", "this session has ended; it is read-only now")
    if action == "end":
        return _bump(replace(state, ended=True, voting_open=False))
    if action in ("lock", "unlock"):
        return _bump(replace(state, joining_locked=action == "lock"))
    if action == "goto":
        if not question:
            raise ControlError("missing_question", "'goto' needs a 'question' (a slide id)")
        index = deck.index_of(question)
        if index is None:
            raise ControlError("unknown_question", f"there is no slide {question!r} in this deck")
        return _go(state, deck, index)
    if action == "next":
        return _go(state, deck, min(state.live + 1, len(deck.slides) - 1))
    if action == "prev":
        return _go(state, deck, max(state.live - 1, 0))
    if action == "qr":
        return _bump(replace(state, qr_visible=not state.qr_visible))

    target = _target_question(state, deck, action, question)
    if action in ("open", "close"):
        if target is not deck.slides[state.live]:
            raise ControlError("not_live", "voting can only be opened or closed on the live slide")
        return _bump(replace(state, voting_open=action == "open"))
    if action in ("reveal", "hide"):
        return _bump(replace(state, shown={**state.shown, target.id: action == "reveal"}))
    if action == "reset":
        rounds = {**state.rounds, target.id: state.round_of(target.id) + 1}
        return _bump(replace(state, rounds=rounds))
    if action in ("hide_entry", "show_entry"):
        return _hide_or_show(state, target, action, entry)
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
        raise ControlError("not_free_text", f"{target.id!r} has no free-text entries to hide")
    if not entry:
        raise ControlError("missing_entry", f"'{action}' needs an 'entry' (its text)")
    hidden = list(state.hidden.get(target.id, ()))
    if action == "hide_entry":
        if entry in hidden:
            return state
        if len(hidden) >= MAX_HIDDEN:
            raise ControlError("too_many_hidden", f"at most {MAX_HIDDEN} entries can be hidden")
        hidden.append(entry)
    elif entry in hidden:
        hidden.remove(entry)
    else:
        return state
    return _bump(replace(state, hidden={**state.hidden, target.id: tuple(hidden)}))


def _go(state: PresenterState, deck: Deck, index: int) -> PresenterState:
    slide = deck.slides[index]
    opens = isinstance(slide, Question) and slide.opens_when_live
    if index == state.live and state.version > 0:
        return state  # already there: no version bump, no flicker on screens
    return _bump(replace(state, live=index, voting_open=opens))


def _bump(state: PresenterState) -> PresenterState:
    return replace(state, version=state.version + 1)
