"""The OpenAPI document and the docs page, and schemathesis run against the real server.

The schemathesis tests load /openapi.json from a real server and send every operation
generated requests, valid and invalid, checking each answer: no 5xx, a documented status,
content type and headers, a body that matches the documented schema. Their copy of the
document is narrowed to this server's session (its code, its participants' tokens, its
question ids), so the requests reach the session instead of all ending in 404; the answers
are checked against the document as served.

Bounded for CI (about a minute on two cores): `EXAMPLES` per operation, and a time budget
after which the remaining cases are generated but not sent.
"""

from __future__ import annotations

import collections
import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from conftest import LiveServer, ServerStarter
from hypothesis import HealthCheck, settings

NO_LIMITS = {"RONDVRAAG_JOIN_RATE": "0", "RONDVRAAG_VOTE_RATE": "0"}
EXAMPLES = 300  # per operation, in the fuzzing phase (the examples and coverage phases add more)
BUDGET_S = 75.0  # for the main run; past it, cases are no longer sent
LIVE_QUESTION = "drijfveren"  # a word cloud: most generated texts are valid answers

# --- the document and the page -------------------------------------------------------------


def test_the_document_describes_every_json_route_and_the_hot_paths(server: LiveServer) -> None:
    doc = httpx.get(f"{server.base_url}/openapi.json").json()
    operations = {
        f"{method.upper()} {path}" for path, item in doc["paths"].items() for method in item
    }
    assert operations == {
        "GET /healthz",
        "GET /api/sessions",
        "GET /api/sessions/{code}",
        "DELETE /api/sessions/{code}",
        "POST /api/sessions/{code}/join",
        "POST /api/sessions/{code}/check",
        "POST /api/sessions/{code}/responses",
        "GET /api/sessions/{code}/me",
        "GET /api/sessions/{code}/standing",
        "GET /api/sessions/{code}/presenter",
        "POST /api/sessions/{code}/control",
        "GET /api/sessions/{code}/results",
        "GET /api/sessions/{code}/qr.svg",
        "GET /api/sessions/{code}/export.csv",
        "GET /api/sessions/{code}/export.json",
        "POST /api/sessions/{code}/qa/{slide_id}",
        "GET /api/sessions/{code}/qa/{slide_id}",
        "POST /api/sessions/{code}/qa/{slide_id}/{entry_id}/vote",
        "POST /api/sessions/{code}/qa/{slide_id}/{entry_id}/moderate",
    }
    vote = doc["paths"]["/api/sessions/{code}/responses"]["post"]
    body = vote["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AnswerRequest"}
    accepted = vote["responses"]["201"]["content"]["application/json"]["schema"]
    assert accepted == {"$ref": "#/components/schemas/AnswerAccepted"}
    assert set(vote["responses"]) == {
        "201", "400", "401", "403", "404", "409", "413", "415", "429", "503",
    }  # fmt: skip
    schemas = doc["components"]["schemas"]
    assert set(schemas["AnswerAccepted"]["required"]) == {"ok", "question", "answer", "replaced"}
    assert schemas["ErrorBody"]["required"] == ["error", "detail"]
    assert "HTTPValidationError" not in schemas  # errors here are 400 ErrorBody, never 422
    control = doc["paths"]["/api/sessions/{code}/control"]["post"]
    assert control["security"] == [{"AdminToken": []}, {"AdminCookie": []}]
    assert doc["components"]["securitySchemes"]["AdminToken"]["scheme"] == "bearer"
    assert set(doc["x-websockets"]) == {"/ws/sessions/{code}", "/ws/sessions/{code}/presenter"}
    assert "docs/protocol.md" in doc["info"]["description"]


def test_the_docs_page_works_offline_under_the_strict_csp(server: LiveServer) -> None:
    response = httpx.get(f"{server.base_url}/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert "<script" not in page
    # Nothing from elsewhere: every src and stylesheet is on this server.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for text in ("/api/sessions/{code}/responses", "AnswerAccepted", "/ws/sessions/{code}"):
        assert text in page
    assert 'href="/openapi.json"' in page


def test_the_hot_paths_still_answer_before_their_documentation(server: LiveServer) -> None:
    """The documented vote route is never reached: the hot path answers every POST there."""
    with httpx.Client(base_url=server.base_url) as http:
        vote = http.post(f"/api/sessions/{server.code}/responses", json={})
        assert vote.status_code == 401 and vote.json()["error"] == "no_participant"
        elsewhere = http.get(f"/api/sessions/{server.code}/responses")
        assert elsewhere.status_code == 405 and elsewhere.headers["allow"] == "POST"


# --- schemathesis -------------------------------------------------------------------------------


def login_cookie(server: LiveServer) -> str:
    """A presenter login: unlike the admin token, it is never rate-limited, so the wrong
    tokens schemathesis sends on purpose cannot lock the run out of the admin routes."""
    response = httpx.post(
        f"{server.base_url}/present/{server.code}/login",
        data={"token": server.token},
        headers={"Origin": server.base_url},
    )
    assert response.status_code == 303, response.text
    return response.cookies["rondvraag_admin"]


def narrowed(server: LiveServer, *, destructive: bool) -> dict[str, Any]:
    """The served document, steered to this server's session so requests reach it.

    Joins three participants and makes LIVE_QUESTION live (voting opens). The code, the
    participant tokens and the question ids of votes are pinned to this session's (any other
    is refused); the control action's slide ids are offered beside any other string (`anyOf`),
    as most actions ignore `question`, so what the document calls invalid stays so. Without
    `destructive`, the `end` action is left out (DELETE is filtered out by the caller); with
    it, DELETE is moved last, so it ends the run instead of making every later call a 404.
    """
    doc = httpx.get(f"{server.base_url}/openapi.json").json()
    admin = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=f"{server.base_url}/api/sessions/{server.code}") as http:
        tokens = []
        for _ in range(3):
            http.cookies.clear()
            tokens.append(http.post("/join").json()["participant"])
        http.cookies.clear()
        goto = {"action": "goto", "question": LIVE_QUESTION}
        moved = http.post("/control", json=goto, headers=admin)
        assert moved.status_code == 200 and moved.json()["voting_open"], moved.text
    slides = [s["id"] for s in moved.json()["presenter"]["slides"]]

    def offer(values: list[str], schema: dict[str, Any]) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "enum": values}, schema]}

    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "code":
                    parameter["schema"] = {"type": "string", "enum": [server.code]}
                elif parameter["name"] == "participant":
                    parameter["schema"] = {"type": "string", "enum": tokens}
    schemas = doc["components"]["schemas"]
    # Any other token or question id is refused (403, 404), so these are pinned outright.
    vote = schemas["AnswerRequest"]
    vote["properties"]["participant"] = {"type": "string", "enum": tokens}
    vote["properties"]["question"] = {"type": "string", "enum": [LIVE_QUESTION, "rol", "titel"]}
    vote["required"] = ["participant", "question", "answer"]
    control = schemas["ControlRequest"]["properties"]
    control["question"] = offer(slides, control["question"])
    if destructive:
        doc["paths"]["/api/sessions/{code}"] = doc["paths"].pop("/api/sessions/{code}")
    else:
        control["action"]["enum"].remove("end")
    # The vote first, while its question is live: control actions move the slides later.
    vote_path = "/api/sessions/{code}/responses"
    doc["paths"] = {vote_path: doc["paths"].pop(vote_path), **doc["paths"]}
    return doc


def schema_for(server: LiveServer, *, destructive: bool) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "base-url": server.base_url,
            "auth": {"openapi": {"AdminCookie": {"api_key": login_cookie(server)}}},
            "checks": {
                # Its probes send wrong admin tokens on purpose; after ten from one address
                # the server answers 429 (by design), which this check does not count as a
                # refusal. Refused admin calls are tested in test_api.py, test_hardening.py.
                "ignored_auth": {"enabled": False},
                # A request the document calls valid can still not fit the deck or the
                # moment (an answer of another question type, `goto` without a slide): 400.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
                },
            },
        }
    )
    return schemathesis.openapi.from_dict(narrowed(server, destructive=destructive), config=config)


class Run:
    """Counts what was sent and stops sending once the time budget is spent."""

    def __init__(self, budget_s: float) -> None:
        self.started = time.monotonic()
        self.budget_s = budget_s
        self.sent: collections.Counter[tuple[str, int]] = collections.Counter()
        self.skipped = 0

    def call(self, case: Any) -> None:
        if time.monotonic() - self.started > self.budget_s:
            self.skipped += 1
            return
        response = case.call()
        self.sent[(case.operation.label, response.status_code)] += 1
        case.validate_response(response)

    def report(self) -> str:
        by_status = collections.Counter(status for _, status in self.sent.elements())
        return (
            f"{sum(self.sent.values())} cases in {time.monotonic() - self.started:.1f} s, "
            f"{self.skipped} not sent; statuses {dict(sorted(by_status.items()))}"
        )


@pytest.fixture
def api_server(server_factory: ServerStarter) -> LiveServer:
    # Rate limits off: schemathesis should explore the API, not the limiter.
    return server_factory(env=NO_LIMITS)


@contextlib.contextmanager
def tally(server: LiveServer, budget_s: float) -> Iterator[Run]:
    run = Run(budget_s)
    yield run
    print(f"\nschemathesis: {run.report()}")
    log = server.log()
    assert "Traceback" not in log, log[-4000:]  # no error behind a 4xx either


@pytest.fixture
def run(api_server: LiveServer) -> Iterator[Run]:
    with tally(api_server, BUDGET_S) as run:
        yield run
    # The steering works: answers reached the live question and were stored.
    assert run.sent[("POST /api/sessions/{code}/responses", 201)] > 0


@pytest.fixture
def short_run(api_server: LiveServer) -> Iterator[Run]:
    with tally(api_server, BUDGET_S / 5) as run:
        yield run


@pytest.fixture
def api_schema(api_server: LiveServer) -> Any:
    return schema_for(api_server, destructive=False)


@pytest.fixture
def destructive_schema(api_server: LiveServer) -> Any:
    return schema_for(api_server, destructive=True)


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.slow
@schemathesis.pytest.from_fixture("api_schema").exclude(method="DELETE").parametrize()
@_SETTINGS
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(case: Any, run: Run) -> None:
    run.call(case)


@pytest.mark.slow
@schemathesis.pytest.from_fixture("destructive_schema").parametrize()
@settings(_SETTINGS, max_examples=10)
def test_schemathesis_ending_and_deleting_the_session(case: Any, short_run: Run) -> None:
    """`end` and DELETE: after them every route gives its documented 409 or 404."""
    short_run.call(case)
