"""Backends picked from URLs, in one place: the store, and the bus, tally and limits.

- store: `sqlite:///PATH` (one process, the default) or `postgresql://USER@HOST:PORT/DB`;
- bus, live tally and limits: in process memory by default, or Redis with `redis://HOST:PORT/N`.

Imports are lazy, so a laptop never imports asyncpg or redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.ports.bus import Bus
from app.ports.limits import Limits
from app.ports.store import Store
from app.ports.tally import LiveTally


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///PATH` URL (`sqlite:////abs/path` or `sqlite:///rel/path`)."""
    return Path(url.removeprefix("sqlite:///"))


def open_store(url: str, *, busy_timeout_ms: int = 2000) -> Store:
    if url.startswith("sqlite:///"):
        from app.backends.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path(url), busy_timeout_ms=busy_timeout_ms)
    if is_postgres(url):
        from app.backends.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unknown database URL {url!r}: use sqlite:///PATH or postgresql://…")


@dataclass(frozen=True, slots=True)
class Shared:
    """What the workers of a session share besides the store."""

    bus: Bus
    tally: LiveTally
    limits: Limits

    async def open(self) -> None:
        await self.bus.open()
        await self.tally.open()
        await self.limits.open()

    async def close(self) -> None:
        await self.limits.close()
        await self.tally.close()
        await self.bus.close()


def open_shared(redis_url: str = "") -> Shared:
    """In-process memory without a URL; Redis with `redis://…` (one connection pool)."""
    if not redis_url:
        from app.backends.memory import MemoryBus, MemoryLimits, MemoryTally

        return Shared(MemoryBus(), MemoryTally(), MemoryLimits())
    if redis_url.startswith(("redis://", "rediss://", "unix://")):
        from app.backends.redis import open_redis

        return open_redis(redis_url)
    raise ValueError(f"unknown Redis URL {redis_url!r}: use redis://HOST:PORT/N")
