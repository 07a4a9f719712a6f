"""The Redis backends where Redis itself is the point: outages, restarts and two workers.

Everything runs against a real redis-server. Tests that crash Redis start their own on a free
port in a temporary folder, kill it with SIGKILL and start it again on the same port, the way
a restarted container comes back at the same address.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis
from conftest import free_port

from app.backends import redis_bus
from app.backends.redis import RedisShared, open_redis
from app.ports.bus import RESYNC, BusUnavailable
from app.ports.tally import TallyUnavailable

pytestmark = pytest.mark.redis


class OwnRedis:
    """A redis-server of this test alone (no persistence), to crash and start again."""

    def __init__(self, workdir: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not on PATH (apt-get install redis-server)")
        self.executable = executable
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log_path = self.workdir / f"redis-{self.starts}.log"
        command = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        with log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 5.0
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited: {log_path.read_text(errors='replace')}")
            try:
                with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1) as client:
                    if client.ping():
                        return
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer within 5 s on port {self.port}")
            time.sleep(0.02)

    def kill9(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def worker(own_redis: OwnRedis) -> AsyncIterator[RedisShared]:
    shared = open_redis(own_redis.url)
    await shared.open()
    try:
        yield shared
    finally:
        await shared.close()


async def next_message(messages, timeout: float = 5.0):
    async with asyncio.timeout(timeout):
        return await anext(messages)


async def eventually(check: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s")
        await asyncio.sleep(0.01)


# --- outages --------------------------------------------------------------------------------


async def test_a_subscription_survives_a_redis_restart_and_says_resync(
    own_redis: OwnRedis, worker: RedisShared
) -> None:
    bus = worker.bus
    async with bus.subscribe("s1") as messages:
        assert bus.healthy
        await bus.publish("s1", {"n": 1})
        assert await next_message(messages) == {"n": 1}

        own_redis.kill9()
        await eventually(lambda: not bus.healthy)
        with pytest.raises(BusUnavailable):
            await bus.publish("s1", {"n": 2})

        own_redis.start()
        assert await next_message(messages, timeout=2.0) == RESYNC
        assert bus.healthy
        await bus.publish("s1", {"n": 3})
        assert await next_message(messages) == {"n": 3}


async def test_a_subscription_opened_while_redis_is_down_starts_with_resync(
    own_redis: OwnRedis, worker: RedisShared
) -> None:
    bus = worker.bus
    own_redis.kill9()
    await eventually(lambda: not bus.healthy)  # the reader noticed, with nothing subscribed
    async with bus.subscribe("s1") as messages:
        assert not bus.healthy
        own_redis.start()
        assert await next_message(messages, timeout=2.0) == RESYNC
        assert bus.healthy
        await bus.publish("s1", {"kind": "after"})
        assert await next_message(messages) == {"kind": "after"}


async def test_a_killed_pubsub_connection_is_noticed_even_when_redis_stays_up(
    own_redis: OwnRedis, worker: RedisShared
) -> None:
    """redis-py would reconnect and resubscribe quietly here, losing what came in between."""
    bus = worker.bus
    async with bus.subscribe("s1") as messages:
        with redis.Redis.from_url(own_redis.url) as admin:
            assert admin.client_kill_filter(_type="pubsub") == 1
        assert await next_message(messages, timeout=2.0) == RESYNC
        assert bus.healthy
        await bus.publish("s1", {"n": 1})
        assert await next_message(messages) == {"n": 1}


async def test_the_tally_is_unavailable_while_redis_is_down_and_empty_after(
    own_redis: OwnRedis, worker: RedisShared
) -> None:
    tally = worker.tally
    await tally.apply("s:q:1", "alice", 1, ["a"])
    own_redis.kill9()
    with pytest.raises(TallyUnavailable):
        await tally.apply("s:q:1", "bob", 2, ["b"])
    with pytest.raises(TallyUnavailable):
        await tally.read("s:q:1")
    with pytest.raises(TallyUnavailable):
        await tally.drop("s:")

    own_redis.start()
    assert (await tally.read("s:q:1")).respondents == 0  # Redis forgot: the caller replays
    await tally.apply("s:q:1", "bob", 2, ["b"])
    snap = await tally.read("s:q:1", newest=5)
    assert (snap.counts, snap.respondents, snap.seq_sum, snap.newest) == ({"b": 1}, 1, 2, [["b"]])


async def test_limits_allow_and_warn_once_while_redis_is_down(
    own_redis: OwnRedis, worker: RedisShared, caplog: pytest.LogCaptureFixture
) -> None:
    limits = worker.limits
    assert [await limits.take("joins", "10.0.0.1", 0.5, 2) for _ in range(3)][-1] >= 1
    own_redis.kill9()
    with caplog.at_level(logging.WARNING, logger="app.backends.redis_limits"):
        started = time.monotonic()
        assert [await limits.take("joins", "10.0.0.1", 0.5, 2) for _ in range(20)] == [0] * 20
        assert await limits.peek("joins", "10.0.0.1", 0.5, 2) == 0
        await limits.count("joins", "482913")
        assert await limits.recent("joins", "482913") == 0
        elapsed = time.monotonic() - started
    warnings = [r for r in caplog.records if r.name == "app.backends.redis_limits"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Redis is unreachable" in warnings[0].getMessage()
    assert elapsed < 1.0  # refused connections fail fast: a vote never waits on a dead Redis

    own_redis.start()
    assert await limits.take("joins", "10.0.0.9", 0.5, 1) == 0
    assert await limits.take("joins", "10.0.0.9", 0.5, 1) >= 1  # limiting again


async def test_limits_do_not_keep_a_vote_waiting_on_a_frozen_redis(
    own_redis: OwnRedis, worker: RedisShared, caplog: pytest.LogCaptureFixture
) -> None:
    assert own_redis.process is not None
    os.kill(own_redis.process.pid, signal.SIGSTOP)  # up, connected, and answering nothing
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="app.backends.redis_limits"):
            assert await worker.limits.take("votes", "p1", 1, 1) == 0
        assert time.monotonic() - started < 1.0
        assert "no answer within" in caplog.text
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    assert await worker.limits.take("votes", "p2", 1, 1) == 0
    assert await worker.limits.take("votes", "p2", 1, 1) >= 1


async def test_open_fails_clearly_when_redis_is_unreachable() -> None:
    shared = open_redis(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(BusUnavailable, match="cannot reach Redis"):
        await shared.open()


# --- two workers --------------------------------------------------------------------------


@pytest.fixture
async def two_workers(redis_url: str) -> AsyncIterator[tuple[RedisShared, RedisShared]]:
    first, second = open_redis(redis_url), open_redis(redis_url)
    await first.open()
    await second.open()
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def test_two_workers_share_messages_presence_tallies_and_buckets(two_workers) -> None:
    a, b = two_workers
    async with a.bus.subscribe("s1") as on_a, b.bus.subscribe("s1") as on_b:
        await b.bus.publish("s1", {"from": "b"})
        assert await next_message(on_a) == {"from": "b"}
        assert await next_message(on_b) == {"from": "b"}

    await a.bus.report("s1", "worker-a", 120, ttl_s=10)
    await b.bus.report("s1", "worker-b", 80, ttl_s=10)
    assert await a.bus.presence("s1") == await b.bus.presence("s1") == 200

    await a.tally.apply("s:q:1", "alice", 1, ["x"])
    await b.tally.apply("s:q:1", "alice", 2, ["y"])
    await a.tally.apply("s:q:1", "bob", 3, ["y"])
    snap = await b.tally.read("s:q:1", newest=2)
    assert (snap.counts, snap.respondents, snap.seq_sum) == ({"y": 2}, 2, 5)
    await b.tally.drop("s:")
    assert (await a.tally.read("s:q:1")).respondents == 0

    assert await a.limits.take("votes", "p1", 1, 2) == 0
    assert await b.limits.take("votes", "p1", 1, 2) == 0
    assert await a.limits.take("votes", "p1", 1, 2) >= 1  # a client cannot add workers' burst
    assert await b.limits.peek("votes", "p1", 1, 2) >= 1
    await a.limits.count("joins", "s")
    await b.limits.count("joins", "s")
    assert await a.limits.recent("joins", "s") == await b.limits.recent("joins", "s") == 2


async def test_a_dead_workers_phones_stop_counting(two_workers) -> None:
    a, b = two_workers
    await a.bus.report("s1", "worker-a", 120, ttl_s=10)
    await b.bus.report("s1", "worker-b", 80, ttl_s=0.3)
    await a.close()  # worker a stops (its report is still good for 10 s)
    await asyncio.sleep(0.4)  # worker b died without a word
    assert await b.bus.presence("s1") == 120


# --- what Redis holds ---------------------------------------------------------------------


async def test_one_redis_subscription_per_channel_and_none_after_leaving(redis_url: str) -> None:
    shared = open_redis(redis_url)
    await shared.open()
    try:
        with redis.Redis.from_url(redis_url) as admin:

            def subscribers() -> int:
                return dict(admin.pubsub_numsub("rondvraag:bus:s1"))[b"rondvraag:bus:s1"]

            async with shared.bus.subscribe("s1"), shared.bus.subscribe("s1"):
                assert subscribers() == 1
            await eventually(lambda: subscribers() == 0)
            with pytest.raises(RuntimeError):
                async with shared.bus.subscribe("s1"):
                    assert subscribers() == 1
                    raise RuntimeError("the body failed")
            await eventually(lambda: subscribers() == 0)
    finally:
        await shared.close()


async def test_a_subscriber_far_behind_gets_resync_instead_of_a_growing_queue(
    redis_url: str,
) -> None:
    shared = open_redis(redis_url)
    await shared.open()
    try:
        async with shared.bus.subscribe("s1") as messages:
            for n in range(1100):
                await shared.bus.publish("s1", {"n": n})
            await shared.bus.publish("s1", {"n": "last"})
            received = []
            while not received or received[-1] != {"n": "last"}:
                received.append(await next_message(messages))
        assert received[0] == RESYNC
        assert len(received) <= 1000
        assert received[1:] == [{"n": n} for n in range(1000, 1100)] + [{"n": "last"}]
    finally:
        await shared.close()


async def test_idle_buckets_event_counts_and_tallies_expire_by_themselves(redis_url: str) -> None:
    shared = open_redis(redis_url)
    await shared.open()
    try:
        await shared.limits.take("joins", "10.0.0.1", 2.0, 10)
        await shared.limits.count("joins", "482913")
        await shared.tally.apply("s:q:1", "alice", 1, ["a"])
        await shared.bus.report("s1", "worker-a", 3, ttl_s=5)
        with redis.Redis.from_url(redis_url, decode_responses=True) as admin:
            ttls = {key: admin.pttl(key) for key in admin.scan_iter("rondvraag:*")}
        assert all(ttl > 0 for ttl in ttls.values()), ttls
        bucket = next(ttl for key, ttl in ttls.items() if key.startswith("rondvraag:limit:"))
        assert bucket <= 1000 + 500  # one token spent at 2/s: full again within 0.5 s
    finally:
        await shared.close()


async def test_drop_takes_the_prefix_literally_not_as_a_pattern(redis_url: str) -> None:
    shared = open_redis(redis_url)
    await shared.open()
    try:
        for key in ("a*:q:1", "ab:q:1", "a[b]:q:1", "s:q:1"):
            await shared.tally.apply(key, "alice", 1, ["x"])
        await shared.tally.drop("a*")
        await shared.tally.drop("a[b]")
        await shared.tally.drop("s:q:1:c")  # reaches into a Redis key's suffix, not a tally key
        left = {
            k: (await shared.tally.read(k)).respondents
            for k in ("a*:q:1", "ab:q:1", "a[b]:q:1", "s:q:1")
        }
        assert left == {"a*:q:1": 0, "ab:q:1": 1, "a[b]:q:1": 0, "s:q:1": 1}
    finally:
        await shared.close()


async def test_scripts_forgotten_by_redis_are_loaded_again(
    own_redis: OwnRedis, worker: RedisShared
) -> None:
    await worker.tally.apply("s:q:1", "alice", 1, ["a"])
    assert await worker.limits.take("joins", "10.0.0.1", 1, 5) == 0
    with redis.Redis.from_url(own_redis.url) as admin:
        admin.script_flush()  # what a restarted or failed-over Redis does
    await asyncio.gather(
        *(worker.tally.apply("s:q:1", f"p{n}", n + 2, ["b"]) for n in range(50)),
        *(worker.limits.take("joins", "10.0.0.1", 1, 5) for _ in range(3)),
    )
    assert (await worker.tally.read("s:q:1")).counts == {"a": 1, "b": 50}


async def test_closing_stops_the_bus_reader_promptly_even_in_the_middle_of_a_ping(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Python 3.11 a cancellation can be lost inside redis-py's timed socket writes (its
    `asyncio.wait_for`); a worker's shutdown must not hang on its bus's reader."""
    monkeypatch.setattr(redis_bus, "PING_AFTER_S", 0.0)  # a PING on every read tick
    monkeypatch.setattr(redis_bus, "READ_TICK_S", 0.001)
    rng = random.Random(7)
    for _ in range(150):
        shared = open_redis(redis_url)
        await shared.open()
        await asyncio.sleep(rng.uniform(0, 0.01))
        closing = asyncio.create_task(shared.close())
        done, _ = await asyncio.wait({closing}, timeout=1.0)
        if not done:  # stop the reader for good (cancel until one lands), then fail
            reader = shared.bus._reader
            while reader is not None and not reader.done():
                reader.cancel()
                await asyncio.sleep(0.01)
            await closing
            pytest.fail("closing the bus hung: its reader lost a cancellation")
