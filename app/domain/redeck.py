"""A deck edited while it is served: the presenter state moved from the old deck onto the new.

Pure, no I/O. The rules (docs/decks.md, "The deck reloads on save"):

- The presenter stays on the live slide's id. If that slide is gone, on the next slide of the
  old deck that still exists (where the talk was going), else the previous one that does,
  else the first slide. Slides without an `id` are known by their position (`slide-N`).
- A question keeps its answers and its round when what its answers mean is unchanged: the same
  type and the same options, statements, scale, limits (the wording may change freely:
  prompt, title, subtitle, notes, labels). Otherwise its answers are no longer counted on the
  screens: the question starts a new round, as `reset` does, so no count of a removed option
  or an out-of-range value stays on screen; the earlier answers stay in the store and in every
  export, as the earlier round.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import replace
from typing import Any

from .deck import Deck
from .presenter import PresenterState, _start_timer
from .slides import Question

# Fields people read but answers do not depend on; any field named `…label` is wording too.
WORDING = frozenset(
    {"title", "notes", "line", "prompt", "subtitle", "results_hidden", "opens_when_live",
     "examples"}
)  # fmt: skip


def deck_version(source: str) -> str:
    """A short fingerprint of a deck's YAML text (the file's bytes, as UTF-8)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def answer_shape(question: Question) -> Any:
    """What a question's answers mean: its type and every field that is not wording."""
    return (question.type_name, _shape(question))


def _shape(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, _shape(getattr(value, f.name)))
            for f in dataclasses.fields(value)
            if f.name not in WORDING and not f.name.endswith("label")
        )
    if isinstance(value, list | tuple):
        return tuple(_shape(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v)) for k, v in value.items()))
    return value


def changed_questions(old: Deck, new: Deck) -> set[str]:
    """Ids of the questions in both decks whose answers no longer mean the same."""
    changed = set()
    for question in new.questions:
        before = old.slide(question.id)
        if before is None:
            continue
        if not isinstance(before, Question) or answer_shape(before) != answer_shape(question):
            changed.add(question.id)
    return changed


def nearest_slide(old: Deck, new: Deck, live: int) -> int:
    """Where the presenter is in `new`, who was on slide index `live` of `old`."""
    live = min(max(live, 0), len(old.slides) - 1)
    later = [s.id for s in old.slides[live:]]
    earlier = [s.id for s in reversed(old.slides[:live])]
    for slide_id in later + earlier:
        index = new.index_of(slide_id)
        if index is not None:
            return index
    return 0


def follow_deck(state: PresenterState, old: Deck, new: Deck, now_ms: int) -> PresenterState:
    """The state `state` (made on `old`) as it continues on `new`: a new version of it."""
    live = min(max(state.live, 0), len(old.slides) - 1)
    was = old.slides[live]
    index = nearest_slide(old, new, live)
    slide = new.slides[index]
    changed = changed_questions(old, new)
    known = {q.id for q in new.questions}

    def kept(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k in known}

    rounds = kept(state.rounds)
    for question_id in changed:
        rounds[question_id] = state.round_of(question_id) + 1
    moved = replace(
        state,
        live=index,
        rounds=rounds,
        shown=kept(state.shown),
        hidden={k: v for k, v in kept(state.hidden).items() if k not in changed},
        timers={k: v for k, v in kept(state.timers).items() if k not in changed},
        deck=deck_version(new.source),
        version=state.version + 1,
    )
    if not isinstance(slide, Question):
        return replace(moved, voting_open=False)
    if slide.id == was.id and isinstance(was, Question):
        voting = state.voting_open  # the same question: voting stays as the presenter left it
    else:
        voting = slide.opens_when_live  # another slide became live, as if gone to
    if voting and moved.timer_over(slide.id, now_ms):
        voting = False
    moved = replace(moved, voting_open=voting)
    return _start_timer(moved, slide, now_ms) if voting else moved
