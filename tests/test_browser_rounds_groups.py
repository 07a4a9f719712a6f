"""G and C both on: the projector shows the live question's rounds per group, in Chromium
(issue 11, "rounds compared … also per group"). The room of 150 from test_browser_split fills
the reference deck; after a reset 120 of them answer `stellingen` again, and only the unions
rate trust one point higher. Each group's means per round, intervals and paired shift must be
the server's; the small groups are named once without a count. Screenshots land in
test-artifacts/ for people to look at.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import UI_TIMEOUT_MS, snap
from conftest import LiveServer, PageOpener
from playwright.sync_api import Page, expect
from test_browser_split import SHOWN, SIZES, STATEMENTS, SUPPRESSED, Room, open_projector, room

pytestmark = pytest.mark.browser
__all__ = ["room"]  # the fixture, shared with test_browser_split

AGAIN = 120
MOVER = "vakbond"  # the one group whose trust moves


def second_round(people: Room) -> list[dict[str, int] | None]:
    """The first 120 answer again: the same ratings, but the unions trust one point more."""
    again: list[dict[str, int] | None] = []
    for i, (role, rated) in enumerate(zip(people.roles, people.ratings, strict=True)):
        if i >= AGAIN:
            again.append(None)
        elif role == MOVER:
            again.append({**rated, "vertrouwen": min(5, rated["vertrouwen"] + 1)})
        else:
            again.append(dict(rated))
    return again


def marks(page: Page) -> list[dict[str, Any]]:
    """Every round's mark of every group row: what it says and where it draws."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.facet-round-mark')).map(m => {
            const track = m.parentElement.getBoundingClientRect();
            const dot = m.querySelector('.facet-dot').getBoundingClientRect();
            const panel = m.closest('.facet-panel');
            return {
                group: m.closest('.facet-group-row').getAttribute('data-group'),
                statement: panel.getAttribute('data-statement'),
                round: Number(m.getAttribute('data-round')),
                count: Number(m.getAttribute('data-count')),
                mean: Number(m.getAttribute('data-mean')),
                low: Number(m.getAttribute('data-low')),
                high: Number(m.getAttribute('data-high')),
                visible: !panel.hidden,
                at: (dot.left + dot.width / 2 - track.left) / track.width,
            };
        })"""
    )


def shown_rows(page: Page) -> list[dict[str, Any]]:
    """The group rows on the current page: their text, its size and whether it fits."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.facet-panel:not([hidden]) .facet-group-row')).map(r => {
            const shift = r.querySelector('.facet-group-shift');
            const name = r.querySelector('.facet-lane-name');
            const box = document.querySelector('.facet-pages').getBoundingClientRect();
            return {
                group: r.getAttribute('data-group'),
                statement: r.closest('.facet-panel').getAttribute('data-statement'),
                shift: shift.textContent,
                data: JSON.parse(shift.getAttribute('data-shift')),
                font: Math.min(parseFloat(getComputedStyle(shift).fontSize),
                               parseFloat(getComputedStyle(name).fontSize)),
                // A long group name ends in "…" as in the split view; the shift never does.
                fits: shift.scrollWidth <= shift.clientWidth + 1,
                inside: r.getBoundingClientRect().bottom <= box.bottom + 1,
            };
        })"""
    )


def test_g_and_c_show_each_groups_rounds_and_its_own_shift(
    room: Room,
    server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    presenter = room.presenter
    presenter.control("reset")
    again = second_round(room)
    room.send("stellingen", again)
    projector = open_projector(projector_page, server, "scales")
    projector.keyboard.press("g")
    expect(projector.locator(".facet-split")).to_be_visible(timeout=UI_TIMEOUT_MS)
    projector.keyboard.press("c")
    marks_all = len(SHOWN) * len(STATEMENTS) * 2
    projector.wait_for_function(
        "n => document.querySelectorAll('.facet-round-mark[data-mean]').length === n",
        arg=marks_all,
        timeout=UI_TIMEOUT_MS,
    )
    projector.wait_for_timeout(800)  # the dots' move (0.6 s) runs to its end
    api = presenter.client.get(f"{presenter.api}/results?by=rol&rounds=all").json()
    rounds = {q["id"]: q for q in api["questions"]}["stellingen"]["rounds"]

    truth: dict[tuple[str, str, int], list[int]] = {}
    for number, answers in [(1, room.ratings), (2, again)]:
        for role, answer in zip(room.roles, answers, strict=True):
            for statement, value in (answer or {}).items():
                truth.setdefault((role or "_none", statement, number), []).append(value)
    movers = [
        (first["vertrouwen"], second["vertrouwen"])
        for role, first, second in zip(room.roles, room.ratings, again, strict=True)
        if role == MOVER and second is not None
    ]
    up = sum(1 for a, b in movers if b > a)

    for width, height in SIZES:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(500)
        drawn = marks(projector)
        assert len(drawn) == marks_all
        assert sorted({m["group"] for m in drawn}) == sorted(SHOWN)
        for mark in drawn:
            values = truth[(mark["group"], mark["statement"], mark["round"])]
            assert mark["count"] == len(values), mark
            assert mark["mean"] == pytest.approx(statistics.fmean(values), abs=0.006), mark
            shown = rounds[mark["round"] - 1]["segments"][mark["group"]]
            interval = shown["statements"][mark["statement"]]["ci"]
            assert [mark["low"], mark["high"]] == pytest.approx(interval), mark
            if mark["visible"]:  # the dot stands at the mean on the 1..5 axis
                assert mark["at"] == pytest.approx((mark["mean"] - 1) / 4, abs=0.005), mark
        # Every statement is on some page; the ones on this page fit and are legible.
        box = projector.locator(".facet-rounds-split")
        pages = int(box.get_attribute("data-pages") or "0")
        start = int(box.get_attribute("data-page") or "1") - 1  # pages turn all the time
        seen: set[str] = set()
        for turn in range(pages):
            page = (start + turn) % pages
            rows = shown_rows(projector)
            snap(projector, artifacts_dir / f"projector-rounds-groups-{width}x{height}-p{page}.png")
            assert rows and {r["group"] for r in rows} == set(SHOWN)
            for row in rows:
                assert row["font"] >= 0.031 * height, (row, height)
                assert row["fits"] and row["inside"], ("cut off", row, width)
                own = rounds[1]["segments"][row["group"]]["shift"][row["statement"]]
                assert row["data"] == own, row
                if row["group"] == MOVER and row["statement"] == "vertrouwen":
                    assert own["paired"] == len(movers) and own["counts"]["up"] == up
                    assert own["counts"]["down"] == 0 and not own["within_noise"]
                    pct = round(100 * up / len(movers))
                    assert row["shift"].startswith("+0,") or row["shift"].startswith("+1")
                    assert f"↑ {pct} %" in row["shift"] and f"(n {len(movers)})" in row["shift"]
                else:  # nobody else changed anything
                    assert row["shift"].startswith("≈ binnen de ruis (n "), row
            seen |= {r["statement"] for r in rows}
            foot = projector.locator(".facet-foot")
            expect(foot).to_contain_text(SUPPRESSED)
            if pages > 1:
                said = foot.text_content() or ""
                paged = r"Stelling(en)?\s(\d–)?\d\svan\s4, de rest volgt"
                assert re.search(paged, said), repr(said)
            if turn + 1 < pages:  # the next page comes by itself
                projector.wait_for_function(
                    "p => document.querySelector('.facet-rounds-split').dataset.page === p",
                    arg=str((page + 1) % pages + 1),
                    timeout=15000,
                )
        assert seen == set(STATEMENTS), (seen, width)
        for size in projector.evaluate(
            """() => Array.from(document.querySelectorAll(
                '.facet-title, .facet-foot, .facet-panel:not([hidden]) .facet-panel-title'))
                .map(e => parseFloat(getComputedStyle(e).fontSize))"""
        ):
            assert size >= 0.031 * height
        # The small groups: never a row, never a count.
        for hidden in ["vlaamse-overheid", "wsg", "bedrijf", "andere", "_none"]:
            expect(projector.locator(f'.facet-group-row[data-group="{hidden}"]')).to_have_count(0)

    # The remote mirrors it, all statements one under the other.
    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.goto(f"{server.base_url}/present/{server.code}?remote=1")
    remote.wait_for_function(
        "n => document.querySelectorAll('.facet-round-mark[data-mean]').length === n",
        arg=marks_all,
        timeout=UI_TIMEOUT_MS,
    )
    snap(remote, artifacts_dir / "remote-rounds-groups-360.png")
    # C off: back to the split by group alone.
    projector.keyboard.press("c")
    expect(projector.locator(".facet-split")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(remote.locator(".facet-split")).to_be_visible(timeout=UI_TIMEOUT_MS)


def test_g_and_c_on_a_choice_question_give_each_groups_shares_per_round(
    room: Room, server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    presenter = room.presenter
    presenter.goto("rol")
    presenter.control("reset")
    # 120 answer again; every union member now says "derden" instead.
    second = [
        None if i >= 120 else ("derden" if role == MOVER else role)
        for i, role in enumerate(room.roles)
    ]
    room.send("rol", second)
    projector = open_projector(projector_page, server, "choice")
    projector.keyboard.press("g")
    expect(projector.locator(".facet-split")).to_be_visible(timeout=UI_TIMEOUT_MS)
    projector.keyboard.press("c")
    cells = projector.locator(".facet-round-cell")
    expect(cells.first).to_be_visible(timeout=UI_TIMEOUT_MS)
    api = presenter.client.get(f"{presenter.api}/results?by=rol&rounds=all").json()
    rounds = {q["id"]: q for q in api["questions"]}["rol"]["rounds"]
    for width, height in SIZES:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(400)
        drawn = projector.evaluate(
            """() => Array.from(document.querySelectorAll('.facet-round-share')).map(s => ({
                group: s.parentElement.getAttribute('data-group'),
                option: s.parentElement.getAttribute('data-option'),
                round: Number(s.getAttribute('data-round')),
                count: s.hasAttribute('data-count') ? Number(s.getAttribute('data-count')) : null,
                total: s.hasAttribute('data-total') ? Number(s.getAttribute('data-total')) : null,
                text: s.textContent,
                font: parseFloat(getComputedStyle(s).fontSize),
                fits: s.parentElement.scrollWidth <= s.parentElement.clientWidth + 1,
            }))"""
        )
        # The groups are split by round 2's answers to rol (the newest): shown groups only.
        groups_drawn = {d["group"] for d in drawn}
        for d in drawn:
            group = rounds[d["round"] - 1]["segments"][d["group"]]
            if group.get("suppressed"):
                assert d["count"] is None and d["text"] == "–", d
                continue
            assert d["count"] == group["counts"].get(d["option"], 0), d
            assert d["total"] == group["responses"], d
            assert d["text"] == str(round(100 * d["count"] / d["total"])), d
            assert d["font"] >= 0.031 * height and d["fits"], (d, width)
        for group_id in groups_drawn:
            assert any(not r["segments"][group_id].get("suppressed") for r in rounds), group_id
        expect(projector.locator(".facet-foot")).to_contain_text("Ronde 1 → Ronde 2")
        snap(projector, artifacts_dir / f"projector-rounds-groups-rol-{width}x{height}.png")
    assert [r["round"] for r in rounds] == [1, 2]
