"""A separate health-check client: `GET /healthz` every ~100 ms from its own process.

It stands for a load balancer or a monitoring probe. It runs in a process of its own, so the
phones' reading in the load process cannot delay its timestamps: its latencies describe the
server. Probes follow an open-loop schedule (probe k is due at t0 + k * interval, started at its
due time on a keep-alive pool, latency measured from the due time), so a server that stalls for
a second shows ten slow probes, not one. A probe that gets no 200 by the deadline is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

from bench.http_client import RawPool

POOL = 32  # connections: enough for 3 s of probes in flight at 100 ms


class HealthProbe:
    """A child process that samples /healthz between two monotonic times (one clock on Linux)."""

    def __init__(self, base_url: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, base_url), daemon=True)
        self._proc.start()

    async def ready(self, timeout: float) -> None:
        """Wait until the child has started (imports done, loop running)."""
        async with asyncio.timeout(timeout):
            message = await asyncio.to_thread(self._conn.recv)
        if message != "ready":
            raise RuntimeError(f"health probe did not start: {message!r}")

    async def sample(
        self, t0: float, t_end: float, interval: float, deadline: float
    ) -> dict[str, Any]:
        """Probes due in [t0, t_end); waits for the answers until `deadline` at most."""
        self._conn.send((t0, t_end, interval, deadline))
        async with asyncio.timeout(max(1.0, deadline - time.monotonic() + 5)):
            return await asyncio.to_thread(self._conn.recv)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)


def _child_main(conn: Connection, base_url: str) -> None:
    from bench.workers import install_fast_loop

    install_fast_loop()
    conn.send("ready")
    while (job := conn.recv()) is not None:
        conn.send(asyncio.run(_sample(base_url, *job)))


async def _sample(
    base_url: str, t0: float, t_end: float, interval: float, deadline: float
) -> dict[str, Any]:
    pool = RawPool(base_url, POOL)
    latencies: list[float] = []
    slowest: list[tuple[float, float]] = []  # (latency, due - t0) of answered probes
    failures: dict[str, int] = {}

    async def probe(due: float) -> None:
        try:
            async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                status, _ = await pool.request("GET", "/healthz")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            key = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            failures[key] = failures.get(key, 0) + 1
            return
        if status == 200:
            latency = time.monotonic() - due
            latencies.append(latency)
            slowest.append((latency, due - t0))
        else:
            failures[str(status)] = failures.get(str(status), 0) + 1

    tasks = []
    k = 0
    while (due := t0 + k * interval) < t_end:
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        tasks.append(asyncio.create_task(probe(due)))
        k += 1
    await asyncio.gather(*tasks)
    await pool.close()
    worst = sorted(slowest, reverse=True)[:5]
    return {
        "probes": k,
        "latencies": latencies,
        "failures": failures,
        # when the worst probes were due (s after t0) and how long they took (ms)
        "slowest": [[round(at, 2), round(lat * 1000, 1)] for lat, at in worst],
    }
