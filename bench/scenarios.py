"""The scenarios. Each takes the shared `Context` and returns its figures as plain data.

They run in a fixed order on one server and one crowd: join burst, idle room, vote storm,
vote to projector, slide change, baseline, open wall. Later scenarios need the phones the join
burst connected, so the join always happens; `--scenarios` only chooses what is measured and
shown. The open wall comes last: it sends phones beyond its room size away.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.admin import Admin
from bench.health import HealthProbe
from bench.presenter import Presenter
from bench.server import cpu_seconds, machine_busy_seconds, pss_kib, rss_kib, runq_wait_seconds
from bench.stats import rate, ratio, summarise
from bench.wall import entries_per_phone, entry_length_bounds, wall_texts
from bench.workers import LocalWorker, ProcessWorker

monotonic = time.monotonic

STORM_QUESTION = "rol"  # the deck's choice question
PROJECTOR_QUESTION = "drijfveren"  # the deck's wordcloud: one unique word per vote
SLIDE_CHANGES = 5
IDLE_SECONDS = 2.0
START_DELAY = 0.2  # lead time so every load process has the schedule before vote 0 is due
WALL_QUESTION = "onthouden"  # the deck's open question (max_answers 5, max_length 280)
WALL_LEAD = 0.5  # seconds between starting a wall run and its first submission
WALL_GRACE = 15.0  # seconds submissions in flight at the window's end may still take
WALL_QUIET_MAX = 20.0  # longest wait for the phones to stop receiving after a run
HEALTH_INTERVAL = 0.1  # one GET /healthz every 100 ms


@dataclass(frozen=True)
class WallOptions:
    """Size of the open wall: room, entries, entry length, submission rate, window."""

    phones: int = 300
    answers: int | None = None  # None: 5 per phone
    chars: int = 270
    rate: float = 50.0
    duration: float = 30.0


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
    # Every process serving the app: [server_pid] on a laptop, the workers of a cluster.
    server_pids: list[int] = field(default_factory=list)
    # What the workers share (--cluster): part name -> pid ("postgres": the postmaster, whose
    # process tree and reaped children are summed; "redis": redis-server).
    backing: dict[str, int] = field(default_factory=dict)
    # Work counters of the shared parts (--cluster): {"pg_commits": n, "redis_commands": n}.
    counters: Callable[[], dict[str, int]] | None = None
    noop_url: str | None = None
    noop_pid: int | None = None
    run_id: str = field(default_factory=lambda: os.urandom(3).hex())
    storm_figures: dict[str, Any] | None = None
    rss_before_kib: int | None = None
    backing_pss_before: dict[str, int] = field(default_factory=dict)
    wall: WallOptions = field(default_factory=WallOptions)
    # "deck": the storm question's results as the deck sets them (shown); "shown"/"hidden":
    # reveal/hide them first. Hidden, the storm costs the vote path without the phones' fan-out.
    storm_results: str = "deck"
    # Questions a scenario checks itself (the global stored == acknowledged check skips them),
    # and the checks it made: name -> {"acknowledged", "stored", "unanswered"}.
    own_checks: dict[str, dict[str, int]] = field(default_factory=dict)
    checked_questions: set[str] = field(default_factory=set)

    def remaining(self) -> float:
        return self.deadline - monotonic()

    def bounded(self, seconds: float) -> float:
        """An absolute deadline `seconds` from now, never past the global one."""
        return min(self.deadline, monotonic() + seconds)


class Meter:
    """Per scenario: CPU of the server (every worker), of PostgreSQL and Redis in a cluster,
    of the load processes and of the whole machine, and the load event-loop lag.

    `server_pid` measures another server instead (the no-op baseline) and leaves out the
    cluster's shared parts. CPU seconds come from /proc/PID/stat (user + system), sampled at
    start and stop; the machine's busy time from /proc/stat, so "other" is what jobs outside
    the bench used meanwhile.
    """

    def __init__(self, ctx: Context, server_pid: int | None = None) -> None:
        self._ctx = ctx
        if server_pid:
            self._servers = [server_pid]
            self._backing: dict[str, int] = {}
        else:
            self._servers = ctx.server_pids or ([ctx.server_pid] if ctx.server_pid else [])
            self._backing = dict(ctx.backing)
        self._counters = None if server_pid else ctx.counters
        self._counted: dict[str, int] = {}
        self._load = [os.getpid()] + [w.pid for w in ctx.workers if isinstance(w, ProcessWorker)]
        self._t = 0.0
        self._start: dict[str, Any] = {}

    def _sample(self) -> dict[str, Any]:
        return {
            "servers": [cpu_seconds(p) for p in self._servers],
            "wait": sum(runq_wait_seconds(p) for p in self._servers),
            "backing": {name: cpu_seconds(pid, reaped=True) for name, pid in self._backing.items()},
            "load": sum(cpu_seconds(p, tree=False) for p in self._load),
            "machine": machine_busy_seconds(),
        }

    async def start(self) -> Meter:
        await _same(self._ctx, "probe_start")
        if self._counters is not None:
            self._counted = await asyncio.to_thread(self._counters)
        self._t = monotonic()
        self._start = self._sample()
        return self

    async def stop(self) -> dict[str, Any]:
        wall = monotonic() - self._t
        end, start = self._sample(), self._start
        load = end["load"] - start["load"]
        per_server = [b - a for a, b in zip(start["servers"], end["servers"], strict=True)]
        server = sum(per_server) if self._servers else None
        wait = end["wait"] - start["wait"] if self._servers else None
        backing = {n: end["backing"][n] - start["backing"][n] for n in self._backing}
        machine = end["machine"] - start["machine"]
        counted = None
        if self._counters is not None:
            await asyncio.sleep(1.1)  # PostgreSQL backends report their commits once a second
            now = await asyncio.to_thread(self._counters)
            counted = {n: now[n] - self._counted[n] for n in now}
        lags = await _same(self._ctx, "probe_stop")
        cpu_s = {
            "server": None if server is None else round(server, 3),
            **{n: round(v, 3) for n, v in backing.items()},
            "load": round(load, 3),
            "machine": round(machine, 3),
            # outside the bench's processes: other jobs (and the kernel's softirq work)
            "other": round(machine - (server or 0.0) - sum(backing.values()) - load, 3),
        }
        if len(per_server) > 1:
            cpu_s["workers"] = [round(v, 3) for v in per_server]
        return {
            "server_cpu_pct": None if server is None else round(100 * server / wall, 1),
            # runnable but waiting for a CPU (shared machine): CPU % + this ~ 100 = saturated
            "server_runq_wait_pct": None if wait is None else round(100 * wait / wall, 1),
            "load_cpu_pct": round(100 * load / wall, 1),
            "window_s": round(wall, 3),
            "cpu_s": cpu_s,
            "parts_cpu_pct": {n: round(100 * v / wall, 1) for n, v in backing.items()},
            "machine_cpu_pct": round(100 * machine / wall, 1),
            **({"counters": counted} if counted is not None else {}),
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
    after = server_rss_kib(ctx)
    growth = after - ctx.rss_before_kib
    figures = {
        "connected": connected,
        "idle_s": IDLE_SECONDS,
        "rss_before_kib": ctx.rss_before_kib,
        "rss_after_kib": after,
        "kib_per_connection": round(growth / connected, 2) if connected else None,
        **cpu,
    }
    if len(ctx.server_pids) > 1:
        figures["rss_after_per_worker_kib"] = [rss_kib(p) for p in ctx.server_pids]
    if ctx.backing:
        figures["backing_pss_kib"] = {
            name: {"before": ctx.backing_pss_before.get(name), "after": pss_kib(pid)}
            for name, pid in ctx.backing.items()
        }
    return figures


def server_rss_kib(ctx: Context) -> int:
    """VmRSS of every process serving the app (the workers of a cluster summed)."""
    return sum(rss_kib(p) for p in ctx.server_pids or [ctx.server_pid] if p)


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
        **per_vote(cpu["cpu_s"], acked, cpu.get("counters")),
    }


def per_vote(
    cpu_s: dict[str, Any], acked: int, counters: dict[str, int] | None = None
) -> dict[str, Any]:
    """CPU ms per acknowledged vote of each part, votes per server-CPU-second, and in a
    cluster PostgreSQL commits and Redis commands per vote.

    Everything a part did in the window is charged to the votes: also the results pushed to
    the phones meanwhile and the idle room's own upkeep (pings, presence), as in a real room.
    """
    if not acked:
        return {"cpu_ms_per_vote": None, "votes_per_server_cpu_s": None}
    parts = {n: v for n, v in cpu_s.items() if n not in ("workers", "machine", "other")}
    server = cpu_s.get("server")
    figures: dict[str, Any] = {
        "cpu_ms_per_vote": {
            n: round(1000 * v / acked, 3) for n, v in parts.items() if v is not None
        },
        "votes_per_server_cpu_s": round(acked / server, 1) if server else None,
    }
    if counters:
        figures["per_vote"] = {n: round(v / acked, 3) for n, v in counters.items()}
    return figures


async def vote_storm(ctx: Context) -> dict[str, Any]:
    """Phones answer the live choice question at a fixed aggregate rate (open loop)."""
    state = await ctx.admin.control(ctx.code, "goto", STORM_QUESTION)
    if ctx.storm_results != "deck":
        action = "reveal" if ctx.storm_results == "shown" else "hide"
        state = await ctx.admin.control(ctx.code, action)
    if not state.get("voting_open", True):
        state = await ctx.admin.control(ctx.code, "open")
    options = [o["id"] for o in state["slide"]["options"]]
    path = f"/api/sessions/{ctx.code}/responses"
    figures = await _storm(ctx, path, options, None)
    figures["question"] = STORM_QUESTION
    figures["results_to_phones"] = "shown" if state.get("results_visible") else "hidden"
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
    """Time from a vote's intended send to the first presenter tally that counts it.

    Each phone votes once on the wordcloud with a word of its own, so the cloud's number of
    different words is the number of votes counted: the vote acknowledged k-th is taken to
    show in the first presenter message that counts k votes more than before the run (the
    projector gets only the top words, so it cannot be found by its word).
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
    await asyncio.sleep(0.3)  # the goto's first tally: what was counted before the run
    before = ctx.presenter.distinct()
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
    acked = sorted((at, due) for _, due, at, _ in votes if at is not None)
    await ctx.presenter.wait_for(before + len(acked), ctx.bounded(10))
    cpu = await meter.stop()
    latencies = _counted_latencies(acked, ctx.presenter.results, before)
    times = [t for t, _, _ in ctx.presenter.results if t >= t0]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    ack_lat = [at - due for _, due, at, _ in votes if at is not None]
    statuses = Counter(status for _, _, at, status in votes if at is None)
    unsent = sum(p["unsent"] for p in parts)
    if unsent:
        statuses["not_sent_by_deadline"] += unsent
    return {
        "question": PROJECTOR_QUESTION,
        "inclusion": "unique word per vote; k-th acked vote: first presenter tally counting k",
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
        **per_vote(cpu["cpu_s"], len(acked), cpu.get("counters")),
    }


def _counted_latencies(
    acked: list[tuple[float, float]], results: list[tuple[float, int, int]], before: int
) -> list[float]:
    """For the k-th acknowledged vote (ack time order), the time from its due time to the
    first presenter message counting `before + k` different words."""
    latencies = []
    message = 0
    for k, (_, due) in enumerate(acked, start=1):
        while message < len(results) and results[message][2] < before + k:
            message += 1
        if message == len(results):
            break
        latencies.append(results[message][0] - due)
    return latencies


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


# --- 7. open wall ----------------------------------------------------------------------------


async def open_wall(ctx: Context) -> dict[str, Any]:
    """The open question's answer wall growing while phones are in the room, twice: with the
    results shown to phones (`reveal`) and hidden (`hide`), same open-loop submissions.

    The first `wall.phones` phones stay (the others leave first). Each answers the open
    question again and again with one more entry each time (1, 2, ... up to its share of
    `wall.answers`, at most max_answers), so the wall grows to `wall.answers` entries of about
    `wall.chars` characters. A presenter `reset` before each run starts a new round, so both
    runs grow the same wall from empty. Per run: bytes the phones and the presenter received
    (every data message, whatever its shape) per second of the window and the biggest single
    message, answer latency and acknowledged answers/s, /healthz latency from a separate
    process, and afterwards the stored wall checked against the acknowledged answers.
    """
    opts = ctx.wall
    phones = min(opts.phones, ctx.participants)
    staying = sum(await _same(ctx, "park", keep=phones))
    state = await ctx.admin.control(ctx.code, "goto", WALL_QUESTION)
    slide = state["slide"]
    if slide.get("type") != "open":
        raise RuntimeError(f"{WALL_QUESTION!r} is a {slide.get('type')!r} slide, not 'open'")
    max_answers, max_length = int(slide["max_answers"]), int(slide["max_length"])
    answers = opts.answers if opts.answers is not None else 5 * phones
    entries = entries_per_phone(phones, answers)
    if max(entries) > max_answers or min(entries) < 1:
        raise ValueError(
            f"{answers} wall entries over {phones} phones needs 1 to {max_answers} "
            f"(max_answers of {WALL_QUESTION!r}) per phone"
        )
    texts = wall_texts(phones, entries, opts.chars, max_length, seed=ctx.run_id)
    low, high = entry_length_bounds(opts.chars, max_length)
    total = round(opts.rate * opts.duration)
    figures: dict[str, Any] = {
        "question": WALL_QUESTION,
        "phones": phones,
        "phones_connected": staying,
        "entries": answers,
        "entries_per_phone": max(entries),
        "entry_chars": [low, high],
        "entry_bytes_mean": round(sum(len(t.encode()) for m in texts for t in m) / answers, 1),
        "submissions": total,
        "offered_rate": opts.rate,
        "duration_s": opts.duration,
        "submissions_to_full_wall": sum(entries),
    }
    probe = HealthProbe(ctx.base_url)
    try:
        await probe.ready(timeout=max(1.0, min(60.0, ctx.remaining())))
        for mode in ("shown", "hidden"):
            if ctx.remaining() < opts.duration + WALL_GRACE:
                figures[mode] = {"skipped": "global deadline (--timeout) reached"}
                continue
            figures[mode] = await _wall_run(ctx, mode, probe, phones, entries, texts, total)
    finally:
        probe.close()
    return figures


async def _quiet(ctx: Context, limit: float) -> dict[str, Any]:
    """Wait until the phones receive nothing for 0.5 s (at most `limit` s); when that was
    (the last poll that still saw bytes arrive) and the bytes received by then."""
    end = ctx.bounded(limit)
    last, last_change = -1, monotonic()
    while True:
        received = sum(t["bytes"] for t in await _same(ctx, "traffic"))
        if received == last or monotonic() >= end:
            return {"at": last_change, "bytes": received}
        last, last_change = received, monotonic()
        await asyncio.sleep(0.5)


async def _at(when: float, read: Any) -> Any:
    await asyncio.sleep(max(0.0, when - monotonic()))
    return read()


async def _wall_run(
    ctx: Context,
    mode: str,
    probe: HealthProbe,
    phones: int,
    entries: list[int],
    texts: list[list[str]],
    total: int,
) -> dict[str, Any]:
    opts = ctx.wall
    await ctx.admin.control(ctx.code, "reset")  # a new round: the wall starts empty
    state = await ctx.admin.control(ctx.code, "reveal" if mode == "shown" else "hide")
    if state["results_visible"] != (mode == "shown"):
        raise RuntimeError(f"results_visible is {state['results_visible']} after {mode!r}")
    if not state["voting_open"]:
        await ctx.admin.control(ctx.code, "open")
    await _quiet(ctx, WALL_QUIET_MAX)
    ctx.presenter.watch(None)
    presenter = ctx.presenter
    k = len(ctx.workers)
    meter = await Meter(ctx).start()
    t0 = monotonic() + WALL_LEAD
    window_end = t0 + opts.duration
    deadline = ctx.bounded(WALL_LEAD + opts.duration + WALL_GRACE)

    def presenter_now() -> tuple[int, int, int]:
        counts = (presenter.payload_bytes, presenter.messages, presenter.max_message)
        presenter.reset_max()
        return counts

    p_start = asyncio.create_task(_at(t0, presenter_now))
    p_end = asyncio.create_task(_at(window_end, presenter_now))
    health = asyncio.create_task(probe.sample(t0, window_end, HEALTH_INTERVAL, deadline))
    parts = await _all(
        ctx,
        "wall",
        [
            dict(
                path=f"/api/sessions/{ctx.code}/responses",
                question=WALL_QUESTION,
                phones=phones,
                entries=entries,
                texts={g: texts[g] for g in range(w, phones, k)},
                t0=t0,
                rate=opts.rate,
                total=total,
                window_end=window_end,
                deadline=deadline,
            )
            for w in range(k)
        ],
    )
    cpu = await meter.stop()
    (pb0, pm0, _), (pb1, pm1, p_max) = await p_start, await p_end
    healthz = await health
    after = await _quiet(ctx, WALL_QUIET_MAX)
    result = await ctx.admin.result(ctx.code, WALL_QUESTION)

    latencies = [x for p in parts for x in p["latencies"]]
    statuses: Counter[str] = Counter()
    for p in parts:
        statuses.update(p["statuses"])
    errors = {s: n for s, n in statuses.items() if not (s.isdigit() and 200 <= int(s) < 300)}
    start = [p["traffic_start"] for p in parts]
    end = [p["traffic_end"] for p in parts]
    window = opts.duration
    phone_bytes = sum(e["bytes"] for e in end) - sum(s["bytes"] for s in start)
    phone_msgs = sum(e["messages"] for e in end) - sum(s["messages"] for s in start)
    acked_in_window = sum(p["acked_in_window"] for p in parts)
    stored_entries = len(result.get("answers") or [])
    checks = {
        "participants": (
            sum(p["acked_phones"] for p in parts),
            int(result["responses"]),
            sum(p["unknown"] for p in parts),
        ),
        "entries": (
            sum(p["expected_entries"] for p in parts),
            stored_entries,
            sum(p["unknown_entries"] for p in parts),
        ),
    }
    for what, (acked, stored, unknown) in checks.items():
        ctx.own_checks[f"{WALL_QUESTION} {mode}: {what}"] = {
            "acknowledged": acked,
            "stored": stored,
            "unanswered": unknown,
        }
    ctx.checked_questions.add(WALL_QUESTION)
    return {
        "results_visible": mode == "shown",
        "round": int(result["round"]),
        "offered": total,
        "acked": len(latencies),
        "acked_in_window": acked_in_window,
        "acked_per_s": rate(acked_in_window, window),
        "latency": summarise(latencies),
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "phones": {
            "bytes": phone_bytes,
            "bytes_per_s": round(phone_bytes / window),
            "messages": phone_msgs,
            "max_message": max(e["max_message"] for e in end),
            "connected_at_end": sum(e["connected"] for e in end),
            "disconnects": sum(e["disconnects"] for e in end)
            - sum(s["disconnects"] for s in start),
            "bytes_after_window": after["bytes"] - sum(e["bytes"] for e in end),
            "quiet_after_s": round(max(0.0, after["at"] - window_end), 2),
        },
        "presenter": {
            "bytes": pb1 - pb0,
            "bytes_per_s": round((pb1 - pb0) / window),
            "messages": pm1 - pm0,
            "max_message": p_max,
        },
        "healthz": {
            **summarise(healthz["latencies"]),
            "probes": healthz["probes"],
            "failures": sum(healthz["failures"].values()),
            "failures_by_kind": healthz["failures"],
            "slowest_at_s_ms": healthz["slowest"],
        },
        "stored": {
            "responses": int(result["responses"]),
            "entries": stored_entries,
            "acked_participants": checks["participants"][0],
            "expected_entries": checks["entries"][0],
        },
        "server_rss_kib": server_rss_kib(ctx) if ctx.server_pid else None,
        **cpu,
    }
