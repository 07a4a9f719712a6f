"""The live tally in Redis: every worker of a session counts into the same tallies.

Why this shape:
- A tally key K lives in five Redis keys: `…tally:K:z` (sorted set item -> count: the top
  items without reading them all), `…:a` (hash participant -> their counted items,
  MessagePack), `…:o` (sorted set participant -> seq: the newest answers, and the
  respondents), `…:s` (the sum of the counted seqs) and `…:n` (all items' occurrences). `apply` and
  `read` are each one Lua script, so an answer is counted or replaced atomically in one round
  trip, and a read sees counts, respondents and seq_sum of the same moment.
- The seq rule (a counted seq >= this one wins) makes applying idempotent: redis-py may retry
  a script whose connection broke after it ran, and a replay of stored answers is harmless.
- Seqs are stored as Lua numbers (doubles): exact below 2**53, as database sequences are.
- A tally is a cache of stored answers, so its keys expire TTL_S after the last answer; a
  caller that finds it empty or stale (respondents/seq_sum differ from the database) replays.
- `drop(prefix)` (a deleted session: rare) SCANs for the keys with a glob of the escaped
  prefix; no index of tally keys to keep up to date on every answer, or to grow forever.
- Redis should run with `maxmemory-policy noeviction`: an evicted part of a tally (its counts
  without its answers) would not show in respondents or seq_sum.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.ports.tally import TallySnapshot, TallyUnavailable

if TYPE_CHECKING:
    from app.backends.redis import Pipeliner

TTL_S = 48 * 3600
SCAN_COUNT = 1000
REPLAY_CHUNK = 500

# KEYS: counts (sorted set item -> count), answers, order, seq sum, item total.
# ARGV: participant, seq, ttl, items…
APPLY = """
local participant, seq = ARGV[1], tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[3], participant)
local removed = 0
if old then
  old = tonumber(old)
  if old >= seq then return 0 end
  local packed = redis.call('HGET', KEYS[2], participant)
  if packed then
    for _, item in ipairs(cmsgpack.unpack(packed)) do
      removed = removed + 1
      if tonumber(redis.call('ZINCRBY', KEYS[1], -1, item)) <= 0 then
        redis.call('ZREM', KEYS[1], item)
      end
    end
  end
  redis.call('DECRBY', KEYS[4], string.format('%d', old))
end
local items = {}
for i = 4, #ARGV do
  items[#items + 1] = ARGV[i]
  redis.call('ZINCRBY', KEYS[1], 1, ARGV[i])
end
redis.call('HSET', KEYS[2], participant, cmsgpack.pack(items))
redis.call('ZADD', KEYS[3], seq, participant)
redis.call('INCRBY', KEYS[4], string.format('%d', seq))
redis.call('INCRBY', KEYS[5], #items - removed)
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1
"""

# KEYS: counts, answers, order, seq sum, item total. ARGV: newest answers, top items (-1: all).
# The top items are the highest counts, and among equal counts the smallest items: Redis
# orders equal scores by their bytes, which for UTF-8 is the order of code points.
READ = """
local newest = {}
local n = tonumber(ARGV[1])
if n > 0 then
  local ids = redis.call('ZREVRANGE', KEYS[3], 0, n - 1)
  if #ids > 0 then
    local packed = redis.call('HMGET', KEYS[2], unpack(ids))
    for i = 1, #packed do
      newest[i] = packed[i] and cmsgpack.unpack(packed[i]) or {}
    end
  end
end
local top = tonumber(ARGV[2])
local counts = {}
if top < 0 then
  counts = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
elseif top > 0 then
  local last = redis.call('ZREVRANGE', KEYS[1], top - 1, top - 1, 'WITHSCORES')
  if #last == 0 then
    counts = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  else
    counts = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. last[2], '+inf', 'WITHSCORES')
    local ties = redis.call(
      'ZRANGEBYSCORE', KEYS[1], last[2], last[2], 'WITHSCORES', 'LIMIT', 0, top - #counts / 2
    )
    for i = 1, #ties do counts[#counts + 1] = ties[i] end
  end
end
return {
  counts,
  redis.call('ZCARD', KEYS[3]),
  redis.call('GET', KEYS[4]) or '0',
  newest,
  redis.call('ZCARD', KEYS[1]),
  redis.call('GET', KEYS[5]) or '0',
}
"""

_PARTS = ("z", "a", "o", "s", "n")


class RedisTally:
    """Counts per key, with each participant's counted (seq, items), shared by workers."""

    def __init__(self, client: Redis, pipeliner: Pipeliner, prefix: str) -> None:
        self._client = client
        self._pipeliner = pipeliner
        self._prefix = f"{prefix}tally:"
        self._apply = client.register_script(APPLY)
        self._read = client.register_script(READ)

    def _keys(self, key: str) -> list[str]:
        return [f"{self._prefix}{key}:{part}" for part in _PARTS]

    async def open(self) -> None:
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise TallyUnavailable(f"cannot reach Redis for the live tally: {exc}") from exc

    async def close(self) -> None:
        return None

    async def apply(self, key: str, participant: str, seq: int, items: list[str]) -> None:
        try:
            await self._pipeliner.script(
                self._apply, self._keys(key), [participant, int(seq), TTL_S, *items]
            )
        except (RedisError, OSError) as exc:
            raise TallyUnavailable(f"Redis did not count the answer: {exc}") from exc

    async def apply_many(self, key: str, answers: list[tuple[str, int, list[str]]]) -> None:
        """A replay: many applies at once, which the pipeliner sends in few round trips."""
        for start in range(0, len(answers), REPLAY_CHUNK):
            chunk = answers[start : start + REPLAY_CHUNK]
            await asyncio.gather(*(self.apply(key, *answer) for answer in chunk))

    async def read(self, key: str, newest: int = 0, top: int | None = None) -> TallySnapshot:
        try:
            flat, respondents, seq_sum, latest, distinct, items = await self._pipeliner.script(
                self._read,
                self._keys(key),
                [max(0, int(newest)), -1 if top is None else max(0, int(top))],
            )
        except (RedisError, OSError) as exc:
            raise TallyUnavailable(f"Redis did not read the tally: {exc}") from exc
        counts = {flat[i]: int(float(flat[i + 1])) for i in range(0, len(flat), 2)}
        return TallySnapshot(
            counts,
            int(respondents),
            int(seq_sum),
            [list(x) for x in latest],
            distinct=int(distinct),
            items=int(items),
        )

    async def drop(self, prefix: str) -> None:
        pattern = self._prefix + re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*"
        try:
            found = [
                name
                async for name in self._client.scan_iter(match=pattern, count=SCAN_COUNT)
                # `…tally:K:part`: a prefix that reaches into ":part" is not K's
                if name[len(self._prefix) :].rpartition(":")[0].startswith(prefix)
            ]
            for start in range(0, len(found), SCAN_COUNT):
                await self._client.unlink(*found[start : start + SCAN_COUNT])
        except (RedisError, OSError) as exc:
            raise TallyUnavailable(f"Redis did not drop the tallies: {exc}") from exc
