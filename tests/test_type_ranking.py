"""The ranking type (`type: ranking`): its deck keys and their errors with FILE:LINE, answer
checking, the Borda tally with its tie order, exports, the report chart, the HTTP API, and a
phone in Chromium that ranks by tapping while the projector shows the bars live.

Borda, as docs/decks.md says: with n options a first place gives n points, a last 1, an
unranked option 0; an option's score is its points averaged over all respondents.
"""

from __future__ import annotations

import csv
import io
import random
import re
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
    expect_received,
    join,
    login_projector,
    presenter_for,
    snap,
)
from conftest import REPO_ROOT, LiveServer, PageOpener
from playwright.sync_api import Page, expect
from test_browser_projector_truth import SMALL_TEXT, contrast

from app.domain.errors import AnswerError, DeckError
from app.domain.loader import load_deck, parse_deck
from app.domain.slides.base import LiveCounts
from app.domain.slides.ranking import Ranking
from app.exports import ANSWER_COLUMNS, SUMMARY_COLUMNS, SessionData, render
from app.ports.store import StoredResponse
from app.report import build_report

DECK_PATH = "tests/decks/ranking.yaml"
DECK = load_deck(REPO_ROOT / DECK_PATH)
PRIO = DECK.question("prioriteiten")
TOP3 = DECK.question("top3")
HEAD = "title: T\nslides:\n"
SVG = "{http://www.w3.org/2000/svg}"

# Four people rank the five priorities; two rank only a few (the others score 0 from them).
PRIO_ANSWERS = [
    ["vertrouwen", "middelen", "opvolging", "communicatie", "data"],
    ["middelen", "vertrouwen", "data"],
    ["vertrouwen", "opvolging"],
    ["middelen"],
]
# Points (n = 5): vertrouwen 5+4+5 = 14, middelen 4+5+5 = 14, opvolging 3+4 = 7,
# data 1+3 = 4, communicatie 2; divided by all 4 respondents.
PRIO_RANKING = [
    {"id": "vertrouwen", "score": 3.5, "first": 2, "count": 3},  # ties middelen: deck order
    {"id": "middelen", "score": 3.5, "first": 2, "count": 3},
    {"id": "opvolging", "score": 1.75, "first": 0, "count": 2},
    {"id": "data", "score": 1.0, "first": 0, "count": 2},
    {"id": "communicatie", "score": 0.5, "first": 0, "count": 1},
]


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckError) as caught:
        parse_deck(text, filename="deck.yaml")
    return [str(p) for p in caught.value.problems]


def ranking_yaml(extra: str = "", options: int = 3) -> str:
    listed = "".join(f"      - {{ id: o{i}, label: Optie {i} }}\n" for i in range(1, options + 1))
    return (
        HEAD + "  - type: ranking\n    id: r\n    prompt: P\n" + extra + "    options:\n" + listed
    )


# --- the deck ------------------------------------------------------------------------------------


def test_the_test_deck_loads_with_max_ranked_defaulting_to_every_option() -> None:
    assert isinstance(PRIO, Ranking) and isinstance(TOP3, Ranking)
    assert PRIO.max_ranked == 5 and TOP3.max_ranked == 3
    view = TOP3.public()
    assert view["type"] == "ranking"
    assert view["max_ranked"] == 3
    assert [o["id"] for o in view["options"]][:3] == ["ocmw", "vdab", "vakbond"]
    assert "notes" not in view


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            HEAD + "  - type: ranking\n    id: r\n    prompt: P\n",
            "deck.yaml:3: slide 1 (r): missing 'options'",
        ),
        (
            ranking_yaml(options=1),
            "deck.yaml:6: slide 1 (r): 'options' needs at least 2 entries, has 1",
        ),
        (
            ranking_yaml(options=13),
            "deck.yaml:6: slide 1 (r): 'options' has 13 entries, a ranking takes at most 12",
        ),
        (
            ranking_yaml("    max_ranked: 4\n"),
            "deck.yaml:6: slide 1 (r): 'max_ranked' is 4, must be between 1 and 3",
        ),
        (
            ranking_yaml("    max_ranked: 0\n"),
            "deck.yaml:6: slide 1 (r): 'max_ranked' is 0, must be between 1 and 3",
        ),
        (
            ranking_yaml("    max_ranked: twee\n"),
            "deck.yaml:6: slide 1 (r): 'max_ranked' must be a whole number, got str 'twee'",
        ),
        (
            ranking_yaml("    max_rank: 2\n"),
            "deck.yaml:6: slide 1 (r): unknown key 'max_rank'",
        ),
        (
            HEAD + "  - type: ranking\n    id: r\n    prompt: P\n    options:\n"
            "      - { id: a, label: A }\n      - { id: a, label: B }\n",
            "deck.yaml:8: slide 1 (r), options[2]: duplicate option id 'a'",
        ),
        (
            HEAD + "  - type: ranking\n    id: r\n    prompt: P\n    options:\n"
            "      - { id: a, label: A }\n      - id: b\n        lable: B\n",
            "deck.yaml:9: slide 1 (r), options[2]: unknown key 'lable'",
        ),
        (
            HEAD + "  - type: ranking\n    id: r\n    prompt: P\n    options:\n"
            "      - { id: a, label: A }\n      - { id: Groot, label: B }\n",
            "deck.yaml:8: slide 1 (r), options[2]: id 'Groot' must be lowercase letters",
        ),
        (
            HEAD + "  - type: ranking\n    id: r\n    options:\n"
            "      - { id: a, label: A }\n      - { id: b, label: B }\n",
            "deck.yaml:3: slide 1 (r): missing 'prompt'",
        ),
    ],
    ids=[
        "no-options",
        "one-option",
        "13-options",
        "max-too-high",
        "max-zero",
        "max-not-number",
        "typo",
        "duplicate-id",
        "option-typo",
        "bad-id",
        "no-prompt",
    ],
)
def test_deck_errors_name_file_and_line(yaml_text: str, expected: str) -> None:
    problems = problems_of(yaml_text)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_broken_deck_file_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "kapot.yaml"
    broken.write_text(
        "title: Kapot\nslides:\n"
        "  - type: ranking\n"
        "    id: volgorde\n"
        "    prompt: Rangschik\n"
        "    max_ranked: 7\n"
        "    options:\n"
        "      - { id: a, label: A }\n"
        "      - { id: b }\n",
        encoding="utf-8",
    )
    with pytest.raises(DeckError) as caught:
        load_deck(broken)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        f"{broken}:6: slide 1 (volgorde): 'max_ranked' is 7, must be between 1 and 2",
        f"{broken}:9: slide 1 (volgorde), options[2]: missing 'label'",
    ]


# --- answers -------------------------------------------------------------------------------------


def test_a_ranking_is_kept_in_the_order_given() -> None:
    assert PRIO.check_answer(["data", "vertrouwen"]) == ["data", "vertrouwen"]
    full = ["communicatie", "data", "middelen", "opvolging", "vertrouwen"]
    assert PRIO.check_answer(full) == full
    assert TOP3.check_answer(["zorg", "ocmw", "vdab"]) == ["zorg", "ocmw", "vdab"]


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (PRIO, "vertrouwen", "the answer must be a list of option ids, best first"),
        (PRIO, {"vertrouwen": 1}, "the answer must be a list of option ids, best first"),
        (PRIO, ["vertrouwen", 2], "the answer must be a list of option ids, best first"),
        (PRIO, [], "rank at least one option"),
        (PRIO, ["vertrouwen", "geld"], "unknown option 'geld' for question 'prioriteiten'"),
        (
            PRIO,
            ["data", "middelen", "data"],
            "option 'data' is ranked twice; each option has one place",
        ),
        (TOP3, ["ocmw", "vdab", "zorg", "jeugd"], "rank at most 3 options, got 4"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_sentence(
    question: Ranking, raw: Any, message: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        question.check_answer(raw)
    assert str(caught.value) == message


# --- tally ---------------------------------------------------------------------------------------


def test_borda_scores_average_over_all_respondents_with_unranked_options_at_zero() -> None:
    answers = [PRIO.check_answer(a) for a in PRIO_ANSWERS]
    assert PRIO.tally(answers) == {"ranking": PRIO_RANKING}


def test_the_worked_example_of_the_docs_holds() -> None:
    """docs/decks.md and docs/protocol.md show these figures."""
    answers = [["vertrouwen", "middelen", "opvolging"], ["middelen", "vertrouwen"], ["vertrouwen"]]
    assert PRIO.tally(answers)["ranking"] == [
        {"id": "vertrouwen", "score": 4.67, "first": 2, "count": 3},
        {"id": "middelen", "score": 3.0, "first": 1, "count": 2},
        {"id": "opvolging", "score": 1.0, "first": 0, "count": 1},
        {"id": "communicatie", "score": 0.0, "first": 0, "count": 0},
        {"id": "data", "score": 0.0, "first": 0, "count": 0},
    ]


def test_ties_go_to_more_first_places_then_to_deck_order() -> None:
    question = parse_deck(ranking_yaml(), filename="deck.yaml").question("r")
    # o1: 3 + 1 = 4, o2: 2 + 2 = 4, o3: 1 + 3 = 4 points; o1 and o3 each once first.
    result = question.tally([["o1", "o2", "o3"], ["o3", "o2", "o1"]])
    assert [(e["id"], e["score"], e["first"]) for e in result["ranking"]] == [
        ("o1", 2.0, 1),
        ("o3", 2.0, 1),
        ("o2", 2.0, 0),
    ]


def test_a_top_three_scores_on_the_scale_of_all_options() -> None:
    # n = 8 options, max 3 ranked: first 8 points, second 7, third 6, unranked 0.
    result = TOP3.tally([["ocmw", "vdab", "zorg"], ["vdab", "ocmw"], ["zorg"]])
    scores = {e["id"]: (e["score"], e["first"], e["count"]) for e in result["ranking"]}
    assert scores["ocmw"] == (round(15 / 3, 2), 1, 2)
    assert scores["vdab"] == (5.0, 1, 2)
    assert scores["zorg"] == (round(14 / 3, 2), 1, 2)
    assert scores["jeugd"] == (0.0, 0, 0)
    assert [e["id"] for e in result["ranking"]][:3] == ["ocmw", "vdab", "zorg"]


def test_nobody_answered_gives_every_option_zero_in_deck_order() -> None:
    result = PRIO.tally([])
    assert result == {
        "ranking": [{"id": o.id, "score": 0.0, "first": 0, "count": 0} for o in PRIO.options]
    }


def test_the_live_tally_items_give_the_same_result_as_the_stored_answers() -> None:
    answers = [PRIO.check_answer(a) for a in PRIO_ANSWERS]
    items = [item for a in answers for item in PRIO.tally_items(a)]
    assert PRIO.tally_items(answers[1]) == ["middelen@1", "vertrouwen@2", "data@3"]
    counts = {item: items.count(item) for item in items}
    assert PRIO.live_top(30) is None  # every option@rank count: the score needs them all
    live = PRIO.live_result(LiveCounts(counts, len(answers), [], len(counts), len(items)), 30)
    assert live == {"ranking": PRIO_RANKING}


# --- exports and report --------------------------------------------------------------------------


def session_with(answers: list[list[str]]) -> SessionData:
    responses = [
        StoredResponse("prioriteiten", 1, f"p{i}", f"P{i:04d}", a, f"2024-03-05T09:00:{i:02d}Z")
        for i, a in enumerate(answers, start=1)
    ]
    return SessionData(
        code="123456",
        deck=DECK,
        created_at="2024-03-05T08:00:00.000Z",
        rounds={},
        participants=len(answers) + 1,
        responses=responses,
    )


def csv_rows(data: SessionData, fmt: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    text = render(data, fmt).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == columns
    return [dict(zip(columns, row, strict=True)) for row in rows[1:]]


def test_the_answers_csv_has_a_row_per_ranked_option_with_its_place() -> None:
    data = session_with(PRIO_ANSWERS)
    rows = [r for r in csv_rows(data, "csv", ANSWER_COLUMNS) if r["participant"] == "P0002"]
    assert [(r["item"], r["item_label"], r["answer"]) for r in rows] == [
        ("middelen", "Gedeelde middelen en budget", "1"),
        ("vertrouwen", "Vertrouwen tussen de partners", "2"),
        ("data", "Gegevens delen tussen diensten", "3"),
    ]
    assert {r["type"] for r in rows} == {"ranking"}


def test_the_summary_csv_lists_options_by_score_with_counts_and_first_places() -> None:
    data = session_with(PRIO_ANSWERS)
    rows = [
        r for r in csv_rows(data, "summary", SUMMARY_COLUMNS) if r["question_id"] == "prioriteiten"
    ]
    assert [
        (r["item"], r["responses"], r["count"], r["percent"], r["mean"], r["distribution"])
        for r in rows
    ] == [
        ("vertrouwen", "4", "3", "75", "3.5", "first:2"),
        ("middelen", "4", "3", "75", "3.5", "first:2"),
        ("opvolging", "4", "2", "50", "1.75", "first:0"),
        ("data", "4", "2", "50", "1", "first:0"),
        ("communicatie", "4", "1", "25", "0.5", "first:0"),
    ]


def bars_of(svg: str) -> dict[str, dict[str, Any]]:
    """Each bar of a ranking chart: its data attributes, fill width and texts."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "bar":
            continue
        fill = [r for r in group.iter(f"{SVG}rect") if r.get("class") == "bar-fill"]
        found[group.get("data-id")] = {
            "score": float(group.get("data-score")),
            "first": int(group.get("data-first")),
            "count": int(group.get("data-count")),
            "width": float(fill[0].get("width")) if fill else 0.0,
            "text": " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text")),
        }
    return found


def test_the_report_chart_draws_scores_on_a_scale_from_zero_to_n() -> None:
    data = session_with(PRIO_ANSWERS)
    report = build_report(data)
    page = next(q for q in report.questions if q.id == "prioriteiten")
    assert page.responses == 4 and not page.empty
    bars = bars_of(str(page.chart))
    assert list(bars) == [e["id"] for e in PRIO_RANKING]  # drawn in ranking order
    full = 340  # the track's width: a score of n = 5
    for entry in PRIO_RANKING:
        bar = bars[entry["id"]]
        assert (bar["score"], bar["first"], bar["count"]) == (
            entry["score"],
            entry["first"],
            entry["count"],
        )
        assert bar["width"] == pytest.approx(full * entry["score"] / 5, abs=0.1)
    assert "3,5 · 2× als eerste" in bars["vertrouwen"]["text"]
    assert "1,8 · 0× als eerste" in bars["opvolging"]["text"]  # 1.75 at 1 decimal, Dutch comma
    assert "1. Vertrouwen tussen de partners" in bars["vertrouwen"]["text"]
    english = PRIO.report_part({"responses": 4, **PRIO.tally(PRIO_ANSWERS)}, "en").chart
    assert "3.5 · 2× first" in bars_of(str(english))["middelen"]["text"]


def test_an_unanswered_ranking_is_empty_in_the_report() -> None:
    page = next(q for q in build_report(session_with([])).questions if q.id == "prioriteiten")
    assert page.empty and page.responses == 0
    assert all(bar["width"] == 0 for bar in bars_of(str(page.chart)).values())


# --- the HTTP API --------------------------------------------------------------------------------


@pytest.fixture
def ranking_server(server_factory) -> LiveServer:
    return server_factory(deck=DECK_PATH)


def joined(http: httpx.Client, presenter: Presenter) -> str:
    key = presenter.client.get(f"{presenter.api}/presenter").json()["presenter"]["join_key"]
    http.cookies.clear()
    response = http.post(f"{presenter.api}/join", json={"key": key})
    assert response.status_code == 201, response.text
    return response.json()["participant"]


@pytest.mark.parametrize(
    ("question", "value", "detail"),
    [
        ("prioriteiten", "vertrouwen", "must be a list of option ids"),
        ("prioriteiten", ["vertrouwen", "vertrouwen"], "ranked twice"),
        ("prioriteiten", ["geld"], "unknown option 'geld'"),
        ("prioriteiten", [], "rank at least one option"),
        ("top3", ["ocmw", "vdab", "zorg", "jeugd"], "rank at most 3 options, got 4"),
    ],
)
def test_a_bad_ranking_gets_a_400_json_error_and_is_not_counted(
    ranking_server: LiveServer, question: str, value: Any, detail: str
) -> None:
    with (
        presenter_for(ranking_server) as presenter,
        httpx.Client(base_url=ranking_server.base_url, timeout=10) as http,
    ):
        token = joined(http, presenter)
        presenter.goto(question)
        response = presenter.answer_as(token, question, value)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["error"] == "invalid_answer"
        assert detail in body["detail"]
        assert presenter.results()[question]["responses"] == 0


def test_rankings_sent_over_http_come_back_as_the_borda_result(ranking_server: LiveServer) -> None:
    with (
        presenter_for(ranking_server) as presenter,
        httpx.Client(base_url=ranking_server.base_url, timeout=10) as http,
    ):
        presenter.goto("prioriteiten")
        for answer in PRIO_ANSWERS:
            sent = presenter.answer_as(joined(http, presenter), "prioriteiten", answer)
            assert sent.status_code == 201, sent.text
            assert sent.json()["answer"] == answer
        result = presenter.results()["prioriteiten"]
        assert result["type"] == "ranking"
        assert result["responses"] == 4
        assert result["ranking"] == PRIO_RANKING


# --- in the browser ------------------------------------------------------------------------------

PRIO_PROMPT = "Wat moet volgend jaar eerst aangepakt worden?"
TOP3_PROMPT = "Welke drie partners wil je het liefst aan tafel?"


def option(page: Page, option_id: str):
    return page.locator(f'.rank-option[data-id="{option_id}"]')


def projector_rows(page: Page) -> list[dict[str, Any]]:
    """The projector's ranking rows from top to bottom, with what their bars carry."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.ranking-item'))
            .map(row => {
                const fill = row.querySelector('.ranking-fill');
                const track = row.querySelector('.ranking-track');
                return {
                    id: row.getAttribute('data-id'),
                    top: row.getBoundingClientRect().top,
                    place: row.querySelector('.ranking-place').textContent,
                    score: Number(fill.getAttribute('data-score')),
                    first: Number(fill.getAttribute('data-first')),
                    count: Number(fill.getAttribute('data-count')),
                    shown: row.querySelector('.ranking-score').textContent,
                    firsts: row.querySelector('.ranking-first').textContent,
                    width: fill.getBoundingClientRect().width,
                    track: track.getBoundingClientRect().width,
                    color: getComputedStyle(fill).backgroundColor,
                    page: getComputedStyle(document.body).backgroundColor,
                };
            })
            .sort((a, b) => a.top - b.top)"""
    )


@pytest.mark.browser
def test_a_phone_ranks_by_tapping_and_the_projector_shows_it_live(
    ranking_server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    server = ranking_server
    projector = projector_page
    phone = new_phone()
    with presenter_for(server) as presenter:
        presenter.goto("prioriteiten")
        login_projector(projector, server)
        expect_projector_live(projector)
        expect(projector.locator("body")).to_have_attribute("data-slide-type", "ranking")
        join(phone, server)
        expect_prompt(phone, PRIO_PROMPT)

        send = phone.locator(".btn-send")
        expect(send).to_be_disabled()
        count = phone.locator(".rank-count")
        expect(count).to_have_attribute("role", "status")
        expect(count).to_contain_text("0 van 5 gerangschikt")
        for tapped in ["opvolging", "vertrouwen", "data"]:
            option(phone, tapped).tap()
        expect(option(phone, "opvolging").locator(".rank-badge")).to_have_text("1")
        expect(option(phone, "data")).to_have_attribute("data-rank", "3")
        expect(option(phone, "data")).to_have_attribute("aria-disabled", "true")
        # The place is said in words, and the live counter says what happened.
        expect(option(phone, "vertrouwen")).to_have_accessible_name(
            "Vertrouwen tussen de partners, plaats 2"
        )
        expect(count).to_have_text("Gegevens delen tussen diensten: plaats 3.3 van 5 gerangschikt")
        option(phone, "vertrouwen").tap(force=True)  # already placed (aria-disabled): no change
        expect(count).to_contain_text("3 van 5 gerangschikt")

        phone.locator(".rank-undo").tap()
        expect(option(phone, "data")).not_to_have_attribute("data-rank", "3")
        expect(count).to_contain_text("weg van plaats 3")
        expect(count).to_contain_text("2 van 5 gerangschikt")
        # Keyboard: Tab to an option and press Enter, as without a touch screen.
        option(phone, "middelen").focus()
        phone.keyboard.press("Enter")
        expect(option(phone, "middelen")).to_have_attribute("data-rank", "3")
        snap(phone, artifacts_dir / "phone-ranking-form-360.png")
        send.tap()
        expect_received(phone)
        expect(phone.locator(".summary-rank")).to_have_text(
            [
                "1.Opvolging van de afspraken",
                "2.Vertrouwen tussen de partners",
                "3.Gedeelde middelen en budget",
            ]
        )

        # The projector: opvolging 5, vertrouwen 4, middelen 3 points of 5, one respondent.
        top = projector.locator(".ranking-item").first
        expect(projector.locator('.ranking-item[data-id="opvolging"]')).to_have_attribute(
            "data-rank", "1", timeout=UI_TIMEOUT_MS
        )
        expect(projector.locator('.ranking-item[data-id="opvolging"] .ranking-score')).to_have_text(
            "5,0"
        )
        expect(
            projector.locator('.ranking-item[data-id="middelen"] .ranking-fill')
        ).to_have_attribute("data-score", "3")
        expect(projector.locator('.ranking-item[data-id="opvolging"] .ranking-first')).to_have_text(
            "1× als eerste"
        )
        assert top.get_attribute("data-id") == "vertrouwen"  # deck order in the DOM, moved by CSS
        projector.wait_for_timeout(900)  # bars and rows glide to their places
        rows = projector_rows(projector)
        assert [r["id"] for r in rows] == [
            "opvolging",
            "vertrouwen",
            "middelen",
            "communicatie",
            "data",
        ]
        assert [r["place"] for r in rows] == ["1", "2", "3", "4", "5"]

        # A second phone changes the order live.
        other = new_phone()
        join(other, server)
        expect_prompt(other, PRIO_PROMPT)
        for tapped in ["data", "communicatie", "middelen", "vertrouwen", "opvolging"]:
            option(other, tapped).tap()
        expect(option(other, "vertrouwen")).to_have_attribute("aria-disabled", "true")
        other.locator(".btn-send").tap()
        expect_received(other)
        # data 0+5 = 5 → 2,5; middelen 3+3 = 6 → 3,0; opvolging 5+1 = 6 → 3,0 (more firsts).
        expect(projector.locator('.ranking-item[data-id="data"] .ranking-score')).to_have_text(
            "2,5", timeout=UI_TIMEOUT_MS
        )
        projector.wait_for_timeout(900)
        rows = projector_rows(projector)
        assert [(r["id"], r["score"], r["first"], r["count"]) for r in rows] == [
            ("opvolging", 3.0, 1, 2),
            ("vertrouwen", 3.0, 0, 2),  # 4 + 2; ties middelen on score and firsts: deck order
            ("middelen", 3.0, 0, 2),
            ("data", 2.5, 1, 1),
            ("communicatie", 2.0, 0, 1),
        ]
        assert_bars_are_honest(rows, 5)
        expect(other.locator(".rank-rbar")).to_have_count(5)  # the phone's result view
        snap(other, artifacts_dir / "phone-ranking-results-360.png")


def assert_bars_are_honest(rows: list[dict[str, Any]], n: int) -> None:
    """Each bar is its score's share of the 0…n scale, on one track width for all."""
    for row in rows:
        assert row["width"] == pytest.approx(row["track"] * row["score"] / n, abs=1.5), row
    assert contrast(rows[0]["color"], rows[0]["page"]) >= 3.0, rows[0]


ROOM = 200


@pytest.fixture
def full_room(ranking_server: LiveServer) -> Iterator[tuple[Presenter, list[dict[str, Any]]]]:
    """200 participants rank the priorities (some only their top 2) over the HTTP API."""
    rng = random.Random(10)
    weights = {"vertrouwen": 5, "middelen": 4, "opvolging": 2.5, "communicatie": 1, "data": 1.5}
    with (
        presenter_for(ranking_server) as presenter,
        httpx.Client(base_url=ranking_server.base_url, timeout=10) as http,
    ):
        presenter.goto("prioriteiten")
        answers = []
        for person in range(ROOM):
            left = dict(weights)
            order = []
            while left:
                pick = rng.choices(list(left), list(left.values()))[0]
                order.append(pick)
                del left[pick]
            answers.append(order[:2] if person % 7 == 0 else order)
        for answer in answers:
            sent = presenter.answer_as(joined(http, presenter), "prioriteiten", answer)
            assert sent.status_code == 201, sent.text
        expected = PRIO.tally(answers)["ranking"]
        assert presenter.results()["prioriteiten"]["ranking"] == expected
        yield presenter, expected


@pytest.mark.browser
def test_a_full_room_on_the_projector_at_two_sizes_and_on_the_remote(
    full_room: tuple[Presenter, list[dict[str, Any]]],
    ranking_server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    presenter, expected = full_room
    projector = projector_page
    login_projector(projector, ranking_server)
    expect_projector_live(projector)
    expect(projector.locator("body")).to_have_attribute("data-slide-type", "ranking")
    for width, height in [(1920, 1080), (1024, 768)]:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_function(
            "n => Array.from(document.querySelectorAll('.ranking-fill'))"
            ".reduce((s, f) => s + Number(f.getAttribute('data-count')), 0) === n",
            arg=sum(e["count"] for e in expected),
            timeout=UI_TIMEOUT_MS,
        )
        projector.wait_for_timeout(900)
        rows = projector_rows(projector)
        assert [(r["id"], r["score"], r["first"], r["count"]) for r in rows] == [
            (e["id"], e["score"], e["first"], e["count"]) for e in expected
        ]
        assert [r["shown"] for r in rows] == [
            f"{e['score']:.1f}".replace(".", ",") for e in expected
        ]
        assert [r["firsts"] for r in rows] == [f"{e['first']}× als eerste" for e in expected]
        assert_bars_are_honest(rows, 5)
        assert projector.evaluate(SMALL_TEXT) == []
        snap(projector, artifacts_dir / f"projector-ranking-{width}x{height}.png")
    presenter.control("close")
    expect(projector.locator(".closed-banner")).to_be_visible()
    assert projector.evaluate(SMALL_TEXT) == []
    # The presenter's remote on a phone draws the same bars, smaller.
    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.goto(f"{ranking_server.base_url}/present/{ranking_server.code}?remote=1")
    expect(remote.locator('.ranking-item[data-rank="1"]')).to_have_attribute(
        "data-id", expected[0]["id"], timeout=UI_TIMEOUT_MS
    )
    remote.wait_for_timeout(900)
    assert_bars_are_honest(projector_rows(remote), 5)
    snap(remote, artifacts_dir / "remote-ranking-360.png")


FITS = """() => ({
    width: document.documentElement.scrollWidth,
    small: Array.from(document.querySelectorAll('.answer-form button'))
        .map(b => b.getBoundingClientRect())
        .filter(box => box.width < 44 || box.height < 44)
        .map(box => `${box.width}x${box.height}`),
})"""


@pytest.mark.browser
def test_a_top_three_stops_at_three_and_keeps_the_draft_across_a_reload(
    ranking_server: LiveServer, new_phone: PageOpener, artifacts_dir: Path
) -> None:
    phone = new_phone()
    with presenter_for(ranking_server) as presenter:
        presenter.goto("top3")
        join(phone, ranking_server)
        expect_prompt(phone, TOP3_PROMPT)
        expect(phone.locator(".answer-form .hint").first).to_have_text(
            "Tik je top 3 in volgorde aan, je favoriet eerst."
        )
        for tapped in ["zorg", "ocmw"]:
            option(phone, tapped).tap()
        phone.reload()
        expect_prompt(phone, TOP3_PROMPT)
        expect(option(phone, "ocmw")).to_have_attribute("data-rank", "2")
        option(phone, "jeugd").tap()
        # Full: the rest say they take no more, and focus moves on to Send.
        expect(option(phone, "cultuur")).to_have_attribute("aria-disabled", "true")
        expect(phone.locator(".btn-send")).to_be_focused()
        option(phone, "cultuur").tap(force=True)  # aria-disabled: a tap does nothing
        expect(option(phone, "cultuur")).not_to_have_attribute("data-rank", re.compile(".*"))
        phone.locator(".rank-clear").tap()
        expect(phone.locator(".rank-count")).to_contain_text("0 van 3 gerangschikt")
        expect(phone.locator(".btn-send")).to_be_disabled()
        for tapped in ["vdab", "zorg", "ocmw"]:
            option(phone, tapped).tap()
        snap(phone, artifacts_dir / "phone-ranking-top3-360.png")
        # A 320 px phone, and 360 px at 200 % zoom: nothing runs off the side, every button
        # stays a target of at least 44 × 44 px.
        for width in (320, 180):
            phone.set_viewport_size({"width": width, "height": 740})
            assert phone.evaluate(FITS) == {"width": width, "small": []}
        phone.locator(".btn-send").tap()
        expect_received(phone)
        assert presenter.results()["top3"]["ranking"][:3] == [
            {"id": "vdab", "score": 8.0, "first": 1, "count": 1},
            {"id": "zorg", "score": 7.0, "first": 0, "count": 1},
            {"id": "ocmw", "score": 6.0, "first": 0, "count": 1},
        ]
