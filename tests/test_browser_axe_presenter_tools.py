"""axe-core on the presenter's own tools added for facilitation and the hour before the talk,
in a real Chromium against a real server: the split by group (G), the rounds side by side
(C), held and hidden entries, a running timer, a rehearsal and a deck file that does not load,
on the projector at 1920×1080 and 1024×768 and on the remote at 360 px. No serious or critical
violation (moderate and minor ones are printed and written to test-artifacts/axe/, as in
tests/test_browser_axe.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from browser_helpers import UI_TIMEOUT_MS, expect_projector_live, login_projector, snap
from conftest import REPO_ROOT, LiveServer, PageOpener, ServerStarter
from playwright.sync_api import Page, expect
from test_browser_axe import check

pytestmark = pytest.mark.browser

ROLES = ["lokaal-bestuur"] * 14 + ["vakbond"] * 9 + ["vdab"] * 7 + ["andere"] * 2


def fill_room(server: LiveServer, admin: httpx.Client) -> None:
    """32 people say who they are and rate the statements twice (a reset between), and the
    word cloud gets words, one of them a listed swear word the filter holds back."""
    api = f"/api/sessions/{server.code}"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        tokens = []
        for _ in ROLES:
            http.cookies.clear()
            joined = http.post(f"{api}/join", json={})
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["participant"])

        def send(token: str, question: str, answer) -> None:
            body = {"participant": token, "question": question, "answer": answer}
            response = http.post(f"{api}/responses", json=body)
            assert response.status_code == 201, response.text

        def goto(question: str) -> None:
            body = {"action": "goto", "question": question}
            assert admin.post(f"{api}/control", json=body).status_code == 200

        goto("rol")
        for token, role in zip(tokens, ROLES, strict=True):
            send(token, "rol", role)
        goto("stellingen")
        for shift in (0, 1):
            for i, token in enumerate(tokens):
                value = min(5, 2 + i % 3 + (shift if ROLES[i] == "vakbond" else 0))
                ids = ["overeenkomst", "expert", "vertrouwen", "klein-beginnen"]
                send(token, "stellingen", dict.fromkeys(ids, value))
            if not shift:
                body = {"action": "reset", "question": "stellingen"}
                assert admin.post(f"{api}/control", json=body).status_code == 200
        goto("drijfveren")
        words = ["vertrouwen", "samen sterker", "efficiëntie", "shit"]
        for i, token in enumerate(tokens):
            send(token, "drijfveren", [words[i % len(words)]])


def both_sizes(projector: Page, state: str, artifacts_dir: Path) -> None:
    for width, height in ((1920, 1080), (1024, 768)):
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_timeout(1000)
        check(projector, f"projector-{width}x{height}-{state}", artifacts_dir)  # settles first
        snap(projector, artifacts_dir / f"axe-tools-projector-{state}-{width}.png")


def test_the_presenters_tools_have_no_serious_accessibility_violations(
    server_factory: ServerStarter,
    tmp_path: Path,
    new_phone: PageOpener,
    projector_page: Page,
    artifacts_dir: Path,
) -> None:
    deck = tmp_path / "samenwerking.yaml"
    shutil.copy(REPO_ROOT / "questions" / "samenwerking.yaml", deck)
    server = server_factory(deck=str(deck))
    admin = httpx.Client(base_url=server.base_url, headers=server.admin_headers(), timeout=10)
    api = f"/api/sessions/{server.code}"
    try:
        fill_room(server, admin)
        projector = projector_page
        login_projector(projector, server)
        expect_projector_live(projector)
        remote = new_phone()
        remote.context.add_cookies(projector.context.cookies())
        remote.goto(f"{server.base_url}/present/{server.code}?remote=1")

        # A held entry (the filter) and a hidden one, and the timer running.
        expect(projector.locator("body")).to_have_attribute("data-slide-type", "wordcloud")
        body = {"action": "hide_entry", "question": "drijfveren", "entry": "efficiëntie"}
        assert admin.post(f"{api}/control", json=body).status_code == 200
        assert admin.post(f"{api}/control", json={"action": "timer", "seconds": 90}).is_success
        expect(projector.locator(".held")).to_be_visible(timeout=UI_TIMEOUT_MS)
        both_sizes(projector, "held-hidden-timer", artifacts_dir)
        check(remote, "remote-360-held-hidden-timer", artifacts_dir)

        # A rehearsal of the word cloud.
        body = {"action": "rehearse", "participants": 200}
        assert admin.post(f"{api}/control", json=body).status_code == 200
        expect(projector.locator(".rehearsal-badge")).to_be_visible(timeout=UI_TIMEOUT_MS)
        both_sizes(projector, "rehearsal", artifacts_dir)
        check(remote, "remote-360-rehearsal", artifacts_dir)
        assert admin.post(f"{api}/control", json={"action": "end_rehearsal"}).is_success

        # The statements split by role (G), then their two rounds per group (G and C).
        body = {"action": "goto", "question": "stellingen"}
        assert admin.post(f"{api}/control", json=body).status_code == 200
        projector.keyboard.press("g")
        expect(projector.locator(".facet-heading").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        both_sizes(projector, "split", artifacts_dir)
        check(remote, "remote-360-split", artifacts_dir)
        projector.keyboard.press("c")
        both_sizes(projector, "rounds-by-group", artifacts_dir)
        check(remote, "remote-360-rounds-by-group", artifacts_dir)

        # A deck file saved with a mistake: the presenter's screens say where.
        deck.write_text(deck.read_text(encoding="utf-8") + "  - type: nope\n", encoding="utf-8")
        expect(projector.locator(".deck-errors")).to_be_visible(timeout=UI_TIMEOUT_MS)
        both_sizes(projector, "deck-errors", artifacts_dir)
        expect(remote.locator(".deck-errors")).to_be_visible(timeout=UI_TIMEOUT_MS)
        check(remote, "remote-360-deck-errors", artifacts_dir)
    finally:
        admin.close()
