"""uvicorn's HTTP protocol with a deadline for the request head (a slowloris guard).

uvicorn closes idle keep-alive connections, but nothing limits how long a client may take to
send a request's headers: a connection that sends nothing, or a header byte every few
seconds, is held forever (1,000 such connections were held for 120 s in a test). This closes
a connection whose request line and headers are not complete `HEAD_TIMEOUT_S` after it
opened or after its request began. Bodies are bounded elsewhere (BodyLimit).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT_S = 10.0


class HeadTimeoutProtocol(HttpToolsProtocol):
    head_timeout_s = HEAD_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._arm_head_deadline()

    def _arm_head_deadline(self) -> None:
        if getattr(self, "_head_deadline", None) is None:
            self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_head_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)
