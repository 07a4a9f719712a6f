"""The live tally port: a question's running counts while votes arrive, shared by workers.

A tally is derived from stored answers, never counted on hope. Each stored answer is applied
after its commit as (participant, seq, items): the participant's answer counts with its items
(options, words, scale values, entries) unless an answer with a higher seq is already counted.
That makes applying idempotent and order-independent: a replay of every stored answer, or an
update that arrives late or twice, leaves the same tally. So a tally that may be stale (its
server restarted, a worker died between commit and apply) is repaired by replaying the stored
answers, and `respondents` with `seq_sum` say cheaply whether it matches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class TallyUnavailable(Exception):
    """The tally's server cannot be reached; the answer is stored, the tally is repaired later."""


@dataclass(frozen=True, slots=True)
class TallySnapshot:
    counts: dict[str, int] = field(default_factory=dict)  # item -> occurrences (maybe the top)
    respondents: int = 0  # participants with a counted answer
    seq_sum: int = 0  # sum of the counted answers' seqs: equal to the database's = same answers
    newest: list[list[str]] = field(default_factory=list)  # items of the highest-seq answers
    distinct: int = 0  # different items counted (all of them, whatever `top` was)
    items: int = 0  # occurrences of all items together


class LiveTally(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def apply(self, key: str, participant: str, seq: int, items: list[str]) -> None:
        """Count this answer for the participant, replacing an older one (lower seq); a newer
        one already counted wins. `seq` < 2**53. Raises TallyUnavailable."""
        ...

    async def apply_many(self, key: str, answers: list[tuple[str, int, list[str]]]) -> None:
        """`apply` for many (participant, seq, items) at once: a replay of stored answers
        (a few round trips, not one per answer). Raises TallyUnavailable."""
        ...

    async def read(self, key: str, newest: int = 0, top: int | None = None) -> TallySnapshot:
        """The tally: counts of every item, or of the `top` most frequent (ties: the smaller
        item first), with the items of the `newest` counted answers of highest seq, highest
        first. Counts, respondents and seq_sum are of one moment. Raises TallyUnavailable."""
        ...

    async def drop(self, prefix: str) -> None:
        """Forget every tally whose key starts with `prefix` (a deleted session)."""
        ...
