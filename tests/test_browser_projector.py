"""The projector page in a real Chromium: the login form, live results of the four question
types while phones vote, the presenter's keys, and participant markup shown as plain text.

Each test gets its own server (under a second to start) so no test sees another's answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    Presenter,
    expect_projector_live,
    expect_prompt,
    expect_received,
    join,
    login_projector,
    presenter_for,
    snap,
    tap_choice,
    tap_scales,
    type_answers,
)
from conftest import ADMIN_TOKEN, LiveServer, PageOpener
from playwright.sync_api import Locator, Page, expect

from app.domain.slides.wordcloud import normalise_entry

pytestmark = pytest.mark.browser

ROL_PROMPT = "Wie zit er in onze sessie?"
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
# The word cloud takes at most 40 characters per entry: the same attack, in two short pieces.
XSS_WORDS = ["<img src=x onerror=window.__pwned=1>", "<script>window.__pwned=1</script>"]


def bar(option: str, part: str) -> str:
    """A piece (`bar-count`, `bar-pct`) of one option's bar."""
    return f'.bar[data-id="{option}"] .{part}'


def scale_mean(projector: Page, row: int) -> Locator:
    """The mean marker of the n-th statement (the first row is the scale's header)."""
    return projector.locator(".scales-row:not(.scales-head)").nth(row).locator(".scales-mean-badge")


def expect_server(presenter: Presenter, **fields: object) -> None:
    """The server's public state has these values (checked after the page showed the change)."""
    state = presenter.state()
    assert {key: state[key] for key in fields} == fields


def test_login_form_sets_an_httponly_cookie_and_keeps_the_token_out_of_the_url(
    server: LiveServer, projector_page: Page
) -> None:
    projector = projector_page
    with projector.expect_response(re.compile(r"/login$")) as refused:
        login_projector(projector, server, token="not-the-token")
    assert refused.value.status == 401
    expect(projector.locator(".notice-error")).to_have_text("Dat token klopt niet.")
    expect(projector.locator("#token")).to_have_attribute("type", "password")
    assert projector.context.cookies() == []

    login_projector(projector, server)
    expect_projector_live(projector)
    assert projector.url == f"{server.base_url}/present/{server.code}"
    assert ADMIN_TOKEN not in projector.url
    cookies = {cookie["name"]: cookie for cookie in projector.context.cookies()}
    admin = cookies["rondvraag_admin"]
    assert admin["httpOnly"] is True
    assert admin["sameSite"] == "Strict"
    assert ADMIN_TOKEN not in projector.evaluate("document.cookie")  # no script can read it
    assert ADMIN_TOKEN not in projector.content()


def test_projector_follows_the_arrow_key_and_shows_each_question_live_as_phones_vote(
    server: LiveServer, projector_page: Page, new_phone: PageOpener, artifacts_dir: Path
) -> None:
    projector = projector_page
    phones = [new_phone(), new_phone()]
    with presenter_for(server) as presenter:
        presenter.goto("meedoen")
        login_projector(projector, server)
        expect_projector_live(projector)
        expect(projector.locator(".join-code-big")).to_have_text(server.code)
        expect(projector.locator(".join-url")).to_have_text(
            f"127.0.0.1:{server.port}/j/{server.code}"
        )
        qr = projector.locator("img.join-qr")
        expect(qr).to_be_visible()
        qr.evaluate(  # visible is not loaded: wait until the SVG has really arrived
            """img => img.complete && img.naturalWidth > 0 ? true
                : new Promise((ok, fail) => { img.onload = () => ok(true); img.onerror = fail; })"""
        )
        assert qr.evaluate("img => img.naturalWidth > 0")
        snap(projector, artifacts_dir / "projector-join.png")

        projector.keyboard.press("ArrowRight")
        expect(projector.locator(".prompt")).to_have_text(ROL_PROMPT)
        assert presenter.state()["slide"]["id"] == "rol"

        for phone in phones:
            join(phone, server)
            expect_prompt(phone, ROL_PROMPT)
            tap_choice(phone, "VDAB")
            expect_received(phone)
        expect(projector.locator(bar("vdab", "bar-count"))).to_have_text("2")
        expect(projector.locator(bar("vdab", "bar-pct"))).to_have_text("100%")
        expect(projector.locator(bar("vakbond", "bar-count"))).to_have_text("0")
        expect(projector.locator("#st-responses")).to_have_text("2 antwoorden")
        expect(projector.locator("#st-connected")).to_have_text("2 verbonden")
        snap(projector, artifacts_dir / "projector-rol.png")

        # The slide list is the other way to jump; the phones follow.
        projector.locator("#slide-select").select_option("drijfveren")
        for phone in phones:
            expect_prompt(phone, re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren"))
        type_answers(phones[0], ["Vertrouwen", "kennis delen"])
        type_answers(phones[1], ["vertrouwen "])
        for phone in phones:
            expect_received(phone)
        words = projector.locator(".cloud-word")
        expect(words).to_have_count(2)
        expect(projector.locator(".cloud-word", has_text="vertrouwen")).to_have_attribute(
            "title", "vertrouwen (2)"
        )
        expect(projector.locator(".cloud-word", has_text="kennis delen")).to_have_attribute(
            "title", "kennis delen (1)"
        )
        # Said twice: bigger. Sizes animate (CSS transitions), so wait for the end state
        # rather than read a size mid-transition.
        projector.wait_for_function(
            """() => {
                const size = (word) => {
                    const node = [...document.querySelectorAll(".cloud-word")]
                        .find((n) => n.textContent.includes(word));
                    return node ? node.getBoundingClientRect().height : 0;
                };
                return size("vertrouwen") > size("kennis delen");
            }""",
            timeout=UI_TIMEOUT_MS,
        )
        snap(projector, artifacts_dir / "projector-drijfveren.png")

        presenter.goto("stellingen")
        for phone in phones:
            expect_prompt(phone, "Je mening over volgende stellingen")
        tap_scales(phones[0], {0: 4, 1: 2})
        tap_scales(phones[1], {0: 5})
        for phone in phones:
            expect_received(phone)
        expect(scale_mean(projector, 0)).to_have_text("4,5")
        expect(scale_mean(projector, 1)).to_have_text("2,0")
        expect(scale_mean(projector, 2)).to_be_hidden()  # nobody rated it: no mean
        snap(projector, artifacts_dir / "projector-stellingen.png")

        presenter.goto("onthouden")
        for phone in phones:
            expect_prompt(phone, re.compile(r"^Welke al dan niet verrassende elementen"))
        type_answers(phones[0], ["Klein beginnen is slim."])
        type_answers(phones[1], ["Het is nooit af.", "Samenwerking is een middel, geen doel."])
        for phone in phones:
            expect_received(phone)
        expect(projector.locator(".wall-card")).to_have_count(3)
        cards = sorted(projector.locator(".wall-card").all_text_contents())
        assert cards == [
            "Het is nooit af.",
            "Klein beginnen is slim.",
            "Samenwerking is een middel, geen doel.",
        ]
        expect(projector.locator("#st-responses")).to_have_text("2 antwoorden")
        expect(projector.locator(".wall-new")).to_have_count(0)  # cards done flying in
        snap(projector, artifacts_dir / "projector-onthouden.png")


def test_space_hides_and_reveals_results_and_o_closes_voting_for_the_phones(
    server: LiveServer, projector_page: Page, new_phone: PageOpener, artifacts_dir: Path
) -> None:
    projector = projector_page
    voter, latecomer = new_phone(), new_phone()
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        login_projector(projector, server)
        expect_projector_live(projector)
        join(voter, server)
        late_token = join(latecomer, server)
        tap_choice(voter, "VDAB")
        expect_received(voter)
        expect(voter.locator(".results-count")).to_have_text("1 antwoord")
        expect(projector.locator(bar("vdab", "bar-count"))).to_have_text("1")

        projector.keyboard.press("Space")
        veil = projector.locator(".results-veil")
        expect(veil).to_be_visible()
        expect(veil.locator(".results-veil-text")).to_have_text("Resultaten verborgen")
        expect(veil.locator(".results-veil-hint")).to_be_hidden()  # the room needs no key hint
        expect(projector.locator(".results-box")).to_be_hidden()
        expect(voter.locator(".results")).to_be_hidden()
        expect_server(presenter, results_visible=False)
        snap(projector, artifacts_dir / "projector-hidden.png")

        projector.keyboard.press("Space")
        expect(veil).to_be_hidden()
        expect(projector.locator(".results-box")).to_be_visible()
        expect(voter.locator(".results-count")).to_have_text("1 antwoord")
        expect_server(presenter, results_visible=True)

        projector.keyboard.press("o")
        expect(projector.locator("#st-voting")).to_have_text("Stemmen gesloten")
        expect_server(presenter, voting_open=False)
        for phone in (voter, latecomer):
            expect(phone.locator(".closed-title")).to_have_text("Stemmen is gesloten")
            expect(phone.locator(".choice")).to_have_count(0)
        expect(voter.locator(".summary-item")).to_have_text(["VDAB"])
        expect(latecomer.locator(".closed-none")).to_have_text(
            "Je hebt op deze vraag niet geantwoord."
        )
        snap(latecomer, artifacts_dir / "phone-closed.png")
        refused = presenter.answer_as(late_token, "rol", "vakbond")
        assert refused.status_code == 409
        assert refused.json()["error"] == "voting_closed"
        assert presenter.results()["rol"]["responses"] == 1

        projector.keyboard.press("O")
        expect(projector.locator("#st-voting")).to_have_text("Stemmen open")
        tap_choice(latecomer, "Vakbond")
        expect_received(latecomer)
        expect(projector.locator(bar("vakbond", "bar-count"))).to_have_text("1")
        expect_server(presenter, voting_open=True)


def test_script_answers_are_shown_as_text_and_run_nothing_on_projector_and_phone(
    server: LiveServer, projector_page: Page, phone_page: Page, artifacts_dir: Path
) -> None:
    projector, phone = projector_page, phone_page
    with presenter_for(server) as presenter:
        presenter.goto("onthouden")
        presenter.control("reveal")
        login_projector(projector, server)
        expect_projector_live(projector)
        join(phone, server)

        type_answers(phone, [XSS])
        expect_received(phone)
        expect(projector.locator(".wall-card")).to_have_text([XSS])
        expect(phone.locator(".summary-item")).to_have_text([XSS])
        expect(phone.locator(".ranswer")).to_have_text([XSS])  # the phone's revealed results
        expect(projector.locator(".wall-new")).to_have_count(0)
        snap(projector, artifacts_dir / "projector-xss.png")
        snap(phone, artifacts_dir / "phone-xss.png")

        presenter.goto("drijfveren")
        expect_prompt(phone, re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren"))
        type_answers(phone, XSS_WORDS)
        expect_received(phone)
        for typed in XSS_WORDS:
            # As a cloud counts it (punctuation such as . and _ dropped): still markup-like
            # text, which must show as text.
            word = normalise_entry(typed)
            assert "<" in word and ">" in word
            expect(projector.locator(".cloud-word", has_text=word)).to_have_count(1)
            expect(phone.locator(".rword-text", has_text=word)).to_have_count(1)
        snap(projector, artifacts_dir / "projector-xss-cloud.png")

    for page in (projector, phone):
        assert page.evaluate("typeof window.__pwned") == "undefined"
        expect(page.locator('img[src="x"]')).to_have_count(0)
        expect(page.locator("#app script, #stage script")).to_have_count(0)
