"""The bus in Redis: pub/sub among the workers of a session, and who holds which phones.

Why this shape:
- One pub/sub connection per worker, whatever the number of subscriptions: a reader task owns
  it, reads every message and hands each to the local subscriptions of its channel (bounded
  queues). Subscribing sends SUBSCRIBE only for the first local subscriber of a channel, and
  `subscribe()` returns once Redis confirmed it, so a message published after that arrives.
- redis-py's PubSub reconnects by itself inside a read or a command when a connection broke
  and resubscribes quietly, so messages published in between would be lost without anyone
  knowing. Its connections therefore come from a pool that never retries, and the reader
  treats every error as the loss of the connection: it drops the PubSub, reconnects on a new
  one with a jittered backoff (50 ms doubling to 1 s), subscribes again, and gives each
  subscription RESYNC once its channel is confirmed. `healthy` is False in between.
- A connection that goes silent (a cable, a frozen Redis; not a crash, which is seen at once)
  is found by a PING after 2 s without traffic that must be answered within 3 s.
- Presence and publish use the shared command pool. Presence keeps one hash per channel,
  worker -> "phones:until" in Redis server milliseconds, so clocks of several hosts never
  disagree and a dead worker's phones stop counting when its entry runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.ports.bus import RESYNC, BusUnavailable, Message

if TYPE_CHECKING:
    from app.backends.redis import Pipeliner

log = logging.getLogger(__name__)

SUBSCRIBER_QUEUE = 1000  # a subscriber this far behind loses its queue and gets RESYNC
BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 1.0
STABLE_S = 5.0  # a connection that lived this long resets the backoff
READ_TICK_S = 1.0
PING_AFTER_S = 2.0  # silence before the reader asks
PING_TIMEOUT_S = 3.0  # silence after the PING that means the connection is gone
CONFIRM_WAIT_S = 2.0  # how long subscribe() waits for Redis to confirm
CONNECT_WAIT_S = 5.0  # a handshake that takes longer is a failed attempt

# KEYS[1]: the channel's presence hash. ARGV: worker, phones, ttl in ms.
REPORT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local longest = ttl
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local till = tonumber(string.match(flat[i + 1], ':(%d+)$')) or 0
  if till <= now then
    redis.call('HDEL', KEYS[1], flat[i])
  elseif flat[i] ~= ARGV[1] and till - now > longest then
    longest = till - now
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%d', now + ttl))
redis.call('PEXPIRE', KEYS[1], longest)
return 1
"""

# KEYS[1]: the channel's presence hash.
PRESENCE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local flat = redis.call('HGETALL', KEYS[1])
local phones = 0
for i = 2, #flat, 2 do
  local n, till = string.match(flat[i], '^(%d+):(%d+)$')
  if n and tonumber(till) > now then phones = phones + tonumber(n) end
end
return phones
"""


@dataclass(eq=False, slots=True)
class _Subscription:
    channel: str
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE))
    resync_due: bool = False  # give RESYNC once the channel is (again) confirmed

    def put(self, message: Message) -> None:
        if self.queue.full():  # far behind: what it would read is stale anyway
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)
        self.queue.put_nowait(message)


class RedisBus:
    """Publish and presence on the command pool; subscriptions on one pub/sub connection."""

    shared = True

    def __init__(
        self, client: Redis, pipeliner: Pipeliner, pubsub_client: Redis, prefix: str
    ) -> None:
        self._client = client
        self._pipeliner = pipeliner
        self._pubsub_client = pubsub_client  # a pool without retries: see the module docstring
        self._prefix = f"{prefix}bus:"
        self._presence_prefix = f"{prefix}presence:"
        self._report = client.register_script(REPORT)
        self._presence = client.register_script(PRESENCE)
        self._subs: dict[str, set[_Subscription]] = defaultdict(set)
        self._pubsub: PubSub | None = None
        self._live = False  # the reader's connection is up
        self._requested: set[str] = set()  # channels SUBSCRIBE was sent for on this connection
        self._unconfirmed: dict[str, int] = {}  # SUBSCRIBEs sent and not yet answered
        self._confirmed: set[str] = set()
        self._confirm_events: dict[str, asyncio.Event] = {}
        self._lock = asyncio.Lock()  # one command at a time on the pub/sub connection
        self._reader: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def healthy(self) -> bool:
        return self._live and all(channel in self._confirmed for channel in self._subs)

    async def open(self) -> None:
        try:
            await self._client.ping()
            pubsub = await self._connect()
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"cannot reach Redis for the bus: {exc}") from exc
        self._reader = asyncio.create_task(self._run(pubsub), name="redis-bus-reader")

    async def close(self) -> None:
        self._closing = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        self._subs.clear()

    async def publish(self, channel: str, message: Message) -> None:
        data = json.dumps(message, separators=(",", ":"))
        try:
            await self._pipeliner.command("PUBLISH", self._prefix + channel, data)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"Redis did not take the message: {exc}") from exc

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        sub = _Subscription(channel)
        self._subs[channel].add(sub)
        try:
            if channel not in self._confirmed:
                event = self._confirm_events.setdefault(channel, asyncio.Event())
                await self._reconcile()
                confirmed = False
                if self._live:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(CONFIRM_WAIT_S):
                            await event.wait()
                    confirmed = channel in self._confirmed
                # Not in place yet: whatever the caller reads now may miss a message.
                sub.resync_due = not confirmed
            yield self._messages(sub)
        finally:
            subs = self._subs.get(channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[channel]
                    self._confirm_events.pop(channel, None)
                    await self._reconcile()

    @staticmethod
    async def _messages(sub: _Subscription) -> AsyncIterator[Message]:
        while True:
            yield await sub.queue.get()

    async def report(self, channel: str, worker: str, phones: int, ttl_s: float) -> None:
        ttl_ms = max(1, round(ttl_s * 1000))
        try:
            await self._pipeliner.script(
                self._report, [self._presence_prefix + channel], [worker, int(phones), ttl_ms]
            )
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"Redis did not take the presence report: {exc}") from exc

    async def presence(self, channel: str) -> int:
        try:
            return int(
                await self._pipeliner.script(self._presence, [self._presence_prefix + channel], [])
            )
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"Redis did not answer the presence: {exc}") from exc

    # --- the pub/sub connection -------------------------------------------------------------

    async def _connect(self) -> PubSub:
        pubsub = self._pubsub_client.pubsub()
        try:
            # The pub/sub pool has no socket timeout: bound the handshake here.
            async with asyncio.timeout(CONNECT_WAIT_S):
                await pubsub.connect()
        except BaseException:
            await pubsub.aclose()
            raise
        self._pubsub = pubsub
        self._live = True
        await self._reconcile()  # every channel wanted now, also those added while down
        if not self._live:
            self._pubsub = None
            await pubsub.aclose()
            raise RedisConnectionError("lost the pub/sub connection while subscribing")
        return pubsub

    def _usable(self, pubsub: PubSub) -> bool:
        """The reader's current connection, still open. Checked right before each command:
        redis-py would otherwise reconnect a closed connection and resubscribe quietly."""
        connection = pubsub.connection
        return (
            pubsub is self._pubsub
            and self._live
            and connection is not None
            and connection.is_connected
        )

    async def _reconcile(self) -> None:
        """Make the connection's subscriptions the channels wanted now; sending nothing while
        the connection is down (the reader subscribes everything when it is back)."""
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is None or not self._usable(pubsub):
                return
            wanted = set(self._subs)
            add = sorted(wanted - self._requested)
            drop = sorted(self._requested - wanted)
            try:
                if add:
                    self._requested.update(add)
                    for channel in add:
                        self._unconfirmed[channel] = self._unconfirmed.get(channel, 0) + 1
                    await pubsub.subscribe(*(self._prefix + c for c in add))
                if drop:
                    self._requested.difference_update(drop)
                    self._confirmed.difference_update(drop)
                    await pubsub.unsubscribe(*(self._prefix + c for c in drop))
            except (RedisError, OSError) as exc:
                if pubsub is self._pubsub:
                    self._lose(f"sending SUBSCRIBE failed: {exc}")

    def _lose(self, why: str) -> None:
        """The connection is gone: unhealthy now, and every subscription owes a RESYNC."""
        if self._live and not self._closing:
            log.warning("Redis bus: %s; reconnecting", why)
        self._live = False
        self._requested.clear()
        self._unconfirmed.clear()
        self._confirmed.clear()
        for event in self._confirm_events.values():
            event.set()  # subscribe() waiting for a confirmation stops waiting
        self._confirm_events.clear()
        for subs in self._subs.values():
            for sub in subs:
                sub.resync_due = True

    def _confirm(self, channel: str) -> None:
        left = self._unconfirmed.get(channel, 0) - 1
        if left > 0:  # a later SUBSCRIBE of the same channel is still under way
            self._unconfirmed[channel] = left
            return
        self._unconfirmed.pop(channel, None)
        if channel not in self._requested:
            return  # unsubscribed meanwhile
        self._confirmed.add(channel)
        event = self._confirm_events.pop(channel, None)
        if event is not None:
            event.set()
        for sub in self._subs.get(channel, ()):
            if sub.resync_due:
                sub.resync_due = False
                sub.put(RESYNC)

    async def _run(self, pubsub: PubSub | None) -> None:
        loop = asyncio.get_running_loop()
        delay = BACKOFF_FIRST_S
        while not self._closing:  # also when a cancellation was lost (see redis.py)
            started = loop.time()
            try:
                if pubsub is None:
                    pubsub = await self._connect()
                    log.info("Redis bus: connected again, %d channel(s)", len(self._subs))
                await self._read(pubsub)
            except asyncio.CancelledError:
                self._closing = True
                self._lose("closing")
                raise
            except (RedisError, OSError) as exc:
                self._lose(str(exc) or type(exc).__name__)
            except Exception:
                log.exception("Redis bus: the reader failed; reconnecting")
                self._lose("the reader failed")
            finally:
                self._pubsub = None
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
                pubsub = None
            if self._closing:
                self._lose("closing")
                return
            if loop.time() - started > STABLE_S:
                delay = BACKOFF_FIRST_S
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _read(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        heard = loop.time()
        pinged: float | None = None
        while not self._closing:
            if not self._usable(pubsub):
                raise RedisConnectionError("the pub/sub connection was closed")
            message = await pubsub.get_message(timeout=READ_TICK_S)
            now = loop.time()
            if message is None:
                if pinged is not None and now - pinged > PING_TIMEOUT_S:
                    raise RedisConnectionError(f"no answer to PING within {PING_TIMEOUT_S} s")
                if pinged is None and now - heard > PING_AFTER_S:
                    async with self._lock:
                        if not self._usable(pubsub):
                            raise RedisConnectionError("the pub/sub connection was closed")
                        await pubsub.ping()
                    pinged = now
                continue
            heard, pinged = now, None
            kind = message["type"]
            if kind == "message":
                self._deliver(message["channel"], message["data"])
            elif kind == "subscribe":
                self._confirm(message["channel"].decode()[len(self._prefix) :])

    def _deliver(self, channel_name: bytes, data: bytes) -> None:
        subs = self._subs.get(channel_name.decode()[len(self._prefix) :])
        if not subs:
            return
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("Redis bus: dropped a message that is not JSON on %r", channel_name)
            return
        for sub in subs:
            sub.put(message)
