"""In-process backends: the bus, live tally and limits of one server on one laptop.

Everything lives in this process's memory, so nothing can be unavailable and nobody else can
publish; the same ports in Redis serve a cluster (app/backends/redis.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.ports.bus import Message
from app.ports.tally import TallySnapshot
from app.ratelimit import RateLimiter

SUBSCRIBER_QUEUE = 1000  # a subscriber this far behind has a bug; it loses the oldest


class MemoryBus:
    """Publish delivers to this process's subscribers of the channel, in order."""

    shared = False
    healthy = True

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Message]]] = defaultdict(set)
        self._presence: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        self._subscribers.clear()

    async def publish(self, channel: str, message: Message) -> None:
        message = json.loads(json.dumps(message))  # as Redis delivers it: a JSON copy
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers[channel].add(queue)

        async def messages() -> AsyncIterator[Message]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    async def report(self, channel: str, worker: str, phones: int, ttl_s: float) -> None:
        self._presence[channel][worker] = (phones, time.monotonic() + ttl_s)

    async def presence(self, channel: str) -> int:
        now = time.monotonic()
        return sum(n for n, until in self._presence.get(channel, {}).values() if until > now)


@dataclass(slots=True)
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)
    answers: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # (seq, items)
    seq_sum: int = 0
    items: int = 0


class MemoryTally:
    """Counts per key, with each participant's counted (seq, items)."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        self._tallies.clear()

    async def apply(self, key: str, participant: str, seq: int, items: list[str]) -> None:
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        old = tally.answers.get(participant)
        if old is not None:
            if old[0] >= seq:
                return  # a newer answer is counted already
            counts = tally.counts
            for item in old[1]:
                left = counts[item] - 1
                if left:
                    counts[item] = left
                else:
                    del counts[item]
            tally.seq_sum -= old[0]
            tally.items -= len(old[1])
        for item in items:
            tally.counts[item] = tally.counts.get(item, 0) + 1
        tally.answers[participant] = (seq, list(items))
        tally.seq_sum += seq
        tally.items += len(items)

    async def apply_many(self, key: str, answers: list[tuple[str, int, list[str]]]) -> None:
        for participant, seq, items in answers:
            await self.apply(key, participant, seq, items)

    async def read(self, key: str, newest: int = 0, top: int | None = None) -> TallySnapshot:
        tally = self._tallies.get(key)
        if tally is None:
            return TallySnapshot()
        counts = tally.counts
        if top is not None and top < len(counts):
            chosen = heapq.nsmallest(top, counts.items(), key=lambda kv: (-kv[1], kv[0]))
            counts = dict(chosen)
        latest = []
        if newest > 0:
            ranked = heapq.nlargest(newest, tally.answers.values(), key=lambda answer: answer[0])
            latest = [list(items) for _, items in ranked]
        return TallySnapshot(
            dict(counts),
            len(tally.answers),
            tally.seq_sum,
            latest,
            distinct=len(tally.counts),
            items=tally.items,
        )

    async def drop(self, prefix: str) -> None:
        for key in [k for k in self._tallies if k.startswith(prefix)]:
            del self._tallies[key]


class MemoryLimits:
    """Token buckets and event counts in this process."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, float, float], RateLimiter] = {}
        self._events: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _bucket(self, bucket: str, rate: float, burst: float) -> RateLimiter:
        limiter = self._buckets.get((bucket, rate, burst))
        if limiter is None:
            limiter = self._buckets[(bucket, rate, burst)] = RateLimiter(rate, burst=burst)
        return limiter

    async def take(self, bucket: str, key: str, rate: float, burst: float) -> int:
        return self._bucket(bucket, rate, burst).take(key)

    async def peek(self, bucket: str, key: str, rate: float, burst: float) -> int:
        return self._bucket(bucket, rate, burst).blocked(key)

    async def count(self, name: str, key: str) -> None:
        self._events[(name, key)].append(time.monotonic())

    async def recent(self, name: str, key: str, seconds: int = 60) -> int:
        events = self._events.get((name, key))
        if not events:
            return 0
        now = time.monotonic()
        while events and events[0] < now - 60:
            events.popleft()
        return sum(1 for t in events if t >= now - seconds)
