"""Command line of `python -m bench`: options, run, print the table and one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bench.report import json_line, table
from bench.runner import ALL_SCENARIOS, DEFAULT_SCENARIOS, Options, run
from bench.scenarios import WallOptions
from bench.workers import install_fast_loop

DESCRIPTION = """\
Load benchmark for Rondvraag. Starts `python -m app serve questions/samenwerking.yaml` on
127.0.0.1 (fresh data dir, random admin token, RONDVRAAG_JOIN_RATE=0 and RONDVRAAG_VOTE_RATE=0:
the server's rate limits are per IP and all bench load comes from one IP), plus a no-op FastAPI
server under the same uvicorn options (`python -m bench.noop_server`) for the baseline. Drives
them with real websocket (websockets library) and HTTP/1.1 keep-alive clients from this process
(or --load-procs child processes), prints a table and then ONE line of JSON (starting with `{`),
and exits. Exit code 1 when the stored responses differ from the acknowledged ones or the run
broke; every wait is bounded by --timeout.

Scenarios (in this order, on one server and one crowd of phones):
  join       N phones POST /join and open their websocket, --join-concurrency at a time:
             joins/s, failures (non-2xx, failed handshakes), time until all got their first
             state message.
  idle       server RSS (VmRSS) growth per connected idle phone: before any phone vs after
             all are connected and idle for ~2 s.
  storm      phones answer the choice question `rol` at --vote-rate votes/s for --duration s
             (open-loop schedule; latency from each vote's intended send time, so a stalled
             server cannot hide behind a slower client): acked votes/s, p50/p99/max, errors.
  projector  a presenter websocket; each phone votes once on the wordcloud `drijfveren` with a
             word of its own (results hidden from phones meanwhile); time from a vote's
             intended send to the first presenter `results` message counting it (the k-th
             acknowledged vote: the first tally with k different words more than before).
  slide      POST /control {"action": "next"} 5 times; time until each connected phone got the
             `state` message with the new slide.
  baseline   the storm's load shape and client against POST /noop of the no-op server; the
             vote path as a ratio of that floor (throughput and p50).
  openwall   (not in the default list: --scenarios openwall) the open question `onthouden`
             with --wall-phones phones in the room (others leave first). Each answers again
             and again with one more entry (1, 2, ... 5), so the answer wall grows to
             --wall-answers entries of ~--wall-chars characters; --wall-rate submissions/s
             (open loop) for --wall-duration s. Run twice, results shown to phones (`reveal`)
             and hidden (`hide`), each from an empty wall (presenter `reset`). Per run: bytes/s
             and biggest message received by the phones and by the presenter (every data
             message, whatever its shape), answer latency and acked/s, GET /healthz latency
             every 100 ms from a separate process, and the stored wall (participants and
             entries) against the acknowledged answers.
The join always runs (the others need connected phones); --scenarios picks what is reported.
After the run, GET /results must show as many stored responses as there were distinct
acknowledged (phone, question) pairs.

--cluster N runs the same scenarios on a cluster instead: a throwaway PostgreSQL (initdb as the
`postgres` user when root; fsync and synchronous_commit on) and redis-server in the run's
temporary folder, and N workers `python -m app serve DECK --database URL --redis URL`, each on
its own port, with the same environment. No proxy: the bench spreads the load itself (phone p
joins and keeps its websocket on worker p % N, vote i goes to worker i % N); the presenter
socket and the admin calls use worker 0, so votes and slide changes cross workers. Every
scenario also reports the CPU seconds of the workers, PostgreSQL (the postmaster's process
tree) and Redis, of the load processes and of the whole machine, and the storm CPU ms per
acknowledged vote of each part.
"""


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def scenario_list(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in ALL_SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {','.join(ALL_SCENARIOS)}"
        )
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--participants",
        type=positive_int,
        metavar="N",
        help="phones to simulate (default 2000, sized for a 2-core machine; with "
        "--scenarios openwall alone: --wall-phones)",
    )
    p.add_argument(
        "--vote-rate",
        type=positive_float,
        default=1000.0,
        metavar="R",
        help="aggregate votes per second offered in storm, projector and baseline (default 1000)",
    )
    p.add_argument(
        "--duration",
        type=positive_float,
        default=10.0,
        metavar="S",
        help="seconds of voting in storm and baseline; projector sends min(N, R*S) votes "
        "(default 10)",
    )
    p.add_argument(
        "--scenarios",
        type=scenario_list,
        default=DEFAULT_SCENARIOS,
        metavar="LIST",
        help=f"comma list of scenarios to run and report, from {','.join(ALL_SCENARIOS)} "
        f"(default {','.join(DEFAULT_SCENARIOS)})",
    )
    wall = WallOptions()
    p.add_argument(
        "--wall-phones",
        type=positive_int,
        default=wall.phones,
        metavar="N",
        help=f"openwall: phones in the room, the first N of the crowd (default {wall.phones})",
    )
    p.add_argument(
        "--wall-answers",
        type=positive_int,
        metavar="A",
        help="openwall: entries on the full wall, spread over the phones, at most max_answers "
        "(5) each (default 5 per phone: 1500 for 300 phones)",
    )
    p.add_argument(
        "--wall-chars",
        type=positive_int,
        default=wall.chars,
        metavar="C",
        help=f"openwall: entry length, C-20 to C+10 characters, at most the question's "
        f"max_length (default {wall.chars})",
    )
    p.add_argument(
        "--wall-rate",
        type=positive_float,
        default=wall.rate,
        metavar="R",
        help=f"openwall: answer submissions per second, open loop (default {wall.rate:g}; "
        "the wall is full after phones x entries submissions)",
    )
    p.add_argument(
        "--wall-duration",
        type=positive_float,
        default=wall.duration,
        metavar="S",
        help=f"openwall: seconds of each run, shown and hidden (default {wall.duration:g})",
    )
    p.add_argument(
        "--storm-results",
        choices=("deck", "shown", "hidden"),
        default="deck",
        help="storm: the question's results to phones as the deck has them (default: shown), "
        "or reveal/hide them first; hidden, the storm measures the vote path without the "
        "results pushed to every phone up to twice a second",
    )
    p.add_argument(
        "--cluster",
        type=positive_int,
        metavar="N",
        help="start a throwaway PostgreSQL and Redis and N workers on them, and spread the "
        "phones and votes over the workers (see above); default: one laptop-mode server",
    )
    p.add_argument(
        "--json-only",
        action="store_true",
        help="print only the JSON line (no table)",
    )
    p.add_argument(
        "--server-url",
        metavar="URL",
        help="use an already running server (http://127.0.0.1:PORT) instead of spawning one; "
        "needs --admin-token; its rate limits stay as configured",
    )
    p.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get("RONDVRAAG_ADMIN_TOKEN"),
        help="admin token of --server-url (default: $RONDVRAAG_ADMIN_TOKEN)",
    )
    p.add_argument(
        "--server-pid",
        type=positive_int,
        metavar="PID",
        help="pid of --server-url's process, for RSS and CPU figures (else those are skipped)",
    )
    p.add_argument(
        "--http-client",
        choices=("raw", "httpx"),
        default="raw",
        help="HTTP client: raw asyncio HTTP/1.1 keep-alive pool (default; several times less "
        "CPU per request) or httpx.AsyncClient (HTTP/1.1 keep-alive pool)",
    )
    p.add_argument(
        "--http-conns",
        type=positive_int,
        default=64,
        metavar="C",
        help="keep-alive HTTP connections in the pool, split over load processes (default 64)",
    )
    p.add_argument(
        "--join-concurrency",
        type=positive_int,
        default=200,
        metavar="C",
        help="phones joining at once in the join burst (default 200)",
    )
    p.add_argument(
        "--load-procs",
        type=positive_int,
        default=1,
        metavar="K",
        help="load processes: 1 = this process (default); K > 1 splits the phones over K "
        "child processes (one monotonic clock for all)",
    )
    p.add_argument(
        "--timeout",
        type=positive_float,
        metavar="S",
        help="global deadline for the whole run in seconds (default 60 + N/40 + 8 * duration, "
        "plus 2 * (wall duration + 60) with openwall)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.server_url and not args.admin_token:
        parser().error("--server-url needs --admin-token (or $RONDVRAAG_ADMIN_TOKEN)")
    if args.server_url and args.cluster:
        parser().error("--cluster starts its own workers: leave out --server-url")
    participants = args.participants
    if participants is None:
        participants = args.wall_phones if args.scenarios == ("openwall",) else 2000
    timeout = 60 + participants / 40 + 8 * args.duration
    if "openwall" in args.scenarios:
        timeout += 2 * (args.wall_duration + 60)
    if args.cluster:
        timeout += 60  # initdb, PostgreSQL, Redis and the workers' start
    loop = install_fast_loop()
    opts = Options(
        participants=participants,
        vote_rate=args.vote_rate,
        duration=args.duration,
        scenarios=args.scenarios,
        server_url=args.server_url,
        admin_token=args.admin_token,
        server_pid=args.server_pid,
        http_client=args.http_client,
        http_conns=args.http_conns,
        join_concurrency=args.join_concurrency,
        load_procs=args.load_procs,
        timeout=args.timeout or timeout,
        loop=loop,
        cluster=args.cluster or 0,
        storm_results=args.storm_results,
        wall=WallOptions(
            phones=args.wall_phones,
            answers=args.wall_answers,
            chars=args.wall_chars,
            rate=args.wall_rate,
            duration=args.wall_duration,
        ),
    )
    report = asyncio.run(run(opts))
    if not args.json_only:
        print(table(report))
    print(json_line(report))
    sys.stdout.flush()
    return 0 if report.get("ok") else 1
