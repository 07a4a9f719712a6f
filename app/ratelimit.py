"""Token-bucket rate limits per client key (address for joins, participant for answers)."""

from __future__ import annotations

import math
import time


class RateLimiter:
    """Allows `rate` events per second per key with bursts up to `burst`; 0 means no limit.

    Memory stays bounded: buckets that have refilled are forgotten during periodic sweeps.
    """

    def __init__(self, rate: float, burst: float | None = None, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(rate * 5, 1.0)
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._last_sweep = time.monotonic()

    def allow(self, key: str) -> bool:
        return self.take(key) == 0

    def take(self, key: str) -> int:
        """Spend one token: 0 if allowed, else the whole seconds until one is available
        (for `Retry-After`)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = max(1, math.ceil((1.0 - tokens) / self.rate))
        self._buckets[key] = (tokens, now)
        if now - self._last_sweep > 10 or len(self._buckets) > self.max_keys:
            self._sweep(now)
        return wait

    def blocked(self, key: str) -> int:
        """Like `take` without spending: 0 if a token is there, else seconds until one is."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        return 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        if len(self._buckets) > self.max_keys:  # under attack: forget the oldest half
            ordered = sorted(self._buckets.items(), key=lambda kv: kv[1][1])
            self._buckets = dict(ordered[len(ordered) // 2 :])
