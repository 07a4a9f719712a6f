"""A rehearsal: the live question with a full room of simulated answers, before the talk.

The presenter state says which question is rehearsed and with how many participants
(app/domain/presenter.py); the answers are the question type's own `simulate`, seeded by the
question and that number, so every worker and every request makes the same ones and nothing
needs storing. They never touch the store: they are counted in the live tally under a key of
their own next to the question's (`CODE:QID:ROUND:rehearsal:00200`), which works the same in
laptop and cluster mode, and the screens of the rehearsed question read both together. So the
projector, the phones and /results show them (marked `"rehearsal": true`), while the exports,
the report and the participant count, which read the store, never see them.

A rehearsal tally that is missing or short (a tally server restarted, another worker dropped
it a moment early) is filled again when it is read: applying the same simulated answers is
idempotent. One that outlives its rehearsal is harmless (no view reads it) and goes with the
session's tallies.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections import Counter
from typing import Any

from .domain.slides import Question
from .ports.tally import LiveTally, TallySnapshot

Row = tuple[str, int, Any]  # (participant, seq, answer), as the store's tally rows


def tally_key(question_key: str, participants: int) -> str:
    """The rehearsal's tally key next to the question's (`CODE:QID:ROUND`); zero-padded, so
    as a prefix (to drop it) it matches this rehearsal only."""
    return f"{question_key}:rehearsal:{participants:05d}"


def seed(question_id: str, participants: int) -> int:
    """The same question with the same room gives the same rehearsal, on any worker."""
    return zlib.crc32(f"{question_id}:{participants}".encode())


@functools.lru_cache(maxsize=8)
def _answers(question: Question, participants: int) -> tuple[Any, ...]:
    return tuple(question.simulate(random.Random(seed(question.id, participants)), participants))


def rows(question: Question, participants: int) -> list[Row]:
    """The simulated answers as (participant, seq, answer), oldest first: marked as such by
    their participant ids (`rehearsal-00001`), which no real participant can have."""
    return [
        (f"rehearsal-{number:05d}", number, answer)
        for number, answer in enumerate(_answers(question, participants), start=1)
    ]


async def fill(tally: LiveTally, question_key: str, question: Question, participants: int) -> None:
    """Count the simulated answers in their own tally (raises TallyUnavailable)."""
    await tally.apply_many(
        tally_key(question_key, participants),
        [(p, seq, question.tally_items(answer)) for p, seq, answer in rows(question, participants)],
    )


async def read(
    tally: LiveTally,
    question_key: str,
    question: Question,
    participants: int,
    newest: int,
    top: int | None,
) -> TallySnapshot:
    """The question's tally with the rehearsal's added: every count (so the `top` a screen
    shows is exact over both), the real answers as the newest. Raises TallyUnavailable."""
    whole = 0 if top == 0 else None  # a type that needs no counts (the answer wall) gets none
    real = await tally.read(question_key, newest, whole)
    key = tally_key(question_key, participants)
    simulated = await tally.read(key, newest, whole)
    if simulated.respondents != participants:
        await fill(tally, question_key, question, participants)
        simulated = await tally.read(key, newest, whole)
    return merged(real, simulated, newest)


def merged(real: TallySnapshot, simulated: TallySnapshot, newest: int) -> TallySnapshot:
    """Two tallies as one; `seq_sum` stays the real one's (it is compared with the store)."""
    counts = Counter(real.counts)
    counts.update(simulated.counts)
    both = bool(real.counts or simulated.counts)
    return TallySnapshot(
        counts=dict(counts),
        respondents=real.respondents + simulated.respondents,
        seq_sum=real.seq_sum,
        newest=(real.newest + simulated.newest)[:newest] if newest else [],
        distinct=len(counts) if both else real.distinct + simulated.distinct,
        items=real.items + simulated.items,
    )
