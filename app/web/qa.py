"""Audience Q&A (slide type `qa`): ask, upvote, and the presenter's moderation.

Each request changes one participant's answer row for the slide atomically in the store
(LiveSession.change_answer; the row's shape and the changes are app/domain/slides/qa.py):
asking and voting change the sender's row, a moderation changes the row of the entry's
author. Entry ids are minted with the server's secret for one session, slide and round, so a
made-up or stale id is refused without reading any row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ..domain.slides.qa import QandA
from ..live import LiveSession
from .deps import Admin, Services, Session, json_body, participant_id
from .errors import ApiError
from .models import QaAsk, QaAsked201, QaEntries, QaModerate, QaModerated, QaVote, QaVoted
from .openapi import documented

router = APIRouter()

_PARTICIPANT_ERRORS: dict[int, str | None] = {
    401: "`no_participant`: join first; send the token as `participant` or cookie",
    403: "`bad_participant`: this token was not issued here; `cross_origin`",
    413: None,
    415: None,
    429: None,
    503: None,
}


def qa_slide(session: LiveSession, slide_id: str) -> QandA:
    """The session's Q&A slide with this id, or a 404/409 saying why not."""
    slide = session.deck.slide(slide_id)
    if slide is None:
        raise ApiError(404, "unknown_question", f"there is no slide {slide_id!r}")
    if not isinstance(slide, QandA):
        raise ApiError(409, "not_qa", f"slide {slide_id!r} is not a Q&A slide")
    return slide


def entry_scope(session: LiveSession, slide: QandA) -> str:
    return f"qa:{session.code}:{slide.id}:{session.state.round_of(slide.id)}"


def known_entry(services: Any, session: LiveSession, slide: QandA, entry_id: str) -> str:
    if not services.signer.minted(entry_scope(session, slide), entry_id):
        raise ApiError(
            404, "unknown_entry", f"there is no entry {entry_id!r} on this slide in this round"
        )
    return entry_id


async def _participant(request: Request, code: str, services: Any) -> tuple[str, dict[str, Any]]:
    body = await json_body(request)
    participant = participant_id(request, code, body)
    wait = await services.allow_vote(participant)
    if wait:
        raise ApiError(
            429, "rate_limited", "too many requests; wait a moment", {"Retry-After": str(wait)}
        )
    return participant, body


@router.post(
    "/api/sessions/{code}/qa/{slide_id}",
    status_code=201,
    tags=["participants"],
    summary="Ask a question on a Q&A slide",
    **documented(
        QaAsked201,
        status=201,
        description="Stored (committed) before this is sent; pending until approved when the "
        "slide has `moderation: true`",
        body=QaAsk,
        errors={
            400: "`invalid_json`, `invalid_request`, `invalid_answer` (no text, too long, "
            "nothing visible, more than the slide's `max_questions`)",
            **_PARTICIPANT_ERRORS,
            404: "`unknown_session`, `unknown_question`",
            409: "`not_qa`, `not_live`, `voting_closed`, `session_ended`",
        },
    ),
)
async def ask(
    code: str, slide_id: str, request: Request, services: Services, session: Session
) -> Response:
    participant, body = await _participant(request, code, services)
    slide = qa_slide(session, slide_id)
    if "text" not in body:
        raise ApiError(400, "invalid_request", "the request needs the question as 'text'")
    text = slide.clean_question(body["text"])
    entry_id = services.signer.mint(entry_scope(session, slide))
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    await session.change_answer(participant, slide, lambda row: slide.ask(row, entry_id, text, at))
    return JSONResponse({"id": entry_id}, status_code=201)


@router.post(
    "/api/sessions/{code}/qa/{slide_id}/{entry_id}/vote",
    tags=["participants"],
    summary="Upvote an entry, or take the upvote back",
    **documented(
        QaVoted,
        description="Stored (committed) before this is sent; voting twice the same way "
        "changes nothing (one vote per participant and entry)",
        body=QaVote,
        errors={
            400: "`invalid_json`, `invalid_request` (`up` not true or false), `invalid_answer`",
            **_PARTICIPANT_ERRORS,
            404: "`unknown_session`, `unknown_question`, `unknown_entry`",
            409: "`not_qa`, `not_live`, `voting_closed`, `session_ended`",
        },
    ),
)
async def vote(
    code: str, slide_id: str, entry_id: str, request: Request, services: Services, session: Session
) -> dict[str, Any]:
    participant, body = await _participant(request, code, services)
    up = body.get("up")
    if not isinstance(up, bool):
        raise ApiError(400, "invalid_request", "'up' must be true (upvote) or false (take back)")
    slide = qa_slide(session, slide_id)
    known_entry(services, session, slide, entry_id)
    await session.change_answer(participant, slide, lambda row: slide.vote(row, entry_id, up))
    return {"id": entry_id, "up": up}


@router.post(
    "/api/sessions/{code}/qa/{slide_id}/{entry_id}/moderate",
    dependencies=[Admin],
    tags=["presenter"],
    summary="Approve, hide, mark answered, pin or unpin an entry",
    **documented(
        QaModerated,
        description="The entry's new status (every screen is told); pinning one unpins the others",
        body=QaModerate,
        errors={
            400: "`invalid_json`, `invalid_request` (unknown `action`)",
            401: None,
            403: None,
            404: "`unknown_session`, `unknown_question`, `unknown_entry`",
            409: "`not_qa`, `session_ended`",
            413: None,
            415: None,
            429: None,
            503: None,
        },
        admin=True,
    ),
)
async def moderate(
    slide_id: str, entry_id: str, request: Request, services: Services, session: Session
) -> dict[str, Any]:
    body = await json_body(request)
    action = body.get("action")
    if not isinstance(action, str) or action not in ("approve", "hide", "answered", "pin", "unpin"):
        raise ApiError(
            400, "invalid_request", "'action' must be approve, hide, answered, pin or unpin"
        )
    slide = qa_slide(session, slide_id)
    known_entry(services, session, slide, entry_id)
    rows = await session.answer_rows(slide)
    author = next((p for p, _, row in rows if entry_id in slide.entry_ids(row)), None)
    if author is None:
        raise ApiError(404, "unknown_entry", f"there is no entry {entry_id!r} on this slide")
    done = await session.change_answer(
        author, slide, lambda row: slide.moderate(row, entry_id, action), presenter=True
    )
    entry = next(e for e in done.answer["asked"] if e["id"] == entry_id)
    if action == "pin":  # one pinned entry: the one the presenter is answering now
        for other, _, row in rows:
            for pinned in (e["id"] for e in row.get("asked", []) if e.get("pinned")):
                if pinned != entry_id:
                    await session.change_answer(
                        other,
                        slide,
                        lambda r, p=pinned: slide.moderate(r, p, "unpin"),
                        presenter=True,
                    )
    return {"id": entry_id, "status": entry["status"], "pinned": entry["pinned"]}


@router.get(
    "/api/sessions/{code}/qa/{slide_id}",
    dependencies=[Admin],
    tags=["presenter"],
    summary="Every entry of a Q&A slide, pending ones included (the presenter's view)",
    **documented(
        QaEntries,
        description="The slide's full results in its current round",
        errors={
            401: None,
            404: "`unknown_session`, `unknown_question`",
            409: "`not_qa`",
            429: None,
            503: None,
        },
        admin=True,
    ),
)
async def entries(slide_id: str, session: Session) -> dict[str, Any]:
    """The presenter's remote lists the entries waiting for approval from here: pending
    entries never travel over the live sockets, which phones and the projector share."""
    return await session.result(qa_slide(session, slide_id))
