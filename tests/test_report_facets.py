"""The printed report's "split by group" (deck key `segment_by`) and "before and after"
sections, and `/results?by=…&rounds=all` giving each round its groups (issue 11), on crafted
answers sent to a real server: a group of 4 is suppressed everywhere, one of 5 is shown, the
"within noise" sentence comes only where groups' intervals overlap, the paired shift of a
scale asked twice has the figures worked out by hand below, and participant text is escaped.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LiveServer, ServerStarter, servers_in
from playwright.sync_api import Browser

DECK = str(Path(__file__).resolve().parent / "decks" / "facets.yaml")
EVIL = '<script>alert("x")</script> & <b>vet</b>'
HIDDEN = "Geheim-Verborgen-Antwoord 991"
BOSSES = "Werkgever-Antwoord-{}"  # the suppressed group's open answers
NO_LIMITS = {"RONDVRAAG_JOIN_RATE": "0", "RONDVRAAG_VOTE_RATE": "0"}

# Who is in which group: 5 union members (shown), 4 employers (suppressed: min_group is 5),
# 6 of VDAB (shown), and one person who never says (group `_none`, suppressed).
ROLES = ["vakbond"] * 5 + ["werkgevers"] * 4 + ["vdab"] * 6 + [None]
# The scale in round 2 (the current one, which the split shows): on trust the union (mean
# 1.4, t interval 0.72-2.08) and VDAB (4.67) are far apart; on time they overlap.
# Per person, in the order of ROLES: union | employers | VDAB | no role.
TRUST_2 = [*(1, 1, 2, 1, 2), *(3, 3, 3, 3), *(5, 4, 5, 5, 4, 5), 3]
TIME_2 = [*(3, 2, 4, 3, 3), *(3, 3, 3, 3), *(3, 4, 2, 3, 3, 4), 3]
# Round 1, before the discussion: the union trusted one point more (5 moved down), VDAB the
# same (6 stayed), the employers one less (4 moved up); everyone gave time one point less
# (all 15 pairs moved up). The last person answered in round 2 only: not paired.
TRUST_1 = [*(2, 2, 3, 2, 3), *(2, 2, 2, 2), *(5, 4, 5, 5, 4, 5)]
TIME_1 = [t - 1 for t in TIME_2[:15]]


def send(http: httpx.Client, server: LiveServer, token: str, question: str, answer: Any) -> None:
    body = {"participant": token, "question": question, "answer": answer}
    response = http.post(f"/api/sessions/{server.code}/responses", json=body)
    assert response.status_code == 201, response.text


def control(http: httpx.Client, server: LiveServer, body: dict[str, Any]) -> None:
    url = f"/api/sessions/{server.code}/control"
    http.post(url, json=body, headers=server.admin_headers()).raise_for_status()


def fill(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        tokens = []
        for _ in ROLES:
            http.cookies.clear()
            tokens.append(http.post(f"/api/sessions/{server.code}/join").json()["participant"])
        control(http, server, {"action": "goto", "question": "rol"})
        for token, role in zip(tokens, ROLES, strict=True):
            if role:
                send(http, server, token, "rol", role)
        control(http, server, {"action": "goto", "question": "keuze"})
        for token, role in zip(tokens, ROLES, strict=True):
            send(http, server, token, "keuze", "geld" if role == "vdab" else "tijd")
        control(http, server, {"action": "goto", "question": "stellingen"})
        for token, trust, time in zip(tokens, TRUST_1, TIME_1, strict=False):
            send(http, server, token, "stellingen", {"vertrouwen": trust, "tijd": time})
        control(http, server, {"action": "reset"})  # round 2, after the discussion
        for token, trust, time in zip(tokens, TRUST_2, TIME_2, strict=True):
            send(http, server, token, "stellingen", {"vertrouwen": trust, "tijd": time})
        control(http, server, {"action": "goto", "question": "onthouden"})
        for number, (token, role) in enumerate(zip(tokens, ROLES, strict=True)):
            text = {
                "vakbond": f"Vakbond-Antwoord-{number}",
                "werkgevers": BOSSES.format(number),
                "vdab": EVIL if number == 9 else f"VDAB-Antwoord-{number}",
            }.get(role or "", "Zonder-Rol")
            send(http, server, token, "onthouden", HIDDEN if number == 14 else text)
        control(http, server, {"action": "hide_entry", "question": "onthouden", "entry": HIDDEN})


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server on the test deck with the crafted room's answers, for every test here."""
    with servers_in(tmp_path_factory.mktemp("facets")) as start:
        server = start(deck=DECK, env=NO_LIMITS)
        fill(server)
        yield server


def report_html(server: LiveServer) -> str:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        page = http.get(f"/present/{server.code}/report", headers=server.admin_headers())
    assert page.status_code == 200
    return page.text


def section(html: str, question: str) -> str:
    found = re.search(rf'<section[^>]*id="q-{question}".*?</section>', html, re.S)
    assert found, question
    return found.group()


def part(html: str, kind: str) -> str:
    """A question's facet: `groups` or `rounds` ("" if it has none)."""
    found = re.search(
        rf'<div class="facet facet-{kind}">.*?(?=<div class="facet |</section>)', html, re.S
    )
    return found.group() if found else ""


def rows(table_html: str) -> list[list[str]]:
    """A table's body rows as their cells' text (tags out, spaces squeezed)."""
    body = re.findall(r"<tr[^>]*>(.*?)</tr>", table_html, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in body]
    clean = [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row] for row in cells]
    return [row for row in clean if row]


def test_a_group_of_four_is_suppressed_and_one_of_five_shown(room: LiveServer) -> None:
    html = report_html(room)
    scales = part(section(html, "stellingen"), "groups")
    assert "Per groep, volgens het antwoord op “Wie zit er in onze sessie?”" in scales
    lines = rows(scales)
    # A row per statement, then per group: n, mean [95 % CI], median. The union's trust is
    # 1, 1, 2, 1, 2: mean 1.4 with t interval 0.72-2.08, median 1; VDAB's 4.67 (4.12-5.21).
    trust = lines.index(["Er is vertrouwen"])
    time = lines.index(["We nemen er tijd voor"])
    assert lines[trust + 1] == ["Vakbond", "5", "1,4 [0,7–2,1]", "1,0"]
    assert lines[trust + 3] == ["VDAB", "6", "4,7 [4,1–5,2]", "5,0"]
    for start in (trust, time):  # the four employers and the one without a role: no figure
        assert lines[start + 2][1:] == ["minder dan 5 — niet getoond"]
        assert lines[start + 2][0].startswith("Werkgevers")
        assert lines[start + 4] == ["geen antwoord", "minder dan 5 — niet getoond"]

    cards = part(section(html, "onthouden"), "groups")
    assert 'data-group="werkgevers"' not in re.sub(
        r'<p class="suppressed-groups">.*?</p>', "", cards, flags=re.S
    )
    small = re.search(r'<p class="suppressed-groups">(.*?)</p>', cards, re.S).group(1)
    seen = " ".join(re.sub(r"<[^>]+>", " ", small).split())
    assert (
        seen
        == "Werkgevers &lt;b&gt;&amp;&lt;/b&gt; co , geen antwoord : minder dan 5 — niet getoond"
    )
    assert "Werkgever-Antwoord" not in cards  # their words are in the whole room's list only
    assert BOSSES.format(5) in section(html, "onthouden")
    union_card = re.search(r'data-group="vakbond">(.*?)</div>', cards, re.S).group(1)
    assert "5 antwoorden" in union_card and "Vakbond-Antwoord-0" in union_card
    assert 'id="q-rol"' in html and not part(section(html, "rol"), "groups")  # not by itself


def test_within_noise_is_said_only_where_the_groups_intervals_overlap(room: LiveServer) -> None:
    html = report_html(room)
    scales = part(section(html, "stellingen"), "groups")
    noise = [" ".join(n.split()) for n in re.findall(r'<p class="noise">(.*?)</p>', scales, re.S)]
    # Time: the union (3.0, 2.1-3.9) and VDAB (3.2, 2.3-4.0) overlap; trust: far apart.
    assert noise == [
        "We nemen er tijd voor: het verschil tussen Vakbond en VDAB valt binnen de ruis."
    ]
    # Choice: all of the union picked time (Wilson 57-100 %), none of VDAB (0-39 %): no note.
    choice = part(section(html, "keuze"), "groups")
    assert 'class="group-card' in choice and "<svg" in choice
    assert "binnen de ruis" not in choice


def test_before_and_after_only_for_the_question_asked_twice(room: LiveServer) -> None:
    html = report_html(room)
    for question in ("rol", "keuze", "onthouden"):
        assert not part(section(html, question), "rounds"), question
    compared = part(section(html, "stellingen"), "rounds")
    assert "Voor en na: de rondes naast elkaar" in compared
    table = rows(
        re.search(r'<table class="facet-table rounds-table">.*?</table>', compared, re.S).group()
    )
    # Means per round with their t intervals: trust 48/15 = 3.2, then 50/16 = 3.1.
    assert table[0] == ["", "Ronde 1 15 antwoorden", "Ronde 2 16 antwoorden"]
    assert table[1][0] == "Er is vertrouwen" and table[1][1].startswith("3,2 [")
    assert table[1][2].startswith("3,1 [")
    shift = re.search(r'<table class="facet-table shift-table".*?</table>', compared, re.S).group()
    assert 'data-before="1" data-after="2"' in shift
    trust, time = rows(shift)[1:]
    # Trust: 15 pairs, 4 up (27 %, Wilson 11-52), 6 same (40 %), 5 down (33 %); mean change
    # -1/15, its interval holds 0: within noise.
    assert trust[:5] == ["Er is vertrouwen", "15", "27% [11–52]", "40% [20–64]", "33% [15–58]"]
    assert trust[5] == "−0,1 [−0,5–0,4]" and trust[6] == "binnen de ruis"
    # Time: all 15 moved up one point (Wilson 15/15: 80-100 %): a shift, not noise.
    assert time == [
        "We nemen er tijd voor",
        "15",
        "100% [80–100]",
        "0% [0–20]",
        "0% [0–20]",
        "+1,0 [1,0–1,0]",
        "verschuiving",
    ]


def test_participant_text_is_escaped_and_hidden_entries_stay_out(room: LiveServer) -> None:
    html = report_html(room)
    assert "<script>alert" not in html and "<b>vet</b>" not in html and "<b>&</b>" not in html
    cards = part(section(html, "onthouden"), "groups")
    assert "&lt;script&gt;alert(&#34;x&#34;)" in cards  # VDAB's card, as text
    assert "Werkgevers &lt;b&gt;&amp;&lt;/b&gt; co" in cards  # an option label, as text
    assert HIDDEN not in html  # hidden by the presenter: not in any group nor the room's list


def test_results_split_by_group_in_every_round(room: LiveServer) -> None:
    url = f"/api/sessions/{room.code}/results"
    with httpx.Client(base_url=room.base_url, timeout=10) as http:
        body = http.get(url, params={"by": "rol", "rounds": "all"}, headers=room.admin_headers())
    assert body.status_code == 200, body.text
    scales = next(q for q in body.json()["questions"] if q["id"] == "stellingen")
    first, second = scales["rounds"]
    for one in (first, second):
        assert one["segments_by"] == "rol"
        assert one["segments"]["werkgevers"] == {"suppressed": True}
        assert one["segments"]["_none"] == {"suppressed": True}
    assert first["segments"]["vakbond"]["statements"]["vertrouwen"]["mean"] == 2.4
    assert second["segments"]["vakbond"]["statements"]["vertrouwen"]["mean"] == 1.4
    assert second["segments"]["vdab"]["responses"] == 6
    assert "shift" not in first["segments"]["vakbond"]
    union = second["segments"]["vakbond"]["shift"]
    assert union["vertrouwen"]["counts"] == {"up": 0, "same": 0, "down": 5}
    assert union["tijd"]["counts"] == {"up": 5, "same": 0, "down": 0}
    assert second["segments"]["vdab"]["shift"]["vertrouwen"]["counts"]["same"] == 6
    assert second["shift"]["vertrouwen"]["counts"] == {"up": 4, "same": 6, "down": 5}
    assert second["segments_noise"]["tijd"] == [["vakbond", "vdab"]]
    # The open question's groups leave the hidden answer out, in every round.
    words = next(q for q in body.json()["questions"] if q["id"] == "onthouden")
    assert HIDDEN not in str(words["rounds"]) and HIDDEN not in str(words["segments"])


def test_the_english_report_says_it_in_english(
    server_factory: ServerStarter, tmp_path: Path
) -> None:
    deck = tmp_path / "facets-en.yaml"
    text = Path(DECK).read_text(encoding="utf-8").replace("language: nl", "language: en")
    deck.write_text(text, encoding="utf-8")
    server = server_factory(deck=str(deck), env=NO_LIMITS)
    fill(server)
    html = report_html(server)
    scales = part(section(html, "stellingen"), "groups")
    assert "By group, by the answer to “Wie zit er in onze sessie?”" in scales
    assert ["no answer", "fewer than 5 — not shown"] in rows(scales)
    assert ["Vakbond", "5", "1.4 [0.7–2.1]", "1.0"] in rows(scales)
    assert "the difference between Vakbond and VDAB is within noise." in " ".join(scales.split())
    compared = part(section(html, "stellingen"), "rounds")
    assert "Before and after: the rounds side by side" in compared
    assert "within noise" in compared and "a shift" in compared


@pytest.mark.browser
def test_the_facets_print_on_a4(room: LiveServer, browser: Browser, artifacts_dir: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers=room.admin_headers()
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{room.base_url}/present/{room.code}/report")
        page.screenshot(path=str(artifacts_dir / "report-facets.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 740})
        page.screenshot(path=str(artifacts_dir / "report-facets-phone.png"), full_page=True)
        wide = page.evaluate(
            "[...document.querySelectorAll('.facet')].filter(e => e.scrollWidth > e.clientWidth)"
            ".length"
        )
        assert wide == 0  # no table runs off a phone's screen
        page.emulate_media(media="print")
        breaks = page.eval_on_selector_all(
            ".facet", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks == ["page"] * 4  # keuze, stellingen (groups, rounds), onthouden
        page.set_viewport_size({"width": 690, "height": 980})  # A4's text width at 96 dpi
        over = page.eval_on_selector_all(
            ".facet-table",
            "els => els.filter(t => t.scrollWidth > t.closest('.facet').clientWidth + 1).length",
        )
        assert over == 0  # paper does not scroll: every table fits the page's width
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    assert errors == []
    path = artifacts_dir / "report-facets.pdf"
    path.write_bytes(pdf)
    # Each page as an A4 image to look at (pdftoppm, from poppler-utils).
    stem = artifacts_dir / "report-facets-a4"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(stem)], check=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1 + 4 + 4  # the cover, a page per question, one per facet
