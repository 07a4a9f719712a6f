"""The OpenAPI document at /openapi.json: every JSON route, the hot paths included.

Routes read their JSON bodies themselves (deps.json_body: 415 for a body not sent as JSON,
a clear 400 `invalid_json` otherwise) and build their answers as plain dicts, so FastAPI
must neither validate bodies nor filter answers through models. `documented()` therefore
only *describes*: request bodies go in through `openapi_extra` (a `$ref` to the pydantic
model, added to the components here), answers through `responses`, with `response_model`
left off so run-time behaviour is exactly what it was.

The vote is served as plain ASGI in front of FastAPI (hotpaths.py); it is described by a
route here that has the same path and is never reached. Websockets are not OpenAPI
operations: they are described in the document's text and in `x-websockets`.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from . import models
from .errors import ApiError

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
_BODY_MODELS: dict[str, type[BaseModel]] = {}

# What each status means, and the codes it may carry unless a route says more precisely.
_ERRORS = {
    400: "the request is not right: `invalid_json`, `invalid_request`",
    401: "`unauthorized`: this needs the admin token (`Authorization: Bearer TOKEN`)",
    403: "`cross_origin`: a cookie-authenticated change from another site's page",
    404: "`unknown_session`: no session with this code (or it was deleted)",
    409: "`session_ended`: the session has ended",
    413: "`too_large`: the request body is over 16 KiB",
    415: "`unsupported_media_type`: send the body as JSON (`Content-Type: application/json`)",
    429: "`rate_limited`: too many requests (wrong codes, joins, answers or admin tokens) from "
    "this address; wait `Retry-After` seconds",
    503: "`storage_unavailable`: the server cannot store this right now; retry after "
    "`Retry-After` seconds, nothing stored is lost",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
ADMIN_SECURITY = [{"AdminToken": []}, {"AdminCookie": []}]
SECURITY_SCHEMES = {
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin token (`RONDVRAAG_ADMIN_TOKEN`, or `DATA/admin-token`). Wrong "
        "tokens are counted per address: after ten, 429 until `Retry-After`.",
    },
    "AdminCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "rondvraag_admin",
        "description": "The presenter's login cookie, from the login form "
        "(`POST /present/{code}/login`, form field `token`). A state change riding on it "
        "must come from this site's pages (`Origin` or `Sec-Fetch-Site`), else 403 "
        "`cross_origin`.",
    },
}


def documented(
    ok: type[BaseModel] | None,
    *,
    status: int = 200,
    description: str,
    errors: dict[int, str | None],
    also: dict[int, str] | None = None,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    admin: bool = False,
    media_type: str = "application/json",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator that describe a route without changing it.

    `errors` maps each error status the route can answer to its codes (None: the usual ones
    for that status, from `_ERRORS`); `also` names other success statuses with the same body.
    """
    success: dict[str, Any] = {"description": description}
    if ok is not None:
        success["model"] = ok
    else:
        success["content"] = {media_type: {"schema": {"type": "string"}}}
    responses: dict[int | str, dict[str, Any]] = {status: success}
    for other, text in (also or {}).items():
        responses[other] = {**success, "description": text}
    for code, text in errors.items():
        entry: dict[str, Any] = {"model": models.ErrorBody, "description": text or _ERRORS[code]}
        if code in (429, 503):
            entry["headers"] = _RETRY_AFTER
        responses[code] = entry
    openapi_extra: dict[str, Any] = dict(extra or {})
    if body is not None:
        _BODY_MODELS[body.__name__] = body
        openapi_extra["requestBody"] = {
            "required": body_required,
            "description": (body.__doc__ or "").strip(),
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
            },
        }
    if admin:
        openapi_extra["security"] = ADMIN_SECURITY
    return {"response_model": None, "responses": responses, "openapi_extra": openapi_extra}


# --- the hot paths, described ---------------------------------------------------------------

router = APIRouter()


@router.post(
    "/api/sessions/{code}/responses",
    status_code=201,
    tags=["participants"],
    summary="Answer the live question",
    **documented(
        models.AnswerAccepted,
        status=201,
        description="Stored (committed to disk) before this answer is sent",
        body=models.AnswerRequest,
        errors={
            400: "`invalid_json`, `invalid_request` (no question id), `invalid_answer` (unknown "
            "option, out of range, too many or too long, no `answer`)",
            401: "`no_participant`: join first; send the token as `participant` or cookie",
            403: "`bad_participant`: this token was not issued here; `cross_origin`",
            404: "`unknown_session`, `unknown_question`",
            409: "`not_live` (not the live question), `voting_closed`, `session_ended`",
            413: None,
            415: None,
            429: None,
            503: None,
        },
    ),
)
async def answer(code: str) -> None:
    """The participant answers the live question; answering again replaces the earlier one.

    The answer is echoed normalised: a choice answer is always a list of option ids,
    word-cloud entries are trimmed and case-folded.
    \f
    Served in front of FastAPI (app/web/hotpaths.py) for speed: this route only describes it
    and is never reached while HotPaths stands in front.
    """
    raise ApiError(404, "not_found", "no such path")


# --- websockets, described ------------------------------------------------------------------

WEBSOCKETS = {
    "/ws/sessions/{code}": {
        "who": "phones (anyone with the code)",
        "query": {"participant": "optional participant token, to get this phone's answers"},
        "server": [
            "`{type: state, ...}`: the session state (as GET /api/sessions/{code}) on connect "
            "and on every change",
            "`{type: results, version, result}`: the live question's results while they are shown",
            "`{type: answers, answers}`: once on connect, with `?participant=`",
            "`{type: pong}`: the answer to a ping",
        ],
        "client": ["`{type: ping}`; anything else is ignored; frames over 4 KiB close (1009)"],
        "refused": "foreign Origin, unknown code, too many sockets: handshake refused (403)",
    },
    "/ws/sessions/{code}/presenter": {
        "who": "the presenter (admin token as Bearer header, or the login cookie)",
        "query": {},
        "server": [
            "`{type: state, ..., presenter: {...}}`: the presenter state (as GET "
            "/api/sessions/{code}/presenter)",
            "`{type: results, version, result}`: the live question's results, at most ~10 a "
            "second; `result: null` on a slide that is not a question",
            "`{type: error, error, detail}`: a control action sent here was refused",
        ],
        "client": [
            "`{type: control, action, question}`: as POST /api/sessions/{code}/control",
            "`{type: ping}`, `{type: resync}`",
        ],
        "refused": "foreign Origin, no admin token, unknown code: handshake refused (403)",
    },
}

DESCRIPTION = """\
Live audience polling: phones join a session with its 6-digit code and answer the live
question; the presenter drives the slides; the organiser exports the results.

Errors are always `{"error": CODE, "detail": "why"}` with a 4xx status, or 503
`storage_unavailable` (retry after `Retry-After`). Bodies are JSON
(`Content-Type: application/json`, else 415) of at most 16 KiB (else 413).

**Who:** admin operations take `Authorization: Bearer TOKEN` or the presenter's login
cookie. Participants get a signed token from `join` (also a cookie `rondvraag_p_{code}`).

**Websockets** are not OpenAPI operations: they are listed in `x-websockets`, and every
message is in the full reference, `docs/protocol.md` in the Rondvraag source tree.

- `/ws/sessions/{code}`: phones get the session state on connect and on every change,
  and the live question's results while they are shown. Optional `?participant=TOKEN`.
- `/ws/sessions/{code}/presenter`: the presenter state and the live question's results
  (at most ~10 updates a second); control actions may be sent over it.

Every message is a full snapshot with a `version`: a late or slow client takes the newest.
"""

TAGS = [
    {"name": "participants", "description": "Joining and answering (phones)."},
    {"name": "presenter", "description": "Driving the session (admin)."},
    {"name": "results", "description": "Results, exports and deletion (admin)."},
    {"name": "service", "description": "Health and discovery."},
]


def _version() -> str:
    try:
        return metadata.version("rondvraag")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return "0.1.0"


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document: FastAPI's, plus the request bodies, the security schemes and the
    websockets; minus FastAPI's 422 answers (validation errors here are 400)."""
    doc = get_openapi(
        title="Rondvraag",
        version=_version(),
        description=DESCRIPTION,
        routes=app.routes,
        tags=TAGS,
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, model in _BODY_MODELS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "code":
                    parameter["description"] = "the session's 6-digit join code"
                    parameter["schema"] = {"type": "string", "pattern": "^[0-9]{6}$"}
                    parameter["example"] = "482913"
    doc["x-websockets"] = WEBSOCKETS
    return doc


def install(app: FastAPI) -> None:
    """Serve the document built above (once) at the app's openapi_url."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
