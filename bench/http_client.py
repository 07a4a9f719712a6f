"""HTTP/1.1 keep-alive client pools used to generate load.

Two interchangeable pools with one method, `request(method, path, body) -> (status, body)`:

- `RawPool`: a minimal HTTP/1.1 client on asyncio streams. It exists because a load generator
  must not be the bottleneck it reports: on one core httpx spends several times more CPU per
  request than a small uvicorn handler, so at high rates the figures would describe httpx.
- `HttpxPool`: `httpx.AsyncClient` with an HTTP/1.1 keep-alive pool, for comparison
  (`--http-client httpx`).

Both keep at most `size` connections open and queue further requests for a free one, so the
time a request waits for a connection counts in its latency (the schedule is open-loop).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol
from urllib.parse import urlsplit


class HttpError(Exception):
    """The server answered with something that is not HTTP/1.1 as we know it."""


class Pool(Protocol):
    async def request(
        self, method: str, path: str, body: bytes = b"", sent: list[bool] | None = None
    ) -> tuple[int, bytes]:
        """Send one request; `sent[0]` becomes True once it is on the wire (for timeouts)."""
        ...

    async def close(self) -> None: ...


def split_base(base_url: str) -> tuple[str, int]:
    """Host and port of an `http://host:port` base URL."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http://host:port URLs are supported, got {base_url!r}")
    return parts.hostname, parts.port or 80


# A connection idle for longer is closed instead of reused: the server may be closing it right
# then (keep-alive timeout: uvicorn's default is 5 s, Rondvraag's 30 s), and a request written
# into that race dies with a connection reset whose fate the bench cannot know.
MAX_IDLE = 4.0


class _Conn:
    """One keep-alive connection; used by one request at a time."""

    __slots__ = ("idle_since", "reader", "used", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False
        self.idle_since = 0.0

    def close(self) -> None:
        self.writer.close()


class RawPool:
    """A bounded pool of raw HTTP/1.1 keep-alive connections to one host."""

    def __init__(self, base_url: str, size: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = split_base(base_url)
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Conn] = []
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._fixed = f"Host: {self.host}:{self.port}\r\n{extra}".encode()

    async def _connect(self) -> _Conn:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        return _Conn(reader, writer)

    def _head(self, method: str, path: str, body: bytes) -> bytes:
        # Every POST says it is JSON, even an empty one: JSON endpoints may answer 415 otherwise.
        typ = b"Content-Type: application/json\r\n" if body or method == "POST" else b""
        return b"%s %s HTTP/1.1\r\n%s%sContent-Length: %d\r\n\r\n" % (
            method.encode(),
            path.encode(),
            self._fixed,
            typ,
            len(body),
        )

    async def request(
        self, method: str, path: str, body: bytes = b"", sent: list[bool] | None = None
    ) -> tuple[int, bytes]:
        data = self._head(method, path, body) + body
        async with self._slots:
            if sent is not None:
                sent[0] = True
            while self._idle:
                conn = self._idle.pop()
                stale = time.monotonic() - conn.idle_since > MAX_IDLE
                if stale or conn.reader.at_eof() or conn.writer.is_closing():
                    conn.close()
                    continue
                try:
                    return await self._roundtrip(conn, data)
                except _StaleConnection:
                    # The server closed an idle keep-alive connection before reading this
                    # request (uvicorn's keep-alive timeout); nothing was processed: retry.
                    continue
            conn = await self._connect()
            try:
                return await self._roundtrip(conn, data)
            except _StaleConnection as exc:
                raise HttpError("connection closed before any response") from exc

    async def _roundtrip(self, conn: _Conn, data: bytes) -> tuple[int, bytes]:
        reused = conn.used
        conn.used = True
        try:
            conn.writer.write(data)
            try:
                head = await conn.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if reused and not exc.partial:
                    raise _StaleConnection from exc
                raise
            status, length, chunked, keep = _parse_head(head)
            if chunked:
                body = await _read_chunked(conn.reader)
            elif length is not None:
                body = await conn.reader.readexactly(length)
            else:
                body = await conn.reader.read()
                keep = False
        except BaseException:
            conn.close()
            raise
        if keep:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        else:
            conn.close()
        return status, body

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _StaleConnection(Exception):
    """A reused connection was closed by the server before it answered."""


def _parse_head(head: bytes) -> tuple[int, int | None, bool, bool]:
    """Status, content length, chunked?, keep-alive? of a response head."""
    lines = head.split(b"\r\n")
    status_line = lines[0].split(b" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
        raise HttpError(f"bad status line {lines[0][:80]!r}")
    status = int(status_line[1])
    length: int | None = None
    chunked = False
    keep = status_line[0] == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    return status, length, chunked, keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # trailer end (we send no TE: trailers)
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class HttpxPool:
    """`httpx.AsyncClient` with an HTTP/1.1 keep-alive pool of `size` connections."""

    def __init__(self, base_url: str, size: int, headers: dict[str, str] | None = None) -> None:
        import httpx

        split_base(base_url)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            http1=True,
            http2=False,
            trust_env=False,
            timeout=httpx.Timeout(60.0),
            limits=httpx.Limits(
                max_connections=size, max_keepalive_connections=size, keepalive_expiry=60.0
            ),
        )

    async def request(
        self, method: str, path: str, body: bytes = b"", sent: list[bool] | None = None
    ) -> tuple[int, bytes]:
        if sent is not None:
            sent[0] = True  # httpx does not say when: assume on the wire (conservative)
        headers = {"Content-Type": "application/json"} if body or method == "POST" else None
        response = await self._client.request(method, path, content=body, headers=headers)
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


def make_pool(
    kind: str, base_url: str, size: int, headers: dict[str, str] | None = None
) -> RawPool | HttpxPool:
    """The pool named by `--http-client`."""
    if kind == "raw":
        return RawPool(base_url, size, headers)
    if kind == "httpx":
        return HttpxPool(base_url, size, headers)
    raise ValueError(f"unknown HTTP client {kind!r} (raw or httpx)")
