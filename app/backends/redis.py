"""Redis backends for a cluster: the bus, the live tally and the limits that workers share.

`open_redis(url)` builds them on one command pool, plus one pub/sub connection for the bus
(redis_bus.py), the tally (redis_tally.py) and the limits (redis_limits.py). Every key and
channel starts with `rondvraag:`.

Why this shape:
- A vote does one tally script and one bucket script; each is one EVALSHA. Concurrent calls
  share round trips (Pipeliner): the calls made while earlier ones are on the wire go out
  together as one pipeline, as the store's group commit shares a transaction. In one asyncio
  process redis-py spends ~200 µs of CPU per lone command and ~40 µs per command in a batch
  of 100, so 100 concurrent callers get 3-4 times the throughput at a third of the latency.
- Failing fast is the point: a short connect timeout, one retry only for a broken connection
  (a pooled connection that died with a restarted Redis), no backoff. A caller then gets
  BusUnavailable or TallyUnavailable in milliseconds while Redis is down, and the limits allow.
  Timeouts are not retried: the command may have run.
- The pipeliner keeps at most PIPELINES_IN_FLIGHT connections busy, whatever the storm.
- The pub/sub pool never retries, so that no reconnect happens where the bus cannot see it,
  and has no socket timeout: its reads time out by themselves, and with one redis-py sends
  through `asyncio.wait_for`, which on Python 3.11 can swallow a cancellation (the bus's
  reader then would not stop). A dead peer is found by the reader's PING instead.
- Callers never await redis-py directly on the hot paths (the pipeliner's futures stand
  between), so that same swallowing cannot keep a cancelled request running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

from app.backends import Shared
from app.backends.redis_bus import RedisBus
from app.backends.redis_limits import RedisLimits
from app.backends.redis_tally import RedisTally

PREFIX = "rondvraag:"
CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 2.0
MAX_CONNECTIONS = 32
PIPELINES_IN_FLIGHT = 4
MAX_BATCH = 500

_Call = tuple[AsyncScript | None, Sequence[Any], "asyncio.Future[Any]"]


class Pipeliner:
    """Commands of concurrent callers share round trips; each caller still gets its own reply
    or its own error (a connection error fails the whole batch).

    A call waits for the end of the current event-loop turn, so the calls made in that turn
    go together; while PIPELINES_IN_FLIGHT batches are on the wire, new calls wait for one of
    them to come back and then go in the next batch."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._waiting: list[_Call] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._flush_due = False

    async def script(self, script: AsyncScript, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        return await self._call(script, (len(keys), *keys, *args))

    async def command(self, *args: Any) -> Any:
        return await self._call(None, args)

    async def aclose(self) -> None:
        """Let the batches on the wire finish (their callers get their replies or errors)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _call(self, script: AsyncScript | None, args: Sequence[Any]) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((script, args, future))
        self._schedule()
        return await future

    def _schedule(self) -> None:
        if self._waiting and not self._flush_due and len(self._in_flight) < PIPELINES_IN_FLIGHT:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        if not self._waiting or len(self._in_flight) >= PIPELINES_IN_FLIGHT:
            return
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._in_flight.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._schedule()

    async def _send(self, batch: list[_Call]) -> None:
        try:
            replies = await self._execute(batch)
        except Exception as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (the loop is going away): so are its callers
            for _, _, future in batch:
                future.cancel()
            raise
        for (_, _, future), reply in zip(batch, replies, strict=True):
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _execute(self, batch: list[_Call]) -> list[Any]:
        replies = await self._pipeline(batch)
        # A restarted Redis forgot its scripts: load them and send those calls again.
        again = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if again:
            for script in {id(batch[i][0]): batch[i][0] for i in again}.values():
                if script is not None:
                    script.sha = await self._client.script_load(script.script)
            for i, reply in zip(
                again, await self._pipeline([batch[i] for i in again]), strict=True
            ):
                replies[i] = reply
        return replies

    async def _pipeline(self, batch: list[_Call]) -> list[Any]:
        async with self._client.pipeline(transaction=False) as pipe:
            for script, args, _ in batch:
                if script is None:
                    pipe.execute_command(*args)
                else:
                    pipe.execute_command("EVALSHA", script.sha, *args)
            return await pipe.execute(raise_on_error=False)


@dataclass(frozen=True, slots=True)
class RedisShared(Shared):
    """The three Redis backends and the clients they share; closing it closes the pools."""

    clients: tuple[Redis, ...] = ()
    pipeliner: Pipeliner | None = None

    async def open(self) -> None:
        try:
            await Shared.open(self)
        except BaseException:
            await Shared.close(self)
            await self._close_clients()
            raise

    async def close(self) -> None:
        try:
            await Shared.close(self)
        finally:
            await self._close_clients()

    async def _close_clients(self) -> None:
        if self.pipeliner is not None:
            await self.pipeliner.aclose()
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.aclose(close_connection_pool=True)


def _options(retries: int, timeout_s: float | None) -> dict[str, Any]:
    return {
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": timeout_s,
        "socket_keepalive": True,
        "health_check_interval": 0,
        "retry": Retry(NoBackoff(), retries, (RedisConnectionError,)),
    }


def open_redis(url: str) -> RedisShared:
    """The bus, tally and limits on the Redis of `url` (`redis://HOST:PORT/N`, `rediss://`,
    `unix://`); options in the URL's query win over the defaults above. Nothing connects
    before `open()`."""
    pool = ConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        decode_responses=True,
        **_options(retries=1, timeout_s=COMMAND_TIMEOUT_S),
    )
    client = Redis(connection_pool=pool)
    pipeliner = Pipeliner(client)
    pubsub_pool = ConnectionPool.from_url(url, **_options(retries=0, timeout_s=None))
    pubsub_client = Redis(connection_pool=pubsub_pool)
    return RedisShared(
        bus=RedisBus(client, pipeliner, pubsub_client, PREFIX),
        tally=RedisTally(client, pipeliner, PREFIX),
        limits=RedisLimits(client, pipeliner, PREFIX),
        clients=(client, pubsub_client),
        pipeliner=pipeliner,
    )
