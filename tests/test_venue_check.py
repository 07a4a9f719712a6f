"""The venue check during the hour before the talk: on the presenter's own screen (the remote)
while the join slide is up, how many phones reached the server, the presenter's own test phone
with its round trip, and after a silent minute the guest Wi-Fi explanation. Never on the
projector the room sees."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_projector_live,
    join,
    login_projector,
    presenter_for,
    snap,
)
from conftest import LiveServer, PageOpener
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_remote(new_phone: PageOpener, projector: Page, server: LiveServer) -> Page:
    remote = new_phone()
    remote.context.add_cookies(projector.context.cookies())
    remote.clock.install()
    remote.goto(f"{server.base_url}/present/{server.code}?remote=1")
    expect(remote.locator("body")).to_have_attribute("data-slide-type", "join")
    return remote


def test_the_remote_shows_phones_getting_through_and_the_test_phones_round_trip(
    server: LiveServer, projector_page: Page, new_phone: PageOpener, artifacts_dir: Path
) -> None:
    with presenter_for(server) as presenter:
        presenter.goto("meedoen")
    login_projector(projector_page, server)
    expect_projector_live(projector_page)
    remote = open_remote(new_phone, projector_page, server)
    venue = remote.locator("#venue")
    expect(venue.locator(".venue-count")).to_have_text("0 telefoons hebben de server bereikt")
    link = venue.locator(".venue-link")
    expect(link).to_have_text(re.compile(rf"/check/{server.code}$"))
    # The room's screen never shows it.
    expect(projector_page.locator("#venue")).to_be_hidden()

    # A silent minute: the explanation of guest Wi-Fi and the hotspot remedy.
    expect(venue.locator(".venue-none")).to_have_count(0)
    remote.clock.fast_forward(65_000)
    expect(venue.locator(".venue-none")).to_contain_text("hotspot", timeout=UI_TIMEOUT_MS)
    snap(remote, artifacts_dir / "remote-venue-silent.png")

    # The presenter's own phone runs the check: both screens say it got through, and how fast.
    test_phone = new_phone()
    test_phone.goto(f"{server.base_url}/check/{server.code}")
    said = test_phone.locator("#check-result")
    expect(said).to_have_text(
        re.compile(r"^Je telefoon bereikt de server: \d+ ms heen en terug"), timeout=UI_TIMEOUT_MS
    )
    ms = re.search(r"(\d+) ms", said.inner_text())
    assert ms
    expect(venue.locator(".venue-ok")).to_contain_text(f"{ms.group(1)} ms heen en terug")
    expect(venue.locator(".venue-none")).to_have_count(0)  # a phone got through after all
    snap(test_phone, artifacts_dir / "phone-venue-check.png")

    # A participant joins: counted.
    join(new_phone(), server)
    expect(venue.locator(".venue-count")).to_have_text(
        "1 telefoon heeft de server bereikt", timeout=UI_TIMEOUT_MS
    )
    snap(remote, artifacts_dir / "remote-venue-reached.png")

    # Off the join slide, the check is gone from the remote too.
    with presenter_for(server) as presenter:
        presenter.goto("rol")
    expect(venue).to_be_hidden()


def test_the_check_refuses_what_a_phone_did_not_measure_and_is_rate_limited(
    server: LiveServer,
) -> None:
    url = f"{server.base_url}/api/sessions/{server.code}/check"
    with httpx.Client(timeout=10) as http:
        for bad in ({"rtt_ms": -1}, {"rtt_ms": "12"}, {"rtt_ms": 1.5}, {"rtt_ms": True}, {}):
            answer = http.post(url, json=bad)
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"] == "invalid_request"
        foreign = http.post(url, json={"rtt_ms": 5}, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        statuses = [http.post(url, json={"rtt_ms": 20}).status_code for _ in range(14)]
        assert statuses[0] == 200 and 429 in statuses, statuses
        refused = http.post(url, json={"rtt_ms": 20})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        state = http.get(
            f"{server.base_url}/api/sessions/{server.code}/presenter",
            headers=server.admin_headers(),
        ).json()
    assert state["presenter"]["phone_reached"]["rtt_ms"] == 20
