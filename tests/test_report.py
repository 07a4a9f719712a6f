"""The results report: static SVG charts (escaped), the admin-only page, and printing to PDF."""

from __future__ import annotations

import io
import json
import random
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, ServerStarter
from playwright.sync_api import Browser
from pypdf import PdfReader
from report_bars import GOLDEN, snapshot
from report_room import NEAR_MISSES, OPEN_ANSWERS, PARTICIPANTS, REPEATS, room

from app.domain.chart import wrap
from app.domain.loader import parse_deck
from app.domain.segments import with_intervals
from app.domain.slides.open_text import answer_key, group_answers, near_identical
from app.domain.slides.wordcloud import layout_cloud
from app.exports import SessionData
from app.ports.store import StoredResponse
from app.report import build_report, css_string
from app.report_pages import PAGE_MM, answer_height, answer_pages, head_height


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


def test_shares_and_means_carry_their_95_percent_intervals() -> None:
    """The report's numbers do not pretend to more precision than the room gives: 81 of 263
    is 31 % [26–37] (Newcombe 1998: 0.2553–0.3662); a mean gets a whisker and its figures."""
    choice = with_intervals({"responses": 263, "counts": {"a": 81, "b": 182, "c": 0}})
    lines = texts(str(choice_svg(DECK.question("keuze"), choice)))
    assert "81 · 31% [26–37]" in lines and "182 · 69% [63–74]" in lines
    assert "0 · 0% [0–1]" in lines
    counts = {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
    result = with_intervals({"statements": {"s1": {"count": 4, "mean": 3.5, "counts": counts}}})
    svg = str(scales_svg(DECK.question("schaal"), result, "nl"))
    low, high = result["statements"]["s1"]["ci"]
    assert (low, high) == pytest.approx((1.44, 5.56), abs=0.01)  # t(3) = 3.182, n = 4
    high = 5  # drawn and written within the scale: a mean cannot leave it
    whisker = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "interval")
    assert (float(whisker.get("data-low")), float(whisker.get("data-high"))) == (low, high)
    xs = sorted(float(line.get("x1")) for line in whisker.iter(f"{SVG}line"))
    assert xs[0] == pytest.approx(400 + (low - 0.5) * 112, abs=0.1)  # columns 112 px from 400
    assert xs[-1] == pytest.approx(400 + (high - 0.5) * 112, abs=0.1)
    assert "95%-interval 1,4–5,0 · mediaan 3,5 · middelste helft 2,8–4,2" in texts(svg)


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
    assert report.questions[3].answers == [(EVIL, 1)] and report.questions[3].chart is None


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
        assert page.locator(".answer", has_text="Uniek-Rapport-Antwoord").count() == 1
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


# --- open answers grouped -------------------------------------------------------------------


def test_identical_answers_group_whatever_their_case_spacing_punctuation_and_accents() -> None:
    assert answer_key("Vertrouwen") == answer_key("vertrouwen!") == answer_key("  vertrouwen ")
    assert answer_key("Meer vertrouwen") == answer_key("Meer  vertrouwen.") == "meer vertrouwen"
    assert answer_key("Teamspirit creëren") == answer_key("TEAMSPIRIT CREEREN")
    assert answer_key("“Het is nooit af”") == answer_key("Het is nooit af.")
    assert answer_key("?") != answer_key("!")  # only punctuation: kept, not all one answer
    assert answer_key("नमस्ते") == "नमस्ते"  # marks of an uncased script are part of it

    groups = group_answers(
        [
            *("vertrouwen!", "Meer vertrouwen", "Vertrouwen", "  vertrouwen ", "Meer  vertrouwen."),
            *("Vertrouwen", "Klein beginnen"),
        ]
    )
    assert [(g.text, g.count, g.spellings) for g in groups] == [
        ("Vertrouwen", 4, 3),  # the most common spelling stands for the group
        ("Meer vertrouwen", 2, 2),  # a tie: the spelling given first
        ("Klein beginnen", 1, 1),
    ]


def test_typos_join_the_common_spelling_but_other_words_stay_apart() -> None:
    def near(a: str, b: str) -> bool:
        return near_identical(a.split(), b.split())

    assert near("samenwerkng", "samenwerking")
    assert near("vertruowen", "vertrouwen")  # two letters swapped
    assert near("klein beginen", "klein beginnen")
    assert not near("het is niet af", "het is nooit af")
    assert not near("geen vertrouwen", "meer vertrouwen")
    assert not near("niet klein beginnen", "klein beginnen")
    assert not near("2023", "2024")  # numbers are not typos
    assert not near("beter", "beste")  # short words: two edits is another word

    answers = ["Samenwerking is een middel, geen doel"] * 3 + [
        "Samenwerkng is een middel, geen doel",
        "Samenwerken is een doel",
        "Het is nooit af",
        "Het is niet af",
    ]
    groups = {g.text: g.count for g in group_answers(answers)}
    assert groups == {
        "Samenwerking is een middel, geen doel": 4,
        "Samenwerken is een doel": 1,
        "Het is nooit af": 1,
        "Het is niet af": 1,
    }


def test_groups_are_sorted_by_count_then_text() -> None:
    answers = ["b", "a", "C", "c", "zeta", "Zeta", "zeta!", "alfa"]
    assert [(g.text, g.count) for g in group_answers(answers)] == [
        ("zeta", 3),
        ("C", 2),
        ("a", 1),
        ("alfa", 1),
        ("b", 1),
    ]


# --- the full room: 213 participants ---------------------------------------------------------

DECK_FILE = Path(__file__).resolve().parent.parent / "questions" / "samenwerking.yaml"
REFERENCE = parse_deck(DECK_FILE.read_text(encoding="utf-8"), name="samenwerking")
WHEN = "2023-06-13T09:30:00.000Z"


def full_room_data() -> SessionData:
    stored = []
    for question_id, answers in room().items():
        question = REFERENCE.question(question_id)
        for who, answer in answers:
            stored.append(
                StoredResponse(
                    question_id, 1, f"p{who}", f"P{who:04d}", question.check_answer(answer), WHEN
                )
            )
    return SessionData(
        code="654321",
        deck=REFERENCE,
        created_at="2023-06-13T08:00:00.000Z",
        rounds={},
        participants=PARTICIPANTS,
        responses=stored,
    )


def test_full_room_report_groups_the_182_open_answers() -> None:
    report = build_report(full_room_data())
    assert report.participants == 213 and report.date == "13 juni 2023"
    rol, drijfveren, stellingen, onthouden = report.questions
    assert (rol.responses, rol.entries) == (201, 0)
    assert drijfveren.responses == 190 and drijfveren.entries == sum(n for _, n in drijfveren.table)
    assert stellingen.responses == 180
    assert (onthouden.responses, onthouden.entries) == (140, OPEN_ANSWERS)

    groups = dict(onthouden.answers)
    assert sum(groups.values()) == OPEN_ANSWERS  # every answer is in exactly one group
    for spellings in REPEATS:
        shown = max(spellings, key=lambda s: spellings[s])
        assert groups[shown] == sum(spellings.values()), shown
        assert not (set(spellings) - {shown}) & set(groups)  # the other spellings are not listed
    for miss in NEAR_MISSES:
        assert groups[miss] == 1, miss
    counts = [n for _, n in onthouden.answers]
    assert counts == sorted(counts, reverse=True)
    ones = [text for text, n in onthouden.answers if n == 1]
    assert ones == sorted(ones, key=lambda t: (answer_key(t), t))

    pages = onthouden.answer_pages
    assert [a for page in pages for a in page] == onthouden.answers  # cut, nothing lost
    assert 2 <= len(pages) <= 6


def test_answer_pages_are_evenly_full_and_fit() -> None:
    answers = [(text, n) for text, n in build_report(full_room_data()).questions[3].answers]
    prompt = REFERENCE.question("onthouden").prompt
    pages = answer_pages(answers, prompt)
    heights = [sum(answer_height(t) for t, _ in page) for page in pages]
    heights[0] += 2 * head_height(prompt, "")  # the head spans both columns
    assert max(heights) / 2 < PAGE_MM[1]  # by the estimate, each page fits its page
    assert min(heights) > 0.75 * max(heights), heights  # and no page is a remainder

    assert len(answer_pages([("kort", 1)] * 10, prompt)) == 1  # what fits stays on one page
    assert answer_pages([], prompt) == []
    rng = random.Random(7)
    long = [(" ".join("woord" for _ in range(rng.randint(5, 45))), 1) for _ in range(300)]
    pages = answer_pages(long, prompt)
    sizes = [sum(answer_height(t) for t, _ in page) for page in pages[1:]]
    assert min(sizes) > 0.75 * max(sizes), sizes


def test_running_head_is_a_css_string_nothing_can_break_out_of() -> None:
    sneaky = 'A "quoted" \\ title </style><script>x</script>;}'
    css = str(css_string(sneaky))
    assert css.startswith('"') and css.endswith('"') and css.count('"') == 2
    assert "<" not in css and ">" not in css and ";" not in css and "}" not in css
    decoded = re.sub(r"\\([0-9a-f]{6}) ", lambda m: chr(int(m.group(1), 16)), css[1:-1])
    assert decoded == sneaky


NO_LIMITS = {"RONDVRAAG_JOIN_RATE": "0", "RONDVRAAG_VOTE_RATE": "0"}


def fill_the_room(server: LiveServer) -> None:
    """213 phones join; the answers of `room()` arrive over HTTP, question by question."""
    api = f"/api/sessions/{server.code}"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        tokens = []
        for _ in range(PARTICIPANTS):
            http.cookies.clear()
            tokens.append(http.post(f"{api}/join").json()["participant"])
        for question, answers in room().items():
            http.post(
                f"{api}/control",
                json={"action": "goto", "question": question},
                headers=server.admin_headers(),
            ).raise_for_status()
            for who, answer in answers:
                body = {"participant": tokens[who], "question": question, "answer": answer}
                response = http.post(f"{api}/responses", json=body)
                assert response.status_code == 201, response.text


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.browser
def test_full_room_report_prints_with_cover_header_page_numbers_and_no_remainder_pages(
    server_factory: ServerStarter, browser: Browser, artifacts_dir: Path
) -> None:
    server = server_factory(env=NO_LIMITS)
    fill_the_room(server)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers=server.admin_headers()
    )
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/present/{server.code}/report")
        page.screenshot(path=str(artifacts_dir / "report-full-room.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    (artifacts_dir / "report-full-room.pdf").write_bytes(pdf)
    texts = page_texts(pdf)
    total = len(texts)
    today = datetime.now().astimezone()
    date = re.search(rf"\b{today.day} \w+ {today.year}\b", texts[0]).group()
    head = f"Samenwerking · {date}"

    cover = texts[0]
    assert "Samenwerking" in cover and date in cover
    assert re.search(r"Deelnemers\s*213", cover)
    for prompt, answered, given in (
        ("Wie zit er in onze sessie?", "201 (94%)", "201"),
        ("belangrijkste drijfveren", "190 (89%)", None),
        ("Je mening over volgende stellingen", "180 (85%)", "180"),
        ("Welke al dan niet verrassende", "140 (66%)", "182"),
    ):
        assert prompt in cover and answered in cover, prompt
        if given:
            assert f"{answered} {given}" in cover, prompt
    assert head not in cover  # the cover carries the title itself

    for number, text in enumerate(texts, start=1):
        assert f"Pagina {number} van {total}" in text, number
        if number > 1:
            assert head in text, number
            assert "Rondvraag · Resultaten" in text, number
        body = [
            line
            for line in text.splitlines()
            if line.strip() and head not in line and "Pagina" not in line
        ]
        assert len(body) >= 8, f"page {number} holds only: {body}"

    open_pages = [t for t in texts if "VRAAG 4 VAN 4" in t]  # the kicker, also on "vervolg"
    assert 2 <= len(open_pages) <= 6, len(open_pages)
    everything = "\n".join(open_pages)
    assert everything.count("Klein beginnen") >= 1 and "9×" in everything
    assert total == 1 + 3 + len(open_pages)


@pytest.mark.browser
def test_english_report_prints_page_x_of_y_and_its_header(
    server_factory: ServerStarter, browser: Browser
) -> None:
    server = server_factory(deck=str(DECK_FILE.parent / "example-en.yaml"))
    api = f"/api/sessions/{server.code}"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        token = http.post(f"{api}/join").json()["participant"]
        for action in ({"action": "goto", "question": "try-next"}, {"action": "open"}):
            control = http.post(f"{api}/control", json=action, headers=server.admin_headers())
            control.raise_for_status()
        body = {"participant": token, "question": "try-next", "answer": ["Pair more", "pair more!"]}
        assert http.post(f"{api}/responses", json=body).status_code == 201
    context = browser.new_context(extra_http_headers=server.admin_headers())
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/present/{server.code}/report")
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    texts = page_texts(pdf)
    assert all(f"Page {n} of {len(texts)}" in t for n, t in enumerate(texts, start=1))
    assert "Sprint 42 retrospective ·" in texts[-1] and "Rondvraag · Results" in texts[-1]
    open_page = next(t for t in texts[1:] if "One thing to try next sprint" in t)  # not cover
    assert re.search(r"2×\s*Pair more", open_page)  # one answer in two spellings, shown once
    assert "pair more!" not in open_page
    assert "Answered by" in texts[0]


def test_the_bar_charts_look_as_they_did_before_they_shared_one_drawing() -> None:
    """Choice, quiz, ranking and points draw their bars with chart.bar_rows: for seeded rooms
    over the reference and example decks every chart is the SVG recorded before, byte for
    byte (tests/golden/report_bars.json; the bars' widths are listed there to read)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = snapshot()
    assert now.keys() == golden.keys()
    assert sum(len(chart["bars"]) for chart in now.values()) > 300
    for key, chart in golden.items():
        assert now[key]["bars"] == chart["bars"], key
        assert now[key]["sha256"] == chart["sha256"], key
