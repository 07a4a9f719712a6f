"""The bus, live tally and limits ports: one contract, checked against every backend.

Each test runs on the in-process backend and on Redis (a real redis-server), so laptop mode and
a cluster behave the same where the contract says so.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.backends import Shared, open_shared

BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture(params=BACKENDS)
async def shared(request: pytest.FixtureRequest) -> AsyncIterator[Shared]:
    if request.param == "redis":
        pytest.importorskip("app.backends.redis")
    url = "" if request.param == "memory" else request.getfixturevalue("redis_url")
    backends = open_shared(url)
    await backends.open()
    try:
        yield backends
    finally:
        await backends.close()


async def next_message(messages, timeout: float = 5.0):
    async with asyncio.timeout(timeout):
        return await anext(messages)


# --- the bus ------------------------------------------------------------------------------------


async def test_a_published_message_reaches_every_subscriber_of_the_channel(shared) -> None:
    bus = shared.bus
    async with (
        bus.subscribe("s1") as first,
        bus.subscribe("s1") as second,
        bus.subscribe("s2") as other,
    ):
        await asyncio.sleep(0.05)  # a real subscription takes a moment to be in place
        await bus.publish("s1", {"kind": "state", "version": 3})
        assert await next_message(first) == {"kind": "state", "version": 3}
        assert await next_message(second) == {"kind": "state", "version": 3}
        with pytest.raises(TimeoutError):
            await next_message(other, timeout=0.3)


async def test_messages_of_one_publisher_arrive_in_order(shared) -> None:
    async with shared.bus.subscribe("s1") as messages:
        await asyncio.sleep(0.05)
        for n in range(50):
            await shared.bus.publish("s1", {"n": n})
        assert [(await next_message(messages))["n"] for _ in range(50)] == list(range(50))


async def test_leaving_a_subscription_unsubscribes_even_when_the_body_raises(shared) -> None:
    with pytest.raises(RuntimeError):
        async with shared.bus.subscribe("s1"):
            raise RuntimeError("the body failed")
    async with shared.bus.subscribe("s1") as messages:
        await asyncio.sleep(0.05)
        await shared.bus.publish("s1", {"kind": "after"})
        assert await next_message(messages) == {"kind": "after"}


async def test_presence_sums_live_workers_and_forgets_silent_ones(shared) -> None:
    bus = shared.bus
    await bus.report("s1", "worker-a", 120, ttl_s=10)
    await bus.report("s1", "worker-b", 80, ttl_s=1)
    await bus.report("s2", "worker-a", 7, ttl_s=10)
    assert await bus.presence("s1") == 200
    await bus.report("s1", "worker-a", 100, ttl_s=10)  # a report replaces the worker's last
    assert await bus.presence("s1") == 180
    await asyncio.sleep(1.3)
    assert await bus.presence("s1") == 100  # worker-b stopped reporting: its phones are gone
    assert await bus.presence("nobody") == 0


# --- the live tally -----------------------------------------------------------------------------


async def test_a_newer_answer_replaces_an_older_one_and_never_the_reverse(shared) -> None:
    tally = shared.tally
    await tally.apply("s:q:1", "alice", 5, ["vdab"])
    await tally.apply("s:q:1", "bob", 6, ["vdab", "vakbond"])
    await tally.apply("s:q:1", "alice", 9, ["wsg"])
    await tally.apply("s:q:1", "alice", 7, ["vakbond"])  # late: older than what is counted
    await tally.apply("s:q:1", "bob", 6, ["vdab", "vakbond"])  # the same again: no change
    snap = await tally.read("s:q:1", newest=5)
    assert snap.counts == {"vdab": 1, "vakbond": 1, "wsg": 1}
    assert snap.respondents == 2
    assert snap.seq_sum == 9 + 6
    assert snap.newest == [["wsg"], ["vdab", "vakbond"]]


async def test_newest_is_bounded_and_an_unknown_tally_is_empty(shared) -> None:
    for n in range(10):
        await shared.tally.apply("s:q:1", f"p{n}", n + 1, [f"entry {n}"])
    snap = await shared.tally.read("s:q:1", newest=3)
    assert snap.newest == [["entry 9"], ["entry 8"], ["entry 7"]]
    assert (await shared.tally.read("s:q:1")).newest == []
    empty = await shared.tally.read("s:other:1", newest=3)
    assert (empty.counts, empty.respondents, empty.seq_sum, empty.newest) == ({}, 0, 0, [])


async def test_an_item_twice_in_one_answer_counts_twice_and_empty_answers_count_people(
    shared,
) -> None:
    await shared.tally.apply("s:open:1", "alice", 1, ["same", "same", "other"])
    await shared.tally.apply("s:open:1", "bob", 2, [])
    snap = await shared.tally.read("s:open:1")
    assert snap.counts == {"same": 2, "other": 1}
    assert snap.respondents == 2


async def test_drop_forgets_one_sessions_tallies(shared) -> None:
    await shared.tally.apply("111111:q:1", "alice", 1, ["a"])
    await shared.tally.apply("111111:q:2", "alice", 2, ["b"])
    await shared.tally.apply("222222:q:1", "alice", 3, ["c"])
    await shared.tally.drop("111111:")
    assert (await shared.tally.read("111111:q:1")).respondents == 0
    assert (await shared.tally.read("111111:q:2")).respondents == 0
    assert (await shared.tally.read("222222:q:1")).counts == {"c": 1}


async def test_concurrent_applies_in_any_order_give_the_tally_of_the_newest_answers(
    shared,
) -> None:
    rng = random.Random(12)
    updates = [
        (f"p{rng.randrange(40)}", seq, [rng.choice("abcde") for _ in range(rng.randrange(1, 4))])
        for seq in range(1, 400)
    ]
    newest: dict[str, tuple[int, list[str]]] = {}
    for participant, seq, items in updates:
        newest[participant] = (seq, items)
    shuffled = updates[:] + rng.sample(updates, 100)  # some arrive twice
    rng.shuffle(shuffled)
    await asyncio.gather(*(shared.tally.apply("s:q:1", *u) for u in shuffled))
    snap = await shared.tally.read("s:q:1")
    expected = Counter(item for _, items in newest.values() for item in items)
    assert snap.counts == dict(expected)
    assert snap.respondents == len(newest)
    assert snap.seq_sum == sum(seq for seq, _ in newest.values())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ann", "bob", "cas", "dirk"]),
            st.lists(st.sampled_from(["x", "y", "z"]), max_size=3),
        ),
        max_size=25,
    ),
    st.randoms(),
)
async def test_memory_tally_equals_a_recount_of_the_newest_answers(answers, rng) -> None:
    """The rule itself, on the in-process backend: any order, any repeats, same tally."""
    tally = open_shared("").tally
    updates = [(participant, seq, items) for seq, (participant, items) in enumerate(answers, 1)]
    shuffled = updates + [rng.choice(updates) for _ in range(len(updates) // 2)] if updates else []
    rng.shuffle(shuffled)
    for update in shuffled:
        await tally.apply("k", *update)
    current = {participant: items for participant, _, items in updates}
    snap = await tally.read("k", newest=10)
    assert snap.counts == dict(Counter(i for items in current.values() for i in items))
    assert snap.respondents == len(current)


# --- limits ---------------------------------------------------------------------------------------


async def test_a_bucket_allows_its_burst_then_says_how_long_to_wait(shared) -> None:
    limits = shared.limits
    results = [await limits.take("joins", "10.0.0.1", 0.5, 5) for _ in range(7)]
    assert results[:5] == [0] * 5
    assert results[5] >= 1 and results[6] >= 1
    assert await limits.peek("joins", "10.0.0.1", 0.5, 5) >= 1
    assert await limits.take("joins", "10.0.0.2", 0.5, 5) == 0  # another address: its own
    assert await limits.take("votes", "10.0.0.1", 0.5, 5) == 0  # another bucket: its own
    assert await limits.take("joins", "10.0.0.1", 0, 0) == 0  # rate 0: no limit


async def test_a_bucket_refills_at_its_rate(shared) -> None:
    limits = shared.limits
    assert [await limits.take("b", "k", 5.0, 2) for _ in range(3)][-1] >= 1
    await asyncio.sleep(0.45)
    assert await limits.take("b", "k", 5.0, 2) == 0


async def test_recent_counts_the_events_of_the_last_minute(shared) -> None:
    for _ in range(12):
        await shared.limits.count("joins", "482913")
    await shared.limits.count("joins", "111111")
    assert await shared.limits.recent("joins", "482913") == 12
    assert await shared.limits.recent("joins", "111111") == 1
    assert await shared.limits.recent("joins", "999999") == 0


async def test_a_replay_of_many_answers_is_the_same_as_applying_each(shared) -> None:
    answers = [(f"p{n % 7}", n, [f"w{n % 3}"]) for n in range(1, 50)]
    await shared.tally.apply_many("s:q:1", answers)
    await shared.tally.apply_many("s:q:1", answers[::-1])  # again, backwards: no change
    for answer in answers:
        await shared.tally.apply("s:q:2", *answer)
    replayed = await shared.tally.read("s:q:1", newest=3)
    applied = await shared.tally.read("s:q:2", newest=3)
    assert replayed == applied
    assert replayed.respondents == 7


async def test_top_counts_are_the_most_frequent_with_ties_by_item(shared) -> None:
    words = {"zon": 3, "appel": 2, "peer": 2, "kers": 2, "ui": 1, "éénhoorn": 2}
    n = 0
    for word, times in words.items():
        for _ in range(times):
            n += 1
            await shared.tally.apply("s:w:1", f"p{n}", n, [word])
    top = await shared.tally.read("s:w:1", top=3)
    assert top.counts == {"zon": 3, "appel": 2, "kers": 2}  # a tie broken by the item
    assert (top.distinct, top.items, top.respondents) == (6, 12, 12)
    assert (await shared.tally.read("s:w:1", top=0)).counts == {}
    everything = await shared.tally.read("s:w:1")
    assert everything.counts == words
    assert (await shared.tally.read("s:w:1", top=50)).counts == words
    await shared.tally.apply("s:w:1", "p1", 100, ["ui", "ui"])  # zon 3 -> 2, ui 1 -> 3
    again = await shared.tally.read("s:w:1", top=2)
    assert again.counts == {"ui": 3, "appel": 2}
    assert (again.distinct, again.items) == (6, 13)


async def test_newest_means_highest_seq_whatever_the_order_of_arrival(shared) -> None:
    await shared.tally.apply("s:o:1", "late", 9, ["nine"])
    await shared.tally.apply_many("s:o:1", [("a", 3, ["three"]), ("b", 5, ["five"])])
    await shared.tally.apply("s:o:1", "c", 7, ["seven"])
    snap = await shared.tally.read("s:o:1", newest=3)
    assert snap.newest == [["nine"], ["seven"], ["five"]]
