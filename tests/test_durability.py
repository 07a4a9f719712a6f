"""Durability the hard way: kill -9 mid-burst, a locked database file, a disk that refuses writes.

Every test runs the real server as a subprocess on a real data folder and checks, through the
exports, what a presenter would find afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import resource
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LiveServer

NO_LIMITS = {"RONDVRAAG_JOIN_RATE": "0", "RONDVRAAG_VOTE_RATE": "0"}
PHONES = 600
IN_FLIGHT = 48
KILL_AFTER = 200  # acknowledged answers before the server is killed


def export_json(server: LiveServer) -> dict[str, Any]:
    response = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/export.json",
        headers=server.admin_headers(),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def export_csv_answers(server: LiveServer, question: str) -> list[str]:
    import csv
    import io

    response = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/export.csv",
        headers=server.admin_headers(),
        timeout=30,
    )
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    return [r["answer"] for r in rows if r["question_id"] == question]


def goto(server: LiveServer, question: str) -> None:
    response = httpx.post(
        f"{server.base_url}/api/sessions/{server.code}/control",
        json={"action": "goto", "question": question},
        headers=server.admin_headers(),
        timeout=10,
    )
    assert response.status_code == 200, response.text


async def join_many(client: httpx.AsyncClient, code: str, count: int) -> list[str]:
    async def one() -> str:
        response = await client.post(f"/api/sessions/{code}/join")
        assert response.status_code == 201, response.text
        return response.json()["participant"]

    gate = asyncio.Semaphore(IN_FLIGHT)

    async def bounded() -> str:
        async with gate:
            return await one()

    return list(await asyncio.gather(*(bounded() for _ in range(count))))


# --- kill -9 -------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_kill9_mid_burst_keeps_every_acknowledged_answer_once(
    server_factory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = server_factory(data_dir=data_dir, env=NO_LIMITS)
    goto(first, "onthouden")
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    acknowledged: dict[str, str] = {}  # answer text -> participant token
    unanswered: dict[str, str] = {}  # sent, no 2xx seen (in flight at the kill, or refused)
    others: list[int] = []
    cut_off: list[str] = []
    killed = threading.Event()

    async def forget_cookies(response: httpx.Response) -> None:
        client.cookies.clear()  # every join is a new phone, not a rejoin with the last cookie

    async with httpx.AsyncClient(
        base_url=first.base_url,
        timeout=15,
        limits=limits,
        event_hooks={"response": [forget_cookies]},
    ) as client:
        people = await join_many(client, first.code, PHONES)
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def send(index: int, token: str) -> None:
            text = f"antwoord-{index:04d}-{token[-6:]}"
            body = {"participant": token, "question": "onthouden", "answer": text}
            async with gate:
                try:
                    response = await client.post(f"/api/sessions/{first.code}/responses", json=body)
                except httpx.ConnectError:  # the server is gone: never reached it
                    unanswered[text] = token
                    return
                except httpx.TransportError:  # sent, and the connection died under it
                    unanswered[text] = token
                    cut_off.append(text)
                    return
            if response.status_code == 201 and response.json()["answer"] == [text]:
                acknowledged[text] = token
            else:
                others.append(response.status_code)
                unanswered[text] = token

        def kill_when_enough() -> None:
            """From another thread, so the kill lands while requests are inside the server.

            The server is frozen first (SIGSTOP, all its threads at once, possibly mid-commit)
            and the phones keep sending for a moment, so the SIGKILL finds many requests
            written to its sockets and unanswered: the client alone cannot outpace the server
            on a small machine.
            """
            deadline = time.monotonic() + 60
            while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.002)
            os.kill(first.process.pid, signal.SIGSTOP)
            time.sleep(0.3)
            killed.set()
            first.kill9()  # SIGKILL: no shutdown, no flush

        killer = asyncio.create_task(asyncio.to_thread(kill_when_enough))
        await asyncio.gather(*(send(i, token) for i, token in enumerate(people)))
        await killer

    assert len(acknowledged) < PHONES, "the burst ended before the kill: raise PHONES"
    assert others == [], f"unexpected answers from the server: {others[:5]}"
    assert cut_off, "no request was cut off: the kill was not mid-burst"

    second = server_factory(data_dir=data_dir, env=NO_LIMITS)
    assert second.code == first.code  # phones and the projector keep their join code

    doc = export_json(second)
    stored = [r["answer"][0] for r in doc["responses"] if r["question"] == "onthouden"]
    stored_set = set(stored)
    lost = set(acknowledged) - stored_set
    assert not lost, f"{len(lost)} acknowledged answers are gone, e.g. {sorted(lost)[:3]}"
    assert len(stored) == len(stored_set), "an answer is stored twice"
    assert stored_set <= set(acknowledged) | set(unanswered), "an answer nobody sent"
    pseudonyms = [r["participant"] for r in doc["responses"] if r["question"] == "onthouden"]
    assert len(pseudonyms) == len(set(pseudonyms)), "a participant has two answers in one round"
    assert sorted(export_csv_answers(second, "onthouden")) == sorted(stored)
    assert doc["session"]["participants"] == PHONES  # every join was committed before the burst

    # A phone that was acknowledged before the crash still finds its answer after it.
    sample_text, sample_token = next(iter(acknowledged.items()))
    mine = httpx.get(
        f"{second.base_url}/api/sessions/{second.code}/me",
        params={"participant": sample_token},
        timeout=10,
    )
    assert mine.json()["answers"]["onthouden"] == [sample_text]

    print(
        f"\nkill -9 mid-burst: {len(acknowledged)} acknowledged, {len(cut_off)} cut off in "
        f"flight, {len(unanswered) - len(cut_off)} refused, {len(stored)} stored after restart "
        f"({len(stored_set - set(acknowledged))} committed but never acknowledged), 0 lost"
    )


# --- a locked database file ---------------------------------------------------------------------


def answer(server: LiveServer, token: str, question: str, value: Any) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/sessions/{server.code}/responses",
        json={"participant": token, "question": question, "answer": value},
        timeout=30,
    )


def join(server: LiveServer) -> str:
    response = httpx.post(f"{server.base_url}/api/sessions/{server.code}/join", timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["participant"]


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "storage_unavailable"
    assert int(response.headers["retry-after"]) > 0


def rol_counts(server: LiveServer) -> dict[str, int]:
    results = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/results",
        headers=server.admin_headers(),
        timeout=10,
    ).json()
    return next(q for q in results["questions"] if q["id"] == "rol")["counts"]


@pytest.mark.slow
def test_locked_database_gives_503_then_recovers_without_loss(server_factory) -> None:
    server = server_factory(env=NO_LIMITS)
    people = [join(server) for _ in range(3)]
    goto(server, "rol")
    assert answer(server, people[0], "rol", "vdab").status_code == 201

    # Another program (a backup, a sqlite3 shell) holds the write lock.
    with closing(
        sqlite3.connect(server.data_dir / "rondvraag.sqlite3", isolation_level=None, timeout=5)
    ) as locker:
        locker.execute("BEGIN EXCLUSIVE")
        assert_unavailable(answer(server, people[1], "rol", "wsg"))
        # Reading goes on, and the phone can still load the session.
        assert httpx.get(f"{server.base_url}/api/sessions/{server.code}").status_code == 200
        assert rol_counts(server)["vdab"] == 1
        locker.execute("ROLLBACK")

    retried = answer(server, people[1], "rol", "wsg")
    assert retried.status_code == 201, retried.text
    assert answer(server, people[2], "rol", "vakbond").status_code == 201
    counts = rol_counts(server)
    assert (counts["vdab"], counts["wsg"], counts["vakbond"]) == (1, 1, 1)
    assert server.process.poll() is None


# --- a disk that refuses writes ------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, so "disk full" is the kernel's real ENOSPC (needs mount rights)."""
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_disk(folder: Path) -> Path:
    """Write a file until the file system is full; returns it (delete it to free the space)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    handle.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("refusal", ["disk-full-tmpfs", "file-size-limit"])
def test_disk_refusing_writes_gives_503_and_loses_nothing(
    server_factory, tmp_path: Path, refusal: str
) -> None:
    """Writes fail in the kernel: ENOSPC on a full tmpfs, or EFBIG from RLIMIT_FSIZE set on the
    running server (works without mount rights). Either way: 503, the server lives on, reads
    work, earlier answers stay, and writing resumes once there is room."""
    with contextlib.ExitStack() as stack:
        if refusal == "disk-full-tmpfs":
            data_dir = stack.enter_context(small_tmpfs(tmp_path / "small")) / "data"
        else:
            data_dir = tmp_path / "data"
        server = server_factory(data_dir=data_dir, env=NO_LIMITS)
        stack.callback(server.stop)  # before the tmpfs goes
        people = [join(server) for _ in range(4)]
        goto(server, "rol")
        assert answer(server, people[0], "rol", "vdab").status_code == 201

        if refusal == "disk-full-tmpfs":
            filler = fill_disk(data_dir.parent)
            release = filler.unlink
        else:
            pid = server.process.pid
            _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))

            def release() -> None:
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))

        assert_unavailable(answer(server, people[1], "rol", "wsg"))
        assert_unavailable(answer(server, people[2], "rol", "vakbond"))
        blocked_join = httpx.post(f"{server.base_url}/api/sessions/{server.code}/join")
        assert_unavailable(blocked_join)
        assert httpx.get(f"{server.base_url}/healthz").status_code == 200
        assert rol_counts(server)["vdab"] == 1
        assert server.process.poll() is None

        release()
        retried = answer(server, people[1], "rol", "wsg")
        assert retried.status_code == 201, retried.text
        assert answer(server, people[3], "rol", "derden").status_code == 201
        server.stop()

        again = server_factory(data_dir=data_dir, env=NO_LIMITS)
        stack.callback(again.stop)
        doc = export_json(again)
        stored = sorted(
            (r["participant"], r["answer"][0]) for r in doc["responses"] if r["question"] == "rol"
        )
        assert stored == [("P0001", "vdab"), ("P0002", "wsg"), ("P0004", "derden")]
