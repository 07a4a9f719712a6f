"""The SQLite store against real files: durability, upserts, group commit, failures, deletion."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.backends.sqlite import MIGRATIONS, SQLiteStore
from app.ports.store import SessionGone, StoreUnavailable

CODE = "123456"
ISO_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "rondvraag.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(db_path)
    await store.open()
    await store.create_session(CODE, "samenwerking", "Samenwerking", "title: Samenwerking\n", {})
    yield store
    await store.close()


async def reopened(path: Path, **kwargs: int) -> SQLiteStore:
    store = SQLiteStore(path, **kwargs)
    await store.open()
    return store


def file_bytes(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, as they are on disk now."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


# -- durability ------------------------------------------------------------------------------


async def test_committed_response_survives_restart(store: SQLiteStore, db_path: Path) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.close()

    again = await reopened(db_path)
    try:
        assert await again.answers(CODE, "rol", 1) == ["vakbond"]
        session = await again.get_session(CODE)
        assert session is not None and session.title == "Samenwerking"
    finally:
        await again.close()


KILLED_WRITER = """
import asyncio, sys
from app.backends.sqlite import SQLiteStore

async def main() -> None:
    store = SQLiteStore(sys.argv[1], synchronous=sys.argv[2])
    await store.open()
    await store.create_session("424242", "deck", "Deck", "", {})
    for i in range(20):
        await store.save_response("424242", "q", 1, f"p{i}", i)
    print("acked", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
async def test_acknowledged_answers_survive_kill_9(db_path: Path, synchronous: str) -> None:
    db_path.parent.mkdir(parents=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_WRITER, str(db_path), synchronous,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    assert line.strip() == b"acked"
    proc.send_signal(signal.SIGKILL)
    await proc.wait()

    again = await reopened(db_path)
    try:
        assert await again.answers("424242", "q", 1) == list(range(20))
    finally:
        await again.close()


async def test_save_is_not_acknowledged_before_it_is_committed(db_path: Path) -> None:
    store = await reopened(db_path, busy_timeout_ms=30_000)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        await store.create_session(CODE, "deck", "Deck", "", {})
        assert await store.answers(CODE, "q", 1) == []  # cached from here on
        blocker.execute("BEGIN EXCLUSIVE")
        save = asyncio.ensure_future(store.save_response(CODE, "q", 1, "alice", "x"))
        done, _ = await asyncio.wait([save], timeout=0.3)
        assert not done  # the writer cannot commit, so the phone must not hear "received"
        assert await store.answers(CODE, "q", 1) == []
        blocker.execute("ROLLBACK")
        assert (await save).replaced is False
        row = blocker.execute("SELECT answer_json FROM responses WHERE participant = 'alice'")
        assert row.fetchone() == ('"x"',)  # acknowledged means visible to any other reader
    finally:
        blocker.close()
        await store.close()


async def test_close_flushes_pending_writes_and_refuses_later_ones(
    store: SQLiteStore, db_path: Path
) -> None:
    saves = [
        asyncio.ensure_future(store.save_response(CODE, "q", 1, f"p{i}", i)) for i in range(50)
    ]
    await asyncio.sleep(0)  # every save is queued, none acknowledged yet
    await store.close()
    await store.close()  # idempotent
    assert [s.replaced for s in await asyncio.gather(*saves)] == [False] * 50
    with pytest.raises(StoreUnavailable):
        await store.save_response(CODE, "q", 1, "late", 1)

    again = await reopened(db_path)
    try:
        assert await again.answers(CODE, "q", 1) == list(range(50))
    finally:
        await again.close()


# -- sessions --------------------------------------------------------------------------------


async def test_create_session_with_taken_code_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="taken"):
        await store.create_session(CODE, "other", "Other", "", {})
    session = await store.get_session(CODE)
    assert session is not None and session.deck == "samenwerking"


async def test_a_deck_has_at_most_one_open_session(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="open session"):
        await store.create_session("222222", "samenwerking", "Again", "", {})
    await store.create_session("333333", "andere", "Other deck", "", {})
    found = await store.find_session("samenwerking")
    assert found is not None and found.code == CODE
    assert await store.find_session("unknown") is None
    assert [s.code for s in await store.list_sessions()] == ["333333", CODE]


async def test_open_session_resumes_the_open_one_and_starts_anew_after_it_ended(
    store: SQLiteStore,
) -> None:
    codes = iter(["444444", "555555"])
    again = await store.open_session("samenwerking", "S", "", {}, lambda: next(codes))
    assert again.code == CODE and again.ended_at is None
    await store.add_participant(CODE, "alice")
    assert await store.end_sessions(code=CODE) == [CODE]
    assert await store.end_sessions(code=CODE) == []  # ending twice ends nothing
    with pytest.raises(SessionGone):  # an ended session takes no answers, not even old hands'
        await store.save_response(CODE, "q", 1, "alice", "te laat")
    with pytest.raises(SessionGone):
        await store.add_participant(CODE, "bob")
    ended = await store.get_session(CODE)
    assert ended is not None and ISO_UTC_MS.match(ended.ended_at or "")
    assert await store.find_session("samenwerking") is None
    proposals = iter([CODE, "666666"])  # a taken code is skipped
    fresh = await store.open_session("samenwerking", "S", "", {}, lambda: next(proposals))
    assert fresh.code == "666666" and fresh.ended_at is None


async def test_end_sessions_keeps_only_the_served_one_open(store: SQLiteStore) -> None:
    await store.create_session("333333", "andere", "Other deck", "", {})
    await store.create_session("444444", "derde", "Third deck", "", {})
    assert sorted(await store.end_sessions(keep="333333")) == sorted([CODE, "444444"])
    assert [s.code for s in await store.list_sessions() if s.ended_at is None] == ["333333"]


async def test_state_compare_and_set_refuses_a_stale_version(store: SQLiteStore) -> None:
    await store.save_state(CODE, {"version": 5})
    results = await asyncio.gather(
        store.save_state(CODE, {"version": 6, "by": "a"}, expected_version=5),
        store.save_state(CODE, {"version": 6, "by": "b"}, expected_version=5),
    )
    assert sorted(results) == [False, True]
    stored = await store.get_session(CODE)
    assert stored is not None and stored.state["by"] == ("a" if results[0] else "b")


async def test_shared_secret_is_created_once(store: SQLiteStore, db_path: Path) -> None:
    first = await store.shared_secret("signing-key", lambda: "one")
    assert await store.shared_secret("signing-key", lambda: "two") == first == "one"
    await store.close()
    again = await reopened(db_path)
    try:
        assert await again.shared_secret("signing-key", lambda: "three") == "one"
    finally:
        await again.close()


async def test_serving_lease_is_recorded(store: SQLiteStore) -> None:
    await store.set_serving(CODE, "2099-01-01T00:00:00.000Z")
    record = await store.get_session(CODE)
    assert record is not None and record.serving_until == "2099-01-01T00:00:00.000Z"
    await store.set_serving(CODE, None)
    record = await store.get_session(CODE)
    assert record is not None and record.serving_until is None
    with pytest.raises(SessionGone):
        await store.set_serving("999999", None)


async def test_response_seq_increases_with_every_save(store: SQLiteStore) -> None:
    first = await store.save_response(CODE, "q", 1, "alice", "a")
    second = await store.save_response(CODE, "q", 1, "bob", "b")
    third = await store.save_response(CODE, "q", 1, "alice", "c")
    assert first.seq < second.seq < third.seq and third.replaced


async def test_saved_state_is_returned_after_restart(store: SQLiteStore, db_path: Path) -> None:
    state = {"slide": 3, "voting_open": True, "rounds": {"rol": 2}, "version": 17}
    await store.save_state(CODE, state)
    await store.close()
    again = await reopened(db_path)
    try:
        session = await again.get_session(CODE)
        assert session is not None and session.state == state
        assert ISO_UTC_MS.match(session.created_at)
    finally:
        await again.close()


async def test_unknown_session_is_refused_for_writes(store: SQLiteStore) -> None:
    with pytest.raises(SessionGone, match="no session"):
        await store.save_state("999999", {})
    with pytest.raises(SessionGone, match="no session"):
        await store.add_participant("999999", "alice")
    with pytest.raises(SessionGone, match="no session"):
        await store.save_response("999999", "q", 1, "alice", "x")
    assert await store.answers("999999", "q", 1) == []
    assert await store.participant_count("999999") == 0
    assert await store.get_session("999999") is None


async def test_answer_that_is_not_json_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(TypeError):
        await store.save_response(CODE, "q", 1, "alice", {1, 2})
    with pytest.raises(ValueError):
        await store.save_response(CODE, "q", 1, "alice", float("nan"))
    assert await store.answers(CODE, "q", 1) == []


async def test_one_failing_write_does_not_fail_the_others_in_its_batch(
    store: SQLiteStore,
) -> None:
    results = await asyncio.gather(
        store.save_response(CODE, "q", 1, "alice", "a"),
        store.save_state("999999", {}),
        store.save_response("999999", "q", 1, "bob", "b"),
        store.save_response(CODE, "q", 1, "carol", "c"),
        return_exceptions=True,
    )
    assert results[0].replaced is False and results[3].replaced is False
    assert isinstance(results[1], SessionGone) and isinstance(results[2], SessionGone)
    assert await store.answers(CODE, "q", 1) == ["a", "c"]


async def test_write_that_fails_halfway_leaves_nothing_behind(store: SQLiteStore) -> None:
    """A failing operation is rolled back to its savepoint; its batch neighbours still commit."""

    def half_then_fail(conn: sqlite3.Connection) -> tuple[None, None]:
        conn.execute(
            "INSERT INTO participants (session, participant, seq) VALUES (?, 'ghost', 99)", (CODE,)
        )
        raise ValueError("refused after a partial write")

    results = await asyncio.gather(
        store.save_response(CODE, "q", 1, "alice", "a"),
        store._write(half_then_fail),
        store.save_response(CODE, "q", 1, "bob", "b"),
        return_exceptions=True,
    )
    assert results[0].replaced is False and results[2].replaced is False
    assert isinstance(results[1], ValueError)
    assert await store.add_participant(CODE, "ghost") == "P0003"  # no seq 99 left behind
    assert await store.participant_count(CODE) == 3


# -- responses -------------------------------------------------------------------------------


async def test_answering_twice_replaces_instead_of_counting_twice(store: SQLiteStore) -> None:
    assert (await store.save_response(CODE, "rol", 1, "alice", "vakbond")).replaced is False
    assert (await store.save_response(CODE, "rol", 1, "bob", "vdab")).replaced is False
    assert (await store.save_response(CODE, "rol", 1, "alice", "vdab")).replaced is True

    assert await store.answers(CODE, "rol", 1) == ["vdab", "vdab"]  # bob first, alice moved
    rows = await store.responses(CODE)
    assert [(r.participant, r.answer) for r in rows] == [("bob", "vdab"), ("alice", "vdab")]
    assert rows[0].submitted_at <= rows[1].submitted_at


async def test_concurrent_repeated_answers_keep_one_row_per_participant(
    store: SQLiteStore, db_path: Path
) -> None:
    rng = random.Random(7)
    calls = [(f"p{rng.randrange(50)}", rng.randrange(1000)) for _ in range(200)]
    acked: list[tuple[str, int, bool]] = []

    async def vote(participant: str, answer: int) -> None:
        replaced = (await store.save_response(CODE, "q", 1, participant, answer)).replaced
        acked.append((participant, answer, replaced))

    await asyncio.gather(*(vote(p, a) for p, a in calls))

    last: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for participant, answer, replaced in acked:
        last[participant] = answer
        firsts[participant] = firsts.get(participant, 0) + (not replaced)
    assert set(firsts.values()) == {1}  # exactly one call per participant was not a replace
    await store.close()

    again = await reopened(db_path)
    try:
        rows = await again.responses(CODE)
        assert sorted((r.participant, r.answer) for r in rows) == sorted(last.items())
        assert len(await again.answers(CODE, "q", 1)) == len(last)
        assert await again.participant_count(CODE) == len(last)
    finally:
        await again.close()


async def test_rounds_do_not_mix(store: SQLiteStore) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.save_response(CODE, "rol", 2, "alice", "vdab")
    await store.save_response(CODE, "rol", 2, "bob", "vdab")
    assert await store.answers(CODE, "rol", 1) == ["vakbond"]
    assert await store.answers(CODE, "rol", 2) == ["vdab", "vdab"]
    assert len(await store.responses(CODE)) == 3


async def test_participant_answers_only_for_the_given_rounds(store: SQLiteStore) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.save_response(CODE, "rol", 2, "alice", "vdab")
    await store.save_response(CODE, "wolk", 1, "alice", ["vertrouwen"])
    await store.save_response(CODE, "open", 1, "bob", "niet van alice")

    mine = await store.participant_answers(CODE, "alice", {"rol": 2, "wolk": 1, "open": 1})
    assert mine == {"rol": "vdab", "wolk": ["vertrouwen"]}
    assert await store.participant_answers(CODE, "alice", {"rol": 3}) == {}


async def test_pseudonyms_are_stable_across_restart_and_hide_participant_id(
    store: SQLiteStore, db_path: Path
) -> None:
    assert await store.add_participant(CODE, "token-alice") == "P0001"
    assert await store.add_participant(CODE, "token-alice") == "P0001"  # idempotent
    await store.save_response(CODE, "q", 1, "token-bob", "x")  # joins implicitly
    assert await store.participant_count(CODE) == 2
    await store.close()

    again = await reopened(db_path)
    try:
        assert await again.add_participant(CODE, "token-bob") == "P0002"
        await again.save_response(CODE, "q", 1, "token-alice", "y")
        assert await again.add_participant(CODE, "token-carol") == "P0003"
        rows = await again.responses(CODE)
        assert {r.participant: r.pseudonym for r in rows} == {
            "token-bob": "P0002",
            "token-alice": "P0001",
        }
        assert all(r.pseudonym != r.participant for r in rows)
        assert await again.participant_count(CODE) == 3
    finally:
        await again.close()


async def test_answers_order_is_the_same_from_cache_and_after_restart(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.answers(CODE, "q", 1)  # load the (empty) cache before writing
    for participant, answer in [("a", 1), ("b", 2), ("c", 3), ("a", 4), ("b", 5), ("d", 6)]:
        await store.save_response(CODE, "q", 1, participant, answer)
    from_cache = await store.answers(CODE, "q", 1)
    assert from_cache == [3, 4, 5, 6]
    await store.close()
    again = await reopened(db_path)
    try:
        assert await again.answers(CODE, "q", 1) == from_cache
        assert [r.answer for r in await again.responses(CODE)] == from_cache
    finally:
        await again.close()


async def test_timestamps_are_utc_with_milliseconds(store: SQLiteStore) -> None:
    await store.save_response(CODE, "q", 1, "alice", "x")
    (row,) = await store.responses(CODE)
    assert ISO_UTC_MS.match(row.submitted_at), row.submitted_at


# -- group commit ----------------------------------------------------------------------------


async def test_thousand_concurrent_saves_are_all_readable_after_reopen(
    store: SQLiteStore, db_path: Path
) -> None:
    before = store.commits
    results = await asyncio.gather(
        *(store.save_response(CODE, "q", 1, f"p{i}", {"v": i}) for i in range(1000))
    )
    assert [r.replaced for r in results] == [False] * 1000
    print(f"1000 concurrent saves used {store.commits - before} commits")
    await store.close()
    again = await reopened(db_path)
    try:
        assert await again.answers(CODE, "q", 1) == [{"v": i} for i in range(1000)]
    finally:
        await again.close()


async def test_writes_queued_behind_a_lock_share_a_few_commits(db_path: Path) -> None:
    store = await reopened(db_path, busy_timeout_ms=30_000)
    await store.create_session(CODE, "deck", "Deck", "", {})
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        before = store.commits
        saves = asyncio.gather(
            *(store.save_response(CODE, "q", 1, f"p{i}", i) for i in range(1000))
        )
        for _ in range(3):
            await asyncio.sleep(0)  # let every save reach the writer's queue
        blocker.execute("ROLLBACK")
        await saves
        # at most: the batch that was waiting on the lock, then two batches of 500
        assert store.commits - before <= 3
        assert len(await store.answers(CODE, "q", 1)) == 1000
    finally:
        blocker.close()
        await store.close()


# -- failures --------------------------------------------------------------------------------


async def test_full_disk_raises_store_unavailable_and_keeps_committed_answers(
    db_path: Path,
) -> None:
    store = await reopened(db_path, max_pages=60)  # 60 pages of 4 KiB: the "disk"
    try:
        await store.create_session("111111", "deck", "Kept", "", {"v": 1})
        await store.create_session("222222", "filler", "Filler", "", {})
        await store.save_response("111111", "q", 1, "alice", "bewaard")
        acked = []
        with pytest.raises(StoreUnavailable):
            for i in range(100):
                await store.save_response("222222", "q", 1, f"p{i}", f"{i}:" + "x" * 20_000)
                acked.append(i)
        assert 0 < len(acked) < 100
        # a full-disk failure fails only its own write; an in-place update in the batch works
        failed, saved = await asyncio.gather(
            store.save_response("222222", "q", 1, "big", "y" * 20_000),
            store.save_state("111111", {"v": 2}),
            return_exceptions=True,
        )
        assert isinstance(failed, StoreUnavailable) and saved is True
        filler = await store.answers("222222", "q", 1)
        assert [a.split(":")[0] for a in filler] == [str(i) for i in acked]  # none half-written
        assert await store.participant_count("222222") == len(acked)  # failed joins rolled back
        assert await store.answers("111111", "q", 1) == ["bewaard"]

        assert await store.delete_session("222222") is True  # frees the space
        saved = await store.save_response("111111", "q", 1, "bob", "z" * 20_000)
        assert saved.replaced is False
    finally:
        await store.close()
    again = await reopened(db_path)
    try:
        assert await again.answers("111111", "q", 1) == ["bewaard", "z" * 20_000]
        session = await again.get_session("111111")
        assert session is not None and session.state == {"v": 2}
    finally:
        await again.close()


async def test_locked_database_raises_store_unavailable_then_recovers(db_path: Path) -> None:
    store = await reopened(db_path, busy_timeout_ms=50)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        await store.create_session(CODE, "deck", "Deck", "", {})
        await store.save_response(CODE, "q", 1, "alice", "eerst")
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreUnavailable):
            await store.save_response(CODE, "q", 1, "bob", "geblokkeerd")
        assert await store.answers(CODE, "q", 1) == ["eerst"]  # never shows the failed write
        assert (await store.get_session(CODE)) is not None  # reads still work in WAL mode
        blocker.execute("ROLLBACK")
        assert (await store.save_response(CODE, "q", 1, "bob", "daarna")).replaced is False
        assert await store.answers(CODE, "q", 1) == ["eerst", "daarna"]
    finally:
        blocker.close()
        await store.close()


async def test_database_with_a_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    store = SQLiteStore(db_path)
    with pytest.raises(RuntimeError, match="schema version 99"):
        await store.open()
    with pytest.raises(StoreUnavailable):
        await store.answers(CODE, "q", 1)


# -- privacy ---------------------------------------------------------------------------------


async def test_deleted_session_leaves_no_answer_in_the_files(
    store: SQLiteStore, db_path: Path
) -> None:
    secret = "geheim-antwoord-7f3a9"
    await store.create_session("654321", "deck", "Other", "", {})
    await store.save_response("654321", "q", 1, "keeper", "blijft staan")
    await store.save_response(CODE, "q", 1, "alice", secret)
    await store.save_response(CODE, "q", 1, "bob", secret + "-" + "lang " * 2000)  # overflow
    await store.save_response(CODE, "q", 2, "alice", [secret, "twee"])
    assert len(await store.responses(CODE)) == 3  # pooled readers must not block the cleanup
    with sqlite3.connect(db_path) as conn:  # as SQLite's auto-checkpoint does in long sessions
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert secret.encode() in db_path.read_bytes()

    assert await store.delete_session(CODE) is True
    assert await store.delete_session(CODE) is False
    assert secret.encode() not in file_bytes(db_path)
    assert await store.get_session(CODE) is None
    assert await store.responses(CODE) == []
    assert await store.answers(CODE, "q", 1) == []
    assert await store.participant_count(CODE) == 0
    assert await store.answers("654321", "q", 1) == ["blijft staan"]
    with sqlite3.connect(db_path) as conn:
        for table in ("sessions", "participants", "responses"):
            column = "code" if table == "sessions" else "session"
            sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
            assert conn.execute(sql, (CODE,)).fetchone() == (0,)


async def test_schema_stores_no_ip_address_or_user_agent(store: SQLiteStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert set(tables) == {"sessions", "participants", "responses", "secrets"}
        columns = {c[1] for t in tables for c in conn.execute(f"PRAGMA table_info({t})")}
    assert not {c for c in columns if "ip" in c.split("_") or "agent" in c or "addr" in c}


# -- privacy of the files and upgrades ----------------------------------------------------------


async def test_data_folder_and_database_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "rondvraag.sqlite3"
    store = await reopened(path)
    try:
        await store.create_session(CODE, "d", "D", "", {})
        await store.save_response(CODE, "q", 1, "alice", "geheim")
        files = sorted(folder.glob("rondvraag.sqlite3*"))
        assert {f.name for f in files} >= {"rondvraag.sqlite3", "rondvraag.sqlite3-wal"}
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    finally:
        await store.close()


async def test_old_database_with_two_open_sessions_of_a_deck_keeps_the_newest_open(
    db_path: Path,
) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.executemany(
        "INSERT INTO sessions VALUES (?, 'talk', 'T', '', '{}', ?)",
        [("111111", "2026-01-01T10:00:00.000Z"), ("222222", "2026-02-01T10:00:00.000Z")],
    )
    conn.commit()
    conn.close()
    store = await reopened(db_path)
    try:
        found = await store.find_session("talk")
        assert found is not None and found.code == "222222"
        old = await store.get_session("111111")
        assert old is not None and old.ended_at == "2026-01-01T10:00:00.000Z"
    finally:
        await store.close()


async def test_nicknames_are_unique_per_session_with_a_number(store: SQLiteStore) -> None:
    for who in ("p1", "p2", "p3"):
        await store.add_participant(CODE, who)
    assert await store.set_name(CODE, "p1", "Anna") == "Anna"
    assert await store.set_name(CODE, "p2", "ANNA") == "ANNA 2"  # case does not count
    assert await store.set_name(CODE, "p1", "anna") == "anna"  # one's own name, re-cased
    assert await store.set_name(CODE, "p4", "Bo") == "Bo"  # registered on the way
    assert await store.names(CODE) == {"p1": "anna", "p2": "ANNA 2", "p3": "P0003", "p4": "Bo"}
    assert await store.participant_count(CODE) == 4
    with pytest.raises(SessionGone):
        await store.set_name("999999", "p1", "Anna")


async def test_a_database_from_before_nicknames_is_migrated_with_its_answers(
    db_path: Path,
) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version = 2;")
    conn.execute(
        "INSERT INTO sessions (code, deck, title, deck_source, state_json, created_at)"
        " VALUES ('111111', 'talk', 'T', '', '{}', '2026-01-01T10:00:00.000Z')"
    )
    conn.execute("INSERT INTO participants VALUES ('111111', 'p1', 1)")
    conn.execute(
        "INSERT INTO responses VALUES ('111111', 'rol', 1, 'p1', '[\"a\"]',"
        " '2026-01-01T10:01:00.000Z', 1)"
    )
    conn.commit()
    conn.close()
    store = await reopened(db_path)
    try:
        assert await store.answers("111111", "rol", 1) == [["a"]]
        assert await store.names("111111") == {"p1": "P0001"}
        assert await store.set_name("111111", "p1", "Anna") == "Anna"
        assert await store.names("111111") == {"p1": "Anna"}
    finally:
        await store.close()
