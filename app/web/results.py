"""After the session: the CSV/JSON exports and the printable results report (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from .. import exports
from ..domain import segments
from ..exports import SessionData
from ..live import LiveSession
from ..report import build_report, css_string
from .deps import Admin, Services, StoredSession, is_admin
from .errors import ApiError
from .models import ExportDocument
from .openapi import documented
from .pages import not_found, render, templates

router = APIRouter()
# The report's running header and page numbers live in CSS (@page margin boxes), so its words
# are written as CSS strings, escaped for that place.
templates.env.filters["css_string"] = css_string

VIEWS = {"answers": "csv", "summary": "summary"}


async def session_data(session: LiveSession) -> SessionData:
    """What the exports need, read from the store now (so it includes every committed answer)."""
    store = session.store
    return SessionData(
        code=session.code,
        deck=session.deck,
        created_at=session.created_at,
        rounds={q.id: session.state.round_of(q.id) for q in session.deck.questions},
        participants=await store.participant_count(session.code),
        responses=await store.responses(session.code),
        ended_at=session.ended_at,
        hidden={q.id: session.state.hidden_in(q.id) for q in session.deck.questions},
        names=await exports.names_for(store, session.code, session.deck),
        approved={q.id: session.state.approved_in(q.id) for q in session.deck.questions},
        merged={q.id: session.state.merged_in(q.id) for q in session.deck.questions},
    )


def _download(data: SessionData, fmt: str, body: bytes) -> Response:
    return Response(
        body,
        media_type=exports.media_type(fmt),
        headers={
            "Content-Disposition": f'attachment; filename="{exports.filename(data, fmt)}"',
            "Cache-Control": "no-store",
        },
    )


_EXPORT_ERRORS: dict[int, str | None] = {401: None, 404: None, 429: None, 503: None}
# Documented as enums, checked by the route itself (so a wrong one gets its own 400 detail).
View = Annotated[str, Query(json_schema_extra={"enum": list(VIEWS)})]
Delimiter = Annotated[str, Query(json_schema_extra={"enum": list(exports.DELIMITERS)})]


@router.get(
    "/api/sessions/{code}/export.csv",
    dependencies=[Admin],
    tags=["results"],
    summary="Export as CSV (answers or summary)",
    response_class=Response,
    **documented(
        None,
        description="UTF-8 CSV with a byte-order mark, as a download",
        media_type="text/csv",
        errors={
            400: "`invalid_request`: unknown `view` or `delimiter`, or `by` with answers",
            **_EXPORT_ERRORS,
            404: "`unknown_session`; `unknown_question`: `by` is not a choice question",
        },
        admin=True,
    ),
)
async def export_csv(
    session: StoredSession,
    view: View = "answers",
    delimiter: Delimiter = "comma",
    by: Annotated[str | None, Query(description="summary: split by this choice question")] = None,
) -> Response:
    """`?view=answers` (one row per answered item) or `?view=summary`; `?delimiter=semicolon`;
    `?view=summary&by=QID` splits the summary by a choice question's answers, each group
    smaller than the deck's `min_group` suppressed."""
    fmt = VIEWS.get(view)
    if fmt is None:
        raise ApiError(400, "invalid_request", f"'view' must be one of: {', '.join(VIEWS)}")
    if delimiter not in exports.DELIMITERS:
        known = ", ".join(exports.DELIMITERS)
        raise ApiError(400, "invalid_request", f"'delimiter' must be one of: {known}")
    if by and fmt != "summary":
        raise ApiError(400, "invalid_request", "'by' splits the summary: add view=summary")
    if by and not segments.can_split_by(session.deck.question(by)):
        raise ApiError(404, "unknown_question", f"{by!r} is not a choice question of this deck")
    data = await session_data(session)
    return _download(data, fmt, exports.render(data, fmt, delimiter, by or None))


@router.get(
    "/api/sessions/{code}/export.json",
    dependencies=[Admin],
    tags=["results"],
    summary="Export everything as JSON",
    **documented(
        ExportDocument,
        description="The deck, every response and the tallies of every round, as a download",
        errors=_EXPORT_ERRORS,
        admin=True,
    ),
)
async def export_json(session: StoredSession) -> Response:
    data = await session_data(session)
    return _download(data, "json", exports.render(data, "json"))


@router.get("/present/{code}/report", response_class=HTMLResponse, include_in_schema=False)
async def report(request: Request, code: str, services: Services) -> HTMLResponse:
    """Every question with its final results, printable (one question per page)."""
    session = await services.stored(code)
    if session is None:
        return not_found(request)
    language = session.deck.language
    if not is_admin(request):
        return render(
            request,
            "login.html",
            error=None,
            next=f"/present/{code}/report",
            code=code,
            title=session.deck.title,
            language=language,
        )
    data = await session_data(session)
    response = render(request, "report.html", report=build_report(data), language=language)
    response.headers["Cache-Control"] = "no-store"
    return response
