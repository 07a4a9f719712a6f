"""The room reads the open answers wall and the word cloud from the back row, in a real Chromium.

Realistic data, sent over the HTTP API: 182 open answers of up to 280 characters with repeats,
and a word cloud of 60 words counted like a real room (99, 50, 33, 25, … 1 mentions). Looked at
as the projector shows it at 1920×1080, 1280×720 and 1024×768, and on the presenter's 360 px
remote: every answer is reachable and the wall says which ones are up; the biggest words
dominate on a scale that reads right; every word is in a ranked list with its count; no text
that carries content is under 3 % of the screen height.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    Presenter,
    expect_projector_live,
    login_projector,
    presenter_for,
    snap,
)
from conftest import LiveServer
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
NO_LIMITS = {"RONDVRAAG_VOTE_RATE": "0", "RONDVRAAG_JOIN_RATE": "0"}
LEGIBLE = 0.03  # of the screen height: the least a text that carries content may be
PAGER = re.compile(r"^Antwoorden (\d+)–(\d+) van (\d+) · pagina (\d+) van (\d+)")

# --------------------------------------------------------------------------- data

PIECES = [
    "Samenwerken vraagt tijd",
    "vertrouwen groeit door kleine stappen",
    "we moeten vaker bij elkaar binnenlopen",
    "een gedeelde taal is geen luxe",
    "het doel moet van iedereen zijn",
    "durven zeggen wat niet werkt",
    "de burger centraal, niet de organisatie",
    "klein beginnen en dan opschalen",
    "partners kiezen op wat ze bijdragen",
    "evalueren hoort er van bij het begin bij",
    "middelen delen in plaats van dubbel werk",
    "geduld: een netwerk bouw je niet in een jaar",
]
# The same answer from several people (case and spacing differ: it is still the same).
REPEATS = [
    ("Vertrouwen is de basis.", 8),
    ("Samen sterker", 5),
    ("Meer tijd nemen voor elkaar.", 3),
]


def open_answers(total: int = 182) -> list[str]:
    """`total` answers from 10 to 280 characters, the repeats spread through them."""
    rng = random.Random(9)
    repeats = [text for text, n in REPEATS for _ in range(n)]
    unique = total - len(repeats)
    answers: list[str] = []
    for i in range(unique):
        parts = rng.sample(PIECES, rng.randint(1, 7))
        text = f"{i + 1}. " + ", ".join(parts) + "."
        cut = rng.choice([40, 90, 160, 280])
        answers.append(text if len(text) <= cut else text[:cut].rsplit(" ", 1)[0].rstrip(","))
    for n, text in enumerate(repeats):
        variant = text.upper() if n % 4 == 3 else text + ("  " if n % 3 == 1 else "")
        answers.insert(rng.randrange(len(answers) + 1), variant)
    return answers


def zipf_words(count: int = 60) -> dict[str, int]:
    """`count` words mentioned 99/rank times (99, 50, 33, 25, 20, … 2, 1)."""
    stems = [
        "vertrouwen", "samenwerking", "kennis delen", "impact", "netwerk", "efficiëntie",
        "innovatie", "middelen", "burger", "expertise", "leren", "verbinding", "draagvlak",
        "schaalvoordeel", "continuïteit", "slagkracht", "complementariteit", "overleg",
        "gedeeld doel", "nieuwsgierigheid", "respect", "openheid", "durf", "tijdwinst",
        "kwaliteit", "ervaring", "zichtbaarheid", "subsidie", "lobby", "data", "stem",
        "elkaar kennen", "uitwisseling", "inspiratie", "betrokkenheid", "eigenaarschap",
        "wederkerigheid", "maatschappij", "toekomst", "kansen", "mensen", "energie", "plezier",
        "ruimte", "aanbod", "vraag", "regio", "lokaal", "beleid", "praktijk", "onderzoek",
        "partnerschap", "gelijkwaardigheid", "transparantie", "focus", "vakmanschap",
        "veerkracht", "solidariteit", "groei", "duurzaamheid",
    ]  # fmt: skip
    return {stems[rank]: max(1, round(99 / (rank + 1))) for rank in range(count)}


def participants(server: LiveServer, count: int) -> list[str]:
    """`count` participants joined over HTTP, as `count` phones scanning the QR code."""
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        view = http.get(f"/api/sessions/{server.code}/presenter", headers=server.admin_headers())
        key = view.json()["presenter"]["join_key"]
        tokens = []
        for _ in range(count):
            http.cookies.clear()
            joined = http.post(f"/api/sessions/{server.code}/join", json={"key": key})
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["participant"])
    return tokens


def answer_open(server: LiveServer, presenter: Presenter, answers: list[str]) -> list[str]:
    """Each answer from its own participant, in order; the server's list (oldest first)."""
    presenter.goto("onthouden")
    for token, text in zip(participants(server, len(answers)), answers, strict=True):
        assert presenter.answer_as(token, "onthouden", [text]).status_code == 201
    return [str(a) for a in presenter.results()["onthouden"]["answers"]]


def answer_words(server: LiveServer, presenter: Presenter, counts: dict[str, int]) -> None:
    """Words mentioned `counts` times, at most 5 different words a person (the slide's max)."""
    people: list[list[str]] = [[] for _ in range(120)]
    for word, n in counts.items():
        for person in sorted(range(len(people)), key=lambda p: len(people[p]))[:n]:
            people[person].append(word)
    assert max(len(words) for words in people) <= 5
    presenter.goto("drijfveren")
    for token, words in zip(participants(server, len(people)), people, strict=True):
        if words:
            assert presenter.answer_as(token, "drijfveren", words).status_code == 201
    assert presenter.results()["drijfveren"]["counts"] == counts


def ranked_words(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Most mentioned first, ties alphabetical (as the server ranks them)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def group_key(text: str) -> str:
    return " ".join(text.split()).lower()


# --------------------------------------------------------------------------- the page


def open_projector(page: Page, server: LiveServer, size: tuple[int, int]) -> None:
    """The projector at `size`, without motion so a page turn is done when the key is."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(reduced_motion="reduce")
    login_projector(page, server)
    expect_projector_live(page)


VISIBLE_CARDS = """() => {
  const port = document.querySelector(".wall-viewport").getBoundingClientRect();
  return [...document.querySelectorAll(".wall-card")].map((card) => {
    const r = card.getBoundingClientRect();
    const badge = card.querySelector(".wall-count");
    return {
      text: card.querySelector(".wall-text").textContent,
      count: badge.hidden ? 1 : Number(badge.querySelector(".wall-count-n").textContent.slice(1)),
      inside: r.left >= port.left - 1 && r.right <= port.right + 1,
      whole: r.top >= port.top - 1 && r.bottom <= port.bottom + 1,
    };
  }).filter((card) => card.inside);
}"""

# Every element with its own text inside the slide (heading, results), with its font size.
TEXT_SIZES = """(selector) => {
  const out = [];
  for (const node of document.querySelectorAll(selector + " *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    const r = node.getBoundingClientRect();
    if (!own || r.width < 2 || r.height < 2) continue;
    const style = getComputedStyle(node);
    if (style.visibility === "hidden") continue;
    out.push({ text: node.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize) });
  }
  return out;
}"""


def small_texts(page: Page, selector: str, height: int) -> list[dict[str, Any]]:
    texts = page.evaluate(TEXT_SIZES, selector)
    assert texts, f"no text in {selector}"
    return [t for t in texts if t["size"] < LEGIBLE * height]


def pager(page: Page) -> tuple[int, int, int, int, int]:
    text = (page.locator(".wall-pager").text_content() or "").replace("\u00a0", " ")
    match = PAGER.match(text)
    assert match, text
    first, last, total, at, pages = (int(g) for g in match.groups())
    return first, last, total, at, pages


# --------------------------------------------------------------------------- the wall


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_wall_pages_through_every_answer_and_says_which_are_up(
    server_factory, projector_page: Page, artifacts_dir: Path, size: tuple[int, int]
) -> None:
    server = server_factory(env=NO_LIMITS)
    projector = projector_page
    with presenter_for(server) as presenter:
        truth = answer_open(server, presenter, open_answers())
        open_projector(projector, server, size)
        presenter.goto("onthouden")
        expect(projector.locator(".wall-pager")).to_contain_text("van 182", timeout=UI_TIMEOUT_MS)

        groups = Counter(group_key(a) for a in truth)
        assert len(truth) == 182 and groups[group_key("Vertrouwen is de basis.")] == 8
        # Identical answers are one card with a count: 182 answers, 171 cards.
        expect(projector.locator(".wall-card")).to_have_count(len(groups))
        # Screen readers have every answer, also those on pages not up yet.
        expect(projector.get_by_role("list").get_by_role("listitem")).to_have_count(len(groups))
        repeated = projector.locator(".wall-card", has_text="Vertrouwen is de basis.")
        expect(repeated.locator(".wall-count-n")).to_have_text("×8")
        # Newest first while voting is open.
        expect(projector.locator(".wall-text").first).to_have_text(truth[-1])

        first, last, total, at, pages = pager(projector)
        assert (first, total, at) == (1, 182, 1) and pages > 1
        assert pages <= 40  # at the paging size a page holds a fair number of answers
        seen: Counter[str] = Counter()
        expected_first = 1
        for page_number in range(1, pages + 1):
            first, last, total, at, count = pager(projector)
            assert (at, count, total) == (page_number, pages, 182)
            cards = projector.evaluate(VISIBLE_CARDS)
            assert cards, f"page {page_number} is empty"
            # The indicator tells the truth: these answers, counted as the room counts them.
            assert first == expected_first
            assert last - first + 1 == sum(card["count"] for card in cards)
            assert all(card["whole"] for card in cards), "a card is cut off"
            for card in cards:
                seen[group_key(card["text"])] += card["count"]
            too_small = small_texts(projector, "#slide", size[1])
            assert not too_small, too_small
            if page_number == 1:
                snap(projector, artifacts_dir / f"wall-{size[0]}x{size[1]}-page1.png")
            expected_first = last + 1
            projector.keyboard.press("]")
        assert expected_first == 183
        assert seen == groups  # every answer was up once, with its count
        # After the last page the wall starts again with the newest.
        assert pager(projector)[3] == 1
        projector.keyboard.press("[")
        assert pager(projector)[3] == pages
        snap(projector, artifacts_dir / f"wall-{size[0]}x{size[1]}-last-page.png")

        # Voting closed: the most frequent answers come first.
        presenter.control("close")
        expect(projector.locator(".wall-text").first).to_have_text("Vertrouwen is de basis.")
        assert pager(projector)[:2] == (1, pager(projector)[1])


def test_the_wall_turns_its_pages_by_itself_and_the_presenter_can_pause_it(
    server_factory, projector_page: Page, artifacts_dir: Path
) -> None:
    server = server_factory(env=NO_LIMITS)
    projector = projector_page
    projector.clock.install()  # the page's timers, run fast on demand
    with presenter_for(server) as presenter:
        truth = answer_open(server, presenter, open_answers(120))
        open_projector(projector, server, (1024, 768))
        presenter.goto("onthouden")
        expect(projector.locator(".wall-pager")).to_contain_text("van 120", timeout=UI_TIMEOUT_MS)
        assert pager(projector)[3] == 1
        projector.clock.run_for(21_000)  # the longest a page stays up is 20 s
        assert pager(projector)[3] == 2

        projector.keyboard.press("p")
        expect(projector.locator(".wall-pager")).to_contain_text("gepauzeerd")
        projector.clock.run_for(120_000)
        assert pager(projector)[3] == 2
        projector.keyboard.press("]")  # stepping works while paused
        assert pager(projector)[3] == 3
        projector.keyboard.press("P")
        expect(projector.locator(".wall-pager")).not_to_contain_text("gepauzeerd")

        # New answers while a later page is up wait for the wall to come round, and are
        # counted meanwhile; the page people are reading does not change under them.
        before = projector.evaluate(VISIBLE_CARDS)
        late = ["Net binnen: samenwerken is een werkwoord.", "En nog een laatste gedachte."]
        for token, text in zip(participants(server, 2), late, strict=True):
            assert presenter.answer_as(token, "onthouden", [text]).status_code == 201
        expect(projector.locator(".wall-pager")).to_contain_text("+2 nieuw")
        assert projector.evaluate(VISIBLE_CARDS) == before
        pages = pager(projector)[4]
        for _ in range(pages):
            if pager(projector)[3] == 1:
                break
            projector.clock.run_for(21_000)
        first, _, total, at, _ = pager(projector)
        assert (first, total, at) == (1, 122, 1)
        texts = projector.locator(".wall-text")
        expect(texts.nth(0)).to_have_text(late[1])
        expect(texts.nth(1)).to_have_text(late[0])
        assert len(truth) == 120
        snap(projector, artifacts_dir / "wall-1024x768-after-new-answers.png")


def test_the_wall_says_plainly_when_older_answers_are_beyond_what_it_holds(
    server_factory, projector_page: Page, artifacts_dir: Path
) -> None:
    server = server_factory(env=NO_LIMITS)
    projector = projector_page
    with presenter_for(server) as presenter:
        truth = answer_open(server, presenter, [f"Antwoord {i}: kort." for i in range(530)])
        open_projector(projector, server, (1920, 1080))
        presenter.goto("onthouden")
        # The projector holds the newest 500 of 530 (app/live.py), and says so.
        pager_text = projector.locator(".wall-pager")
        expect(pager_text).to_contain_text("van de nieuwste 500", timeout=UI_TIMEOUT_MS)
        expect(pager_text).to_contain_text("530 in totaal")
        expect(projector.locator(".wall-card")).to_have_count(500)
        expect(projector.locator(".wall-text").first).to_have_text(truth[-1])
        assert re.match(r"^Antwoorden 1–\d+ van de nieuwste 500", pager_text.text_content() or "")
        snap(projector, artifacts_dir / "wall-1920x1080-beyond-500.png")


# --------------------------------------------------------------------------- the word cloud

CLOUD_WORDS = """() => [...document.querySelectorAll(".cloud-word")].map((w) => {
  const r = w.getBoundingClientRect();
  return { word: w.textContent, count: Number(w.dataset.count), size: parseFloat(w.style.fontSize),
           left: r.left, top: r.top, right: r.right, bottom: r.bottom };
})"""

RANKED = """() => [...document.querySelectorAll(".cloud-list .cloud-item")].map((li) => {
  const r = li.getBoundingClientRect();
  const port = li.closest(".cloud-list-port").getBoundingClientRect();
  return { word: li.querySelector(".cloud-item-word").textContent,
           count: Number(li.querySelector(".cloud-item-count").textContent),
           visible: r.width > 2 && r.left >= port.left - 1 && r.right <= port.right + 1 };
})"""


def settled_cloud(page: Page) -> list[dict[str, Any]]:
    """The words once the layout has stopped changing."""
    expect(page.locator('.cloud-word[data-count="99"]')).to_have_count(1, timeout=UI_TIMEOUT_MS)
    words = page.evaluate(CLOUD_WORDS)
    for _ in range(20):
        page.wait_for_timeout(300)
        again = page.evaluate(CLOUD_WORDS)
        if again == words:
            return words
        words = again
    return words


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_biggest_words_dominate_and_every_word_is_in_the_ranked_list(
    server_factory, projector_page: Page, artifacts_dir: Path, size: tuple[int, int]
) -> None:
    server = server_factory(env=NO_LIMITS)
    projector = projector_page
    counts = zipf_words()
    with presenter_for(server) as presenter:
        answer_words(server, presenter, counts)
        open_projector(projector, server, size)
        presenter.goto("drijfveren")
        words = settled_cloud(projector)
    height = size[1]
    by_count = sorted(words, key=lambda w: -w["count"])
    top = by_count[0]
    assert top["word"] == "vertrouwen" and top["count"] == 99
    # The top word dominates: at least 12 % of the screen height (Mentimeter-like).
    assert top["size"] >= 0.12 * height, (top, height)
    # Size grows with the count, on a scale read by area: size ∝ √count above the floor.
    for a, b in itertools.pairwise(by_count):
        assert a["size"] >= b["size"], (a, b)
    floor = min(w["size"] for w in words)
    assert floor >= LEGIBLE * height
    for w in words:
        if w["size"] > floor + 1:
            expected = top["size"] * (w["count"] / 99) ** 0.5
            assert abs(w["size"] - expected) <= 1, (w, expected)
    # No two words overlap, all inside the cloud (none cut off).
    area = projector.locator(".cloud").bounding_box()
    assert area is not None
    for w in words:
        assert area["x"] - 1 <= w["left"] and w["right"] <= area["x"] + area["width"] + 1, w
        assert area["y"] - 1 <= w["top"] and w["bottom"] <= area["y"] + area["height"] + 1, w
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, (a["word"], b["word"])
    # The words it could not fit are counted, not silently dropped.
    missing = len(counts) - len(words)
    more = projector.locator(".cloud-more")
    if missing:
        least = max(counts[w] for w in counts if w not in {x["word"] for x in words})
        expect(more).to_have_text(
            f"Nog {missing} woorden niet getoond (elk hooguit {least}× genoemd)"
            if missing > 1
            else f"Nog 1 woord niet getoond ({least}× genoemd)"
        )
    else:
        expect(more).to_be_hidden()
    too_small = small_texts(projector, "#slide", height)
    assert not too_small, too_small
    snap(projector, artifacts_dir / f"cloud-{size[0]}x{size[1]}.png")

    # The text alternative: every word with its count, in order, for screen readers always.
    ranked = projector.get_by_role("list", name="Alle woorden, meest genoemd eerst")
    expect(ranked.get_by_role("listitem")).to_have_count(len(counts))
    items = projector.evaluate(RANKED)
    assert [(i["word"], i["count"]) for i in items] == ranked_words(counts)
    assert not any(i["visible"] for i in items)  # out of sight until asked for
    # W shows it on the projector, paged with [ and ] when long, every word legible.
    projector.keyboard.press("w")
    expect(projector.locator(".cloud-listbox")).to_be_visible()
    expect(projector.locator(".cloud")).to_be_hidden()
    shown: set[str] = set()
    for _ in range(10):
        items = projector.evaluate(RANKED)
        shown |= {i["word"] for i in items if i["visible"]}
        too_small = small_texts(projector, ".cloud-listbox", height)
        assert not too_small, too_small
        if len(shown) == len(counts):
            break
        projector.keyboard.press("]")
    assert shown == set(counts)
    projector.keyboard.press("[")
    snap(projector, artifacts_dir / f"cloud-{size[0]}x{size[1]}-ranked-list.png")
    projector.keyboard.press("W")
    expect(projector.locator(".cloud")).to_be_visible()


# --------------------------------------------------------------------------- the remote


def open_remote(browser: Browser, server: LiveServer) -> Page:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="nl-BE"
    )
    page = context.new_page()
    login_projector(page, server)
    expect_projector_live(page)
    page.goto(f"{server.base_url}/present/{server.code}?remote=1")
    expect_projector_live(page)
    return page


def test_the_remote_lists_every_word_and_every_answer_at_360_px(
    server_factory, browser: Browser, artifacts_dir: Path
) -> None:
    server = server_factory(env=NO_LIMITS)
    counts = zipf_words()
    with presenter_for(server) as presenter:
        answer_words(server, presenter, counts)
        truth = answer_open(server, presenter, open_answers())
        remote = open_remote(browser, server)
        try:
            presenter.goto("drijfveren")
            # 60 words do not fit a phone's cloud: the ranked list is shown instead.
            listbox = remote.locator(".cloud-listbox")
            expect(listbox).to_be_visible(timeout=UI_TIMEOUT_MS)
            expect(listbox.locator(".cloud-item")).to_have_count(len(counts))
            items = remote.evaluate(RANKED)
            assert [(i["word"], i["count"]) for i in items] == ranked_words(counts)
            snap(remote, artifacts_dir / "remote-360-cloud.png")

            presenter.goto("onthouden")
            expect(remote.locator(".wall-pager")).to_have_text("Alle 182 antwoorden")
            groups = Counter(group_key(a) for a in truth)
            expect(remote.locator(".wall-card")).to_have_count(len(groups))
            snap(remote, artifacts_dir / "remote-360-wall.png")
        finally:
            remote.context.close()


def test_reduced_motion_stops_the_walls_and_the_clouds_animations(
    server_factory, projector_page: Page
) -> None:
    server = server_factory(env=NO_LIMITS)
    projector = projector_page
    with presenter_for(server) as presenter:
        answer_words(server, presenter, {"vertrouwen": 3, "samen": 1})
        answer_open(server, presenter, ["Eén antwoord."])
        login_projector(projector, server)
        expect_projector_live(projector)
        durations = """(selector) => getComputedStyle(document.querySelector(selector))
            .transitionDuration.split(",").map(parseFloat)"""
        for slide, selectors in (
            ("drijfveren", [".cloud-word", ".cloud-list"]),
            ("onthouden", [".wall", ".wall-card"]),
        ):
            presenter.goto(slide)
            for selector in selectors:
                expect(projector.locator(selector).first).to_be_attached(timeout=UI_TIMEOUT_MS)
                projector.emulate_media(reduced_motion="no-preference")
                assert max(projector.evaluate(durations, selector)) > 0, selector
                projector.emulate_media(reduced_motion="reduce")
                assert max(projector.evaluate(durations, selector)) == 0, selector
