"""The `rondvraag` command: serve a deck, validate decks, export and delete session data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .domain.errors import DeckError
from .domain.loader import load_deck


def uvicorn_options() -> dict[str, Any]:
    """How uvicorn runs Rondvraag; the benchmark's no-op baseline uses the same options."""
    options: dict[str, Any] = {
        "loop": "asyncio",
        "http": "h11",
        "ws": "websockets-sansio",  # timer-based pings: no task per idle connection
        "ws_per_message_deflate": False,  # compression costs ~300 KiB per connection
        "ws_max_size": 4 * 1024,  # bigger frames close the socket (1009)
        "ws_ping_interval": 20.0,  # dead phones are dropped within ~40 s
        "ws_ping_timeout": 20.0,
        "log_level": "warning",
        "server_header": False,
        "backlog": 4096,
        "timeout_keep_alive": 30,
    }
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        import httptools  # noqa: F401

        options["http"] = "httptools"
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
    )
    raise_open_file_limit()
    app = create_app(settings, announce=_announce)
    config = uvicorn.Config(app, host=args.host, port=args.port, **uvicorn_options())
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
    if services.settings.admin_token_generated:
        lines.append(f"  Admin token: {services.settings.admin_token}  (kept in the data folder)")
    else:
        lines.append("  Admin token: from RONDVRAAG_ADMIN_TOKEN or the data folder")
    print("\n".join(lines), flush=True)


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
    serve.set_defaults(run=cmd_serve)

    validate = commands.add_parser("validate", help="check decks and list their slides")
    validate.add_argument("decks", nargs="+", help="deck YAML files")
    validate.set_defaults(run=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
