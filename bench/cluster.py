"""`--cluster N`: a throwaway PostgreSQL and redis-server, and N workers on them.

The same steps as the tests' PostgreSQL (`tests/pg_server.py`), written out here because that
module is a pytest plugin (it imports pytest and fails tests, not runs): initdb and pg_ctl of
Debian's postgresql-15, as the `postgres` user when we are root (initdb refuses root), in a
temporary folder, on a free port of 127.0.0.1, with `fsync = on` and `synchronous_commit = on`
(an acknowledged vote is a vote on disk: durability is part of what is measured). redis-server
as the tests start it: no persistence, 127.0.0.1, a free port.

Workers are `python -m app serve DECK --database URL --redis URL` processes, each on its own
port and data folder, with the laptop bench's environment (rate limits off, participant cap
above the crowd, one random admin token shared by all). There is no proxy: the bench spreads
its phones and votes over the workers itself (round robin), which costs nothing on a 2-core
machine where HAProxy would take CPU from the parts being measured.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import Spawned, free_port, spawn_app

PG_START_TIMEOUT_S = 30
PG_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
fsync = on
synchronous_commit = on
max_connections = 200
shared_buffers = 64MB
log_min_messages = warning
"""
DATABASE = "rondvraag"


class ClusterFailed(Exception):
    """PostgreSQL or redis-server did not start (or is not installed)."""


def _pg_bindir() -> Path:
    """initdb/pg_ctl/psql: pg_config's bindir, else the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    candidates += [Path(p) for p in versions]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise ClusterFailed(
        "--cluster needs the PostgreSQL server binaries (initdb, pg_ctl): "
        "apt-get install postgresql-15"
    )


@dataclass
class PgServer:
    """One PostgreSQL cluster in `folder` on 127.0.0.1:port (trust auth, fsync on)."""

    folder: Path
    port: int = field(default_factory=free_port)
    bindir: Path = field(default_factory=_pg_bindir)
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def _run(self, *command: str) -> str:
        done = subprocess.run(
            self._as_owner(*command),
            capture_output=True,
            text=True,
            timeout=PG_START_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise ClusterFailed(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"--- server log ---\n{self.log_tail()}"
            )
        return done.stdout

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self) -> None:
        """initdb, settings, pg_ctl start -w, and an empty database for the workers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterFailed(
                    "initdb refuses to run as root and there is no `postgres` user: "
                    "apt-get install postgresql-15 (it creates the user), or run as non-root"
                ) from exc
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.data),
            "-U", self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",  # the freshly made catalog; the running server fsyncs (fsync = on)
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(PG_SETTINGS.format(port=self.port, sockets=self.folder))
        self._run(
            str(self.bindir / "pg_ctl"), "start", "-w", "-t", str(PG_START_TIMEOUT_S),
            "-D", str(self.data), "-l", str(self.log),
        )  # fmt: skip
        self.sql(f"CREATE DATABASE {DATABASE}", database="postgres")

    def sql(self, statement: str, database: str = DATABASE) -> str:
        return self._run(
            str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database,
            "-c", statement,
        )  # fmt: skip

    def commits(self) -> int:
        """Transactions committed in the workers' database so far (pg_stat_database
        xact_commit: every autocommitted read counts too; a backend reports its counts at
        most once a second)."""
        return int(
            self.sql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{DATABASE}'")
        )

    def postmaster_pid(self) -> int:
        """The postmaster's pid (first line of postmaster.pid); its backends are children."""
        pidfile = self.data / "postmaster.pid"
        return int(pidfile.read_text().split("\n", 1)[0])

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(ClusterFailed, OSError, subprocess.TimeoutExpired):
            if (self.data / "postmaster.pid").exists():
                self._run(
                    str(self.bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data)
                )
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class RedisServer:
    """redis-server on 127.0.0.1:port, no persistence, working folder `folder`."""

    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log(self) -> Path:
        return self.folder / "redis.log"

    def start(self, timeout: float = 10.0) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise ClusterFailed("--cluster needs redis-server: apt-get install redis-server")
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [executable, "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--bind", "127.0.0.1", "--dir", str(self.folder)]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not self._pong():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ClusterFailed(
                    f"redis-server did not answer PING:\n{self.log.read_text(errors='replace')}"
                )
            time.sleep(0.05)

    def commands(self) -> int:
        """Commands Redis has processed so far (INFO stats: total_commands_processed)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"INFO stats\r\n")
            data = b""
            while b"total_commands_processed:" not in data or not data.endswith(b"\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        for line in data.decode(errors="replace").splitlines():
            if line.startswith("total_commands_processed:"):
                return int(line.split(":", 1)[1])
        raise ClusterFailed("redis INFO stats has no total_commands_processed")

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@dataclass
class Cluster:
    """PostgreSQL, Redis and the workers of one `--cluster N` run."""

    pg: PgServer
    redis: RedisServer
    workers: list[Spawned]

    @property
    def base_urls(self) -> list[str]:
        return [w.base_url for w in self.workers]

    def parts(self) -> dict[str, list[int]]:
        """Process ids per part, for CPU accounting (the postmaster's tree is summed)."""
        return {
            "workers": [w.pid for w in self.workers],
            "postgres": [self.pg.postmaster_pid()],
            "redis": [self.redis.pid],
        }

    def counters(self) -> dict[str, int]:
        """Work counters of the shared parts: PostgreSQL commits, Redis commands (the INFO
        command that reads them counts too: one per sample)."""
        return {"pg_commits": self.pg.commits(), "redis_commands": self.redis.commands()}

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.redis.stop()
        self.pg.stop()


def start_cluster(count: int, tmp: Path, admin_token: str, max_participants: int) -> Cluster:
    """PostgreSQL and Redis, then `count` workers on them (not yet healthy). Redis and the
    workers live in `tmp`; PostgreSQL in a folder of its own, which the `postgres` user must
    reach (`tmp` is private to us)."""
    pg = PgServer(Path(tempfile.mkdtemp(prefix="rondvraag-bench-pg-")))
    redis = RedisServer(tmp / "redis")
    cluster = Cluster(pg, redis, [])
    try:
        pg.start()
        redis.start()
        for n in range(count):
            cluster.workers.append(
                spawn_app(
                    tmp / f"data{n}",
                    admin_token,
                    tmp / f"worker{n}.log",
                    max_participants=max_participants,
                    extra_args=["--database", pg.url(), "--redis", redis.url],
                    name=f"worker{n}",
                )
            )
    except BaseException:
        cluster.stop()
        raise
    return cluster
