"""Phone websockets: the `websockets` library's Sans-I/O client protocol on an asyncio transport.

Why not `websockets.asyncio.client.connect` for phones: with thousands of sockets, a message
broadcast reaches every socket at once, and the asyncio client parses each frame and wakes a
task per message before the next socket is read. The last phone's timestamp then includes
the time spent parsing the other phones' frames (hundreds of ms at 5,000 phones), which is
the load generator's delay, not the server's. Here each socket only stamps the arrival time
and queues the bytes when its `recv` returns; all queued bytes are parsed afterwards, in
arrival order, with the same Sans-I/O protocol (handshake, framing, ping/pong, close). No task
per connection either.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import cast

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

monotonic = time.monotonic

TextHandler = Callable[[float, bytes], None]  # (arrived at, message bytes)


class SocketClosed(Exception):
    """The connection ended before the handshake completed."""


class Inbox:
    """Bytes received by every socket of one process, parsed after the read burst.

    Parsing runs in slices of about `SLICE` seconds, so the loop goes back to reading (and
    stamping) sockets between slices even when a broadcast brings thousands of messages.
    """

    SLICE = 0.002

    def __init__(self) -> None:
        self._queue: deque[tuple[PhoneSocket, float, bytes]] = deque()
        self._scheduled = False
        self.errors = 0
        # Every data message (text or binary, whole or fragmented) of every socket, counted by
        # its payload size only: the figures stay right whatever the messages look like.
        self.messages = 0
        self.payload_bytes = 0
        self.max_message = 0  # biggest payload since the last `reset_max`

    def count(self, size: int) -> None:
        self.messages += 1
        self.payload_bytes += size
        if size > self.max_message:
            self.max_message = size

    def reset_max(self) -> None:
        self.max_message = 0

    def put(self, sock: PhoneSocket, data: bytes) -> None:
        self._queue.append((sock, monotonic(), data))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._drain)

    def _drain(self) -> None:
        queue = self._queue
        stop = monotonic() + self.SLICE
        done = 0
        while queue:
            sock, arrived, data = queue.popleft()
            try:
                sock.process(arrived, data)
            except Exception:  # a broken message must not starve the other phones
                self.errors += 1
                sock.abort()
            done += 1
            if done % 16 == 0 and monotonic() > stop:
                break
        if queue:
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self._scheduled = False


class PhoneSocket(asyncio.Protocol):
    """One websocket client connection; calls `on_text(arrived, data)` per text message and
    counts every data message's payload in the inbox."""

    def __init__(self, uri: str, inbox: Inbox, on_text: TextHandler, max_size: int) -> None:
        self.protocol = ClientProtocol(parse_uri(uri), max_size=max_size)
        self.inbox = inbox
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self._fragments: list[bytes] = []
        self._text = True  # the message being reassembled is text (else binary)

    @classmethod
    async def open(
        cls, host: str, port: int, uri: str, inbox: Inbox, on_text: TextHandler, max_size: int
    ) -> PhoneSocket:
        """Connect and complete the handshake (raises InvalidHandshake or SocketClosed)."""
        loop = asyncio.get_running_loop()
        _, sock = await loop.create_connection(
            lambda: cls(uri, inbox, on_text, max_size), host, port
        )
        try:
            await sock.opened
        except BaseException:
            sock.abort()
            raise
        return sock

    # --- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, hence no isinstance check
        self.transport = cast(asyncio.Transport, transport)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.inbox.put(self, data)

    def eof_received(self) -> bool:
        self.inbox.put(self, b"")  # b"" marks EOF, processed in order after earlier bytes
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(SocketClosed(f"connection lost during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    # --- protocol ----------------------------------------------------------------------

    def process(self, arrived: float, data: bytes) -> None:
        """Feed bytes to the Sans-I/O protocol and hand complete text messages on."""
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        self._flush()  # pongs and close replies
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self._handshake_done()
            elif isinstance(event, Frame):
                self._frame(arrived, event)
        if self.protocol.close_expected() or self.protocol.state is State.CLOSED:
            self._close_transport()

    def _handshake_done(self) -> None:
        if self.opened.done():
            return
        exc = self.protocol.handshake_exc
        if exc is not None:
            self.opened.set_exception(exc)
        else:
            self.opened.set_result(None)

    def _frame(self, arrived: float, frame: Frame) -> None:
        """Count every data message; hand text messages on (binary ones are only counted)."""
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            self._text = opcode is Opcode.TEXT
            if frame.fin:
                self.inbox.count(len(frame.data))
                if self._text:
                    self.on_text(arrived, frame.data)
            else:
                self._fragments = [frame.data]
        elif opcode is Opcode.CONT and self._fragments:
            self._fragments.append(frame.data)
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), []
                self.inbox.count(len(data))
                if self._text:
                    self.on_text(arrived, data)

    def _flush(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # b"" means: half-close the TCP connection
                self._close_transport()
                return

    def _close_transport(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    # --- used by the crowd -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.protocol.state is State.OPEN and not self.closed.done()

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    async def close(self, timeout: float = 2.0) -> None:
        """Send a close frame and wait (bounded) for the server to finish the closing."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self._flush()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self.closed)
        except TimeoutError:
            self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


__all__ = ["Inbox", "InvalidHandshake", "PhoneSocket", "SocketClosed"]
