"""The `rondvraag` command: serve a deck, validate decks, export and delete session data."""

from __future__ import annotations

import argparse
import asyncio
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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .main import create_app
    from .settings import load_settings

    try:
        load_deck(args.deck)
    except DeckError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    settings = load_settings(
        args.deck,
        data_dir=args.data,
        host=args.host,
        port=args.port,
        public_url=args.public_url or "",
        max_participants=args.max_participants,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    raise_open_file_limit()
    tune_garbage_collector()
    app = create_app(settings, announce=_announce)
    options = uvicorn_options(settings.forwarded_allow_ips)
    config = uvicorn.Config(app, host=args.host, port=args.port, **options)
    uvicorn.Server(config).run()
    return 0


def _announce(services) -> None:
    session = services.primary
    base = services.base_url()
    lines = [
        f"Rondvraag is running: {session.deck.title}",
        f"  Join URL:    {session.join_url}",
        f"  Join code:   {session.code}",
        f"  Presenter:   {base}/present/{session.code}",
    ]
    settings = services.settings
    kept = settings.data_dir / TOKEN_FILE
    if not settings.admin_token_generated:
        lines.append(f"  Admin token: from RONDVRAAG_ADMIN_TOKEN or {kept}")
    elif sys.stdout.isatty():  # a person at a terminal, not a log collector
        lines.append(f"  Admin token: {settings.admin_token}  (kept in {kept})")
    else:
        lines.append(f"  Admin token: generated and kept in {kept} (never printed to logs)")
    print("\n".join(lines), flush=True)


def _store_at(data_dir: str):
    """The data folder's database, opened directly (no server); refuses a missing file."""
    from .backends.sqlite import SQLiteStore
    from .exports import ExportError
    from .settings import DATABASE_FILE

    path = Path(data_dir) / DATABASE_FILE
    if not path.is_file():
        raise ExportError(f"no Rondvraag database at {path} (is --data the server's data folder?)")
    return SQLiteStore(path)


def cmd_export(args: argparse.Namespace) -> int:
    from .exports import ExportError, export_session

    try:
        body, summary = asyncio.run(
            export_session(_store_at(args.data), args.code, args.format, args.delimiter)
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
        print(asyncio.run(delete_session(_store_at(args.data), args.code)))
    except ExportError as exc:
        print(f"rondvraag delete: {exc}", file=sys.stderr)
        return 1
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

    validate = commands.add_parser("validate", help="check decks and list their slides")
    validate.add_argument("decks", nargs="+", help="deck YAML files")
    validate.set_defaults(run=cmd_validate)

    export = commands.add_parser("export", help="write a session's answers as CSV or JSON")
    export.add_argument("code", help="the session's 6-digit join code")
    export.add_argument("--data", default="data", help="the server's data folder (./data)")
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
    delete.set_defaults(run=cmd_delete)
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
