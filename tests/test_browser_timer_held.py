"""The timer and the held entries in a real Chromium (issue 11): the projector and a phone
show the same countdown from the server's time (also after the phone reloads), T starts and
stops it, + adds 30 s, and at zero the server closes voting. A flagged word-cloud entry is
only a masked line on the projector, readable with Approve/Hide on the remote, and reaches
the cloud and the phones once approved (A on the projector)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_projector_live,
    expect_prompt,
    expect_received,
    join,
    login_projector,
    presenter_for,
    snap,
    type_answers,
)
from conftest import LiveServer, PageOpener
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ROL_PROMPT = "Wie zit er in onze sessie?"
CLOUD_PROMPT = re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren")


def seconds(page: Page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-seconds") or "-1")


def test_phone_and_projector_count_down_alike_and_the_server_closes_at_zero(
    server: LiveServer, projector_page: Page, phone_page: Page, artifacts_dir: Path
) -> None:
    projector, phone = projector_page, phone_page
    with presenter_for(server) as presenter:
        login_projector(projector, server)
        expect_projector_live(projector)
        join(phone, server)
        presenter.goto("rol")
        expect_prompt(phone, ROL_PROMPT)
        clock, phone_clock = ".present-clock", ".countdown"
        expect(projector.locator(clock)).to_be_hidden()

        projector.keyboard.press("t")  # no deck timer: 60 s
        expect(projector.locator(clock)).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(phone.locator(phone_clock)).to_be_visible(timeout=UI_TIMEOUT_MS)
        assert 55 <= seconds(projector, clock) <= 60
        assert abs(seconds(projector, clock) - seconds(phone, phone_clock)) <= 1
        assert presenter.state()["timer"]["seconds_left"] > 55

        projector.keyboard.press("+")
        expect(projector.locator(clock)).to_have_text("1:30", timeout=UI_TIMEOUT_MS)
        phone.reload()  # a reconnect: the countdown is right again at once
        expect(phone.locator(phone_clock)).to_be_visible(timeout=UI_TIMEOUT_MS)
        assert 84 <= seconds(phone, phone_clock) <= 90
        assert abs(seconds(projector, clock) - seconds(phone, phone_clock)) <= 1
        snap(projector, artifacts_dir / "timer-projector-1920.png")
        snap(phone, artifacts_dir / "timer-phone-360.png")
        projector.set_viewport_size({"width": 1024, "height": 768})
        snap(projector, artifacts_dir / "timer-projector-1024.png")

        projector.keyboard.press("t")  # running: T stops it, voting stays open
        expect(projector.locator(clock)).to_be_hidden(timeout=UI_TIMEOUT_MS)
        expect(phone.locator(phone_clock)).to_be_hidden(timeout=UI_TIMEOUT_MS)
        state = presenter.state()
        assert state["timer"] is None and state["voting_open"]

        started = presenter.client.post(
            f"{presenter.api}/control", json={"action": "timer", "seconds": 5}
        )
        assert started.status_code == 200, started.text
        expect(projector.locator(clock)).to_be_visible(timeout=UI_TIMEOUT_MS)
        # Nobody acts: at zero the server closes voting, and both screens say so.
        expect(projector.locator(".closed-banner")).to_be_visible(timeout=8_000)
        expect(projector.locator(clock)).to_be_hidden()
        expect(phone.locator(phone_clock)).to_be_hidden(timeout=UI_TIMEOUT_MS)
        assert not presenter.state()["voting_open"]


def test_a_held_entry_is_masked_on_the_projector_and_decided_on_the_remote(
    server: LiveServer,
    projector_page: Page,
    new_phone: PageOpener,
    artifacts_dir: Path,
) -> None:
    projector = projector_page
    phone, remote = new_phone(), new_phone()
    with presenter_for(server) as presenter:
        login_projector(projector, server)
        expect_projector_live(projector)
        login_projector(remote, server)
        expect_projector_live(remote)
        join(phone, server)
        presenter.goto("drijfveren")
        presenter.control("reveal")
        expect_prompt(phone, CLOUD_PROMPT)
        type_answers(phone, ["Klootzak", "vertrouwen", "shit"])
        expect_received(phone)

        held = projector.locator(".held")
        expect(held).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(held.locator(".held-title")).to_have_text("2 wachten op goedkeuring")
        expect(held.locator(".held-mask")).to_have_text(["k •••", "s •••"])
        expect(held.locator(".held-text").first).to_be_hidden()  # the room never reads it
        expect(projector.locator(".cloud-word")).to_have_count(1)
        phone_results = phone.locator("section.results")
        expect(phone_results).to_contain_text("vertrouwen", timeout=UI_TIMEOUT_MS)
        expect(phone_results).not_to_contain_text("klootzak")  # (its own answer lists it)

        remote_held = remote.locator(".held")
        expect(remote_held.locator(".held-text")).to_have_text(["klootzak", "shit"])
        expect(remote_held.locator(".held-approve").first).to_be_visible()
        snap(projector, artifacts_dir / "held-projector-1920.png")
        snap(remote, artifacts_dir / "held-remote-360.png")

        projector.keyboard.press("ArrowDown")  # select the second, then approve it
        expect(held.locator(".held-item.is-selected .held-mask")).to_have_text("s •••")
        projector.keyboard.press("a")
        expect(projector.locator(".cloud-word", has_text="shit")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        expect(held.locator(".held-mask")).to_have_text(["k •••"])

        remote_held.locator(".held-hide").first.tap()  # the remote hides the other
        expect(held).to_be_hidden(timeout=UI_TIMEOUT_MS)
        expect(remote_held).to_be_hidden()
        expect(projector.locator(".cloud-word")).to_have_count(2)
        expect(phone_results).to_contain_text("shit", timeout=UI_TIMEOUT_MS)
        expect(phone_results).not_to_contain_text("klootzak")
        cloud = presenter.results()["drijfveren"]
        assert cloud["counts"] == {"shit": 1, "vertrouwen": 1} and "held" not in cloud
