"""Scales: rate each statement on a numeric scale (e.g. 1 "Helemaal oneens" … 5 "Helemaal eens")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AnswerError
from ..reader import FieldReader, unique_ids
from .base import LiveCounts, Question, register

MAX_SPAN = 10


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    label: str


@register("scales")
@dataclass(frozen=True, slots=True, kw_only=True)
class Scales(Question):
    statements: tuple[Statement, ...]
    low: int = 1
    high: int = 5
    low_label: str = ""
    high_label: str = ""

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Scales:
        fields = Question.read_common(reader)
        statement_readers = reader.items("statements", required=True, minimum=1)
        statements = []
        for r in statement_readers:
            ident = r.ident("id", required=True)
            statements.append(Statement(ident, r.text("label", required=True)))
            r.finish()
        unique_ids(
            [(r, s.id) for r, s in zip(statement_readers, statements, strict=True)], "statement"
        )
        low, high, low_label, high_label = 1, 5, "", ""
        scale = reader.child("scale", required=True)
        if scale is not None:
            found_low = scale.required_integer("min")
            found_high = scale.required_integer("max")
            low_label = scale.text("min_label")
            high_label = scale.text("max_label")
            scale.finish()
            if found_low is not None and found_high is not None:
                if found_high <= found_low:
                    scale.error("max", f"max ({found_high}) must be greater than min ({found_low})")
                elif found_high - found_low > MAX_SPAN:
                    scale.error("max", f"a scale spans at most {MAX_SPAN} steps (max - min)")
                else:
                    low, high = found_low, found_high
        return cls(
            **common,
            **fields,
            statements=tuple(statements),
            low=low,
            high=high,
            low_label=low_label,
            high_label=high_label,
        )

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view["statements"] = [{"id": s.id, "label": s.label} for s in self.statements]
        view["scale"] = {
            "min": self.low,
            "max": self.high,
            "min_label": self.low_label,
            "max_label": self.high_label,
        }
        return view

    def check_answer(self, raw: Any) -> dict[str, int]:
        """`{statement_id: value}` for some or all statements → the same, in deck order."""
        if not isinstance(raw, dict) or not raw:
            raise AnswerError("the answer must be an object {statement_id: value}")
        known = {s.id for s in self.statements}
        for statement_id, value in raw.items():
            if statement_id not in known:
                raise AnswerError(f"unknown statement {statement_id!r} for question {self.id!r}")
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswerError(f"the value for {statement_id!r} must be a whole number")
            if not self.low <= value <= self.high:
                raise AnswerError(
                    f"the value for {statement_id!r} is {value}, "
                    f"must be between {self.low} and {self.high}"
                )
        return {s.id: raw[s.id] for s in self.statements if s.id in raw}

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        steps = [str(v) for v in range(self.low, self.high + 1)]
        result: dict[str, Any] = {}
        for statement in self.statements:
            counts = dict.fromkeys(steps, 0)
            values = [a[statement.id] for a in answers if statement.id in a]
            for value in values:
                key = str(value)
                if key in counts:
                    counts[key] += 1
            mean = round(sum(values) / len(values), 2) if values else None
            result[statement.id] = {"count": len(values), "mean": mean, "counts": counts}
        return {"statements": result}

    def tally_items(self, answer: Any) -> list[str]:
        """One item per rated statement: `statement=value`."""
        return [f"{statement}={value}" for statement, value in answer.items()]

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        counts = tally.counts
        result: dict[str, Any] = {}
        for statement in self.statements:
            per_value = {
                str(v): counts.get(f"{statement.id}={v}", 0) for v in range(self.low, self.high + 1)
            }
            count = sum(per_value.values())
            total = sum(int(v) * n for v, n in per_value.items())
            mean = round(total / count, 2) if count else None
            result[statement.id] = {"count": count, "mean": mean, "counts": per_value}
        return {"statements": result}
