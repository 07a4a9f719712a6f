"""100 points: each participant spreads a budget of points over the options.

Where a choice question says which option people like, this says how much: one person can put
everything on one option or spread it. An answer is `{option_id: points}`, whole numbers of 0
or more that add up to at most the budget (not all of it need be spent) and to at least 1: an
answer of nothing would only pull every mean down. Options at 0 may be sent or left out; they
are stored left out, the rest in deck order.

The mean of an option is over everyone who answered the question, counting 0 for an option a
respondent gave nothing, so the means add up to the points the average respondent spent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import crowd
from ..chart import BAR_COLORS, MUTED, Bar, BarLayout, ReportPart, bar_rows, esc, number, svg, whole
from ..errors import AnswerError
from ..reader import FieldReader
from .base import Cell, LiveCounts, Question, register
from .choice import Option, read_options

MAX_BUDGET = 1000  # a live tally keeps a count per option and amount: at most 1001 per option
STEPS_PER_BUDGET = 10  # the steppers' default step: a tenth of the budget (10 of 100)
WORDS = {
    "nl": {"scale": "gemiddeld aantal punten per deelnemer, van 0 tot {budget}", "total": "totaal"},
    "en": {"scale": "mean points per participant, from 0 to {budget}", "total": "total"},
}


@register("points")
@dataclass(frozen=True, slots=True, kw_only=True)
class Points(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Punten verdelen", "en": "Points to spread"}

    options: tuple[Option, ...]
    budget: int = 100
    step: int = 10

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Points:
        fields = Question.read_common(reader)
        options = read_options(reader)
        budget = reader.integer("budget", default=100, low=1, high=MAX_BUDGET)
        default_step = max(1, budget // STEPS_PER_BUDGET)
        # Read against the widest bound, then narrowed to this budget: a bound from another
        # key's value would make the generated deck schema refuse a deck the loader takes.
        step = reader.integer("step", default=default_step, low=1, high=MAX_BUDGET)
        if step > budget:
            reader.error("step", f"'step' is {step}, must be between 1 and {budget}")
            step = default_step
        return cls(**common, **fields, options=tuple(options), budget=budget, step=step)

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view["options"] = [{"id": o.id, "label": o.label} for o in self.options]
        view["budget"] = self.budget
        view["step"] = self.step
        return view

    def check_answer(self, raw: Any) -> dict[str, int]:
        """`{option_id: points}` → the options given points, in deck order, without zeros."""
        if not isinstance(raw, dict):
            raise AnswerError("the answer must be an object {option_id: points}")
        known = {o.id for o in self.options}
        for option_id, value in raw.items():
            if option_id not in known:
                raise AnswerError(f"unknown option {option_id!r} for question {self.id!r}")
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswerError(
                    f"the points for {option_id!r} must be a whole number, got {value!r}"
                )
            if value < 0:
                raise AnswerError(f"the points for {option_id!r} are {value}; none may be negative")
        given = sum(raw.values())
        if given > self.budget:
            raise AnswerError(
                f"{given} points given, but the budget is {self.budget}: "
                f"take {given - self.budget} away"
            )
        if given == 0:
            raise AnswerError("give at least 1 point to an option")
        return {o.id: raw[o.id] for o in self.options if raw.get(o.id)}

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """Budgets in steps over one to three favoured options; most spend it all."""
        picker = crowd.Picker(
            [o.id for o in self.options], crowd.skewed_weights(rng, len(self.options))
        )
        steps = max(self.budget // self.step, 1)
        answers = []
        for _ in range(count):
            chosen = picker.distinct(rng, crowd.how_many(rng, min(3, len(self.options))))
            spent = steps if rng.random() < 0.85 else rng.randint(1, steps)
            given = dict.fromkeys(chosen, 0)
            for option_id in rng.choices(chosen, k=spent):
                given[option_id] += 1
            answers.append(self.check_answer({o: n * self.step for o, n in given.items()}))
        return answers

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        totals = {o.id: 0 for o in self.options}
        counts = dict.fromkeys(totals, 0)
        for answer in answers:
            for option_id, value in _given(answer):
                if option_id in totals:
                    totals[option_id] += value
                    counts[option_id] += 1
        return {"points": self._result(totals, counts, len(answers))}

    def _result(
        self, totals: dict[str, int], counts: dict[str, int], respondents: int
    ) -> dict[str, dict[str, Any]]:
        """Per option its total, its mean over every respondent (0 where one gave nothing;
        null without respondents) and `count`, how many gave it any points."""
        return {
            oid: {
                "total": total,
                "mean": round(total / respondents, 2) if respondents else None,
                "count": counts[oid],
            }
            for oid, total in totals.items()
        }

    def tally_items(self, answer: Any) -> list[str]:
        """One item per option given points: `option=points` (a live tally sums them back)."""
        return [f"{option_id}={value}" for option_id, value in _given(answer)]

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        totals = {o.id: 0 for o in self.options}
        counts = dict.fromkeys(totals, 0)
        for item, n in tally.counts.items():
            option_id, _, value = item.rpartition("=")
            if option_id in totals and value.isdigit():
                totals[option_id] += int(value) * n
                counts[option_id] += n
        return {"points": self._result(totals, counts, tally.respondents)}

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        given = _given(answer)
        if not given or len(given) != len(answer):
            return Question.export_items(self, answer)
        labels = {o.id: o.label for o in self.options}
        return [(oid, labels.get(oid, oid), value) for oid, value in given]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """Per option: how many gave it points, the mean, and its total (`total:4680`)."""
        labels = {o.id: o.label for o in self.options}
        return [
            (oid, labels.get(oid, oid), stats["count"], stats["mean"], f"total:{stats['total']}")
            for oid, stats in result["points"].items()
        ]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A bar per option: its mean on a track that stands for the whole budget (as on the
        projector, see types/points.js), labelled with the mean and the total."""
        if not result.get("responses"):
            return ReportPart(empty=True)
        words = WORDS.get(language, WORDS["nl"])
        layout = BarLayout(bar_x=360, bar_w=360, wrap=32)
        head = (
            f'<text x="{layout.bar_x}" y="12" font-size="15" dominant-baseline="central" '
            f'fill="{MUTED}">{esc(words["scale"].format(budget=self.budget))}</text>'
        )
        bars = []
        for i, option in enumerate(self.options):
            stats = result["points"].get(option.id, {"total": 0, "mean": 0, "count": 0})
            mean = float(stats["mean"] or 0)
            total = int(stats["total"])
            bars.append(
                Bar(
                    id=option.id,
                    label=option.label,
                    fraction=min(mean / self.budget, 1.0),
                    color=BAR_COLORS[i % len(BAR_COLORS)],
                    value=number(mean, language),
                    detail=f" · {words['total']} {whole(total, language)}",
                    data=(("mean", mean), ("total", total)),
                    filled=bool(total),
                )
            )
        rows, y = bar_rows(bars, layout, 28.0)
        return ReportPart(chart=svg(y, self.prompt, [head, *rows]))


def _given(answer: Any) -> list[tuple[str, int]]:
    """The (option, points) of a stored answer that gave points; nothing for one that no longer
    has this shape (the deck changed since), so it counts for no option."""
    if not isinstance(answer, dict):
        return []
    return [
        (str(option_id), value)
        for option_id, value in answer.items()
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
    ]
