"""The durable store on PostgreSQL: shared by every worker process and host of a cluster.

Why this shape:
- Many processes write one database, so every rule a replica must agree on is a constraint
  the database enforces: one open session per deck (a partial unique index), one response
  per (session, question, round, participant), race-free pseudonym numbers (a per-session
  counter row locked while participants are added), first-writer-wins secrets, and a
  compare-and-set on the presenter state's version.
- Durability: `synchronous_commit = on` is set on every connection, and an answer or a join
  is acknowledged only after its COMMIT returned. Joins and answers go through group commit
  (postgres_batch.py): concurrent calls share one transaction. Everything else is rare and
  runs as a single autocommitted statement on a pooled connection.
- No cache: other workers write too, and there is no cross-process cache coherence, so
  `answers()` queries every time: one range scan of the primary key (session, question,
  round, participant), sorted by seq, returned as one JSON array (one parse, not thousands).
  No index covers `seq` or `answer`, so replacing an answer is a HOT update that touches no
  index (fillfactor 80 leaves room for it on the page).
- The server going away (stopped, restarting, connection broken, timeouts) is StoreUnavailable,
  a retryable 503; the pool is emptied and reconnects by itself when the server is back. Bugs
  stay bugs: only connection-level and resource errors are translated.
- Time stamps come from the database server's clock, so workers on several hosts agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.backends.postgres_batch import Answer, BatchWriter, Join, pseudonym
from app.domain.nicknames import candidates, name_key
from app.ports.store import Saved, SessionGone, SessionRecord, StoredResponse, StoreUnavailable

SCHEMA_VERSION = 2
_MIGRATION_LOCK = 0x52_6F_6E_64  # "Rond": one migrator at a time across replicas

# MIGRATIONS[n] takes a database from schema version n to n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        code text PRIMARY KEY,
        deck text NOT NULL,
        title text NOT NULL,
        deck_source text NOT NULL,
        state json NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        ended_at timestamptz,
        serving_until timestamptz,
        participants integer NOT NULL DEFAULT 0,
        created bigint GENERATED ALWAYS AS IDENTITY
    );
    COMMENT ON COLUMN sessions.participants IS 'the last pseudonym number handed out';
    CREATE UNIQUE INDEX sessions_one_open_per_deck ON sessions (deck) WHERE ended_at IS NULL;
    CREATE TABLE participants (
        session text NOT NULL REFERENCES sessions (code) ON DELETE CASCADE,
        participant text NOT NULL,
        seq integer NOT NULL,
        PRIMARY KEY (session, participant),
        UNIQUE (session, seq)
    );
    CREATE SEQUENCE response_seq AS bigint;
    CREATE TABLE responses (
        session text NOT NULL,
        question text NOT NULL,
        round integer NOT NULL,
        participant text NOT NULL,
        answer json NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        seq bigint NOT NULL DEFAULT nextval('response_seq'),
        PRIMARY KEY (session, question, round, participant),
        FOREIGN KEY (session, participant)
            REFERENCES participants (session, participant) ON DELETE CASCADE
    ) WITH (fillfactor = 80);
    ALTER SEQUENCE response_seq OWNED BY responses.seq;
    CREATE TABLE secrets (name text PRIMARY KEY, value text NOT NULL);
    """,
    # 2: participants of a quiz deck have a nickname, unique per session (case-insensitive).
    """
    ALTER TABLE participants ADD COLUMN name text;
    ALTER TABLE participants ADD COLUMN name_key text;
    CREATE UNIQUE INDEX participant_names ON participants (session, name_key)
        WHERE name_key IS NOT NULL;
    """,
]

_SESSION_COLUMNS = (
    "code, deck, title, deck_source, state::text, created_at, ended_at, serving_until"
)
_SESSION_SQL = f"SELECT {_SESSION_COLUMNS} FROM sessions"


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with millisecond precision and a `Z`, the one timestamp format we return."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _session(row: asyncpg.Record) -> SessionRecord:
    code, deck, title, source, state, created, ended, serving = row
    created_at = _iso(created) or ""
    return SessionRecord(
        code, deck, title, source, json.loads(state), created_at, _iso(ended), _iso(serving)
    )


def connection_lost(exc: BaseException) -> bool:
    """The server is gone, restarting or unreachable: every pooled connection is suspect."""
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):  # 57014: a timeout, not a loss
        return False
    return isinstance(
        exc,
        OSError  # refused, reset, unreachable
        | asyncpg.PostgresConnectionError  # 08xxx: lost, closed mid-query, refused
        | asyncpg.exceptions.OperatorInterventionError,  # 57Pxx: shutting down, starting up
    ) or (isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc))


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot take the work right now; the same call may succeed later."""
    return connection_lost(exc) or isinstance(
        exc,
        TimeoutError  # connect, acquire or command timeout
        | asyncpg.exceptions.QueryCanceledError  # statement_timeout, or cancelled by an admin
        | asyncpg.exceptions.InsufficientResourcesError  # 53xxx: disk full, too many clients
        | asyncpg.exceptions.ReadOnlySQLTransactionError  # a standby after a failover
        | asyncpg.exceptions.TransactionRollbackError,  # deadlock or serialization, retried
    )


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Pooled connections carry no session state (no SET, LISTEN or session locks): skip the
    reset query asyncpg would otherwise send on every release."""


class PostgresStore:
    """The `Store` on a PostgreSQL database named by a URL; one per process, many per database.

    `postgresql://USER[:PASSWORD]@HOST:PORT/DB`. The schema is created or migrated at `open()`.
    """

    MAX_BATCH = 500

    def __init__(
        self,
        url: str,
        *,
        min_connections: int = 1,
        max_connections: int = 10,
        connect_timeout: float = 5.0,
        command_timeout: float = 10.0,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._url = url  # may hold a password: never logged
        self._min = min_connections
        self._max = max_connections
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._pool: asyncpg.Pool | None = None
        self._writer = BatchWriter(self._connection, self._translate, max_batch=max_batch)

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect the pool, create or migrate the schema, start the group-commit writer."""
        if self._pool is not None:
            return
        try:
            pool = await asyncpg.create_pool(
                self._url,
                min_size=self._min,
                max_size=self._max,
                timeout=self._connect_timeout,
                command_timeout=self._command_timeout,
                server_settings={"synchronous_commit": "on", "application_name": "rondvraag"},
                reset=_no_reset,
            )
        except Exception as exc:
            raise await self._translate(exc) from exc
        try:
            async with pool.acquire() as conn:
                await _migrate(conn)
        except Exception as exc:
            await pool.close()
            raise await self._translate(exc) from exc
        self._pool = pool
        self._writer.start()

    async def close(self) -> None:
        """Commit what is queued, refuse later writes, close every connection. Idempotent."""
        pool = self._pool
        if pool is None:
            return
        try:
            await self._writer.close()  # the last batch still uses the pool
        finally:
            self._pool = None
            await pool.close()

    @property
    def commits(self) -> int:
        """Successful group COMMITs so far; many writes share one under load."""
        return self._writer.commits

    # -- sessions ----------------------------------------------------------------------------

    async def shared_secret(self, name: str, make: Callable[[], str]) -> str:
        """The secret called `name`; the first replica to store one wins, everyone reads it."""
        select = "SELECT value FROM secrets WHERE name = $1"
        value = await self._fetchval(select, name)
        if value is None:
            await self._execute(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                name,
                make(),
            )
            value = await self._fetchval(select, name)  # a new statement sees the winner
        return str(value)

    async def stored_secret(self, name: str) -> str | None:
        value = await self._fetchval("SELECT value FROM secrets WHERE name = $1", name)
        return None if value is None else str(value)

    async def open_session(
        self,
        deck: str,
        title: str,
        deck_source: str,
        state: dict[str, Any],
        new_code: Callable[[], str],
    ) -> SessionRecord:
        """The deck's open session, or a new one; the partial unique index keeps it to one.

        Replicas racing here both INSERT … ON CONFLICT DO NOTHING: one inserts, the other
        waits for it, does nothing, and then reads the winner's session.
        """
        state_json = _to_json(state)
        for _ in range(20):
            found = await self.find_session(deck)
            if found is not None:
                return found
            row = await self._fetchrow(
                "INSERT INTO sessions (code, deck, title, deck_source, state)"
                " VALUES ($1, $2, $3, $4, $5::json) ON CONFLICT DO NOTHING"
                f" RETURNING {_SESSION_COLUMNS}",
                new_code(),
                deck,
                title,
                deck_source,
                state_json,
            )
            if row is not None:
                return _session(row)
        raise RuntimeError("could not open a session: no free join code in 20 tries")

    async def create_session(
        self, code: str, deck: str, title: str, deck_source: str, state: dict[str, Any]
    ) -> SessionRecord:
        """Create a session under a given code. Raises ValueError if the code is taken or the
        deck already has an open session."""
        try:
            row = await self._fetchrow(
                "INSERT INTO sessions (code, deck, title, deck_source, state)"
                f" VALUES ($1, $2, $3, $4, $5::json) RETURNING {_SESSION_COLUMNS}",
                code,
                deck,
                title,
                deck_source,
                _to_json(state),
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "sessions_pkey":
                raise ValueError(f"session code {code} is taken") from exc
            raise ValueError(f"deck {deck} already has an open session") from exc
        assert row is not None
        return _session(row)

    async def get_session(self, code: str) -> SessionRecord | None:
        row = await self._fetchrow(_SESSION_SQL + " WHERE code = $1", code)
        return _session(row) if row is not None else None

    async def find_session(self, deck: str) -> SessionRecord | None:
        """The deck's open session, so a restarted server resumes it with the same code."""
        row = await self._fetchrow(_SESSION_SQL + " WHERE deck = $1 AND ended_at IS NULL", deck)
        return _session(row) if row is not None else None

    async def list_sessions(self) -> list[SessionRecord]:
        """Every session, newest first."""
        rows = await self._fetch(_SESSION_SQL + " ORDER BY created_at DESC, created DESC")
        return [_session(row) for row in rows]

    async def save_state(
        self, code: str, state: dict[str, Any], expected_version: int | None = None
    ) -> bool:
        """Replace the presenter's state; with `expected_version`, only if the stored state
        still has that version (compare-and-set; a concurrent writer re-checks after the row
        lock, so exactly one of two writers wins). Raises SessionGone."""
        written = await self._fetchval(
            "UPDATE sessions SET state = $2::json WHERE code = $1 AND"
            " ($3::bigint IS NULL OR COALESCE((state ->> 'version')::numeric, 0) = $3::bigint)"
            " RETURNING true",
            code,
            _to_json(state),
            expected_version,
        )
        if written:
            return True
        if await self._fetchval("SELECT true FROM sessions WHERE code = $1", code) is None:
            raise SessionGone(code)
        return False

    async def end_sessions(self, *, keep: str | None = None, code: str | None = None) -> list[str]:
        """End one open session (`code`), or every open session but `keep`; the codes ended."""
        ending = "UPDATE sessions SET ended_at = clock_timestamp(), serving_until = NULL"
        if code is not None:
            rows = await self._fetch(
                ending + " WHERE code = $1 AND ended_at IS NULL RETURNING code", code
            )
        else:
            rows = await self._fetch(
                ending + " WHERE ended_at IS NULL AND code IS DISTINCT FROM $1 RETURNING code",
                keep,
            )
        return sorted(row[0] for row in rows)

    async def set_deck(self, code: str, title: str, deck_source: str) -> None:
        """The deck the session serves now (edited while served)."""
        done = await self._fetchval(
            "UPDATE sessions SET title = $2, deck_source = $3 WHERE code = $1 RETURNING true",
            code,
            title,
            deck_source,
        )
        if done is None:
            raise SessionGone(code)

    async def set_serving(self, code: str, until: str | None) -> None:
        """Record that a server serves this session until `until` (ISO 8601), or no more.
        Raises SessionGone, ValueError for a malformed time."""
        moment = datetime.fromisoformat(until) if until is not None else None
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"serving_until needs a time zone: {until}")
        done = await self._fetchval(
            "UPDATE sessions SET serving_until = $2 WHERE code = $1 RETURNING true", code, moment
        )
        if done is None:
            raise SessionGone(code)

    async def delete_session(self, code: str) -> bool:
        """Remove a session with all its participants and responses; True if it existed.

        The rows are gone for every reader at once; their bytes stay in PostgreSQL's files
        until autovacuum reuses the space and the WAL segments are recycled.
        """
        deleted = await self._fetchval("DELETE FROM sessions WHERE code = $1 RETURNING true", code)
        return deleted is not None

    # -- participants and responses -----------------------------------------------------------

    async def add_participant(self, code: str, participant: str) -> str:
        """Register a participant (idempotent); returns their pseudonym.

        Raises SessionGone for an unknown or ended session.
        """
        return await self._writer.submit(Join(code, participant, self._future()))

    async def set_name(self, code: str, participant: str, name: str) -> str:
        """Give a participant (registered if new) a nickname unique in the session: `name`,
        or the first free of `candidates(name)`. Returns the name given.

        Namings in one session take turns on the session's row lock, so two phones asking
        for "Anna" at once get "Anna" and "Anna 2"."""
        await self.add_participant(code, participant)
        async with self._connection() as conn:
            try:
                async with conn.transaction():
                    found = await conn.fetchval(
                        "SELECT true FROM sessions WHERE code = $1 FOR UPDATE", code
                    )
                    if found is None:
                        raise SessionGone(code)
                    rows = await conn.fetch(
                        "SELECT participant, name_key FROM participants"
                        " WHERE session = $1 AND name_key IS NOT NULL",
                        code,
                    )
                    taken = {row[1]: row[0] for row in rows}
                    chosen = next(
                        c
                        for c in candidates(name)
                        if taken.get(name_key(c), participant) == participant
                    )
                    await conn.execute(
                        "UPDATE participants SET name = $3, name_key = $4"
                        " WHERE session = $1 AND participant = $2",
                        code,
                        participant,
                        chosen,
                        name_key(chosen),
                    )
                    return chosen
            except Exception as exc:
                error = await self._translate(exc)
                if error is exc:
                    raise
                raise error from exc

    async def names(self, code: str) -> dict[str, str]:
        """Every participant's nickname, or pseudonym (P0007) for those without one."""
        rows = await self._fetch(
            "SELECT participant, seq, name FROM participants WHERE session = $1", code
        )
        return {row[0]: row[2] or pseudonym(row[1]) for row in rows}

    async def save_response(
        self, code: str, question: str, round: int, participant: str, answer: Any
    ) -> Saved:
        """Store or replace the participant's answer; returns only after the commit.

        Raises StoreUnavailable if it cannot be committed, SessionGone for an unknown or ended
        session, TypeError/ValueError for an answer that is not JSON.
        """
        item = Answer(code, question, int(round), participant, _to_json(answer), self._future())
        return await self._writer.submit(item)

    async def update_response(
        self,
        code: str,
        question: str,
        round: int,
        participant: str,
        change: Callable[[Any | None], Any],
    ) -> tuple[Saved, Any]:
        """Change the participant's answer with `change(current or None)`, atomically: in one
        transaction that holds the row's lock from the read to the write (a row not there yet
        is inserted; losing that race to a concurrent insert starts over on the row it made).
        What `change` raises reaches the caller and nothing is written."""
        key = (code, question, int(round), participant)
        for _ in range(20):
            try:
                done = await self._update_once(key, change)
            except asyncpg.ForeignKeyViolationError:
                await self.add_participant(code, participant)  # a first answer: join them
                continue
            except asyncpg.exceptions.TransactionRollbackError:
                continue  # a deadlock or serialization failure: redo it
            if done is not None:
                return done
        raise StoreUnavailable("the answer kept changing under this update; try again")

    async def _update_once(
        self, key: tuple[str, str, int, str], change: Callable[[Any | None], Any]
    ) -> tuple[Saved, Any] | None:
        code = key[0]
        async with self._connection() as conn:
            try:
                async with conn.transaction():
                    open_ = await conn.fetchval(
                        "SELECT true FROM sessions WHERE code = $1 AND ended_at IS NULL"
                        " FOR KEY SHARE",
                        code,
                    )
                    if not open_:
                        raise SessionGone(code)
                    where = (
                        " WHERE session = $1 AND question = $2 AND round = $3 AND participant = $4"
                    )
                    current = await conn.fetchval(
                        "SELECT answer::text FROM responses" + where + " FOR UPDATE", *key
                    )
                    answer = change(json.loads(current) if current is not None else None)
                    answer_json = _to_json(answer)
                    if current is not None:
                        seq = await conn.fetchval(
                            "UPDATE responses SET answer = $5::json,"
                            " submitted_at = clock_timestamp(), seq = nextval('response_seq')"
                            + where
                            + " RETURNING seq",
                            *key,
                            answer_json,
                        )
                    else:
                        seq = await conn.fetchval(
                            "INSERT INTO responses (session, question, round, participant, answer)"
                            " VALUES ($1, $2, $3, $4, $5::json) ON CONFLICT DO NOTHING"
                            " RETURNING seq",
                            *key,
                            answer_json,
                        )
                        if seq is None:
                            return None  # a concurrent first write made the row: read it
            except (
                SessionGone,
                asyncpg.ForeignKeyViolationError,
                asyncpg.exceptions.TransactionRollbackError,
            ):
                raise
            except asyncpg.PostgresError as exc:
                error = await self._translate(exc)
                if error is exc:
                    raise
                raise error from exc
            except (OSError, asyncpg.InterfaceError, TimeoutError) as exc:
                raise await self._translate(exc) from exc
        return Saved(current is not None, int(seq)), json.loads(answer_json)

    async def answers(self, code: str, question: str, round: int) -> list[Any]:
        """Current answers to one question in one round, oldest submission first.

        Queried every time (other workers write too): one index range scan, one JSON array.
        """
        array = await self._fetchval(
            "SELECT json_agg(answer ORDER BY seq)::text FROM responses"
            " WHERE session = $1 AND question = $2 AND round = $3",
            code,
            question,
            int(round),
        )
        return json.loads(array) if array is not None else []

    async def tally_rows(self, code: str, question: str, round: int) -> list[tuple[str, int, Any]]:
        rows = await self._fetch(
            "SELECT participant, seq, answer::text FROM responses"
            " WHERE session = $1 AND question = $2 AND round = $3 ORDER BY seq",
            code,
            question,
            int(round),
        )
        return [(participant, int(seq), json.loads(answer)) for participant, seq, answer in rows]

    async def tally_check(self, code: str, question: str, round: int) -> tuple[int, int]:
        rows = await self._fetch(
            "SELECT COUNT(*), COALESCE(SUM(seq), 0) FROM responses"
            " WHERE session = $1 AND question = $2 AND round = $3",
            code,
            question,
            int(round),
        )
        return int(rows[0][0]), int(rows[0][1])

    async def participant_answers(
        self, code: str, participant: str, rounds: dict[str, int]
    ) -> dict[str, Any]:
        """One participant's answers, for each question in its given round."""
        if not rounds:
            return {}
        rows = await self._fetch(
            "SELECT r.question, r.answer::text"
            " FROM unnest($3::text[], $4::integer[]) AS u(question, round)"
            " JOIN responses r ON r.session = $1 AND r.question = u.question"
            " AND r.round = u.round AND r.participant = $2",
            code,
            participant,
            list(rounds),
            [int(r) for r in rounds.values()],
        )
        return {question: json.loads(answer) for question, answer in rows}

    async def responses(self, code: str) -> list[StoredResponse]:
        """Every stored response of a session (all rounds), in submission order; for exports."""
        rows = await self._fetch(
            "SELECT r.question, r.round, r.participant, p.seq, r.answer::text, r.submitted_at"
            " FROM responses r JOIN participants p"
            " ON p.session = r.session AND p.participant = r.participant"
            " WHERE r.session = $1 ORDER BY r.seq",
            code,
        )
        return [
            StoredResponse(q, rnd, part, pseudonym(seq), json.loads(answer), _iso(at) or "")
            for q, rnd, part, seq, answer, at in rows
        ]

    async def participant_count(self, code: str) -> int:
        """Participants of a session (its pseudonym counter: numbers are handed out gap-free)."""
        count = await self._fetchval("SELECT participants FROM sessions WHERE code = $1", code)
        return int(count or 0)

    # -- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _future() -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection. Failing to get one is StoreUnavailable; errors of the body
        pass through untranslated (the writer retries deadlocks on them)."""
        pool = self._pool
        if pool is None:
            raise StoreUnavailable("the store is closed")
        try:
            conn = await pool.acquire(timeout=self._connect_timeout)
        except asyncpg.InterfaceError as exc:  # the pool is closing: close() is under way
            raise StoreUnavailable("the store is closed") from exc
        except Exception as exc:
            raise await self._translate(exc) from exc
        try:
            yield conn
        finally:
            await pool.release(conn)

    async def _translate(self, exc: BaseException) -> BaseException:
        """StoreUnavailable for an unreachable database (and drop the pool's connections, so
        they are all made anew once it is back); ValueError for rejected data; bugs as they are."""
        if isinstance(exc, StoreUnavailable | SessionGone):
            return exc
        if is_unavailable(exc):
            if self._pool is not None and connection_lost(exc):
                await self._pool.expire_connections()
            return StoreUnavailable(f"database unavailable: {type(exc).__name__}: {exc}")
        if isinstance(exc, asyncpg.DataError):
            return ValueError(f"refused by the database: {exc}")
        return exc

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self._query("fetch", sql, args)

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self._query("fetchrow", sql, args)

    async def _fetchval(self, sql: str, *args: Any) -> Any:
        return await self._query("fetchval", sql, args)

    async def _execute(self, sql: str, *args: Any) -> None:
        await self._query("execute", sql, args)

    async def _query(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        """One autocommitted statement on a pooled connection, errors translated."""
        async with self._connection() as conn:
            try:
                return await getattr(conn, method)(sql, *args)
            except asyncpg.UniqueViolationError:
                raise  # callers turn the constraints they expect into ValueError
            except Exception as exc:
                error = await self._translate(exc)
                if error is exc:
                    raise
                raise error from exc


async def _migrate(conn: asyncpg.Connection) -> None:
    """Create or upgrade the schema; replicas starting together take turns on a lock."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        version = int(await conn.fetchval("SELECT COALESCE(max(version), 0) FROM schema_version"))
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database has schema version {version}; this Rondvraag knows {SCHEMA_VERSION}"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            await conn.execute(MIGRATIONS[target - 1])
        if version < SCHEMA_VERSION:
            await conn.execute("DELETE FROM schema_version")
            await conn.execute("INSERT INTO schema_version VALUES ($1)", SCHEMA_VERSION)
