"""The `rondvraag` command: serve a deck, validate decks, export and delete session data."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .domain.errors import DeckError
from .domain.loader import load_deck
from .settings import TOKEN_FILE


def uvicorn_options(forwarded_allow_ips: str = "") -> dict[str, Any]:
    """How uvicorn runs Rondvraag; the benchmark's no-op baseline uses the same options.

    X-Forwarded-For is believed only from the proxies named in `forwarded_allow_ips`: else a
    client could pick its own address and walk past every per-address limit.
    """
    ping = float(os.environ.get("RONDVRAAG_WS_PING_SECONDS", "") or 20.0)
    options: dict[str, Any] = {
        "loop": "asyncio",
        "http": "h11",
        "ws": "websockets-sansio",  # timer-based pings: no task per idle connection
        "ws_per_message_deflate": False,  # compression costs ~300 KiB per connection
        "ws_max_size": 4 * 1024,  # bigger frames close the socket (1009)
        # Dead phones (walked out of Wi-Fi range) are dropped within ~40 s.
        "ws_ping_interval": ping,
        "ws_ping_timeout": ping,
        "log_level": "warning",
        "server_header": False,
        "backlog": 4096,
        "timeout_keep_alive": 30,
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or None,
    }
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        from .web.http_protocol import HeadTimeoutProtocol

        head = os.environ.get("RONDVRAAG_HEAD_TIMEOUT_SECONDS", "")
        HeadTimeoutProtocol.head_timeout_s = float(head or HeadTimeoutProtocol.head_timeout_s)
        options["http"] = HeadTimeoutProtocol  # httptools, with a deadline for headers
    except ImportError:
        pass
    return options


def raise_open_file_limit() -> int:
    """Thousands of phones need thousands of sockets: lift the soft limit to the hard one."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY:
            hard = 1 << 20
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    except (ImportError, ValueError, OSError):
        return 0


def tune_garbage_collector() -> None:
    """Fewer, later cyclic collections: with thousands of sockets each full collection walks
    every connection's objects, and frequent ones showed up as stalls of hundreds of ms in
    the benchmark. Reference counting frees almost everything anyway; the cyclic collector
    only has to catch the odd cycle of a closed connection, which it still does."""
    import gc

    gc.collect()
    gc.freeze()  # what exists at start lives as long as the server: never scan it again
    gc.set_threshold(20_000, 50, 100)


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.decks:
        try:
            deck = load_deck(path)
        except DeckError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(f"{path}: OK — {deck.title!r} ({deck.language}), {len(deck.slides)} slides")
        for index, slide in enumerate(deck.slides, start=1):
            prompt = getattr(slide, "prompt", "") or slide.title
            print(f"  {index:>2}. {slide.id:<20} {slide.type_name:<10} {prompt}")
    return 1 if failed else 0


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The `load_settings` arguments of a `serve` command line (workers rebuild from them)."""
    return {
        "deck_path": args.deck,
        "data_dir": args.data,
        "database_url": args.database,
        "redis_url": args.redis,
        "workers": args.workers,
        "host": args.host,
        "port": args.port,
        "public_url": args.public_url or "",
        "max_participants": args.max_participants,
        "forwarded_allow_ips": args.forwarded_allow_ips,
    }


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .main import WORKER_SETTINGS, create_app
    from .settings import load_settings

    try:
        load_deck(args.deck)
    except DeckError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    options = serve_options(args)
    settings = load_settings(**options)
    raise_open_file_limit()
    server_options = uvicorn_options(settings.forwarded_allow_ips)
    if settings.workers == 1:
        tune_garbage_collector()
        app = create_app(settings, announce=_announce)
        uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, **server_options)).run()
        return 0
    # Several workers on this host: uvicorn starts each from the factory, which rebuilds the
    # same settings; they all serve the deck's one open session (the database sees to that).
    asyncio.run(_announce_cluster(settings))
    os.environ[WORKER_SETTINGS] = json.dumps(options)
    uvicorn.run(
        "app.main:worker_app",
        factory=True,
        workers=settings.workers,
        host=args.host,
        port=args.port,
        **server_options,
    )
    return 0


def _announce(services) -> None:
    session = services.primary
    _print_running(
        services.settings, session.deck.title, session.code, session.join_url, services.base_url()
    )


async def _announce_cluster(settings) -> None:
    """Before the workers start: the session they will serve, and how to reach it."""
    from .backends import open_store
    from .domain.presenter import initial_state
    from .live import now_ms
    from .service import _new_code

    deck = load_deck(settings.deck_path)
    store = open_store(settings.store_url)
    await store.open()
    try:
        record = await store.open_session(
            deck.name, deck.title, deck.source, initial_state(deck, now_ms()).to_json(), _new_code
        )
    finally:
        await store.close()
    base = settings.public_url
    _print_running(settings, deck.title, record.code, f"{base}/j/{record.code}", base)


def _print_running(settings, title: str, code: str, join_url: str, base: str) -> None:
    lines = [
        f"Rondvraag is running: {title}",
        f"  Join URL:    {join_url}",
        f"  Join code:   {code}",
        f"  Presenter:   {base}/present/{code}",
    ]
    kept = settings.data_dir / TOKEN_FILE
    if settings.cluster:
        if settings.admin_token:
            lines.append("  Admin token: from RONDVRAAG_ADMIN_TOKEN")
        else:
            lines.append("  Admin token: kept in the database (rondvraag token --database URL)")
        lines.append(f"  Workers:     {settings.workers} on this host")
    elif not settings.admin_token_generated:
        lines.append(f"  Admin token: from RONDVRAAG_ADMIN_TOKEN or {kept}")
    elif sys.stdout.isatty():  # a person at a terminal, not a log collector
        lines.append(f"  Admin token: {settings.admin_token}  (kept in {kept})")
    else:
        lines.append(f"  Admin token: generated and kept in {kept} (never printed to logs)")
    print("\n".join(lines), flush=True)


def _store_for(args: argparse.Namespace):
    """The database of `--database URL`, or the data folder's (no server needed)."""
    from .backends import open_store
    from .exports import ExportError
    from .settings import DATABASE_FILE

    database = getattr(args, "database", None) or os.environ.get("RONDVRAAG_DATABASE_URL", "")
    if database:
        try:
            return open_store(database)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    path = Path(args.data) / DATABASE_FILE
    if not path.is_file():
        raise ExportError(f"no Rondvraag database at {path} (is --data the server's data folder?)")
    return open_store(f"sqlite:///{path}")


def cmd_export(args: argparse.Namespace) -> int:
    from .exports import ExportError, export_session

    try:
        body, summary = asyncio.run(
            export_session(_store_for(args), args.code, args.format, args.delimiter)
        )
    except ExportError as exc:
        print(f"rondvraag export: {exc}", file=sys.stderr)
        return 1
    if args.output in (None, "-"):
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        Path(args.output).write_bytes(body)
        print(f"{summary} -> {args.output}", file=sys.stderr)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from .exports import ExportError, delete_session

    try:
        print(asyncio.run(delete_session(_store_for(args), args.code)))
    except ExportError as exc:
        print(f"rondvraag delete: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete every session past its deck's retention (what the server does daily)."""
    from .exports import ExportError
    from .retention import purge

    async def run() -> list[str]:
        store = _store_for(args)
        await store.open()
        try:
            return await purge(store)
        finally:
            await store.close()

    try:
        deleted = asyncio.run(run())
    except ExportError as exc:
        print(f"rondvraag purge: {exc}", file=sys.stderr)
        return 1
    for code in deleted:
        print(f"deleted session {code} and every answer (past its deck's retention_days)")
    if not deleted:
        print("no session is past its retention")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """Show the admin token to whoever can read the database (or the data folder)."""
    from .exports import ExportError
    from .settings import TOKEN_FILE as KEPT

    if os.environ.get("RONDVRAAG_ADMIN_TOKEN", "").strip():
        print(
            "rondvraag token: RONDVRAAG_ADMIN_TOKEN is set here; that is the token in use",
            file=sys.stderr,
        )
        return 1
    if not (args.database or os.environ.get("RONDVRAAG_DATABASE_URL", "")):
        path = Path(args.data) / KEPT
        if not path.is_file():
            print(f"rondvraag token: no admin token at {path} yet (serve once)", file=sys.stderr)
            return 1
        print(path.read_text(encoding="utf-8").strip())
        return 0

    async def read() -> str | None:
        store = _store_for(args)
        await store.open()
        try:
            return await store.stored_secret("admin-token")
        finally:
            await store.close()

    try:
        token = asyncio.run(read())
    except ExportError as exc:
        print(f"rondvraag token: {exc}", file=sys.stderr)
        return 1
    if token is None:
        print("rondvraag token: no admin token in this database yet (serve once)", file=sys.stderr)
        return 1
    print(token)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import check

    report = check(args.host, args.port, args.public_url or "")
    print("\n".join(report.lines), flush=True)
    if report.problem:
        print(f"rondvraag doctor: {report.problem}", file=sys.stderr)
    return 1 if report.problem else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .domain.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rondvraag", description="Self-hosted live audience polling."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve a deck: phones join, the projector shows")
    serve.add_argument("deck", help="the deck YAML file, e.g. questions/samenwerking.yaml")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument("--data", default="data", help="data folder (./data)")
    serve.add_argument(
        "--database",
        help="sqlite:///PATH (default: the data folder's) or postgresql://USER@HOST:PORT/DB"
        " (a cluster; or RONDVRAAG_DATABASE_URL)",
    )
    serve.add_argument(
        "--redis",
        help="redis://HOST:PORT/N: the bus, live tallies and limits a cluster shares"
        " (or RONDVRAAG_REDIS_URL)",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes on this host (cluster only)"
    )
    serve.add_argument(
        "--public-url", help="the URL phones use, e.g. https://poll.example.org (default: LAN)"
    )
    serve.add_argument(
        "--max-participants",
        type=int,
        help="participants one session takes (default 5000, or RONDVRAAG_MAX_PARTICIPANTS)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        help="addresses of reverse proxies whose X-Forwarded-For is believed, comma-separated"
        " (default: none; or RONDVRAAG_FORWARDED_ALLOW_IPS)",
    )
    serve.set_defaults(run=cmd_serve)

    purge = commands.add_parser(
        "purge", help="delete every session past its deck's privacy.retention_days"
    )
    purge.add_argument("--data", default="data", help="data folder (./data)")
    purge.add_argument("--database", help="postgresql://… instead of the data folder's SQLite")
    purge.set_defaults(run=cmd_purge)

    doctor = commands.add_parser(
        "doctor", help="the venue check: the join URL, the port, whether phones can reach it"
    )
    doctor.add_argument("--host", default="0.0.0.0", help="address serve will listen on")
    doctor.add_argument("--port", type=int, default=8000, help="port serve will listen on (8000)")
    doctor.add_argument("--public-url", help="the URL phones will use, if not this computer")
    doctor.set_defaults(run=cmd_doctor)

    schema = commands.add_parser(
        "schema", help="print the decks' JSON Schema (for editors: completion and typo checks)"
    )
    schema.set_defaults(run=cmd_schema)

    validate = commands.add_parser("validate", help="check decks and list their slides")
    validate.add_argument("decks", nargs="+", help="deck YAML files")
    validate.set_defaults(run=cmd_validate)

    export = commands.add_parser("export", help="write a session's answers as CSV or JSON")
    export.add_argument("code", help="the session's 6-digit join code")
    export.add_argument("--data", default="data", help="the server's data folder (./data)")
    export.add_argument(
        "--database",
        help="a database URL instead of --data (postgresql://…; or RONDVRAAG_DATABASE_URL)",
    )
    export.add_argument(
        "--format",
        choices=("csv", "summary", "json"),
        default="csv",
        help="csv: a row per answer; summary: counts, percentages, means; json: everything",
    )
    export.add_argument(
        "--delimiter",
        choices=("comma", "semicolon"),
        default="comma",
        help="CSV column separator; semicolon (with decimal commas) for Dutch-language Excel",
    )
    export.add_argument("-o", "--output", help="write to this file (default: standard output)")
    export.set_defaults(run=cmd_export)

    delete = commands.add_parser(
        "delete", help="remove a session and every answer of it (stop its server first)"
    )
    delete.add_argument("code", help="the session's 6-digit join code")
    delete.add_argument("--data", default="data", help="the server's data folder (./data)")
    delete.add_argument(
        "--database",
        help="a database URL instead of --data (postgresql://…; or RONDVRAAG_DATABASE_URL)",
    )
    delete.set_defaults(run=cmd_delete)

    token = commands.add_parser(
        "token", help="show the admin token (kept in the data folder or the database)"
    )
    token.add_argument("--data", default="data", help="the server's data folder (./data)")
    token.add_argument(
        "--database", help="a cluster's database URL (postgresql://…; or RONDVRAAG_DATABASE_URL)"
    )
    token.set_defaults(run=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `rondvraag validate … | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
