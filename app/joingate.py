"""Who may join a session: a rotating join key, per-address limits, a cap and a freeze.

A whole venue often shares one NAT address, so a per-address limit alone cannot tell a room of
phones from one script, and a script could take every join slot. The gate therefore splits
joins in two lanes:

- Joins carrying the current *join key* (it is in the QR code's URL and changes every couple
  of minutes, so only people who can see the screen have it) get a generous per-address
  allowance: a full room behind one address joins at once.
- Joins without it (a typed code, an old link, a script) get a small per-address allowance:
  enough for the people who type the code, too little to flood the session.

On top: a cap on participants per session, and the presenter can lock joining; phones that
joined already keep going. The presenter sees the joins of the last minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .ports.limits import Limits

KEY_PERIODS_ACCEPTED = 3  # the current key and the two before it: a scan stays good a while


class JoinRefused(Exception):
    """A join that cannot be let in now; `retry_after` set when waiting helps (429)."""

    def __init__(self, code: str, detail: str, retry_after: int = 0) -> None:
        self.code = code
        self.retry_after = retry_after
        super().__init__(detail)


class JoinKeys:
    """Short keys derived from the server secret, the join code and the time period."""

    def __init__(self, secret: bytes, period_s: float) -> None:
        self._secret = secret
        self.period_s = period_s

    @property
    def enabled(self) -> bool:
        return self.period_s > 0

    def _period(self, now: float | None = None) -> int:
        return int((time.time() if now is None else now) // self.period_s)

    def _key(self, code: str, period: int) -> str:
        mac = hmac.new(self._secret, f"join:{code}:{period}".encode(), hashlib.sha256)
        return base64.b32encode(mac.digest()[:5]).decode().lower()[:8]

    def current(self, code: str, now: float | None = None) -> str:
        """The key the projector shows now ("" when keys are off)."""
        return self._key(code, self._period(now)) if self.enabled else ""

    def seconds_left(self, now: float | None = None) -> float:
        """Until the projector should show the next key."""
        if not self.enabled:
            return 0.0
        now = time.time() if now is None else now
        return (self._period(now) + 1) * self.period_s - now

    def valid(self, code: str, key: object, now: float | None = None) -> bool:
        # Keys are ASCII; compare_digest raises on other text, so that never gets that far.
        if not self.enabled or not isinstance(key, str) or len(key) != 8 or not key.isascii():
            return False
        period = self._period(now)
        return any(
            hmac.compare_digest(key, self._key(code, period - back))
            for back in range(KEY_PERIODS_ACCEPTED)
        )


class JoinGate:
    """Decides on each new participant of a session; the buckets live behind the limits port,
    so every worker of a cluster applies the same allowance to an address."""

    def __init__(
        self,
        keys: JoinKeys,
        limits: Limits,
        *,
        keyed_rate: float,
        keyless_rate: float,
        keyless_burst: float,
        max_participants: int,
    ) -> None:
        self.keys = keys
        self.limits = limits
        self.max_participants = max_participants
        # A keyed lane as generous as a full room arriving at once.
        self._keyed = (keyed_rate, keyed_rate * 40)
        self._keyless = (keyless_rate, keyless_burst)

    async def admit(
        self, code: str, address: str, key: object, participants: int, locked: bool
    ) -> None:
        """Raise JoinRefused unless a new participant may join now."""
        if locked:
            raise JoinRefused("joining_locked", "the presenter has closed joining for now")
        if participants >= self.max_participants:
            raise JoinRefused(
                "session_full", f"this session is full ({self.max_participants} participants)"
            )
        keyed = not self.keys.enabled or self.keys.valid(code, key)
        lane, (rate, burst) = ("join-keyed", self._keyed) if keyed else ("join", self._keyless)
        wait = await self.limits.take(lane, address, rate, burst)
        if wait:
            detail = "too many joins from this address; trying again shortly"
            if not keyed:
                detail += " (scanning the QR code on the screen is faster)"
            raise JoinRefused("rate_limited", detail, retry_after=wait)

    async def joined(self, code: str) -> None:
        await self.limits.count("joins", code)

    async def joins_last_minute(self, code: str) -> int:
        return await self.limits.recent("joins", code, 60)
