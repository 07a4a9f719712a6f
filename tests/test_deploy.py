"""The large-event deployment: deploy/compose.yaml and deploy/haproxy.cfg.

Docker is not needed: the compose file is read as YAML and its wiring checked, and each
replica's command is run through the real `rondvraag serve` argument parser and settings. The
HAProxy file is checked by the real HAProxy (Debian's 2.6): `haproxy -c`, and a live run in
front of three small stand-in workers (health checks, leastconn, X-Forwarded-For, websockets).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import free_port
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from app.cli import build_parser, serve_options
from app.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "deploy" / "compose.yaml"
HAPROXY_CFG = REPO_ROOT / "deploy" / "haproxy.cfg"
HAPROXY = Path("/usr/sbin/haproxy")
WORKER_PORT = 8000  # every replica listens here in its container
PROXY_STARTUP_S = 10.0
# A dead or bus-less worker must leave the pool within this (checks, falls and a margin).
EVICTION_BUDGET_S = 3.5


@pytest.fixture
def haproxy() -> Path:
    """The real HAProxy; its absence is a failure, not a skip (CI installs it)."""
    if not HAPROXY.exists():
        pytest.fail(
            f"{HAPROXY} is missing: install Debian's haproxy (apt-get install haproxy)",
            pytrace=False,
        )
    return HAPROXY


# A .env a user would write (deploy/.env): only the two required values.
USER_ENV = {
    "RONDVRAAG_PUBLIC_URL": "http://192.168.1.20",
    "POSTGRES_PASSWORD": "s3cretpassw0rd",
}


# --- the compose file, as Compose reads it ------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    """Compose refuses the file: a `${NAME:?…}` variable is unset or empty."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation for the forms the file uses: ${N}, ${N:-d}, ${N-d}, ${N:?e}."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        given = env.get(name)
        missing = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and missing:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and missing:
            return arg
        return given or ""

    result = _VARIABLE.sub(value, text)
    assert "$" not in result, f"an interpolation form this test does not know: {text!r}"
    return result


def _interpolated(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolated(item, env) for key, item in node.items()}
    return node


def compose(env: Mapping[str, str] = USER_ENV) -> dict[str, Any]:
    """The compose file after YAML (anchors and merge keys) and Compose's interpolation."""
    return _interpolated(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")), env)


def replicas(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in project["services"].items()
        if name.startswith("rondvraag-")
    }


def proxy_address(project: dict[str, Any]) -> str:
    return project["services"]["haproxy"]["networks"]["rondvraag"]["ipv4_address"]


def replica_settings(service: dict[str, Any]):
    """What `rondvraag serve` makes of a replica's command line and environment."""
    argv = shlex.split(service["command"])
    assert argv[:2] == ["rondvraag", "serve"], argv
    args = build_parser().parse_args(argv[1:])
    environ = {key: str(value) for key, value in service.get("environment", {}).items()}
    return args, load_settings(**serve_options(args), environ=environ)


def test_compose_has_postgres_redis_haproxy_and_several_replicas() -> None:
    project = compose()
    assert {"postgres", "redis", "haproxy"} <= set(project["services"])
    assert len(replicas(project)) >= 2
    assert all(s["image"] == "rondvraag:local" for s in replicas(project).values())
    assert all(s["build"]["context"] == ".." for s in replicas(project).values())


@pytest.mark.parametrize("required", ["RONDVRAAG_PUBLIC_URL", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_without_a_required_setting(required: str) -> None:
    with pytest.raises(MissingVariable, match=required):
        compose({k: v for k, v in USER_ENV.items() if k != required})


def test_every_replica_serves_the_cluster_through_the_real_settings() -> None:
    project = compose()
    postgres = project["services"]["postgres"]["environment"]
    for name, service in replicas(project).items():
        args, settings = replica_settings(service)
        assert settings.cluster, name
        assert settings.database_url == (
            f"postgresql://{postgres['POSTGRES_USER']}:{USER_ENV['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        ), name
        assert settings.redis_url.startswith("redis://redis:"), name
        assert settings.public_url == USER_ENV["RONDVRAAG_PUBLIC_URL"], name
        assert (args.host, args.port) == ("0.0.0.0", WORKER_PORT), name
        assert settings.workers == 1, name  # RONDVRAAG_WORKERS unset: one process a replica
        assert (REPO_ROOT / args.deck).is_file(), f"{name}: the image has no {args.deck}"


def test_replicas_take_secrets_and_limits_from_the_environment() -> None:
    env = {
        **USER_ENV,
        "RONDVRAAG_ADMIN_TOKEN": "an-admin-token-of-enough-length",
        "RONDVRAAG_SECRET_KEY": "k" * 40,
        "RONDVRAAG_WORKERS": "4",
        "RONDVRAAG_MAX_PARTICIPANTS": "20000",
    }
    for service in replicas(compose(env)).values():
        _, settings = replica_settings(service)
        assert settings.admin_token == env["RONDVRAAG_ADMIN_TOKEN"]
        assert settings.secret == env["RONDVRAAG_SECRET_KEY"].encode()
        assert settings.workers == 4
        assert settings.max_participants == 20000


def test_without_secrets_the_replicas_leave_them_to_the_database() -> None:
    for service in replicas(compose()).values():
        _, settings = replica_settings(service)
        assert (settings.admin_token, settings.secret) == ("", b"")


def test_workers_believe_forwarded_addresses_from_haproxy_alone() -> None:
    project = compose()
    address = proxy_address(project)
    subnet = project["networks"]["rondvraag"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name, service in replicas(project).items():
        _, settings = replica_settings(service)
        assert settings.forwarded_allow_ips == address, name
        assert "rondvraag" in service["networks"], name


def test_replicas_wait_for_healthy_postgres_and_redis() -> None:
    project = compose()
    for name, service in replicas(project).items():
        for needed in ("postgres", "redis"):
            assert service["depends_on"][needed]["condition"] == "service_healthy", name
        assert "/healthz" in " ".join(service["healthcheck"]["test"]), name


def test_postgres_keeps_its_data_and_synchronous_commit() -> None:
    postgres = compose()["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "synchronous_commit" not in " ".join(postgres.get("command", []))


def test_haproxy_names_every_replica_and_nothing_else() -> None:
    project = compose()
    haproxy = project["services"]["haproxy"]
    env = haproxy["environment"]
    workers = {k: v for k, v in env.items() if k.startswith("RONDVRAAG_WORKER_")}
    assert sorted(workers.values()) == sorted(f"{n}:{WORKER_PORT}" for n in replicas(project))
    # ... and haproxy.cfg has a checked server for each of those variables, and no other.
    checked = set(re.findall(r'^\s*server\s+\S+\s+"\$\{(\w+)\}"\s+check\b', _directives(), re.M))
    assert checked == set(workers)
    for name in replicas(project):
        assert haproxy["depends_on"][name]["condition"] == "service_healthy", name


def test_haproxy_is_published_on_the_port_it_binds() -> None:
    haproxy = compose()["services"]["haproxy"]
    bind_port = haproxy["environment"]["RONDVRAAG_PROXY_BIND"].rsplit(":", 1)[1]
    assert [p.rsplit(":", 1)[1] for p in haproxy["ports"]] == [bind_port]
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in haproxy["volumes"]


# --- haproxy.cfg, read -------------------------------------------------------------------------


def _directives() -> str:
    """haproxy.cfg without its comments (what HAProxy acts on)."""
    lines = (line.split("#", 1)[0].rstrip() for line in HAPROXY_CFG.read_text().splitlines())
    return "\n".join(line for line in lines if line.strip())


def _duration_s(text: str) -> float:
    match = re.fullmatch(r"(\d+)(us|ms|s|m|h|d)?", text)
    assert match, f"not an HAProxy duration: {text!r}"
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2] or "ms"]
    return int(match[1]) * unit


def _setting(pattern: str) -> str:
    found = re.findall(pattern, _directives(), re.M)
    assert len(found) == 1, f"{pattern!r} should be set exactly once, found {found}"
    return found[0]


def test_haproxy_never_balances_on_the_client_address() -> None:
    """A venue is one NAT address: balancing on it would put the whole room on one worker."""
    text = HAPROXY_CFG.read_text().lower()
    assert not re.search(r"balance\s+source", text)
    assert "ip_hash" not in text
    assert not re.search(r"hash-type[^\n]*source", text)
    assert not re.search(r"^\s*stick", _directives(), re.M)
    assert _setting(r"^\s*balance\s+(\S+)") == "leastconn"


def test_haproxy_checks_healthz_fast_enough_to_evict_a_worker_within_three_seconds() -> None:
    assert _setting(r"^\s*option\s+httpchk\s+(.+)$") == "GET /healthz"
    assert _setting(r"^\s*http-check\s+expect\s+(.+)$") == "status 200"
    defaults = _setting(r"^\s*default-server\s+(.+)$").split()
    options = dict(zip(defaults[::2], defaults[1::2], strict=False))
    inter, fall = _duration_s(options["inter"]), int(options["fall"])
    fast = _duration_s(options.get("fastinter", options["inter"]))
    assert inter + (fall - 1) * fast <= 2.0
    assert int(options["rise"]) <= 3


def test_haproxy_keeps_websockets_for_a_whole_talk_and_headers_short() -> None:
    assert _duration_s(_setting(r"^\s*timeout\s+tunnel\s+(\S+)")) >= 3600
    assert _duration_s(_setting(r"^\s*timeout\s+http-request\s+(\S+)")) <= 15
    assert _duration_s(_setting(r"^\s*timeout\s+client\s+(\S+)")) <= 120
    directives = _directives()
    assert re.search(r"^\s*option\s+forwardfor\b", directives, re.M)
    assert re.search(r"^\s*option\s+redispatch\b", directives, re.M)
    assert int(_setting(r"^\s*retries\s+(\d+)")) >= 1


def test_haproxy_takes_twenty_thousand_phones() -> None:
    """Per phone one websocket and, between answers, about one keep-alive HTTP connection."""
    maxconns = [int(n) for n in re.findall(r"^\s*maxconn\s+(\d+)", _directives(), re.M)]
    assert maxconns and min(maxconns) >= 2 * 20_000


def _proxy_env(bind: str, workers: list[str]) -> dict[str, str]:
    env = {"RONDVRAAG_PROXY_BIND": bind}
    env.update({f"RONDVRAAG_WORKER_{i}": w for i, w in enumerate(workers, start=1)})
    return {**os.environ, **env}


def test_haproxy_accepts_the_file_without_a_warning(haproxy: Path) -> None:
    env = _proxy_env("127.0.0.1:18080", [f"127.0.0.1:{18001 + i}" for i in range(3)])
    checked = subprocess.run(
        [str(HAPROXY), "-c", "-dW", "-f", str(HAPROXY_CFG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_haproxy_refuses_to_start_without_its_addresses(haproxy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONDVRAAG_")}
    checked = subprocess.run(
        [str(HAPROXY), "-c", "-f", str(HAPROXY_CFG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode != 0


# --- haproxy.cfg, running in front of three stand-in workers -------------------------------------

# A worker as HAProxy sees one: /healthz (200, or 503 bus_down once switched with /_down on its
# own port), any other path answers who served it and the forwarding headers it got, and a
# websocket is greeted with the worker's name. Trusts X-Forwarded-For from 127.0.0.1, as a
# real worker started with --forwarded-allow-ips does.
STAND_IN_WORKER = r"""
import json, sys, uvicorn

name, port = sys.argv[1], int(sys.argv[2])
healthy = [True]

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": name})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        return
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    status, body = 200, {}
    if scope["path"] == "/healthz":
        status = 200 if healthy[0] else 503
        body = {"status": "ok" if healthy[0] else "bus_down"}
    elif scope["path"] in ("/_up", "/_down"):
        healthy[0] = scope["path"] == "/_up"
    else:
        body = {
            "worker": name,
            "client": scope["client"][0],
            "xff": headers.get("x-forwarded-for"),
            "proto": headers.get("x-forwarded-proto"),
        }
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})

uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
            proxy_headers=True, forwarded_allow_ips="127.0.0.1")
"""

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """One request on a fresh connection (each is balanced on its own), never via a proxy."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with _NO_PROXY.open(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {}


def _wait_until(
    condition: Callable[[], bool], timeout: float, what: str, log: Path | None = None
) -> float:
    """Seconds until `condition()` held; fails after `timeout` (with HAProxy's log)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    said = f"\nHAProxy said:\n{log.read_text()[-3000:]}" if log and log.exists() else ""
    pytest.fail(f"not within {timeout} s: {what}{said}")


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Proxied:
    """HAProxy with deploy/haproxy.cfg in front of three stand-in workers w1..w3."""

    url: str
    ws_url: str
    workers: dict[str, int]  # name -> port
    processes: dict[str, subprocess.Popen[bytes]]
    log: Path

    def served_by(self, count: int = 1) -> list[str]:
        names = []
        for _ in range(count):
            status, body = _get(f"{self.url}/whoami")
            assert status == 200, f"{status} from HAProxy\n{self.log.read_text()[-3000:]}"
            names.append(body["worker"])
        return names

    def phone(self, stack: contextlib.ExitStack) -> ClientConnection:
        """A phone's websocket through the proxy, closed when the stack is."""
        return stack.enter_context(ws_connect(f"{self.ws_url}/ws", proxy=None))

    def switch(self, name: str, healthy: bool) -> None:
        _get(f"http://127.0.0.1:{self.workers[name]}/{'_up' if healthy else '_down'}")


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Proxied]:
    if not HAPROXY.exists():
        pytest.fail(f"{HAPROXY} is missing: install Debian's haproxy (apt-get install haproxy)")
    workers = {f"w{i}": free_port() for i in (1, 2, 3)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    log = tmp_path / "haproxy.log"
    try:
        for name, port in workers.items():
            processes[name] = subprocess.Popen(
                [sys.executable, "-c", STAND_IN_WORKER, name, str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        for name, port in workers.items():
            _wait_until(lambda p=port: _answers(p), PROXY_STARTUP_S, f"{name} to start")
        bind = f"127.0.0.1:{free_port()}"
        env = _proxy_env(bind, [f"127.0.0.1:{port}" for port in workers.values()])
        with log.open("wb") as out:
            processes["haproxy"] = subprocess.Popen(
                [str(HAPROXY), "-db", "-f", str(HAPROXY_CFG)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proxy = Proxied(f"http://{bind}", f"ws://{bind}", workers, processes, log)
        port = int(bind.rsplit(":", 1)[1])
        _wait_until(lambda: _answers(port), PROXY_STARTUP_S, "HAProxy listening", log)
        _wait_until(lambda: set(proxy.served_by(3)) == set(workers), 5, "w1..w3 serving", log)
        yield proxy
    finally:
        for process in processes.values():
            _end(process)


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


@pytest.mark.slow
def test_proxy_sends_each_new_phone_to_the_worker_with_the_fewest(proxied: Proxied) -> None:
    """leastconn: sockets live for the whole talk, so count them, not requests."""
    with contextlib.ExitStack() as phones:
        first = [proxied.phone(phones) for _ in range(6)]
        names = [phone.recv(timeout=5) for phone in first]
        assert Counter(names) == {"w1": 2, "w2": 2, "w3": 2}
        for phone, name in zip(first, names, strict=True):
            if name == "w1":
                phone.close()
        time.sleep(0.2)  # HAProxy sees both close
        newcomers = [proxied.phone(phones) for _ in range(2)]
        assert [phone.recv(timeout=5) for phone in newcomers] == ["w1", "w1"]


@pytest.mark.slow
def test_a_worker_without_its_bus_leaves_the_pool_and_comes_back(proxied: Proxied) -> None:
    proxied.switch("w2", healthy=False)
    took = _wait_until(
        lambda: "w2" not in proxied.served_by(9), EVICTION_BUDGET_S, "w2 out", proxied.log
    )
    assert "w2" not in proxied.served_by(30), f"w2 still served after {took:.1f} s"
    proxied.switch("w2", healthy=True)
    _wait_until(lambda: "w2" in proxied.served_by(3), EVICTION_BUDGET_S, "w2 back", proxied.log)


@pytest.mark.slow
def test_a_dead_workers_phones_are_closed_and_reconnect_to_the_others(proxied: Proxied) -> None:
    with contextlib.ExitStack() as phones:
        connected = [proxied.phone(phones) for _ in range(3)]
        names = [phone.recv(timeout=5) for phone in connected]
        proxied.processes["w3"].kill()
        proxied.processes["w3"].wait()
        orphan = connected[names.index("w3")]
        with pytest.raises(ConnectionClosed):
            orphan.recv(timeout=5)
        # Reconnecting and every new request succeed at once, whether or not the checks have
        # taken w3 out yet: a refused connect is retried on another worker (redispatch).
        assert proxied.phone(phones).recv(timeout=5) in {"w1", "w2"}
        assert set(proxied.served_by(12)) <= {"w1", "w2"}  # every one answered (200)


@pytest.mark.slow
def test_workers_see_the_address_haproxy_saw_never_one_a_client_claims(proxied: Proxied) -> None:
    status, seen = _get(
        f"{proxied.url}/whoami",
        {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert status == 200
    assert seen["xff"] == "127.0.0.1"  # only what HAProxy saw; the claim is dropped
    assert seen["client"] == "127.0.0.1"
    assert seen["proto"] == "http"


@pytest.mark.slow
def test_when_every_worker_says_bus_down_phones_still_reach_them(proxied: Proxied) -> None:
    """Redis itself down: the workers still take answers into PostgreSQL; HAProxy must not
    answer 503 for all of them."""
    for name in proxied.workers:
        proxied.switch(name, healthy=False)
    time.sleep(EVICTION_BUDGET_S)  # every worker marked down
    assert "DOWN" in proxied.log.read_text()
    assert set(proxied.served_by(9)) <= set(proxied.workers)
