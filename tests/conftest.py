"""Shared fixtures: the real server as a subprocess, a real Chromium, a real redis-server.

Nothing here is mocked: tests talk to what we ship over 127.0.0.1, the way a phone, a
projector or a script would. Missing system parts (chromium, redis-server) fail loudly
instead of skipping, because CI installs them and a skipped suite proves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pg_server import pg_cluster, pg_url  # noqa: F401  (fixtures: a real PostgreSQL)
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "test-admin-token-0123456789"
DEFAULT_DECK = "questions/samenwerking.yaml"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 4000


def free_port() -> int:
    """Ask the kernel for a port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(text: str, limit: int = LOG_TAIL_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def _end_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM, wait, then SIGKILL: a graceful stop that can never hang the suite."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


# ---------------------------------------------------------------------------
# The real server
# ---------------------------------------------------------------------------


@dataclass
class LiveServer:
    """One running `python -m app serve` process and how to reach it."""

    base_url: str
    ws_url: str
    port: int
    code: str
    token: str
    data_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path

    def stop(self) -> int:
        """Graceful shutdown (SIGTERM, ≤ 10 s, then SIGKILL); returns the exit code."""
        return _end_process(self.process)

    def kill9(self) -> int:
        """Crash the server (SIGKILL), as a pulled power cord would."""
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait()

    def admin_headers(self) -> dict[str, str]:
        """Headers that authenticate as the presenter."""
        return {"Authorization": f"Bearer {self.token}"}

    def log(self) -> str:
        """Everything the server wrote to stdout/stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def _next_log_path(data_dir: Path) -> Path:
    """A fresh log per start, so a restart on the same data dir keeps the earlier log."""
    index = 1
    while (data_dir / f"server-{index}.log").exists():
        index += 1
    return data_dir / f"server-{index}.log"


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, deck_stem: str) -> str:
    """Poll /healthz, then /api/sessions, until the deck's join code is known.

    Returns the code; raises RuntimeError with the reason when the server exits or the
    deadline passes (the caller adds the log tail).
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    healthy = False
    last_problem = "no answer yet"
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with code {process.returncode} while starting")
            try:
                if not healthy:
                    response = client.get("/healthz")
                    healthy = response.status_code == 200
                    last_problem = f"/healthz answered {response.status_code}"
                if healthy:
                    response = client.get(
                        "/api/sessions", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
                    )
                    if response.status_code != 200:
                        raise RuntimeError(
                            f"GET /api/sessions answered {response.status_code}: "
                            f"{response.text[:500]}"
                        )
                    sessions = response.json().get("sessions", [])
                    for session in sessions:
                        deck = str(session.get("deck", ""))
                        if deck == deck_stem or Path(deck).stem == deck_stem:
                            return str(session["code"])
                    last_problem = f"no session for deck {deck_stem!r} in {sessions!r}"
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)
    raise RuntimeError(f"server not ready after {STARTUP_TIMEOUT_S:.0f} s ({last_problem})")


ServerStarter = Callable[..., LiveServer]


@contextlib.contextmanager
def servers_in(base_dir: Path) -> Iterator[ServerStarter]:
    """Start real servers with data dirs under `base_dir`; every one started is stopped on
    exit. `server_factory` wraps it per test; a module-scoped fixture may use it directly to
    share one server among the tests of a file.

    `start(deck, data_dir, env, args, port)`: `env` entries override the environment (a
    value of None removes the variable); `port` pins the port, e.g. to restart a server
    where the phones expect it.
    """
    started: list[LiveServer] = []
    counter = 0

    def start(
        deck: str = DEFAULT_DECK,
        data_dir: Path | str | None = None,
        env: Mapping[str, str | None] | None = None,
        args: Sequence[str] = (),
        port: int | None = None,
    ) -> LiveServer:
        nonlocal counter
        if data_dir is None:
            counter += 1
            data_dir = base_dir / f"server-data-{counter}"
        data_path = Path(data_dir)
        data_path.mkdir(parents=True, exist_ok=True)

        child_env = dict(os.environ)
        child_env["RONDVRAAG_ADMIN_TOKEN"] = ADMIN_TOKEN
        child_env["PYTHONUNBUFFERED"] = "1"
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value

        # A port picked by free_port() can be taken by someone else before the server binds
        # it (two cores, parallel helpers): retry a couple of times with a new one.
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            chosen = port if port is not None else free_port()
            base_url = f"http://127.0.0.1:{chosen}"
            log_path = _next_log_path(data_path)
            command = [
                sys.executable,
                "-m",
                "app",
                "serve",
                deck,
                "--host",
                "127.0.0.1",
                "--port",
                str(chosen),
                "--data",
                str(data_path),
                "--public-url",
                base_url,
                *args,
            ]
            with log_path.open("wb") as log_file:
                process = subprocess.Popen(
                    command,
                    cwd=REPO_ROOT,
                    env=child_env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            live = LiveServer(
                base_url=base_url,
                ws_url=f"ws://127.0.0.1:{chosen}",
                port=chosen,
                code="",
                token=ADMIN_TOKEN,
                data_dir=data_path,
                process=process,
                log_path=log_path,
            )
            started.append(live)
            try:
                live.code = _wait_until_ready(process, base_url, Path(deck).stem)
                return live
            except RuntimeError as exc:
                problem = str(exc)
            live.stop()
            log = live.log()
            port_taken = re.search(r"address already in use|errno 98", log, re.IGNORECASE)
            if port_taken and attempt + 1 < attempts:
                continue
            pytest.fail(
                f"{problem}\ncommand: {' '.join(command)}\n"
                f"--- tail of {log_path} ---\n{_tail(log)}",
                pytrace=False,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    try:
        yield start
    finally:
        for live in started:
            live.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerStarter]:
    """Start real servers; every one started is stopped when the test ends (see servers_in)."""
    with servers_in(tmp_path) as start:
        yield start


@pytest.fixture
def server(server_factory: ServerStarter) -> LiveServer:
    """A real server on the default deck with a fresh data dir."""
    return server_factory()


# ---------------------------------------------------------------------------
# The real browser
# ---------------------------------------------------------------------------

# Sync Playwright keeps its event loop marked as running in this thread between calls
# (its dispatcher greenlet is suspended inside the loop). pytest-asyncio then refuses to
# run async tests ("Cannot run the event loop while another loop is running"). Around each
# async test we park Playwright's loop and put it back afterwards, so browser tests (sync)
# and async tests can share one session and one Chromium.


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    parked = asyncio.events._get_running_loop()
    if parked is not None and pytest_asyncio.is_async_test(item):
        asyncio.events._set_running_loop(None)
        try:
            return (yield)
        finally:
            if not parked.is_closed() and asyncio.events._get_running_loop() is None:
                asyncio.events._set_running_loop(parked)
    return (yield)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole run, driven by sync Playwright."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"{CHROMIUM_PATH} is missing: install Debian's chromium "
            "(apt-get install chromium); browser tests never download a browser.",
            pytrace=False,
        )
    manager = sync_playwright()
    playwright = manager.start()
    pw_loop = asyncio.events._get_running_loop()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        # The last test may have been async, with Playwright's loop parked: restore it.
        if asyncio.events._get_running_loop() is None and pw_loop is not None:
            asyncio.events._set_running_loop(pw_loop)
        with contextlib.suppress(Exception):
            chromium.close()
        playwright.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """`test-artifacts/` at the repo root (gitignored): screenshots worth a human look."""
    path = REPO_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so page fixtures know a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-BE",
}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "nl-BE"}

PageOpener = Callable[[], Page]


@pytest.fixture
def js_errors() -> list[str]:
    """Uncaught JavaScript errors of this test's pages; a test that expects some clears it."""
    return []


@contextlib.contextmanager
def _pages(
    browser: Browser,
    request: pytest.FixtureRequest,
    artifacts_dir: Path,
    js_errors: list[str],
    kind: str,
    options: Mapping[str, Any],
) -> Iterator[PageOpener]:
    """Open pages, each in its own context (own cookies, like separate devices).

    At the end: a screenshot of each page if the test failed, then the contexts are
    closed, then uncaught JavaScript errors fail the test (users would hit them).
    """
    opened: list[tuple[str, BrowserContext, Page]] = []

    def open_page() -> Page:
        name = f"{kind}{len(opened) + 1}"
        context = browser.new_context(**options)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(f"{name}: {error}"))
        opened.append((name, context, page))
        return page

    try:
        yield open_page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            folder = artifacts_dir / "failures"
            folder.mkdir(parents=True, exist_ok=True)
            for name, _, page in opened:
                target = folder / f"{_safe_name(request.node.nodeid)}-{name}.png"
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(target), full_page=True)
    finally:
        for _, context, _ in opened:
            with contextlib.suppress(Exception):
                context.close()
    if js_errors:
        errors = "\n".join(js_errors)
        js_errors.clear()
        pytest.fail(f"uncaught JavaScript errors:\n{errors}", pytrace=False)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:150]


@pytest.fixture
def new_phone(
    browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path, js_errors: list[str]
) -> Iterator[PageOpener]:
    """Open any number of phones (separate contexts, so separate participants)."""
    with _pages(browser, request, artifacts_dir, js_errors, "phone", PHONE) as open_page:
        yield open_page


@pytest.fixture
def phone_page(
    browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path, js_errors: list[str]
) -> Iterator[Page]:
    """A phone: 360×740 touch screen, Dutch (Belgium)."""
    with _pages(browser, request, artifacts_dir, js_errors, "phone", PHONE) as open_page:
        yield open_page()


@pytest.fixture
def projector_page(
    browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path, js_errors: list[str]
) -> Iterator[Page]:
    """A projector: 1920×1080, Dutch (Belgium)."""
    with _pages(browser, request, artifacts_dir, js_errors, "projector", PROJECTOR) as open_page:
        yield open_page()


# ---------------------------------------------------------------------------
# The real redis-server
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free port (no persistence); yields its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not on PATH: install it (apt-get install redis-server); "
            "the redis backend is tested against a real server.",
            pytrace=False,
        )
    import redis

    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    log_path = workdir / "redis.log"
    command = [
        executable,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--bind",
        "127.0.0.1",
        "--dir",
        str(workdir),
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 10.0
        while True:
            if process.poll() is not None:
                log = log_path.read_text(errors="replace")
                pytest.fail(
                    f"redis-server exited with code {process.returncode}\n{_tail(log)}",
                    pytrace=False,
                )
            try:
                with redis.Redis(host="127.0.0.1", port=port, socket_timeout=1.0) as client:
                    if client.ping():
                        break
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                log = log_path.read_text(errors="replace")
                pytest.fail(f"redis-server did not answer PING within 10 s\n{_tail(log)}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _end_process(process)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's redis, emptied first, so tests sharing it cannot see each other."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return redis_server
