"""The limits port: rate limits and event counts that every worker of a session shares.

Token buckets per key (a client address, a participant) and recent-event counts (joins in the
last minute). In one process they live in memory; in a cluster in Redis, so that a client
cannot multiply its allowance by reaching several workers.

Limits protect; they are not the truth. A backend whose server is unreachable never raises
(but at `open`, which raises ConnectionError): it allows (0) and counts nothing, and says so
in the log. A bucket is per (bucket, rate, burst, key).
"""

from __future__ import annotations

from typing import Protocol


class Limits(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def take(self, bucket: str, key: str, rate: float, burst: float) -> int:
        """Spend a token of `key` in `bucket` (refilled at `rate`/s up to `burst`): 0 if there
        was one, else the whole seconds until there is (for Retry-After). Rate 0: no limit."""
        ...

    async def peek(self, bucket: str, key: str, rate: float, burst: float) -> int:
        """Like `take`, without spending."""
        ...

    async def count(self, name: str, key: str) -> None:
        """One event now (e.g. a join of session `key`)."""
        ...

    async def recent(self, name: str, key: str, seconds: int = 60) -> int:
        """Events of the last `seconds` (at most 60)."""
        ...
