"""Results by group, and the intervals that keep a small group from looking like a big one.

"Do unions and employers see trust differently?": any question's answers are split by what
each participant answered on an earlier choice question (the group), and each group's result
has the same shape as the whole room's. A group smaller than the deck's `min_group` is never
shown, not even its size: `{"suppressed": true}`. Shares carry 95 % Wilson intervals and scale
means 95 % t intervals with median and quartiles (app/domain/stats.py), so a reader can tell
a difference from noise. Pure: the caller reads the stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import stats
from .slides import Question
from .slides.choice import Choice

NO_ANSWER = "_none"  # the group of participants who did not answer the splitting question
SUPPRESSED: dict[str, Any] = {"suppressed": True}

Row = tuple[str, int, Any]  # (participant, seq, answer) as the store gives them


def can_split_by(question: Question | None) -> bool:
    """Only a choice question's options make groups (a word or a scale value does not)."""
    return isinstance(question, Choice)


def membership(rows: Iterable[Row]) -> dict[str, list[str]]:
    """participant → the options they picked on the splitting question (several for a
    multiple-pick question: such a participant is in each of those groups)."""
    return {participant: list(answer) for participant, _, answer in rows}


def result_of(question: Question, answers: list[Any]) -> dict[str, Any]:
    """A question's result from its answers, with intervals: the shape of `/results`."""
    return with_intervals({"responses": len(answers), **question.tally(answers)})


def with_intervals(result: dict[str, Any]) -> dict[str, Any]:
    """Add 95 % intervals where a result has shares of respondents (option counts) or scale
    statements; other results are returned as they are."""
    n = int(result.get("responses", 0))
    counts = result.get("counts")
    if isinstance(counts, dict) and "answers" not in result and "distinct" not in result:
        result["ci"] = {key: rounded(stats.wilson(int(count), n)) for key, count in counts.items()}
    statements = result.get("statements")
    if isinstance(statements, dict):
        for statement in statements.values():
            values = stats.expand(statement.get("counts", {}))
            statement["ci"] = rounded(stats.mean_interval(values))
            quartiles = stats.median_and_quartiles(values)
            statement["median"], statement["q1"], statement["q3"] = (
                quartiles if quartiles else (None, None, None)
            )
    return result


def split(
    question: Question,
    rows: Iterable[Row],
    groups: dict[str, list[str]],
    group_ids: list[str],
    min_group: int,
) -> dict[str, dict[str, Any]]:
    """The question's result per group (the splitting question's options, then `_none`),
    each suppressed when fewer than `min_group` of its members answered this question."""
    return {
        group: SUPPRESSED if len(mine) < min_group else result_of(question, [a for _, _, a in mine])
        for group, mine in rows_by_group(rows, groups, group_ids).items()
    }


def rows_by_group(
    rows: Iterable[Row], groups: dict[str, list[str]], group_ids: list[str]
) -> dict[str, list[Row]]:
    """The rows of each group (the splitting question's options, then `_none`); someone who
    picked two options is in both."""
    by_group: dict[str, list[Row]] = {g: [] for g in [*group_ids, NO_ANSWER]}
    for row in rows:
        for group in groups.get(row[0]) or [NO_ANSWER]:
            if group in by_group:
                by_group[group].append(row)
    return by_group


def within_noise(groups: dict[str, dict[str, Any]]) -> dict[str, list[list[str]]]:
    """Per option (choice) or statement (scales): the pairs of shown groups whose 95 %
    intervals overlap, so that a screen or the report can say their difference is within
    noise rather than let two bars suggest one. Suppressed groups take no part."""
    intervals: dict[str, dict[str, Any]] = {}
    for group, result in groups.items():
        if result.get("suppressed"):
            continue
        for item, interval in (result.get("ci") or {}).items():
            intervals.setdefault(item, {})[group] = interval
        for item, statement in (result.get("statements") or {}).items():
            intervals.setdefault(item, {})[group] = statement.get("ci")
    noise: dict[str, list[list[str]]] = {}
    for item, by_group in intervals.items():
        names = list(by_group)
        noise[item] = [
            [first, second]
            for index, first in enumerate(names)
            for second in names[index + 1 :]
            if stats.overlap(_pair(by_group[first]), _pair(by_group[second]))
        ]
    return noise


def _pair(interval: list[float] | None) -> tuple[float, float] | None:
    return None if interval is None else (interval[0], interval[1])


def split_result(
    question: Question,
    rows: Iterable[Row],
    groups: dict[str, list[str]],
    splitter: Choice,
    min_group: int,
    visible: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What a split adds to a question's result: `segments` (each group's result as
    `visible` makes it: the room's view, without the entries the presenter hid or holds),
    `segments_by` and `segments_noise` (see `within_noise`)."""
    group_ids = [option.id for option in splitter.options]
    split_up = split(question, rows, groups, group_ids, min_group)
    shown = {
        group: result if result.get("suppressed") or visible is None else visible(result)
        for group, result in split_up.items()
    }
    return {
        "segments": shown,
        "segments_by": splitter.id,
        "segments_noise": within_noise(shown),
    }


def rounded(interval: tuple[float, float] | None) -> list[float] | None:
    """An interval as JSON gives it: [low, high] to 4 decimals (None stays None)."""
    return None if interval is None else [round(interval[0], 4), round(interval[1], 4)]
