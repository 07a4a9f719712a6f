"""One live session served by several workers on a real PostgreSQL and a real Redis.

Each worker is a `rondvraag serve --database postgresql://… --redis redis://…` process of its
own, as on separate hosts. Nothing is mocked: the tests kill workers, Redis and PostgreSQL
for real and check that no acknowledged answer is lost and that every screen catches up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from cluster_helpers import (
    TIMEOUT,
    Phone,
    Screen,
    Storm,
    control,
    join,
    join_key,
    recount,
    run_async,
    spawn_serve,
    start_workers,
    wait_healthy,
)
from conftest import ADMIN_TOKEN, REPO_ROOT, free_port
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.loader import load_deck

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

DECK = load_deck(REPO_ROOT / "questions" / "samenwerking.yaml")
ROL = [o.id for o in DECK.question("rol").options]


# --- 1. replicas started together ----------------------------------------------------------------


def test_workers_started_at_the_same_moment_share_one_session_code_and_secrets(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RONDVRAAG_ADMIN_TOKEN"}
    ports = [free_port() for _ in range(3)]
    cluster = [
        "--database",
        pg_url,
        "--redis",
        redis_url,
        "--public-url",
        "https://poll.example.org",
    ]
    processes = [
        spawn_serve(
            [
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data",
                str(tmp_path / f"w{n}"),
                *cluster,
            ],
            tmp_path / f"w{n}.log",
            env,
        )
        for n, port in enumerate(ports)
    ]  # all at the same moment
    try:
        for n, (port, process) in enumerate(zip(ports, processes, strict=True)):
            wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path / f"w{n}.log")
        with httpx.Client(timeout=5) as http:
            shown = subprocess.run(
                [sys.executable, "-m", "app", "token", "--database", pg_url],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert shown.returncode == 0, shown.stderr
            token = shown.stdout.strip()
            assert len(token) >= 16
            admin = {"Authorization": f"Bearer {token}"}
            lists = [
                http.get(f"http://127.0.0.1:{port}/api/sessions", headers=admin).json()
                for port in ports
            ]
            assert lists[0] == lists[1] == lists[2]
            assert len(lists[0]["sessions"]) == 1  # one session, one code
            code = lists[0]["sessions"][0]["code"]
            # A participant token from one worker is accepted by every other (shared key).
            joined = http.post(f"http://127.0.0.1:{ports[0]}/api/sessions/{code}/join", json={})
            participant = joined.json()["participant"]
            for port in ports[1:]:
                again = http.post(
                    f"http://127.0.0.1:{port}/api/sessions/{code}/join",
                    json={"participant": participant},
                )
                assert again.status_code == 200
        for n in range(3):  # the token is kept in the database, never written to a log
            assert token not in (tmp_path / f"w{n}.log").read_text()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


# --- 2. votes and slide changes across workers ---------------------------------------------------


async def test_a_vote_on_one_worker_reaches_the_projector_on_another(
    pg_url: str, redis_url: str, server_factory
) -> None:
    a, b, c = start_workers(server_factory, pg_url, redis_url, 3)
    async with httpx.AsyncClient(timeout=TIMEOUT) as http, Screen(b) as projector:
        await control(b, http, action="goto", question="drijfveren")
        key = await join_key(a, http)
        tokens = [await join(a, http, key) for _ in range(60)]
        await projector.until(lambda s: s.state.get("slide", {}).get("id") == "drijfveren", "goto")
        latencies = []
        for n, token in enumerate(tokens):
            sent = time.monotonic()
            word = f"woord{n}"
            response = await http.post(
                f"{a.base_url}/api/sessions/{a.code}/responses",
                json={"participant": token, "question": "drijfveren", "answer": word},
            )
            assert response.status_code == 201, response.text
            await projector.until(
                lambda s, n=n: bool(s.result) and s.result.get("distinct", 0) >= n + 1,
                "the vote on the projector",
            )
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(0.02)
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(
            f"\nvote on worker A -> projector on worker B: p50 {latencies[29] * 1000:.0f} ms,"
            f" p99 {p99 * 1000:.0f} ms (n={len(latencies)})"
        )

        # A slide change pressed on B reaches phones held by A and by C.
        phones = [
            Phone([f"{w.ws_url}/ws/sessions/{w.code}"], token)
            for w, token in zip([a, c] * 5, tokens[:10], strict=True)
        ]
        for phone in phones:
            phone.start()
        deadline = time.monotonic() + TIMEOUT
        while not all(p.state for p in phones):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await control(b, http, action="goto", question="stellingen")
        while not all(p.state["slide"]["id"] == "stellingen" for p in phones):
            assert time.monotonic() < deadline, [p.state["slide"]["id"] for p in phones]
            await asyncio.sleep(0.02)
        for phone in phones:
            await phone.stop()


# --- 3. presenters on two workers --------------------------------------------------------------


async def test_two_presenters_on_two_workers_pressing_keys_end_on_one_state(
    pg_url: str, redis_url: str, server_factory
) -> None:
    a, b = start_workers(server_factory, pg_url, redis_url, 2)
    async with httpx.AsyncClient(timeout=TIMEOUT) as http, Screen(a) as on_a, Screen(b) as on_b:
        total = (await http.get(f"{a.base_url}/api/sessions/{a.code}")).json()["position"]
        presses = [control(a, http, action="next") for _ in range(8)]
        presses += [control(b, http, action="next") for _ in range(8)]
        presses += [control(a, http, action="qr") for _ in range(3)]
        presses += [control(b, http, action="qr") for _ in range(3)]
        answers = await asyncio.gather(*presses)
        versions = sorted(answer["version"] for answer in answers)
        assert len(set(versions)) == len(versions)  # every press its own version
        final = (await http.get(f"{a.base_url}/api/sessions/{a.code}")).json()
        assert final["position"]["index"] == min(16, total["total"] - 1)  # no press lost
        for screen in (on_a, on_b):
            await screen.until(lambda s: s.state.get("version") == final["version"], "final state")
            assert screen.state["slide"]["id"] == final["slide"]["id"]
            assert screen.state["presenter"]["qr_visible"] is True  # six toggles: as it was
            assert screen.versions == sorted(screen.versions)  # only ever newer


# --- 4. the live tally equals a recount, whatever the order ---------------------------------------


@pytest.fixture(scope="module")
def property_cluster(tmp_path_factory, pg_cluster, redis_server):
    """Three workers for the property test, started once for all its examples."""
    import redis

    database = pg_cluster.new_database()
    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    env = dict(os.environ, RONDVRAAG_ADMIN_TOKEN=ADMIN_TOKEN, RONDVRAAG_VOTE_RATE="0")
    workers = []
    for n in range(3):
        port = free_port()
        data = tmp_path_factory.mktemp(f"prop{n}")
        args = ["--host", "127.0.0.1", "--port", str(port), "--data", str(data)]
        args += ["--database", database, "--redis", redis_server]
        args += ["--public-url", f"http://127.0.0.1:{port}"]
        workers.append((spawn_serve(args, data / "serve.log", env), port, data / "serve.log"))
    try:
        bases = []
        for process, port, log in workers:
            bases.append(f"http://127.0.0.1:{port}")
            wait_healthy(bases[-1], process, log)
        with httpx.Client(timeout=5) as http:
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            code = http.get(f"{bases[0]}/api/sessions", headers=admin).json()["sessions"][0]["code"]
        yield bases, code, admin
    finally:
        for process, _, _ in workers:
            process.terminate()
        for process, _, _ in workers:
            process.wait(timeout=15)
        pg_cluster.drop_database(database)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # the worker that takes the answer
            st.integers(0, 11),  # the participant
            st.lists(st.sampled_from(ROL), min_size=1, max_size=1),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_live_tally_equals_the_database_recount_for_answers_spread_over_workers(
    property_cluster, answers
) -> None:
    bases, code, admin = property_cluster

    async def run() -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            await http.post(
                f"{bases[0]}/api/sessions/{code}/control",
                json={"action": "goto", "question": "rol"},
                headers=admin,
            )
            await http.post(  # a fresh round per example: its own tally
                f"{bases[1]}/api/sessions/{code}/control", json={"action": "reset"}, headers=admin
            )
            view = await http.get(f"{bases[0]}/api/sessions/{code}/presenter", headers=admin)
            key = view.json()["presenter"]["join_key"]
            tokens = []
            for n in range(12):
                http.cookies.clear()
                joined = await http.post(
                    f"{bases[n % 3]}/api/sessions/{code}/join", json={"key": key}
                )
                tokens.append(joined.json()["participant"])

            async def send(worker: int, person: int, value: list[str]) -> None:
                response = await http.post(
                    f"{bases[worker]}/api/sessions/{code}/responses",
                    json={"participant": tokens[person], "question": "rol", "answer": value},
                )
                assert response.status_code == 201, response.text

            # Answers of different people at once; one person's answers in order.
            by_person: dict[int, list[tuple[int, list[str]]]] = {}
            for worker, person, value in answers:
                by_person.setdefault(person, []).append((worker, value))

            async def person_answers(person: int) -> None:
                for worker, value in by_person[person]:
                    await send(worker, person, value)

            await asyncio.gather(*(person_answers(p) for p in by_person))
            results = await http.get(f"{bases[2]}/api/sessions/{code}/results", headers=admin)
            truth = next(q for q in results.json()["questions"] if q["id"] == "rol")
            expected = Counter(o for p in by_person for o in by_person[p][-1][1])
            assert truth["counts"] == {o: expected.get(o, 0) for o in truth["counts"]}
            for base in bases:  # every worker's live tally shows exactly the recount
                async with Screen(base_url=base, code=code, headers=admin) as screen:
                    await screen.until(
                        lambda s: (
                            bool(s.result)
                            and s.result["round"] == truth["round"]
                            and s.result["counts"] == truth["counts"]
                            and s.result["responses"] == truth["responses"]
                        ),
                        "the recount on the live tally",
                    )

    run_async(run())


# --- 5–7. losing a worker, Redis or PostgreSQL mid-storm --------------------------------------


async def stored_answers(worker, http: httpx.AsyncClient) -> dict[str, list[str]]:
    """participant token's id -> stored answer to `rol`, from the JSON export."""
    export = await http.get(
        f"{worker.base_url}/api/sessions/{worker.code}/export.json",
        headers=worker.admin_headers(),
        timeout=TIMEOUT,
    )
    assert export.status_code == 200, export.text
    return export.json()


def check_nothing_acknowledged_was_lost(storm: Storm, rows: list[dict], round_: int) -> None:
    """Every acknowledged answer is stored (or one sent after it whose reply was lost); no
    participant is stored twice."""
    stored = [r for r in rows if r["question"] == "rol" and r["round"] == round_]
    by_pseudonym = Counter(r["participant"] for r in stored)
    assert max(by_pseudonym.values(), default=1) == 1  # one answer per participant
    assert len(stored) >= len(storm.acked)  # none lost (more: un-acked ones that landed)


async def storm_setup(workers, http, participants: int = 60):
    a = workers[0]
    await control(a, http, action="goto", question="rol")
    key = await join_key(a, http)
    tokens = [await join(workers[n % len(workers)], http, key) for n in range(participants)]
    targets = [f"{w.base_url}/api/sessions/{w.code}/responses" for w in workers]
    return tokens, targets


async def live_equals_recount(workers, http, screen_worker) -> None:
    truth = await recount(screen_worker, http, "rol")
    async with Screen(screen_worker) as screen:
        await screen.until(
            lambda s: (
                bool(s.result)
                and s.result["counts"] == truth["counts"]
                and s.result["responses"] == truth["responses"]
            ),
            f"the live tally equal to the recount {truth['counts']}",
            timeout=20,
        )


async def test_killing_a_worker_mid_storm_loses_no_acknowledged_answer(
    pg_url: str, redis_url: str, server_factory
) -> None:
    workers = start_workers(server_factory, pg_url, redis_url, 2, env={"RONDVRAAG_VOTE_RATE": "0"})
    a, b = workers
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        tokens, targets = await storm_setup(workers, http)
        phones = [
            Phone([f"{w.ws_url}/ws/sessions/{w.code}" for w in workers], t) for t in tokens[:20]
        ]
        for phone in phones:
            phone.start()
        storm = Storm(targets, tokens, "rol", ROL)
        running = asyncio.create_task(storm.run(4.0))
        await asyncio.sleep(1.5)
        a.kill9()  # mid-storm: answers in flight on A get no reply
        await running
        assert storm.statuses.get(201, 0) > 100, storm.statuses
        export = await stored_answers(b, http)
        round_ = (await recount(b, http, "rol"))["round"]
        check_nothing_acknowledged_was_lost(storm, export["responses"], round_)
        # The tally is repaired: the room went quiet, the difference is real, B replays.
        await live_equals_recount(workers, http, b)
        # Every phone is on B now, with the current state and its own answers.
        deadline = time.monotonic() + TIMEOUT
        while not all(p.connected_to.startswith(b.ws_url) and p.state for p in phones):
            assert time.monotonic() < deadline, [p.connected_to for p in phones]
            await asyncio.sleep(0.05)
        assert all(p.state["slide"]["id"] == "rol" for p in phones)
        moved = [p for p in phones if p.connects > 1]
        assert moved  # A held some of them
        for phone in phones:
            await phone.stop()
        # A phone that comes back (on whichever worker) gets its own answer as stored.
        returning = [Phone([f"{b.ws_url}/ws/sessions/{b.code}"], p.token) for p in moved]
        for phone in returning:
            phone.start()
        deadline = time.monotonic() + TIMEOUT
        while not all(p.got_answers and p.state for p in returning):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        for phone in returning:
            if phone.token in storm.acked or phone.token in storm.uncertain:
                assert phone.answers.get("rol") in storm.may_be_stored(phone.token)
            await phone.stop()


@pytest.fixture
def own_redis(tmp_path: Path):
    """A redis-server of this test's own, which it may kill and start again on its port."""
    import shutil

    port = free_port()
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--dir", str(tmp_path)]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen[bytes] | None = None

        def start(self) -> None:
            self.process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 10
            import redis

            while True:
                try:
                    with redis.Redis(port=port, socket_timeout=0.5) as client:
                        client.ping()
                        return
                except redis.exceptions.ConnectionError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)

        def kill9(self) -> None:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    server = OwnRedis()
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


async def test_killing_redis_mid_storm_loses_nothing_and_everything_catches_up(
    pg_url: str, own_redis, server_factory
) -> None:
    workers = start_workers(
        server_factory, pg_url, own_redis.url, 2, env={"RONDVRAAG_VOTE_RATE": "0"}
    )
    a, b = workers
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        tokens, targets = await storm_setup(workers, http)
        storm = Storm(targets, tokens, "rol", ROL)
        running = asyncio.create_task(storm.run(5.0))
        await asyncio.sleep(1.0)
        own_redis.kill9()
        await asyncio.sleep(0.6)
        down = [(await http.get(f"{w.base_url}/healthz")).status_code for w in workers]
        assert down == [503, 503]  # the load balancer stops sending phones to them
        await asyncio.sleep(1.0)
        own_redis.start()  # empty: the tallies and buckets are gone
        back_at = time.monotonic()
        for worker in workers:  # resubscribed by themselves, while the storm goes on
            while (await http.get(f"{worker.base_url}/healthz")).status_code != 200:
                assert time.monotonic() - back_at < 5
                await asyncio.sleep(0.02)
        print(f"\nboth workers healthy {time.monotonic() - back_at:.2f} s after Redis was back")
        await running
        # Answers were acknowledged or refused as retryable throughout; none lost.
        assert set(storm.statuses) <= {201, 503}, storm.statuses
        round_ = (await recount(a, http, "rol"))["round"]
        check_nothing_acknowledged_was_lost(
            storm, (await stored_answers(a, http))["responses"], round_
        )
        # The tallies are rebuilt from PostgreSQL on both workers.
        await live_equals_recount(workers, http, a)
        await live_equals_recount(workers, http, b)
        # A slide change reaches phones again (the workers resubscribed).
        phones = [
            Phone([f"{w.ws_url}/ws/sessions/{w.code}"], t)
            for w, t in zip(workers, tokens[:2], strict=True)
        ]
        for phone in phones:
            phone.start()
        await control(a, http, action="next")
        deadline = time.monotonic() + 5
        while not all(p.state.get("slide", {}).get("id") not in (None, "rol") for p in phones):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        for phone in phones:
            await phone.stop()


async def test_postgres_stopping_mid_storm_gives_retryable_errors_and_loses_nothing(
    pg_cluster, pg_url: str, redis_url: str, server_factory
) -> None:
    workers = start_workers(server_factory, pg_url, redis_url, 2, env={"RONDVRAAG_VOTE_RATE": "0"})
    a, b = workers
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        tokens, targets = await storm_setup(workers, http)
        storm = Storm(targets, tokens, "rol", ROL)
        running = asyncio.create_task(storm.run(6.0))
        await asyncio.sleep(1.0)
        await asyncio.to_thread(pg_cluster.stop, "immediate")
        await asyncio.sleep(1.5)
        await asyncio.to_thread(pg_cluster.start)
        await running
        assert storm.statuses.get(503, 0) > 0, storm.statuses  # refused while it was down
        assert set(storm.statuses) <= {201, 503}, storm.statuses
        after = storm.statuses.get(201, 0)
        # Writing resumed by itself after the restart.
        extra = Storm(targets, tokens[:5], "rol", ROL)
        await extra.run(1.0, voters=5)
        assert extra.statuses.get(201, 0) > 0 and after > 0
        for token, answer in extra.acked.items():
            storm.acked[token] = answer
            storm.uncertain.pop(token, None)
        round_ = (await recount(a, http, "rol"))["round"]
        check_nothing_acknowledged_was_lost(
            storm, (await stored_answers(b, http))["responses"], round_
        )
        await live_equals_recount(workers, http, b)


# --- 8. behind the shipped HAProxy configuration ------------------------------------------------


@pytest.fixture
def haproxy_in_front(tmp_path: Path):
    """Start Debian's HAProxy with deploy/haproxy.cfg in front of the given workers."""
    import shutil

    executable = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(executable).exists():
        pytest.fail("haproxy is missing: install Debian's haproxy (apt-get install haproxy)")
    started: list[subprocess.Popen[bytes]] = []

    def start(workers) -> str:
        port = free_port()
        env = dict(os.environ, RONDVRAAG_PROXY_BIND=f"127.0.0.1:{port}")
        for n, worker in enumerate(workers, start=1):
            env[f"RONDVRAAG_WORKER_{n}"] = f"127.0.0.1:{worker.port}"
        config = REPO_ROOT / "deploy" / "haproxy.cfg"
        with (tmp_path / "haproxy.log").open("wb") as log:
            process = subprocess.Popen(
                [executable, "-db", "-f", str(config)], env=env, stdout=log, stderr=log
            )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "haproxy.log").read_text()
            assert time.monotonic() < deadline, "HAProxy did not come up"
            time.sleep(0.05)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


async def phones_per_worker(redis_url: str, code: str) -> dict[str, int]:
    """Each live worker's phones, as it reports them (the presence hash in Redis)."""
    import redis.asyncio as aioredis

    async with aioredis.Redis.from_url(redis_url, decode_responses=True) as client:
        flat = await client.hgetall(f"rondvraag:presence:{code}")
        now_ms = int(time.time() * 1000)
    counts = {}
    for worker, value in flat.items():
        phones, till = value.split(":")
        if int(till) > now_ms:
            counts[worker] = int(phones)
    return counts


async def test_through_haproxy_phones_spread_over_workers_and_come_back_when_one_dies(
    pg_url: str, redis_url: str, server_factory, haproxy_in_front
) -> None:
    workers = start_workers(server_factory, pg_url, redis_url, 3)
    proxy = haproxy_in_front(workers)
    code = workers[0].code
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        key = await join_key(workers[0], http)
        tokens = []
        for _ in range(30):
            http.cookies.clear()
            joined = await http.post(f"{proxy}/api/sessions/{code}/join", json={"key": key})
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["participant"])
        proxy_ws = "ws" + proxy.removeprefix("http") + f"/ws/sessions/{code}"
        phones = [Phone([proxy_ws], token) for token in tokens]
        for phone in phones:
            phone.start()
            await asyncio.sleep(0.02)  # arriving one by one, as a room does
        deadline = time.monotonic() + TIMEOUT
        while True:
            spread = await phones_per_worker(redis_url, code)
            if len(spread) == 3 and sum(spread.values()) == 30:
                break
            assert time.monotonic() < deadline, spread
            await asyncio.sleep(0.2)
        assert min(spread.values()) >= 8, spread  # leastconn: about ten each
        connects_before = sum(p.connects for p in phones)
        workers[1].kill9()
        # Its phones reconnect through the proxy to the two others; all 30 come back.
        deadline = time.monotonic() + TIMEOUT
        while True:
            spread = await phones_per_worker(redis_url, code)
            if len(spread) == 2 and sum(spread.values()) == 30:
                break
            assert time.monotonic() < deadline, spread
            await asyncio.sleep(0.2)
        assert sum(p.connects for p in phones) >= connects_before + 8
        # And the room keeps working through the proxy: a slide change reaches every phone.
        changed = await http.post(
            f"{proxy}/api/sessions/{code}/control",
            json={"action": "goto", "question": "rol"},
            headers=workers[0].admin_headers(),
        )
        assert changed.status_code == 200
        while not all(p.state.get("slide", {}).get("id") == "rol" for p in phones):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        for phone in phones:
            await phone.stop()


def test_serve_with_two_workers_on_one_port_serves_one_session(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    """`--workers 2`: uvicorn's worker processes share the port and the session."""
    port = free_port()
    args = ["--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "d")]
    args += ["--database", pg_url, "--redis", redis_url, "--workers", "2"]
    args += ["--public-url", f"http://127.0.0.1:{port}"]
    env = dict(os.environ, RONDVRAAG_ADMIN_TOKEN=ADMIN_TOKEN)
    process = spawn_serve(args, tmp_path / "serve.log", env)
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        wait_healthy(base, process, tmp_path / "serve.log")
        with httpx.Client(timeout=5) as http:
            sessions = http.get(f"{base}/api/sessions", headers=admin).json()["sessions"]
            assert len(sessions) == 1
            code = sessions[0]["code"]
            for _ in range(20):
                http.cookies.clear()
                assert http.post(f"{base}/api/sessions/{code}/join", json={}).status_code == 201
            view = http.get(f"{base}/api/sessions/{code}/presenter", headers=admin).json()
            assert view["presenter"]["participants"] == 20  # counted over both processes
        workers = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) >= 2, workers  # two worker processes under the supervisor
        printed = (tmp_path / "serve.log").read_text()
        assert "Workers:     2 on this host" in printed and code in printed
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


async def test_a_session_ended_on_one_worker_refuses_answers_on_every_other_at_once(
    pg_url: str, redis_url: str, server_factory
) -> None:
    a, b = start_workers(server_factory, pg_url, redis_url, 2)
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        key = await join_key(a, http)
        token = await join(b, http, key)
        await control(a, http, action="goto", question="rol")
        await control(a, http, action="end")
        late = await http.post(  # straight away: before B's next look at the state
            f"{b.base_url}/api/sessions/{b.code}/responses",
            json={"participant": token, "question": "rol", "answer": ROL[0]},
        )
        assert late.status_code == 409 and late.json()["error"] == "session_ended"
        http.cookies.clear()  # a new phone
        refused = await http.post(f"{b.base_url}/api/sessions/{b.code}/join", json={"key": key})
        assert refused.status_code == 409 and refused.json()["error"] == "session_ended"


def test_export_and_delete_from_the_command_line_with_a_database_url(
    pg_url: str, redis_url: str, server_factory
) -> None:
    (worker,) = start_workers(server_factory, pg_url, redis_url, 1)
    with httpx.Client(base_url=worker.base_url, timeout=TIMEOUT) as http:
        http.post(
            f"/api/sessions/{worker.code}/control",
            json={"action": "goto", "question": "rol"},
            headers=worker.admin_headers(),
        )
        person = http.post(f"/api/sessions/{worker.code}/join", json={}).json()["participant"]
        voted = http.post(
            f"/api/sessions/{worker.code}/responses",
            json={"participant": person, "question": "rol", "answer": ROL[1]},
        )
        assert voted.status_code == 201
        over_http = http.get(
            f"/api/sessions/{worker.code}/export.csv", headers=worker.admin_headers()
        ).content

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        env = {k: v for k, v in os.environ.items() if k != "RONDVRAAG_DATABASE_URL"}
        return subprocess.run(
            [sys.executable, "-m", "app", *args], cwd=REPO_ROOT, capture_output=True, env=env
        )

    exported = cli("export", worker.code, "--database", pg_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == over_http  # the same file, byte for byte
    refused = cli("delete", worker.code, "--database", pg_url)
    assert refused.returncode == 1 and b"being served" in refused.stderr
    # A stopped worker of a cluster keeps the lease (others may still serve the session): the
    # command line says until when, and deleting over HTTP stays the way while it runs.
    worker.stop()
    later = cli("delete", worker.code, "--database", pg_url)
    assert later.returncode == 1 and b"lease ends at" in later.stderr
