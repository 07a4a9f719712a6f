"""Group commit on PostgreSQL: one asyncio task batches this process's joins and answers.

Why this shape:
- Every COMMIT costs a WAL flush (synchronous_commit = on). So concurrent `save_response`
  and `add_participant` calls are queued, and one task drains the queue into batches of up
  to `max_batch` items, each batch one transaction; callers hear back only after COMMIT.
- Several worker processes write the same rows. Locks are always taken in one order: session
  rows (code order), then each session's participant counter (code order), then responses
  (sorted by session, question, round, participant). Two batches therefore never wait on
  each other in a cycle; a deadlock or serialization failure that still happens (a session
  being deleted under a batch) is retried.
- Within a batch the last submission for a key wins, and every caller gets what a one-by-one
  run would have given: a response `seq` drawn in arrival order, `replaced` True for all but
  a key's first submission (and for that one too if the row existed before).
- `seq` orders the writes to a key across workers: a row is only overwritten by a write with a
  higher seq. A write that loses to a concurrent, newer one from another worker is ordered
  before it (acknowledged, then replaced), so the row always holds the highest-seq answer.
- A batch that fails with a data error (one bad item) is redone item by item, so only that
  caller fails; an unknown or ended session fails only its own items (SessionGone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from app.ports.store import Saved, SessionGone, StoreUnavailable

log = logging.getLogger(__name__)

Acquire = Callable[[], contextlib.AbstractAsyncContextManager[asyncpg.Connection]]

_LOCK_SESSIONS = """
SELECT code FROM sessions WHERE code = ANY($1::text[]) AND ended_at IS NULL
ORDER BY code FOR KEY SHARE
"""

_KNOWN_PARTICIPANTS = """
SELECT p.session, p.participant, p.seq
FROM unnest($1::text[], $2::text[]) AS u(session, participant)
JOIN participants p ON p.session = u.session AND p.participant = u.participant
"""

# Taken before adding participants: every adder of a session queues on its row, so the
# statement after it sees every participant committed before and numbers without gaps.
_LOCK_COUNTER = "SELECT participants FROM sessions WHERE code = $1 FOR NO KEY UPDATE"

_ADD_PARTICIPANTS = """
WITH wanted AS (
    SELECT participant, ord FROM unnest($2::text[]) WITH ORDINALITY AS u(participant, ord)
), fresh AS (
    SELECT participant, $3::integer + row_number() OVER (ORDER BY ord) AS seq
    FROM wanted w
    WHERE NOT EXISTS (
        SELECT 1 FROM participants p WHERE p.session = $1 AND p.participant = w.participant
    )
), added AS (
    INSERT INTO participants (session, participant, seq)
    SELECT $1, participant, seq FROM fresh
    RETURNING participant, seq
), counted AS (
    UPDATE sessions SET participants = $3::integer + (SELECT count(*) FROM fresh)
    WHERE code = $1
)
SELECT participant, seq, true AS added FROM added
UNION ALL
SELECT p.participant, p.seq, false
FROM participants p JOIN wanted w ON p.participant = w.participant
WHERE p.session = $1
"""

# Seqs are drawn in arrival order (a function scan yields rows in array order); rows are
# written in key order; a row keeps whichever write has the higher seq.
_UPSERT_RESPONSES = """
WITH input AS MATERIALIZED (
    SELECT u.*, nextval('response_seq') AS seq
    FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[])
        WITH ORDINALITY AS u(session, question, round, participant, answer, ord)
), latest AS (
    SELECT DISTINCT ON (session, question, round, participant) *
    FROM input ORDER BY session, question, round, participant, ord DESC
), saved AS (
    INSERT INTO responses AS r
        (session, question, round, participant, answer, submitted_at, seq)
    SELECT session, question, round, participant, answer::json, clock_timestamp(), seq
    FROM latest ORDER BY session, question, round, participant
    ON CONFLICT (session, question, round, participant) DO UPDATE
    SET answer = excluded.answer, submitted_at = excluded.submitted_at, seq = excluded.seq
    WHERE r.seq < excluded.seq
    RETURNING r.session, r.question, r.round, r.participant, (r.xmax = 0) AS inserted
)
SELECT i.ord, i.seq, s.inserted
FROM input i LEFT JOIN saved s USING (session, question, round, participant)
ORDER BY i.ord
"""


@dataclass(eq=False, slots=True)
class Join:
    """Register a participant; resolves to their pseudonym."""

    code: str
    participant: str
    future: asyncio.Future[Any]


@dataclass(eq=False, slots=True)
class Answer:
    """Store or replace one answer (already JSON text); resolves to a `Saved`."""

    code: str
    question: str
    round: int
    participant: str
    answer_json: str
    future: asyncio.Future[Any]

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.code, self.question, self.round, self.participant)


Item = Join | Answer


def pseudonym(seq: int) -> str:
    return f"P{seq:04d}"


LINGER_S = 0.010  # under load, gather a commit's items this long at most (adds ≤ 10 ms)
LINGER_STEP_S = 0.002
LINGER_ENOUGH = 16  # items that make a commit worth its cost: no waiting for more
BUSY_WITHIN_S = 0.05  # "under load": the previous batch committed this recently


class BatchWriter:
    """Queue joins and answers; one task commits them in batches and then resolves them."""

    def __init__(
        self,
        acquire: Acquire,
        translate: Callable[[BaseException], Awaitable[BaseException]],
        *,
        max_batch: int = 500,
        attempts: int = 5,
    ) -> None:
        """`acquire()` lends a pooled connection; `translate` maps driver errors to ours."""
        self.commits = 0  # successful COMMITs; many writes share one under load
        self._acquire = acquire
        self._translate = translate
        self._max_batch = max_batch
        self._attempts = attempts
        self._queue: asyncio.Queue[Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._drain(), name="rondvraag-postgres-writer")

    async def close(self) -> None:
        """Refuse new work, commit what is already queued, then stop. Idempotent."""
        task, self._task = self._task, None
        if task is None:
            return
        self._queue.put_nowait(None)
        await task

    def submit(self, item: Item) -> asyncio.Future[Any]:
        """Queue an item; its future resolves after its batch commits (or fails)."""
        if self._task is None:
            raise StoreUnavailable("the store is closed")
        self._queue.put_nowait(item)
        return item.future

    # -- the writer task -------------------------------------------------------------------------

    async def _drain(self) -> None:
        stop = False
        finished = 0.0  # when the last batch was committed
        while not stop:
            first = await self._queue.get()
            batch: list[Item] = []
            item = first
            if item is not None and time.monotonic() - finished < BUSY_WITHIN_S:
                # Under load a transaction costs far more than an item in it (a worker spends
                # ~1 ms of CPU per transaction, ~0.3 ms per vote): wait a moment for the
                # items on their way, so they share this commit instead of queueing for the
                # next; a busy worker's queue fills up before the wait is over. When idle,
                # the first item goes at once.
                waited = 0.0
                while waited < LINGER_S and self._queue.qsize() < LINGER_ENOUGH - 1:
                    await asyncio.sleep(LINGER_STEP_S)
                    waited += LINGER_STEP_S
            while item is not None:
                batch.append(item)
                if len(batch) >= self._max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            stop = item is None
            if batch:
                try:
                    outcomes = await self._commit(batch)
                except Exception as exc:  # a bug here must not leave callers waiting forever
                    log.exception("store writer failed a batch")
                    outcomes = dict.fromkeys(batch, exc)
                finished = time.monotonic()
                for each in batch:
                    if not each.future.done():
                        outcome = outcomes[each]
                        if isinstance(outcome, BaseException):
                            each.future.set_exception(outcome)
                        else:
                            each.future.set_result(outcome)

    async def _commit(self, batch: list[Item]) -> dict[Item, Any]:
        """Outcomes for every item: the batch in one transaction, else item by item."""
        try:
            return await self._transaction(batch)
        except Exception as exc:
            error = await self._translate(exc)
            if isinstance(error, StoreUnavailable) or len(batch) == 1:
                if not isinstance(error, StoreUnavailable | SessionGone | ValueError):
                    log.error("store batch failed", exc_info=exc)
                return dict.fromkeys(batch, error)
        outcomes: dict[Item, Any] = {}
        for item in batch:  # one bad item must fail only its own caller
            try:
                outcomes.update(await self._transaction([item]))
            except Exception as exc:
                outcomes[item] = await self._translate(exc)
        return outcomes

    async def _transaction(self, items: list[Item]) -> dict[Item, Any]:
        """Run the items in one transaction, retrying deadlocks and serialization failures."""
        for attempt in range(1, self._attempts + 1):
            try:
                async with self._acquire() as conn, conn.transaction():
                    outcomes = await _write(conn, items)
                self.commits += 1
                return outcomes
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
                if attempt == self._attempts:
                    raise StoreUnavailable(f"database busy: {exc}") from exc
                await asyncio.sleep(random.uniform(0, 0.01 * attempt))
        raise AssertionError("unreachable")  # pragma: no cover


async def _write(conn: asyncpg.Connection, items: list[Item]) -> dict[Item, Any]:
    """The batch's statements, in lock order; returns each item's outcome (not yet committed)."""
    outcomes: dict[Item, Any] = {}
    codes = sorted({item.code for item in items})
    live = {row[0] for row in await conn.fetch(_LOCK_SESSIONS, codes)}
    valid = []
    for item in items:
        if item.code in live:
            valid.append(item)
        else:
            outcomes[item] = SessionGone(item.code)
    if not valid:
        return outcomes

    seqs = await _ensure_participants(conn, valid)
    answers = [item for item in valid if isinstance(item, Answer)]
    saved = await _upsert(conn, answers) if answers else {}
    for item in valid:
        if isinstance(item, Join):
            outcomes[item] = pseudonym(seqs[(item.code, item.participant)])
        else:
            outcomes[item] = saved[item]
    return outcomes


async def _ensure_participants(
    conn: asyncpg.Connection, items: list[Item]
) -> dict[tuple[str, str], int]:
    """Every item's participant registered; their pseudonym numbers by (session, participant)."""
    wanted = list(dict.fromkeys((item.code, item.participant) for item in items))
    rows = await conn.fetch(
        _KNOWN_PARTICIPANTS, [code for code, _ in wanted], [p for _, p in wanted]
    )
    seqs = {(row[0], row[1]): row[2] for row in rows}
    missing: dict[str, list[str]] = {}
    for code, participant in wanted:
        if (code, participant) not in seqs:
            missing.setdefault(code, []).append(participant)
    for code in sorted(missing):
        base = await conn.fetchval(_LOCK_COUNTER, code)
        for participant, seq, _added in await conn.fetch(
            _ADD_PARTICIPANTS, code, missing[code], base
        ):
            seqs[(code, participant)] = seq
    return seqs


async def _upsert(conn: asyncpg.Connection, answers: list[Answer]) -> dict[Item, Saved]:
    """One statement for all answers; outcomes as if they had been saved one by one."""
    rows = await conn.fetch(
        _UPSERT_RESPONSES,
        [a.code for a in answers],
        [a.question for a in answers],
        [a.round for a in answers],
        [a.participant for a in answers],
        [a.answer_json for a in answers],
    )
    outcomes: dict[Item, Saved] = {}
    seen: set[tuple[str, str, int, str]] = set()
    for answer, (_, seq, inserted) in zip(answers, rows, strict=True):
        first = answer.key not in seen
        seen.add(answer.key)
        # A key's first submission replaced something unless its row was inserted now.
        replaced = not first or inserted is not True
        outcomes[answer] = Saved(replaced, int(seq))
    return outcomes
