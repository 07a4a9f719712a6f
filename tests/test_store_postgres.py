"""The PostgreSQL store against a real, throwaway PostgreSQL: what the SQLite store promises,
plus what many workers on one database need (one session per deck, one secret, race-free
pseudonyms, compare-and-set state, upserts that never deadlock) and surviving a server crash."""

from __future__ import annotations

import asyncio
import json
import random
import re
import statistics
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pg_server import PgCluster

from app.backends.postgres import SCHEMA_VERSION, PostgresStore
from app.ports.store import Saved, SessionGone, StoreUnavailable

pytestmark = pytest.mark.postgres

CODE = "123456"
ISO_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[PostgresStore]:
    store = await opened(pg_url)
    await store.create_session(CODE, "samenwerking", "Samenwerking", "title: Samenwerking\n", {})
    yield store
    await store.close()


async def opened(url: str, **kwargs: Any) -> PostgresStore:
    store = PostgresStore(url, **kwargs)
    await store.open()
    return store


async def sql(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    """A query on a connection of its own, like another program reading the database."""
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


# -- durability ------------------------------------------------------------------------------


async def test_committed_response_is_seen_by_a_new_store(store: PostgresStore, pg_url: str) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.close()
    again = await opened(pg_url)
    try:
        assert await again.answers(CODE, "rol", 1) == ["vakbond"]
        session = await again.get_session(CODE)
        assert session is not None and session.title == "Samenwerking"
    finally:
        await again.close()


async def test_connections_commit_synchronously_even_if_the_database_says_otherwise(
    pg_url: str,
) -> None:
    name = pg_url.rsplit("/", 1)[1]
    await sql(pg_url, f"ALTER DATABASE {name} SET synchronous_commit = off")
    store = await opened(pg_url)
    try:
        async with store._connection() as conn:
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
        assert await sql(pg_url, "SHOW synchronous_commit") == [("off",)]  # others: the default
    finally:
        await store.close()


async def test_save_is_not_acknowledged_before_it_is_committed(
    store: PostgresStore, pg_url: str
) -> None:
    blocker = await asyncpg.connect(pg_url)
    try:
        await blocker.execute("BEGIN")
        await blocker.execute("SELECT 1 FROM sessions WHERE code = $1 FOR UPDATE", CODE)
        save = asyncio.ensure_future(store.save_response(CODE, "q", 1, "alice", "x"))
        done, _ = await asyncio.wait([save], timeout=0.3)
        assert not done  # the batch cannot commit, so the phone must not hear "received"
        assert await store.answers(CODE, "q", 1) == []
        await blocker.execute("ROLLBACK")
        assert (await save).replaced is False
        stored = await blocker.fetchval("SELECT answer::text FROM responses")
        assert stored == '"x"'  # acknowledged means visible to any other reader
    finally:
        await blocker.close()


async def test_close_flushes_pending_writes_and_refuses_later_ones(
    store: PostgresStore, pg_url: str
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
    with pytest.raises(StoreUnavailable):
        await store.answers(CODE, "q", 1)
    again = await opened(pg_url)
    try:
        assert await again.answers(CODE, "q", 1) == list(range(50))
    finally:
        await again.close()


# -- sessions --------------------------------------------------------------------------------


async def test_create_session_with_taken_code_or_open_deck_is_refused(
    store: PostgresStore,
) -> None:
    with pytest.raises(ValueError, match="taken"):
        await store.create_session(CODE, "other", "Other", "", {})
    with pytest.raises(ValueError, match="open session"):
        await store.create_session("222222", "samenwerking", "Again", "", {})
    await store.create_session("333333", "andere", "Other deck", "", {})
    found = await store.find_session("samenwerking")
    assert found is not None and found.code == CODE and found.deck == "samenwerking"
    assert await store.find_session("unknown") is None
    assert [s.code for s in await store.list_sessions()] == ["333333", CODE]


async def test_open_session_resumes_the_open_one_and_starts_anew_after_it_ended(
    store: PostgresStore,
) -> None:
    codes = iter(["444444", "555555"])
    again = await store.open_session("samenwerking", "S", "", {}, lambda: next(codes))
    assert again.code == CODE and again.ended_at is None
    assert await store.end_sessions(code=CODE) == [CODE]
    assert await store.end_sessions(code=CODE) == []  # ending twice ends nothing
    ended = await store.get_session(CODE)
    assert ended is not None and ISO_UTC_MS.match(ended.ended_at or "")
    assert await store.find_session("samenwerking") is None
    proposals = iter([CODE, "666666"])  # a taken code is skipped
    fresh = await store.open_session("samenwerking", "S", "", {"v": 1}, lambda: next(proposals))
    assert fresh.code == "666666" and fresh.ended_at is None and fresh.state == {"v": 1}
    assert [s.code for s in await store.list_sessions()] == ["666666", CODE]


async def test_end_sessions_keeps_only_the_served_one_open(store: PostgresStore) -> None:
    await store.create_session("333333", "andere", "Other deck", "", {})
    await store.create_session("444444", "derde", "Third deck", "", {})
    await store.set_serving(CODE, "2099-01-01T00:00:00.000Z")
    assert await store.end_sessions(keep="333333") == [CODE, "444444"]
    sessions = await store.list_sessions()
    assert [s.code for s in sessions if s.ended_at is None] == ["333333"]
    assert all(s.serving_until is None for s in sessions)  # an ended session is served no more


async def test_ended_session_takes_no_joins_and_no_answers(store: PostgresStore) -> None:
    await store.save_response(CODE, "q", 1, "alice", "voor")
    await store.end_sessions(code=CODE)
    with pytest.raises(SessionGone):
        await store.add_participant(CODE, "bob")
    with pytest.raises(SessionGone):
        await store.save_response(CODE, "q", 1, "alice", "na")
    assert await store.answers(CODE, "q", 1) == ["voor"]  # still readable for exports


async def test_serving_lease_is_recorded(store: PostgresStore) -> None:
    await store.set_serving(CODE, "2099-01-01T00:00:00.000Z")
    record = await store.get_session(CODE)
    assert record is not None and record.serving_until == "2099-01-01T00:00:00.000Z"
    await store.set_serving(CODE, "2099-01-01T02:00:00.250+02:00")  # normalised to UTC
    record = await store.get_session(CODE)
    assert record is not None and record.serving_until == "2099-01-01T00:00:00.250Z"
    await store.set_serving(CODE, None)
    record = await store.get_session(CODE)
    assert record is not None and record.serving_until is None
    with pytest.raises(SessionGone):
        await store.set_serving("999999", None)


async def test_saved_state_is_returned_to_a_new_store(store: PostgresStore, pg_url: str) -> None:
    state = {"slide": 3, "voting_open": True, "rounds": {"rol": 2}, "version": 17, "t": "é\0"}
    assert await store.save_state(CODE, state) is True
    again = await opened(pg_url)
    try:
        session = await again.get_session(CODE)
        assert session is not None and session.state == state and session.version == 17
        assert ISO_UTC_MS.match(session.created_at)
    finally:
        await again.close()


async def test_state_compare_and_set_refuses_a_stale_version(store: PostgresStore) -> None:
    await store.save_state(CODE, {"version": 5})
    results = await asyncio.gather(
        store.save_state(CODE, {"version": 6, "by": "a"}, expected_version=5),
        store.save_state(CODE, {"version": 6, "by": "b"}, expected_version=5),
    )
    assert sorted(results) == [False, True]
    stored = await store.get_session(CODE)
    assert stored is not None and stored.state["by"] == ("a" if results[0] else "b")
    assert await store.save_state(CODE, {"version": 7}, expected_version=4) is False
    assert await store.save_state(CODE, {}, expected_version=6) is True
    assert await store.save_state(CODE, {"version": 1}, expected_version=0) is True  # missing = 0
    with pytest.raises(SessionGone):
        await store.save_state("999999", {"version": 1}, expected_version=0)


async def test_state_compare_and_set_has_one_winner_per_version_across_workers(
    store: PostgresStore, pg_url: str
) -> None:
    workers = [store, *[await opened(pg_url) for _ in range(3)]]
    try:
        await store.save_state(CODE, {"version": 0})
        winners: dict[int, list[int]] = {}

        async def advance(worker: int) -> None:
            for _ in range(30):
                current = await workers[worker].get_session(CODE)
                assert current is not None
                nxt = {"version": current.version + 1, "by": worker}
                if await workers[worker].save_state(CODE, nxt, expected_version=current.version):
                    winners.setdefault(current.version + 1, []).append(worker)

        await asyncio.gather(*(advance(w) for w in range(len(workers))))
        final = await store.get_session(CODE)
        assert final is not None
        assert sorted(winners) == list(range(1, final.version + 1))  # no version skipped
        assert all(len(w) == 1 for w in winners.values())  # exactly one winner per version
        assert final.state["by"] == winners[final.version][0]
    finally:
        for worker in workers[1:]:
            await worker.close()


async def test_replicas_opening_together_get_one_session_and_one_code(pg_url: str) -> None:
    replicas = await asyncio.gather(*(opened(pg_url) for _ in range(4)))  # migrate together
    try:
        codes = iter(range(100_000, 999_999, 7919))
        sessions = await asyncio.gather(
            *(r.open_session("deck", "T", "", {}, lambda: str(next(codes))) for r in replicas)
        )
        assert len({s.code for s in sessions}) == 1
        assert len(await replicas[0].list_sessions()) == 1
    finally:
        for replica in replicas:
            await replica.close()


OPEN_SESSION = """
import asyncio, random, sys, time
from app.backends.postgres import PostgresStore

async def main() -> None:
    store = PostgresStore(sys.argv[1])
    await store.open()
    await asyncio.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
    session = await store.open_session(
        "deck", "T", "", {}, lambda: str(random.randrange(100_000, 1_000_000))
    )
    secret = await store.shared_secret("signing-key", lambda: str(random.random()))
    print(session.code, secret, flush=True)
    await store.close()

asyncio.run(main())
"""


async def test_replica_processes_starting_together_get_one_session_and_one_secret(
    pg_url: str,
) -> None:
    start_at = str(time.time() + 1.5)
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", OPEN_SESSION, pg_url, start_at, cwd=REPO_ROOT, stdout=PIPE
        )
        for _ in range(3)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    lines = {out.decode().strip() for out, _ in outputs}
    assert len(lines) == 1, lines  # one code and one secret for all
    rows = await sql(pg_url, "SELECT count(*) FROM sessions")
    assert rows == [(1,)]


async def test_shared_secret_is_created_once_across_workers(pg_url: str) -> None:
    workers = await asyncio.gather(*(opened(pg_url) for _ in range(4)))
    try:
        values = await asyncio.gather(
            *(
                w.shared_secret("signing-key", lambda i=i: f"secret-{i}")
                for i, w in enumerate(workers)
            )
        )
        assert len(set(values)) == 1
        assert await workers[0].shared_secret("signing-key", lambda: "late") == values[0]
        assert await workers[0].shared_secret("other", lambda: "two") == "two"
    finally:
        for worker in workers:
            await worker.close()


# -- writes to unknown sessions, bad data, batches --------------------------------------------


async def test_unknown_session_is_refused_for_writes(store: PostgresStore) -> None:
    with pytest.raises(SessionGone, match="no session"):
        await store.save_state("999999", {})
    with pytest.raises(SessionGone, match="no session"):
        await store.add_participant("999999", "alice")
    with pytest.raises(SessionGone, match="no session"):
        await store.save_response("999999", "q", 1, "alice", "x")
    assert await store.answers("999999", "q", 1) == []
    assert await store.participant_count("999999") == 0
    assert await store.get_session("999999") is None
    assert await store.delete_session("999999") is False


async def test_answer_that_is_not_json_is_refused(store: PostgresStore) -> None:
    with pytest.raises(TypeError):
        await store.save_response(CODE, "q", 1, "alice", {1, 2})
    with pytest.raises(ValueError):
        await store.save_response(CODE, "q", 1, "alice", float("nan"))
    assert await store.answers(CODE, "q", 1) == []


async def test_one_failing_write_does_not_fail_the_others_in_its_batch(
    store: PostgresStore,
) -> None:
    await store.create_session("222222", "weg", "Deleted soon", "", {})
    await store.delete_session("222222")
    results = await asyncio.gather(
        store.save_response(CODE, "q", 1, "alice", "a"),
        store.save_state("999999", {}),
        store.save_response("222222", "q", 1, "bob", "b"),  # a deleted session
        store.save_response(CODE, "q", 1, "nul\0byte", "x"),  # PostgreSQL text refuses NUL
        store.add_participant(CODE, "dave"),
        store.save_response(CODE, "q", 1, "carol", "c\0"),  # fine inside JSON
        return_exceptions=True,
    )
    assert isinstance(results[0], Saved) and isinstance(results[5], Saved)
    assert isinstance(results[1], SessionGone) and isinstance(results[2], SessionGone)
    assert isinstance(results[3], ValueError)
    assert results[4] in {"P0001", "P0002", "P0003"}
    assert await store.answers(CODE, "q", 1) == ["a", "c\0"]
    assert await store.participant_count(CODE) == 3  # the refused one was not counted


# -- responses -------------------------------------------------------------------------------


async def test_answering_twice_replaces_instead_of_counting_twice(store: PostgresStore) -> None:
    assert (await store.save_response(CODE, "rol", 1, "alice", "vakbond")).replaced is False
    assert (await store.save_response(CODE, "rol", 1, "bob", "vdab")).replaced is False
    assert (await store.save_response(CODE, "rol", 1, "alice", "vdab")).replaced is True
    assert await store.answers(CODE, "rol", 1) == ["vdab", "vdab"]  # bob first, alice moved
    rows = await store.responses(CODE)
    assert [(r.participant, r.answer) for r in rows] == [("bob", "vdab"), ("alice", "vdab")]
    assert rows[0].submitted_at <= rows[1].submitted_at


async def test_response_seq_increases_with_every_save(store: PostgresStore, pg_url: str) -> None:
    other = await opened(pg_url)
    try:
        seqs = []
        for i, (worker, participant) in enumerate(
            [(store, "alice"), (other, "bob"), (store, "alice"), (other, "alice"), (store, "c")]
        ):
            saved = await worker.save_response(CODE, "q", 1, participant, i)
            seqs.append(saved.seq)
        assert seqs == sorted(set(seqs))  # strictly increasing, whichever worker saved
        stored = await sql(pg_url, "SELECT participant, seq FROM responses ORDER BY seq")
        assert [tuple(r) for r in stored] == [("bob", seqs[1]), ("alice", seqs[3]), ("c", seqs[4])]
    finally:
        await other.close()


async def test_rounds_do_not_mix(store: PostgresStore) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.save_response(CODE, "rol", 2, "alice", "vdab")
    await store.save_response(CODE, "rol", 2, "bob", "vdab")
    assert await store.answers(CODE, "rol", 1) == ["vakbond"]
    assert await store.answers(CODE, "rol", 2) == ["vdab", "vdab"]
    assert len(await store.responses(CODE)) == 3


async def test_participant_answers_only_for_the_given_rounds(store: PostgresStore) -> None:
    await store.save_response(CODE, "rol", 1, "alice", "vakbond")
    await store.save_response(CODE, "rol", 2, "alice", "vdab")
    await store.save_response(CODE, "wolk", 1, "alice", ["vertrouwen"])
    await store.save_response(CODE, "open", 1, "bob", "niet van alice")
    mine = await store.participant_answers(CODE, "alice", {"rol": 2, "wolk": 1, "open": 1})
    assert mine == {"rol": "vdab", "wolk": ["vertrouwen"]}
    assert await store.participant_answers(CODE, "alice", {"rol": 3}) == {}
    assert await store.participant_answers(CODE, "alice", {}) == {}


async def test_pseudonyms_are_stable_for_a_new_store_and_hide_participant_id(
    store: PostgresStore, pg_url: str
) -> None:
    assert await store.add_participant(CODE, "token-alice") == "P0001"
    assert await store.add_participant(CODE, "token-alice") == "P0001"  # idempotent
    await store.save_response(CODE, "q", 1, "token-bob", "x")  # joins implicitly
    assert await store.participant_count(CODE) == 2
    await store.close()
    again = await opened(pg_url)
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


async def test_pseudonyms_are_unique_and_gap_free_under_ten_workers(
    store: PostgresStore, pg_url: str
) -> None:
    workers = [store, *[await opened(pg_url) for _ in range(9)]]
    try:
        rng = random.Random(3)
        people = [f"token-{i}" for i in range(120)]
        calls = [(w, p) for w in range(10) for p in rng.sample(people, 60)]  # overlapping
        rng.shuffle(calls)

        async def join(worker: int, participant: str) -> tuple[str, str]:
            if rng.random() < 0.5:
                return participant, await workers[worker].add_participant(CODE, participant)
            await workers[worker].save_response(CODE, "q", 1, participant, worker)
            return participant, await workers[worker].add_participant(CODE, participant)

        results = await asyncio.gather(*(join(w, p) for w, p in calls))
        by_participant: dict[str, set[str]] = {}
        for participant, name in results:
            by_participant.setdefault(participant, set()).add(name)
        assert all(len(names) == 1 for names in by_participant.values())  # stable everywhere
        names = sorted(name for (name,) in by_participant.values())
        assert names == [f"P{i:04d}" for i in range(1, len(by_participant) + 1)]  # no duplicate
        assert await store.participant_count(CODE) == len(by_participant)
    finally:
        for worker in workers[1:]:
            await worker.close()


async def test_answers_are_in_submission_order(store: PostgresStore) -> None:
    for participant, answer in [("a", 1), ("b", 2), ("c", 3), ("a", 4), ("b", 5), ("d", 6)]:
        await store.save_response(CODE, "q", 1, participant, answer)
    assert await store.answers(CODE, "q", 1) == [3, 4, 5, 6]
    assert [r.answer for r in await store.responses(CODE)] == [3, 4, 5, 6]


async def test_timestamps_are_utc_with_milliseconds(store: PostgresStore) -> None:
    await store.save_response(CODE, "q", 1, "alice", "x")
    (row,) = await store.responses(CODE)
    assert ISO_UTC_MS.match(row.submitted_at), row.submitted_at


async def test_delete_cascades_to_participants_and_responses(
    store: PostgresStore, pg_url: str
) -> None:
    await store.create_session("222222", "andere", "Blijft", "", {})
    for code in (CODE, "222222"):
        await store.save_response(code, "q", 1, "alice", code)
    assert await store.delete_session(CODE) is True
    assert await store.delete_session(CODE) is False
    assert await store.get_session(CODE) is None
    assert await store.answers(CODE, "q", 1) == []
    for table in ("participants", "responses"):
        rows = await sql(pg_url, f"SELECT session FROM {table}")
        assert [r[0] for r in rows] == ["222222"], table
    assert await store.answers("222222", "q", 1) == ["222222"]


# -- group commit and many workers ------------------------------------------------------------


async def test_thousand_concurrent_saves_share_a_few_commits(
    store: PostgresStore, pg_url: str
) -> None:
    before = store.commits
    results = await asyncio.gather(
        *(store.save_response(CODE, "q", 1, f"p{i}", {"v": i}) for i in range(1000))
    )
    assert [r.replaced for r in results] == [False] * 1000
    assert [r.seq for r in results] == sorted(r.seq for r in results)  # arrival order
    assert store.commits - before <= 20
    again = await opened(pg_url)
    try:
        assert await again.answers(CODE, "q", 1) == [{"v": i} for i in range(1000)]
    finally:
        await again.close()


async def test_duplicates_in_one_batch_behave_as_if_saved_one_by_one(
    store: PostgresStore,
) -> None:
    rng = random.Random(7)
    calls = [(f"p{rng.randrange(50)}", rng.randrange(1000)) for _ in range(400)]
    results = await asyncio.gather(*(store.save_response(CODE, "q", 1, p, a) for p, a in calls))
    assert store.commits < len(calls)  # batched, so keys really repeat within a batch
    last: dict[str, tuple[int, int]] = {}
    firsts: dict[str, int] = {}
    for (participant, answer), saved in zip(calls, results, strict=True):
        firsts[participant] = firsts.get(participant, 0) + (not saved.replaced)
        assert participant not in last or last[participant][0] < saved.seq
        last[participant] = (saved.seq, answer)
    assert set(firsts.values()) == {1}  # exactly one call per participant was not a replace
    rows = await store.responses(CODE)
    assert sorted((r.participant, r.answer) for r in rows) == sorted(
        (p, a) for p, (_, a) in last.items()
    )
    assert await store.participant_count(CODE) == len(last)


async def test_concurrent_upserts_from_four_workers_never_deadlock_and_keep_the_newest(
    store: PostgresStore, pg_url: str
) -> None:
    workers = [store, *[await opened(pg_url) for _ in range(3)]]
    try:
        rng = random.Random(11)
        keys = [(q, f"p{p}") for q in ("q1", "q2") for p in range(150)]
        plan = [(w, rng.choice(keys), i) for w in range(4) for i in range(500)]
        rng.shuffle(plan)

        async def save(worker: int, key: tuple[str, str], answer: int) -> tuple[Any, ...]:
            question, participant = key
            saved = await workers[worker].save_response(CODE, question, 1, participant, answer)
            return key, answer, saved

        acked = await asyncio.gather(*(save(w, k, a) for w, k, a in plan))
        newest: dict[tuple[str, str], tuple[int, int]] = {}
        not_replaced: dict[tuple[str, str], int] = {}
        for key, answer, saved in acked:
            if key not in newest or newest[key][0] < saved.seq:
                newest[key] = (saved.seq, answer)
            not_replaced[key] = not_replaced.get(key, 0) + (not saved.replaced)
        assert len({saved.seq for _, _, saved in acked}) == len(acked)  # one seq per save
        assert set(not_replaced.values()) == {1}
        rows = await sql(
            pg_url, "SELECT question, participant, answer::text::int, seq FROM responses"
        )
        assert len(rows) == len(newest)  # exactly one row per key
        assert {(q, p): (seq, a) for q, p, a, seq in rows} == newest  # the newest ack won
    finally:
        for worker in workers[1:]:
            await worker.close()


async def test_deadlock_with_another_writer_is_retried_instead_of_failing_the_batch(
    store: PostgresStore, pg_url: str, pg_cluster: PgCluster
) -> None:
    deadlocks_before = pg_cluster.log.read_text().count("deadlock detected")
    await store.save_response(CODE, "q", 1, "a", 0)
    await store.save_response(CODE, "q", 1, "b", 0)
    blocker = await asyncpg.connect(pg_url)
    try:
        await blocker.execute("BEGIN")
        await blocker.execute("UPDATE responses SET answer = '9' WHERE participant = 'b'")
        saves = asyncio.gather(
            store.save_response(CODE, "q", 1, "a", 1), store.save_response(CODE, "q", 1, "b", 1)
        )
        while not await blocker.fetchval(  # until the batch has locked a and waits for b
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = 'rondvraag' AND wait_event_type = 'Lock'"
        ):
            await asyncio.sleep(0.01)
        # A lock cycle: the batch waited longer, so PostgreSQL aborts it, and it is retried.
        await blocker.execute("UPDATE responses SET answer = '9' WHERE participant = 'a'")
        await blocker.execute("COMMIT")
        assert [s.replaced for s in await saves] == [True, True]
    finally:
        await blocker.close()
    assert await store.answers(CODE, "q", 1) == [1, 1]
    assert pg_cluster.log.read_text().count("deadlock detected") == deadlocks_before + 1


# -- the server going away -----------------------------------------------------------------------


async def test_server_crash_mid_burst_loses_no_acknowledged_answer_and_the_store_recovers(
    store: PostgresStore, pg_cluster: PgCluster, pg_url: str
) -> None:
    acked: dict[str, Any] = {}
    failures: list[BaseException] = []
    crashed = asyncio.Event()

    async def voter(n: int) -> None:
        i = 0
        while not crashed.is_set() or i < 5:
            participant = f"v{n}-{i}"
            try:
                await store.save_response(CODE, "q", 1, participant, i)
                acked[participant] = i
            except StoreUnavailable as exc:
                failures.append(exc)
                await asyncio.sleep(0.01)
            i += 1

    voters = [asyncio.create_task(voter(n)) for n in range(50)]
    while len(acked) < 500:
        await asyncio.sleep(0.01)
    await asyncio.to_thread(pg_cluster.stop, "immediate")
    crashed.set()
    await asyncio.gather(*voters)  # every call ended: saved, or StoreUnavailable, nothing else
    assert failures
    with pytest.raises(StoreUnavailable):
        await store.save_response(CODE, "q", 1, "while-down", 1)
    with pytest.raises(StoreUnavailable):
        await store.answers(CODE, "q", 1)

    await asyncio.to_thread(pg_cluster.start)
    saved = await store.save_response(CODE, "q", 1, "after", "terug")  # the same store
    assert saved.replaced is False
    rows = await sql(pg_url, "SELECT participant, answer::text FROM responses")
    stored = {participant: json.loads(answer) for participant, answer in rows}
    missing = {p for p in acked if stored.get(p) != acked[p]}
    assert not missing, f"{len(missing)} acknowledged answers lost"
    assert stored["after"] == "terug"


async def test_store_that_cannot_reach_the_server_is_unavailable(pg_cluster: PgCluster) -> None:
    closed_port = pg_cluster.url("t").replace(str(pg_cluster.port), "1")
    with pytest.raises(StoreUnavailable):
        await opened(closed_port)


# -- schema -------------------------------------------------------------------------------------


async def test_schema_is_versioned_and_stores_no_ip_address_or_user_agent(
    store: PostgresStore, pg_url: str
) -> None:
    assert await sql(pg_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    rows = await sql(
        pg_url,
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'",
    )
    tables = {table for table, _ in rows}
    assert tables == {"sessions", "participants", "responses", "secrets", "schema_version"}
    columns = {column for _, column in rows}
    assert not {c for c in columns if "ip" in c.split("_") or "agent" in c or "addr" in c}


async def test_database_with_a_newer_schema_is_refused(pg_url: str) -> None:
    await sql(pg_url, "CREATE TABLE schema_version (version integer NOT NULL)")
    await sql(pg_url, "INSERT INTO schema_version VALUES (99)")
    store = PostgresStore(pg_url)
    with pytest.raises(RuntimeError, match="schema version 99"):
        await store.open()
    with pytest.raises(StoreUnavailable):
        await store.answers(CODE, "q", 1)


# -- the hot read ---------------------------------------------------------------------------------


async def test_answers_of_three_thousand_participants_are_read_quickly(
    store: PostgresStore,
) -> None:
    await asyncio.gather(
        *(
            store.save_response(CODE, "rol", 1, f"p{i}", ["vdab", "vakbond"][i % 2])
            for i in range(3000)
        )
    )
    await store.save_response(CODE, "rol", 2, "p0", "other round")
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        answers = await store.answers(CODE, "rol", 1)
        timings.append((time.perf_counter() - start) * 1000)
    assert len(answers) == 3000
    median = statistics.median(timings)
    print(f"answers() with 3,000 answers: median {median:.2f} ms, max {max(timings):.2f} ms")
    assert median < 50  # ~10 calls a second per live question per worker


# -- nicknames --------------------------------------------------------------------------------


async def test_nicknames_are_unique_per_session_with_a_number(store: PostgresStore) -> None:
    for who in ("p1", "p2", "p3"):
        await store.add_participant(CODE, who)
    assert await store.set_name(CODE, "p1", "Anna") == "Anna"
    assert await store.set_name(CODE, "p2", "ANNA") == "ANNA 2"  # case does not count
    assert await store.set_name(CODE, "p1", "anna") == "anna"  # one's own name, re-cased
    assert await store.set_name(CODE, "p4", "Bo") == "Bo"  # registered on the way
    assert await store.names(CODE) == {"p1": "anna", "p2": "ANNA 2", "p3": "P0003", "p4": "Bo"}
    with pytest.raises(SessionGone):
        await store.set_name("999999", "p1", "Anna")


async def test_the_same_nickname_from_many_workers_at_once_is_made_unique(pg_url: str) -> None:
    workers = [await opened(pg_url) for _ in range(4)]
    try:
        await workers[0].create_session(CODE, "quiz", "Q", "title: Q\n", {})
        given = await asyncio.gather(
            *(workers[i % 4].set_name(CODE, f"p{i}", "Anna") for i in range(12))
        )
        assert sorted(given) == sorted(["Anna", *(f"Anna {n}" for n in range(2, 13))])
    finally:
        for worker in workers:
            await worker.close()


async def test_a_database_from_before_nicknames_is_migrated_with_its_answers(pg_url: str) -> None:
    from app.backends.postgres import MIGRATIONS

    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(MIGRATIONS[0])  # the schema as it was before nicknames
    finally:
        await conn.close()
    await sql(pg_url, "CREATE TABLE schema_version (version integer NOT NULL)")
    await sql(pg_url, "INSERT INTO schema_version VALUES (1)")
    await sql(pg_url, "INSERT INTO sessions (code, deck, title, deck_source, state, participants)"
                      " VALUES ('111111', 'talk', 'T', '', '{}', 1)")  # fmt: skip
    await sql(pg_url, "INSERT INTO participants VALUES ('111111', 'p1', 1)")
    await sql(pg_url, "INSERT INTO responses (session, question, round, participant, answer)"
                      " VALUES ('111111', 'rol', 1, 'p1', '[\"a\"]')")  # fmt: skip
    store = await opened(pg_url)
    try:
        assert await store.answers("111111", "rol", 1) == [["a"]]
        assert await store.names("111111") == {"p1": "P0001"}
        assert await store.set_name("111111", "p1", "Anna") == "Anna"
        assert await sql(pg_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    finally:
        await store.close()
