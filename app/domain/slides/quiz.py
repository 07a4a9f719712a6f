"""Quiz: a choice question with a right answer (`correct`) and a `timer`, scored for speed.

Voting opens with a deadline on the server's clock (the presenter state's `timers`, see
app/domain/presenter.py) and closes by itself when it passes. An answer is stored with the
milliseconds since voting opened in its round, measured by the server when it took the answer
(`timed`): `{"options": [ids], "ms": 3412}`. A changed answer counts from its last change; the
same answer sent again (a phone retrying) keeps its time.

Points (`points`): a right answer earns 500 + up to 500 for speed, linear in the time left
(answering at once: 1000, at the deadline: 500); a wrong one 0. An answer is right when its
options are exactly the correct ones.

The right answer is never in the public view while voting runs: it joins it (`revealed`) once
the round's timer is over. Live results carry counts only (per option, and per combination
of options when more than one may be picked), so a participant cannot learn from them which
answer scores: the projector shows how many answered during voting, the distribution with the
correct options highlighted after.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from ..chart import BAR_COLORS, TEXT, Bar, BarLayout, ReportPart, bar_rows, esc, percent, svg
from ..palette import palette
from ..reader import FieldReader
from .base import Cell, LiveCounts, Question, register
from .choice import Option, pick_options, read_options, simulate_picks

BASE_POINTS = 500  # a right answer, however late
SPEED_POINTS = 500  # more for answering at once, linear in the time left
DEFAULT_TIMER_S = 20
MIN_TIMER_S, MAX_TIMER_S = 5, 600
# More options than this are not readable as tiles on a phone or bars from the back row.
MAX_OPTIONS = 8
RIGHT = palette()["ok"]
WORDS = {
    "nl": {"right": "{n} van {total} goed", "correct": "juist"},
    "en": {"right": "{n} of {total} right", "correct": "correct"},
}


def points(right: bool, ms: int, timer_ms: int) -> int:
    """Points for one answer given `ms` after voting opened, with a timer of `timer_ms`."""
    if not right:
        return 0
    left = min(max(timer_ms - ms, 0), timer_ms)
    # Rounded half up in whole numbers. Only the server computes points: a phone shows the
    # figure its answer comes back with once the round is over (`settled`).
    return BASE_POINTS + (2 * SPEED_POINTS * left + timer_ms) // (2 * timer_ms)


def combination(options: list[str]) -> str:
    """The live-tally item for a set of picked options (`+a+c`), kept apart from option ids
    (which cannot start with `+`)."""
    return "+" + "+".join(sorted(options))


@register("quiz")
@dataclass(frozen=True, slots=True, kw_only=True)
class Quiz(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Quiz", "en": "Quiz"}
    page_builds_on: ClassVar[tuple[str, ...]] = ("choice",)  # quiz.js reuses its form
    scored: ClassVar[bool] = True

    options: tuple[Option, ...]
    correct: tuple[str, ...]
    multiple: int = 1
    timer: int = DEFAULT_TIMER_S  # seconds

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Quiz:
        fields = Question.read_common(reader, timer=False)  # its own range and default below
        options = read_options(reader, most=MAX_OPTIONS, what="a quiz")
        correct = _read_correct(reader, [o.id for o in options])
        low = max(len(correct), 1)
        multiple = reader.integer("multiple", default=low, low=low, high=max(len(options), low))
        timer = reader.integer("timer", default=DEFAULT_TIMER_S, low=MIN_TIMER_S, high=MAX_TIMER_S)
        return cls(
            **common,
            **fields,
            options=tuple(options),
            correct=tuple(correct),
            multiple=multiple,
            timer=timer,
        )

    def public(self) -> dict[str, Any]:
        """Options, how many to pick and the timer; never the right answer (see `revealed`)."""
        view = Question.public(self)
        view["options"] = [{"id": o.id, "label": o.label} for o in self.options]
        view["multiple"] = self.multiple
        view["timer"] = self.timer
        return view

    def revealed(self) -> dict[str, Any]:
        return {"correct": list(self.correct)}

    def check_answer(self, raw: Any) -> list[str]:
        """An option id or a list of them → the chosen ids in deck order, without repeats."""
        return pick_options(self.id, self.options, self.multiple, raw)

    def timed(self, answer: Any, elapsed_ms: int, previous: Any) -> dict[str, Any]:
        if _stored(previous) and previous["options"] == answer:
            return previous  # the same answer again (a retry): it keeps its time
        return {"options": list(answer), "ms": max(int(elapsed_ms), 0)}

    def settled(self, answer: Any) -> Any:
        """The stored answer with whether it was right and its points, once the round is over."""
        if not _stored(answer):
            return answer
        return {**answer, "right": self.right(answer), "points": self.score(answer)}

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """Skewed picks, answered early in the timer more often than late (as stored)."""
        return [
            self.timed(self.check_answer(picks), int(rng.betavariate(1.6, 4) * self.timer_ms), None)
            for picks in simulate_picks(self.options, self.multiple, rng, count)
        ]

    def right(self, answer: Any) -> bool:
        return _stored(answer) and set(answer["options"]) == set(self.correct)

    def score(self, answer: Any) -> int:
        if not _stored(answer):
            return 0
        return points(self.right(answer), answer["ms"], self.timer_ms)

    # --- tallies: counts per option, and per combination when several may be picked ----

    def tally_items(self, answer: Any) -> list[str]:
        if not _stored(answer):
            return []
        items = list(answer["options"])
        if self.multiple > 1:
            items.append(combination(answer["options"]))
        return items

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        counts = Counter(item for answer in answers for item in self.tally_items(answer))
        return self._result(counts)

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        return self._result(tally.counts)

    def _result(self, counts: dict[str, int]) -> dict[str, Any]:
        result: dict[str, Any] = {"counts": {o.id: counts.get(o.id, 0) for o in self.options}}
        if self.multiple > 1:
            result["combinations"] = {
                item[1:]: n for item, n in sorted(counts.items()) if item.startswith("+") and n
            }
        return result

    def right_count(self, result: dict[str, Any]) -> int:
        """How many answered exactly right, from a result (see `_result`)."""
        if self.multiple > 1:
            return int(result.get("combinations", {}).get(combination(list(self.correct))[1:], 0))
        return int(result["counts"].get(self.correct[0], 0)) if self.correct else 0

    # --- after the session ---------------------------------------------------------------

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        """A row per picked option, then its time and its points."""
        if not _stored(answer):
            return Question.export_items(self, answer)
        labels = {o.id: o.label for o in self.options}
        rows: list[tuple[str, str, Cell]] = [
            (option, labels.get(option, option), labels.get(option, option))
            for option in answer["options"]
        ]
        rows.append(("ms", "ms after voting opened", answer["ms"]))
        rows.append(("points", "points", self.score(answer)))
        return rows

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """A row per option (`correct` marks the right ones), then how many were right."""
        labels = {o.id: o.label for o in self.options}
        rows: list[tuple[str, str, int, Cell, str]] = [
            (oid, labels.get(oid, oid), n, None, "correct" if oid in self.correct else "")
            for oid, n in result["counts"].items()
        ]
        rows.append(("right", "answered right", self.right_count(result), None, ""))
        return rows

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A bar per option, the right ones green and ticked, and how many were right."""
        words = WORDS.get(language, WORDS["nl"])
        total = int(result.get("responses", 0))
        counts = result["counts"]
        right = self.right_count(result)
        head = (
            f'<text class="right" data-right="{right}" x="0" y="14" font-size="17" '
            f'font-weight="700" fill="{TEXT}">'
            f"{esc(words['right'].format(n=right, total=total))}</text>"
        )
        bars = []
        for i, option in enumerate(self.options):
            n = int(counts.get(option.id, 0))
            share = percent(n, total)
            is_right = option.id in self.correct
            bars.append(
                Bar(
                    id=option.id,
                    label=f"✓ {option.label}" if is_right else option.label,
                    fraction=share / 100,
                    color=RIGHT if is_right else BAR_COLORS[i % len(BAR_COLORS)],
                    value=str(n),
                    detail=f" · {round(share)}%",
                    data=(("count", n), ("correct", str(is_right).lower())),
                    filled=bool(n),
                    classes="bar is-correct" if is_right else "bar",
                )
            )
        rows, y = bar_rows(bars, BarLayout(), 28.0)
        return ReportPart(chart=svg(y, self.prompt, [head, *rows]), empty=not total)


def _stored(answer: Any) -> bool:
    """Whether `answer` has the stored shape (an older deck's answer may not)."""
    return (
        isinstance(answer, dict)
        and isinstance(answer.get("options"), list)
        and all(isinstance(o, str) for o in answer["options"])
        and isinstance(answer.get("ms"), int)
        and not isinstance(answer.get("ms"), bool)
    )


def _read_correct(reader: FieldReader, option_ids: list[str]) -> list[str]:
    """`correct`: one option id or a list of them, each an option of this question."""
    picked = reader.idents("correct", required=True)
    unknown = [p for p in picked if p not in option_ids]
    if unknown:
        reader.error("correct", f"'correct' names {unknown[0]!r}, which is not an option id")
        return []
    return [o for o in option_ids if o in picked]
