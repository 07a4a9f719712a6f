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


BIG_FRAME = 65536  # data frames this big are counted as they stream in, never parsed


def _header_size(buf: bytearray) -> int:
    """Bytes of the frame header that starts `buf` (2 until the length byte is there)."""
    if len(buf) < 2:
        return 2
    length = buf[1] & 0x7F
    extended = 2 if length == 126 else 8 if length == 127 else 0
    return 2 + extended + (4 if buf[1] & 0x80 else 0)


def _payload_length(buf: bytearray) -> int:
    length = buf[1] & 0x7F
    if length == 126:
        return int.from_bytes(buf[2:4], "big")
    if length == 127:
        return int.from_bytes(buf[2:10], "big")
    return length


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
        """A whole message parsed by the protocol."""
        self.messages += 1
        self.payload_bytes += size
        if size > self.max_message:
            self.max_message = size

    def started(self, size: int) -> None:
        """A big message whose header arrived; its bytes are added as they arrive."""
        self.messages += 1
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
        # Framing scan (see `data_received`): the handshake response head while it comes in
        # (None once it is complete), then the state of the frame being received.
        self._head: bytearray | None = bytearray()
        self._framing = False  # past a 101 response: the bytes are websocket frames
        self._frame_buf = bytearray()  # header, or a whole small frame, being collected
        self._need = 0  # size of the small frame being collected (header + payload)
        self._skip = 0  # payload bytes still to come of a big frame (counted, not kept)

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
        """Stamp and queue the bytes for the Sans-I/O protocol, except big data frames.

        After a 101 response the bytes are scanned frame by frame, here and at once: a data
        frame of BIG_FRAME bytes or more that is a whole message (fin, text or binary) is
        counted as its bytes arrive and dropped without a copy; every other frame (state
        messages, pings, close, fragments) goes whole to the protocol, which therefore never
        sees half a frame and answers pings and closes as usual. So a room of phones reads
        hundreds of MB/s of answer walls without the parser becoming the bottleneck, and
        bytes are counted when they arrive, not when a backlog gets parsed.
        """
        if self._framing:
            self._scan(data)
            return
        head = self._head
        if head is None:  # the handshake failed: everything goes to the protocol
            self.inbox.put(self, data)
            return
        head += data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            if len(head) > 65536:  # not a response head we understand: let the protocol say
                self._head = None
                self.inbox.put(self, bytes(head))
            return
        self._head = None
        response, rest = bytes(head[: end + 4]), bytes(head[end + 4 :])
        self.inbox.put(self, response)
        if response.startswith(b"HTTP/1.1 101 "):
            self._framing = True
            if rest:
                self._scan(rest)
        elif rest:
            self.inbox.put(self, rest)

    def _scan(self, data: bytes) -> None:
        inbox = self.inbox
        buf = self._frame_buf
        pos, end = 0, len(data)
        while True:
            if self._skip:  # inside a big frame: count and drop
                if pos >= end:
                    return
                take = min(self._skip, end - pos)
                self._skip -= take
                inbox.payload_bytes += take
                pos += take
                continue
            if not self._need:  # reading a frame header
                size = _header_size(buf)
                if len(buf) < size:
                    if pos >= end:
                        return
                    take = min(size - len(buf), end - pos)
                    buf += data[pos : pos + take]
                    pos += take
                    continue
                length = _payload_length(buf)
                whole_data_message = buf[0] & 0x80 and (buf[0] & 0x0F) in (1, 2)  # fin, text/bin
                if length >= BIG_FRAME and whole_data_message:
                    inbox.started(length)
                    self._skip = length
                    buf.clear()
                    continue
                self._need = size + length
            if len(buf) < self._need:  # collecting a small frame for the protocol
                if pos >= end:
                    return
                take = min(self._need - len(buf), end - pos)
                buf += data[pos : pos + take]
                pos += take
            if len(buf) == self._need:
                inbox.put(self, bytes(buf))
                buf.clear()
                self._need = 0

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
