"""Server settings, from the command line and `RONDVRAAG_*` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_FILE = "admin-token"
DATABASE_FILE = "rondvraag.sqlite3"
SECRET_FILE = "secret.key"
MIN_ADMIN_TOKEN = 16  # characters; shorter tokens can be guessed


class SettingsError(SystemExit):
    """A setting that cannot work, said in one sentence (the CLI prints it, no traceback)."""


@dataclass(frozen=True, slots=True)
class Settings:
    deck_path: Path
    data_dir: Path = Path("data")
    host: str = "0.0.0.0"
    port: int = 8000
    public_url: str = ""  # e.g. "https://poll.example.org"; empty: this machine's LAN address
    admin_token: str = ""
    admin_token_generated: bool = False
    secret: bytes = b""  # signs participant tokens; kept in the data folder
    allowed_origins: tuple[str, ...] = ()  # extra websocket origins, e.g. behind a proxy
    join_rate: float = 20.0  # joins per second per client address (burst 40x); 0: no limit
    vote_rate: float = 5.0  # responses per second per participant (burst 5x); 0 turns it off
    max_participants: int = 5000  # per session; joins beyond get 409 session_full
    join_key_seconds: float = 120.0  # the QR code's join key changes this often; 0: no key
    forwarded_allow_ips: str = ""  # proxies whose X-Forwarded-For is believed; "": none
    max_body_bytes: int = 16 * 1024
    max_ws_message_bytes: int = 4 * 1024
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE


def load_settings(
    deck_path: str | Path,
    *,
    data_dir: str | Path = "data",
    host: str = "0.0.0.0",
    port: int = 8000,
    public_url: str = "",
    max_participants: int | None = None,
    forwarded_allow_ips: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings; creates the data folder (0700) and the secrets kept in it (0600).

    Raises SettingsError (a SystemExit with one sentence) for a value that cannot work.
    """
    env = os.environ if environ is None else environ
    data = Path(data_dir)
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    if data.stat().st_mode & 0o077:
        os.chmod(data, 0o700)
    token = env.get("RONDVRAAG_ADMIN_TOKEN", "").strip()
    if token and len(token) < MIN_ADMIN_TOKEN:
        raise SettingsError(
            f"RONDVRAAG_ADMIN_TOKEN is {len(token)} characters; use at least {MIN_ADMIN_TOKEN}"
            " (or leave it unset and one is generated)"
        )
    generated = False
    if not token:
        token, generated = _read_or_create(data / TOKEN_FILE, lambda: secrets.token_urlsafe(24))
    secret, _ = _read_or_create(data / SECRET_FILE, lambda: secrets.token_hex(32))
    raw_origins = env.get("RONDVRAAG_ALLOWED_ORIGINS", "").split(",")
    origins = tuple(o.strip().rstrip("/") for o in raw_origins if o.strip())
    return Settings(
        deck_path=Path(deck_path),
        data_dir=data,
        host=host,
        port=port,
        public_url=(public_url or env.get("RONDVRAAG_PUBLIC_URL", "")).rstrip("/"),
        admin_token=token,
        admin_token_generated=generated,
        secret=secret.encode(),
        allowed_origins=origins,
        join_rate=_number(env, "RONDVRAAG_JOIN_RATE", 20.0, "0 turns the limit off"),
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
