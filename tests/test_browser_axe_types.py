"""axe-core on the new slide types (issue 10), in a real Chromium against a real server: the
phone at 360 px and the projector at 1920×1080 and 1024×768 on a ranking mid-way, 100 points
with budget left, a Q&A list, a quiz answered (clock running) and revealed, and the
leaderboard. No serious or critical violation; moderate and minor ones are printed (and every
state's list is written to test-artifacts/axe/), as in tests/test_browser_axe.py.

One deck holds every new type, so one server, one phone and one projector walk through the
states in order, as in a talk; the room's answers come over HTTP first, so each view has
something to show.
"""

from __future__ import annotations

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
    stored,
    tap_choice,
    token_key,
)
from conftest import LiveServer, PageOpener, ServerStarter
from playwright.sync_api import Page, expect
from test_browser_axe import check

pytestmark = pytest.mark.browser

DECK = """\
title: Alle nieuwe soorten
language: nl
slides:
  - type: join
    id: meedoen
  - type: ranking
    id: rangorde
    prompt: Wat moet eerst?
    options:
      - { id: vertrouwen, label: Vertrouwen tussen de partners }
      - { id: middelen, label: Gedeelde middelen en budget }
      - { id: opvolging, label: Opvolging van de afspraken }
      - { id: data, label: Gegevens delen tussen diensten }
  - type: points
    id: punten
    prompt: Verdeel 100 punten
    options:
      - { id: opleiding, label: Opleiding en vorming }
      - { id: coaching, label: Jobcoaching op de werkvloer }
      - { id: taal, label: Taalondersteuning }
  - type: qa
    id: vragen
    prompt: Wat wil je de sprekers vragen?
  - type: quiz
    id: hoofdstad
    prompt: Wat is de hoofdstad van België?
    correct: brussel
    timer: 120
    options:
      - { id: antwerpen, label: Antwerpen }
      - { id: brussel, label: Brussel }
      - { id: gent, label: Gent }
  - type: leaderboard
    id: stand
    title: Tussenstand
"""
ROOM = 12
QUESTIONS = [
    "Hoe meten we of het werkt?",
    "Wie betaalt de <b>coördinator</b>?",
    "Komt er een vervolg & wanneer?",
    "Hoe houden we de kleine partners mee aan boord zonder dat de grote alles beslissen?",
]


def seed(server: LiveServer, presenter) -> None:
    """A room of nicknamed participants answers each question over HTTP."""
    api = f"/api/sessions/{server.code}"
    ids = ["vertrouwen", "middelen", "opvolging", "data"]
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        tokens = []
        for i in range(ROOM):
            http.cookies.clear()
            joined = http.post(f"{api}/join", json={"name": f"Speler {i + 1}"})
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["participant"])

        def send(token: str, question: str, answer) -> None:
            body = {"participant": token, "question": question, "answer": answer}
            response = http.post(f"{api}/responses", json=body)
            assert response.status_code == 201, response.text

        presenter.goto("rangorde")
        for i, token in enumerate(tokens):
            send(token, "rangorde", ids[i % 4 :] + ids[: i % 4])
        presenter.goto("punten")
        for i, token in enumerate(tokens):
            send(token, "punten", {"opleiding": 10 * (i % 5), "coaching": 40, "taal": 20})
        presenter.goto("vragen")
        entries = []
        for token, text in zip(tokens, QUESTIONS, strict=False):
            asked = http.post(f"{api}/qa/vragen", json={"participant": token, "text": text})
            assert asked.status_code == 201, asked.text
            entries.append(asked.json()["id"])
        for i, token in enumerate(tokens):
            for entry in entries[: 1 + i % len(entries)]:
                vote = {"participant": token, "up": True}
                assert http.post(f"{api}/qa/vragen/{entry}/vote", json=vote).is_success
        presenter.goto("hoofdstad")
        for i, token in enumerate(tokens):
            send(token, "hoofdstad", ["brussel", "gent", "antwerpen"][i % 3])


def projector_checks(projector: Page, state: str, artifacts_dir: Path) -> None:
    """The projector at both sizes, each looked at and checked."""
    for width, height in ((1920, 1080), (1024, 768)):
        projector.set_viewport_size({"width": width, "height": height})
        snap(projector, artifacts_dir / f"axe-types-projector-{state}-{width}.png")
        check(projector, f"projector-{width}x{height}-{state}", artifacts_dir)


def test_the_new_types_have_no_serious_accessibility_violations(
    server_factory: ServerStarter,
    tmp_path: Path,
    new_phone: PageOpener,
    projector_page: Page,
    artifacts_dir: Path,
) -> None:
    deck = tmp_path / "nieuw.yaml"
    deck.write_text(DECK, encoding="utf-8")
    server = server_factory(deck=str(deck))
    projector = projector_page
    phone = new_phone()
    with presenter_for(server) as presenter:
        seed(server, presenter)
        login_projector(projector, server)
        expect_projector_live(projector)
        join(phone, server)
        expect(phone.locator(".nick-form")).to_be_visible(timeout=UI_TIMEOUT_MS)
        check(phone, "phone-nickname", artifacts_dir)
        phone.locator("#nick-input").fill("Tester")
        phone.locator(".nick-send").tap()
        expect(phone.locator(".nick-form")).to_have_count(0, timeout=UI_TIMEOUT_MS)

        # Ranking, two of four tapped: the form mid-way.
        presenter.goto("rangorde")
        expect_prompt(phone, "Wat moet eerst?")
        for option in ("opvolging", "vertrouwen"):
            phone.locator(f'.rank-option[data-id="{option}"]').tap()
        expect(phone.locator(".rank-count")).to_contain_text("2 van 4 gerangschikt")
        snap(phone, artifacts_dir / "axe-types-phone-ranking-360.png")
        check(phone, "phone-ranking-midway", artifacts_dir)
        expect(projector.locator(".ranking-item")).to_have_count(4, timeout=UI_TIMEOUT_MS)
        projector_checks(projector, "ranking", artifacts_dir)

        # 100 points, 30 given, 70 left.
        presenter.goto("punten")
        expect_prompt(phone, "Verdeel 100 punten")
        for _ in range(3):
            phone.locator('.points-option[data-id="taal"] .points-plus').tap()
        expect(phone.locator(".points-left")).to_contain_text("70")
        snap(phone, artifacts_dir / "axe-types-phone-points-360.png")
        check(phone, "phone-points-budget-left", artifacts_dir)
        expect(projector.locator(".points-fill").first).to_be_attached(timeout=UI_TIMEOUT_MS)
        projector_checks(projector, "points", artifacts_dir)

        # Q&A: the room's questions, one upvoted from this phone.
        presenter.goto("vragen")
        expect_prompt(phone, "Wat wil je de sprekers vragen?")
        items = phone.locator(".qa-item")
        expect(items).to_have_count(len(QUESTIONS), timeout=UI_TIMEOUT_MS)
        items.last.locator(".qa-vote").tap()
        expect(items.last.locator(".qa-vote")).to_have_attribute("aria-pressed", "true")
        snap(phone, artifacts_dir / "axe-types-phone-qa-360.png")
        check(phone, "phone-qa-list", artifacts_dir)
        expect(projector.locator(".qa-entry")).to_have_count(len(QUESTIONS))
        projector_checks(projector, "qa", artifacts_dir)

        # Quiz: answered while the clock runs, then revealed (the presenter closes early).
        presenter.goto("hoofdstad")
        expect_prompt(phone, "Wat is de hoofdstad van België?")
        tap_choice(phone, "Brussel")
        expect_received(phone)
        snap(phone, artifacts_dir / "axe-types-phone-quiz-answered-360.png")
        check(phone, "phone-quiz-answered", artifacts_dir)
        expect(projector.locator(".quiz-clock")).to_be_visible(timeout=UI_TIMEOUT_MS)
        projector_checks(projector, "quiz-running", artifacts_dir)
        presenter.control("close")
        points = str(my_points(server, phone))
        expect(phone.locator(".quiz-outcome")).to_have_attribute("data-points", points)
        snap(phone, artifacts_dir / "axe-types-phone-quiz-revealed-360.png")
        check(phone, "phone-quiz-revealed", artifacts_dir)
        expect(projector.locator(".quiz-bar.is-correct")).to_have_count(1)
        projector_checks(projector, "quiz-revealed", artifacts_dir)

        # The leaderboard: the top on the projector, this phone's own place.
        presenter.goto("stand")
        expect(phone.locator(".board-you")).to_have_attribute("data-score", points)
        snap(phone, artifacts_dir / "axe-types-phone-leaderboard-360.png")
        check(phone, "phone-leaderboard", artifacts_dir)
        expect(projector.locator(".board-row")).to_have_count(10, timeout=UI_TIMEOUT_MS)
        projector_checks(projector, "leaderboard", artifacts_dir)


def my_points(server: LiveServer, phone: Page) -> int:
    """The phone's quiz points as the server has them (GET /me once the round is over)."""
    token = stored(phone, token_key(server.code))
    response = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/me", params={"participant": token}
    )
    return response.json()["answers"]["hoofdstad"]["points"]
