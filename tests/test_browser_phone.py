"""The phone page in a real Chromium: joining through the QR link, answering by tapping, staying
counted once through a dead network, speaking the phone's language, and the 404 for a bad code.

Each test gets its own server (under a second to start) so no test sees another's answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import qrcode
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_prompt,
    expect_received,
    join,
    new_phone_context_page,
    pending_key,
    presenter_for,
    snap,
    staging,
    stored,
    tap_choice,
    tap_scales,
    token_key,
    type_answers,
    wait_until,
)
from conftest import LiveServer
from playwright.sync_api import Browser, Page, Route, WebSocketRoute, expect

pytestmark = pytest.mark.browser

ROL_OPTIONS = [
    "lokaal-bestuur",
    "vakbond",
    "vdab",
    "vlaamse-overheid",
    "derden",
    "werkgevers",
    "wsg",
    "bedrijf",
    "andere",
]


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules of a path-drawn QR SVG as (column, row), the symbol's corner at (0, 0).

    Each module is drawn as its own square `Mx,yHx2V…z`, so the squares give the grid back.
    """
    squares = [
        (float(x), float(y), float(x2) - float(x))
        for x, y, x2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)", svg)
    ]
    assert squares, f"no module squares in the QR SVG: {svg[:200]!r}"
    step = squares[0][2]
    left = min(x for x, _, _ in squares)
    top = min(y for _, y, _ in squares)
    return {(round((x - left) / step), round((y - top) / step)) for x, y, _ in squares}


def qr_encodes(svg: str, text: str) -> bool:
    """True when the SVG is the QR code of `text` at some error-correction level.

    No QR decoder is installed, so encode the text ourselves and compare the module grids.
    """
    drawn = qr_modules(svg)
    for level in (
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    ):
        code = qrcode.QRCode(error_correction=level, border=0)
        code.add_data(text)
        code.make(fit=True)
        matrix = code.get_matrix()
        expected = {(c, r) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
        if expected == drawn:
            return True
    return False


def test_phone_joins_through_the_qr_link_and_answers_the_four_questions_by_tapping(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    phone = phone_page
    with presenter_for(server) as presenter:
        join_url = presenter.state()["join_url"]
        assert join_url == f"{server.base_url}/j/{server.code}"
        qr = httpx.get(f"{server.base_url}/api/sessions/{server.code}/qr.svg")
        assert qr.status_code == 200
        assert qr.headers["content-type"].startswith("image/svg+xml")
        assert qr_encodes(qr.text, join_url), "the QR code does not encode the join URL"

        presenter.goto("rol")
        token = join(phone, server, join_url)
        expect_prompt(phone, "Wie zit er in onze sessie?")
        snap(phone, artifacts_dir / "phone-rol-form.png")
        tap_choice(phone, "VDAB")
        expect_received(phone)
        expect(phone.locator(".summary-item")).to_have_text(["VDAB"])
        snap(phone, artifacts_dir / "phone-rol.png")

        presenter.goto("drijfveren")
        expect_prompt(phone, re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren"))
        type_answers(phone, ["Vertrouwen", "kennis delen", "win-win"])
        expect_received(phone)
        # Word cloud entries are stored normalised (case-folded); the phone shows what counts.
        expect(phone.locator(".summary-item")).to_have_text(
            ["vertrouwen", "kennis delen", "win-win"]
        )
        snap(phone, artifacts_dir / "phone-drijfveren.png")

        presenter.goto("stellingen")
        expect_prompt(phone, "Je mening over volgende stellingen")
        tap_scales(phone, {0: 4, 1: 2, 2: 5, 3: 3})
        expect_received(phone)
        expect(phone.locator(".summary-scale-value")).to_have_text(["4", "2", "5", "3"])
        snap(phone, artifacts_dir / "phone-stellingen.png")

        presenter.goto("onthouden")
        expect_prompt(phone, re.compile(r"^Welke al dan niet verrassende elementen"))
        type_answers(phone, ["Samenwerking is een middel, geen doel.", "Klein beginnen"])
        expect_received(phone)
        snap(phone, artifacts_dir / "phone-onthouden.png")

        results = presenter.results()
        me = httpx.get(
            f"{server.base_url}/api/sessions/{server.code}/me", params={"participant": token}
        ).json()

    assert results["rol"]["responses"] == 1
    assert results["rol"]["counts"] == {o: int(o == "vdab") for o in ROL_OPTIONS}
    assert results["drijfveren"]["responses"] == 1
    assert results["drijfveren"]["counts"] == {"vertrouwen": 1, "kennis delen": 1, "win-win": 1}
    assert results["stellingen"]["responses"] == 1
    means = {sid: s["mean"] for sid, s in results["stellingen"]["statements"].items()}
    assert means == {"overeenkomst": 4, "expert": 2, "vertrouwen": 5, "klein-beginnen": 3}
    assert results["onthouden"]["responses"] == 1
    assert sorted(results["onthouden"]["answers"]) == [
        "Klein beginnen",
        "Samenwerking is een middel, geen doel.",
    ]
    # All four answers belong to the one participant this phone joined as.
    assert me["answers"] == {
        "rol": ["vdab"],  # stored as a list of picked option ids
        "drijfveren": ["vertrouwen", "kennis delen", "win-win"],
        "stellingen": {"overeenkomst": 4, "expert": 2, "vertrouwen": 5, "klein-beginnen": 3},
        "onthouden": ["Samenwerking is een middel, geen doel.", "Klein beginnen"],
    }


def test_answer_tapped_offline_is_sent_once_back_online_and_survives_reloads(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    phone = phone_page
    network = phone.context
    banner = phone.locator("#conn-banner")
    status = phone.locator("#send-status")
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        token = join(phone, server)
        expect_prompt(phone, "Wie zit er in onze sessie?")

        network.set_offline(True)
        expect(banner).to_be_visible(timeout=UI_TIMEOUT_MS)
        tap_choice(phone, "Vakbond")
        expect(status).to_have_class(re.compile(r"\bsend-status-pending\b"), timeout=UI_TIMEOUT_MS)
        expect(status).to_have_text("Je antwoord wordt verzonden zodra je weer verbinding hebt.")
        assert '"vakbond"' in (stored(phone, pending_key(server.code)) or "")
        snap(phone, artifacts_dir / "phone-offline-pending.png")
        assert presenter.results()["rol"]["responses"] == 0  # it really did not get through

        network.set_offline(False)
        # The phone drops its pending copy once the server confirmed it, and says so.
        phone.wait_for_function(
            "key => window.localStorage.getItem(key) === null",
            arg=pending_key(server.code),
            timeout=UI_TIMEOUT_MS,
        )
        expect(banner).to_be_hidden(timeout=UI_TIMEOUT_MS)
        expect_received(phone)
        counts = presenter.results()["rol"]
        assert (counts["responses"], counts["counts"]["vakbond"]) == (1, 1)

        # A reload keeps who the phone is and what it answered.
        phone.reload()
        expect_received(phone)
        expect(phone.locator(".summary-item")).to_have_text(["Vakbond"])
        assert stored(phone, token_key(server.code)) == token

        # Another network drop and return sends nothing twice.
        network.set_offline(True)
        expect(banner).to_be_visible(timeout=UI_TIMEOUT_MS)
        network.set_offline(False)
        expect(banner).to_be_hidden(timeout=UI_TIMEOUT_MS)
        expect_received(phone)
        phone.reload()
        expect_received(phone)
        assert stored(phone, token_key(server.code)) == token

        rol = presenter.results()["rol"]
        # Any control answer carries the presenter state; "open" changes nothing here.
        participants = presenter.control("open")["presenter"]["participants"]
    assert rol["responses"] == 1
    assert rol["counts"] == {o: int(o == "vakbond") for o in ROL_OPTIONS}
    assert participants == 1


def test_answer_confirmed_after_reconnect_is_not_forgotten_by_an_older_snapshot(
    server: LiveServer, phone_page: Page
) -> None:
    """Back online, the resent answer and the new socket race. Here the order that happens
    now and then in a room is forced: the socket's `answers` snapshot is taken before the
    answer is stored but reaches the phone after the server confirmed the answer."""
    phone = phone_page
    holding = False
    held_frames: list[tuple[WebSocketRoute, str | bytes]] = []
    held_posts: list[Route] = []

    def relay(page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()

        def from_server(message: str | bytes) -> None:
            # From a held `answers` snapshot on, hold everything, to keep the order.
            if holding and (held_frames or '"type":"answers"' in str(message)):
                held_frames.append((page_side, message))
            else:
                page_side.send(message)

        server_side.on_message(from_server)

    phone.route_web_socket(re.compile(r"/ws/sessions/"), relay)
    with presenter_for(server) as presenter, staging("forcing the race"):
        presenter.goto("rol")
        join(phone, server)
        expect_prompt(phone, "Wie zit er in onze sessie?")

        phone.context.set_offline(True)
        expect(phone.locator("#conn-banner")).to_be_visible(timeout=UI_TIMEOUT_MS)
        tap_choice(phone, "Vakbond")
        status = phone.locator("#send-status")
        expect(status).to_have_class(re.compile(r"\bsend-status-pending\b"), timeout=UI_TIMEOUT_MS)

        holding = True
        phone.route(re.compile(r"/responses$"), lambda route: held_posts.append(route))
        phone.context.set_offline(False)
        # The reconnected socket's snapshot (without the answer) is held, the resend waits.
        wait_until(phone, lambda: bool(held_frames and held_posts), "reconnect and resend")
        held_posts[0].continue_()
        expect_received(phone)

        for page_side, message in held_frames:  # the older snapshot, then anything newer
            page_side.send(message)
        holding = False
        # Closing the vote comes after the snapshot on the same socket: once the phone shows
        # "closed", it has handled the snapshot.
        presenter.control("close")
        expect(phone.locator(".closed-title")).to_have_text("Stemmen is gesloten")
        assert presenter.results()["rol"]["counts"]["vakbond"] == 1

    # The phone must still know the answer the server confirmed (and counted).
    expect(phone.locator(".closed-none")).to_have_count(0)
    expect(phone.locator(".summary-item")).to_have_text(["Vakbond"])


def test_phone_speaks_the_language_of_the_browser(
    server: LiveServer,
    browser: Browser,
    phone_page: Page,
    js_errors: list[str],
    artifacts_dir: Path,
) -> None:
    dutch = phone_page  # nl-BE
    close_english, english = new_phone_context_page(browser, js_errors, "phone-en", locale="en-US")
    try:
        with presenter_for(server) as presenter:
            presenter.goto("rol")
            for page in (dutch, english):
                join(page, server)
                expect_prompt(page, "Wie zit er in onze sessie?")  # deck text stays as written

            expect(english.locator("html")).to_have_attribute("lang", "en")
            expect(english.locator(".hint")).to_have_text("Pick one answer")
            tap_choice(english, "WSG")
            expect_received(english, "Answer received ✓")
            expect(english.locator(".summary-label")).to_have_text("Your answer")
            expect(english.locator(".btn-change")).to_have_text("Change your answer")
            expect(english.locator(".results-title")).to_have_text("Results")
            snap(english, artifacts_dir / "phone-en.png")

            expect(dutch.locator("html")).to_have_attribute("lang", "nl")
            expect(dutch.locator(".hint")).to_have_text("Kies één antwoord")
            tap_choice(dutch, "WSG")
            expect_received(dutch, "Antwoord ontvangen ✓")
            expect(dutch.locator(".summary-label")).to_have_text("Jouw antwoord")
            expect(dutch.locator(".btn-change")).to_have_text("Wijzig je antwoord")
            expect(dutch.locator(".results-title")).to_have_text("Resultaten")
    finally:
        close_english()


def test_unknown_code_shows_a_friendly_not_found_page_with_a_join_form(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    phone = phone_page
    unknown = "000000" if server.code != "000000" else "000001"
    response = phone.goto(f"{server.base_url}/j/{unknown}")
    assert response is not None and response.status == 404
    expect(phone).to_have_title(re.compile(r"^Sessie niet gevonden"))
    expect(phone.locator(".notice-error")).to_have_text(
        "Deze sessie bestaat niet (meer). Controleer de code."
    )
    expect(phone.locator("body")).not_to_contain_text("Traceback")
    snap(phone, artifacts_dir / "phone-not-found.png")

    # The form on the 404 page gets the participant in with the right code.
    phone.locator("#join-code").fill(server.code)
    phone.locator("form.join-form button[type=submit]").tap()
    expect(phone).to_have_url(f"{server.base_url}/j/{server.code}", timeout=UI_TIMEOUT_MS)
    phone.wait_for_function("key => !!window.localStorage.getItem(key)", arg=token_key(server.code))
    expect(phone.locator(".slide-prompt")).to_have_text("Samenwerking")
