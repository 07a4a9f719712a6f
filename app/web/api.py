"""The JSON API: sessions, joining, answering, presenter control, results and the QR code."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ..domain.nicknames import clean_name
from .control_body import control_body
from .deps import (
    Admin,
    Services,
    Session,
    StoredSession,
    client_address,
    json_body,
    participant_id,
    participant_token,
    require_same_origin,
)
from .errors import ApiError
from .joining import admit, set_participant_cookie
from .models import (
    ControlRequest,
    Deleted,
    Health,
    Joined,
    JoinRequest,
    MyAnswers,
    MyStanding,
    PhoneCheck,
    PhoneChecked,
    PresenterState,
    Results,
    SessionList,
    SessionState,
)
from .openapi import documented

router = APIRouter()

_PARTICIPANT_QUERY = {
    "parameters": [
        {
            "name": "participant",
            "in": "query",
            "required": False,
            "description": "the participant token (else the `rondvraag_p_{code}` cookie)",
            "schema": {"type": "string"},
        }
    ]
}


@router.get(
    "/healthz",
    tags=["service"],
    summary="Can this worker serve phones?",
    **documented(
        Health,
        description="This worker serves phones",
        errors={},
        also={503: "This worker's bus subscription is down: send phones to another"},
    ),
)
async def healthz(services: Services) -> Response:
    """200 while this worker can serve phones; 503 while its bus subscription is down, so a
    load balancer sends phones to the other workers meanwhile."""
    if services.healthy:
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "bus_down"}, status_code=503)


@router.get(
    "/api/sessions",
    dependencies=[Admin],
    tags=["results"],
    summary="Every session in this server's storage",
    **documented(
        SessionList,
        description="The sessions",
        errors={401: None, 429: None, 503: None},
        admin=True,
    ),
)
async def list_sessions(services: Services) -> dict[str, Any]:
    records = await services.store.list_sessions()
    return {"sessions": [{"code": r.code, "deck": r.deck, "title": r.title} for r in records]}


@router.get(
    "/api/sessions/{code}",
    tags=["participants"],
    summary="The session's public state",
    **documented(
        SessionState,
        description="The live slide's public view and the state around it",
        errors={404: None, 429: None},
    ),
)
async def session_state(session: Session) -> dict[str, Any]:
    return session.public_state()


@router.delete(
    "/api/sessions/{code}",
    dependencies=[Admin],
    tags=["results"],
    summary="Delete the session and every answer",
    **documented(
        Deleted,
        description="Deleted: its sockets are closed (4404) and every route answers 404",
        errors={401: None, 403: None, 404: None, 429: None, 503: None},
        admin=True,
    ),
)
async def delete_session(code: str, services: Services, session: StoredSession) -> dict[str, Any]:
    await services.delete(code)
    return {"deleted": code}


@router.post(
    "/api/sessions/{code}/join",
    tags=["participants"],
    summary="Join the session (or rejoin with a token)",
    **documented(
        Joined,
        status=201,
        description="A new participant's signed token, also set as the cookie "
        "`rondvraag_p_{code}`; 200 with the same token for a returning participant",
        body=JoinRequest,
        body_required=False,
        errors={
            400: "`invalid_json`, `invalid_request` (`participant` or `key` not text), "
            "`invalid_name` (not text, empty, over 24 characters), `name_not_allowed` "
            "(an offensive name)",
            403: "`bad_participant`: a token in the body that was not issued here; `cross_origin`",
            404: None,
            409: "`session_ended`, `joining_locked`, `session_full`, `no_nicknames` (a name "
            "for a deck without a quiz)",
            413: None,
            415: None,
            429: None,
            503: None,
        },
        also={200: "Welcome back: the token this phone holds is valid (the same token)"},
    ),
)
async def join(code: str, request: Request, services: Services, session: Session) -> Response:
    """Hand out a signed participant token, or confirm the one a returning phone holds.

    A new participant's join may carry the QR code's join key (`{"key": "..."}`), which
    lets a whole room behind one address in at once. In a deck with a quiz, `name` gives the
    participant (new or returning) a nickname for the leaderboard: the answer's `name` is the
    one given, with a number added when it was taken (`Anna 2`).
    \f
    (The text above is the API docs' description.) Keys and lanes: app/joingate.py.
    """
    body = await json_body(request, required=False)
    for name in ("participant", "key"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ApiError(400, "invalid_request", f"'{name}' must be text")
    held = participant_token(request, code, body)
    if held and "participant" in body and services.signer.verify(code, held) is None:
        raise ApiError(403, "bad_participant", "this participant token was not issued here")
    name = body.get("name")
    if name is not None:
        if not session.nicknames:
            raise ApiError(409, "no_nicknames", "this session is anonymous: its deck has no quiz")
        clean_name(name)  # a bad name is refused before anyone joins
    token, status = await admit(request, code, services, session, held, body.get("key"))
    answer: dict[str, Any] = {"participant": token}
    participant = services.signer.verify(code, token)
    if name is not None and participant is not None:
        answer["name"] = await session.set_name(participant, name)
    response = JSONResponse(answer, status_code=status)
    set_participant_cookie(response, code, token)
    return response


@router.post(
    "/api/sessions/{code}/check",
    tags=["participants"],
    summary="A phone reached the server (the venue check)",
    **documented(
        PhoneChecked,
        description="Noted: the presenter's screens show it with its round trip",
        body=PhoneCheck,
        errors={
            400: "`invalid_json`, `invalid_request` (`rtt_ms` not a whole number 0–60000)",
            403: "`cross_origin`",
            404: None,
            413: None,
            415: None,
            429: None,
        },
    ),
)
async def phone_check(request: Request, services: Services, session: Session) -> dict[str, Any]:
    """The venue check page (`/check/{code}`) measured its round trip to this server; the
    presenter's own screens show that a phone got through, so guest Wi-Fi that keeps phones
    from the laptop is found before the talk, not during it."""
    require_same_origin(request)
    body = await json_body(request)
    rtt = body.get("rtt_ms")
    if isinstance(rtt, bool) or not isinstance(rtt, int) or not 0 <= rtt <= 60000:
        raise ApiError(400, "invalid_request", "'rtt_ms' must be a whole number from 0 to 60000")
    await services.allow_check(client_address(request))
    at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    await session.phone_reached(rtt, at)
    return {"ok": True, "at": at}


@router.get(
    "/api/sessions/{code}/me",
    tags=["participants"],
    summary="This participant's answers",
    **documented(
        MyAnswers,
        description="The participant's answers in each question's current round",
        errors={
            401: "`no_participant`: join first",
            403: "`bad_participant`, `cross_origin`",
            404: None,
            429: None,
            503: None,
        },
        extra=_PARTICIPANT_QUERY,
    ),
)
async def my_answers(code: str, request: Request, session: Session) -> dict:
    participant = participant_id(request, code, {})
    return {"answers": await session.my_answers(participant)}


@router.get(
    "/api/sessions/{code}/standing",
    tags=["participants"],
    summary="This participant's place on the live leaderboard",
    **documented(
        MyStanding,
        description="Name, total points and place (null: no points yet) among all who scored",
        errors={
            401: "`no_participant`: join first",
            403: "`bad_participant`, `cross_origin`",
            404: None,
            409: "`no_scores`: the live slide is not a leaderboard",
            429: None,
            503: None,
        },
        extra=_PARTICIPANT_QUERY,
    ),
)
async def my_standing(code: str, request: Request, session: Session) -> dict[str, Any]:
    """Each phone shows its own place while the leaderboard is live (the projector shows the
    top 10); read from the scores loaded once per presenter state."""
    participant = participant_id(request, code, {})
    return await session.standing(participant)


@router.get(
    "/api/sessions/{code}/presenter",
    dependencies=[Admin],
    tags=["presenter"],
    summary="The presenter's view",
    **documented(
        PresenterState,
        description="The state plus counts, the join key and the slides",
        errors={401: None, 404: None, 429: None},
        admin=True,
    ),
)
async def presenter_view(session: Session) -> dict[str, Any]:
    """What the presenter's screen shows: the state plus counts, the join key, the slides."""
    return await session.presenter_view()


@router.post(
    "/api/sessions/{code}/control",
    dependencies=[Admin],
    tags=["presenter"],
    summary="A presenter action",
    **documented(
        PresenterState,
        description="The new presenter state (every screen is told)",
        body=ControlRequest,
        errors={
            400: "`invalid_json`, `invalid_request`, `unknown_action`, `missing_question`, "
            "`invalid_participants`, `invalid_split`",
            401: None,
            403: None,
            404: "`unknown_session`, `unknown_question`",
            409: "`not_live`, `not_interactive`, `session_ended`, `timer_over`, `busy`",
            413: None,
            415: None,
            429: None,
            503: None,
        },
        admin=True,
    ),
)
async def control(request: Request, session: Session) -> dict[str, Any]:
    return await control_body(await json_body(request)).apply_to(session)


@router.get(
    "/api/sessions/{code}/results",
    dependencies=[Admin],
    tags=["results"],
    summary="Every question's results",
    **documented(
        Results,
        description="Each question's results in its current round",
        errors={
            400: "`invalid_request`: `rounds` is not `all` or `current`",
            401: None,
            404: "`unknown_session`; `unknown_question`: `by` is not a choice question",
            429: None,
            503: None,
        },
        admin=True,
    ),
)
async def results(
    session: StoredSession, by: str | None = None, rounds: str | None = None
) -> dict[str, Any]:
    """Every question's results with 95 % intervals; `?by=QUESTION_ID` (a choice question)
    adds each question's results per group of that question's answer, groups smaller than the
    deck's `privacy.min_group` suppressed; `?rounds=all` adds every round's result; a deck
    with a quiz adds the leaderboard."""
    if rounds not in (None, "", "all", "current"):
        raise ApiError(400, "invalid_request", "'rounds' is 'all' or 'current'")
    questions = await session.results(by=by or None, every_round=rounds == "all")
    return {"questions": questions, **await session.scored_results()}


@router.get(
    "/api/sessions/{code}/qr.svg",
    tags=["participants"],
    summary="The join URL as a QR code",
    response_class=Response,
    **documented(
        None,
        description="An SVG image",
        media_type="image/svg+xml",
        errors={404: None, 429: None},
    ),
)
async def qr_code(session: Session, k: str = "") -> Response:
    """The join URL as a QR code; with `?k=KEY` (a current join key, as the projector shows
    it) the URL carries the key, which lets a full room behind one address join at once."""
    if k and not session.read_only and session.app.gate.keys.valid(session.code, k):
        return Response(
            qr_svg(f"{session.join_url}?k={k}"),
            media_type="image/svg+xml",
            headers={"Cache-Control": "private, max-age=600"},
        )
    return Response(
        qr_svg(session.join_url),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@lru_cache(maxsize=32)
def qr_svg(url: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode").encode()
