"""A throwaway PostgreSQL cluster for the store tests: real server, temporary folder, free port.

Imported by conftest.py (`from pg_server import pg_cluster, pg_url`). Nothing is mocked:
the PostgreSQL store is tested against the same server it runs on in production, with fsync
on, because durability is part of what the tests check.

Why this shape:
- One cluster per test run (initdb takes a second), one fresh database per test, so tests
  cannot see each other's sessions. CREATE and DROP DATABASE each cost a third of a second
  with fsync on, so a helper thread makes the next database ahead and drops used ones.
- initdb refuses to run as root, so as root the cluster belongs to the `postgres` user and
  initdb/pg_ctl run through `runuser`; as anyone else they run as that user.
- The cluster can be stopped (`-m immediate`, a crash) and started again on the same port
  and folder, so tests can take the server away under a live store and bring it back.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DEBIAN_PACKAGE = "postgresql-15"
START_TIMEOUT_S = 30
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
fsync = on
synchronous_commit = on
max_connections = 200
shared_buffers = 64MB
deadlock_timeout = 200ms
log_min_messages = warning
log_lock_waits = off
"""


def _bindir() -> Path:
    """The PostgreSQL server binaries (initdb, pg_ctl, psql), newest version first."""
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
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) are missing: install Debian's "
        f"{DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}); the PostgreSQL store is tested "
        "against a real server.",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """One running PostgreSQL cluster in a temporary folder, reachable on 127.0.0.1:port."""

    bindir: Path
    folder: Path
    port: int
    user: str = "postgres"
    _databases: Iterator[int] = field(default_factory=itertools.count)
    _helper: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    _spare: Future[str] | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *command: str) -> list[str]:
        """Run a server binary as the cluster's owner (`postgres` when we are root)."""
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def _run(self, *command: str, timeout: float = START_TIMEOUT_S) -> str:
        done = subprocess.run(
            self._as_owner(*command),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"--- server log ---\n{log}"
            )
        return done.stdout

    def init(self) -> None:
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
            conf.write(SETTINGS.format(port=self.port, sockets=self.folder))

    def start(self) -> None:
        """Start (or restart after a stop) and wait until it accepts connections."""
        self._run(
            str(self.bindir / "pg_ctl"), "start", "-w", "-t", str(START_TIMEOUT_S),
            "-D", str(self.data), "-l", str(self.log),
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash (no checkpoint, recovery at next start)."""
        self._run(str(self.bindir / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data))

    def running(self) -> bool:
        done = subprocess.run(
            self._as_owner(str(self.bindir / "pg_ctl"), "status", "-D", str(self.data)),
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        return done.returncode == 0

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql; returns its unaligned output."""
        return self._run(
            str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database,
            "-c", statement,
        )  # fmt: skip

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL. The next one is made in the background."""
        spare, self._spare = self._spare, None
        url = None
        if spare is not None:
            with contextlib.suppress(Exception):  # e.g. made while a test had stopped the server
                url = spare.result()
        if url is None:
            url = self._create_database()
        self._spare = self._helper.submit(self._create_database)
        return url

    def drop_database(self, url: str) -> None:
        """Drop a database in the background (its sessions must have ended)."""
        name = url.rsplit("/", 1)[1]
        self._helper.submit(self.sql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _create_database(self) -> str:
        name = f"t{next(self._databases)}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        self._helper.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for the whole run (trust auth, fsync on)."""
    bindir = _bindir()
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(
                "initdb refuses to run as root and there is no `postgres` user to run it as: "
                f"install Debian's {DEBIAN_PACKAGE} (it creates the user), or run as non-root.",
                pytrace=False,
            )
    folder = Path(tempfile.mkdtemp(prefix="rondvraag-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PgCluster(bindir, folder, _free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.close()
        with contextlib.suppress(Exception):
            if cluster.running():
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh database in the session's cluster; dropped afterwards."""
    if not pg_cluster.running():  # a test that crashed the server must not break the next
        pg_cluster.start()
    url = pg_cluster.new_database()
    yield url
    with contextlib.suppress(Exception):
        if not pg_cluster.running():
            pg_cluster.start()
        pg_cluster.drop_database(url)


def pytest_configure(config: pytest.Config) -> None:
    """Registers the marker when loaded as a plugin (`-p pg_server`); conftest may do it too."""
    config.addinivalue_line("markers", "postgres: needs PostgreSQL server binaries (initdb)")
