"""Server settings, read once at start from the command line and `RONDVRAAG_*` variables.

Everything is checked here: a value that cannot work stops the server with one sentence that
names it (a SettingsError, printed without a traceback), never a failure later.

Two modes:
- laptop (the default): SQLite in the data folder, everything else in process memory, one
  process; the admin token and the signing key are kept in the data folder (mode 0600);
- cluster: `--database postgresql://…` and `--redis redis://…` together, any number of workers
  and hosts; the admin token and the signing key come from the environment or, if unset,
  are created once in the database, so every worker shares them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .backends import is_postgres

TOKEN_FILE = "admin-token"
DATABASE_FILE = "rondvraag.sqlite3"
SECRET_FILE = "secret.key"
MIN_ADMIN_TOKEN = 16  # characters; shorter tokens can be guessed
MAX_BODY_BYTES = 16 * 1024
CLUSTER_JOIN_RATE = 500.0  # keyed joins per second per address in a cluster (burst 20,000)


class SettingsError(SystemExit):
    """A setting that cannot work, said in one sentence (the CLI prints it, no traceback)."""


@dataclass(frozen=True, slots=True)
class Settings:
    deck_path: Path
    data_dir: Path = Path("data")
    database_url: str = ""  # sqlite:///PATH or postgresql://…; "" = the data folder's SQLite
    redis_url: str = ""  # redis://…: the shared bus, tallies and limits of a cluster
    workers: int = 1  # worker processes on this host (cluster mode only)
    host: str = "0.0.0.0"
    port: int = 8000
    public_url: str = ""  # e.g. "https://poll.example.org"; empty: this machine's LAN address
    admin_token: str = ""  # "" in a cluster without RONDVRAAG_ADMIN_TOKEN: from the database
    admin_token_generated: bool = False
    secret: bytes = b""  # signs participant tokens; b"" in a cluster: from the database
    allowed_origins: tuple[str, ...] = ()  # extra websocket origins, e.g. behind a proxy
    join_rate: float = 20.0  # joins per second per client address (burst 40x); 0: no limit
    vote_rate: float = 5.0  # responses per second per participant (burst 5x); 0 turns it off
    max_participants: int = 5000  # per session; joins beyond get 409 session_full
    join_key_seconds: float = 120.0  # the QR code's join key changes this often; 0: no key
    forwarded_allow_ips: str = ""  # proxies whose X-Forwarded-For is believed; "": none
    max_body_bytes: int = MAX_BODY_BYTES

    @property
    def cluster(self) -> bool:
        """PostgreSQL and Redis: many workers and hosts serve the session together."""
        return bool(self.redis_url)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DATABASE_FILE}"


def load_settings(
    deck_path: str | Path,
    *,
    data_dir: str | Path = "data",
    database_url: str | None = None,
    redis_url: str | None = None,
    workers: int = 1,
    host: str = "0.0.0.0",
    port: int = 8000,
    public_url: str = "",
    max_participants: int | None = None,
    forwarded_allow_ips: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build and check the settings; in laptop mode also create the data folder (0700) and
    the secrets kept in it (0600). Raises SettingsError for a value that cannot work."""
    env = os.environ if environ is None else environ
    database = (database_url or env.get("RONDVRAAG_DATABASE_URL", "")).strip()
    redis = (redis_url or env.get("RONDVRAAG_REDIS_URL", "")).strip()
    _check_modes(database, redis, workers)
    public = (public_url or env.get("RONDVRAAG_PUBLIC_URL", "")).rstrip("/")
    if redis and not public:
        raise SettingsError(
            "a cluster needs --public-url (the address phones use, e.g. the load balancer's"
            " https://poll.example.org): one host's LAN address is not the cluster's"
        )
    token = env.get("RONDVRAAG_ADMIN_TOKEN", "").strip()
    if token and len(token) < MIN_ADMIN_TOKEN:
        raise SettingsError(
            f"RONDVRAAG_ADMIN_TOKEN is {len(token)} characters; use at least {MIN_ADMIN_TOKEN}"
            " (or leave it unset and one is generated)"
        )
    secret = env.get("RONDVRAAG_SECRET_KEY", "").strip()
    if secret and len(secret) < 32:
        raise SettingsError("RONDVRAAG_SECRET_KEY must be at least 32 characters")
    data = Path(data_dir)
    generated = False
    if not redis:  # laptop: the secrets live in the data folder
        _private_folder(data)
        if not token:
            token, generated = _read_or_create(data / TOKEN_FILE, lambda: secrets.token_urlsafe(24))
        if not secret:
            secret, _ = _read_or_create(data / SECRET_FILE, lambda: secrets.token_hex(32))
    raw_origins = env.get("RONDVRAAG_ALLOWED_ORIGINS", "").split(",")
    return Settings(
        deck_path=Path(deck_path),
        data_dir=data,
        database_url=database,
        redis_url=redis,
        workers=workers,
        host=host,
        port=port,
        public_url=public,
        admin_token=token,
        admin_token_generated=generated,
        secret=secret.encode(),
        allowed_origins=tuple(o.strip().rstrip("/") for o in raw_origins if o.strip()),
        # With the QR key, per address: a laptop's room of hundreds joins within seconds at
        # 20/s after a burst of 800; a plenary of 20,000 behind one NAT address needs more.
        join_rate=_number(
            env, "RONDVRAAG_JOIN_RATE", CLUSTER_JOIN_RATE if redis else 20.0, "0: no limit"
        ),
        vote_rate=_number(env, "RONDVRAAG_VOTE_RATE", 5.0, "0 turns the limit off"),
        max_participants=int(
            max_participants
            if max_participants is not None
            else _number(env, "RONDVRAAG_MAX_PARTICIPANTS", 5000, "a whole number", whole=True)
        ),
        join_key_seconds=_number(
            env, "RONDVRAAG_JOIN_KEY_SECONDS", 120.0, "0 turns the QR join key off"
        ),
        forwarded_allow_ips=(
            forwarded_allow_ips
            if forwarded_allow_ips is not None
            else env.get("RONDVRAAG_FORWARDED_ALLOW_IPS", "")
        ).strip(),
    )


def _check_modes(database: str, redis: str, workers: int) -> None:
    """PostgreSQL and Redis go together (a cluster); SQLite stays one process."""
    if database and not (database.startswith("sqlite:///") or is_postgres(database)):
        raise SettingsError(
            f"--database {database!r} is not a database URL: use sqlite:///PATH or"
            " postgresql://USER@HOST:PORT/DB"
        )
    if redis and not redis.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"--redis {redis!r} is not a Redis URL: use redis://HOST:PORT/N")
    if is_postgres(database) and not redis:
        raise SettingsError(
            "PostgreSQL is for a cluster: add --redis redis://HOST:PORT/N too (the workers"
            " share live tallies, messages and limits through it)"
        )
    if redis and not is_postgres(database):
        raise SettingsError(
            "Redis is for a cluster on PostgreSQL: add --database postgresql://USER@HOST/DB,"
            " or leave --redis out to run on SQLite in one process"
        )
    if workers < 1:
        raise SettingsError("--workers must be at least 1")
    if workers > 1 and not redis:
        raise SettingsError(
            "--workers needs a cluster (--database postgresql://… --redis redis://…):"
            " SQLite serves from one process"
        )


def _private_folder(data: Path) -> None:
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    if data.stat().st_mode & 0o077:
        os.chmod(data, 0o700)


def _number(
    env: os._Environ[str] | dict[str, str],
    name: str,
    default: float,
    meaning: str,
    *,
    whole: bool = False,
) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number ({meaning}), got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative ({meaning}), got {raw!r}")
    return value


def _read_or_create(path: Path, make) -> tuple[str, bool]:
    """A secret kept in the data folder: created once, readable only by its owner."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value, False
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    return value, True
