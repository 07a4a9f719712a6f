"""The 100-points type (`type: points`): deck keys with FILE:LINE errors, answer checking, the
tally (means over every respondent), exports and the report, the HTTP API's refusals, and in
Chromium a 360 px phone spreading its points by tapping while the projector shows the means.
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
    new_phone_context_page,
    presenter_for,
    snap,
)
from conftest import LiveServer, PageOpener, ServerStarter
from playwright.sync_api import Browser, Page, expect
from test_browser_phone_words import WIDER_THAN_THE_SCREEN
from test_browser_projector_truth import SMALL_TEXT, contrast

from app.domain.errors import AnswerError, DeckError
from app.domain.loader import load_deck, parse_deck
from app.domain.slides.base import LiveCounts
from app.domain.slides.points import Points

DECK_PATH = Path(__file__).resolve().parent / "decks" / "points.yaml"
DECK = load_deck(DECK_PATH)
QUESTION: Points = DECK.question("prioriteiten")
PROMPT = "Waar steken we volgend jaar onze energie in?"
OPTIONS = ["opleiding", "jobcoaching", "mobiliteit", "kinderopvang", "taal"]

# Five people, as a room answers: spread, all on one, only part of the budget.
FIVE = [
    {"opleiding": 50, "jobcoaching": 30, "taal": 20},
    {"kinderopvang": 100},
    {"opleiding": 40, "mobiliteit": 40, "taal": 20},
    {"jobcoaching": 60},  # 40 points left unspent
    {"opleiding": 10, "jobcoaching": 10, "mobiliteit": 10, "kinderopvang": 10, "taal": 10},
]
# Totals 100, 100, 50, 110, 50 over 5 respondents: an option someone gave nothing counts as 0.
FIVE_RESULT = {
    "opleiding": {"total": 100, "mean": 20.0, "count": 3},
    "jobcoaching": {"total": 100, "mean": 20.0, "count": 3},
    "mobiliteit": {"total": 50, "mean": 10.0, "count": 2},
    "kinderopvang": {"total": 110, "mean": 22.0, "count": 2},
    "taal": {"total": 50, "mean": 10.0, "count": 3},
}


# --- the deck ------------------------------------------------------------------------------


def test_test_deck_loads_with_the_defaults_and_the_set_keys() -> None:
    assert [o.id for o in QUESTION.options] == OPTIONS
    assert (QUESTION.budget, QUESTION.step) == (100, 10)
    small = DECK.question("klein")
    assert (small.budget, small.step) == (10, 1)
    view = QUESTION.public()
    assert view["type"] == "points" and view["interactive"] is True
    assert (view["budget"], view["step"]) == (100, 10)
    assert view["options"][4] == {
        "id": "taal",
        "label": "Taalondersteuning (Nederlands op de werkvloer)",
    }


def points_deck(keys: str, options: str = "      - {id: a, label: A}\n      - {id: b, label: B}\n"):
    """A one-question deck: `keys` are the slide's own lines (indented 4), then its options."""
    return (
        "title: T\nslides:\n  - type: points\n    id: q\n    prompt: P\n"
        + keys
        + ("    options:\n" + options if options else "")
    )


@pytest.mark.parametrize(
    ("budget", "step"), [(100, 10), (1000, 100), (30, 3), (10, 1), (5, 1), (1, 1)]
)
def test_the_default_step_is_a_tenth_of_the_budget_and_at_least_1(budget: int, step: int) -> None:
    deck = parse_deck(points_deck(f"    budget: {budget}\n"), filename="deck.yaml")
    assert (deck.question("q").budget, deck.question("q").step) == (budget, step)


A = "      - {id: a, label: A}\n"
AB = A + "      - {id: b, label: B}\n"
BROKEN = [  # (the slide's keys, its options, the problem after "deck.yaml:")
    ("    budget: 0\n", AB, "6: slide 1 (q): 'budget' is 0, must be between 1 and 1000"),
    ("    budget: 5000\n", AB, "6: slide 1 (q): 'budget' is 5000, must be between 1 and 1000"),
    ("    budget: veel\n", AB, "6: slide 1 (q): 'budget' must be a whole number, got str 'veel'"),
    ("    budget: 99.5\n", AB, "6: slide 1 (q): 'budget' must be a whole number, got the number"),
    ("    step: 0\n", AB, "6: slide 1 (q): 'step' is 0, must be between 1 and 100"),
    (
        "    budget: 20\n    step: 25\n",
        AB,
        "7: slide 1 (q): 'step' is 25, must be between 1 and 20",
    ),
    ("    step: true\n", AB, "6: slide 1 (q): 'step' must be a whole number, got true/false"),
    ("    bugdet: 50\n", AB, "6: slide 1 (q): unknown key 'bugdet'"),
    ("", "", "3: slide 1 (q): missing 'options'"),
    ("", A, "6: slide 1 (q): 'options' needs at least 2 entries, has 1"),
    ("", A + "      - {id: a, label: B}\n", "8: slide 1 (q), options[2]: duplicate option id 'a'"),
    ("", A + "      - {id: b, lable: B}\n", "8: slide 1 (q), options[2]: unknown key 'lable'"),
    (
        "",
        A + "      - {id: B!, label: B}\n",
        "8: slide 1 (q), options[2]: id 'B!' must be lowercase",
    ),
    ("", A + "      - {id: b}\n", "8: slide 1 (q), options[2]: missing 'label'"),
]


@pytest.mark.parametrize(("keys", "options", "expected"), BROKEN)
def test_a_broken_points_slide_names_file_line_and_what(
    keys: str, options: str, expected: str
) -> None:
    with pytest.raises(DeckError) as caught:
        parse_deck(points_deck(keys, options), filename="deck.yaml")
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"deck.yaml:{expected}") for p in problems), problems


def test_a_broken_deck_file_is_named_with_its_path_and_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "verdelen.yaml"
    path.write_text(points_deck("    budget: -5\n    step: 0.5\n"), encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:6: slide 1 (q): 'budget' is -5") for p in problems), problems
    assert any(p.startswith(f"{path}:7: slide 1 (q): 'step' must be a whole") for p in problems)


# --- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ({"opleiding": 30, "mobiliteit": 70}, {"opleiding": 30, "mobiliteit": 70}),
        # Zeros may be sent or left out; stored left out, the rest in deck order.
        (
            {"taal": 5, "jobcoaching": 0, "opleiding": 15, "kinderopvang": 0},
            {"opleiding": 15, "taal": 5},
        ),
        ({"kinderopvang": 100}, {"kinderopvang": 100}),  # the whole budget on one
        ({"taal": 1}, {"taal": 1}),  # not all of it need be spent
        ({o: 20 for o in OPTIONS}, {o: 20 for o in OPTIONS}),
    ],
)
def test_valid_answers_are_stored_without_zeros_in_deck_order(raw: Any, stored: Any) -> None:
    checked = QUESTION.check_answer(raw)
    assert checked == stored
    assert list(checked) == [o for o in OPTIONS if o in stored]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"opleiding": 60, "taal": 50}, "110 points given, but the budget is 100: take 10 away"),
        ({"opleiding": 101}, "101 points given, but the budget is 100: take 1 away"),
        (
            {"opleiding": -10, "taal": 50},
            "the points for 'opleiding' are -10; none may be negative",
        ),
        ({"opleiding": 12.5}, "the points for 'opleiding' must be a whole number, got 12.5"),
        ({"opleiding": 10.0}, "the points for 'opleiding' must be a whole number, got 10.0"),
        ({"opleiding": "10"}, "the points for 'opleiding' must be a whole number, got '10'"),
        ({"opleiding": True}, "the points for 'opleiding' must be a whole number, got True"),
        ({"opleiding": None}, "the points for 'opleiding' must be a whole number, got None"),
        ({"fietsen": 10}, "unknown option 'fietsen' for question 'prioriteiten'"),
        ({}, "give at least 1 point to an option"),
        ({"opleiding": 0, "taal": 0}, "give at least 1 point to an option"),
        (["opleiding", "taal"], "the answer must be an object {option_id: points}"),
        ("opleiding", "the answer must be an object {option_id: points}"),
        (100, "the answer must be an object {option_id: points}"),
    ],
)
def test_invalid_answers_are_refused_with_a_clear_sentence(raw: Any, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        QUESTION.check_answer(raw)
    assert str(caught.value) == message


def test_the_budget_of_the_slide_is_the_limit() -> None:
    small = DECK.question("klein")
    assert small.check_answer({"ja": 7, "nee": 3}) == {"ja": 7, "nee": 3}
    with pytest.raises(AnswerError, match="11 points given, but the budget is 10: take 1 away"):
        small.check_answer({"ja": 8, "nee": 3})


# --- tallies ---------------------------------------------------------------------------------


def live_of(question: Points, answers: list[Any]) -> dict[str, Any]:
    """The live result from what a live tally would hold after these stored answers."""
    counts: dict[str, int] = {}
    for answer in answers:
        for item in question.tally_items(answer):
            counts[item] = counts.get(item, 0) + 1
    items = sum(counts.values())
    return question.live_result(LiveCounts(counts, len(answers), [], len(counts), items), 8)


def test_tally_gives_total_and_mean_over_every_respondent() -> None:
    answers = [QUESTION.check_answer(a) for a in FIVE]
    result = QUESTION.tally(answers)
    assert result == {"points": FIVE_RESULT}
    assert list(result["points"]) == OPTIONS  # every option, in deck order
    # The means add up to what the average respondent spent (410 points / 5 people).
    assert sum(s["mean"] for s in result["points"].values()) == 82.0
    assert live_of(QUESTION, answers) == result


def test_means_round_to_two_decimals_and_are_null_without_answers() -> None:
    thirds = [{"opleiding": 100}, {"taal": 100}, {"taal": 50}]
    points = QUESTION.tally(thirds)["points"]
    assert points["opleiding"] == {"total": 100, "mean": 33.33, "count": 1}
    assert points["taal"] == {"total": 150, "mean": 50.0, "count": 2}
    assert points["mobiliteit"] == {"total": 0, "mean": 0.0, "count": 0}
    assert live_of(QUESTION, thirds)["points"] == points
    empty = QUESTION.tally([])["points"]
    assert empty["opleiding"] == {"total": 0, "mean": None, "count": 0}
    assert live_of(QUESTION, []) == {"points": empty}


def test_an_answer_stored_before_the_deck_changed_counts_for_no_option() -> None:
    # The slide was a choice question once (a list), or had an option since removed.
    stale = [["opleiding"], {"fietsen": 40, "taal": 60}, {"taal": 20}]
    result = QUESTION.tally(stale)["points"]
    assert result["taal"] == {"total": 80, "mean": 26.67, "count": 2}
    assert result["opleiding"]["total"] == 0
    assert live_of(QUESTION, stale)["points"] == result


# --- exports and the report -------------------------------------------------------------------


def test_export_rows_carry_each_option_given_points_with_its_label() -> None:
    assert QUESTION.export_items({"opleiding": 50, "taal": 20}) == [
        ("opleiding", "Opleiding en vorming", 50),
        ("taal", "Taalondersteuning (Nederlands op de werkvloer)", 20),
    ]
    # An answer that no longer has this shape is kept whole, as JSON text.
    assert QUESTION.export_items(["opleiding"]) == [("", "", '["opleiding"]')]


def test_summary_rows_have_count_mean_and_total_per_option() -> None:
    rows = QUESTION.summary_items({"responses": 5, "points": FIVE_RESULT})
    assert rows[0] == ("opleiding", "Opleiding en vorming", 3, 20.0, "total:100")
    assert rows[3] == ("kinderopvang", "Kinderopvang", 2, 22.0, "total:110")
    assert [row[0] for row in rows] == OPTIONS


SVG = "{http://www.w3.org/2000/svg}"


def test_report_chart_draws_means_on_the_budget_with_totals_escaped() -> None:
    deck = parse_deck(
        points_deck(
            "    budget: 10\n",
            options="      - {id: a, label: '<b>Vet</b> & co'}\n      - {id: b, label: B}\n",
        ).replace("prompt: P", "prompt: 'Kies <één>'"),
        filename="deck.yaml",
    )
    question = deck.question("q")
    result = {"responses": 3, **question.tally([{"a": 10}, {"a": 5, "b": 5}, {"b": 1}])}
    chart = question.report_part(result, "nl").chart
    assert chart and "<b>" not in chart and "&lt;b&gt;Vet&lt;/b&gt; &amp; co" in chart
    root = ET.fromstring(chart)
    bars = {g.get("data-id"): g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"}
    assert (bars["a"].get("data-mean"), bars["a"].get("data-total")) == ("5.0", "15")
    assert (bars["b"].get("data-mean"), bars["b"].get("data-total")) == ("2.0", "6")
    fills = {
        key: [r for r in g.iter(f"{SVG}rect") if r.get("class") == "bar-fill"]
        for key, g in bars.items()
    }
    widths = {key: float(rects[0].get("width")) for key, rects in fills.items()}
    track = float(next(bars["a"].iter(f"{SVG}rect")).get("width"))
    # Proportional to the mean on a track that stands for the whole budget of 10.
    assert widths == {"a": pytest.approx(track * 0.5), "b": pytest.approx(track * 0.2)}
    text = "".join(root.itertext())
    assert "5,0 · totaal 15" in text
    assert "gemiddeld aantal punten per deelnemer, van 0 tot 10" in text
    english = "".join(ET.fromstring(question.report_part(result, "en").chart).itertext())
    assert "5.0 · total 15" in english and "from 0 to 10" in english
    assert question.report_part({"responses": 0, **question.tally([])}, "nl").empty


def test_report_groups_thousands_in_totals() -> None:
    answers = [{"opleiding": 100}] * 47 + [{"taal": 100}] * 3
    result = {"responses": 50, **QUESTION.tally(answers)}
    text = "".join(ET.fromstring(QUESTION.report_part(result, "nl").chart).itertext())
    assert "94,0 · totaal 4.700" in text


# --- the HTTP API on a real server ------------------------------------------------------------


def joined(http: httpx.Client, server: LiveServer, key: str | None = None) -> str:
    """A new participant; with the QR code's join key, as a full room joins (its own lane)."""
    http.cookies.clear()
    response = http.post(f"/api/sessions/{server.code}/join", json={"key": key} if key else {})
    assert response.status_code == 201, response.text
    return response.json()["participant"]


def send(http: httpx.Client, server: LiveServer, token: str, answer: Any) -> httpx.Response:
    return http.post(
        f"/api/sessions/{server.code}/responses",
        json={"participant": token, "question": "prioriteiten", "answer": answer},
    )


@pytest.fixture
def points_server(server_factory: ServerStarter) -> LiveServer:
    return server_factory(deck=str(DECK_PATH))


def test_api_refuses_bad_answers_with_a_4xx_json_sentence_and_counts_good_ones(
    points_server: LiveServer,
) -> None:
    server = points_server
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        presenter.goto("prioriteiten")
        token = joined(http, server)
        refused = {
            "over": send(http, server, token, {"opleiding": 80, "taal": 30}),
            "negative": send(http, server, token, {"opleiding": -5}),
            "fraction": send(http, server, token, {"opleiding": 2.5}),
            "unknown": send(http, server, token, {"fietsen": 10}),
            "nothing": send(http, server, token, {}),
        }
        for name, response in refused.items():
            assert response.status_code == 400, (name, response.text)
            assert response.headers["content-type"].startswith("application/json")
            assert response.json()["error"] == "invalid_answer", name
        assert refused["over"].json()["detail"] == (
            "110 points given, but the budget is 100: take 10 away"
        )
        assert "none may be negative" in refused["negative"].json()["detail"]
        assert "must be a whole number" in refused["fraction"].json()["detail"]
        assert presenter.results()["prioriteiten"]["responses"] == 0  # nothing was stored

        for answer in FIVE[:-1]:
            response = send(http, server, joined(http, server), answer)
            assert response.status_code == 201, response.text
        unknown_at_zero = send(http, server, token, {**FIVE[-1], "fietsen": 0})
        assert unknown_at_zero.status_code == 400  # an unknown option is refused, even at 0
        backwards = dict(reversed(list(FIVE[-1].items())))
        accepted = send(http, server, token, backwards)
        assert accepted.status_code == 201, accepted.text
        echoed = accepted.json()["answer"]
        assert echoed == FIVE[-1] and list(echoed) == OPTIONS  # normalised: in deck order
        zeros = send(http, server, joined(http, server), {"taal": 0, "opleiding": 100})
        assert zeros.json()["answer"] == {"opleiding": 100}  # stored without the zeros
        assert send(http, server, joined(http, server), {"taal": 0}).status_code == 400
        result = presenter.results()["prioriteiten"]
    assert result["responses"] == 6
    assert result["points"]["opleiding"] == {"total": 200, "mean": 33.33, "count": 4}
    assert result["points"]["taal"] == {"total": 50, "mean": 8.33, "count": 3}


def test_exports_and_report_over_http_show_the_points(points_server: LiveServer) -> None:
    server = points_server
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        presenter.goto("prioriteiten")
        for answer in FIVE:
            assert send(http, server, joined(http, server), answer).status_code == 201
        admin = server.admin_headers()
        answers_csv = http.get(f"/api/sessions/{server.code}/export.csv", headers=admin)
        summary_csv = http.get(
            f"/api/sessions/{server.code}/export.csv?view=summary", headers=admin
        )
        exported = http.get(f"/api/sessions/{server.code}/export.json", headers=admin).json()
        http.post(f"/present/{server.code}/login", data={"token": server.token})
        report = http.get(f"/present/{server.code}/report")
    rows = list(csv.DictReader(io.StringIO(answers_csv.text.lstrip("\ufeff"))))
    ours = [r for r in rows if r["question_id"] == "prioriteiten"]
    assert len(ours) == sum(len(a) for a in FIVE) == 13  # a row per option given points
    first = [r for r in ours if r["participant"] == "P0001"]
    assert [(r["item"], r["item_label"], r["answer"]) for r in first] == [
        ("opleiding", "Opleiding en vorming", "50"),
        ("jobcoaching", "Jobcoaching op de werkvloer", "30"),
        ("taal", "Taalondersteuning (Nederlands op de werkvloer)", "20"),
    ]
    assert {r["type"] for r in ours} == {"points"}
    summary = {
        r["item"]: r
        for r in csv.DictReader(io.StringIO(summary_csv.text.lstrip("\ufeff")))
        if r["question_id"] == "prioriteiten"
    }
    assert list(summary) == OPTIONS
    kinderopvang = summary["kinderopvang"]
    assert (kinderopvang["responses"], kinderopvang["count"]) == ("5", "2")
    assert (float(kinderopvang["percent"]), float(kinderopvang["mean"])) == (40.0, 22.0)
    assert kinderopvang["distribution"] == "total:110"
    result = next(r for r in exported["results"] if r["id"] == "prioriteiten")
    assert result["points"] == FIVE_RESULT
    assert report.status_code == 200
    assert 'data-id="kinderopvang" data-mean="22.0" data-total="110"' in report.text
    assert "22,0" in report.text


# --- Chromium: a 360 px phone taps, the projector shows it live -------------------------------


def option(page: Page, option_id: str):
    return page.locator(f'.points-option[data-id="{option_id}"]')


def tap_plus(page: Page, option_id: str, times: int = 1) -> None:
    for _ in range(times):
        option(page, option_id).locator(".points-plus").tap()


def amount(page: Page, option_id: str):
    return option(page, option_id).locator(".points-input")


def projector_row(page: Page, option_id: str):
    return page.locator(f'.points-row[data-id="{option_id}"]')


@pytest.mark.browser
def test_a_phone_spreads_its_points_by_tapping_and_the_projector_shows_the_means(
    points_server: LiveServer,
    new_phone: PageOpener,
    projector_page: Page,
    artifacts_dir: Path,
) -> None:
    server = points_server
    phone = new_phone()
    projector = projector_page
    with presenter_for(server) as presenter:
        presenter.goto("prioriteiten")
        login_projector(projector, server)
        expect_projector_live(projector)
        expect(projector.locator(".points-scale")).to_have_text(
            "Gemiddeld aantal punten per deelnemer, van 0 tot 100"
        )
        join(phone, server)
        expect_prompt(phone, PROMPT)
        left = phone.locator(".points-left")
        expect(left).to_have_attribute("role", "status")
        expect(left).to_have_text("Nog 100 van 100 punten te verdelen")
        expect(option(phone, "opleiding").locator(".points-minus")).to_have_attribute(
            "aria-disabled", "true"
        )

        tap_plus(phone, "opleiding", 3)
        expect(amount(phone, "opleiding")).to_have_value("30")
        # The live region says what changed and what is left.
        expect(left).to_have_text("Opleiding en vorming: 30. Nog 70 van 100 punten te verdelen")
        option(phone, "opleiding").locator(".points-minus").tap()
        expect(amount(phone, "opleiding")).to_have_value("20")
        # A fine amount is typed.
        amount(phone, "jobcoaching").tap()
        phone.keyboard.type("45")
        expect(left).to_have_text("Nog 35 van 100 punten te verdelen")
        # + fills up to the budget, never past it: 10 + 10 + 10 + 5.
        tap_plus(phone, "taal", 4)
        expect(amount(phone, "taal")).to_have_value("35")
        expect(left).to_have_text(re.compile(r"Alle 100 punten verdeeld$"))
        for option_id in OPTIONS:
            expect(option(phone, option_id).locator(".points-plus")).to_have_attribute(
                "aria-disabled", "true"
            )
        # (Playwright waits for an aria-disabled button to enable: force the tap a person makes.)
        option(phone, "kinderopvang").locator(".points-plus").tap(force=True)
        expect(amount(phone, "kinderopvang")).to_have_value("0")
        # Typing past the budget is shown, and Send says why it will not send.
        amount(phone, "mobiliteit").fill("90")
        expect(left).to_have_text("90 punten te veel: haal er 90 weg")
        expect(left).to_have_class(re.compile(r"\bpoints-left-over\b"))
        snap(phone, artifacts_dir / "phone-points-over-360.png")
        phone.locator(".btn-send").tap()
        expect(phone.locator(".notice-error")).to_have_text(
            "Je gaf meer punten dan je hebt. Haal er eerst wat weg."
        )
        assert presenter.results()["prioriteiten"]["responses"] == 0
        amount(phone, "mobiliteit").fill("0")
        expect(left).to_have_text(re.compile(r"Alle 100 punten verdeeld$"))
        snap(phone, artifacts_dir / "phone-points-form-360.png")
        phone.locator(".btn-send").tap()
        expect_received(phone)
        expect(phone.locator(".points-summary")).to_have_count(3)
        expect(phone.locator(".points-summary").nth(1)).to_have_text(
            "Jobcoaching op de werkvloer45"
        )

        stored = presenter.results()["prioriteiten"]
        assert stored["points"]["opleiding"] == {"total": 20, "mean": 20.0, "count": 1}
        assert stored["points"]["jobcoaching"]["total"] == 45
        assert stored["points"]["taal"]["total"] == 35
        fill = projector_row(projector, "jobcoaching").locator(".points-fill")
        expect(fill).to_have_attribute("data-mean", "45", timeout=UI_TIMEOUT_MS)
        expect(fill).to_have_attribute("data-total", "45")
        expect(projector_row(projector, "jobcoaching").locator(".points-mean")).to_have_text("45,0")
        expect(projector_row(projector, "taal").locator(".points-total")).to_have_text("35")
        expect(projector_row(projector, "mobiliteit").locator(".points-fill")).to_have_attribute(
            "data-mean", "0"
        )

        # A second phone changes the means live: over 2 respondents, 0 where one gave nothing.
        other = new_phone()
        join(other, server)
        expect_prompt(other, PROMPT)
        tap_plus(other, "mobiliteit", 10)
        expect(other.locator(".points-left")).to_have_text(re.compile(r"Alle 100 punten"))
        other.locator(".btn-send").tap()
        expect_received(other)
        expect(fill).to_have_attribute("data-mean", "22.5", timeout=UI_TIMEOUT_MS)
        expect(projector_row(projector, "jobcoaching").locator(".points-mean")).to_have_text("22,5")
        mobility = projector_row(projector, "mobiliteit")
        expect(mobility.locator(".points-fill")).to_have_attribute("data-mean", "50")
        expect(mobility.locator(".points-total")).to_have_text("100")


@pytest.mark.browser
def test_the_form_works_from_the_keyboard_and_names_every_control(
    points_server: LiveServer, phone_page: Page
) -> None:
    server = points_server
    phone = phone_page
    with presenter_for(server) as presenter:
        presenter.goto("prioriteiten")
        join(phone, server)
        expect_prompt(phone, PROMPT)
        # Each amount is a spin button named by its option; each stepper says what it does.
        spin = phone.get_by_role("spinbutton", name="Kinderopvang")
        expect(spin).to_have_count(1)
        expect(phone.get_by_role("button", name="10 punten meer voor Kinderopvang")).to_have_count(
            1
        )
        expect(
            phone.get_by_role("button", name="10 punten minder voor Kinderopvang")
        ).to_have_count(1)
        expect(phone.get_by_role("group", name=PROMPT)).to_have_count(1)
        spin.focus()
        phone.keyboard.press("PageUp")
        phone.keyboard.press("PageUp")
        phone.keyboard.press("ArrowUp")  # a single point
        expect(spin).to_have_value("21")
        expect(phone.get_by_role("status").filter(has_text="punten")).to_have_text(
            "Nog 79 van 100 punten te verdelen"
        )
        # Enter moves on to the next option (not: send half an answer); from the last, to Send.
        phone.keyboard.press("Enter")
        expect(
            phone.get_by_role("spinbutton", name=re.compile("^Taalondersteuning"))
        ).to_be_focused()
        phone.keyboard.type("9")
        phone.keyboard.press("Enter")
        expect(phone.locator(".btn-send")).to_be_focused()
        # The + of a full budget stays reachable (aria-disabled, not disabled) and does nothing.
        phone.get_by_role("spinbutton", name="Opleiding en vorming").fill("70")
        plus = phone.get_by_role("button", name="10 punten meer voor Opleiding en vorming")
        plus.focus()
        expect(plus).to_be_focused()
        expect(plus).to_have_attribute("aria-disabled", "true")
        phone.keyboard.press("Enter")
        expect(phone.get_by_role("spinbutton", name="Opleiding en vorming")).to_have_value("70")
        phone.keyboard.press("Shift+Tab")
        phone.keyboard.press("Shift+Tab")  # − of the same option
        phone.keyboard.press("Space")
        expect(phone.get_by_role("spinbutton", name="Opleiding en vorming")).to_have_value("60")
        phone.locator(".btn-send").focus()
        phone.keyboard.press("Enter")
        expect_received(phone)
        assert presenter.results()["prioriteiten"]["points"]["opleiding"]["total"] == 60
        assert presenter.results()["prioriteiten"]["points"]["taal"]["total"] == 9


SMALL_TARGETS = """() => [...document.querySelectorAll('.points-step, .points-input, .btn-send')]
  .map((node) => node.getBoundingClientRect())
  .filter((box) => box.width < 44 || box.height < 44)
  .map((box) => `${Math.round(box.width)}x${Math.round(box.height)}`)"""


@pytest.mark.browser
@pytest.mark.parametrize(
    ("width", "zoom"), [(360, 1), (320, 1), (160, 2)], ids=["360px", "320px", "320px-200pct"]
)
def test_steppers_fit_a_narrow_phone_with_thumb_sized_targets(
    points_server: LiveServer,
    browser: Browser,
    js_errors: list[str],
    artifacts_dir: Path,
    width: int,
    zoom: int,
) -> None:
    server = points_server
    # 200 % zoom on a 320 px phone lays the page out in 160 CSS pixels.
    close, phone = new_phone_context_page(
        browser,
        js_errors,
        "narrow",
        viewport={"width": width, "height": 640},
        device_scale_factor=2 * zoom,
    )
    try:
        with presenter_for(server) as presenter:
            presenter.goto("prioriteiten")
            join(phone, server)
            expect_prompt(phone, PROMPT)
            tap_plus(phone, "taal", 2)
            expect(amount(phone, "taal")).to_have_value("20")
            assert not phone.evaluate(WIDER_THAN_THE_SCREEN), "the page scrolls sideways"
            assert not phone.evaluate(SMALL_TARGETS), "a target under 44 px"
            # What is left and Send stay on screen while the options scroll past.
            for first in (True, False):
                option(phone, OPTIONS[0 if first else -1]).scroll_into_view_if_needed()
                if first:
                    phone.evaluate("window.scrollBy(0, document.querySelector("
                                   "'.points-option').getBoundingClientRect().top)")  # fmt: skip
                for node in (phone.locator(".points-left"), phone.locator(".btn-send")):
                    box = node.bounding_box()
                    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 640, first
            phone.screenshot(path=artifacts_dir / f"phone-points-{width}-x{zoom}-scrolled.png")
            phone.evaluate("window.scrollTo(0, 0)")
            snap(phone, artifacts_dir / f"phone-points-{width}-x{zoom}.png")
    finally:
        close()


# --- a full room: screenshots of what people see ----------------------------------------------

ROOM = 200
# How much the room cares for each theme (a participant's points lean this way).
LEANING = {"opleiding": 5, "jobcoaching": 3, "mobiliteit": 1.5, "kinderopvang": 4, "taal": 2}


def room_answers(rng: random.Random) -> list[dict[str, int]]:
    """200 realistic answers: in tens, most spend all 100, some keep a part, a few go all-in."""
    answers = []
    for _ in range(ROOM):
        keep = rng.choice([0] * 8 + [10, 20, 50])
        picks = rng.choices(list(LEANING), weights=list(LEANING.values()), k=(100 - keep) // 10)
        answer: dict[str, int] = {}
        for pick in picks:
            answer[pick] = answer.get(pick, 0) + 10
        answers.append(answer)
    return answers


@pytest.fixture
def full_room(points_server: LiveServer) -> Iterator[tuple[Presenter, dict[str, Any]]]:
    """200 participants answered over HTTP; yields the presenter and the server's result."""
    server = points_server
    answers = room_answers(random.Random(10))
    with (
        presenter_for(server) as presenter,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        presenter.goto("prioriteiten")
        key = presenter.client.get(f"{presenter.api}/presenter").json()["presenter"]["join_key"]
        for answer in answers:
            response = send(http, server, joined(http, server, key), answer)
            assert response.status_code == 201, response.text
        result = presenter.results()["prioriteiten"]
        assert result["responses"] == ROOM
        assert result["points"] == QUESTION.tally(answers)["points"]
        yield presenter, result


def drawn_bars(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.points-row[data-id]')].map(row => {
            const fill = row.querySelector('.points-fill');
            return {
                id: row.getAttribute('data-id'),
                mean: Number(fill.getAttribute('data-mean')),
                total: Number(fill.getAttribute('data-total')),
                width: fill.getBoundingClientRect().width,
                track: row.querySelector('.points-track').getBoundingClientRect().width,
                shown: row.querySelector('.points-mean').textContent,
                color: getComputedStyle(fill).backgroundColor,
                page: getComputedStyle(document.body).backgroundColor,
            };
        })"""
    )


@pytest.mark.browser
def test_a_full_room_on_the_projector_phone_and_remote(
    full_room: tuple[Presenter, dict[str, Any]],
    points_server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    server = points_server
    _, result = full_room
    projector = projector_page
    login_projector(projector, server)
    expect_projector_live(projector)
    top = max(OPTIONS, key=lambda o: result["points"][o]["mean"])
    for width, height in [(1920, 1080), (1024, 768)]:
        projector.set_viewport_size({"width": width, "height": height})
        expect(projector_row(projector, top).locator(".points-fill")).to_have_attribute(
            "data-total", str(result["points"][top]["total"]), timeout=UI_TIMEOUT_MS
        )
        projector.wait_for_timeout(900)  # the width transition (0.7 s) runs to its end
        bars = drawn_bars(projector)
        assert [b["id"] for b in bars] == OPTIONS
        assert len({round(b["track"]) for b in bars}) == 1, "tracks of different lengths"
        for bar in bars:
            stats = result["points"][bar["id"]]
            assert (bar["mean"], bar["total"]) == (stats["mean"], stats["total"])
            assert bar["shown"] == f"{stats['mean']:.1f}".replace(".", ",")
            # The track is the whole budget: a mean of 25 fills a quarter of it.
            assert bar["width"] == pytest.approx(bar["track"] * stats["mean"] / 100, abs=1.5)
            assert contrast(bar["color"], bar["page"]) >= 3.0, bar
        assert not projector.evaluate(SMALL_TEXT), f"text under 3 % of {height} px"
        snap(projector, artifacts_dir / f"projector-points-{width}x{height}.png")

    phone = new_phone()
    join(phone, server)
    expect_prompt(phone, PROMPT)
    tap_plus(phone, "kinderopvang", 6)
    tap_plus(phone, "opleiding", 4)
    phone.locator(".btn-send").tap()
    expect_received(phone)
    mine = phone.locator('.rbar[data-id="kinderopvang"]')
    expect(mine).to_have_class(re.compile(r"\brbar-mine\b"), timeout=UI_TIMEOUT_MS)
    expect(mine.locator(".rbar-num")).to_have_text(re.compile(r"^gem\. \d+,\d · jij 60$"))
    snap(phone, artifacts_dir / "phone-points-results-360.png")

    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.goto(f"{server.base_url}/present/{server.code}?remote=1")
    expect(projector_row(remote, top).locator(".points-fill")).to_have_attribute(
        "data-count", re.compile(r"^\d+$"), timeout=UI_TIMEOUT_MS
    )
    remote.wait_for_function(
        "() => Number(document.querySelector('.points-fill').getAttribute('data-total')) > 0"
    )
    remote.wait_for_timeout(900)
    assert not remote.evaluate(WIDER_THAN_THE_SCREEN), "the remote scrolls sideways"
    snap(remote, artifacts_dir / "remote-points-360.png")
