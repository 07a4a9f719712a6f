"""Did the room change its mind? Rounds of one question compared, person by person.

After a discussion the presenter asks the same scale question again (a new round). Two
rounds' means can hide what happened: ten people moving up and ten moving down leave the
mean where it was. So, per statement, only those who answered in both rounds are paired, and
the shares who moved up, stayed and moved down are counted, each with its 95 % Wilson
interval, with the mean change and its paired t interval; a change whose interval holds 0 is
within noise. Fewer pairs than the deck's `min_group`: `{"suppressed": true}`, no counts.
Pure: the caller reads the stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import segments, stats
from .segments import SUPPRESSED, Row, rounded
from .slides import Question
from .slides.choice import Choice
from .slides.scales import Scales

Visible = Callable[[dict[str, Any]], dict[str, Any]]
# The splitting choice question and who is in which group (segments.membership).
Split = tuple[Choice, dict[str, list[str]]]

DIRECTIONS = ("up", "same", "down")


def can_shift(question: Question) -> bool:
    """Only a scale's answers have a direction to move in."""
    return isinstance(question, Scales)


def paired_shift(
    question: Scales, before: Iterable[Row], after: Iterable[Row], min_group: int
) -> dict[str, dict[str, Any]]:
    """Per statement: how those who rated it in both rounds moved from `before` to `after`."""
    first = {participant: answer for participant, _, answer in before}
    second = [(participant, answer) for participant, _, answer in after]
    shift: dict[str, dict[str, Any]] = {}
    for statement in question.statements:
        sid = statement.id
        changes = [
            float(answer[sid]) - float(first[participant][sid])
            for participant, answer in second
            if sid in answer and sid in first.get(participant, {})
        ]
        shift[sid] = SUPPRESSED if len(changes) < min_group else _moved(changes)
    return shift


def _moved(changes: list[float]) -> dict[str, Any]:
    n = len(changes)
    counts = {
        "up": sum(1 for c in changes if c > 0),
        "same": sum(1 for c in changes if c == 0),
        "down": sum(1 for c in changes if c < 0),
    }
    interval = stats.mean_interval(changes)
    return {
        "paired": n,
        "counts": counts,
        "ci": {way: rounded(stats.wilson(counts[way], n)) for way in DIRECTIONS},
        "change": round(sum(changes) / n, 2),
        "change_ci": rounded(interval),
        # No movement at all is no evidence of movement either.
        "within_noise": interval is None or interval[0] <= 0.0 <= interval[1],
    }


def with_shifts(
    question: Question, rounds: list[dict[str, Any]], rows: list[list[Row]], min_group: int
) -> list[dict[str, Any]]:
    """Each round's result (oldest first) after the first gets `shift`: the paired shift
    from the round before it (scales only; other types are returned as they are)."""
    if not isinstance(question, Scales):
        return rounds
    for index in range(1, len(rounds)):
        rounds[index]["shift"] = paired_shift(question, rows[index - 1], rows[index], min_group)
    return rounds


def every_round(
    question: Question,
    rows: list[list[Row]],
    min_group: int,
    visible: Visible,
    split: Split | None = None,
) -> list[dict[str, Any]]:
    """The question's result in each round (`rows[0]` is round 1), as `visible` lets the
    room see it, each scale round after the first with its paired `shift`. With `split`
    (the splitting question and who is in which group) each round also gets `segments` as
    `/results?by=` has them, and each shown group of a later scale round its own `shift`
    (from the same group's answers the round before), under the same `min_group` rule."""
    results = []
    for number, answered in enumerate(rows, start=1):
        result = {
            "id": question.id,
            "type": question.type_name,
            "round": number,
            **segments.result_of(question, [answer for _, _, answer in answered]),
        }
        results.append(visible(result))
    with_shifts(question, results, rows, min_group)
    if split is None:
        return results
    splitter, groups = split
    for result, answered in zip(results, rows, strict=True):
        result.update(
            segments.split_result(question, answered, groups, splitter, min_group, visible)
        )
    if isinstance(question, Scales):
        ids = [option.id for option in splitter.options]
        by_round = [segments.rows_by_group(answered, groups, ids) for answered in rows]
        for index in range(1, len(results)):
            for group, shown in results[index]["segments"].items():
                if not shown.get("suppressed"):
                    before, after = by_round[index - 1][group], by_round[index][group]
                    shown["shift"] = paired_shift(question, before, after, min_group)
    return results
