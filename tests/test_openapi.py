"""The OpenAPI document (every JSON route, the hot paths included) and the /docs page."""

from __future__ import annotations

import re

import httpx
from conftest import LiveServer

# --- the document and the page --------------------------------------------------------------


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
        "POST /api/sessions/{code}/responses",
        "GET /api/sessions/{code}/me",
        "GET /api/sessions/{code}/presenter",
        "POST /api/sessions/{code}/control",
        "GET /api/sessions/{code}/results",
        "GET /api/sessions/{code}/qr.svg",
        "GET /api/sessions/{code}/export.csv",
        "GET /api/sessions/{code}/export.json",
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
