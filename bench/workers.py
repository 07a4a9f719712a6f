"""Load processes: a `Crowd` driven in this process or in a child process, through one API.

With `--load-procs 1` the crowd runs on the bench's own event loop (the server is a subprocess,
so load and server never share an interpreter). With more, each child process runs a crowd of
its own slice of the phones; commands and results travel over a pipe as plain data, and all
timestamps come from `time.monotonic`, one clock for every process on Linux.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import traceback
from multiprocessing.connection import Connection
from typing import Any

from bench.phones import Crowd


class WorkerFailed(Exception):
    """A load process raised or died; the message carries its traceback."""


def install_fast_loop() -> str:
    """Use uvloop when installed (it comes with uvicorn[standard]); returns the loop name."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


class LocalWorker:
    """A crowd on the current event loop."""

    def __init__(self, crowd_args: dict[str, Any]) -> None:
        self.crowd = Crowd(**crowd_args)
        self.pid = os.getpid()

    async def call(self, method: str, **kwargs: Any) -> Any:
        result = getattr(self.crowd, method)(**kwargs)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    async def close(self) -> None:
        await self.crowd.close()


class ProcessWorker:
    """A crowd in a child process; one command at a time."""

    def __init__(self, crowd_args: dict[str, Any]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, crowd_args), daemon=True)
        self._proc.start()
        child.close()
        self.pid = self._proc.pid
        self._lock = asyncio.Lock()

    async def call(self, method: str, **kwargs: Any) -> Any:
        async with self._lock:
            self._conn.send((method, kwargs))
            await _readable(self._conn)
            try:
                ok, value = self._conn.recv()
            except EOFError as exc:
                raise WorkerFailed(f"load process {self.pid} died during {method}") from exc
        if not ok:
            raise WorkerFailed(f"load process {self.pid} failed in {method}:\n{value}")
        return value

    async def close(self) -> None:
        with contextlib.suppress(WorkerFailed, TimeoutError, OSError):
            await asyncio.wait_for(self.call("close"), timeout=20)
        self._conn.close()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)


async def _readable(conn: Connection) -> None:
    """Wait until the pipe has data, without blocking the loop.

    uvloop's add_reader makes the descriptor non-blocking; the pipe's recv and send then fail
    with EAGAIN half-way through a message bigger than the pipe buffer (10,000 phones' join
    timings are), so it goes back to blocking once the reader is removed.
    """
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)


def _child_main(conn: Connection, crowd_args: dict[str, Any]) -> None:
    install_fast_loop()
    asyncio.run(_serve(conn, crowd_args))


async def _serve(conn: Connection, crowd_args: dict[str, Any]) -> None:
    crowd = Crowd(**crowd_args)
    while True:
        await _readable(conn)
        try:
            method, kwargs = conn.recv()
        except EOFError:  # the bench went away: stop
            await crowd.close()
            return
        try:
            result = getattr(crowd, method)(**kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            conn.send((True, result))
        except Exception:
            conn.send((False, traceback.format_exc()))
        if method == "close":
            return


def start_workers(
    count: int, crowd_args: list[dict[str, Any]]
) -> list[LocalWorker | ProcessWorker]:
    """One local crowd when count is 1, else `count` child processes."""
    if count == 1:
        return [LocalWorker(crowd_args[0])]
    return [ProcessWorker(args) for args in crowd_args]
