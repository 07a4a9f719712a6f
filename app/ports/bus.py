"""The bus port: messages among the workers that serve a session, and who holds which phones.

One channel per session. Workers subscribe; phones never do (each worker fans a message out
to its own sockets through the hub). Delivery is at most once: a subscriber whose connection
dropped gets `RESYNC` when it is back and reads the truth again from the store and the tally,
so a missed message costs a moment, never a wrong screen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Message = dict[str, Any]

# What a subscription yields after its connection came back: "you may have missed messages".
RESYNC: Message = {"kind": "resync"}


class BusUnavailable(Exception):
    """The bus cannot take a message right now (its server is down); retryable."""


class Bus(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def shared(self) -> bool:
        """True when other processes may publish here (so the store can change under us)."""
        ...

    @property
    def healthy(self) -> bool:
        """The bus's server is reachable and every subscription is live; /healthz answers
        503 while it is not."""
        ...

    async def publish(self, channel: str, message: Message) -> None:
        """Send a JSON-able message to every subscriber of the channel (this process's too).

        Raises BusUnavailable when it cannot be sent."""
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[Message]]:
        """`async with bus.subscribe(ch) as messages: async for m in messages: ...`

        On entering, the subscription is in place: every message published afterwards
        arrives, or RESYNC comes first. The iterator keeps going across reconnects (yielding
        RESYNC after each) until the context is left; leaving it always unsubscribes, also
        when the body raised."""
        ...

    async def report(self, channel: str, worker: str, phones: int, ttl_s: float) -> None:
        """This worker holds `phones` phones of the session; forgotten after `ttl_s` unless
        reported again (a dead worker's phones stop counting by themselves). Raises
        BusUnavailable."""
        ...

    async def presence(self, channel: str) -> int:
        """Phones held by all live workers of the session. Raises BusUnavailable."""
        ...
