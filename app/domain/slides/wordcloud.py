"""Word cloud: a few short entries per participant, counted after normalisation."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import FreeText, LiveCounts, register, text_entries


def normalise_entry(entry: str) -> str:
    """One spelling per word: trimmed, inner whitespace collapsed, case-folded; é/ë/ö kept.

    `entry` comes from `clean_text`, which kept the joiners and flag tags that hold an emoji
    together; neither splitting on whitespace nor case-folding touches those, so 👨‍👩‍👧 stays
    one word instead of three faces.
    """
    return " ".join(entry.split()).casefold()


@register("wordcloud")
@dataclass(frozen=True, slots=True, kw_only=True)
class WordCloud(FreeText):
    limits: ClassVar[tuple[int, int, int]] = (3, 40, 200)

    max_answers: int = 3
    max_length: int = 40

    def check_answer(self, raw: Any) -> list[str]:
        """Entries normalised; the same word twice from one person counts once."""
        entries = text_entries(
            raw, max_answers=self.max_answers, max_length=self.max_length, single_line=True
        )
        return list(dict.fromkeys(normalise_entry(e) for e in entries))

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        counter: Counter[str] = Counter()
        for answer in answers:
            counter.update(answer)
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        return {"counts": dict(ranked)}

    def tally_items(self, answer: Any) -> list[str]:
        return list(answer)

    def live_top(self, size: int) -> int | None:
        return size

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The `size` most frequent entries (a cloud shows no more), and how many there are."""
        top = heapq.nsmallest(size, tally.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return {"counts": dict(top), "distinct": tally.distinct}
