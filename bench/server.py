"""Server subprocesses under test, and what /proc says about them (RSS, CPU time).

The server always runs in its own process so the load generator never shares its event loop or
its GIL. Its output goes to a log file in the run's temporary directory, shown when it fails.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
DECK = "questions/samenwerking.yaml"
_TICKS = os.sysconf("SC_CLK_TCK")


class ServerFailed(Exception):
    """The server did not start, or stopped while the bench needed it."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_open_file_limit() -> tuple[int, int]:
    """Lift RLIMIT_NOFILE to the hard limit (inherited by the servers we spawn)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


@dataclass
class Spawned:
    """A server subprocess with its log file."""

    name: str
    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: object = field(repr=False, default=None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGINT (uvicorn's graceful stop), then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]


def spawn(name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path) -> Spawned:
    log = log_path.open("wb")
    # This checkout's packages first, even where the current directory is not on sys.path
    # (PYTHONSAFEPATH) and an editable install of another checkout is: `python -m app` must
    # be the server code next to this bench.
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": path, **env},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return Spawned(name, f"http://127.0.0.1:{port}", proc, log_path, log)


def spawn_app(
    data_dir: Path,
    admin_token: str,
    log_path: Path,
    max_participants: int,
    extra_args: list[str] | None = None,
    name: str = "rondvraag",
) -> Spawned:
    """`python -m app serve` on a free port with a fresh data dir and rate limits off.

    The server's per-client rate limits are per IP; all bench load comes from 127.0.0.1, so
    they would measure the limiter, not the server. The participant cap
    (RONDVRAAG_MAX_PARTICIPANTS) is set just above the bench's crowd so it never refuses a
    bench phone; servers without such a cap ignore the variable. The working directory is the
    repository this bench lives in, so `python -m app` runs this checkout's server code.
    `extra_args` (e.g. `--database URL --redis URL` for a cluster worker) go after the rest.
    """
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "app",
        "serve",
        DECK,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data",
        str(data_dir),
        "--public-url",
        f"http://127.0.0.1:{port}",
        *(extra_args or []),
    ]
    env = {
        "RONDVRAAG_ADMIN_TOKEN": admin_token,
        "RONDVRAAG_JOIN_RATE": "0",
        "RONDVRAAG_VOTE_RATE": "0",
        "RONDVRAAG_MAX_PARTICIPANTS": str(max_participants),
    }
    return spawn(name, argv, env, port, log_path)


def spawn_noop(log_path: Path) -> Spawned:
    """`python -m bench.noop_server`: the framework's floor under the same uvicorn options."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.noop_server", "--port", str(port)]
    return spawn("noop", argv, {}, port, log_path)


async def wait_healthy(server: Spawned, deadline: float) -> None:
    """Poll GET /healthz until it answers 200, the process dies, or the deadline passes."""
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=2) as client:
        while True:
            if server.proc.poll() is not None:
                raise ServerFailed(
                    f"{server.name} server exited with code {server.proc.returncode}:\n"
                    + server.log_tail()
                )
            try:
                response = await client.get("/healthz")
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(
                    f"{server.name} server not healthy in time:\n{server.log_tail()}"
                )
            await asyncio.sleep(0.05)


def _process_tree(pid: int) -> list[int]:
    """pid and its descendants (a server that forks workers is measured whole)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_kib(pid: int) -> int:
    """Resident memory (VmRSS, KiB) of the process tree rooted at pid."""
    total = 0
    for p in _process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def pss_kib(pid: int) -> int:
    """Proportional set size (KiB) of the process tree rooted at pid: shared pages divided
    among the processes sharing them. PostgreSQL's backends all map its shared buffers, so
    their RSS summed counts those once per backend; PSS counts them once."""
    total = 0
    for p in _process_tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def cpu_seconds(pid: int, tree: bool = True, reaped: bool = False) -> float:
    """User + system CPU time (s) of pid, with its descendants when `tree`.

    `reaped` adds the CPU time of pid's children that have ended and were waited for (cutime,
    cstime): PostgreSQL's postmaster starts a process per connection and reaps it, so a
    backend that ended between two samples still counts.
    """
    total = 0
    for p in _process_tree(pid) if tree else [pid]:
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped and p == pid:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / _TICKS


def machine_busy_seconds() -> float:
    """CPU time (s) all cores spent on anything but idle and I/O wait since boot (/proc/stat).

    The difference between two samples, minus the parts the bench knows, is what other jobs
    on the machine used meanwhile.
    """
    with open("/proc/stat", "rb") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = (fields + [0] * 7)[:7]
    return (user + nice + system + irq + softirq) / _TICKS


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages (/proc/loadavg)."""
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def runq_wait_seconds(pid: int) -> float:
    """Time the threads of pid's process tree spent runnable but waiting for a CPU (s).

    From /proc/PID/task/TID/schedstat (second field, ns). On a shared machine a server can
    show 60 % CPU while its event loop is never idle: the rest of the time it waits its turn.
    """
    total = 0
    for p in _process_tree(pid):
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/schedstat", "rb") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9
