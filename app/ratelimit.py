"""Token-bucket rate limits per client key (address for joins, participant for answers)."""

from __future__ import annotations

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
        if self.rate <= 0:
            return True
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        if now - self._last_sweep > 10 or len(self._buckets) > self.max_keys:
            self._sweep(now)
        return allowed

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        if len(self._buckets) > self.max_keys:  # under attack: forget the oldest half
            ordered = sorted(self._buckets.items(), key=lambda kv: kv[1][1])
            self._buckets = dict(ordered[len(ordered) // 2 :])
