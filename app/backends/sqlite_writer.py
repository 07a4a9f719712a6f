"""Group commit: one thread owns the SQLite write connection and batches what is queued.

Why this shape:
- SQLite has one writer at a time, and each COMMIT costs an fsync. So one thread drains
  whatever is queued (up to `max_batch` operations) into one transaction and commits once:
  many votes share one fsync.
- Each operation runs inside its own SAVEPOINT, so a failing one fails only its own caller.
  If SQLite rolls back the whole transaction (it may, on disk full or an I/O error), the batch
  is redone op by op, each in its own transaction.
- Results reach the event loop only after the COMMIT: each operation's `apply` (e.g. a cache
  update) runs there first, then its future resolves, so an acknowledgement means "committed".
  Reads queued here (`write=False`) run after the batch commits, so they see exactly that state.
- "Disk full / locked / I/O error" become StoreUnavailable (retryable, a 503); bugs stay bugs.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.ports.store import StoreUnavailable

log = logging.getLogger(__name__)

# SQLite result codes that mean "the database cannot take this right now", not "bad request".
_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
}

Apply = Callable[[], None] | None  # runs on the event loop after the commit, before the ack
OpFn = Callable[[sqlite3.Connection], tuple[Any, Apply]]


def translate_error(exc: BaseException) -> BaseException:
    """Turn "disk full / locked / I/O error" into StoreUnavailable; leave real bugs alone."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _UNAVAILABLE:
            return StoreUnavailable(f"database unavailable: {exc}")
        if code is None and isinstance(exc, sqlite3.OperationalError):
            return StoreUnavailable(f"database unavailable: {exc}")
    return exc


@dataclass(eq=False, slots=True)
class _Op:
    """One queued unit of work; `write` ops share the batch transaction, reads run after it."""

    fn: OpFn
    future: asyncio.Future[Any]
    write: bool
    checkpoint: bool = False


@dataclass(slots=True)
class _Outcome:
    ok: bool
    value: Any = None  # the result, or the exception to raise
    apply: Apply = None


_STOP = object()


class GroupCommitWriter:
    """The one thread that writes a SQLite file: `submit` an operation, await its committed result.

    An operation is a function of the write connection returning `(value, apply)`; it runs on
    the writer thread, `apply` (if any) on the event loop once the value is committed.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        max_batch: int = 500,
        name: str = "rondvraag-sqlite-writer",
    ) -> None:
        """`connect` runs on the writer thread and returns the ready-to-use write connection."""
        self.commits = 0  # successful COMMITs; many writes share one under load
        self._connect = connect
        self._max_batch = max_batch
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._running = False

    async def start(self) -> None:
        """Start the thread on the running loop; raises what `connect` raised (translated)."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        ready: asyncio.Future[None] = loop.create_future()
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._main, args=(ready,), name=self._name, daemon=True
        )
        self._thread.start()
        await ready
        self._running = True

    def submit(self, fn: OpFn, *, write: bool, checkpoint: bool = False) -> asyncio.Future[Any]:
        """Queue an operation; the future resolves on the loop after its batch commits.

        `checkpoint` asks for a WAL checkpoint (TRUNCATE) after the commit, if the op succeeded.
        Raises StoreUnavailable once the writer is stopped.
        """
        if not self._running or self._loop is None:
            raise StoreUnavailable("the store is closed")
        future = self._loop.create_future()
        self._queue.put(_Op(fn, future, write, checkpoint))
        return future

    async def close(self) -> None:
        """Refuse new work, commit what is already queued, then stop the thread. Idempotent."""
        if not self._running:
            return
        self._running = False
        self._queue.put(_STOP)
        thread = self._thread
        if thread is not None:
            await asyncio.to_thread(thread.join)
        self._thread = None

    # -- the writer thread ---------------------------------------------------------------------

    def _main(self, ready: asyncio.Future[None]) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # report any startup failure to start()
            error = translate_error(exc)
            self._call_soon(lambda: ready.done() or ready.set_exception(error))
            return
        self._call_soon(lambda: ready.done() or ready.set_result(None))
        try:
            stop = False
            while not stop:
                batch: list[_Op] = []
                item = self._queue.get()
                while item is not _STOP:
                    batch.append(item)
                    if len(batch) >= self._max_batch:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                stop = item is _STOP
                if not batch:
                    continue
                try:
                    outcomes = self._process(conn, batch)
                except Exception as exc:  # a bug here must not leave callers waiting forever
                    log.exception("store writer failed a batch")
                    _rollback(conn)
                    outcomes = {op: _Outcome(False, translate_error(exc)) for op in batch}
                self._deliver(batch, outcomes)
        finally:
            conn.close()

    def _process(self, conn: sqlite3.Connection, batch: list[_Op]) -> dict[_Op, _Outcome]:
        """Writes in one transaction, then reads (cache loads) on the committed state."""
        writes = [op for op in batch if op.write]
        outcomes = self._write_batch(conn, writes) if writes else {}
        if any(op.checkpoint and outcomes[op].ok for op in writes):
            _checkpoint(conn)
        for op in batch:
            if not op.write:
                outcomes[op] = _attempt(op, conn)
        return outcomes

    def _write_batch(self, conn: sqlite3.Connection, writes: list[_Op]) -> dict[_Op, _Outcome]:
        """One transaction, one SAVEPOINT per op; if the transaction itself breaks, op by op."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            error = translate_error(exc)
            return {op: _Outcome(False, error) for op in writes}
        outcomes: dict[_Op, _Outcome] = {}
        try:
            for op in writes:
                conn.execute("SAVEPOINT op")
                outcome = _attempt(op, conn)
                if not conn.in_transaction:
                    raise _BatchBroken
                if not outcome.ok:
                    conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
                outcomes[op] = outcome
            conn.execute("COMMIT")
        except (sqlite3.Error, _BatchBroken):
            _rollback(conn)
            return self._one_by_one(conn, writes)
        self.commits += 1
        return outcomes

    def _one_by_one(self, conn: sqlite3.Connection, writes: list[_Op]) -> dict[_Op, _Outcome]:
        """Each op in its own transaction, so a broken one fails only its own caller."""
        outcomes: dict[_Op, _Outcome] = {}
        for op in writes:
            try:
                conn.execute("BEGIN IMMEDIATE")
                outcome = _attempt(op, conn)
                if outcome.ok:
                    conn.execute("COMMIT")
                    self.commits += 1
                else:
                    _rollback(conn)
            except sqlite3.Error as exc:
                _rollback(conn)
                outcome = _Outcome(False, translate_error(exc))
            outcomes[op] = outcome
        return outcomes

    def _deliver(self, batch: list[_Op], outcomes: dict[_Op, _Outcome]) -> None:
        """On the loop: apply cache updates (writes first, then loads), then acknowledge."""

        def resolve() -> None:
            for op in sorted(batch, key=lambda op: not op.write):
                outcome = outcomes[op]
                if outcome.ok and outcome.apply is not None:
                    outcome.apply()
            for op in batch:
                outcome = outcomes[op]
                if op.future.done():
                    continue
                if outcome.ok:
                    op.future.set_result(outcome.value)
                else:
                    op.future.set_exception(outcome.value)

        self._call_soon(resolve)

    def _call_soon(self, callback: Callable[[], Any]) -> None:
        if self._loop is None:
            return
        try:
            self._loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the loop is gone; nobody is waiting any more
            log.debug("event loop closed before a store result could be delivered")


class _BatchBroken(Exception):
    """SQLite rolled back the whole batch transaction (it may, on disk full or I/O error)."""


def _attempt(op: _Op, conn: sqlite3.Connection) -> _Outcome:
    try:
        value, apply = op.fn(conn)
    except Exception as exc:
        return _Outcome(False, translate_error(exc))
    return _Outcome(True, value, apply)


def _checkpoint(conn: sqlite3.Connection) -> None:
    """Copy the WAL into the database and truncate it, so deleted content leaves the WAL."""
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        log.warning("WAL checkpoint after a deletion failed: %s", exc)
        return
    if busy:
        log.warning("WAL checkpoint after a deletion was blocked by a reader")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("rollback failed: %s", exc)
