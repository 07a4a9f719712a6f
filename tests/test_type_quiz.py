"""The quiz and the leaderboard (issue 10): deck keys, answers timed on the server's clock,
points for speed, the timer closing voting on the server, nicknames, the leaderboard with ties,
exports and report, and a 360 px phone answering by tapping while the projector counts down."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_projector_live,
    expect_prompt,
    expect_received,
    login_projector,
    new_phone_context_page,
    presenter_for,
    snap,
    stored,
    tap_choice,
    token_key,
)
from browser_helpers import join as open_join_link
from conftest import LiveServer, PageOpener, ServerStarter
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from app.domain.errors import AnswerError, DeckError
from app.domain.loader import load_deck, parse_deck
from app.domain.nicknames import InvalidName, NameNotAllowed, candidates, clean_name, offensive
from app.domain.presenter import apply, expire, initial_state
from app.domain.slides.base import LiveCounts, Scores
from app.domain.slides.leaderboard import Leaderboard, ranked
from app.domain.slides.quiz import Quiz, points
from app.exports import SessionData, document
from app.ports.store import StoredResponse
from app.report import build_report

DECK_PATH = Path(__file__).resolve().parent / "decks" / "quiz.yaml"
DECK = load_deck(DECK_PATH)
CAPITAL: Quiz = DECK.question("hoofdstad")
LANGUAGES: Quiz = DECK.question("talen")
BOARD: Leaderboard = DECK.slide("stand")
CAPITAL_15 = dataclasses.replace(CAPITAL, timer=15)  # as short_deck(…, 15) has it
SVG = "{http://www.w3.org/2000/svg}"


# --- the deck ------------------------------------------------------------------------------


def test_test_deck_loads_with_the_defaults_and_the_set_keys() -> None:
    assert CAPITAL.correct == ("brussel",) and CAPITAL.multiple == 1 and CAPITAL.timer == 20
    # Several right options: as many may be picked, in deck order.
    assert LANGUAGES.correct == ("nederlands", "frans", "duits") and LANGUAGES.multiple == 3
    assert BOARD.size == 10
    public = CAPITAL.public()
    assert "correct" not in public and public["timer"] == 20  # never before the timer is over
    assert CAPITAL.revealed() == {"correct": ["brussel"]}


def quiz_deck(keys: str) -> str:
    return (
        "title: T\nslides:\n  - type: quiz\n    id: q\n    prompt: P\n"
        "    options:\n      - {id: a, label: A}\n      - {id: b, label: B}\n" + keys
    )


BROKEN = [
    ("", "3: slide 1 (q): missing 'correct'"),
    ("    correct: c\n", "9: slide 1 (q): 'correct' names 'c', which is not an option id"),
    ("    correct: []\n", "9: slide 1 (q): 'correct' must be an id or a list of ids"),
    ("    correct: [a, a]\n", "9: slide 1 (q): 'correct' names the same id twice"),
    ("    correct: a\n    timer: 2\n", "10: slide 1 (q): 'timer' is 2, must be between 5 and 600"),
    ("    correct: a\n    timer: fast\n", "10: slide 1 (q): 'timer' must be a whole number"),
    ("    correct: [a, b]\n    multiple: 1\n", "10: slide 1 (q): 'multiple' is 1, must be"),
    ("    correct: a\n    timre: 10\n", "10: slide 1 (q): unknown key 'timre'"),
]


@pytest.mark.parametrize(("keys", "expected"), BROKEN)
def test_a_broken_quiz_slide_names_file_line_and_what(keys: str, expected: str) -> None:
    with pytest.raises(DeckError) as caught:
        parse_deck(quiz_deck(keys), filename="deck.yaml")
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"deck.yaml:{expected}") for p in problems), problems


def test_a_broken_leaderboard_and_deck_file_name_the_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "quiz.yaml"
    path.write_text(
        quiz_deck("    correct: a\n    timer: 1000\n")
        + "  - type: leaderboard\n    id: stand\n    size: 50\n",
        encoding="utf-8",
    )
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:10: slide 1 (q): 'timer' is 1000") for p in problems)
    assert any(p.startswith(f"{path}:13: slide 2 (stand): 'size' is 50") for p in problems)


# --- answers and points ---------------------------------------------------------------------


def test_answers_are_checked_and_stored_with_their_time() -> None:
    assert CAPITAL.check_answer("brussel") == ["brussel"]
    assert LANGUAGES.check_answer(["duits", "nederlands"]) == ["nederlands", "duits"]
    for raw, message in [
        ("parijs", "unknown option 'parijs'"),
        ([], "pick at least one option"),
        (["gent", "luik"], "pick at most 1 option(s), got 2"),
        ({"options": ["brussel"], "ms": 0}, "must be an option id or a list"),  # no own time
        (7, "must be an option id or a list"),
    ]:
        with pytest.raises(AnswerError, match=re.escape(message)):
            CAPITAL.check_answer(raw)
    first = CAPITAL.timed(["brussel"], 3412, None)
    assert first == {"options": ["brussel"], "ms": 3412}
    assert CAPITAL.timed(["brussel"], 9000, first) is first  # sent again: keeps its time
    assert CAPITAL.timed(["gent"], 9000, first) == {"options": ["gent"], "ms": 9000}


@pytest.mark.parametrize(
    ("ms", "expected"), [(0, 1000), (5000, 875), (10_000, 750), (19_999, 500), (20_000, 500)]
)
def test_a_right_answer_earns_500_plus_up_to_500_for_the_time_left(ms: int, expected: int) -> None:
    assert CAPITAL.score({"options": ["brussel"], "ms": ms}) == expected
    assert CAPITAL.score({"options": ["gent"], "ms": ms}) == 0
    assert points(True, ms, 20_000) == expected


def test_several_right_options_must_all_be_picked_and_nothing_else() -> None:
    right = {"options": ["nederlands", "frans", "duits"], "ms": 0}
    assert LANGUAGES.score(right) == 1000
    assert LANGUAGES.score({"options": ["nederlands", "frans"], "ms": 0}) == 0
    assert LANGUAGES.score({"options": ["nederlands", "engels", "frans"], "ms": 0}) == 0
    assert CAPITAL.score(["brussel"]) == 0  # an answer from before the deck had a quiz


def test_tally_counts_options_and_combinations_live_and_stored_alike() -> None:
    answers = [
        {"options": ["nederlands", "frans", "duits"], "ms": 1000},
        {"options": ["nederlands", "frans", "duits"], "ms": 4000},
        {"options": ["nederlands", "engels", "frans"], "ms": 2000},
        {"options": ["nederlands"], "ms": 9000},
    ]
    result = LANGUAGES.tally(answers)
    assert result["counts"] == {"nederlands": 4, "engels": 1, "frans": 3, "duits": 2}
    assert result["combinations"] == {"duits+frans+nederlands": 2, "engels+frans+nederlands": 1,
                                      "nederlands": 1}  # fmt: skip
    assert LANGUAGES.right_count({"responses": 4, **result}) == 2
    items = [i for a in answers for i in LANGUAGES.tally_items(a)]
    counts = {i: items.count(i) for i in set(items)}
    assert LANGUAGES.live_result(LiveCounts(counts, 4, [], len(counts), len(items)), 10) == result
    assert "correct" not in str(result)  # live results never say which answer is right


# --- the timer in the presenter state (pure) -----------------------------------------------


def test_the_timer_starts_when_voting_opens_and_closes_it_at_the_deadline() -> None:
    t0 = 1_700_000_000_000
    state = apply(initial_state(DECK, t0), DECK, "goto", "hoofdstad", t0 + 50)
    assert state.voting_open
    assert state.timer_of("hoofdstad") == {
        "round": 1, "opened_at": t0 + 50, "closes_at": t0 + 20_050
    }  # fmt: skip
    assert expire(state, DECK, t0 + 20_049) is state  # not yet: nothing changes
    closed = expire(state, DECK, t0 + 20_050)
    assert not closed.voting_open and closed.version == state.version + 1
    assert expire(closed, DECK, t0 + 30_000) is closed  # once
    # Back on it later: it stays closed; opening it again is refused until a new round.
    back = apply(apply(closed, DECK, "next", None, t0 + 31_000), DECK, "prev", None, t0 + 32_000)
    assert not back.voting_open
    with pytest.raises(Exception, match="ran out"):
        apply(back, DECK, "open", None, t0 + 33_000)
    again = apply(apply(back, DECK, "reset", None, t0 + 34_000), DECK, "open", None, t0 + 35_000)
    assert again.voting_open and again.timer_of("hoofdstad")["closes_at"] == t0 + 55_000
    # Closed by hand before the deadline and opened again: the same deadline.
    paused = apply(apply(again, DECK, "close", None, t0 + 36_000), DECK, "open", None, t0 + 40_000)
    assert paused.timer_of("hoofdstad")["closes_at"] == t0 + 55_000


# --- nicknames and the leaderboard ---------------------------------------------------------


def test_nicknames_are_trimmed_limited_and_checked_against_the_word_lists() -> None:
    assert clean_name("  Anna  de   Vries ") == "Anna de Vries"
    for name in ["Kutlu", "Pikachu", "Potter", "Jan", "Sofie 🎉"]:
        assert clean_name(name) == name
    for bad in ["KutJan", "klootzak", "f.u.c.k", "5hit", "Fuckface", "hoerenjong", "Lul"]:
        assert offensive(bad), bad
        with pytest.raises(NameNotAllowed):
            clean_name(bad)
    for bad, message in [("", "empty"), ("x" * 25, "at most 24"), (5, "text"), ("P0007", "P0007")]:
        with pytest.raises(InvalidName, match=message):
            clean_name(bad)
    assert list(zip(range(3), candidates("Anna"), strict=False)) == [
        (0, "Anna"), (1, "Anna 2"), (2, "Anna 3")
    ]  # fmt: skip
    long = "Maximiliaan van Oranje-N"
    assert [c for _, c in zip(range(2), candidates(long), strict=False)][1] == (
        "Maximiliaan van Oranje 2"
    )


def test_the_leaderboard_ranks_by_total_and_ties_share_a_place() -> None:
    scores = Scores(
        {"p1": 1800, "p2": 1500, "p3": 1500, "p4": 900, "p5": 0, "p6": 1500},
        {"p1": "Zoë", "p2": "bram", "p3": "Anna", "p4": "Dirk", "p5": "Eva", "p6": "Cas"},
    )
    board = ranked(scores)
    assert [(row["name"], row["score"], row["rank"]) for row in board] == [
        ("Zoë", 1800, 1),
        ("Anna", 1500, 2),
        ("bram", 1500, 2),
        ("Cas", 1500, 2),
        ("Dirk", 900, 5),
        ("Eva", 0, 6),
    ]
    view = Leaderboard(id="b", size=3).public_scored(scores)
    assert [row["name"] for row in view["leaderboard"]] == ["Zoë", "Anna", "bram"]
    assert view["players"] == 6
    assert BOARD.standing(scores, "p6") == {"name": "Cas", "score": 1500, "rank": 2, "of": 6}
    assert BOARD.standing(scores, "nobody")["rank"] is None


# --- exports and the report (pure) ---------------------------------------------------------


def test_export_and_summary_rows_and_the_report_chart() -> None:
    answer = {"options": ["brussel"], "ms": 5000}
    assert CAPITAL.export_items(answer) == [
        ("brussel", "Brussel", "Brussel"),
        ("ms", "ms after voting opened", 5000),
        ("points", "points", 875),
    ]
    answers = [answer, {"options": ["gent"], "ms": 800}, {"options": ["brussel"], "ms": 100}]
    result = {"responses": 3, **CAPITAL.tally(answers)}
    rows = CAPITAL.summary_items(result)
    assert rows[1] == ("brussel", "Brussel", 2, None, "correct")
    assert rows[2] == ("gent", "Gent", 1, None, "")
    assert rows[-1] == ("right", "answered right", 2, None, "")
    chart = CAPITAL.report_part(result, "nl").chart
    root = ET.fromstring(chart)
    bars = {g.get("data-id"): g for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert (
        bars["brussel"].get("data-count") == "2" and bars["brussel"].get("data-correct") == "true"
    )
    assert bars["gent"].get("data-correct") == "false"
    assert "2 van 3 goed" in "".join(root.itertext())
    assert "✓ Brussel" in "".join(root.itertext())


def test_the_leaderboard_in_the_json_export_and_the_report_ties_share_a_place() -> None:
    """The pure path `rondvraag export` and the report take: totals over the quiz questions'
    current rounds (an earlier round does not count), ties sharing a place and a colour."""
    at = "2026-05-04T10:00:00Z"
    rows = [  # (question, round, participant, answer)
        ("hoofdstad", 1, "p1", {"options": ["gent"], "ms": 100}),
        ("hoofdstad", 2, "p1", {"options": ["brussel"], "ms": 10_000}),  # 750
        ("hoofdstad", 2, "p2", {"options": ["brussel"], "ms": 10_000}),  # 750
        ("hoofdstad", 2, "p3", {"options": ["brussel"], "ms": 0}),  # 1000
        ("hoofdstad", 2, "p4", {"options": ["gent"], "ms": 0}),  # 0
        ("hoofdstad", 1, "p5", {"options": ["brussel"], "ms": 0}),  # an earlier round: none
    ]
    data = SessionData(
        code="123456",
        deck=DECK,
        created_at=at,
        rounds={"hoofdstad": 2},
        participants=5,
        responses=[StoredResponse(q, r, who, f"P000{who[1]}", a, at) for q, r, who, a in rows],
        names={"p1": "Bram", "p2": "anna", "p3": "Zoë", "p4": "P0004", "p5": "Eva"},
    )
    exported = document(data)
    assert exported["leaderboard"] == [
        {"name": "Zoë", "score": 1000, "rank": 1},
        {"name": "anna", "score": 750, "rank": 2},
        {"name": "Bram", "score": 750, "rank": 2},
        {"name": "P0004", "score": 0, "rank": 4},
    ]
    assert list(exported).index("leaderboard") == list(exported).index("results") + 1
    (board,) = build_report(data).boards
    assert (board.title, board.kind, board.players, board.empty) == (
        "Tussenstand", "Klassement", 4, False
    )  # fmt: skip
    bars = [g for g in ET.fromstring(board.chart).iter(f"{SVG}g")]
    assert [(g.get("data-id"), g.get("data-rank")) for g in bars] == [
        ("Zoë", "1"), ("anna", "2"), ("Bram", "2"), ("P0004", "4")
    ]  # fmt: skip
    fills = [
        next((r for r in g.iter(f"{SVG}rect") if r.get("class") == "bar-fill"), None) for g in bars
    ]
    assert [f.get("width") if f is not None else None for f in fills] == [
        "420.0", "315.0", "315.0", None
    ]  # fmt: skip
    assert fills[1].get("fill") == fills[2].get("fill") != fills[0].get("fill")
    assert "1.000 punten" in "".join(ET.fromstring(board.chart).itertext())
    nobody = dataclasses.replace(data, responses=[])
    assert "leaderboard" in document(nobody) and document(nobody)["leaderboard"] == []
    (empty,) = build_report(nobody).boards
    assert empty.empty and empty.chart is None and empty.players == 0


# --- the HTTP API on a real server ------------------------------------------------------------


def join(http: httpx.Client, server: LiveServer, name: str | None = None) -> httpx.Response:
    http.cookies.clear()
    body = {"name": name} if name is not None else {}
    return http.post(f"/api/sessions/{server.code}/join", json=body)


def joined(http: httpx.Client, server: LiveServer, name: str | None = None) -> str:
    response = join(http, server, name)
    assert response.status_code == 201, response.text
    return response.json()["participant"]


def send(http: httpx.Client, server: LiveServer, token: str, question: str, answer: Any):
    return http.post(
        f"/api/sessions/{server.code}/responses",
        json={"participant": token, "question": question, "answer": answer},
    )


@pytest.fixture
def quiz_server(server_factory: ServerStarter) -> LiveServer:
    return server_factory(deck=str(DECK_PATH))


def test_points_come_from_the_servers_clock_and_a_change_counts_from_its_last_change(
    quiz_server: LiveServer,
) -> None:
    server = quiz_server
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        quick, slow, wrong, changer = (joined(http, server, n) for n in "ABCD")
        opened = time.time() * 1000
        presenter.goto("hoofdstad")
        timer = presenter.state()["timer"]
        assert abs(timer["opened_at"] - opened) < 2000  # the server's clock, in epoch ms
        assert timer["closes_at"] - timer["opened_at"] == 20_000
        fast = send(http, server, quick, "hoofdstad", "brussel").json()["answer"]
        assert fast["options"] == ["brussel"] and 0 <= fast["ms"] < 1500
        assert send(http, server, changer, "hoofdstad", "brussel").status_code == 201
        # A phone cannot say when it answered: the time is the server's own.
        forged = send(http, server, wrong, "hoofdstad", {"options": ["brussel"], "ms": 0})
        assert forged.status_code == 400 and forged.json()["error"] == "invalid_answer"
        time.sleep(2.0)
        late = send(http, server, slow, "hoofdstad", ["brussel"]).json()["answer"]
        assert late["ms"] - fast["ms"] >= 1900
        assert send(http, server, wrong, "hoofdstad", "gent").status_code == 201
        changed = send(http, server, changer, "hoofdstad", "gent").json()["answer"]
        back = send(http, server, changer, "hoofdstad", "brussel").json()["answer"]
        assert back["ms"] >= changed["ms"] >= late["ms"]  # counts from its last change
        retry = send(http, server, changer, "hoofdstad", "brussel").json()["answer"]
        assert retry == back  # the same answer again (a retry) keeps its time
        mine = http.get(f"/api/sessions/{server.code}/me", params={"participant": quick}).json()[
            "answers"
        ]
        assert mine["hoofdstad"] == fast
        response = presenter.client.get(f"/api/sessions/{server.code}/results")
        board = {row["name"]: row for row in response.json()["leaderboard"]}
    assert board["A"]["score"] == points(True, fast["ms"], 20_000)
    assert board["B"]["score"] == points(True, late["ms"], 20_000)
    assert board["D"]["score"] == points(True, back["ms"], 20_000)
    assert board["C"]["score"] == 0 and board["C"]["rank"] == 4
    assert board["A"]["rank"] == 1 and board["A"]["score"] > board["B"]["score"] + 40


def test_the_timer_closes_voting_on_the_server_by_itself(
    server_factory: ServerStarter, tmp_path: Path
) -> None:
    short = tmp_path / "quiz.yaml"
    short.write_text(DECK_PATH.read_text(encoding="utf-8").replace("timer: 20", "timer: 5"))
    server = server_factory(deck=str(short))
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        token = joined(http, server, "Timo")
        presenter.goto("hoofdstad")
        state = presenter.state()
        assert state["voting_open"] and 4000 < state["timer"]["remaining_ms"] <= 5000
        assert "correct" not in state["slide"]
        assert send(http, server, token, "hoofdstad", "gent").status_code == 201
        deadline = state["timer"]["closes_at"]
        time.sleep(max(deadline / 1000 - time.time(), 0) + 0.4)
        # Nobody pressed anything: the server closed voting at the deadline.
        closed = presenter.state()
        assert not closed["voting_open"] and closed["version"] == state["version"] + 1
        assert closed["slide"]["correct"] == ["brussel"]  # now the right answer is public
        assert closed["timer"]["remaining_ms"] == 0
        late = send(http, server, token, "hoofdstad", "brussel")
        assert late.status_code == 409 and late.json()["error"] == "voting_closed"
        reopen = presenter.client.post(
            f"/api/sessions/{server.code}/control", json={"action": "open"}
        )
        assert reopen.status_code == 409 and reopen.json()["error"] == "timer_over"
        time.sleep(1.0)
        assert presenter.state()["version"] == closed["version"]  # closed once, not again
        presenter.control("reset")
        presenter.control("open")
        again = presenter.state()
        assert again["voting_open"] and again["round"] == 2
        assert again["timer"]["remaining_ms"] > 4000 and "correct" not in again["slide"]


def test_nicknames_on_joining_unique_filtered_and_only_in_quiz_decks(
    quiz_server: LiveServer, server_factory: ServerStarter
) -> None:
    server = quiz_server
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        first = join(http, server, "  Anna ")
        assert first.status_code == 201 and first.json()["name"] == "Anna"
        assert join(http, server, "anna").json()["name"] == "anna 2"  # case does not count
        assert join(http, server, "Anna").json()["name"] == "Anna 3"
        refused = {
            "offensive": join(http, server, "KutJan"),
            "long": join(http, server, "x" * 40),
            "blank": join(http, server, "   "),
            "number": join(http, server, 12),  # type: ignore[arg-type]
        }
        for what, response in refused.items():
            assert 400 <= response.status_code < 500, what
            assert response.headers["content-type"].startswith("application/json")
        assert refused["offensive"].json()["error"] == "name_not_allowed"
        assert refused["long"].json()["error"] == "invalid_name"
        # A returning phone changes its own name (and keeps it when it asks for it again).
        token = first.json()["participant"]
        renamed = http.post(
            f"/api/sessions/{server.code}/join", json={"participant": token, "name": "Anna"}
        )
        assert renamed.status_code == 200 and renamed.json()["name"] == "Anna"
        state = http.get(f"/api/sessions/{server.code}").json()
        assert state["nicknames"] is True
    plain = server_factory()  # the reference deck has no quiz: participants stay anonymous
    with httpx.Client(base_url=plain.base_url, timeout=10) as http:
        response = join(http, plain, "Anna")
        assert response.status_code == 409 and response.json()["error"] == "no_nicknames"
        assert http.get(f"/api/sessions/{plain.code}").json()["nicknames"] is False


def test_the_leaderboard_slide_carries_the_top_and_each_phone_its_own_place(
    quiz_server: LiveServer,
) -> None:
    server = quiz_server
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        names = ["Ann", "Bo", "Cas", "<b>Dirk</b>"]
        tokens = {name: joined(http, server, name) for name in names}
        presenter.goto("hoofdstad")
        for name in names:
            answer = "brussel" if name in ("Ann", "Bo") else "gent"
            assert send(http, server, tokens[name], "hoofdstad", answer).status_code == 201
            time.sleep(0.3)
        presenter.goto("stand")
        deadline = time.time() + 5
        while "leaderboard" not in (state := presenter.state())["slide"]:
            assert time.time() < deadline, state
            time.sleep(0.1)
        board = state["slide"]["leaderboard"]
        standing = http.get(
            f"/api/sessions/{server.code}/standing", params={"participant": tokens["Cas"]}
        )
        results = presenter.client.get(f"/api/sessions/{server.code}/results").json()
    assert [(row["name"], row["rank"]) for row in board] == [
        ("Ann", 1), ("Bo", 2), ("<b>Dirk</b>", 3), ("Cas", 3)
    ]  # fmt: skip
    assert board[0]["score"] > board[1]["score"] > 500 and board[2]["score"] == 0
    assert standing.status_code == 200
    assert standing.json() == {"name": "Cas", "score": 0, "rank": 3, "of": 4}
    assert results["leaderboard"] == board


def test_exports_keep_pseudonyms_and_the_report_shows_the_quiz(quiz_server: LiveServer) -> None:
    server = quiz_server
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        presenter.goto("hoofdstad")
        for name, answer in [("Ann", "brussel"), ("<b>Bo</b>", "gent"), ("Cas", "brussel")]:
            assert send(http, server, joined(http, server, name), "hoofdstad", answer).is_success
            time.sleep(0.05)  # Ann answers first: more points than Cas
        results = presenter.client.get(f"/api/sessions/{server.code}/results").json()
        admin = server.admin_headers()
        answers_csv = http.get(f"/api/sessions/{server.code}/export.csv", headers=admin).text
        summary_csv = http.get(
            f"/api/sessions/{server.code}/export.csv?view=summary", headers=admin
        ).text
        exported = http.get(f"/api/sessions/{server.code}/export.json", headers=admin).json()
        http.post(f"/present/{server.code}/login", data={"token": server.token})
        report = http.get(f"/present/{server.code}/report")
    rows = [
        r
        for r in csv.DictReader(io.StringIO(answers_csv.lstrip("\ufeff")))
        if r["question_id"] == "hoofdstad"
    ]
    assert {r["participant"] for r in rows} == {"P0001", "P0002", "P0003"}
    assert "Ann" not in answers_csv and "Cas" not in answers_csv  # nicknames stay out
    first = [(r["item"], r["answer"]) for r in rows if r["participant"] == "P0001"]
    assert first[0] == ("brussel", "Brussel") and first[1][0] == "ms" and first[2][0] == "points"
    assert 500 < int(first[2][1]) <= 1000
    summary = {
        r["item"]: r
        for r in csv.DictReader(io.StringIO(summary_csv.lstrip("\ufeff")))
        if r["question_id"] == "hoofdstad"
    }
    assert summary["brussel"]["count"] == "2" and summary["brussel"]["distribution"] == "correct"
    assert summary["right"]["count"] == "2"
    result = next(r for r in exported["results"] if r["id"] == "hoofdstad")
    assert result["counts"] == {"antwerpen": 0, "brussel": 2, "gent": 1, "luik": 0}
    assert report.status_code == 200
    assert 'data-id="brussel" data-count="2" data-correct="true"' in report.text
    assert "2 van 3 goed" in report.text
    # The leaderboard: in the JSON export as in /results (nicknames, as the room saw them),
    # and in the report as its own section of bars, the best total the longest.
    board = exported["leaderboard"]
    assert board == results["leaderboard"]
    assert [(row["name"], row["rank"]) for row in board] == [
        ("Ann", 1), ("Cas", 2), ("<b>Bo</b>", 3)
    ]  # fmt: skip
    assert board[0]["score"] > board[1]["score"] > 500 and board[2]["score"] == 0
    section = re.search(
        r'<section class="question question-leaderboard".*?</section>', report.text, re.S
    )
    assert section is not None and "Tussenstand" in section.group()
    assert '<span class="q-players">3</span> deelnemers met punten' in section.group()
    chart = ET.fromstring(re.search(r"<svg.*?</svg>", section.group(), re.S).group())
    bars = [g for g in chart.iter("{http://www.w3.org/2000/svg}g")]
    assert [g.get("data-id") for g in bars] == ["Ann", "Cas", "<b>Bo</b>"]  # escaped, parsed back
    assert "<b>Bo</b>" not in report.text and "&lt;b&gt;Bo&lt;/b&gt;" in report.text
    widths = [
        float(r.get("width"))
        for g in bars
        for r in g.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("class") == "bar-fill"
    ]
    assert widths[0] == 420.0 and 0 < widths[1] < widths[0] and len(widths) == 2  # 0 points


# --- Chromium: a 360 px phone answers by tapping, the projector counts down and reveals ------


def short_deck(tmp_path: Path, seconds: int) -> str:
    path = tmp_path / "quiz.yaml"
    path.write_text(
        DECK_PATH.read_text(encoding="utf-8").replace("timer: 20", f"timer: {seconds}"),
        encoding="utf-8",
    )
    return str(path)


TAMPERED = 4242  # points no quiz answer earns (at most 1000)


def swap_points(points: int) -> Callable[[WebSocketRoute], None]:
    """A websocket route that passes everything through but sets `points` in the server's
    `answer` messages (a phone's own settled answer) to `points`."""

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            data = json.loads(message)
            if data.get("type") == "answer" and "points" in (data.get("answer") or {}):
                data["answer"]["points"] = points
                message = json.dumps(data)
            ws.send(message)

        server.on_message(from_server)

    return route


def my_quiz_answer(client: httpx.Client, server: LiveServer, page: Page) -> dict[str, Any]:
    """A phone's stored quiz answer as GET /me gives it (with right and points once over)."""
    response = client.get(
        f"/api/sessions/{server.code}/me",
        params={"participant": stored(page, token_key(server.code))},
    )
    return response.json()["answers"]["hoofdstad"]


def seconds_shown(page: Page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-seconds") or "-1")


@pytest.mark.browser
def test_a_phone_answers_the_quiz_by_tapping_and_the_projector_counts_down_and_reveals(
    server_factory: ServerStarter,
    tmp_path: Path,
    new_phone: PageOpener,
    projector_page: Page,
    browser: Browser,
    js_errors: list[str],
    artifacts_dir: Path,
) -> None:
    server = server_factory(deck=short_deck(tmp_path, 15))
    projector = projector_page
    phone = new_phone()
    close_skewed, skewed = new_phone_context_page(browser, js_errors, "skewed-phone")
    # A phone whose clock is three hours behind: it must still count down the server's time.
    skewed.add_init_script(
        "(() => { const real = Date.now; const off = -3 * 3600 * 1000;"
        " Date.now = () => real() + off; })()"
    )
    # Where a phone's points come from: on this phone's socket the server's figure for its
    # own answer is swapped for one no formula gives (at most 1000); it must show that one.
    skewed.route_web_socket(re.compile(r"/ws/sessions/"), swap_points(TAMPERED))
    try:
        with (
            presenter_for(server) as presenter,
            httpx.Client(base_url=server.base_url, timeout=10) as http,
        ):
            login_projector(projector, server)
            expect_projector_live(projector)
            open_join_link(phone, server)
            # A deck with a quiz asks for a nickname first; a name is participant text.
            expect(phone.locator(".nick-form")).to_be_visible(timeout=UI_TIMEOUT_MS)
            expect(phone.locator("#nick-input")).to_be_focused()
            phone.locator("#nick-input").fill("KutJan")
            phone.locator(".nick-send").tap()
            expect(phone.locator(".nick-error")).to_have_text(
                "Die naam is hier niet toegelaten. Kies een andere."
            )
            snap(phone, artifacts_dir / "phone-quiz-nickname-refused-360.png")
            phone.locator("#nick-input").fill("<b>Anna</b>")
            phone.locator(".nick-send").tap()
            expect(phone.locator(".nick-form")).to_have_count(0, timeout=UI_TIMEOUT_MS)
            assert stored(phone, f"rondvraag:name:{server.code}") == "<b>Anna</b>"
            open_join_link(skewed, server)
            skewed.locator("#nick-input").fill("Scheve klok")
            skewed.locator(".nick-send").tap()
            expect(skewed.locator(".nick-form")).to_have_count(0, timeout=UI_TIMEOUT_MS)
            room = [joined(http, server, f"Speler {i}") for i in range(40)]

            presenter.goto("hoofdstad")
            expect_prompt(phone, "Wat is de hoofdstad van België?")
            expect(projector.locator(".quiz-clock")).to_be_visible()
            shown = seconds_shown(projector, ".quiz-clock")
            assert 10 <= shown <= 15, shown
            assert abs(seconds_shown(skewed, ".countdown") - shown) <= 2
            tap_choice(phone, "Brussel")  # the fastest in the room
            expect_received(phone)
            expect(phone.locator(".countdown")).to_be_visible()
            assert 0 < seconds_shown(phone, ".countdown") <= 15
            for i, token in enumerate(room):
                answer = ["brussel", "antwerpen", "gent", "brussel", "luik"][i % 5]
                assert send(http, server, token, "hoofdstad", answer).status_code == 201
            tap_choice(skewed, "Brussel")
            expect_received(skewed)
            # While the clock runs the projector shows how many answered, not what.
            expect(projector.locator(".quiz-answered")).to_have_attribute("data-count", "42")
            expect(projector.locator(".quiz-bar.is-correct")).to_have_count(0)
            snap(phone, artifacts_dir / "phone-quiz-answered-360.png")
            snap(projector, artifacts_dir / "projector-quiz-running-1920.png")

            # Nobody presses anything: the server closes voting at the deadline.
            correct = projector.locator('.quiz-bar.is-correct[data-id="brussel"]')
            expect(correct).to_be_visible(timeout=20_000)
            expect(projector.locator(".quiz-bar.is-correct")).to_have_count(1)
            expect(projector.locator(".quiz-clock")).to_have_attribute("data-seconds", "0")
            fill = correct.locator(".bar-fill")
            expect(fill).to_have_attribute("data-count", "18", timeout=UI_TIMEOUT_MS)
            outcome = phone.locator(".quiz-outcome")
            expect(outcome).to_have_attribute("data-right", "true", timeout=UI_TIMEOUT_MS)
            mine = my_quiz_answer(presenter.client, server, phone)
            expected_points = mine["points"]  # the server's figure, given once the time is up
            assert mine["right"] is True and expected_points == CAPITAL_15.score(mine) > 500
            expect(outcome).to_have_attribute("data-points", str(expected_points))
            expect(outcome).to_contain_text(f"+{expected_points} punten")
            # The room's bars: ✓ marks the right option; the phone's own pick says so in words.
            (picked,) = mine["options"]
            expect(phone.locator(f'.rbar[data-id="{picked}"] .rbar-label')).to_have_text(
                re.compile(r"^✓ \S.* · jouw keuze$")
            )
            # The phone shows the figure the server sent, whatever it is; reloaded, it shows
            # the one its answers come back with when it connects (not swapped: the real one).
            skewed_outcome = skewed.locator(".quiz-outcome")
            expect(skewed_outcome).to_have_attribute("data-points", str(TAMPERED))
            expect(skewed_outcome).to_contain_text(f"+{TAMPERED:,} punten".replace(",", "."))
            skewed_points = my_quiz_answer(presenter.client, server, skewed)["points"]
            assert 500 <= skewed_points < expected_points
            skewed.reload()
            expect(skewed_outcome).to_have_attribute("data-points", str(skewed_points))
            snap(phone, artifacts_dir / "phone-quiz-right-360.png")
            snap(projector, artifacts_dir / "projector-quiz-revealed-1920.png")
            projector.set_viewport_size({"width": 1024, "height": 768})
            snap(projector, artifacts_dir / "projector-quiz-revealed-1024.png")
            projector.set_viewport_size({"width": 1920, "height": 1080})

            presenter.goto("stand")
            rows = projector.locator(".board-row")
            expect(rows).to_have_count(10, timeout=UI_TIMEOUT_MS)
            expect(rows.first).to_have_attribute("data-rank", "1")
            names = [rows.nth(i).get_attribute("data-name") for i in range(10)]
            assert "<b>Anna</b>" in names  # she answered fast and right
            anna = projector.locator('.board-row[data-name="<b>Anna</b>"] .board-name')
            expect(anna).to_have_text("<b>Anna</b>")  # shown as typed, never as markup
            assert projector.locator(".board-name b").count() == 0
            you = phone.locator(".board-you")
            expect(you).to_have_attribute("data-score", str(expected_points))
            rank = int(you.get_attribute("data-rank") or "0")
            board = presenter.client.get(f"/api/sessions/{server.code}/results").json()
            assert (
                next(r for r in board["leaderboard"] if r["name"] == "<b>Anna</b>")["rank"] == rank
            )
            expect(skewed.locator(".board-you")).to_have_attribute("data-score", str(skewed_points))
            snap(phone, artifacts_dir / "phone-leaderboard-360.png")
            snap(projector, artifacts_dir / "projector-leaderboard-1920.png")
            projector.set_viewport_size({"width": 1024, "height": 768})
            snap(projector, artifacts_dir / "projector-leaderboard-1024.png")
    finally:
        close_skewed()


# --- a cluster: every worker watches the deadline, one closes it --------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
async def test_in_a_cluster_the_timer_closes_voting_exactly_once(
    pg_url: str, redis_url: str, server_factory: ServerStarter, tmp_path: Path
) -> None:
    from cluster_helpers import TIMEOUT, Screen, control

    deck = short_deck(tmp_path, 5)
    args = ["--database", pg_url, "--redis", redis_url]
    workers = [server_factory(deck=deck, args=args) for _ in range(3)]
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as http,
        Screen(workers[0]) as a,
        Screen(workers[1]) as b,
        Screen(workers[2]) as c,
    ):
        opened = await control(workers[1], http, action="goto", question="hoofdstad")
        assert opened["voting_open"]
        version = opened["version"]
        closes_at = opened["timer"]["closes_at"]
        await asyncio.sleep(max(closes_at / 1000 - time.time(), 0) + 2.0)
        for screen in (a, b, c):
            await screen.until(lambda s: s.state.get("version", 0) >= version + 1, "closing")
            assert not screen.state["voting_open"]
            assert screen.state["slide"]["correct"] == ["brussel"]
        # Three workers reached the deadline; the compare-and-set let one of them close it.
        for worker in workers:
            state = (await http.get(f"{worker.base_url}/api/sessions/{worker.code}")).json()
            assert state["version"] == version + 1 and not state["voting_open"]
        assert {v for v in a.versions if v > version} == {version + 1}
