"""The report's two extra views of a question: split by group, and its rounds side by side.

"Do unions and employers see it differently?" (deck key `segment_by`) and "did the room
change its mind?" (a question asked again after a reset). Both are counted by the same pure
functions as `GET /results?by=…&rounds=all` (app/domain/segments.py, app/domain/rounds.py),
over the stored answers of `SessionData`, so the paper never disagrees with the API: the same
intervals, the same `min_group` suppression (a small group shows no count at all), the same
hidden and held entries left out. This module turns those results into plain rows and small
charts (each type's own, from its module); the template only places them and escapes text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .domain import rounds, segments
from .domain.chart import number, percent
from .domain.slides import Question
from .exports import SessionData

NO_GROUP = {"nl": "geen antwoord", "en": "no answer"}  # the `_none` group, by language
GROUP_ANSWERS = 5  # a group's most frequent free-text answers shown (the rest: the export)
ROUND_ROWS = 15  # rows of a "before and after" table (free text can have hundreds)


# --- split by group -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupCard:
    """One group's result, drawn small; a suppressed group carries no figure at all."""

    id: str
    label: str
    suppressed: bool
    responses: int = 0
    chart: Markup | None = None  # the type's own report chart (escaped by its module)
    answers: list[tuple[str, int]] = field(default_factory=list)  # free text, most frequent
    more: int = 0  # answers not listed
    empty: bool = False


@dataclass(frozen=True, slots=True)
class ScaleCell:
    """One group's figures for one statement: mean [95 % CI], median, n."""

    group: str  # the group's label
    suppressed: bool
    n: int = 0
    mean: str = ""
    ci: str = ""
    median: str = ""


@dataclass(frozen=True, slots=True)
class ItemNoise:
    """An option or statement for which these pairs of groups differ within noise."""

    label: str
    pairs: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ScaleBlock:
    label: str  # the statement
    cells: list[ScaleCell]
    noise: list[tuple[str, str]]  # pairs of groups whose intervals overlap


@dataclass(frozen=True, slots=True)
class GroupSplit:
    by: str  # the splitting question's prompt
    min_group: int
    cards: list[GroupCard]  # every type but scales: small multiples
    scales: list[ScaleBlock]  # scales: a table per statement
    noise: list[ItemNoise]  # under the cards (scales carry theirs in their blocks)


def group_labels(split: rounds.Split, language: str) -> dict[str, str]:
    splitter, _ = split
    labels = {option.id: option.label for option in splitter.options}
    return {**labels, segments.NO_ANSWER: NO_GROUP.get(language, NO_GROUP["en"])}


def group_split(
    data: SessionData, question: Question, split: rounds.Split, language: str
) -> GroupSplit:
    """The question's current round per group, as the report prints it."""
    added = data.split(question, split)
    labels = group_labels(split, language)
    shown: dict[str, dict[str, Any]] = added["segments"]
    noise = {
        item: [(labels[a], labels[b]) for a, b in pairs]
        for item, pairs in added["segments_noise"].items()
        if pairs
    }
    items = item_labels(question, data.result(question, data.round_of(question.id)))
    if question_has_statements(shown):
        blocks = [
            ScaleBlock(
                label=label,
                cells=[scale_cell(labels[g], r, item, language) for g, r in shown.items()],
                noise=noise.get(item, []),
            )
            for item, label in items.items()
        ]
        return GroupSplit(split[0].prompt, data.deck.min_group, [], blocks, [])
    cards = [group_card(question, g, labels[g], r, language) for g, r in shown.items()]
    notes = [ItemNoise(items.get(item, item), pairs) for item, pairs in noise.items()]
    return GroupSplit(split[0].prompt, data.deck.min_group, cards, [], notes)


def question_has_statements(shown: dict[str, dict[str, Any]]) -> bool:
    """Whether the groups' results are per statement (a scale): figures in a table then."""
    return any("statements" in r for r in shown.values())


def item_labels(question: Question, result: dict[str, Any]) -> dict[str, str]:
    """Option or statement id -> its label, as the type's summary names them."""
    return {item: label for item, label, *_ in question.summary_items(result) if item}


def scale_cell(group: str, result: dict[str, Any], item: str, language: str) -> ScaleCell:
    if result.get("suppressed"):
        return ScaleCell(group, True)
    figures = result["statements"].get(item) or {}
    n, mean, ci, median = (figures.get(k) for k in ("count", "mean", "ci", "median"))
    return ScaleCell(
        group=group,
        suppressed=False,
        n=int(n or 0),
        mean="" if mean is None else number(mean, language),
        ci=interval(ci, language) if ci else "",
        median="" if median is None else number(median, language),
    )


def group_card(
    question: Question, group: str, label: str, result: dict[str, Any], language: str
) -> GroupCard:
    if result.get("suppressed"):
        return GroupCard(group, label, True)
    part = question.report_part(result, language)
    answers = part.answers or ([] if part.chart else part.table)
    return GroupCard(
        id=group,
        label=label,
        suppressed=False,
        responses=int(result.get("responses", 0)),
        chart=Markup(part.chart) if part.chart else None,
        answers=answers[:GROUP_ANSWERS],
        more=max(len(answers) - GROUP_ANSWERS, 0),
        empty=part.empty,
    )


# --- rounds side by side ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundRow:
    label: str
    cells: list[str]  # per round: "3 · 60%" (a count) or "3,4 [2,8–4,0]" (a mean)


@dataclass(frozen=True, slots=True)
class ShiftRow:
    """How those who rated a statement in both rounds moved (suppressed: too few pairs)."""

    label: str
    suppressed: bool
    paired: int = 0
    up: str = ""  # "40% [12–77]"
    same: str = ""
    down: str = ""
    change: str = ""  # "+0,4 [−0,2–1,0]"
    within_noise: bool = True


@dataclass(frozen=True, slots=True)
class Shift:
    before: int  # round numbers
    after: int
    rows: list[ShiftRow]


@dataclass(frozen=True, slots=True)
class RoundsCompared:
    numbers: list[int]
    responses: list[int]
    rows: list[RoundRow]
    more: int  # rows left out (the export has them)
    shifts: list[Shift]


def rounds_compared(data: SessionData, question: Question, language: str) -> RoundsCompared | None:
    """The question's rounds side by side, or None when it was asked in one round only."""
    results = data.every_round(question)
    if len(results) < 2:
        return None
    table: dict[str, tuple[str, list[str]]] = {}
    empty = "–"
    for index, result in enumerate(results):
        for item, label, count, mean, _ in question.summary_items(result):
            if not (item or label):
                continue  # nobody answered this round
            key = item or label
            cells = table.setdefault(key, (label, [empty] * len(results)))[1]
            cells[index] = round_cell(result, item, int(count), mean, language)
    rows = [RoundRow(label, cells) for label, cells in table.values()]
    labels = item_labels(question, results[-1])
    shifts = [
        Shift(
            before=result["round"] - 1,
            after=result["round"],
            rows=[shift_row(labels.get(s, s), f, language) for s, f in result["shift"].items()],
        )
        for result in results
        if "shift" in result
    ]
    return RoundsCompared(
        numbers=[r["round"] for r in results],
        responses=[int(r.get("responses", 0)) for r in results],
        rows=rows[:ROUND_ROWS],
        more=max(len(rows) - ROUND_ROWS, 0),
        shifts=shifts,
    )


def round_cell(result: dict[str, Any], item: str, count: int, mean: Any, language: str) -> str:
    """A mean with its interval (scales), else a count with its share of the round."""
    if isinstance(mean, int | float):
        ci = ((result.get("statements") or {}).get(item) or {}).get("ci")
        shown = number(mean, language)
        return f"{shown} [{interval(ci, language)}]" if ci else shown
    share = percent(count, int(result.get("responses", 0)))
    return f"{count} · {round(share)}%"


def interval(ci: list[float], language: str) -> str:
    """[low–high] as printed: a true minus sign, so "−0,5–0,4" cannot read as a range."""
    low, high = (number(x, language).replace("-", "−") for x in ci)
    return f"{low}–{high}"


def shift_row(label: str, figures: dict[str, Any], language: str) -> ShiftRow:
    if figures.get("suppressed"):
        return ShiftRow(label, True)
    n = int(figures["paired"])

    def share(way: str) -> str:
        low, high = figures["ci"][way]
        count = figures["counts"][way]
        return f"{round(percent(count, n))}% [{round(low * 100)}–{round(high * 100)}]"

    change = float(figures["change"])
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    ci = figures.get("change_ci")
    shown = f"{sign}{number(abs(change), language)}"
    return ShiftRow(
        label=label,
        suppressed=False,
        paired=n,
        up=share("up"),
        same=share("same"),
        down=share("down"),
        change=f"{shown} [{interval(ci, language)}]" if ci else shown,
        within_noise=bool(figures["within_noise"]),
    )
