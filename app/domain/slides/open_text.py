"""Open question: free text answers, shown as a wall in the order they came in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import FreeText, register, text_entries


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

    def live_result(
        self, counts: dict[str, int], respondents: int, newest: list[list[str]], size: int
    ) -> dict[str, Any]:
        """The newest `size` entries (oldest first, as in the full result) and the total."""
        entries = [entry for answer in reversed(newest) for entry in answer]
        return {"answers": entries[-size:] if size else [], "total": sum(counts.values())}
