"""Open question: free text answers, shown as a wall in the order they came in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..reader import FieldReader
from .base import Question, register, text_entries


@register("open")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenQuestion(Question):
    max_answers: int = 1
    max_length: int = 280

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> OpenQuestion:
        fields = Question.read_common(reader)
        return cls(
            **common,
            **fields,
            max_answers=reader.integer("max_answers", default=1, low=1, high=10),
            max_length=reader.integer("max_length", default=280, low=1, high=1000),
        )

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view.update(max_answers=self.max_answers, max_length=self.max_length)
        return view

    def check_answer(self, raw: Any) -> list[str]:
        return text_entries(
            raw, max_answers=self.max_answers, max_length=self.max_length, single_line=False
        )

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        return {"answers": [entry for answer in answers for entry in answer]}
