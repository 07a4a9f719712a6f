"""Multiple choice: pick one option, or up to `multiple` of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import crowd
from ..chart import BAR_COLORS, Bar, BarLayout, ReportPart, bar_rows, percent, svg
from ..errors import AnswerError
from ..reader import FieldReader, unique_ids
from .base import Cell, LiveCounts, Question, register


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


def read_options(reader: FieldReader, *, most: int | None = None, what: str = "") -> list[Option]:
    """A question's `options` ({id, label}, at least 2, ids unique; at most `most` when a
    type has a limit, `what` naming it in the error, e.g. "a quiz")."""
    option_readers = reader.items("options", required=True, minimum=2)
    if most is not None and len(option_readers) > most:
        reader.error(
            "options", f"'options' has {len(option_readers)} entries, {what} takes at most {most}"
        )
    options = []
    for r in option_readers:
        options.append(Option(r.ident("id", required=True), r.text("label", required=True)))
        r.finish()
    unique_ids([(r, o.id) for r, o in zip(option_readers, options, strict=True)], "option")
    return options


def pick_options(
    question_id: str, options: tuple[Option, ...], multiple: int, raw: Any
) -> list[str]:
    """An option id or a list of them → the chosen ids in deck order, without repeats."""
    picked = [raw] if isinstance(raw, str) else raw
    if not isinstance(picked, list) or not all(isinstance(p, str) for p in picked):
        raise AnswerError("the answer must be an option id or a list of option ids")
    known = {o.id for o in options}
    unknown = [p for p in picked if p not in known]
    if unknown:
        raise AnswerError(f"unknown option {unknown[0]!r} for question {question_id!r}")
    chosen = set(picked)
    if not chosen:
        raise AnswerError("pick at least one option")
    if len(chosen) > multiple:
        raise AnswerError(f"pick at most {multiple} option(s), got {len(chosen)}")
    return [o.id for o in options if o.id in chosen]


def simulate_picks(
    options: tuple[Option, ...], multiple: int, rng: random.Random, count: int
) -> list[list[str]]:
    """`count` simulated picks of up to `multiple` options each, skewed to a random few."""
    picker = crowd.Picker([o.id for o in options], crowd.skewed_weights(rng, len(options)))
    return [picker.distinct(rng, crowd.how_many(rng, multiple)) for _ in range(count)]


@register("choice")
@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Meerkeuze", "en": "Multiple choice"}

    options: tuple[Option, ...]
    multiple: int = 1

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Choice:
        fields = Question.read_common(reader)
        options = read_options(reader)
        multiple = reader.integer("multiple", default=1, low=1, high=max(len(options), 1))
        return cls(**common, **fields, options=tuple(options), multiple=multiple)

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view["options"] = [{"id": o.id, "label": o.label} for o in self.options]
        view["multiple"] = self.multiple
        return view

    def check_answer(self, raw: Any) -> list[str]:
        """An option id or a list of them → the chosen ids in deck order, without repeats."""
        return pick_options(self.id, self.options, self.multiple, raw)

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """A few options take most of the room; with `multiple`, most pick one or two."""
        return [
            self.check_answer(picks)
            for picks in simulate_picks(self.options, self.multiple, rng, count)
        ]

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        counts = {o.id: 0 for o in self.options}
        for answer in answers:
            for option_id in answer:
                if option_id in counts:
                    counts[option_id] += 1
        return {"counts": counts}

    def tally_items(self, answer: Any) -> list[str]:
        return list(answer)

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        if not (isinstance(answer, list) and all(isinstance(a, str) for a in answer)):
            return Question.export_items(self, answer)
        labels = {o.id: o.label for o in self.options}
        return [
            (option, labels.get(option, option), labels.get(option, option)) for option in answer
        ]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        labels = {o.id: o.label for o in self.options}
        return [(oid, labels.get(oid, oid), n, None, "") for oid, n in result["counts"].items()]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A bar per option: label, bar as share of respondents, count and percentage with
        its 95 % interval in brackets (the page's note says so)."""
        total = result["responses"]
        counts = result["counts"]
        intervals = result.get("ci") or {}
        bars = []
        for i, option in enumerate(self.options):
            n = int(counts.get(option.id, 0))
            share = percent(n, total)
            ci = intervals.get(option.id)  # 95 % Wilson interval of the share, when known
            noise = f" [{round(ci[0] * 100)}–{round(ci[1] * 100)}]" if total and ci else ""
            bars.append(
                Bar(
                    id=option.id,
                    label=option.label,
                    fraction=share / 100,
                    color=BAR_COLORS[i % len(BAR_COLORS)],
                    value=str(n),
                    detail=f" · {round(share)}%{noise}",
                    data=(("count", n),),
                    filled=bool(n),
                )
            )
        rows, y = bar_rows(bars, BarLayout(), 0.0)
        return ReportPart(chart=svg(y, self.prompt, rows))

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        return {"counts": {o.id: tally.counts.get(o.id, 0) for o in self.options}}
