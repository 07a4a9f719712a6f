"""A crowd of simulated phones: join, hold a websocket, vote on a schedule.

One `Crowd` lives in each load process and owns a slice of the phones. Every method takes and
returns plain data (floats from `time.monotonic`, which is one system-wide clock on Linux), so
the same object can be driven in-process or from another process through `bench.workers`.

Votes follow an open-loop schedule: vote i has an intended send time `t0 + i / rate`, and its
latency is measured from that time, not from when a connection happened to be free. A stalled
server therefore shows up as latency instead of silently lowering the offered rate (the
coordinated-omission trap described in the wrk2 README).
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from websockets.exceptions import InvalidHandshake, InvalidStatus

from bench.http_client import Pool, make_pool, split_base
from bench.stats import summarise
from bench.wall import submission
from bench.wsclient import Inbox, PhoneSocket, SocketClosed

monotonic = time.monotonic
PROBE_INTERVAL = 0.005
STATE_MAX_BYTES = 65536  # bigger text messages are counted, never searched for a state
Job = Callable[[], Awaitable[None]]


@dataclass(slots=True, eq=False)
class Phone:
    """One participant: its token, its websocket and what it has seen."""

    index: int  # global phone number, unique across load processes
    token: str = ""
    ws: PhoneSocket | None = None
    connected_at: float | None = None  # first `state` message received
    ready: asyncio.Future[float] | None = None
    seen: dict[str, float] = field(default_factory=dict)  # slide id -> first state with it
    acked: set[str] = field(default_factory=set)  # questions with an acknowledged answer
    parked: bool = False  # socket closed on purpose (not part of the open wall's room)


class Crowd:
    """The phones of one load process, and the load they generate.

    With several servers (`base_urls`, the workers of a cluster) the load is spread over them
    round robin, as a balancer would: phone p joins and keeps its websocket on server
    p % n, and request i of a schedule (vote, wall submission) goes to server i % n, whichever
    phone sends it, so votes reach the projector across workers. Each server has a pool of
    `http_conns` keep-alive connections; the schedule's `http_conns` senders bound them all.
    """

    def __init__(
        self,
        base_urls: list[str],
        code: str,
        indices: list[int],
        http_client: str,
        http_conns: int,
    ) -> None:
        self.base_urls = list(base_urls)
        self.servers = [split_base(url) for url in self.base_urls]
        self.inbox = Inbox()
        self.code = code
        self.phones = [Phone(i) for i in indices]
        self.http_client = http_client
        self.http_conns = http_conns
        self._pools = [make_pool(http_client, url, http_conns) for url in self.base_urls]
        self.disconnects = 0
        self._watch: tuple[str, int, asyncio.Event] | None = None
        self._watch_count = 0
        self._closing = False
        self.unanswered: Counter[str] = Counter()  # question -> sent votes without an answer

    # --- join ----------------------------------------------------------------------------

    async def join(self, concurrency: int, deadline: float) -> dict[str, Any]:
        """Every phone joins over HTTP and opens its websocket, `concurrency` at a time.

        Returns per-phone timings (join answered, first state received) and failures.
        """
        slots = asyncio.Semaphore(concurrency)
        failures: Counter[str] = Counter()
        joined_at: list[float] = []
        path = f"/api/sessions/{self.code}/join"

        async def one(phone: Phone) -> None:
            async with slots:
                await attempt(phone)
                if phone.connected_at is None and phone.ws is not None:
                    phone.ws.abort()  # failed half-way: not a phone of the room
                    phone.ws = None

        async def attempt(phone: Phone) -> None:
            try:
                async with asyncio.timeout(max(0.1, deadline - monotonic())):
                    pool = self._pools[phone.index % len(self._pools)]
                    status, body = await pool.request("POST", path, b"{}")
                    if not 200 <= status < 300:
                        failures[f"join_{status}"] += 1
                        return
                    joined_at.append(monotonic())
                    phone.token = json.loads(body)["participant"]
                    await self._open_ws(phone)
            except TimeoutError:
                failures["timeout"] += 1
            except InvalidStatus as exc:
                failures[f"handshake_{exc.response.status_code}"] += 1
            except InvalidHandshake:
                failures["handshake_failed"] += 1
            except SocketClosed:
                failures["closed_before_state"] += 1
            except OSError as exc:
                failures[f"os_{type(exc).__name__}"] += 1
            except (ValueError, KeyError):
                failures["bad_join_answer"] += 1

        await asyncio.gather(*(one(p) for p in self.phones))
        # The phones live until the end: keep the collector from rescanning them in every
        # full collection, which would stall this loop (and delay timestamps) mid-scenario.
        gc.freeze()
        return {
            "phones": len(self.phones),
            "joined_at": joined_at,
            "connected_at": [p.connected_at for p in self.phones if p.connected_at is not None],
            "failures": dict(failures),
        }

    async def _open_ws(self, phone: Phone) -> None:
        """Open the phone's websocket (on server index % n) and wait for its first `state`."""
        host, port = self.servers[phone.index % len(self.servers)]
        uri = f"ws://{host}:{port}/ws/sessions/{self.code}?participant={quote(phone.token)}"
        phone.ready = asyncio.get_running_loop().create_future()
        sock = await PhoneSocket.open(
            host,
            port,
            uri,
            self.inbox,
            lambda arrived, data: self._on_text(phone, arrived, data),
            max_size=2**24,
        )
        phone.ws = sock
        sock.closed.add_done_callback(lambda _: self._lost(phone))
        await phone.ready

    def _on_text(self, phone: Phone, now: float, data: bytes) -> None:
        """Parse only `state` messages; every message is already counted by the inbox.

        A state message is small (one slide's public view); big messages (a whole answer
        wall) are not even searched, so the phones read hundreds of MB/s cheaply.
        """
        if len(data) > STATE_MAX_BYTES or b'"state"' not in data:
            return
        message = json.loads(data)
        if message.get("type") != "state":
            return
        slide_id = message["slide"]["id"]
        if phone.connected_at is None:
            phone.connected_at = now
            if phone.ready is not None and not phone.ready.done():
                phone.ready.set_result(now)
        if slide_id not in phone.seen:
            phone.seen[slide_id] = now
            watch = self._watch
            if watch is not None and watch[0] == slide_id:
                self._watch_count += 1
                if self._watch_count >= watch[1]:
                    watch[2].set()

    def _lost(self, phone: Phone) -> None:
        if phone.ready is not None and not phone.ready.done():
            phone.ready.set_exception(SocketClosed("closed before the first state message"))
        elif not self._closing and not phone.parked:
            self.disconnects += 1

    def connected(self) -> list[Phone]:
        return [p for p in self.phones if p.ws is not None and p.ws.is_open]

    # --- votes ---------------------------------------------------------------------------

    async def _open_loop(
        self,
        schedule: Iterable[tuple[float, Job]],
        count: int,
        senders: int,
        deadline: float,
    ) -> int:
        """Start each job at its due time through `senders` concurrent senders.

        A job due while every sender is busy waits in a queue, and that wait counts in its
        latency (measured from the due time by the job itself): the offered rate never
        drops because the server is slow. Jobs still queued at the deadline are not sent;
        their number is returned.
        """
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        unsent = 0

        async def sender() -> None:
            nonlocal unsent
            while (job := await queue.get()) is not None:
                if monotonic() >= deadline:
                    unsent += 1
                else:
                    await job()

        tasks = [asyncio.create_task(sender()) for _ in range(senders)]
        scheduled = 0
        for due, job in schedule:
            now = monotonic()
            if now >= deadline:
                break
            if due > now:
                await asyncio.sleep(due - now)
            queue.put_nowait(job)
            scheduled += 1
        for _ in tasks:
            queue.put_nowait(None)
        await asyncio.gather(*tasks)
        return unsent + count - scheduled

    async def _post(
        self, pool: Pool, path: str, body: dict[str, Any], deadline: float, question: str | None
    ) -> tuple[str, int | None]:
        """POST one vote; (status key, HTTP status or None when there was no answer)."""
        sent = [False]
        try:
            async with asyncio.timeout(max(0.1, deadline - monotonic())):
                status, _ = await pool.request("POST", path, json.dumps(body).encode(), sent)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            return self._failed(exc, sent[0], question), None
        return str(status), status

    async def storm(
        self,
        path: str,
        question: str,
        options: list[str],
        t0: float,
        rate: float,
        total: int,
        offset: int,
        stride: int,
        deadline: float,
        pool_url: str | None = None,
    ) -> dict[str, Any]:
        """Send this process's share of `total` votes on the open-loop schedule.

        Vote i (global, i = offset, offset + stride, ...) is due at t0 + i / rate and is cast
        by one of this process's phones in turn; phones cycle through `options` so tallies
        keep changing. `pool_url` sends the same requests to another server (the baseline).
        """
        phones = self.connected() or self.phones
        pools = (
            [make_pool(self.http_client, pool_url, self.http_conns)] if pool_url else self._pools
        )
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        last_done = [t0]
        tracked = question if pool_url is None else None

        def vote(due: float, phone: Phone, answer: str, pool: Pool) -> Job:
            async def job() -> None:
                body = {"participant": phone.token, "question": question, "answer": answer}
                key, status = await self._post(pool, path, body, deadline, tracked)
                statuses[key] += 1
                if status is not None and 200 <= status < 300:
                    done = monotonic()
                    latencies.append(done - due)
                    last_done[0] = max(last_done[0], done)
                    if tracked:
                        phone.acked.add(question)

            return job

        mine = range(offset, total, stride)
        n_phones = len(phones)

        def schedule() -> Iterator[tuple[float, Job]]:
            for n, i in enumerate(mine):
                phone = phones[n % n_phones]
                answer = options[(n // n_phones + phone.index) % len(options)]
                due = t0 + i / rate
                yield due, vote(due, phone, answer, pools[i % len(pools)])

        unsent = await self._open_loop(schedule(), len(mine), self.http_conns, deadline)
        if pool_url:
            await pools[0].close()
        if unsent:
            statuses["not_sent_by_deadline"] += unsent
        return {
            "offered": len(mine),
            "latencies": latencies,
            "statuses": dict(statuses),
            "last_done": last_done[0],
        }

    async def vote_once(
        self,
        question: str,
        word_prefix: str,
        t0: float,
        rate: float,
        total: int,
        stride: int,
        offset: int,
        deadline: float,
    ) -> dict[str, Any]:
        """Each of the first phones casts one vote: a word unique to that vote.

        Vote i (global) is due at t0 + i / rate and carries the word `{prefix}{phone index}`,
        so the presenter can tell exactly which votes a `results` message includes.
        Returns (word, due, acknowledged at or None, status) per vote.
        """
        phones = self.connected()
        path = f"/api/sessions/{self.code}/responses"
        votes: list[tuple[str, float, float | None, str]] = []

        def vote(due: float, phone: Phone, pool: Pool) -> Job:
            async def job() -> None:
                word = f"{word_prefix}{phone.index}"
                body = {"participant": phone.token, "question": question, "answer": word}
                key, status = await self._post(pool, path, body, deadline, question)
                acked = None
                if status is not None and 200 <= status < 300:
                    acked = monotonic()
                    phone.acked.add(question)
                votes.append((word, due, acked, key))

            return job

        mine = list(range(offset, total, stride))[: len(phones)]
        pools = self._pools
        schedule = (
            (t0 + i / rate, vote(t0 + i / rate, phones[n], pools[i % len(pools)]))
            for n, i in enumerate(mine)
        )
        unsent = await self._open_loop(schedule, len(mine), self.http_conns, deadline)
        return {"votes": votes, "unsent": unsent}

    def _failed(self, exc: BaseException, sent: bool, question: str | None) -> str:
        """The error key of a vote without an answer; counts votes whose fate is unknown.

        A vote that timed out or broke after it went on the wire may still have been stored;
        the correctness check reports those separately from real mismatches.
        """
        if not sent:
            return "not_sent_by_deadline" if isinstance(exc, TimeoutError) else "connect_failed"
        if question is not None:
            self.unanswered[question] += 1
        if isinstance(exc, TimeoutError):
            return "timeout_in_flight"
        return f"error_{type(exc).__name__}"

    # --- the open wall --------------------------------------------------------------------

    async def park(self, keep: int) -> int:
        """Close the sockets of phones numbered `keep` and up (they leave the room); returns
        how many of this process's phones stay connected."""
        leaving = [p for p in self.phones if p.index >= keep and p.ws is not None]
        for phone in leaving:
            phone.parked = True
        await asyncio.gather(*(p.ws.close(timeout=5) for p in leaving if p.ws is not None))
        return len(self.connected())

    def traffic(self) -> dict[str, Any]:
        """What the phones received so far (every data message, by payload size)."""
        inbox = self.inbox
        return {
            "at": monotonic(),
            "messages": inbox.messages,
            "bytes": inbox.payload_bytes,
            "max_message": inbox.max_message,
            "disconnects": self.disconnects,
            "connected": len(self.connected()),
        }

    async def _traffic_at(self, when: float, reset_max: bool) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, when - monotonic()))
        figures = self.traffic()
        if reset_max:
            self.inbox.reset_max()
        return figures

    async def wall(
        self,
        path: str,
        question: str,
        phones: int,
        entries: list[int],
        texts: dict[int, list[str]],
        t0: float,
        rate: float,
        total: int,
        window_end: float,
        deadline: float,
    ) -> dict[str, Any]:
        """This process's share of the open wall's submissions, on an open-loop schedule.

        Submission i (global) is due at t0 + i / rate and is participant i % phones answering
        with its growing list of entries (`bench.wall.submission`); all are due within the
        window. One still queued or in flight when the window ends (a slow server) may still
        go out and finish until `deadline`: it counts in latency, not in acked/s. One
        participant's submissions go one at a time, in order (a phone waits for the answer
        before it sends the next), so the stored answer is the last acknowledged one and the
        wall's exact size is known. Latency counts from the due time, waiting included.
        Byte counters are read at t0 and at window_end, so traffic is that of the window.
        """
        mine = {p.index: p for p in self.phones if p.index < phones}
        pools = self._pools
        latencies: list[float] = []
        acked_at: list[float] = []
        statuses: Counter[str] = Counter()
        last_entries: dict[int, int] = {}  # participant -> entries of its last acked answer
        unknown = [0, 0]  # submissions of unknown fate, their entries
        locks = {g: asyncio.Lock() for g in mine}

        def job_for(due: float, phone: Phone, answer: list[str], pool: Pool) -> Job:
            async def job() -> None:
                body = {"participant": phone.token, "question": question, "answer": answer}
                async with locks[phone.index]:
                    key, status = await self._post(pool, path, body, deadline, None)
                statuses[key] += 1
                if status is not None and 200 <= status < 300:
                    done = monotonic()
                    latencies.append(done - due)
                    acked_at.append(done)
                    last_entries[phone.index] = len(answer)
                elif status is None and key not in ("not_sent_by_deadline", "connect_failed"):
                    unknown[0] += 1
                    unknown[1] += len(answer)

            return job

        plan = [i for i in range(total) if i % phones in mine]

        def schedule() -> Iterator[tuple[float, Job]]:
            for i in plan:
                g, answer = submission(i, phones, entries, texts)
                due = t0 + i / rate
                yield due, job_for(due, mine[g], answer, pools[i % len(pools)])

        start = asyncio.create_task(self._traffic_at(t0, reset_max=True))
        end = asyncio.create_task(self._traffic_at(window_end, reset_max=False))
        unsent = await self._open_loop(schedule(), len(plan), self.http_conns, deadline)
        if unsent:
            statuses["not_sent_by_deadline"] += unsent
        return {
            "offered": len(plan),
            "latencies": latencies,
            "acked_in_window": sum(1 for t in acked_at if t <= window_end),
            "statuses": dict(statuses),
            "acked_phones": len(last_entries),
            "expected_entries": sum(last_entries.values()),
            "unknown": unknown[0],
            "unknown_entries": unknown[1],
            "traffic_start": await start,
            "traffic_end": await end,
        }

    # --- slide changes -------------------------------------------------------------------

    def watch_slide(self, slide_id: str) -> int:
        """Start counting phones that receive a state with `slide_id`; returns phones watched."""
        for phone in self.phones:
            phone.seen.pop(slide_id, None)
        target = len(self.connected())
        self._watch_count = 0
        self._watch = (slide_id, target, asyncio.Event())
        if target == 0:
            self._watch[2].set()
        return target

    async def wait_slide(self, deadline: float) -> dict[str, Any]:
        """Wait until every watched phone has the slide (or the deadline); their arrival times."""
        assert self._watch is not None
        slide_id, target, event = self._watch
        try:
            async with asyncio.timeout(max(0.0, deadline - monotonic())):
                await event.wait()
        except TimeoutError:
            pass
        self._watch = None
        arrived = [p.seen[slide_id] for p in self.phones if slide_id in p.seen]
        return {"watched": target, "arrived": arrived}

    # --- is the load process keeping up? -------------------------------------------------

    def probe_start(self) -> None:
        """Measure event-loop lag: how late a 5 ms sleep wakes up while the scenario runs.

        Every timestamp here is taken when a `recv` returns; if this loop lags, so do they.
        A small lag shows the figures describe the server, not this process.
        """
        self._lags: list[float] = []
        self._gc_pauses: list[float] = []
        self._gc_started = 0.0
        gc.callbacks.append(self._gc_callback)
        gc.disable()  # no collector pauses inside a measurement; collected in probe_stop
        self._probe = asyncio.create_task(self._probe_loop())

    def _gc_callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self._gc_pauses.append(time.perf_counter() - self._gc_started)

    async def _probe_loop(self) -> None:
        while True:
            start = monotonic()
            await asyncio.sleep(PROBE_INTERVAL)
            self._lags.append(monotonic() - start - PROBE_INTERVAL)

    async def probe_stop(self) -> dict[str, float | int | None]:
        self._probe.cancel()
        await asyncio.gather(self._probe, return_exceptions=True)
        gc.callbacks.remove(self._gc_callback)
        gc.enable()
        gc.collect()
        lags = summarise(self._lags)
        lags["gc_total_ms"] = round(sum(self._gc_pauses) * 1000, 1)
        lags["gc_max_ms"] = round(max(self._gc_pauses, default=0.0) * 1000, 1)
        return lags

    # --- bookkeeping ---------------------------------------------------------------------

    def acked_pairs(self) -> dict[str, dict[str, int]]:
        """Per question: distinct (phone, question) pairs acknowledged; votes of unknown fate."""
        counts: Counter[str] = Counter()
        for phone in self.phones:
            counts.update(phone.acked)
        return {"acked": dict(counts), "unanswered": dict(self.unanswered)}

    def counters(self) -> dict[str, Any]:
        return {
            "connected": len(self.connected()),
            "messages": self.inbox.messages,
            "message_bytes": self.inbox.payload_bytes,
            "max_message": self.inbox.max_message,
            "disconnects": self.disconnects,
            "cpu_s": time.process_time(),
        }

    async def close(self) -> None:
        """Close every websocket (politely, in parallel, bounded) and the HTTP pool."""
        self._closing = True
        sockets = [p.ws for p in self.phones if p.ws is not None]
        if sockets:
            await asyncio.gather(*(ws.close(timeout=5) for ws in sockets))
        for pool in self._pools:
            await pool.close()
