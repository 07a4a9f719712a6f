"""The framework's floor: a FastAPI app whose POST /noop only parses JSON and answers 201.

`python -m bench.noop_server --port P` runs it under the same uvicorn options as Rondvraag, so
the bench can report the vote path as a fraction of what FastAPI + uvicorn manage at best on
this machine with the same client.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/noop")
    async def noop(request: Request) -> JSONResponse:
        try:
            await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "bad_json", "detail": "body is not JSON"}, 400)
        return JSONResponse({"ok": True}, status_code=201)

    return app


def uvicorn_options() -> dict[str, Any]:
    """Rondvraag's own uvicorn options, so the floor is measured under the same settings."""
    try:
        from app.cli import uvicorn_options as app_options
    except ImportError:
        # Fallback until app.cli.uvicorn_options() exists: the settings the server is meant
        # to run with. Once the app provides it, the baseline follows it automatically.
        return {
            "loop": "uvloop",
            "http": "httptools",
            "ws_per_message_deflate": False,
            "log_level": "warning",
        }
    return dict(app_options())


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.noop_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    args = parser.parse_args(argv)
    options = uvicorn_options()
    for key in ("host", "port", "app"):
        options.pop(key, None)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, **options)


if __name__ == "__main__":
    main()
