"""The six scenarios. Each takes the shared `Context` and returns its figures as plain data.

They run in a fixed order on one server and one crowd: join burst, idle room, vote storm,
vote to projector, slide change, baseline. Later scenarios need the phones the join burst
connected, so the join always happens; `--scenarios` only chooses what is measured and shown.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.admin import Admin
from bench.presenter import Presenter
from bench.server import cpu_seconds, rss_kib
from bench.stats import rate, ratio, summarise
from bench.workers import LocalWorker, ProcessWorker

monotonic = time.monotonic

STORM_QUESTION = "rol"  # the deck's choice question
PROJECTOR_QUESTION = "drijfveren"  # the deck's wordcloud: one unique word per vote
SLIDE_CHANGES = 5
IDLE_SECONDS = 2.0
START_DELAY = 0.2  # lead time so every load process has the schedule before vote 0 is due


@dataclass
class Context:
    """Everything the scenarios share."""

    base_url: str
    code: str
    admin: Admin
    presenter: Presenter
    workers: list[LocalWorker | ProcessWorker]
    participants: int
    vote_rate: float
    duration: float
    join_concurrency: int
    deadline: float
    server_pid: int | None
    noop_url: str | None = None
    noop_pid: int | None = None
    run_id: str = field(default_factory=lambda: os.urandom(3).hex())
    storm_figures: dict[str, Any] | None = None
    rss_before_kib: int | None = None

    def remaining(self) -> float:
        return self.deadline - monotonic()

    def bounded(self, seconds: float) -> float:
        """An absolute deadline `seconds` from now, never past the global one."""
        return min(self.deadline, monotonic() + seconds)


class Meter:
    """Per scenario: CPU % of the server and of the load processes, and load event-loop lag."""

    def __init__(self, ctx: Context, server_pid: int | None = None) -> None:
        self._ctx = ctx
        self._server = server_pid or ctx.server_pid
        self._load = [os.getpid()] + [w.pid for w in ctx.workers if isinstance(w, ProcessWorker)]
        self._t = 0.0
        self._server_cpu = 0.0
        self._load_cpu = 0.0

    async def start(self) -> Meter:
        await _same(self._ctx, "probe_start")
        self._t = monotonic()
        self._server_cpu = cpu_seconds(self._server) if self._server else 0.0
        self._load_cpu = sum(cpu_seconds(p, tree=False) for p in self._load)
        return self

    async def stop(self) -> dict[str, Any]:
        wall = monotonic() - self._t
        load = sum(cpu_seconds(p, tree=False) for p in self._load) - self._load_cpu
        server = cpu_seconds(self._server) - self._server_cpu if self._server else None
        lags = await _same(self._ctx, "probe_stop")
        return {
            "server_cpu_pct": None if server is None else round(100 * server / wall, 1),
            "load_cpu_pct": round(100 * load / wall, 1),
            "load_loop_lag_ms": {
                "p99": max((lag["p99_ms"] or 0.0) for lag in lags),
                "max": max((lag["max_ms"] or 0.0) for lag in lags),
                "gc_total": max(lag["gc_total_ms"] for lag in lags),
                "gc_max": max(lag["gc_max_ms"] for lag in lags),
            },
        }


async def _all(ctx: Context, method: str, per_worker: list[dict[str, Any]]) -> list[Any]:
    return await asyncio.gather(
        *(w.call(method, **kw) for w, kw in zip(ctx.workers, per_worker, strict=True))
    )


async def _same(ctx: Context, method: str, **kwargs: Any) -> list[Any]:
    return await _all(ctx, method, [kwargs] * len(ctx.workers))


async def phone_messages(ctx: Context) -> int:
    return sum(c["messages"] for c in await _same(ctx, "counters"))


# --- 1. join burst ---------------------------------------------------------------------------


async def join_burst(ctx: Context) -> dict[str, Any]:
    """N phones join and open their websocket, `join_concurrency` in flight at a time."""
    per = max(1, -(-ctx.join_concurrency // len(ctx.workers)))
    meter = await Meter(ctx).start()
    start = monotonic()
    parts = await _same(
        ctx, "join", concurrency=per, deadline=ctx.bounded(60 + ctx.participants / 20)
    )
    cpu = await meter.stop()
    joined = [t for p in parts for t in p["joined_at"]]
    connected = [t for p in parts for t in p["connected_at"]]
    failures: Counter[str] = Counter()
    for p in parts:
        failures.update(p["failures"])
    last_join = max(joined, default=start)
    return {
        "phones": ctx.participants,
        "concurrency": ctx.join_concurrency,
        "joined": len(joined),
        "connected": len(connected),
        "failures": sum(failures.values()),
        "failures_by_kind": dict(failures),
        "joins_per_s": rate(len(joined), last_join - start),
        "all_connected_s": (
            round(max(connected) - start, 3) if len(connected) == ctx.participants else None
        ),
        "last_connected_s": round(max(connected) - start, 3) if connected else None,
        **cpu,
    }


# --- 2. idle room ----------------------------------------------------------------------------


async def idle_room(ctx: Context) -> dict[str, Any]:
    """Server RSS growth per connected, idle phone (RSS before any phone vs after ~2 s idle)."""
    meter = await Meter(ctx).start()
    await asyncio.sleep(min(IDLE_SECONDS, max(0.0, ctx.remaining())))
    cpu = await meter.stop()
    connected = sum(c["connected"] for c in await _same(ctx, "counters"))
    if ctx.server_pid is None or ctx.rss_before_kib is None:
        return {"connected": connected, "not_measured": "server pid unknown (use --server-pid)"}
    after = rss_kib(ctx.server_pid)
    growth = after - ctx.rss_before_kib
    return {
        "connected": connected,
        "idle_s": IDLE_SECONDS,
        "rss_before_kib": ctx.rss_before_kib,
        "rss_after_kib": after,
        "kib_per_connection": round(growth / connected, 2) if connected else None,
        **cpu,
    }


# --- 3. vote storm (and 6. its baseline) -----------------------------------------------------


async def _storm(ctx: Context, path: str, options: list[str], pool_url: str | None) -> dict:
    total = round(ctx.vote_rate * ctx.duration)
    k = len(ctx.workers)
    before = await phone_messages(ctx)
    meter = await Meter(ctx, ctx.noop_pid if pool_url else None).start()
    t0 = monotonic() + START_DELAY
    deadline = ctx.bounded(START_DELAY + ctx.duration + 30)
    parts = await _all(
        ctx,
        "storm",
        [
            dict(
                path=path,
                question=STORM_QUESTION,
                options=options,
                t0=t0,
                rate=ctx.vote_rate,
                total=total,
                offset=w,
                stride=k,
                deadline=deadline,
                pool_url=pool_url,
            )
            for w in range(k)
        ],
    )
    cpu = await meter.stop()
    latencies = [x for p in parts for x in p["latencies"]]
    statuses: Counter[str] = Counter()
    for p in parts:
        statuses.update(p["statuses"])
    acked = len(latencies)
    last = max(p["last_done"] for p in parts)
    errors = {s: n for s, n in statuses.items() if not (s.isdigit() and 200 <= int(s) < 300)}
    return {
        "offered": total,
        "offered_rate": ctx.vote_rate,
        "duration_s": ctx.duration,
        "acked": acked,
        "acked_per_s": rate(acked, last - t0),
        "latency": summarise(latencies),
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "phone_messages": await phone_messages(ctx) - before,
        **cpu,
    }


async def vote_storm(ctx: Context) -> dict[str, Any]:
    """Phones answer the live choice question at a fixed aggregate rate (open loop)."""
    state = await ctx.admin.control(ctx.code, "goto", STORM_QUESTION)
    if not state.get("voting_open", True):
        state = await ctx.admin.control(ctx.code, "open")
    options = [o["id"] for o in state["slide"]["options"]]
    path = f"/api/sessions/{ctx.code}/responses"
    figures = await _storm(ctx, path, options, None)
    figures["question"] = STORM_QUESTION
    ctx.storm_figures = figures
    return figures


async def baseline(ctx: Context) -> dict[str, Any]:
    """The same load shape and client against a no-op FastAPI endpoint; vote path as a ratio."""
    assert ctx.noop_url is not None
    options = ["a", "b", "c"]
    figures = await _storm(ctx, "/noop", options, ctx.noop_url)
    storm = ctx.storm_figures
    figures["vote_vs_noop"] = {
        "throughput_ratio": ratio(storm["acked_per_s"], figures["acked_per_s"]) if storm else None,
        "p50_ratio": (
            ratio(storm["latency"]["p50_ms"], figures["latency"]["p50_ms"]) if storm else None
        ),
    }
    return figures


# --- 4. vote to projector --------------------------------------------------------------------


async def vote_to_projector(ctx: Context) -> dict[str, Any]:
    """Time from a vote's intended send to the first presenter tally that contains it.

    Each phone votes once on the wordcloud with a word of its own, so inclusion is exact.
    The slide's results are hidden from phones meanwhile: every phone would otherwise get the
    whole growing list of unique words up to 10 times a second, a load no real room makes
    (real word clouds repeat words). The presenter gets results whether hidden or not.
    The results stay hidden afterwards: revealing them would push the whole list of unique
    words to every phone at once, disturbing the slide-change scenario that follows.
    """
    await ctx.admin.control(ctx.code, "goto", PROJECTOR_QUESTION)
    state = await ctx.admin.control(ctx.code, "hide")
    if not state.get("voting_open", True):
        await ctx.admin.control(ctx.code, "open")
    ctx.presenter.watch(PROJECTOR_QUESTION)
    connected = sum(c["connected"] for c in await _same(ctx, "counters"))
    total = min(connected, round(ctx.vote_rate * ctx.duration))
    k = len(ctx.workers)
    prefix = f"w{ctx.run_id}p"
    meter = await Meter(ctx).start()
    t0 = monotonic() + START_DELAY
    deadline = ctx.bounded(START_DELAY + ctx.duration + 30)
    parts = await _all(
        ctx,
        "vote_once",
        [
            dict(
                question=PROJECTOR_QUESTION,
                word_prefix=prefix,
                t0=t0,
                rate=ctx.vote_rate,
                total=total,
                stride=k,
                offset=w,
                deadline=deadline,
            )
            for w in range(k)
        ],
    )
    votes = [v for p in parts for v in p["votes"]]
    acked = {word: due for word, due, at, _ in votes if at is not None}
    await ctx.presenter.wait_for(set(acked), ctx.bounded(10))
    cpu = await meter.stop()
    seen = ctx.presenter.first_seen
    latencies = [seen[w] - due for w, due in acked.items() if w in seen]
    times = [t for t, _ in ctx.presenter.results if t >= t0]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    ack_lat = [at - due for _, due, at, _ in votes if at is not None]
    statuses = Counter(status for _, _, at, status in votes if at is None)
    unsent = sum(p["unsent"] for p in parts)
    if unsent:
        statuses["not_sent_by_deadline"] += unsent
    return {
        "question": PROJECTOR_QUESTION,
        "inclusion": "unique word per vote, first presenter results message containing it",
        "votes": total,
        "offered_rate": ctx.vote_rate,
        "acked": len(acked),
        "errors_by_status": dict(statuses),
        "seen_by_presenter": len(latencies),
        "missing": len(acked) - len(latencies),
        "presenter_results_messages": len(ctx.presenter.results),
        "presenter_max_gap_ms": round(max(gaps, default=0.0) * 1000, 1),
        "latency": summarise(latencies),
        "ack_latency": summarise(ack_lat),
        **cpu,
    }


# --- 5. slide change -------------------------------------------------------------------------


async def slide_change(ctx: Context) -> dict[str, Any]:
    """`next` a few times; time until each connected phone has the new slide's state."""
    latencies: list[float] = []
    per_change: list[dict[str, Any]] = []
    watched_total = 0
    meter = await Meter(ctx).start()
    for _ in range(SLIDE_CHANGES):
        if ctx.remaining() < 15:
            break
        state = await ctx.admin.state(ctx.code)
        slides = [s["id"] for s in ctx.presenter.slides()]
        current = slides.index(state["slide"]["id"])
        action = "next" if current < len(slides) - 1 else "prev"
        expected = slides[current + 1] if action == "next" else slides[current - 1]
        watched = sum(await _same(ctx, "watch_slide", slide_id=expected))
        t0 = monotonic()
        new_state = await ctx.admin.control(ctx.code, action)
        if new_state["slide"]["id"] != expected:
            raise RuntimeError(f"{action} went to {new_state['slide']['id']}, not {expected}")
        parts = await _same(ctx, "wait_slide", deadline=ctx.bounded(10))
        arrived = [t - t0 for p in parts for t in p["arrived"]]
        latencies.extend(arrived)
        watched_total += watched
        per_change.append(
            {
                "slide": expected,
                "phones": watched,
                "received": len(arrived),
                "all_ms": round(max(arrived) * 1000, 2) if arrived else None,
            }
        )
        await asyncio.sleep(0.5)
    cpu = await meter.stop()
    return {
        "changes": len(per_change),
        "phones_watched": watched_total,
        "received": len(latencies),
        "missing": watched_total - len(latencies),
        "latency": summarise(latencies),
        "per_change": per_change,
        **cpu,
    }
