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

from collections.abc import Iterable
from typing import Any

from . import stats
from .segments import SUPPRESSED, Row, rounded
from .slides import Question
from .slides.scales import Scales

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
