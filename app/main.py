"""The application factory: `create_app(settings)` builds a fresh app with its own store.

Nothing is created at import time, so every test gets its own app, data folder and database.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from .backends import open_shared, open_store
from .service import Rondvraag
from .settings import Settings
from .web import api, apidocs, assets, openapi, pages, qa, results, ws
from .web.errors import error_response, install_error_handlers
from .web.hotpaths import HotPaths
from .web.limits import BodyLimit, SecurityHeaders

WORKER_SETTINGS = "RONDVRAAG_WORKER_SETTINGS"  # `serve --workers N` hands its options over


def worker_app() -> ASGIApp:
    """The app of one of `serve --workers N`'s worker processes (uvicorn calls this factory in
    each): the same settings as the command line, rebuilt from what it handed over."""
    from .cli import tune_garbage_collector, uvicorn_options
    from .settings import load_settings

    uvicorn_options()  # applies the process-wide protocol settings in this worker too
    settings = load_settings(**json.loads(os.environ[WORKER_SETTINGS]))
    app = create_app(settings)
    tune_garbage_collector()
    return app


def create_app(settings: Settings, announce: Callable[[Rondvraag], None] | None = None) -> ASGIApp:
    services = Rondvraag(settings, open_store(settings.store_url), open_shared(settings.redis_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        if announce is not None:
            announce(services)
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="Rondvraag",
        lifespan=lifespan,
        # Our own docs page (apidocs.py): FastAPI's Swagger UI and ReDoc load from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.rondvraag = services
    install_error_handlers(app)
    openapi.install(app)
    app.include_router(api.router)
    app.include_router(openapi.router)  # describes the vote; HotPaths answers it first
    app.include_router(ws.router)
    app.include_router(results.router)
    app.include_router(qa.router)
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(apidocs.router)
    app.include_router(assets.router, include_in_schema=False)  # before the /static mount
    app.mount(
        "/static", assets.VersionedStaticFiles(directory=str(pages.STATIC_DIR)), name="static"
    )
    # Text responses (pages, scripts, styles, JSON, CSV) gzipped for phones on a weak link.
    # Inside FastAPI, so the hot paths in front of it (votes, phone sockets) never pass through
    # it; websockets pass it untouched, and bodies under 500 bytes are sent as they are.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(
            ("/api/", "/ws/", "/static/")
        ) or "json" in request.headers.get("accept", ""):
            return error_response(404, "not_found", "no such path")
        return pages.not_found(request)

    # The hot paths (votes, phone sockets) are served in front of FastAPI; the body limit
    # and security headers wrap everything.
    hot = HotPaths(app, services)
    return SecurityHeaders(BodyLimit(hot, max_bytes=settings.max_body_bytes))
