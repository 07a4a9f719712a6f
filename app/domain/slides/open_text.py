"""Open question: free text answers, shown as a wall in the order they came in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from ..chart import ReportPart
from .base import Cell, FreeText, LiveCounts, register, text_entries


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

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """Identical answers counted together, in first-seen order."""
        entries = list(Counter(result["answers"]).items())
        if not entries:
            return [("", "", 0, None, "")]  # the question still shows up, with nobody answering
        return [("", entry, n, None, "") for entry, n in entries]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        texts = [str(a) for a in result["answers"]]
        return ReportPart(texts=texts, empty=not texts)

    def live_top(self, size: int) -> int | None:
        return 0  # no counts: the newest answers and the total say it all

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The newest `size` entries (oldest first, as in the full result) and the total."""
        entries = [entry for answer in reversed(tally.newest) for entry in answer]
        return {"answers": entries[-size:] if size else [], "total": tally.items}
