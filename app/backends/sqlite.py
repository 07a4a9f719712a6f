"""The durable store: the schema and SQL of each `Store` operation on one SQLite file.

Why this shape:
- Writes go through one `GroupCommitWriter` (sqlite_writer.py): a thread that owns the write
  connection, commits up to `MAX_BATCH` operations at once and only then resolves each
  caller's future, so many votes share one commit and every acknowledgement means "committed".
  Cache loads queue behind it too; other reads use pooled read-only connections in threads.
- `answers()` is the hot read path (tallies, ~10×/s per live question). It is served from an
  in-memory dict per (session, question, round), loaded once and updated by the writer's
  results on the event loop *after* the commit, so it never shows an uncommitted answer. One
  server process owns the file, so the cache stays coherent.
- Durability: WAL mode. With `synchronous=FULL` (the default) the WAL is fsynced at every
  commit, so an acknowledged answer survives even a power cut; group commit keeps the cost at
  one fsync per batch. `synchronous=NORMAL` is also safe against a process crash (kill -9): a
  commit has been written into the WAL file (the OS page cache) before COMMIT returns, and the
  OS keeps that after the process dies; only an OS crash or power cut may lose the newest commits.
- Privacy: `secure_delete` overwrites deleted content with zeros and deleting a session
  checkpoints and truncates the WAL, so a deleted answer is gone from the files. No IP address
  or user agent is ever stored.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from app.backends.sqlite_writer import Apply, GroupCommitWriter, OpFn, translate_error
from app.domain.nicknames import candidates, name_key
from app.ports.store import Saved, SessionGone, SessionRecord, StoredResponse, StoreUnavailable

SCHEMA_VERSION = 3

# MIGRATIONS[n] takes a database from user_version n to n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        code TEXT PRIMARY KEY,
        deck TEXT NOT NULL,
        title TEXT NOT NULL,
        deck_source TEXT NOT NULL,
        state_json TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX sessions_by_deck ON sessions (deck, created_at);
    CREATE TABLE participants (
        session TEXT NOT NULL REFERENCES sessions (code) ON DELETE CASCADE,
        participant TEXT NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (session, participant),
        UNIQUE (session, seq)
    );
    CREATE TABLE responses (
        session TEXT NOT NULL REFERENCES sessions (code) ON DELETE CASCADE,
        question TEXT NOT NULL,
        round INTEGER NOT NULL,
        participant TEXT NOT NULL,
        answer_json TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (session, question, round, participant),
        FOREIGN KEY (session, participant)
            REFERENCES participants (session, participant) ON DELETE CASCADE
    );
    CREATE INDEX responses_in_order ON responses (session, seq);
    """,
    # 2: sessions end (read-only afterwards), at most one open session per deck, a server's
    # lease on the session it serves, and secrets shared by whoever opens the database.
    """
    ALTER TABLE sessions ADD COLUMN ended_at TEXT;
    ALTER TABLE sessions ADD COLUMN serving_until TEXT;
    UPDATE sessions SET ended_at = created_at
        WHERE rowid NOT IN (
            SELECT (SELECT s2.rowid FROM sessions s2 WHERE s2.deck = s1.deck
                    ORDER BY s2.created_at DESC, s2.rowid DESC LIMIT 1)
            FROM sessions s1 GROUP BY s1.deck
        );
    CREATE UNIQUE INDEX one_open_session_per_deck ON sessions (deck) WHERE ended_at IS NULL;
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: participants of a quiz deck have a nickname, unique per session (case-insensitive).
    """
    ALTER TABLE participants ADD COLUMN name TEXT;
    ALTER TABLE participants ADD COLUMN name_key TEXT;
    CREATE UNIQUE INDEX participant_names ON participants (session, name_key)
        WHERE name_key IS NOT NULL;
    """,
]


def _now() -> str:
    """ISO 8601 UTC with millisecond precision and a `Z`, the one timestamp format we store."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _pseudonym(seq: int) -> str:
    return f"P{seq:04d}"


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class SQLiteStore:
    """The `Store` on one SQLite file. Open it once per process; it owns the file."""

    MAX_BATCH = 500

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = 5000,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        max_pages: int | None = None,
    ) -> None:
        """`max_pages` caps the file size (tests use it to make the disk "full" for real)."""
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self.path = Path(path)
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._synchronous = synchronous
        self._max_pages = max_pages
        self._writer = GroupCommitWriter(self._open_writer, max_batch=self.MAX_BATCH)
        self._open = False
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._seq = 0  # the last response seq; owned by the writer thread
        # Caches, touched only on the event loop.
        self._answers: dict[tuple[str, str, int], dict[str, Any]] = {}
        self._counts: dict[str, int] = {}
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Create or migrate the database and start the writer thread."""
        if self._open:
            return
        await self._writer.start()
        self._open = True

    async def close(self) -> None:
        """Flush pending writes, stop the writer and close every connection. Idempotent."""
        if not self._open:
            return
        self._open = False
        await self._writer.close()
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        self._answers.clear()
        self._counts.clear()

    @property
    def commits(self) -> int:
        """Successful COMMITs so far; many writes share one under load (group commit)."""
        return self._writer.commits

    # -- sessions ----------------------------------------------------------------------------

    async def shared_secret(self, name: str, make: Callable[[], str]) -> str:
        """The secret called `name`, created with `make()` the first time it is asked for."""
        candidate = make()

        def op(conn: sqlite3.Connection) -> tuple[str, Apply]:
            conn.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, candidate),
            )
            (value,) = conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
            return value, None

        return await self._write(op)

    async def stored_secret(self, name: str) -> str | None:
        rows = await self._read("SELECT value FROM secrets WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    async def open_session(
        self,
        deck: str,
        title: str,
        deck_source: str,
        state: dict[str, Any],
        new_code: Callable[[], str],
    ) -> SessionRecord:
        """The deck's open session, or a new one; the partial unique index keeps it to one."""
        state_json = _to_json(state)

        def op(conn: sqlite3.Connection) -> tuple[SessionRecord, Apply]:
            row = conn.execute(_SESSION_SQL + " WHERE deck = ? AND ended_at IS NULL", (deck,))
            found = row.fetchone()
            if found is not None:
                return _session(found), None
            for code in (new_code() for _ in range(20)):
                if conn.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone():
                    continue
                created = _now()
                conn.execute(
                    "INSERT INTO sessions (code, deck, title, deck_source, state_json, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (code, deck, title, deck_source, state_json, created),
                )
                record = SessionRecord(
                    code, deck, title, deck_source, json.loads(state_json), created
                )
                return record, None
            raise RuntimeError("could not find a free join code in 20 tries")

        return await self._write(op)

    async def create_session(
        self, code: str, deck: str, title: str, deck_source: str, state: dict[str, Any]
    ) -> SessionRecord:
        """Create a session under a given code. Raises ValueError if the code is taken."""
        state_json = _to_json(state)

        def op(conn: sqlite3.Connection) -> tuple[SessionRecord, Apply]:
            if conn.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone():
                raise ValueError(f"session code {code} is taken")
            if conn.execute(
                "SELECT 1 FROM sessions WHERE deck = ? AND ended_at IS NULL", (deck,)
            ).fetchone():
                raise ValueError(f"deck {deck!r} already has an open session")
            created = _now()
            conn.execute(
                "INSERT INTO sessions (code, deck, title, deck_source, state_json, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (code, deck, title, deck_source, state_json, created),
            )
            record = SessionRecord(code, deck, title, deck_source, json.loads(state_json), created)
            return record, None

        return await self._write(op)

    async def get_session(self, code: str) -> SessionRecord | None:
        rows = await self._read(_SESSION_SQL + " WHERE code = ?", (code,))
        return _session(rows[0]) if rows else None

    async def find_session(self, deck: str) -> SessionRecord | None:
        """The deck's open session, so a restarted server resumes it with the same code."""
        rows = await self._read(_SESSION_SQL + " WHERE deck = ? AND ended_at IS NULL", (deck,))
        return _session(rows[0]) if rows else None

    async def list_sessions(self) -> list[SessionRecord]:
        """Every session, newest first."""
        rows = await self._read(_SESSION_SQL + " ORDER BY created_at DESC, rowid DESC", ())
        return [_session(row) for row in rows]

    async def save_state(
        self, code: str, state: dict[str, Any], expected_version: int | None = None
    ) -> bool:
        """Replace the presenter's state, if still at `expected_version` (when given)."""
        state_json = _to_json(state)

        def op(conn: sqlite3.Connection) -> tuple[bool, Apply]:
            row = conn.execute("SELECT state_json FROM sessions WHERE code = ?", (code,))
            found = row.fetchone()
            if found is None:
                raise SessionGone(code)
            if expected_version is not None:
                stored = int(json.loads(found[0]).get("version", 0))
                if stored != expected_version:
                    return False, None
            conn.execute("UPDATE sessions SET state_json = ? WHERE code = ?", (state_json, code))
            return True, None

        return await self._write(op)

    async def end_sessions(self, *, keep: str | None = None, code: str | None = None) -> list[str]:
        """End one open session, or every open session but `keep`; returns the codes ended."""

        def op(conn: sqlite3.Connection) -> tuple[list[str], Apply]:
            if code is not None:
                rows = conn.execute(
                    "SELECT code FROM sessions WHERE code = ? AND ended_at IS NULL", (code,)
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT code FROM sessions WHERE ended_at IS NULL AND code IS NOT ?", (keep,)
                ).fetchall()
            ended = [r[0] for r in rows]
            conn.executemany(
                "UPDATE sessions SET ended_at = ?, serving_until = NULL WHERE code = ?",
                [(_now(), c) for c in ended],
            )
            return ended, None

        return await self._write(op)

    async def set_deck(self, code: str, title: str, deck_source: str) -> None:
        """The deck the session serves now (edited while served)."""

        def op(conn: sqlite3.Connection) -> tuple[None, Apply]:
            cur = conn.execute(
                "UPDATE sessions SET title = ?, deck_source = ? WHERE code = ?",
                (title, deck_source, code),
            )
            if cur.rowcount == 0:
                raise SessionGone(code)
            return None, None

        await self._write(op)

    async def set_serving(self, code: str, until: str | None) -> None:
        """Record a server's lease on the session (the CLI refuses to delete a served one)."""

        def op(conn: sqlite3.Connection) -> tuple[None, Apply]:
            cur = conn.execute(
                "UPDATE sessions SET serving_until = ? WHERE code = ?", (until, code)
            )
            if cur.rowcount == 0:
                raise SessionGone(code)
            return None, None

        await self._write(op)

    async def delete_session(self, code: str) -> bool:
        """Remove a session with all its participants and responses; True if it existed.

        The WAL is checkpointed and truncated afterwards, so with secure_delete the deleted
        content is overwritten in the database file and gone from the WAL file.
        """

        def op(conn: sqlite3.Connection) -> tuple[bool, Apply]:
            existed = conn.execute("DELETE FROM sessions WHERE code = ?", (code,)).rowcount > 0
            return existed, lambda: self._forget(code)

        return await self._write(op, checkpoint=True)

    # -- participants and responses -----------------------------------------------------------

    async def add_participant(self, code: str, participant: str) -> str:
        """Register a participant (idempotent); returns their pseudonym.

        Raises SessionGone for an unknown session.
        """

        def op(conn: sqlite3.Connection) -> tuple[str, Apply]:
            seq, added = self._ensure_participant(conn, code, participant)
            return _pseudonym(seq), (lambda: self._count_added(code)) if added else None

        return await self._write(op)

    async def set_name(self, code: str, participant: str, name: str) -> str:
        """Give a participant (registered if new) a nickname unique in the session: `name`,
        or the first free of `candidates(name)`. Returns the name given."""

        def op(conn: sqlite3.Connection) -> tuple[str, Apply]:
            _, added = self._ensure_participant(conn, code, participant)
            rows = conn.execute(
                "SELECT participant, name_key FROM participants"
                " WHERE session = ? AND name_key IS NOT NULL",
                (code,),
            )
            taken = {key: who for who, key in rows}
            chosen = next(
                c for c in candidates(name) if taken.get(name_key(c), participant) == participant
            )
            conn.execute(
                "UPDATE participants SET name = ?, name_key = ?"
                " WHERE session = ? AND participant = ?",
                (chosen, name_key(chosen), code, participant),
            )
            return chosen, (lambda: self._count_added(code)) if added else None

        return await self._write(op)

    async def names(self, code: str) -> dict[str, str]:
        """Every participant's nickname, or pseudonym (P0007) for those without one."""
        rows = await self._read(
            "SELECT participant, seq, name FROM participants WHERE session = ?", (code,)
        )
        return {who: name or _pseudonym(seq) for who, seq, name in rows}

    async def save_response(
        self, code: str, question: str, round: int, participant: str, answer: Any
    ) -> Saved:
        """Store or replace the participant's answer; returns only after the commit.

        Raises StoreUnavailable if it cannot be committed, SessionGone for an unknown session,
        TypeError/ValueError for an answer that is not JSON.
        """
        answer_json = _to_json(answer)
        key = (code, question, int(round))

        def op(conn: sqlite3.Connection) -> tuple[Saved, Apply]:
            if not _session_open(conn, code):
                raise SessionGone(code)
            return self._put_answer(conn, key, participant, answer_json)

        return await self._write(op)

    async def update_response(
        self,
        code: str,
        question: str,
        round: int,
        participant: str,
        change: Callable[[Any | None], Any],
    ) -> tuple[Saved, Any]:
        """Change the participant's answer with `change(current or None)`, atomically: it
        runs on the writer thread between the read and the write, so no other write comes
        between. What `change` raises reaches the caller and nothing is written."""
        key = (code, question, int(round))

        def op(conn: sqlite3.Connection) -> tuple[tuple[Saved, Any], Apply]:
            if not _session_open(conn, code):
                raise SessionGone(code)
            row = conn.execute(
                "SELECT answer_json FROM responses"
                " WHERE session = ? AND question = ? AND round = ? AND participant = ?",
                (*key, participant),
            ).fetchone()
            answer_json = _to_json(change(json.loads(row[0]) if row else None))
            saved, apply = self._put_answer(conn, key, participant, answer_json)
            return (saved, json.loads(answer_json)), apply

        return await self._write(op)

    def _put_answer(
        self,
        conn: sqlite3.Connection,
        key: tuple[str, str, int],
        participant: str,
        answer_json: str,
    ) -> tuple[Saved, Apply]:
        """Insert or replace one answer row (writer thread, in the caller's transaction)."""
        code = key[0]
        _, added = self._ensure_participant(conn, code, participant)
        replaced = (
            conn.execute(
                "SELECT 1 FROM responses"
                " WHERE session = ? AND question = ? AND round = ? AND participant = ?",
                (*key, participant),
            ).fetchone()
            is not None
        )
        self._seq += 1
        conn.execute(
            "INSERT INTO responses"
            " (session, question, round, participant, answer_json, submitted_at, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (session, question, round, participant) DO UPDATE SET"
            " answer_json = excluded.answer_json, submitted_at = excluded.submitted_at,"
            " seq = excluded.seq",
            (*key, participant, answer_json, _now(), self._seq),
        )
        stored = json.loads(answer_json)

        def apply() -> None:
            if added:
                self._count_added(code)
            current = self._answers.get(key)
            if current is not None:
                current.pop(participant, None)  # a replaced answer moves to the end
                current[participant] = stored

        return Saved(replaced, self._seq), apply

    async def answers(self, code: str, question: str, round: int) -> list[Any]:
        """Current answers to one question in one round, oldest submission first.

        Served from memory after the first call; treat the returned answers as read-only.
        """
        return list((await self._answer_map(code, question, round)).values())

    async def tally_rows(self, code: str, question: str, round: int) -> list[tuple[str, int, Any]]:
        rows = await self._read(
            "SELECT participant, seq, answer_json FROM responses"
            " WHERE session = ? AND question = ? AND round = ? ORDER BY seq",
            (code, question, int(round)),
        )
        return [(participant, int(seq), json.loads(answer)) for participant, seq, answer in rows]

    async def tally_check(self, code: str, question: str, round: int) -> tuple[int, int]:
        rows = await self._read(
            "SELECT COUNT(*), COALESCE(SUM(seq), 0) FROM responses"
            " WHERE session = ? AND question = ? AND round = ?",
            (code, question, int(round)),
        )
        return int(rows[0][0]), int(rows[0][1])

    async def participant_answers(
        self, code: str, participant: str, rounds: dict[str, int]
    ) -> dict[str, Any]:
        """One participant's answers, for each question in its given round."""
        items = list(rounds.items())
        maps = await asyncio.gather(*(self._answer_map(code, q, r) for q, r in items))
        return {
            q: m[participant] for (q, _), m in zip(items, maps, strict=True) if participant in m
        }

    async def responses(self, code: str) -> list[StoredResponse]:
        """Every stored response of a session (all rounds), in submission order; for exports."""
        rows = await self._read(
            "SELECT r.question, r.round, r.participant, p.seq, r.answer_json, r.submitted_at"
            " FROM responses r JOIN participants p"
            " ON p.session = r.session AND p.participant = r.participant"
            " WHERE r.session = ? ORDER BY r.seq",
            (code,),
        )
        return [
            StoredResponse(q, rnd, part, _pseudonym(seq), json.loads(answer), at)
            for q, rnd, part, seq, answer, at in rows
        ]

    async def participant_count(self, code: str) -> int:
        def load(conn: sqlite3.Connection) -> int | None:
            if not _session_exists(conn, code):
                return None
            sql = "SELECT COUNT(*) FROM participants WHERE session = ?"
            return int(conn.execute(sql, (code,)).fetchone()[0])

        return await self._cached(self._counts, code, load, 0)

    # -- caches (event loop only) ---------------------------------------------------------------

    async def _answer_map(self, code: str, question: str, round: int) -> dict[str, Any]:
        key = (code, question, int(round))
        hit = self._answers.get(key)
        if hit is not None:  # the hot path: no closure, no thread, no await
            return hit

        def load(conn: sqlite3.Connection) -> dict[str, Any] | None:
            if not _session_exists(conn, code):
                return None
            rows = conn.execute(
                "SELECT participant, answer_json FROM responses"
                " WHERE session = ? AND question = ? AND round = ? ORDER BY seq",
                key,
            )
            return {participant: json.loads(answer) for participant, answer in rows}

        return await self._cached(self._answers, key, load, {})

    async def _cached(
        self,
        cache: dict[Any, Any],
        key: Hashable,
        load: Callable[[sqlite3.Connection], Any | None],
        missing: Any,
    ) -> Any:
        """A cached value, loaded through the writer so no commit can slip between load and use.

        The load runs on the writer thread after a batch commits, and its result is installed
        after that batch's cache updates, so the snapshot is exactly as new as the cache.
        `load` returns None for an unknown session, which is not cached.
        """
        hit = cache.get(key)
        if hit is not None:
            return hit
        tag = (id(cache), key)
        pending = self._loading.get(tag)
        if pending is None:

            def op(conn: sqlite3.Connection) -> tuple[Any, Apply]:
                value = load(conn)

                def install() -> None:
                    if value is not None and key not in cache:
                        cache[key] = value

                return value, install

            pending = self._writer.submit(op, write=False)
            self._loading[tag] = pending
            pending.add_done_callback(lambda done: self._loaded(tag, done))
        await asyncio.shield(pending)
        value = cache.get(key)
        return value if value is not None else missing

    def _loaded(self, tag: Hashable, done: asyncio.Future[Any]) -> None:
        if self._loading.get(tag) is done:
            del self._loading[tag]

    def _count_added(self, code: str) -> None:
        if code in self._counts:
            self._counts[code] += 1

    def _forget(self, code: str) -> None:
        for key in [k for k in self._answers if k[0] == code]:
            del self._answers[key]
        self._counts.pop(code, None)

    # -- plumbing ------------------------------------------------------------------------------

    async def _write(self, fn: OpFn, *, checkpoint: bool = False) -> Any:
        """Run `fn` in the writer's next batch; returns its value once it is committed."""
        return await self._writer.submit(fn, write=True, checkpoint=checkpoint)

    async def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run one query on a pooled read connection in a worker thread."""
        if not self._open:
            raise StoreUnavailable("the store is closed")

        def run() -> list[tuple[Any, ...]]:
            with self._readers_lock:
                conn = self._readers.pop() if self._readers else None
            try:
                if conn is None:
                    conn = self._connect(query_only=True)
                return conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate_error(exc) from exc
            finally:
                if conn is not None:
                    with self._readers_lock:
                        if self._open:
                            self._readers.append(conn)
                            conn = None
                    if conn is not None:
                        conn.close()

        return await asyncio.to_thread(run)

    def _connect(self, *, query_only: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        if query_only:
            conn.execute("PRAGMA query_only = ON")
        return conn

    @staticmethod
    def _ensure_participant(
        conn: sqlite3.Connection, code: str, participant: str
    ) -> tuple[int, bool]:
        """The participant's seq, registering them first if new; (seq, newly added)."""
        sql = "SELECT seq FROM participants WHERE session = ? AND participant = ?"
        row = conn.execute(sql, (code, participant)).fetchone()
        if row is not None:
            return int(row[0]), False
        if not _session_open(conn, code):
            raise SessionGone(code)
        (seq,) = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM participants WHERE session = ?", (code,)
        ).fetchone()
        conn.execute(
            "INSERT INTO participants (session, participant, seq) VALUES (?, ?, ?)",
            (code, participant, seq),
        )
        return int(seq), True

    # -- the write connection (runs on the writer thread) ---------------------------------------

    def _open_writer(self) -> sqlite3.Connection:
        """Open, configure and migrate the write connection; `GroupCommitWriter` calls this."""
        make_private(self.path)
        conn = self._connect()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreUnavailable(f"{self.path}: cannot use WAL mode (got {mode})")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
            if self._max_pages is not None:
                conn.execute(f"PRAGMA max_page_count = {int(self._max_pages)}")
            self._seq = int(
                conn.execute("SELECT COALESCE(MAX(seq), 0) FROM responses").fetchone()[0]
            )
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}; this Rondvraag knows {SCHEMA_VERSION}"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[target - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise


def make_private(path: Path) -> None:
    """Answers are personal data: the folder is 0700, the database and its WAL/SHM 0600.

    SQLite creates the -wal and -shm files with the database file's permissions, so creating
    the database file 0600 before SQLite opens it is what keeps them private too.
    """
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            os.chmod(name, 0o600)


def _session_open(conn: sqlite3.Connection, code: str) -> bool:
    """The session exists and has not ended (it takes participants and answers)."""
    sql = "SELECT 1 FROM sessions WHERE code = ? AND ended_at IS NULL"
    return conn.execute(sql, (code,)).fetchone() is not None


def _session_exists(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is not None


_SESSION_SQL = (
    "SELECT code, deck, title, deck_source, state_json, created_at, ended_at, serving_until"
    " FROM sessions"
)


def _session(row: tuple[Any, ...]) -> SessionRecord:
    code, deck, title, source, state_json, created_at, ended_at, serving_until = row
    state = json.loads(state_json)
    return SessionRecord(code, deck, title, source, state, created_at, ended_at, serving_until)
