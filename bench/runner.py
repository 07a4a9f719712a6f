"""One benchmark run: start the servers, connect the crowd, run the scenarios, check, clean up.

Everything is bounded: one global deadline (`--timeout`) caps every wait, servers and load
processes are stopped in `finally`, and the run ends with a correctness check whose failure
fails the run: the responses the server stored must equal the distinct (phone, question)
pairs it acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from bench import scenarios
from bench.admin import Admin
from bench.cluster import Cluster, start_cluster
from bench.presenter import Presenter
from bench.server import (
    Spawned,
    load_average,
    pss_kib,
    raise_open_file_limit,
    rss_kib,
    spawn_app,
    spawn_noop,
    wait_healthy,
)
from bench.workers import start_workers

DEFAULT_SCENARIOS = ("join", "idle", "storm", "projector", "slide", "baseline")
# openwall is opt-in: two 30-s runs that flood the phones on purpose (see bench.scenarios)
ALL_SCENARIOS = (*DEFAULT_SCENARIOS, "openwall")


@dataclass
class Options:
    participants: int
    vote_rate: float
    duration: float
    scenarios: tuple[str, ...]
    server_url: str | None
    admin_token: str | None
    server_pid: int | None
    http_client: str
    http_conns: int
    join_concurrency: int
    load_procs: int
    timeout: float
    loop: str
    wall: scenarios.WallOptions = field(default_factory=scenarios.WallOptions)
    cluster: int = 0  # workers on a throwaway PostgreSQL and Redis; 0: one laptop-mode server
    storm_results: str = "deck"  # the storm question's results to phones: deck, shown, hidden


def machine() -> dict[str, Any]:
    """nproc, CPU model and RAM, for the record."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "websockets": websockets.__version__,
        "loadavg_start": load_average(),
    }


async def run(opts: Options) -> dict[str, Any]:
    """Run the selected scenarios; returns every figure plus the correctness verdict."""
    started = time.monotonic()
    deadline = started + opts.timeout
    soft, hard = raise_open_file_limit()
    report: dict[str, Any] = {
        "bench": "rondvraag",
        "machine": machine(),
        "config": {
            "participants": opts.participants,
            "vote_rate": opts.vote_rate,
            "duration_s": opts.duration,
            "scenarios": list(opts.scenarios),
            "http_client": opts.http_client,
            "http_conns": opts.http_conns,
            "join_concurrency": opts.join_concurrency,
            "load_procs": opts.load_procs,
            "load_loop": opts.loop,
            "open_file_limit": soft,
            "server": opts.server_url or "spawned",
            "rate_limits": "server default" if opts.server_url else "disabled (JOIN/VOTE_RATE=0)",
            "max_participants": None if opts.server_url else opts.participants + 100,
        },
        "scenarios": {},
    }
    if opts.cluster:
        report["config"]["cluster"] = {
            "workers": opts.cluster,
            "spread": "round robin by the bench (no proxy): phone p on worker p % N, "
            "vote i to worker i % N",
            "presenter_and_admin_on": "worker 0",
            "postgres": "throwaway cluster, fsync = on, synchronous_commit = on",
            "redis": "throwaway redis-server, no persistence",
        }
    if "openwall" in opts.scenarios:
        report["config"]["openwall"] = {
            "phones": opts.wall.phones,
            "answers": opts.wall.answers,
            "chars": opts.wall.chars,
            "rate": opts.wall.rate,
            "duration_s": opts.wall.duration,
        }
    # Each process holds one socket per phone it serves or plays, plus HTTP connections: a
    # server (worker) its share of the phones and the load's pools, a load process its share
    # of the phones and a pool per server.
    servers = max(1, opts.cluster)
    k = opts.load_procs
    per_server = -(-opts.participants // servers) + opts.http_conns + 200
    per_load = -(-opts.participants // k) + servers * max(1, opts.http_conns // k) + 200
    if max(per_server, per_load) > soft:
        raise SystemExit(
            f"bench: {opts.participants} phones need about {per_server} open files per server "
            f"process and {per_load} per load process, the limit is {soft} (hard {hard}); "
            "lower --participants, or raise --load-procs (or --cluster)"
        )
    tmp = Path(tempfile.mkdtemp(prefix="rondvraag-bench-"))
    spawned: list[Spawned] = []
    admin: Admin | None = None
    presenter: Presenter | None = None
    workers: list[Any] = []
    cluster: Cluster | None = None
    server_pids: list[int] = []
    backing: dict[str, int] = {}
    try:
        if opts.server_url:
            base_url = opts.server_url.rstrip("/")
            base_urls = [base_url]
            token = opts.admin_token or ""
            server_pid = opts.server_pid
        elif opts.cluster:
            token = secrets.token_urlsafe(24)
            cluster = await asyncio.to_thread(
                start_cluster, opts.cluster, tmp, token, opts.participants + 100
            )
            spawned.extend(cluster.workers)
            base_urls = cluster.base_urls
            base_url, server_pid = base_urls[0], cluster.workers[0].pid
            server_pids = [w.pid for w in cluster.workers]
            backing = {"postgres": cluster.pg.postmaster_pid(), "redis": cluster.redis.pid}
        else:
            token = secrets.token_urlsafe(24)
            app = spawn_app(
                tmp / "data", token, tmp / "server.log", max_participants=opts.participants + 100
            )
            spawned.append(app)
            base_url, server_pid = app.base_url, app.pid
            base_urls = [base_url]
        noop_url = noop_pid = None
        if "baseline" in opts.scenarios:
            noop = spawn_noop(tmp / "noop.log")
            spawned.append(noop)
            noop_url, noop_pid = noop.base_url, noop.pid
        for server in spawned:
            await wait_healthy(server, min(deadline, time.monotonic() + 60))
        report["config"]["server_pid"] = server_pid
        if cluster is not None:
            report["config"]["cluster"]["worker_pids"] = server_pids
            report["config"]["cluster"]["worker_urls"] = base_urls
            report["config"]["cluster"]["backing_pids"] = backing

        admin = Admin(base_url, token)
        code = await admin.session_code()
        for url in base_urls[1:]:  # every worker serves the one session
            other = Admin(url, token)
            try:
                other_code = await other.session_code()
            finally:
                await other.close()
            if other_code != code:
                raise RuntimeError(f"{url} serves session {other_code}, worker 0 serves {code}")
        stored_before = await admin.responses_per_question(code)
        if server_pids:
            rss_before = sum(rss_kib(p) for p in server_pids)
        else:
            rss_before = rss_kib(server_pid) if server_pid else None

        crowd_args = [
            {
                "base_urls": base_urls,
                "code": code,
                "indices": list(range(w, opts.participants, k)),
                "http_client": opts.http_client,
                "http_conns": max(1, opts.http_conns // k),
            }
            for w in range(k)
        ]
        workers = start_workers(k, crowd_args)
        presenter = Presenter(base_url, code, token)
        await presenter.connect(timeout=max(1.0, min(30.0, deadline - time.monotonic())))

        ctx = scenarios.Context(
            base_url=base_url,
            code=code,
            admin=admin,
            presenter=presenter,
            workers=workers,
            participants=opts.participants,
            vote_rate=opts.vote_rate,
            duration=opts.duration,
            join_concurrency=opts.join_concurrency,
            deadline=deadline,
            server_pid=server_pid,
            server_pids=server_pids,
            backing=backing,
            counters=cluster.counters if cluster is not None else None,
            backing_pss_before={name: pss_kib(pid) for name, pid in backing.items()},
            noop_url=noop_url,
            noop_pid=noop_pid,
            rss_before_kib=rss_before,
            wall=opts.wall,
            storm_results=opts.storm_results,
        )
        steps = [
            ("join", scenarios.join_burst, True),
            ("idle", scenarios.idle_room, "idle" in opts.scenarios),
            ("storm", scenarios.vote_storm, "storm" in opts.scenarios),
            ("projector", scenarios.vote_to_projector, "projector" in opts.scenarios),
            ("slide", scenarios.slide_change, "slide" in opts.scenarios),
            ("baseline", scenarios.baseline, "baseline" in opts.scenarios),
            ("openwall", scenarios.open_wall, "openwall" in opts.scenarios),
        ]
        for name, step, wanted in steps:
            if not wanted:
                continue
            if time.monotonic() > deadline:
                report["scenarios"][name] = {"skipped": "global deadline (--timeout) reached"}
                continue
            figures = await step(ctx)
            if name in opts.scenarios:
                report["scenarios"][name] = figures

        acked: Counter[str] = Counter()
        unanswered: Counter[str] = Counter()
        for pairs in await asyncio.gather(*(w.call("acked_pairs") for w in workers)):
            acked.update(pairs["acked"])
            unanswered.update(pairs["unanswered"])
        stored_after = await admin.responses_per_question(code)
        report["correctness"] = check(
            acked,
            unanswered,
            stored_before,
            stored_after,
            skip=ctx.checked_questions,
            own=ctx.own_checks,
        )
        counters = await asyncio.gather(*(w.call("counters") for w in workers))
        report["load"] = {
            "phone_messages": sum(c["messages"] for c in counters),
            "phone_message_bytes": sum(c["message_bytes"] for c in counters),
            "unexpected_disconnects": sum(c["disconnects"] for c in counters),
            "presenter": presenter.summary(),
        }
        skipped = [n for n, f in report["scenarios"].items() if "skipped" in f]
        if skipped:
            report.setdefault("errors", []).append(f"skipped: {', '.join(skipped)}")
        report["ok"] = report["correctness"]["ok"] and not report.get("errors")
        for server in spawned:
            if server.proc.poll() is not None:
                report["ok"] = False
                report.setdefault("errors", []).append(f"{server.name} server died")
    except Exception as exc:  # reported in the JSON line; the run fails with exit code 1
        traceback.print_exc(file=sys.stderr)
        report["ok"] = False
        report.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}")
    finally:
        if presenter is not None:
            await presenter.close()
        for worker in workers:
            await worker.close()
        if admin is not None:
            await admin.close()
        for server in spawned:
            server.stop()
        if not report.get("ok", False):
            for server in spawned:
                tail = server.log_tail()
                if tail:
                    print(f"--- {server.name} server log (tail) ---\n{tail}", file=sys.stderr)
            if cluster is not None and cluster.pg.log_tail():
                print(f"--- postgres log (tail) ---\n{cluster.pg.log_tail()}", file=sys.stderr)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report["machine"]["loadavg_end"] = load_average()
    report["elapsed_s"] = round(time.monotonic() - started, 2)
    return report


def check(
    acked: Counter[str],
    unanswered: Counter[str],
    before: dict[str, int],
    after: dict[str, int],
    skip: set[str] | frozenset[str] = frozenset(),
    own: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Stored responses (growth during the run) against acknowledged (phone, question) pairs.

    Any difference fails the run. Votes the bench sent but got no answer for (timed out in
    flight) may or may not be stored; the verdict says whether they could explain the gap.
    Questions in `skip` were checked by their scenario, round by round (the open wall resets
    its question between runs); those checks come in `own` and count like the others.
    """
    changed = {q for q in after if after[q] != before.get(q, 0)}
    questions = sorted((set(acked) | changed) - set(skip))
    per_question = {
        q: {
            "acknowledged": acked.get(q, 0),
            "stored": after.get(q, 0) - before.get(q, 0),
            "unanswered": unanswered.get(q, 0),
        }
        for q in questions
    }
    per_question.update(own or {})
    ok = all(v["acknowledged"] == v["stored"] for v in per_question.values())
    explained = all(
        0 <= v["stored"] - v["acknowledged"] <= v["unanswered"] for v in per_question.values()
    )
    if ok:
        verdict = "OK"
    elif explained:
        verdict = "MISMATCH, within votes the bench stopped waiting for (server too slow)"
    else:
        verdict = "MISMATCH: stored responses differ from acknowledged ones (lost or phantom)"
    return {
        "acknowledged": sum(v["acknowledged"] for v in per_question.values()),
        "stored": sum(v["stored"] for v in per_question.values()),
        "per_question": per_question,
        "ok": ok,
        "verdict": verdict,
    }
