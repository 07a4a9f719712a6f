"""Scales: rate each statement on a numeric scale (e.g. 1 "Helemaal oneens" … 5 "Helemaal eens")."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

from ..chart import (
    BAR_COLORS,
    MUTED,
    TEXT,
    WIDTH,
    WORDS,
    ReportPart,
    esc,
    lines,
    number,
    span,
    svg,
    wrap,
)
from ..errors import AnswerError
from ..reader import FieldReader, unique_ids
from .base import Cell, LiveCounts, Question, register

MAX_SPAN = 10


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    label: str


@register("scales")
@dataclass(frozen=True, slots=True, kw_only=True)
class Scales(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Schalen", "en": "Scales"}

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

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """Per statement the room leans to a value of its own, spread around it; a few skip
        a statement."""
        leaning = {s.id: rng.uniform(self.low, self.high) for s in self.statements}
        spread = max((self.high - self.low) / 4, 0.6)
        answers = []
        for _ in range(count):
            answer = {
                sid: min(max(round(rng.gauss(mean, spread)), self.low), self.high)
                for sid, mean in leaning.items()
                if rng.random() < 0.95
            }
            first = self.statements[0].id
            answers.append(self.check_answer(answer or {first: round(leaning[first])}))
        return answers

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

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        whole = [isinstance(v, int) and not isinstance(v, bool) for v in _values(answer)]
        if not (isinstance(answer, dict) and all(whole)):
            return Question.export_items(self, answer)
        labels = {s.id: s.label for s in self.statements}
        return [(sid, labels.get(sid, sid), int(value)) for sid, value in answer.items()]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        labels = {s.id: s.label for s in self.statements}
        return [
            (
                sid,
                labels.get(sid, sid),
                stats["count"],
                stats["mean"],
                " ".join(f"{value}:{n}" for value, n in stats["counts"].items()),
            )
            for sid, stats in result["statements"].items()
        ]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A histogram per statement, with the mean marked."""
        values = list(range(self.low, self.high + 1))
        chart_x, chart_w = 400, WIDTH - 400
        col_w = chart_w / len(values)
        body = []
        low_end = f"{self.low}" + (f" · {self.low_label}" if self.low_label else "")
        high_end = (f"{self.high_label} · " if self.high_label else "") + f"{self.high}"
        body.append(
            f'<text x="{chart_x}" y="14" font-size="15" fill="{MUTED}">{esc(low_end)}</text>'
            f'<text x="{WIDTH}" y="14" font-size="15" text-anchor="end" fill="{MUTED}">'
            f"{esc(high_end)}</text>"
        )
        y = 30.0
        row_h, hist_h, head = 168.0, 80.0, 50.0  # head: the mean, its interval, the counts
        for statement in self.statements:
            stats = result["statements"].get(statement.id, {"count": 0, "mean": None, "counts": {}})
            counts = [int(stats["counts"].get(str(v), 0)) for v in values]
            top = max(counts) or 1
            base = y + head + hist_h
            body.append(
                f'<g class="statement" data-id="{esc(statement.id)}" data-count="{stats["count"]}">'
            )
            body.append(lines(0, y + row_h / 2 - 6, wrap(statement.label, 36, 4), 16, fill=TEXT))
            body.append(
                f'<line x1="{chart_x}" y1="{base:.1f}" x2="{WIDTH}" y2="{base:.1f}" '
                f'stroke="{MUTED}" stroke-width="1"/>'
            )
            for i, (value, n) in enumerate(zip(values, counts, strict=True)):
                cx = chart_x + col_w * (i + 0.5)
                h = hist_h * n / top
                bw = min(col_w * 0.7, 70)
                if n:
                    body.append(
                        f'<rect x="{cx - bw / 2:.1f}" y="{base - h:.1f}" width="{bw:.1f}" '
                        f'height="{h:.1f}" rx="3" fill="{BAR_COLORS[0]}" opacity="0.85"/>'
                        f'<text x="{cx:.1f}" y="{base - h - 9:.1f}" font-size="14" '
                        f'text-anchor="middle" fill="{TEXT}">{n}</text>'
                    )
                body.append(
                    f'<text x="{cx:.1f}" y="{base + 16:.1f}" font-size="14" text-anchor="middle" '
                    f'fill="{MUTED}">{value}</text>'
                )
            mean = stats["mean"]
            words = WORDS.get(language, WORDS["nl"])
            if isinstance(mean, (int, float)):
                mx = chart_x + (mean - self.low + 0.5) * col_w
                label = f"{words['mean']} {number(mean, language)}"
                ci = stats.get("ci")
                if ci:  # the mean's 95 % interval (a mean never leaves the scale): a whisker
                    ci = [max(ci[0], self.low), min(ci[1], self.high)]
                    lx, hx = (chart_x + (end - self.low + 0.5) * col_w for end in ci)
                    body.append(
                        f'<g class="interval" data-low="{ci[0]}" data-high="{ci[1]}">'
                        f'<line x1="{lx:.1f}" y1="{y + 22:.1f}" x2="{hx:.1f}" y2="{y + 22:.1f}" '
                        f'stroke="{MUTED}" stroke-width="2"/>'
                        f'<line x1="{lx:.1f}" y1="{y + 17:.1f}" x2="{lx:.1f}" y2="{y + 27:.1f}" '
                        f'stroke="{MUTED}" stroke-width="2"/>'
                        f'<line x1="{hx:.1f}" y1="{y + 17:.1f}" x2="{hx:.1f}" y2="{y + 27:.1f}" '
                        f'stroke="{MUTED}" stroke-width="2"/></g>'
                    )
                figures = [f"{words['interval']} {span(ci[0], ci[1], language)}"] if ci else []
                if stats.get("median") is not None:
                    figures.append(f"{words['median']} {number(stats['median'], language)}")
                if stats.get("q1") is not None and stats.get("q3") is not None:
                    figures.append(f"{words['middle']} {span(stats['q1'], stats['q3'], language)}")
                if figures:
                    body.append(
                        f'<text class="figures" x="{WIDTH}" y="{base + 34:.1f}" font-size="13" '
                        f'text-anchor="end" fill="{MUTED}">{esc(" · ".join(figures))}</text>'
                    )
                body.append(
                    f'<g class="mean" data-mean="{mean}">'
                    f'<line x1="{mx:.1f}" y1="{y + 18:.1f}" x2="{mx:.1f}" y2="{base:.1f}" '
                    f'stroke="{BAR_COLORS[1]}" stroke-width="3" stroke-dasharray="6 4"/>'
                    f'<text x="{min(max(mx, chart_x + 60), WIDTH - 60):.1f}" y="{y + 10:.1f}" '
                    f'font-size="14" font-weight="700" text-anchor="middle" '
                    f'fill="{BAR_COLORS[1]}">{esc(label)}</text></g>'
                )
            body.append("</g>")
            y += row_h
        return ReportPart(chart=svg(y, self.prompt, body))

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


def _values(answer: Any) -> list[Any]:
    return list(answer.values()) if isinstance(answer, dict) else [None]
