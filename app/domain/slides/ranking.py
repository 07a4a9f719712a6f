"""Ranking: order the options, best first (up to `max_ranked` of them), scored the Borda way.

With n options, the option a respondent puts first gets n points, second n - 1, …, last 1
(`n - rank + 1`); an option they left unranked gets 0 from them. An option's `score` is its
points averaged over ALL respondents, so it lies between 0 and n and scores stay comparable
when people rank only a few. `first` is how many ranked it first, `count` how many ranked it
at all. Options are listed by score, then by first places, then in deck order.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import crowd
from ..chart import BAR_COLORS, MUTED, WIDTH, Bar, BarLayout, ReportPart, bar_rows, esc, number, svg
from ..errors import AnswerError
from ..reader import FieldReader
from .base import Cell, LiveCounts, Question, register
from .choice import Option, read_options

# Tapping more than a dozen options in order is a chore on a phone, and more bars than that
# are no longer readable from the back row.
MAX_OPTIONS = 12
WORDS = {
    "nl": {"first": "{n}× als eerste", "scale": "score (0–{n})"},
    "en": {"first": "{n}× first", "scale": "score (0–{n})"},
}


@register("ranking")
@dataclass(frozen=True, slots=True, kw_only=True)
class Ranking(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Rangschikking", "en": "Ranking"}

    options: tuple[Option, ...]
    max_ranked: int

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Ranking:
        fields = Question.read_common(reader)
        options = read_options(reader, most=MAX_OPTIONS, what="a ranking")
        everything = max(len(options), 1)
        max_ranked = reader.integer("max_ranked", default=everything, low=1, high=everything)
        return cls(**common, **fields, options=tuple(options), max_ranked=max_ranked)

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view["options"] = [{"id": o.id, "label": o.label} for o in self.options]
        view["max_ranked"] = self.max_ranked
        return view

    def check_answer(self, raw: Any) -> list[str]:
        """A list of option ids, best first → the same list (no repeats, known, not too long)."""
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            raise AnswerError("the answer must be a list of option ids, best first")
        if not raw:
            raise AnswerError("rank at least one option")
        known = {o.id for o in self.options}
        unknown = [p for p in raw if p not in known]
        if unknown:
            raise AnswerError(f"unknown option {unknown[0]!r} for question {self.id!r}")
        repeated = [p for p, n in Counter(raw).items() if n > 1]
        if repeated:
            raise AnswerError(f"option {repeated[0]!r} is ranked twice; each option has one place")
        if len(raw) > self.max_ranked:
            raise AnswerError(f"rank at most {self.max_ranked} options, got {len(raw)}")
        return list(raw)

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """Orders drawn by a skewed liking (best first, by weight among those left); most
        rank every place they may, some stop early."""
        picker = crowd.Picker(
            [o.id for o in self.options], crowd.skewed_weights(rng, len(self.options))
        )
        answers = []
        for _ in range(count):
            places = self.max_ranked if rng.random() < 0.8 else rng.randint(1, self.max_ranked)
            answers.append(self.check_answer(picker.distinct(rng, places)))
        return answers

    def tally_items(self, answer: Any) -> list[str]:
        """One item per ranked option: `option@rank` (rank 1 is best)."""
        if not isinstance(answer, list):
            return []
        return [f"{option}@{rank}" for rank, option in enumerate(answer, start=1)]

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        placed = Counter(item for answer in answers for item in self.tally_items(answer))
        return self._ranking(placed, len(answers))

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        return self._ranking(tally.counts, tally.respondents)

    def _ranking(self, placed: dict[str, int], respondents: int) -> dict[str, Any]:
        """The result from counts of `option@rank` items: the one formula for stored answers
        (`tally`) and the live tally (`live_result`), so both always agree."""
        n = len(self.options)
        points = dict.fromkeys((o.id for o in self.options), 0)
        first = dict.fromkeys(points, 0)
        count = dict.fromkeys(points, 0)
        for item, times in placed.items():
            option, _, rank_text = item.rpartition("@")
            if option not in points or not rank_text.isdigit():
                continue  # an answer to an earlier version of the deck
            rank = int(rank_text)
            points[option] += max(n - rank + 1, 0) * times
            count[option] += times
            if rank == 1:
                first[option] += times
        order = {o.id: i for i, o in enumerate(self.options)}
        # Sorted on the exact points (every score has the same denominator), not on rounded
        # scores: 2.334 and 2.336 are both shown as 2.3 but are not a tie.
        ranked = sorted(points, key=lambda oid: (-points[oid], -first[oid], order[oid]))
        return {
            "ranking": [
                {
                    "id": oid,
                    "score": round(points[oid] / respondents, 2) if respondents else 0.0,
                    "first": first[oid],
                    "count": count[oid],
                }
                for oid in ranked
            ]
        }

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        """One row per ranked option: its id, its label and its place (1 is best)."""
        if not (isinstance(answer, list) and all(isinstance(a, str) for a in answer)):
            return Question.export_items(self, answer)
        labels = {o.id: o.label for o in self.options}
        return [
            (option, labels.get(option, option), rank)
            for rank, option in enumerate(answer, start=1)
        ]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """Per option, by score: how many ranked it, its score (as `mean`), its first places."""
        labels = {o.id: o.label for o in self.options}
        return [
            (
                entry["id"],
                labels.get(entry["id"], entry["id"]),
                entry["count"],
                entry["score"],
                f"first:{entry['first']}",
            )
            for entry in result["ranking"]
        ]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A bar per option by score, on a scale from 0 to n, with its score and first places."""
        words = WORDS.get(language, WORDS["nl"])
        n = len(self.options)
        colors = {o.id: BAR_COLORS[i % len(BAR_COLORS)] for i, o in enumerate(self.options)}
        labels = {o.id: o.label for o in self.options}
        layout = BarLayout(bar_x=360, bar_w=340, min_height=48.0)
        bar_x, bar_w = layout.bar_x, layout.bar_w
        head = (
            f'<text x="{bar_x}" y="12" font-size="14" fill="{MUTED}">0</text>'
            f'<text x="{bar_x + bar_w}" y="12" font-size="14" text-anchor="end" fill="{MUTED}">'
            f"{n}</text>"
            f'<text x="{WIDTH}" y="12" font-size="14" text-anchor="end" fill="{MUTED}">'
            f"{esc(words['scale'].format(n=n))}</text>"
        )
        bars = []
        for place, entry in enumerate(result["ranking"], start=1):
            oid, score, firsts = entry["id"], float(entry["score"]), int(entry["first"])
            fraction = min(max(score / n, 0.0), 1.0) if n else 0.0
            bars.append(
                Bar(
                    id=oid,
                    label=f"{place}. {labels.get(oid, oid)}",
                    fraction=fraction,
                    color=colors.get(oid, BAR_COLORS[0]),
                    value=number(score, language),
                    detail=f" · {words['first'].format(n=firsts)}",
                    data=(("score", score), ("first", firsts), ("count", int(entry["count"]))),
                    filled=fraction > 0,
                )
            )
        rows, y = bar_rows(bars, layout, 24.0)
        chart = svg(y, self.prompt, [head, *rows])
        return ReportPart(chart=chart, empty=not result.get("responses"))
