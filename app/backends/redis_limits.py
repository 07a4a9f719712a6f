"""Rate limits and event counts in Redis: one allowance per client, whichever worker it reaches.

Why this shape:
- A token bucket is one hash (tokens, when) changed by one Lua script in one round trip. Time
  is the Redis server's (`TIME`), so workers on hosts whose clocks differ agree. A bucket
  expires when it would be full again, and a missing bucket is a full one: idle buckets
  vanish by themselves and an attack's many keys cost memory only while they are limited.
- Buckets are kept per (bucket, rate, burst, key), as the in-process backend keeps them.
- Event counts: one hash per (name, key) of per-second counters, pruned past a minute and
  expiring 70 s after the last event; `recent` sums the last seconds in one script.
- Limits protect; they are not the truth. When Redis cannot be reached, or does not answer
  within WAIT_S (a vote must not wait seconds on a frozen Redis), they allow (0) and count
  nothing, and say so in the log at most every LOG_EVERY_S.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

    from app.backends.redis import Pipeliner

log = logging.getLogger(__name__)

LOG_EVERY_S = 10.0
WAIT_S = 0.5
EVENTS_KEPT_S = 70
MAX_RECENT_S = 60

# KEYS[1]: the bucket. ARGV: rate, burst, 1 to spend a token (0: only look).
TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if not tokens or not at then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  if ARGV[3] == '1' then tokens = tokens - 1 end
else
  wait = math.max(1, math.ceil((1 - tokens) / rate))
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
  local full_ms = math.ceil((burst - tokens) / rate * 1000) + 1000
  redis.call('PEXPIRE', KEYS[1], string.format('%d', math.min(full_ms, 604800000)))
end
return wait
"""

# KEYS[1]: the counters. ARGV: seconds kept.
COUNT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('HINCRBY', KEYS[1], string.format('%d', now), 1)
if redis.call('HLEN', KEYS[1]) > 61 then
  for _, second in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(second) <= now - 61 then redis.call('HDEL', KEYS[1], second) end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1]: the counters. ARGV: how many seconds back.
RECENT = """
local since = tonumber(redis.call('TIME')[1]) - tonumber(ARGV[1])
local flat = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #flat, 2 do
  if tonumber(flat[i]) > since then n = n + tonumber(flat[i + 1]) end
end
return n
"""


class RedisLimits:
    """Token buckets and event counts shared by every worker."""

    def __init__(self, client: Redis, pipeliner: Pipeliner, prefix: str) -> None:
        self._client = client
        self._pipeliner = pipeliner
        self._prefix = prefix
        self._take = client.register_script(TAKE)
        self._count = client.register_script(COUNT)
        self._recent = client.register_script(RECENT)
        self._next_log = 0.0
        self._unlogged = 0

    async def open(self) -> None:
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise ConnectionError(f"cannot reach Redis for the limits: {exc}") from exc

    async def close(self) -> None:
        return None

    def _bucket_key(self, bucket: str, key: str, rate: float, burst: float) -> str:
        # The bucket's length first, so no (bucket, key) pair reads as another one.
        return f"{self._prefix}limit:{len(bucket)}:{bucket}:{rate}:{burst}:{key}"

    def _events_key(self, name: str, key: str) -> str:
        return f"{self._prefix}events:{len(name)}:{name}:{key}"

    def _unreachable(self, what: str, exc: BaseException) -> None:
        """A warning at most every LOG_EVERY_S, with how many were left out meanwhile."""
        now = time.monotonic()
        if now < self._next_log:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more since the last warning)" if self._unlogged else ""
        why = str(exc) or f"no answer within {WAIT_S} s"
        log.warning("Redis limits: %s is not checked, Redis is unreachable: %s%s", what, why, more)
        self._next_log = now + LOG_EVERY_S
        self._unlogged = 0

    async def _run(self, what: str, script: AsyncScript, key: str, args: Sequence[Any]) -> Any:
        """The script's reply, or None (logged) when Redis is unreachable or too slow."""
        try:
            async with asyncio.timeout(WAIT_S):
                return await self._pipeliner.script(script, [key], args)
        except (RedisError, OSError) as exc:  # TimeoutError is an OSError
            self._unreachable(what, exc)
            return None

    async def _bucket(self, bucket: str, key: str, rate: float, burst: float, spend: int) -> int:
        if rate <= 0:
            return 0
        rate, burst = float(rate), float(burst)  # 5 and 5.0: one bucket, as in memory
        name = self._bucket_key(bucket, key, rate, burst)
        wait = await self._run(f"rate limit {bucket!r}", self._take, name, [rate, burst, spend])
        return int(wait or 0)

    async def take(self, bucket: str, key: str, rate: float, burst: float) -> int:
        return await self._bucket(bucket, key, rate, burst, 1)

    async def peek(self, bucket: str, key: str, rate: float, burst: float) -> int:
        return await self._bucket(bucket, key, rate, burst, 0)

    async def count(self, name: str, key: str) -> None:
        await self._run(
            f"counting {name!r}", self._count, self._events_key(name, key), [EVENTS_KEPT_S]
        )

    async def recent(self, name: str, key: str, seconds: int = 60) -> int:
        seconds = min(int(seconds), MAX_RECENT_S)
        if seconds <= 0:
            return 0
        events = self._events_key(name, key)
        return int(await self._run(f"counting {name!r}", self._recent, events, [seconds]) or 0)
