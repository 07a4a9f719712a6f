"""The projector splits a full room by group (G), compares rounds (C) and hides an entry (H),
in Chromium (issue 11). A room of 150 fills the reference deck over HTTP; three of its roles
are too small to show. Screenshots land in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import random
import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    Presenter,
    expect_projector_live,
    join,
    login_projector,
    presenter_for,
    snap,
    wait_until,
)
from conftest import LiveServer, PageOpener
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# 150 people: five roles big enough to show, three below min_group (5), four who never said.
ROLES = {"lokaal-bestuur": 48, "vakbond": 30, "vdab": 25, "werkgevers": 22, "derden": 17}
ROLES |= {"vlaamse-overheid": 4, "wsg": 3, "bedrijf": 1}
SILENT = 150 - sum(ROLES.values())
SHOWN = ["lokaal-bestuur", "vakbond", "vdab", "werkgevers", "derden"]
SUPPRESSED = "Minder dan 5: verborgen — Vlaamse overhei…, WSG, Een bedrijf, Andere, "
SUPPRESSED += "Geen antwoord"
STATEMENTS = ["overeenkomst", "expert", "vertrouwen", "klein-beginnen"]
# Where each role leans on each statement (1..5): unions and employers disagree on "vertrouwen".
LEAN = {"vakbond": {"vertrouwen": 4.6, "overeenkomst": 4.2}, "werkgevers": {"vertrouwen": 2.2}}
SIZES = [(1920, 1080), (1024, 768)]


def rating(rng: random.Random, role: str | None, statement: str) -> int:
    centre = LEAN.get(role or "", {}).get(statement, 3.2)
    return min(5, max(1, round(rng.gauss(centre, 0.9))))


class Room:
    """Who answered what: the truth the projector must draw."""

    def __init__(self, presenter: Presenter, tokens: list[str], roles: list[str | None]) -> None:
        self.presenter = presenter
        self.tokens = tokens
        self.roles = roles
        self.ratings: list[dict[str, int]] = []

    def send(self, question: str, answers: list[Any]) -> None:
        for token, answer in zip(self.tokens, answers, strict=True):
            if answer is None:
                continue
            sent = self.presenter.answer_as(token, question, answer)
            assert sent.status_code == 201, sent.text

    def lanes_expected(self) -> dict[tuple[str, str], list[int]]:
        """(group, statement) → the values its members gave."""
        values: dict[tuple[str, str], list[int]] = {}
        for role, answer in zip(self.roles, self.ratings, strict=True):
            for statement, value in answer.items():
                values.setdefault((role or "_none", statement), []).append(value)
        return values


@pytest.fixture
def room(server: LiveServer) -> Iterator[Room]:
    rng = random.Random(11)
    with presenter_for(server) as presenter:
        key = presenter.client.get(f"{presenter.api}/presenter").json()["presenter"]["join_key"]
        roles: list[str | None] = [r for r, n in ROLES.items() for _ in range(n)]
        roles += [None] * SILENT
        rng.shuffle(roles)
        tokens = []
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            for _ in roles:
                http.cookies.clear()
                joined = http.post(f"/api/sessions/{server.code}/join", json={"key": key})
                assert joined.status_code == 201, joined.text
                tokens.append(joined.json()["participant"])
        people = Room(presenter, tokens, roles)
        presenter.goto("rol")
        people.send("rol", roles)
        presenter.goto("stellingen")
        people.ratings = [{s: rating(rng, role, s) for s in STATEMENTS} for role in roles]
        people.send("stellingen", people.ratings)
        yield people


def open_projector(page: Page, server: LiveServer, slide_type: str) -> Page:
    login_projector(page, server)
    expect_projector_live(page)
    expect(page.locator("body")).to_have_attribute("data-slide-type", slide_type)
    return page


def lanes(page: Page) -> list[dict[str, Any]]:
    """Every lane of the split view: its group, statement, what it says and where it draws."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.facet-lane')).map(l => {
            const track = l.querySelector('.facet-lane-track').getBoundingClientRect();
            const dot = l.querySelector('.facet-dot').getBoundingClientRect();
            const whisker = l.querySelector('.facet-whisker');
            return {
                group: l.getAttribute('data-group'),
                statement: l.closest('.facet-panel').getAttribute('data-statement'),
                count: Number(l.getAttribute('data-count')),
                mean: Number(l.getAttribute('data-mean')),
                at: (dot.left + dot.width / 2 - track.left) / track.width,
                low: Number(whisker.getAttribute('data-low')),
                high: Number(whisker.getAttribute('data-high')),
                label: l.querySelector('.facet-lane-label').textContent,
                font: parseFloat(getComputedStyle(l).fontSize),
                bottom: l.getBoundingClientRect().bottom,
                panelBottom: l.closest('.facet-panel').getBoundingClientRect().bottom,
                noteTop: (l.closest('.facet-panel').querySelector('.facet-note:not(:empty)')
                    || {getBoundingClientRect: () => ({top: Infinity})})
                    .getBoundingClientRect().top,
            };
        })"""
    )


def wait_for_lanes(page: Page, count: int, kind: str) -> None:
    page.wait_for_function(
        """([n, kind]) => document.querySelectorAll('.facet-' + kind + ' .facet-lane[data-mean]')
            .length === n""",
        arg=[count, kind],
        timeout=UI_TIMEOUT_MS,
    )
    page.wait_for_timeout(800)  # the dots' move (0.6 s) runs to its end


def text_sizes(page: Page, selector: str) -> list[float]:
    return page.evaluate(
        """s => Array.from(document.querySelectorAll(s))
            .filter(e => e.offsetParent !== null && e.textContent.trim())
            .map(e => parseFloat(getComputedStyle(e).fontSize))""",
        selector,
    )


def test_g_splits_the_scales_by_role_with_true_means_intervals_and_hidden_small_groups(
    room: Room,
    server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    projector = open_projector(projector_page, server, "scales")
    projector.keyboard.press("g")
    wait_for_lanes(projector, len(SHOWN) * len(STATEMENTS), "split")
    split = room.presenter.client.get(f"{room.presenter.api}/results?by=rol").json()
    stellingen = {q["id"]: q for q in split["questions"]}["stellingen"]
    truth = room.lanes_expected()
    for width, height in SIZES:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(400)
        drawn = lanes(projector)
        assert sorted({lane["group"] for lane in drawn}) == sorted(SHOWN)
        assert len(drawn) == len(SHOWN) * len(STATEMENTS)
        for lane in drawn:
            values = truth[(lane["group"], lane["statement"])]
            assert lane["count"] == len(values), lane
            assert lane["mean"] == pytest.approx(statistics.fmean(values), abs=0.006), lane
            # The dot stands at the mean on the 1..5 axis (±0.5 % of the track).
            assert lane["at"] == pytest.approx((lane["mean"] - 1) / 4, abs=0.005), lane
            interval = stellingen["segments"][lane["group"]]["statements"][lane["statement"]]["ci"]
            assert [lane["low"], lane["high"]] == pytest.approx(interval), lane
            assert lane["font"] >= 0.031 * height, (lane, height)
            assert lane["bottom"] <= lane["panelBottom"] + 1, ("lane cut off", lane)
            assert lane["bottom"] <= lane["noteTop"] + 1, ("the note covers a lane", lane)
        for size in text_sizes(projector, ".facet-panel-title, .facet-foot, .facet-title"):
            assert size >= 0.031 * height
        # Small groups: named as hidden, never with a number of people.
        foot = projector.locator(".facet-foot")
        expect(foot).to_have_text(SUPPRESSED)
        for hidden in ["vlaamse-overheid", "wsg", "bedrijf", "andere", "_none"]:
            expect(projector.locator(f'.facet-lane[data-group="{hidden}"]')).to_have_count(0)
        # Unions on trust: apart from every other group, and the screen says so; some other
        # pairs are within noise, and it says that too.
        noise = stellingen["segments_noise"]["vertrouwen"]
        assert noise and not any("vakbond" in pair for pair in noise)
        trust_note = projector.locator('.facet-panel[data-statement="vertrouwen"] .facet-note')
        expect(trust_note).to_contain_text("Verschil: Vakbond met alle andere")
        expect(trust_note).to_contain_text("de rest binnen de ruis")
        snap(projector, artifacts_dir / f"projector-split-stellingen-{width}x{height}.png")
    # The remote mirrors the split (the presenter state carries it) and draws it smaller.
    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.goto(f"{server.base_url}/present/{server.code}?remote=1")
    wait_for_lanes(remote, len(SHOWN) * len(STATEMENTS), "split")
    snap(remote, artifacts_dir / "remote-split-stellingen-360.png")
    # G again: the deck has one choice question, so the split goes off everywhere.
    projector.keyboard.press("g")
    expect(projector.locator(".facet")).to_have_count(0, timeout=UI_TIMEOUT_MS)
    expect(projector.locator(".scales-colbar").first).to_be_visible()
    expect(remote.locator(".facet")).to_have_count(0, timeout=UI_TIMEOUT_MS)


def test_c_shows_rounds_side_by_side_with_the_paired_shift(
    room: Room, server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    presenter = room.presenter
    presenter.control("reset")
    # After the discussion 120 of the 150 answer again, trust one point higher (at most 5).
    again = [{**r, "vertrouwen": min(5, r["vertrouwen"] + 1)} for r in room.ratings[:120]]
    room.send("stellingen", [*again, *[None] * (len(room.tokens) - 120)])
    projector = open_projector(projector_page, server, "scales")
    projector.keyboard.press("c")
    wait_for_lanes(projector, 2 * len(STATEMENTS), "rounds")
    first = [r["vertrouwen"] for r in room.ratings]
    second = [r["vertrouwen"] for r in again]
    moved_up = sum(1 for a, b in zip(first, second, strict=False) if b > a)
    for width, height in SIZES:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(400)
        trust = [lane for lane in lanes(projector) if lane["statement"] == "vertrouwen"]
        assert [lane["group"] for lane in trust] == ["1", "2"]
        assert trust[0]["count"] == 150 and trust[1]["count"] == 120
        assert trust[0]["mean"] == pytest.approx(statistics.fmean(first), abs=0.006)
        assert trust[1]["mean"] == pytest.approx(statistics.fmean(second), abs=0.006)
        for lane in trust:
            assert lane["at"] == pytest.approx((lane["mean"] - 1) / 4, abs=0.005)
            assert lane["font"] >= 0.031 * height
        note = projector.locator('.facet-panel[data-statement="vertrouwen"] .facet-note')
        shift = json.loads(note.get_attribute("data-shift") or "null")
        assert shift["paired"] == 120 and shift["counts"]["up"] == moved_up
        assert shift["counts"]["down"] == 0 and shift["within_noise"] is False
        up = round(100 * moved_up / 120)
        expect(note).to_contain_text(f"↑ {up} %")
        expect(note).to_contain_text("van de 120 die beide keren antwoordden")
        expect(note).to_contain_text(re.compile(r"^Verschoven met \+0,\d: "))
        # Nobody changed "expert": no shift, and the note says it is within noise.
        expert = projector.locator('.facet-panel[data-statement="expert"] .facet-note')
        expect(expert).to_contain_text("= 100 %")
        expect(expert).to_contain_text(re.compile("^Binnen de ruis: "))
        for shown in [note, expert]:  # the whole sentence, never cut off
            assert shown.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            assert shown.evaluate(
                "e => e.getBoundingClientRect().bottom <= "
                "e.closest('.facet-panel').getBoundingClientRect().bottom + 1"
            )
        snap(projector, artifacts_dir / f"projector-rounds-stellingen-{width}x{height}.png")
    projector.keyboard.press("c")
    expect(projector.locator(".facet")).to_have_count(0, timeout=UI_TIMEOUT_MS)


def test_a_type_without_a_split_view_says_so(
    room: Room, server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    room.presenter.goto("drijfveren")
    room.presenter.client.post(
        f"{room.presenter.api}/control", json={"action": "split", "by": "rol"}
    ).raise_for_status()
    projector = open_projector(projector_page, server, "wordcloud")
    note = projector.locator(".facet-none")
    expect(note).to_have_text("Niet per groep: een woordwolk toont de hele zaal")
    assert text_sizes(projector, ".facet-none")[0] >= 0.031 * 1080
    snap(projector, artifacts_dir / "projector-split-wordcloud-1920x1080.png")


RUDE = "stomme vergadering"


def test_h_hides_a_word_on_the_projector_and_the_remote_shows_it_again(
    server: LiveServer,
    projector_page: Page,
    phone_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    with presenter_for(server) as presenter:
        presenter.goto("drijfveren")
        token = join(phone_page, server)
        frames: list[str] = []
        phone_page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda frame: frames.append(frame if isinstance(frame, str) else frame.decode()),
            ),
        )
        phone_page.reload()  # its socket from now on is watched
        expect(phone_page.locator(".text-input").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            others = []
            for _ in range(6):
                http.cookies.clear()
                others.append(http.post(f"/api/sessions/{server.code}/join").json()["participant"])
        for i, other in enumerate(others):
            words = ["vertrouwen", RUDE] if i < 2 else ["vertrouwen", "netwerk"]
            assert presenter.answer_as(other, "drijfveren", words).status_code == 201
        assert presenter.answer_as(token, "drijfveren", ["vertrouwen"]).status_code == 201
        presenter.control("reveal")  # phones see the cloud too
        projector = open_projector(projector_page, server, "wordcloud")
        word = projector.locator(f'.cloud-word[data-entry="{RUDE}"]')
        expect(word).to_be_visible(timeout=UI_TIMEOUT_MS)
        wait_until(phone_page, lambda: any(RUDE in f for f in frames), "the phone's results")
        # ↓ walks the words most mentioned first: vertrouwen (7), netwerk (4), then RUDE (2).
        for _ in range(3):
            projector.keyboard.press("ArrowDown")
        expect(word).to_have_class(re.compile(r"\bentry-selected\b"))
        snap(projector, artifacts_dir / "projector-hide-selected-1920x1080.png")
        seen_before = len(frames)
        projector.keyboard.press("h")
        expect(word).to_have_count(0, timeout=UI_TIMEOUT_MS)
        cloud = presenter.results()["drijfveren"]
        assert RUDE not in cloud["counts"] and cloud["counts"]["netwerk"] == 4
        # Every frame the phone got from then on is without it (the websocket, not the DOM).
        phone_page.wait_for_timeout(1200)
        after = frames[seen_before:]
        assert after and not any(RUDE in frame for frame in after)

        # The remote lists it as hidden, with a button that shows it again.
        remote = new_phone()
        remote.context.add_cookies(projector.context.cookies())
        remote.goto(f"{server.base_url}/present/{server.code}?remote=1")
        hidden = remote.locator(f'.moderate-hidden [data-entry-text="{RUDE}"]')
        expect(hidden).to_be_visible(timeout=UI_TIMEOUT_MS)
        snap(remote, artifacts_dir / "remote-hidden-entry-360.png")
        hidden.locator("button").click()
        expect(word).to_be_visible(timeout=UI_TIMEOUT_MS)
        assert presenter.results()["drijfveren"]["counts"][RUDE] == 2
        # And hidden again from the remote's list, by its own button.
        remote.locator(f'.moderate-item[data-entry-text="{RUDE}"] [data-moderate="hide"]').click()
        expect(word).to_have_count(0, timeout=UI_TIMEOUT_MS)
        # U on the projector shows the last hidden entry again.
        projector.keyboard.press("u")
        expect(word).to_be_visible(timeout=UI_TIMEOUT_MS)


def test_g_on_a_choice_question_draws_each_groups_shares_as_bars(
    room: Room, server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    room.presenter.goto("rol")
    projector = open_projector(projector_page, server, "choice")
    projector.keyboard.press("g")
    heads = projector.locator(".facet-split .facet-table-head")
    expect(heads).to_have_count(len(SHOWN), timeout=UI_TIMEOUT_MS)
    projector.wait_for_timeout(800)  # the bars' growth (0.6 s) runs to its end
    for width, height in SIZES:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(400)
        bars = projector.evaluate(
            """() => Array.from(document.querySelectorAll('.facet-bar-fill')).map(f => ({
                group: f.closest('.facet-cell').getAttribute('data-group'),
                option: f.closest('.facet-cell').getAttribute('data-option'),
                text: f.closest('.facet-cell').textContent,
                count: Number(f.getAttribute('data-count')),
                total: Number(f.getAttribute('data-total')),
                share: f.getBoundingClientRect().width
                    / f.parentElement.getBoundingClientRect().width,
                font: parseFloat(getComputedStyle(f.closest('.facet-cell')).fontSize),
                cut: f.closest('.facet-cell').getBoundingClientRect().bottom
                    > f.closest('.facet-table').getBoundingClientRect().bottom + 1,
            }))"""
        )
        assert {bar["group"] for bar in bars} == set(SHOWN)
        for bar in bars:
            # Split by itself: each group is all of its own option and none of the others.
            own = bar["option"] == bar["group"]
            assert bar["total"] == ROLES[bar["group"]], bar
            assert bar["count"] == (ROLES[bar["group"]] if own else 0), bar
            assert bar["share"] == pytest.approx(1.0 if own else 0.0, abs=0.01), bar
            assert bar["text"] == ("100%" if own else "0%"), bar
            assert bar["font"] >= 0.031 * height and not bar["cut"], bar
        expect(projector.locator(".facet-foot")).to_contain_text(SUPPRESSED)
        snap(projector, artifacts_dir / f"projector-split-rol-{width}x{height}.png")
