"""Static files for phones on a weak link: versioned URLs cached for good, and the phone page's
scripts and styles as one response each, built and gzipped once at startup.

Every page links its files as `/static/NAME?v=ASSET_VERSION` (a hash of all static files), so a
new release is a new URL: those responses may be kept a year without asking again. A URL
without the current version (a typed address, a page from before an upgrade) must be
revalidated every time.

The phone page is a dozen scripts (shared code, the type registry, one script per slide type,
the page's parts and its controller) and a few style sheets: on a 400 ms link each request costs
a round trip and the slow start of its own connection. The bundles are the same files joined in
the pages' order, so there is nothing to build or keep in step by hand; the files stay the
source.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs

import rcssmin
import rjsmin
from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import Scope

from .pages import ASSET_VERSION, STATIC_DIR, TYPE_SCRIPTS, TYPE_STYLES

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# The phone page's files in load order: shared code, the type registry, one script per slide
# type, the page's parts (what the phone keeps, the outbox, the connection) and its controller.
PHONE_PARTS = ["phone/storage.js", "phone/outbox.js", "phone/connection.js", "phone/nickname.js"]
PHONE_SCRIPTS = [
    "i18n.js",
    "live.js",
    "countdown.js",
    "types/registry.js",
    *TYPE_SCRIPTS,
    *PHONE_PARTS,
    "phone.js",
]
PHONE_STYLES = ["base.css", "phone.css", *TYPE_STYLES]


def cache_control(query_string: bytes | str) -> str:
    """For good when the URL names the current version, else revalidate each time."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    return IMMUTABLE if parse_qs(query_string).get("v") == [ASSET_VERSION] else REVALIDATE


class VersionedStaticFiles(StaticFiles):
    """Starlette's static files with the cache lifetime `cache_control` gives the URL."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = cache_control(scope.get("query_string", b""))
        return response


@dataclass(frozen=True, slots=True)
class Bundle:
    media_type: str
    body: bytes
    gzipped: bytes  # compressed once here, not per phone (a room arrives at once)


def bundle(names: list[str], media_type: str) -> Bundle:
    """The files joined in order and minified (comments and spaces out: a third of the
    bytes a phone waits for on a weak link; rjsmin and rcssmin rename nothing). Scripts are
    separated by `;` so a file ending without one cannot turn the next file's opening
    parenthesis into a call."""
    script = media_type.startswith("text/javascript")
    separator = b"\n;\n" if script else b"\n"
    text = separator.join((STATIC_DIR / name).read_bytes().rstrip() for name in names).decode()
    body = ((rjsmin.jsmin(text) if script else rcssmin.cssmin(text)) + "\n").encode()
    return Bundle(media_type, body, gzip.compress(body, compresslevel=9, mtime=0))


BUNDLES = {
    "phone.js": bundle(PHONE_SCRIPTS, "text/javascript; charset=utf-8"),
    "phone.css": bundle(PHONE_STYLES, "text/css; charset=utf-8"),
}


@lru_cache(maxsize=64)
def deck_bundle(name: str, types: frozenset[str]) -> Bundle:
    """The phone's bundle with only the slide types a deck uses: a phone at a talk with four
    question types does not download the other seven (each type's script and CSS stay the
    source). Built once per set of types, like the full bundle."""

    def wanted(path: str) -> bool:
        return (
            not path.startswith("types/")
            or path in ("types/registry.js",)
            or (path.removeprefix("types/").rsplit(".", 1)[0] in types)
        )

    if name == "phone.js":
        return bundle([p for p in PHONE_SCRIPTS if wanted(p)], "text/javascript; charset=utf-8")
    return bundle([p for p in PHONE_STYLES if wanted(p)], "text/css; charset=utf-8")


router = APIRouter()


@router.get("/static/bundle/{name}")
async def bundled(name: str, request: Request, types: str = "") -> Response:
    """One bundle, gzipped when the browser takes it (the compression middleware leaves a
    response that has its Content-Encoding alone). `?types=a.b.c` (known slide types): only
    those types' scripts or styles."""
    from ..domain.slides import SLIDE_TYPES

    found = BUNDLES.get(name)
    if found is None:
        raise HTTPException(404)  # the app's 404 handler words it
    if types:
        wanted = frozenset(types.split("."))
        if not wanted <= SLIDE_TYPES.keys():
            raise HTTPException(404)
        found = deck_bundle(name, wanted)
    headers = {"Cache-Control": cache_control(request.url.query), "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
