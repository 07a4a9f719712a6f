"""HTML pages: landing, the phone page, the presenter's login and projector view."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..auth import ADMIN_COOKIE, admin_token_matches
from ..errors import NotFound, TooMany
from ..live import LiveSession
from .deps import Services, client_address, is_admin, origin_allowed
from .joining import first_state, set_participant_cookie

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
router = APIRouter()


def asset_version() -> str:
    """A hash of the static files, so browsers fetch new JS/CSS after an upgrade."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = asset_version()


def type_assets(suffix: str) -> list[str]:
    """Every registered slide type's page file (static/types/NAME.js or .css), if it has one:
    the pages load them all, so a new type needs no template change."""
    from ..domain.slides import SLIDE_TYPES

    return [
        f"types/{name}{suffix}"
        for name in SLIDE_TYPES
        if (STATIC_DIR / "types" / f"{name}{suffix}").is_file()
    ]


def deck_types(slides) -> str:
    """The `types` a phone page asks its bundles for (app/web/assets.py): the deck's slide
    types, sorted, so a phone downloads only the types its talk uses."""
    names = {slide.type_name for slide in slides}
    names |= {base for slide in slides for base in slide.page_builds_on}
    return ".".join(sorted(names))


TYPE_SCRIPTS = type_assets(".js")
TYPE_STYLES = type_assets(".css")
# A type's split and rounds views (static/types/NAME.facets.js): presenter screens only.
TYPE_FACETS = type_assets(".facets.js")


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("language", "nl")
    context["asset_version"] = ASSET_VERSION
    context["type_scripts"] = TYPE_SCRIPTS
    context["type_styles"] = TYPE_STYLES
    context["type_facets"] = TYPE_FACETS
    return templates.TemplateResponse(request, name, context, status_code=status)


def not_found(request: Request, language: str = "nl") -> HTMLResponse:
    message = (
        "Deze sessie bestaat niet (meer). Controleer de code."
        if language == "nl"
        else "This session does not exist (any more). Check the code."
    )
    return render(request, "not_found.html", 404, language=language, message=message)


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, services: Services) -> HTMLResponse:
    primary = services.primary
    return render(request, "index.html", language=primary.deck.language if primary else "nl")


@router.get("/join")
async def join_by_code(request: Request, code: str = "") -> Response:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return not_found(request)
    return RedirectResponse(f"/j/{code}", status_code=303)


async def _served(request: Request, code: str, services) -> LiveSession | Response:
    """The served session, or the page to show instead (404, or 429 for a code walk)."""
    try:
        return await services.session(code, client_address(request))
    except NotFound:
        return not_found(request)
    except TooMany as exc:
        page = not_found(request)
        page.status_code = 429
        page.headers["Retry-After"] = str(exc.retry_after)
        return page


@router.get("/j/{code}", response_class=HTMLResponse)
async def phone(request: Request, code: str, services: Services) -> Response:
    session = await _served(request, code, services)
    if not isinstance(session, LiveSession):
        return session
    first, token = await first_state(request, code, services, session)
    response = render(
        request,
        "phone.html",
        code=code,
        title=session.deck.title,
        language=session.deck.language,
        first_state=first,
        privacy_notice=session.deck.privacy_notice,
        deck_types=deck_types(session.deck.slides),
        retention_days=session.deck.retention_days,
    )
    response.headers["Cache-Control"] = "no-store"  # it holds the phone's own token
    if token is not None:
        set_participant_cookie(response, code, token)
    return response


@router.get("/check/{code}", response_class=HTMLResponse)
async def venue_check(request: Request, code: str, services: Services) -> Response:
    """The presenter's own phone, before the talk: does the venue Wi-Fi let phones reach this
    server, and how fast? (The presenter's screens show the answer too.)"""
    session = await _served(request, code, services)
    if not isinstance(session, LiveSession):
        return session
    return render(request, "check.html", code=code, language=session.deck.language)


@router.get("/present/{code}", response_class=HTMLResponse)
async def present(request: Request, code: str, services: Services) -> Response:
    session = await _served(request, code, services)
    if not isinstance(session, LiveSession):
        return session
    common = {"code": code, "title": session.deck.title, "language": session.deck.language}
    if not is_admin(request):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return render(request, "login.html", error=None, next=here, **common)
    short_url = session.join_url.split("://", 1)[-1]
    response = render(
        request, "present.html", join_url=session.join_url, short_url=short_url, **common
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/present/{code}/login", response_model=None)
async def login(request: Request, code: str, services: Services) -> Response:
    """Trade the admin token for a signed, expiring login cookie (never the token itself),
    so the token never sits in a page URL or a cookie jar."""
    session = await services.stored(code)
    if session is None:
        return not_found(request)
    nl = session.deck.language == "nl"
    common = {"code": code, "title": session.deck.title, "language": session.deck.language}
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    common["next"] = _safe_next(code, (form.get("next") or [""])[0])
    if not origin_allowed(request):
        error = "Aanmelden kan alleen vanaf deze pagina." if nl else "Log in from this page only."
        return render(request, "login.html", 403, error=error, **common)
    address = client_address(request)
    wait = await services.admin_blocked(address)
    if wait:
        error = (
            f"Te veel foute pogingen; probeer opnieuw over {wait} s."
            if nl
            else f"Too many wrong tries; try again in {wait} s."
        )
        page = render(request, "login.html", 429, error=error, **common)
        page.headers["Retry-After"] = str(wait)
        return page
    token = (form.get("token") or [""])[0].strip()
    if not admin_token_matches(token, services.admin_token):
        await services.admin_failed(address)
        error = "Dat token klopt niet." if nl else "That token is not right."
        return render(request, "login.html", 401, error=error, **common)
    response = RedirectResponse(common["next"], status_code=303)
    response.set_cookie(
        ADMIN_COOKIE,
        services.admin_sessions.issue(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=services.admin_sessions.lifetime_s,
    )
    return response


def _safe_next(code: str, target: str) -> str:
    """Where to go after login: only back to this session's presenter pages, never elsewhere."""
    home = f"/present/{code}"
    ours = target == home or target.startswith((home + "?", home + "/"))
    if ours and not any(bad in target for bad in ("//", "\\", "\r", "\n")):
        return target
    return home
