"""Open question: free text answers, shown as a wall in the order they came in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import FreeText, LiveCounts, register, text_entries


@register("open")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenQuestion(FreeText):
    def check_answer(self, raw: Any) -> list[str]:
        return text_entries(
            raw, max_answers=self.max_answers, max_length=self.max_length, single_line=False
        )

    live_list: ClassVar[str | None] = "answers"

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        return {"answers": [entry for answer in answers for entry in answer]}

    def tally_items(self, answer: Any) -> list[str]:
        return list(answer)

    def live_top(self, size: int) -> int | None:
        return 0  # no counts: the newest answers and the total say it all

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The newest `size` entries (oldest first, as in the full result) and the total."""
        entries = [entry for answer in reversed(tally.newest) for entry in answer]
        return {"answers": entries[-size:] if size else [], "total": tally.items}
