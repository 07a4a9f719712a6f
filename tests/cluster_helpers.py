"""What the cluster tests share: starting workers on one PostgreSQL and Redis, phones that
reconnect like the page does, a presenter screen, and a vote storm that records every
acknowledgement."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from conftest import REPO_ROOT, LiveServer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

TIMEOUT = 15


def run_async(work) -> Any:
    """Run a coroutine to its end from a plain test, in a thread of its own (the browser
    tests keep an event loop marked as running in the main thread)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(work)
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def spawn_serve(args: list[str], log_path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m app serve questions/samenwerking.yaml ARGS`, its output in `log_path`."""
    command = [sys.executable, "-m", "app", "serve", "questions/samenwerking.yaml", *args]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], log_path, timeout=30) -> None:
    """Until `GET /healthz` answers 200; fails with the log if the process dies first."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as http:
        while True:
            try:
                if http.get(f"{base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"{base_url} not healthy\n{log_path.read_text()}"
            time.sleep(0.1)


def start_workers(
    server_factory, database: str, redis: str, count: int, env: dict[str, str] | None = None
) -> list[LiveServer]:
    """`count` workers (separate hosts, as far as they know) of one session."""
    return [
        server_factory(args=["--database", database, "--redis", redis], env=env)
        for _ in range(count)
    ]


async def control(worker: LiveServer, http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await http.post(
        f"{worker.base_url}/api/sessions/{worker.code}/control",
        json=body,
        headers=worker.admin_headers(),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def join_key(worker: LiveServer, http: httpx.AsyncClient) -> str:
    view = await http.get(
        f"{worker.base_url}/api/sessions/{worker.code}/presenter", headers=worker.admin_headers()
    )
    return view.json()["presenter"]["join_key"]


async def join(worker: LiveServer, http: httpx.AsyncClient, key: str) -> str:
    http.cookies.clear()
    response = await http.post(
        f"{worker.base_url}/api/sessions/{worker.code}/join", json={"key": key}
    )
    assert response.status_code == 201, response.text
    return response.json()["participant"]


async def recount(worker: LiveServer, http: httpx.AsyncClient, question: str) -> dict[str, Any]:
    """`GET /results`: counted afresh from the database."""
    response = await http.get(
        f"{worker.base_url}/api/sessions/{worker.code}/results",
        headers=worker.admin_headers(),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return next(q for q in response.json()["questions"] if q["id"] == question)


class Screen:
    """A presenter socket on one worker: the newest state and results it was sent."""

    def __init__(
        self, worker: LiveServer | None = None, *, base_url: str = "", code: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        if worker is not None:
            base_url, code, headers = worker.base_url, worker.code, worker.admin_headers()
        self.url = "ws" + base_url.removeprefix("http") + f"/ws/sessions/{code}/presenter"
        self.headers = headers or {}
        self.ws: ClientConnection | None = None
        self.state: dict[str, Any] = {}
        self.versions: list[int] = []
        self.result: dict[str, Any] | None = None
        self.result_times: list[tuple[float, dict[str, Any]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Screen:
        self.ws = await connect(self.url, additional_headers=self.headers, max_size=2**24)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") == "state":
                    self.state = message
                    self.versions.append(message["version"])
                elif message.get("type") == "results" and message.get("result"):
                    if "base" in message:  # changes: ask for the whole view instead
                        await self.ws.send(json.dumps({"type": "resync"}))
                        continue
                    self.result = message["result"]
                    self.result_times.append((time.monotonic(), message["result"]))

    async def until(self, condition, what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.url}: no {what} within {timeout} s")
            await asyncio.sleep(0.05)


@dataclass
class Phone:
    """A phone that keeps one socket open to one of `urls`, reconnecting like the page does
    (jittered backoff, any worker), and keeps the newest state it was sent."""

    urls: Sequence[str]
    token: str
    state: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    got_answers: bool = False  # the server sent this phone's answers (after a connect)
    connects: int = 0
    connected_to: str = ""
    _task: asyncio.Task[None] | None = None
    _stop: bool = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = 0.05
        rng = random.Random(self.token)
        while not self._stop:
            url = rng.choice(list(self.urls))
            try:
                async with connect(f"{url}?participant={self.token}", max_size=2**24) as ws:
                    self.connects += 1
                    self.connected_to = url
                    backoff = 0.05
                    async for raw in ws:
                        message = json.loads(raw)
                        if message.get("type") == "state":
                            self.state = message
                        elif message.get("type") == "answers":
                            self.answers = message["answers"]
                            self.got_answers = True
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                pass
            self.connected_to = ""
            await asyncio.sleep(backoff * (0.5 + rng.random()))
            backoff = min(backoff * 2, 1.0)


@dataclass
class Storm:
    """Votes from many participants spread over workers, each participant one vote at a
    time (so their last acknowledged answer is the one that must be stored)."""

    targets: list[str]  # vote URLs, one per worker
    tokens: list[str]
    question: str
    options: list[str]
    acked: dict[str, Any] = field(default_factory=dict)  # token -> last acknowledged answer
    # token -> answers sent after it whose fate is unknown (the worker died, a timeout): any
    # of them may be stored instead, none may be stored twice
    uncertain: dict[str, list[Any]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    sent: int = 0

    def may_be_stored(self, token: str) -> list[Any]:
        """What the database may hold for this participant: the last acknowledged answer or
        one sent after it without an answer."""
        return ([self.acked[token]] if token in self.acked else []) + self.uncertain.get(token, [])

    async def run(self, seconds: float, voters: int = 20, pause: float = 0.05, seed=1) -> None:
        stop = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=voters)
        async with httpx.AsyncClient(timeout=10, limits=limits) as http:
            groups = [self.tokens[i::voters] for i in range(voters)]
            await asyncio.gather(
                *(
                    self._voter(http, group, random.Random(seed * 1000 + i), stop, pause)
                    for i, group in enumerate(groups)
                    if group
                )
            )

    async def _voter(self, http, tokens: list[str], rng: random.Random, stop: float, pause):
        while time.monotonic() < stop:
            token = rng.choice(tokens)
            answer = rng.choice(self.options)
            url = rng.choice(self.targets)
            body = {"participant": token, "question": self.question, "answer": answer}
            self.sent += 1
            try:
                response = await http.post(url, json=body)
            except httpx.HTTPError:
                self.errors += 1  # never reached the server, or the worker died mid-answer
                self.uncertain.setdefault(token, []).append([answer])
            else:
                code = response.status_code
                self.statuses[code] = self.statuses.get(code, 0) + 1
                if code == 201:
                    self.acked[token] = [answer]  # stored normalised: a list of option ids
                    self.uncertain.pop(token, None)
                elif code >= 500:  # the commit may have happened before the reply was lost
                    self.uncertain.setdefault(token, []).append([answer])
            await asyncio.sleep(pause * (0.5 + rng.random()))
