"""What the hardening changes look like in Chromium: the QR key, a busy join that waits its
turn, locking, ending and deleting a session, and an open wall that reaches phones bounded."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
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
    token_key,
    type_answers,
)
from conftest import LiveServer
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LONG = (
    "Wat ik meeneem: samenwerken lukt pas als partners elkaar kennen, de tijd nemen om een "
    "gedeelde taal te vinden en durven klein te beginnen met een concreet project dat voor "
    "iedereen iets oplevert; pas daarna groeit het vertrouwen om grotere stappen te zetten."
)


def presenter_view(server: LiveServer) -> dict:
    response = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/presenter",
        headers=server.admin_headers(),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["presenter"]


def spend_keyless_joins(server: LiveServer) -> None:
    """Use up this address's joins without the key, with a second or more left before the
    next one (a 429 saying Retry-After: 4 at 0.25 joins/s), so a phone opened now must wait."""
    with httpx.Client(base_url=server.base_url) as http:
        for _ in range(100):
            http.cookies.clear()
            answer = http.post(f"/api/sessions/{server.code}/join", json={})
            if answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 2:
                return
            if answer.status_code == 429:
                time.sleep(1.1)
    pytest.fail("the keyless lane could not be spent", pytrace=False)


def test_qr_phones_join_at_once_while_a_typed_join_waits_its_turn(
    server_factory, new_phone, artifacts_dir: Path
) -> None:
    # One keyless join per 4 s once the burst of 50 is used: slow enough that a busy machine
    # still finds the lane empty when the typed phone asks.
    server = server_factory(env={"RONDVRAAG_JOIN_RATE": "0.25"})

    spend_keyless_joins(server)  # someone used up the small lane of joins without the key
    scanned = new_phone()
    keyed_url = presenter_view(server)["join_url"]
    assert "?k=" in keyed_url
    join(scanned, server, keyed_url)
    expect(scanned.locator(".slide-prompt")).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert "k=" not in scanned.url  # the key leaves the address bar once it did its job

    typed = new_phone()
    spend_keyless_joins(server)  # again: the lane refilled while the scanned phone joined
    typed.goto(f"{server.base_url}/j/{server.code}")
    expect(typed.locator(".notice-info")).to_have_text(
        re.compile("Veel mensen melden zich tegelijk aan"), timeout=UI_TIMEOUT_MS
    )
    snap(typed, artifacts_dir / "phone-join-busy.png")
    # Retry-After is 4 s: the phone waits, tries again by itself and gets in.
    typed.wait_for_function(
        "key => !!window.localStorage.getItem(key)",
        arg=token_key(server.code),
        timeout=3 * UI_TIMEOUT_MS,
    )
    expect(typed.locator(".notice-info")).to_be_hidden(timeout=UI_TIMEOUT_MS)


def test_phone_thanks_when_the_session_ends(server: LiveServer, phone_page: Page) -> None:
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        join(phone_page, server)
        expect_prompt(phone_page, "Wie zit er in onze sessie?")
        presenter.control("end")
    expect(phone_page.locator(".notice-ok")).to_have_text(
        "Deze sessie is afgelopen. Bedankt om mee te doen!", timeout=UI_TIMEOUT_MS
    )


def test_phone_says_the_session_is_gone_when_it_is_deleted(
    server: LiveServer, phone_page: Page
) -> None:
    join(phone_page, server)
    expect(phone_page.locator(".slide-prompt, .wait").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    deleted = httpx.delete(
        f"{server.base_url}/api/sessions/{server.code}", headers=server.admin_headers()
    )
    assert deleted.status_code == 200
    expect(phone_page.locator(".notice-error")).to_have_text(
        "Deze sessie bestaat niet (meer). Controleer de code.", timeout=UI_TIMEOUT_MS
    )


def test_projector_shows_the_keyed_qr_code_and_l_locks_joining(
    server: LiveServer, projector_page: Page, artifacts_dir: Path
) -> None:
    projector = projector_page
    login_projector(projector, server)
    expect_projector_live(projector)
    key = presenter_view(server)["join_key"]
    expect(projector.locator(".join-qr, .qr-corner-img").first).to_have_attribute(
        "src", re.compile(rf"qr\.svg\?k={key}$"), timeout=UI_TIMEOUT_MS
    )
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        expect(projector.locator(".qr-corner-img")).to_have_attribute(
            "src", re.compile(rf"qr\.svg\?k={key}$"), timeout=UI_TIMEOUT_MS
        )
        with httpx.Client(base_url=server.base_url) as http:
            for _ in range(3):
                http.cookies.clear()
                http.post(f"/api/sessions/{server.code}/join", json={"key": key})
        expect(projector.locator("#st-joins")).to_have_text("+3/min", timeout=UI_TIMEOUT_MS)
        projector.keyboard.press("l")
        expect(projector.locator("#st-joins")).to_have_text("Aanmelden gesloten")
        assert presenter.state()["version"] > 0
        refused = httpx.post(f"{server.base_url}/api/sessions/{server.code}/join", json={})
        assert refused.status_code == 409 and refused.json()["error"] == "joining_locked"
        snap(projector, artifacts_dir / "projector-joining-locked.png")
        projector.keyboard.press("l")
        expect(projector.locator("#st-joins")).to_have_text(re.compile(r"^\+\d+/min$"))


def test_phone_shows_the_newest_of_a_big_open_wall_and_keeps_up_with_changes(
    server_factory, phone_page: Page, artifacts_dir: Path
) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "0"})
    with presenter_for(server) as presenter, httpx.Client(base_url=server.base_url) as http:
        presenter.goto("onthouden")
        key = presenter_view(server)["join_key"]
        tokens = []
        for _ in range(120):
            http.cookies.clear()
            joined = http.post(f"/api/sessions/{server.code}/join", json={"key": key})
            tokens.append(joined.json()["participant"])
        for i, token in enumerate(tokens):
            entries = [f"{i}.{n} {LONG}"[:280] for n in range(3)]
            assert presenter.answer_as(token, "onthouden", entries).status_code == 201
        join(phone_page, server)
        expect_prompt(phone_page, re.compile(r"^Welke al dan niet verrassende elementen"))
        type_answers(phone_page, ["Mijn eigen antwoord, kort."])
        expect_received(phone_page)
        items = phone_page.locator(".ranswer")
        expect(items.first).to_have_text("Mijn eigen antwoord, kort.", timeout=UI_TIMEOUT_MS)
        assert items.count() <= 30
        # More answers arrive as changes; the phone's list follows exactly.
        for i, token in enumerate(tokens[:5]):
            entries = [f"Later {i}: kort en krachtig"]
            assert presenter.answer_as(token, "onthouden", entries).status_code == 201
        expect(items.first).to_have_text("Later 4: kort en krachtig", timeout=UI_TIMEOUT_MS)
        newest = presenter.results()["onthouden"]["answers"][::-1][: items.count()]
        expect(items).to_have_text(newest)
        snap(phone_page, artifacts_dir / "phone-open-wall-361-answers.png")
