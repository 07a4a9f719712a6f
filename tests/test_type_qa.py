"""Audience Q&A (`type: qa`): deck keys and their errors with FILE:LINE, asking, voting and the
presenter's decisions (pure, then over HTTP against a real server), the result order, exports
and the report, 200 concurrent upvotes counted exactly, pending questions kept from phones and
the projector, and a phone in Chromium that asks and upvotes while the projector shows it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    Presenter,
    expect_projector_live,
    expect_prompt,
    join,
    login_projector,
    presenter_for,
    snap,
)
from conftest import REPO_ROOT, LiveServer, PageOpener
from playwright.sync_api import Page, Route, expect
from test_browser_projector_truth import SMALL_TEXT
from websockets.asyncio.client import connect

from app.domain.errors import AnswerError, DeckError
from app.domain.loader import load_deck, parse_deck
from app.domain.slides.qa import QandA
from app.exports import ANSWER_COLUMNS, SUMMARY_COLUMNS, SessionData, render
from app.ports.store import StoredResponse
from app.report import build_report

DECK_PATH = "tests/decks/qa.yaml"
DECK = load_deck(REPO_ROOT / DECK_PATH)
OPEN = DECK.question("vragen")
MODERATED = DECK.question("gemodereerd")
HEAD = "title: T\nslides:\n"
SVG = "{http://www.w3.org/2000/svg}"
AT = "2025-05-01T10:00:0{}.000Z"


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckError) as caught:
        parse_deck(text, filename="deck.yaml")
    return [str(p) for p in caught.value.problems]


def qa_yaml(extra: str = "") -> str:
    return HEAD + "  - type: qa\n    id: v\n    prompt: Vragen?\n" + extra


# --- the deck ------------------------------------------------------------------------------------


def test_the_test_deck_loads_with_its_keys_and_defaults() -> None:
    assert isinstance(OPEN, QandA) and isinstance(MODERATED, QandA)
    assert (OPEN.moderation, OPEN.max_questions, OPEN.max_length) == (False, 5, 280)
    assert (MODERATED.moderation, MODERATED.max_questions, MODERATED.max_length) == (True, 2, 200)
    public = MODERATED.public()
    assert public["type"] == "qa" and public["interactive"] is True
    assert (public["moderation"], public["max_questions"], public["max_length"]) == (True, 2, 200)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("    moderation: ja\n", "deck.yaml:6: slide 1 (v): 'moderation' must be true or false"),
        ("    moderation: 1\n", "deck.yaml:6: slide 1 (v): 'moderation' must be true or false"),
        ("    max_questions: 0\n", "deck.yaml:6: slide 1 (v): 'max_questions' is 0, must be "
         "between 1 and 20"),
        ("    max_questions: 21\n", "deck.yaml:6: slide 1 (v): 'max_questions' is 21"),
        ("    max_length: 1001\n", "deck.yaml:6: slide 1 (v): 'max_length' is 1001, must be "
         "between 1 and 1000"),
        ("    max_length: lang\n", "deck.yaml:6: slide 1 (v): 'max_length' must be a whole number"),
        ("    moderatie: true\n", "deck.yaml:6: slide 1 (v): unknown key 'moderatie'"),
        ("    results: verborgen\n", "deck.yaml:6: slide 1 (v): 'results' is 'verborgen'"),
    ],
)  # fmt: skip
def test_deck_errors_name_file_and_line(extra: str, expected: str) -> None:
    problems = problems_of(qa_yaml(extra))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_broken_deck_file_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "kapot.yaml"
    path.write_text(
        "title: T\n"
        "slides:\n"
        "  - type: qa\n"
        "    id: v\n"
        "    moderation: misschien\n"
        "    max_questions: 50\n"
        "  - type: qa\n"
        "    id: v\n"
        "    prompt: Nog eens\n",
        encoding="utf-8",
    )
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    text = [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]
    assert any(p.startswith("kapot.yaml:3:") and "missing 'prompt'" in p for p in text), text
    assert any(p.startswith("kapot.yaml:5:") and "'moderation'" in p for p in text), text
    assert any(p.startswith("kapot.yaml:6:") and "'max_questions' is 50" in p for p in text), text
    assert any(p.startswith("kapot.yaml:8:") and "'v'" in p for p in text), text


# --- asking, voting, deciding (pure) -------------------------------------------------------------


def test_asking_adds_entries_to_the_participant_row_shown_or_pending() -> None:
    row = OPEN.ask(None, "a1", "Waarom nu?", AT.format(1))
    row = OPEN.ask(row, "a2", "En het budget?", AT.format(2))
    assert row == {
        "asked": [
            {"id": "a1", "text": "Waarom nu?", "at": AT.format(1), "status": "shown",
             "pinned": False},
            {"id": "a2", "text": "En het budget?", "at": AT.format(2), "status": "shown",
             "pinned": False},
        ],
        "up": [],
    }  # fmt: skip
    held = MODERATED.ask(None, "m1", "Wie beslist?", AT.format(1))
    assert held["asked"][0]["status"] == "pending"


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (None, "'text' must be the question, as text"),
        (["Waarom?"], "'text' must be the question, as text"),
        ("", "the answer is empty"),
        ("   \n ", "the answer is empty"),
        ("\u200b\u3164", "no visible characters"),
        ("x" * 201, "at most 200 characters, this one has 201"),
    ],
)
def test_a_question_text_is_checked_as_an_open_answer(raw: Any, detail: str) -> None:
    with pytest.raises(AnswerError) as caught:
        MODERATED.clean_question(raw)
    assert detail in str(caught.value)


def test_text_is_cleaned_and_a_participant_asks_at_most_max_questions() -> None:
    assert MODERATED.clean_question("  Mag het\u202e wat sneller?  ") == "Mag het wat sneller?"
    row = MODERATED.ask(None, "m1", "Een", AT.format(1))
    row = MODERATED.ask(row, "m2", "Twee", AT.format(2))
    with pytest.raises(AnswerError, match=r"the most this slide takes from one person \(2\)"):
        MODERATED.ask(row, "m3", "Drie", AT.format(3))


def test_one_vote_per_participant_and_entry_and_it_can_be_taken_back() -> None:
    row = OPEN.vote(None, "a1", True)
    assert OPEN.vote(row, "a1", True) == row == {"asked": [], "up": ["a1"]}
    row = OPEN.vote(row, "b1", True)
    assert OPEN.vote(row, "a1", False) == {"asked": [], "up": ["b1"]}
    assert OPEN.vote({"asked": [], "up": []}, "a1", False) == {"asked": [], "up": []}


@pytest.mark.parametrize(
    ("start", "action", "status", "pinned"),
    [
        ("pending", "approve", "shown", False),
        ("hidden", "approve", "shown", False),
        ("shown", "hide", "hidden", False),
        ("pending", "pin", "shown", True),  # pinning shows it
        ("answered", "pin", "answered", True),
        ("shown", "answered", "answered", False),
    ],
)
def test_the_presenter_decides_on_one_entry_of_an_author_row(
    start: str, action: str, status: str, pinned: bool
) -> None:
    row = {"asked": [{"id": "a1", "text": "T", "at": AT.format(1), "status": start,
                      "pinned": False},
                     {"id": "a2", "text": "U", "at": AT.format(2), "status": "shown",
                      "pinned": False}], "up": ["a2"]}  # fmt: skip
    done = OPEN.moderate(row, "a1", action)
    assert (done["asked"][0]["status"], done["asked"][0]["pinned"]) == (status, pinned)
    assert done["asked"][1] == row["asked"][1] and done["up"] == ["a2"]
    assert OPEN.moderate(OPEN.moderate(row, "a1", "pin"), "a1", "unpin")["asked"][0]["pinned"] is (
        False
    )
    pinned_then_hidden = OPEN.moderate(OPEN.moderate(row, "a1", "pin"), "a1", "hide")
    assert pinned_then_hidden["asked"][0]["pinned"] is False


def test_a_qa_slide_is_never_answered_whole() -> None:
    with pytest.raises(
        AnswerError, match=re.escape("ask with POST /api/sessions/{code}/qa/vragen")
    ):
        OPEN.check_answer({"asked": [], "up": []})


# --- results ------------------------------------------------------------------------------------


def room() -> list[dict[str, Any]]:
    """Four participants: three ask, everyone upvotes; the presenter pins, answers and hides."""
    ann = OPEN.ask(None, "q-ann", "Wanneer start het project?", AT.format(1))
    ann = OPEN.ask(ann, "q-ann2", "Is er budget?", AT.format(4))
    bob = OPEN.ask(None, "q-bob", "Wie trekt het?", AT.format(2))
    cas = OPEN.ask(None, "q-cas", "Waarom zo laat?", AT.format(3))
    cas = OPEN.moderate(cas, "q-cas", "hide")
    bob = OPEN.moderate(bob, "q-bob", "pin")
    ann = OPEN.moderate(ann, "q-ann2", "answered")
    for target in ("q-ann", "q-bob"):
        cas = OPEN.vote(cas, target, True)
    dee = OPEN.vote(None, "q-ann", True)
    dee = OPEN.vote(dee, "q-ann2", True)
    dee = OPEN.vote(dee, "q-cas", True)
    ann = OPEN.vote(ann, "q-ann", True)  # voting on one's own entry is allowed
    ann = OPEN.vote(ann, "q-gone", True)  # an entry nobody asked: counts for nothing
    return [ann, bob, cas, dee]


ROOM_ENTRIES = [
    # pinned first (whatever its votes), then by votes, then oldest first
    {"id": "q-bob", "text": "Wie trekt het?", "votes": 1, "status": "shown", "pinned": True,
     "at": AT.format(2)},
    {"id": "q-ann", "text": "Wanneer start het project?", "votes": 3, "status": "shown",
     "pinned": False, "at": AT.format(1)},
    {"id": "q-cas", "text": "Waarom zo laat?", "votes": 1, "status": "hidden", "pinned": False,
     "at": AT.format(3)},
    {"id": "q-ann2", "text": "Is er budget?", "votes": 1, "status": "answered", "pinned": False,
     "at": AT.format(4)},
]  # fmt: skip


def test_results_list_every_entry_pinned_first_then_by_votes_then_oldest() -> None:
    result = OPEN.tally(room())
    assert result == {"entries": ROOM_ENTRIES, "pending": 0, "hidden": 1}


def test_ties_in_votes_go_to_the_oldest() -> None:
    rows = [
        OPEN.ask(None, "late", "Later", AT.format(5)),
        OPEN.ask(None, "early", "Eerder", AT.format(1)),
        OPEN.ask(None, "middle", "Midden", AT.format(3)),
    ]
    rows.append(OPEN.vote(OPEN.vote(None, "late", True), "middle", True))
    assert [e["id"] for e in OPEN.tally(rows)["entries"]] == ["middle", "late", "early"]


def session_with(rows: list[dict[str, Any]]) -> SessionData:
    responses = [
        StoredResponse("vragen", 1, f"p{i}", f"P{i + 1:04d}", row, f"2025-05-01T10:01:0{i}.000Z")
        for i, row in enumerate(rows)
    ]
    return SessionData(
        code="123456",
        deck=DECK,
        created_at="2025-05-01T09:00:00.000Z",
        rounds={},
        participants=len(rows),
        responses=responses,
    )


def csv_rows(data: SessionData, fmt: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    text = render(data, fmt).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == columns
    return [dict(zip(columns, row, strict=True)) for row in rows[1:]]


def test_the_summary_csv_has_one_row_per_entry_with_its_votes_and_status() -> None:
    rows = [r for r in csv_rows(session_with(room()), "summary", SUMMARY_COLUMNS)]
    mine = [r for r in rows if r["question_id"] == "vragen"]
    assert [(r["item"], r["label"], r["count"], r["distribution"]) for r in mine] == [
        ("q-bob", "Wie trekt het?", "1", "status:shown; pinned"),
        ("q-ann", "Wanneer start het project?", "3", "status:shown"),
        ("q-cas", "Waarom zo laat?", "1", "status:hidden"),
        ("q-ann2", "Is er budget?", "1", "status:answered"),
    ]
    assert {r["responses"] for r in mine} == {"4"}


def test_the_answers_csv_has_a_row_per_question_asked_and_per_upvote() -> None:
    rows = [r for r in csv_rows(session_with(room()), "csv", ANSWER_COLUMNS)]
    dee = [(r["item"], r["item_label"], r["answer"]) for r in rows if r["participant"] == "P0004"]
    assert dee == [("q-ann", "upvote", "1"), ("q-ann2", "upvote", "1"), ("q-cas", "upvote", "1")]
    ann = [(r["item"], r["item_label"], r["answer"]) for r in rows if r["participant"] == "P0001"]
    assert ann[:2] == [
        ("q-ann", "asked", "Wanneer start het project?"),
        ("q-ann2", "asked", "Is er budget?"),
    ]


def test_the_json_export_carries_the_rows_and_the_entries() -> None:
    document = json.loads(render(session_with(room()), "json"))
    result = next(r for r in document["results"] if r["id"] == "vragen")
    assert result["entries"] == ROOM_ENTRIES
    assert document["responses"][2]["answer"]["up"] == ["q-ann", "q-bob"]


def test_the_report_draws_a_bar_per_entry_by_votes_with_its_status() -> None:
    report = build_report(session_with(room()))
    part = next(q for q in report.questions if q.id == "vragen")
    svg = ET.fromstring(part.chart)
    bars = {
        g.get("data-id"): (g.get("data-count"), g.get("data-status"), g.get("data-pinned"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "bar"
    }
    assert bars == {
        "q-bob": ("1", "shown", "true"),
        "q-ann": ("3", "shown", "false"),
        "q-ann2": ("1", "answered", "false"),
        "q-cas": ("1", "hidden", "false"),
    }
    texts = "".join(svg.itertext())
    assert "3 stemmen" in texts and "vastgezet" in texts and "beantwoord" in texts
    assert part.table[:2] == [("Wie trekt het?", 1), ("Wanneer start het project?", 3)]
    empty = next(q for q in report.questions if q.id == "gemodereerd")
    assert empty.empty


def test_participant_text_is_escaped_in_the_report() -> None:
    rows = [OPEN.ask(None, "x", '<script>alert("x")</script> & co', AT.format(1))]
    part = next(q for q in build_report(session_with(rows)).questions if q.id == "vragen")
    assert "<script>" not in part.chart and "&lt;script&gt;" in part.chart
    ET.fromstring(part.chart)  # still well-formed


# --- over HTTP, against a real server ------------------------------------------------------------


@pytest.fixture
def qa_server(server_factory) -> LiveServer:
    return server_factory(deck=DECK_PATH)


def joined(http: httpx.Client, presenter: Presenter) -> str:
    key = presenter.client.get(f"{presenter.api}/presenter").json()["presenter"]["join_key"]
    http.cookies.clear()
    response = http.post(f"{presenter.api}/join", json={"key": key})
    assert response.status_code == 201, response.text
    return response.json()["participant"]


def ask(http: httpx.Client, api: str, token: str, slide: str, text: str) -> httpx.Response:
    return http.post(f"{api}/qa/{slide}", json={"participant": token, "text": text})


def vote(http: httpx.Client, api: str, token: str, slide: str, entry: str, up: bool = True):
    return http.post(f"{api}/qa/{slide}/{entry}/vote", json={"participant": token, "up": up})


def test_asking_voting_and_moderating_over_http(qa_server: LiveServer) -> None:
    with (
        presenter_for(qa_server) as presenter,
        httpx.Client(base_url=qa_server.base_url, timeout=10) as http,
    ):
        api = presenter.api
        presenter.goto("vragen")
        ann, bob = joined(http, presenter), joined(http, presenter)
        first = ask(http, api, ann, "vragen", "  Wanneer start het project?  ")
        assert first.status_code == 201 and set(first.json()) == {"id"}
        second = ask(http, api, bob, "vragen", "Wie trekt het?")
        one, two = first.json()["id"], second.json()["id"]
        assert vote(http, api, ann, "vragen", one).json() == {"id": one, "up": True}
        assert vote(http, api, ann, "vragen", one).status_code == 200  # again: still one
        assert vote(http, api, bob, "vragen", one).status_code == 200
        assert vote(http, api, bob, "vragen", two).status_code == 200
        assert vote(http, api, bob, "vragen", two, up=False).json() == {"id": two, "up": False}
        entries = presenter.results()["vragen"]["entries"]
        assert [(e["id"], e["text"], e["votes"], e["status"], e["pinned"]) for e in entries] == [
            (one, "Wanneer start het project?", 2, "shown", False),
            (two, "Wie trekt het?", 0, "shown", False),  # the retracted vote is gone
        ]
        pinned = presenter.client.post(f"{api}/qa/vragen/{two}/moderate", json={"action": "pin"})
        assert pinned.json() == {"id": two, "status": "shown", "pinned": True}
        presenter.client.post(f"{api}/qa/vragen/{one}/moderate", json={"action": "pin"})
        order = [(e["id"], e["pinned"]) for e in presenter.results()["vragen"]["entries"]]
        assert order == [(one, True), (two, False)]  # one pinned at a time
        me = http.get(f"{api}/me", params={"participant": ann}).json()["answers"]["vragen"]
        assert me["up"] == [one] and me["asked"][0]["pinned"] is True


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/qa/vragen", {"text": ""}, 400, "invalid_answer"),
        ("/qa/vragen", {"text": "x" * 281}, 400, "invalid_answer"),
        ("/qa/vragen", {"text": 5}, 400, "invalid_answer"),
        ("/qa/vragen", {}, 400, "invalid_request"),
        ("/qa/onbekend", {"text": "Waarom?"}, 404, "unknown_question"),
        ("/qa/meedoen", {"text": "Waarom?"}, 409, "not_qa"),
        ("/qa/gemodereerd", {"text": "Waarom?"}, 409, "not_live"),
        ("/qa/vragen/AAAAAAAAAAAAAAAA/vote", {"up": True}, 404, "unknown_entry"),
        ("/qa/vragen/x/vote", {"up": "ja"}, 400, "invalid_request"),
        ("/responses", {"question": "vragen", "answer": "Waarom?"}, 400, "invalid_answer"),
    ],
)
def test_bad_requests_get_a_4xx_json_error(
    qa_server: LiveServer, path: str, body: dict[str, Any], status: int, error: str
) -> None:
    with (
        presenter_for(qa_server) as presenter,
        httpx.Client(base_url=qa_server.base_url, timeout=10) as http,
    ):
        presenter.goto("vragen")
        token = joined(http, presenter)
        response = http.post(f"{presenter.api}{path}", json={"participant": token, **body})
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == error
        assert presenter.results()["vragen"]["responses"] == 0


def test_moderation_needs_the_admin_and_a_known_action(qa_server: LiveServer) -> None:
    with (
        presenter_for(qa_server) as presenter,
        httpx.Client(base_url=qa_server.base_url, timeout=10) as http,
    ):
        api = presenter.api
        presenter.goto("vragen")
        token = joined(http, presenter)
        entry = ask(http, api, token, "vragen", "Mag dit?").json()["id"]
        anonymous = http.post(f"{api}/qa/vragen/{entry}/moderate", json={"action": "hide"})
        assert anonymous.status_code == 401
        bad = presenter.client.post(f"{api}/qa/vragen/{entry}/moderate", json={"action": "weg"})
        assert (bad.status_code, bad.json()["error"]) == (400, "invalid_request")
        assert http.get(f"{api}/qa/vragen").status_code == 401
        assert presenter.results()["vragen"]["entries"][0]["status"] == "shown"
        # A second participant's ids are checked too: an id from another slide is refused.
        other = presenter.client.post(f"{api}/qa/gemodereerd/{entry}/moderate",
                                      json={"action": "hide"})  # fmt: skip
        assert (other.status_code, other.json()["error"]) == (404, "unknown_entry")


def test_a_participant_asks_at_most_max_questions_and_a_new_round_starts_empty(
    qa_server: LiveServer,
) -> None:
    with (
        presenter_for(qa_server) as presenter,
        httpx.Client(base_url=qa_server.base_url, timeout=10) as http,
    ):
        api = presenter.api
        presenter.goto("gemodereerd")
        token = joined(http, presenter)
        entry = ask(http, api, token, "gemodereerd", "Een").json()["id"]
        assert ask(http, api, token, "gemodereerd", "Twee").status_code == 201
        third = ask(http, api, token, "gemodereerd", "Drie")
        assert third.status_code == 400 and "(2)" in third.json()["detail"]
        presenter.control("reset")
        assert presenter.results()["gemodereerd"]["entries"] == []
        stale = vote(http, api, token, "gemodereerd", entry)  # an id of the earlier round
        assert (stale.status_code, stale.json()["error"]) == (404, "unknown_entry")
        assert ask(http, api, token, "gemodereerd", "Opnieuw").status_code == 201


ROOM_SIZE = 200


async def test_200_participants_upvoting_one_entry_at_once_give_exactly_200(
    qa_server: LiveServer,
) -> None:
    """Every upvote is its own participant's durable row; sent all at once (200 requests in
    flight on 200 connections), none is lost or counted twice. Then half take it back."""
    server = qa_server
    admin = server.admin_headers()
    api = f"/api/sessions/{server.code}"
    limits = httpx.Limits(max_connections=ROOM_SIZE, max_keepalive_connections=ROOM_SIZE)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as http:
        await http.post(f"{api}/control", json={"action": "goto", "question": "vragen"},
                        headers=admin)  # fmt: skip
        key = (await http.get(f"{api}/presenter", headers=admin)).json()["presenter"]["join_key"]
        tokens = []
        for _ in range(ROOM_SIZE):
            http.cookies.clear()
            tokens.append((await http.post(f"{api}/join", json={"key": key})).json()["participant"])
        http.cookies.clear()
        question = {"participant": tokens[0], "text": "Wie betaalt dit?"}
        asked = await http.post(f"{api}/qa/vragen", json=question)
        entry = asked.json()["id"]

        async def send(token: str, up: bool) -> int:
            body = {"participant": token, "up": up}
            return (await http.post(f"{api}/qa/vragen/{entry}/vote", json=body)).status_code

        started = time.perf_counter()
        codes = await asyncio.gather(*(send(t, True) for t in tokens))
        took = time.perf_counter() - started
        print(f"\n{ROOM_SIZE} concurrent upvotes on one entry: {took * 1000:.0f} ms")
        assert codes == [200] * ROOM_SIZE

        async def result() -> dict[str, Any]:
            return (await http.get(f"{api}/results", headers=admin)).json()["questions"][0]

        assert (await result())["entries"][0]["votes"] == ROOM_SIZE
        assert (await result())["responses"] == ROOM_SIZE
        half = tokens[::2]
        assert set(await asyncio.gather(*(send(t, False) for t in half))) == {200}
        assert (await result())["entries"][0]["votes"] == ROOM_SIZE - len(half)
        summary = (await http.get(f"{api}/export.csv", params={"view": "summary"},
                                  headers=admin)).text  # fmt: skip
        assert f",{entry},Wie betaalt dit?,{ROOM_SIZE},{ROOM_SIZE - len(half)}," in summary


async def messages_until(socket, seconds: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(str(await asyncio.wait_for(socket.recv(), left)))
        except TimeoutError:
            break
    return got


async def test_pending_entries_never_reach_phones_or_the_projector(qa_server: LiveServer) -> None:
    """With `moderation: true` a new question is stored as pending: every phone socket and
    the presenter socket (which the projector uses) carry counts only, never its text, until
    the presenter approves it; the presenter's admin request lists it meanwhile."""
    server = qa_server
    admin = server.admin_headers()
    api = f"/api/sessions/{server.code}"
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        await http.post(f"{api}/control", json={"action": "goto", "question": "gemodereerd"},
                        headers=admin)  # fmt: skip
        key = (await http.get(f"{api}/presenter", headers=admin)).json()["presenter"]["join_key"]
        tokens = []
        for _ in range(2):
            http.cookies.clear()
            tokens.append((await http.post(f"{api}/join", json={"key": key})).json()["participant"])
        ws = server.ws_url
        async with (
            connect(
                f"{ws}/ws/sessions/{server.code}?participant={tokens[1]}", origin=server.base_url
            ) as phone,  # fmt: skip
            connect(
                f"{ws}/ws/sessions/{server.code}/presenter",
                additional_headers=admin,
                origin=server.base_url,
            ) as projector,  # fmt: skip
        ):
            secret = "Geheime vraag " + str(random.randint(1000, 9999))
            shown = "Gewone vraag"
            asked = await http.post(f"{api}/qa/gemodereerd",
                                    json={"participant": tokens[0], "text": secret})  # fmt: skip
            assert asked.status_code == 201
            entry = asked.json()["id"]
            got_phone, got_projector = await asyncio.gather(
                messages_until(phone, 2.0), messages_until(projector, 2.0)
            )
            for text in got_phone + got_projector:
                assert secret not in text
            results = [json.loads(m) for m in got_projector if '"results"' in m]
            assert results and results[-1]["result"]["pending"] == 1
            assert results[-1]["result"]["entries"] == []
            listed = (await http.get(f"{api}/qa/gemodereerd", headers=admin)).json()
            assert [(e["text"], e["status"]) for e in listed["entries"]] == [(secret, "pending")]
            # Nor does the public state, or any phone's answers but the author's own.
            for path in (api, f"{api}/me?participant={tokens[1]}"):
                assert secret not in (await http.get(path)).text
            # Approved: now it travels.
            await http.post(f"{api}/qa/gemodereerd/{entry}/moderate", json={"action": "approve"},
                            headers=admin)  # fmt: skip
            got_phone, got_projector = await asyncio.gather(
                messages_until(phone, 2.0), messages_until(projector, 2.0)
            )
            assert any(secret in m for m in got_phone)
            assert any(secret in m for m in got_projector)
            # A hidden entry leaves the screens again.
            await http.post(f"{api}/qa/gemodereerd/{entry}/moderate", json={"action": "hide"},
                            headers=admin)  # fmt: skip
            await http.post(f"{api}/qa/gemodereerd",
                            json={"participant": tokens[1], "text": shown})  # fmt: skip
            got_projector = await messages_until(projector, 2.0)
            last = [json.loads(m) for m in got_projector if '"results"' in m][-1]
            assert secret not in json.dumps(last) and last["result"]["hidden"] == 1


# --- in the browser ------------------------------------------------------------------------------

PROMPT = "Wat wil je de sprekers vragen?"


def board(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.qa-board > .qa-entry')).map(li => ({
            id: li.getAttribute('data-id'),
            votes: Number(li.getAttribute('data-votes')),
            status: li.getAttribute('data-status'),
            pinned: li.getAttribute('data-pinned') === 'true',
            text: li.querySelector('.qa-entry-text').textContent,
            shown: li.querySelector('.qa-entry-count').textContent,
        }))"""
    )


FITS = """() => ({
    width: document.documentElement.scrollWidth,
    small: Array.from(document.querySelectorAll('.qa-room button, .answer-form button'))
        .map(b => b.getBoundingClientRect())
        .filter(box => box.width > 0 && (box.width < 44 || box.height < 44))
        .map(box => `${box.width}x${box.height}`),
})"""


@pytest.mark.browser
def test_a_phone_asks_and_upvotes_by_tapping_and_the_projector_shows_it_live(
    qa_server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    server = qa_server
    projector = projector_page
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        api = presenter.api
        presenter.goto("vragen")
        login_projector(projector, server)
        expect_projector_live(projector)
        expect(projector.locator("body")).to_have_attribute("data-slide-type", "qa")
        others = [joined(http, presenter) for _ in range(3)]
        early = ask(http, api, others[0], "vragen", "Hoe meten we of het werkt?").json()["id"]
        vote(http, api, others[1], "vragen", early)

        phone = new_phone()
        join(phone, server)
        expect_prompt(phone, PROMPT)
        expect(phone.locator(f'.qa-item[data-id="{early}"]')).to_have_attribute("data-votes", "1")
        # Asking: type, tap Ask; the status line says it is in; the room's list has it.
        box = phone.get_by_label("Jouw vraag")
        box.fill("Komt er een <b>vervolg</b>?")
        phone.locator(".qa-send").tap()
        expect(phone.locator(".qa-status")).to_have_text(
            "Je vraag staat erbij. Je mag er nog 4 stellen."
        )
        expect(box).to_have_value("")
        mine = phone.locator(".qa-item.qa-is-mine")
        expect(mine).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(mine.locator(".qa-item-text")).to_have_text("Komt er een <b>vervolg</b>?")
        mine_id = mine.get_attribute("data-id")

        # Upvote the earlier question with one tap: pressed, counted, announced. The response
        # is held back for a second, so the room's count reaches the phone first: counted once.
        def respond_late(route: Route) -> None:
            response = route.fetch()
            time.sleep(1.0)
            route.fulfill(response=response)

        phone.route("**/vote", respond_late)
        button = phone.locator(f'.qa-item[data-id="{early}"] .qa-vote')
        expect(button).to_have_attribute("aria-pressed", "false")
        button.tap()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(phone.locator(f'.qa-item[data-id="{early}"]')).to_have_attribute("data-votes", "2")
        expect(phone.locator(".qa-room [role=status]")).to_have_text("Je stem is geteld.")
        phone.unroute("**/vote")
        expect(phone.locator(f'.qa-item[data-id="{early}"]')).to_have_attribute("data-votes", "2")
        expect(button).to_have_accessible_name(
            re.compile(r"^Stem op: Hoe meten we of het werkt\?, 2 stemmen$")
        )
        # The projector: the text as text (escaped), the votes in data attributes.
        expect(projector.locator(f'.qa-entry[data-id="{early}"]')).to_have_attribute(
            "data-votes", "2", timeout=UI_TIMEOUT_MS
        )
        expect(projector.locator(f'.qa-entry[data-id="{mine_id}"] .qa-entry-text')).to_have_text(
            "Komt er een <b>vervolg</b>?"
        )
        assert projector.locator(".qa-board b").count() == 0
        assert [(e["id"], e["votes"]) for e in board(projector)] == [(early, 2), (mine_id, 0)]
        # Taking the vote back is the same tap; it is gone on both screens.
        button.tap()
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(projector.locator(f'.qa-entry[data-id="{early}"]')).to_have_attribute(
            "data-votes", "1", timeout=UI_TIMEOUT_MS
        )
        assert presenter.results()["vragen"]["entries"][0]["votes"] == 1
        # The presenter pins with the projector's keys: ↓ selects the second, p pins it.
        projector.keyboard.press("ArrowDown")
        projector.keyboard.press("ArrowDown")
        expect(projector.locator(".qa-entry.qa-selected")).to_have_attribute("data-id", mine_id)
        projector.keyboard.press("p")
        expect(projector.locator(".qa-entry").first).to_have_attribute(
            "data-pinned", "true", timeout=UI_TIMEOUT_MS
        )
        expect(projector.locator(".qa-entry").first).to_have_attribute("data-id", mine_id)
        expect(phone.locator(f'.qa-item[data-id="{mine_id}"]')).to_have_class(
            re.compile("qa-is-pinned"), timeout=UI_TIMEOUT_MS
        )
        # Sorting by newest on the phone: the newest first.
        phone.get_by_role("button", name="Nieuwste").tap()
        expect(phone.get_by_role("button", name="Nieuwste")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(phone.locator(".qa-list .qa-item").first).to_have_attribute("data-id", mine_id)
        snap(phone, artifacts_dir / "phone-qa-360.png")
        for width in (320, 180):  # 320 px, and 360 px at 200 % zoom
            phone.set_viewport_size({"width": width, "height": 740})
            assert phone.evaluate(FITS) == {"width": width, "small": []}
        assert projector.evaluate(SMALL_TEXT) == []


QUESTIONS = [
    "Hoe meten we volgend jaar of de samenwerking echt iets oplevert voor de mensen zelf?",
    "Wie trekt het project als de subsidie stopt?",
    "Komen de partners ook buiten de stuurgroep samen?",
    "Kan de VDAB vaker op de werkvloer langskomen?",
    "Hoe betrekken we mensen die geen Nederlands spreken?",
    "Wat doen we met de wachtlijsten voor kinderopvang?",
    "Is er budget voor vervoer naar het werk?",
    "Waarom duurt het zo lang voor een eerste gesprek?",
    "Kunnen we de resultaten van vandaag delen met de gemeenteraad?",
    "Wie is het aanspreekpunt voor werkgevers?",
    "Hoe vermijden we dat iedereen opnieuw dezelfde vragen stelt aan de cliënt?",
    "Komt er een vervolgsessie in het najaar?",
]


@pytest.fixture
def full_room(qa_server: LiveServer) -> Iterator[tuple[Presenter, list[dict[str, Any]]]]:
    """200 participants over HTTP: 12 ask, everyone upvotes a few; one is pinned, one
    answered, one hidden; one more waits for approval on the moderated slide."""
    rng = random.Random(10)
    with (
        presenter_for(qa_server) as presenter,
        httpx.Client(base_url=qa_server.base_url, timeout=10) as http,
    ):
        api = presenter.api
        presenter.goto("vragen")
        tokens = [joined(http, presenter) for _ in range(ROOM_SIZE)]
        ids = [ask(http, api, tokens[i], "vragen", q).json()["id"] for i, q in enumerate(QUESTIONS)]
        weights = [12, 9, 2, 6, 8, 5, 4, 3, 2, 1, 7, 3]
        for token in tokens:
            for pick in set(rng.choices(ids, weights, k=rng.randint(1, 3))):
                assert vote(http, api, token, "vragen", pick).status_code == 200
        moderate = f"{api}/qa/vragen/{{}}/moderate"
        presenter.client.post(moderate.format(ids[1]), json={"action": "pin"})
        presenter.client.post(moderate.format(ids[0]), json={"action": "answered"})
        presenter.client.post(moderate.format(ids[9]), json={"action": "hide"})
        yield presenter, presenter.results()["vragen"]["entries"]


@pytest.mark.browser
def test_a_full_room_on_the_projector_at_two_sizes_and_on_the_remote(
    full_room: tuple[Presenter, list[dict[str, Any]]],
    qa_server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    presenter, entries = full_room
    projector = projector_page
    login_projector(projector, qa_server)
    expect_projector_live(projector)
    open_entries = [e for e in entries if e["status"] == "shown"]
    for width, height in [(1920, 1080), (1024, 768)]:
        projector.set_viewport_size({"width": width, "height": height})
        expect(projector.locator(".qa-entry").first).to_have_attribute(
            "data-id", open_entries[0]["id"], timeout=UI_TIMEOUT_MS
        )
        projector.wait_for_timeout(300)
        shown = board(projector)
        top = open_entries[: len(shown)]  # as many as fit, in result order
        assert len(shown) >= (5 if height > 1000 else 4), shown
        assert [(e["id"], e["votes"], e["pinned"]) for e in shown] == [
            (e["id"], e["votes"], e["pinned"]) for e in top
        ]
        assert shown[0]["pinned"] and shown[0]["text"] == QUESTIONS[1]
        assert [e["shown"] for e in shown] == [str(e["votes"]) for e in top]
        expect(projector.locator(".qa-counts")).to_contain_text(
            f"{len(shown)} van {len(open_entries)} vragen getoond"
        )
        assert projector.evaluate(SMALL_TEXT) == []
        # Every entry is on screen, none cut off at the bottom.
        assert projector.evaluate(
            "() => Array.from(document.querySelectorAll('.qa-entry'))"
            ".every(li => li.getBoundingClientRect().bottom <= window.innerHeight)"
        )
        expect(projector.locator(".qa-counts")).to_contain_text("1 beantwoord")
        snap(projector, artifacts_dir / f"projector-qa-{width}x{height}.png")
    # A question waits for approval on the moderated slide: the remote lists it with its
    # buttons, the projector only says one waits.
    presenter.goto("gemodereerd")
    with httpx.Client(base_url=qa_server.base_url, timeout=10) as http:
        token = joined(http, presenter)
        ask(http, presenter.api, token, "gemodereerd", "Mag ik anoniem iets vragen?")
    expect(projector.locator(".qa-counts")).to_have_text("1 wachten op goedkeuring",
                                                         timeout=UI_TIMEOUT_MS)  # fmt: skip
    assert "anoniem" not in projector.content()
    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.goto(f"{qa_server.base_url}/present/{qa_server.code}?remote=1")
    waiting = remote.locator(".qa-pending .qa-entry")
    expect(waiting).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(waiting.locator(".qa-entry-text")).to_have_text("Mag ik anoniem iets vragen?")
    snap(remote, artifacts_dir / "remote-qa-pending-360.png")
    waiting.get_by_role("button", name="Goedkeuren").tap()
    expect(remote.locator(".qa-pending .qa-entry")).to_have_count(0, timeout=UI_TIMEOUT_MS)
    expect(projector.locator(".qa-entry .qa-entry-text")).to_have_text(
        ["Mag ik anoniem iets vragen?"], timeout=UI_TIMEOUT_MS
    )
    expect(remote.locator(".qa-board .qa-entry")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    remote.get_by_role("button", name="Vastzetten").tap()
    expect(projector.locator(".qa-entry").first).to_have_attribute(
        "data-pinned", "true", timeout=UI_TIMEOUT_MS
    )
    presenter.goto("vragen")
    expect(remote.locator(".qa-board .qa-entry").first).to_have_attribute(
        "data-pinned", "true", timeout=UI_TIMEOUT_MS
    )
    snap(remote, artifacts_dir / "remote-qa-360.png")


# --- a cluster: two workers on one PostgreSQL and one Redis ------------------------------------

CLUSTER_VOTES = 50


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
async def test_in_a_cluster_asks_and_upvotes_spread_over_two_workers_count_once_everywhere(
    pg_url: str, redis_url: str, server_factory
) -> None:
    """Questions asked and votes given on two workers (separate hosts, as far as they know);
    50 upvotes on one entry sent at once, alternating between them, give exactly 50 in
    /results on both workers, on a projector held by the other one and in the JSON export;
    a vote given on one worker and taken back on the other is gone on both."""
    from cluster_helpers import TIMEOUT, Screen, control, join, join_key

    args = ["--database", pg_url, "--redis", redis_url]
    a, b = (server_factory(deck=DECK_PATH, args=args) for _ in range(2))
    workers = [a, b]
    limits = httpx.Limits(max_connections=CLUSTER_VOTES + 10)
    async with (
        httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as http,
        Screen(b) as projector,
    ):
        await control(a, http, action="goto", question="vragen")
        key = await join_key(a, http)
        tokens = [await join(workers[n % 2], http, key) for n in range(CLUSTER_VOTES + 4)]
        http.cookies.clear()

        def api(n: int) -> str:
            worker = workers[n % 2]
            return f"{worker.base_url}/api/sessions/{worker.code}/qa/vragen"

        texts = ["Wie betaalt dit?", "Hoe meten we <b>succes</b>?", "Wanneer begint het?"]
        entries = []
        for n, text in enumerate(texts):  # asked on A, B, A
            asked = await http.post(api(n), json={"participant": tokens[n], "text": text})
            assert asked.status_code == 201, asked.text
            entries.append(asked.json()["id"])
        target, other, third = entries

        async def vote_on(n: int, entry: str, up: bool = True) -> int:
            body = {"participant": tokens[n], "up": up}
            return (await http.post(f"{api(n)}/{entry}/vote", json=body)).status_code

        started = time.perf_counter()
        codes = await asyncio.gather(*(vote_on(n, target) for n in range(CLUSTER_VOTES)))
        took = time.perf_counter() - started
        print(f"\n{CLUSTER_VOTES} concurrent upvotes over two workers: {took * 1000:.0f} ms")
        assert codes == [200] * CLUSTER_VOTES
        # Two votes on another entry; one given on B and taken back on A.
        assert await vote_on(CLUSTER_VOTES, other) == 200
        assert await vote_on(CLUSTER_VOTES + 1, other) == 200
        assert await vote_on(CLUSTER_VOTES + 3, third) == 200  # on B
        assert await vote_on(CLUSTER_VOTES + 2, third, up=False) == 200  # not its vote: none
        body = {"participant": tokens[CLUSTER_VOTES + 3], "up": False}
        taken_back = await http.post(f"{api(CLUSTER_VOTES + 2)}/{third}/vote", json=body)
        assert taken_back.status_code == 200, taken_back.text  # on A, the vote given on B

        expected = [(target, CLUSTER_VOTES), (other, 2), (third, 0)]
        for worker in workers:
            result = await recount(worker, http)
            assert [(e["id"], e["votes"]) for e in result["entries"]] == expected, worker
            assert {e["text"] for e in result["entries"]} == set(texts)
            exported = await http.get(
                f"{worker.base_url}/api/sessions/{worker.code}/export.json",
                headers=worker.admin_headers(),
            )
            assert exported.status_code == 200, exported.text
            (in_export,) = [r for r in exported.json()["results"] if r["id"] == "vragen"]
            assert [(e["id"], e["votes"]) for e in in_export["entries"]] == expected
        # The projector on B got the live count (through Redis) of the votes sent to A and B.
        await projector.until(
            lambda s: (
                bool(s.result)
                and [(e["id"], e["votes"]) for e in s.result.get("entries", [])] == expected
            ),
            "the votes on the projector",
        )


async def recount(worker: LiveServer, http: httpx.AsyncClient) -> dict[str, Any]:
    """The Q&A slide's result as one worker counts it afresh (GET /results)."""
    response = await http.get(
        f"{worker.base_url}/api/sessions/{worker.code}/results", headers=worker.admin_headers()
    )
    assert response.status_code == 200, response.text
    return next(q for q in response.json()["questions"] if q["id"] == "vragen")
