"""What of a free-text question's entries each screen may show: hidden, held, merged.

A talk in front of partner organisations cannot put a swear word on the projector, so the
deck's `moderation` decides what waits for the presenter: `off` nothing, `filter` (default) an
entry with a word of the maintained LDNOOBW lists (app/domain/profanity.py), `approve` every
entry. A held entry is absent from every phone's message, the report and `/results` until the
presenter approves it (`approve_entry`); the presenter's screens get it apart, under `held`, to
decide on. An entry the presenter hid (`hide_entry`) is absent everywhere. The exports keep
every answer and say which were hidden or held.

Word-cloud entries the presenter merged by hand ("samenwerken" into "samenwerking") count as
the entry they were merged into, in every view and the report; the export keeps what was typed.
Pure: the presenter state and the deck hold the decisions, this module applies them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .profanity import has_listed_word
from .segments import with_intervals
from .slides import Question
from .slides.base import FreeText

MODES = ("off", "filter", "approve")
DEFAULT_MODE = "filter"
MAX_HELD_SHOWN = 200  # held entries listed to the presenter at once: more is a backlog


@lru_cache(maxsize=8192)
def flagged(entry: str) -> bool:
    """Whether the filter holds this entry back (a listed word in it, not inside a word)."""
    return has_listed_word(entry)


@dataclass(frozen=True, slots=True)
class EntryRules:
    """The presenter's decisions on one question's entries, and the deck's moderation mode."""

    mode: str = DEFAULT_MODE
    hidden: frozenset[str] = frozenset()
    approved: frozenset[str] = frozenset()
    merged: dict[str, str] = field(default_factory=dict)

    def shown_as(self, entry: str) -> str:
        """The entry as results show it: the one it was merged into, if it was."""
        return self.merged.get(entry, entry)

    def held(self, entry: str) -> bool:
        """Waiting for the presenter: neither approved nor hidden, and caught by the mode."""
        if self.mode == "off" or entry in self.approved or entry in self.hidden:
            return False
        return self.mode == "approve" or flagged(entry)

    def status(self, entry: str) -> str:
        """`hidden`, `held` or "" for one typed entry (the exports' status column)."""
        shown = self.shown_as(entry)
        if shown in self.hidden:
            return "hidden"
        return "held" if self.held(shown) else ""


def rules_for(state: Any, mode: str, question_id: str) -> EntryRules:
    """The rules a presenter state (app/domain/presenter.py) sets for one question."""
    return EntryRules(
        mode=mode,
        hidden=state.hidden_in(question_id),
        approved=state.approved_in(question_id),
        merged=state.merged_in(question_id),
    )


def visible(
    question: Question, result: dict[str, Any], rules: EntryRules, *, presenter: bool = False
) -> dict[str, Any]:
    """`result` as a screen may show it: merges applied, hidden and held entries out. For
    the presenter the held entries are listed apart (`held`, first seen first)."""
    if not isinstance(question, FreeText):
        return result
    shown = dict(result)
    before = len(shown.get("counts") or {})
    if rules.merged and isinstance(shown.get("counts"), dict):
        shown["counts"] = _merged_counts(shown["counts"], rules)
    entries = list(shown.get("counts", {})) + list(shown.get("answers", []))
    held = list(dict.fromkeys(e for e in entries if isinstance(e, str) and rules.held(e)))
    shown = question.without(shown, rules.hidden | frozenset(held))
    if isinstance(shown.get("distinct"), int):  # "2 more words" must not count them
        shown["distinct"] = max(shown["distinct"] - (before - len(shown.get("counts") or {})), 0)
    if "ci" in shown:  # intervals of the counts before: again, for what is shown
        del shown["ci"]
        shown = with_intervals(shown)
    if presenter:
        shown["held"] = held[:MAX_HELD_SHOWN]
    return shown


def _merged_counts(counts: dict[str, int], rules: EntryRules) -> dict[str, int]:
    merged: Counter[str] = Counter()
    for entry, n in counts.items():
        merged[rules.shown_as(entry)] += n
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))
