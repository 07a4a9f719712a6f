"""The results report: static SVG charts (escaped), the admin-only page, and printing to PDF."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer
from playwright.sync_api import Browser

from app.domain.chart import wrap
from app.domain.loader import parse_deck
from app.domain.slides.wordcloud import layout_cloud
from app.exports import SessionData
from app.ports.store import StoredResponse
from app.report import build_report


def choice_svg(question, result) -> str:
    return question.report_part(result, "nl").chart


def cloud_svg(question, result, language) -> str:
    return question.report_part({"responses": 1, **result}, language).chart


def scales_svg(question, result, language) -> str:
    return question.report_part(result, language).chart


SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & <b>vet</b>'
DECK = parse_deck(
    f"""\
title: Rapport & <proef>
language: nl
slides:
  - type: choice
    id: keuze
    prompt: "Kies <één>"
    multiple: 2
    options:
      - {{ id: a, label: '{EVIL}' }}
      - {{ id: b, label: Een heel lang antwoord dat over meerdere regels moet lopen in de grafiek }}
      - {{ id: c, label: Niemand }}
  - type: scales
    id: schaal
    prompt: Schaal
    scale: {{ min: 1, max: 5, min_label: Oneens, max_label: Eens }}
    statements:
      - {{ id: s1, label: Stelling één }}
      - {{ id: s2, label: Stelling twee }}
  - type: wordcloud
    id: wolk
    prompt: Woorden
  - type: open
    id: open
    prompt: Open
""",
    name="rapport",
)


def data_with(responses: list[tuple[str, str, object, str]]) -> SessionData:
    pseudonyms: dict[str, str] = {}
    stored = [
        StoredResponse(q, 1, who, pseudonyms.setdefault(who, f"P{len(pseudonyms) + 1:04d}"), a, at)
        for q, who, a, at in responses
    ]
    return SessionData(
        code="123456",
        deck=DECK,
        created_at="2024-03-05T08:00:00.000Z",
        rounds={},
        participants=5,
        responses=stored,
    )


def texts(svg: str) -> list[str]:
    """Every text line of a chart, read back with an XML parser (so markup must be escaped)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    found = []
    for text in root.iter(f"{SVG}text"):
        lines = [t for t in text if t.get("x") is not None]  # wrapped lines: one tspan each
        found.append(" ".join("".join(t.itertext()) for t in lines) or "".join(text.itertext()))
    return found


def test_choice_bars_are_proportional_and_labels_escaped() -> None:
    question = DECK.question("keuze")
    result = {"responses": 4, "counts": {"a": 3, "b": 1, "c": 0}}
    svg = str(choice_svg(question, result))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    lines = texts(svg)
    assert EVIL in lines[0]  # the label comes back as text, not markup
    assert "3 · 75%" in lines and "1 · 25%" in lines and "0 · 0%" in lines
    root = ET.fromstring(svg)
    fills = {
        g.get("data-id"): float(rect.get("width"))
        for g in root.iter(f"{SVG}g")
        for rect in g.iter(f"{SVG}rect")
        if rect.get("class") == "bar-fill"
    }
    assert fills["a"] == pytest.approx(3 * fills["b"])
    assert "c" not in fills  # nobody picked it: only the grey track


def test_long_labels_wrap_instead_of_running_off_the_chart() -> None:
    assert wrap("een twee drie vier vijf zes", 10) == ["een twee", "drie vier", "vijf zes"]
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("a b c d e f g h", 3, max_lines=2) == ["a b", "c …"]


def test_word_cloud_is_deterministic_without_overlaps_biggest_word_largest() -> None:
    counts = {f"woord{i}": 30 - i for i in range(30)} | {"<b>&amp;</b>": 1}
    first = layout_cloud(counts)
    assert first == layout_cloud(counts)
    assert {w.word for w in first} == set(counts)
    assert max(first, key=lambda w: w.size).word == "woord0"
    for i, a in enumerate(first):
        for b in first[i + 1 :]:
            apart_x = abs(a.x - b.x) * 2 >= 0.6 * (len(a.word) * a.size + len(b.word) * b.size)
            apart_y = abs(a.y - b.y) * 2 >= 1.2 * (a.size + b.size)
            assert apart_x or apart_y, f"{a.word} overlaps {b.word}"
    svg = str(cloud_svg(DECK.question("wolk"), {"counts": counts}, "nl"))
    assert "<b>&amp;</b>" in texts(svg)


def test_empty_word_cloud_says_so() -> None:
    svg = str(cloud_svg(DECK.question("wolk"), {"counts": {}}, "nl"))
    assert texts(svg) == ["Nog geen antwoorden"]


def test_scales_show_histogram_and_mean_with_a_decimal_comma() -> None:
    question = DECK.question("schaal")
    stats = {
        "s1": {"count": 4, "mean": 3.5, "counts": {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}},
        "s2": {"count": 0, "mean": None, "counts": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}},
    }
    svg = str(scales_svg(question, {"statements": stats}, "nl"))
    lines = texts(svg)
    assert "gemiddelde 3,5" in lines
    assert "1 · Oneens" in lines and "Eens · 5" in lines
    root = ET.fromstring(svg)
    means = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mean"]
    assert [m.get("data-mean") for m in means] == ["3.5"]  # none for the unrated statement
    line = means[0].find(f"{SVG}line")
    # The marker sits between the columns of 3 and 4 (columns are 112 px wide from x=400).
    assert float(line.get("x1")) == pytest.approx(400 + 3.0 * 112)
    english = str(scales_svg(question, {"statements": stats}, "en"))
    assert "mean 3.5" in texts(english)


def test_report_model_has_every_question_participants_and_the_date() -> None:
    data = data_with(
        [
            ("keuze", "x", ["a", "b"], "2024-03-05T09:00:00.000Z"),
            ("keuze", "y", ["a"], "2024-03-05T09:01:00.000Z"),
            ("open", "x", [EVIL], "2024-03-05T09:30:00.000Z"),
        ]
    )
    report = build_report(data)
    assert [q.id for q in report.questions] == ["keuze", "schaal", "wolk", "open"]
    assert report.participants == 5 and report.respondents == 2
    local = datetime(2024, 3, 5, 9, tzinfo=UTC).astimezone()
    assert report.date == f"{local.day} maart 2024"
    keuze = report.questions[0]
    assert keuze.responses == 2 and keuze.chart is not None
    assert report.questions[3].texts == [EVIL] and report.questions[3].chart is None


# --- the page --------------------------------------------------------------------------------


def answer_everything(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        people = []
        for _ in range(3):
            http.cookies.clear()
            people.append(http.post(f"/api/sessions/{server.code}/join").json()["participant"])
        plan = {
            "rol": ["vdab", "vakbond", "vdab"],
            "drijfveren": [["vertrouwen", "tijd"], ["Vertrouwen"], [EVIL[:40]]],
            "stellingen": [{"expert": 4}, {"expert": 2, "vertrouwen": 5}, {"vertrouwen": 4}],
            "onthouden": [EVIL, "Klein beginnen", "Uniek-Rapport-Antwoord 7431"],
        }
        for question, answers in plan.items():
            http.post(
                f"/api/sessions/{server.code}/control",
                json={"action": "goto", "question": question},
                headers=server.admin_headers(),
            ).raise_for_status()
            for person, value in zip(people, answers, strict=True):
                body = {"participant": person, "question": question, "answer": value}
                response = http.post(f"/api/sessions/{server.code}/responses", json=body)
                assert response.status_code == 201, response.text
        http.cookies.clear()
        http.post(f"/api/sessions/{server.code}/join")  # a fourth phone that never answers


def test_report_page_needs_the_admin_and_shows_every_question_escaped(
    server: LiveServer,
) -> None:
    answer_everything(server)
    url = f"/present/{server.code}/report"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        anonymous = http.get(url)
        assert 'name="token"' in anonymous.text  # the login form, no results
        assert "Uniek-Rapport-Antwoord" not in anonymous.text
        assert http.get("/present/999999/report").status_code == 404

        login = http.post(
            f"/present/{server.code}/login", data={"token": server.token}, follow_redirects=False
        )
        assert login.status_code == 303
        page = http.get(url)  # now with the presenter's cookie
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    for prompt in (
        "Wie zit er in onze sessie?",
        "Wat zijn voor jullie de belangrijkste drijfveren",
        "Je mening over volgende stellingen",
        "Welke al dan niet verrassende elementen onthouden jullie uit deze sessie?",
    ):
        assert prompt in html
    assert re.search(r'class="report-participants">4<', html)
    assert re.search(r'class="report-respondents">3<', html)
    today = datetime.now().astimezone()
    assert f"{today.day} " in re.search(r'class="report-date">([^<]+)<', html).group(1)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert "Uniek-Rapport-Antwoord 7431" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)" in html
    assert "<b>vet</b>" not in html


@pytest.mark.browser
def test_report_prints_one_question_per_page(
    server: LiveServer, browser: Browser, artifacts_dir: Path
) -> None:
    answer_everything(server)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers=server.admin_headers()
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.base_url}/present/{server.code}/report")
        assert page.locator("section.question").count() == 4
        assert page.locator("svg.chart").count() == 3
        # The cloud, bars and scales are drawn, not empty boxes.
        assert page.locator("svg.chart").first.bounding_box()["height"] > 200
        assert page.locator(".wall-card", has_text="Uniek-Rapport-Antwoord").count() == 1
        page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)

        page.emulate_media(media="print")
        breaks = page.eval_on_selector_all(
            "section.question", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks == ["page"] * 4
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    assert errors == []
    (artifacts_dir / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 5  # the cover with the facts, then one page per question
