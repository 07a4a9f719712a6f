"""The phone never loses a word, in a real Chromium: a draft (typed text, tapped scale values)
survives the presenter moving away and back, a reload, a dropped network and voting that closes
mid-sentence; Enter moves on to the next entry; messages that no longer apply go away; and the
keyboard paths of the answer forms work as a screen-reader user expects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_prompt,
    expect_received,
    join,
    new_phone_context_page,
    presenter_for,
    snap,
    tap_choice,
)
from conftest import LiveServer
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

DRIJFVEREN = re.compile(r"^Wat zijn voor jullie de belangrijkste drijfveren")
STELLINGEN = "Je mening over volgende stellingen"
CLOSED_MID_SENTENCE = "Het stemmen werd gesloten voor je antwoord verstuurd was."


# The elements that stick out to the right of the screen (the page then scrolls sideways).
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((node) => node.getBoundingClientRect().right > width + 0.5)
    .map((node) => `${node.tagName.toLowerCase()}.${node.className}: ${Math.round(
      node.getBoundingClientRect().right)}px`)
    .slice(0, 5);
}"""


def fields(page: Page) -> list[str]:
    return page.locator(".text-input").evaluate_all("inputs => inputs.map(i => i.value)")


def scale_button(page: Page, row: int, value: int):
    return page.locator("fieldset.scale").nth(row).locator(f'[data-value="{value}"]')


def test_typed_words_and_tapped_values_survive_moving_away_reload_and_network_loss(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    phone = phone_page
    with presenter_for(server) as presenter:
        presenter.goto("drijfveren")
        join(phone, server)
        expect_prompt(phone, DRIJFVEREN)
        phone.locator(".text-input").first.fill("vertrouwen")
        phone.locator(".btn-add").tap()
        phone.locator(".text-input").nth(1).fill("kennis del")  # mid-word

        presenter.goto("motief")  # the presenter moves on before the person sends
        expect(phone.locator(".text-input")).to_have_count(0, timeout=UI_TIMEOUT_MS)
        presenter.goto("drijfveren")
        expect_prompt(phone, DRIJFVEREN)
        assert fields(phone) == ["vertrouwen", "kennis del"]

        phone.reload()
        expect_prompt(phone, DRIJFVEREN)
        assert fields(phone) == ["vertrouwen", "kennis del"]

        # The network drops; meanwhile the presenter goes to the statements and back.
        phone.context.set_offline(True)
        expect(phone.locator("#conn-banner")).to_be_visible(timeout=UI_TIMEOUT_MS)
        presenter.goto("stellingen")
        presenter.goto("drijfveren")
        phone.context.set_offline(False)
        expect(phone.locator("#conn-banner")).to_be_hidden(timeout=UI_TIMEOUT_MS)
        assert fields(phone) == ["vertrouwen", "kennis del"]
        phone.locator(".text-input").nth(1).fill("kennis delen")
        phone.locator(".btn-send").tap()
        expect_received(phone)

        # Scales: two values tapped, not sent, then the slide changes and comes back.
        presenter.goto("stellingen")
        expect_prompt(phone, STELLINGEN)
        scale_button(phone, 0, 4).tap()
        scale_button(phone, 2, 2).tap()
        presenter.goto("vertrouwen-video")
        expect(phone.locator("fieldset.scale")).to_have_count(0, timeout=UI_TIMEOUT_MS)
        phone.reload()
        presenter.goto("stellingen")
        expect_prompt(phone, STELLINGEN)
        expect(scale_button(phone, 0, 4)).to_have_attribute("aria-checked", "true")
        expect(scale_button(phone, 2, 2)).to_have_attribute("aria-checked", "true")
        checked = phone.locator('.scale-btn[aria-checked="true"]')
        expect(checked).to_have_count(2)
        snap(phone, artifacts_dir / "phone-draft-scales-kept.png")

        # What was sent counts once; the draft of a question answered is gone.
        results = presenter.results()
    assert results["drijfveren"]["counts"] == {"vertrouwen": 1, "kennis delen": 1}
    assert results["stellingen"]["responses"] == 0


def test_voting_closed_mid_sentence_says_so_and_keeps_the_text_for_a_reopening(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    phone = phone_page
    with presenter_for(server) as presenter:
        presenter.goto("onthouden")
        join(phone, server)
        expect_prompt(phone, re.compile(r"^Welke al dan niet verrassende elementen"))
        phone.locator(".text-input").first.fill("Klein beginnen werkt, als het vertrouwen er")

        presenter.control("close")
        closed = phone.locator(".closed")
        expect(closed.locator(".closed-title")).to_have_text("Stemmen is gesloten")
        expect(closed.locator(".closed-draft")).to_contain_text(CLOSED_MID_SENTENCE)
        expect(closed.locator(".summary-item")).to_have_text(
            ["Klein beginnen werkt, als het vertrouwen er"]
        )
        expect(phone.get_by_text("Je hebt op deze vraag niet geantwoord.")).to_have_count(0)
        snap(phone, artifacts_dir / "phone-closed-mid-sentence.png")

        presenter.control("open")
        expect(phone.locator(".text-input").first).to_have_value(
            "Klein beginnen werkt, als het vertrouwen er", timeout=UI_TIMEOUT_MS
        )
        # A new round clears it: earlier answers and drafts no longer count.
        presenter.control("reset")
        expect(phone.locator(".text-input").first).to_have_value("", timeout=UI_TIMEOUT_MS)

        # Someone who wrote nothing is told they did not answer.
        presenter.control("close")
        expect(phone.locator(".closed-none")).to_have_text("Je hebt op deze vraag niet geantwoord.")


def test_enter_moves_to_the_next_entry_and_sends_on_the_last(
    server: LiveServer, phone_page: Page
) -> None:
    phone = phone_page
    with presenter_for(server) as presenter:
        presenter.goto("drijfveren")
        join(phone, server)
        expect_prompt(phone, DRIJFVEREN)
        # The limit is said once, by the phone (the deck's subtitle does not repeat it).
        expect(phone.get_by_text(re.compile("Tot 5 antwoorden"))).to_have_count(1)
        first = phone.locator(".text-input").first
        expect(first).to_have_attribute("enterkeyhint", "next")
        expect(first).to_have_attribute("aria-label", re.compile(r"^Wat zijn voor jullie"))
        words = ["vertrouwen", "tijdwinst", "kennis", "netwerk", "middelen"]
        first.focus()
        for word in words:
            phone.keyboard.type(word)
            phone.keyboard.press("Enter")
        # Four Enters made four more fields; the fifth sent all five at once.
        expect_received(phone)
        results = presenter.results()
    assert results["drijfveren"]["counts"] == dict.fromkeys(words, 1)


def test_too_late_goes_away_on_the_next_slide_and_a_late_joiner_is_not_told_first_question(
    server: LiveServer, browser: Browser, js_errors: list[str]
) -> None:
    close, phone = new_phone_context_page(browser, js_errors, "late")
    try:
        with presenter_for(server) as presenter:
            presenter.goto("rol")
            token = join(phone, server)
            expect_prompt(phone, "Wie zit er in onze sessie?")
            # The answer leaves the phone while voting is open and arrives after it closed.
            phone.context.set_offline(True)
            tap_choice(phone, "VDAB")
            presenter.control("close")
            phone.context.set_offline(False)
            expect(phone.locator(".notice")).to_contain_text("te laat", timeout=UI_TIMEOUT_MS)
            presenter.goto("samenwerking")
            presenter.goto("drijfveren")
            expect_prompt(phone, DRIJFVEREN)
            phone.wait_for_timeout(3_200)  # past the moment a "too late" may still belong
            presenter.goto("stellingen")
            expect_prompt(phone, STELLINGEN)
            expect(phone.locator(".notice")).to_be_hidden()

            # Back to the join slide in the middle of the talk.
            assert presenter.answer_as(token, "stellingen", {"expert": 3}).status_code == 201
            presenter.goto("meedoen")
            expect(phone.locator(".waiting-join .wait")).to_have_text(
                "Je bent binnen. Wacht op de volgende vraag…", timeout=UI_TIMEOUT_MS
            )
    finally:
        close()


def test_keyboard_paths_radio_group_scales_and_focus_on_the_confirmation(
    server: LiveServer, phone_page: Page
) -> None:
    phone = phone_page
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        join(phone, server)
        expect_prompt(phone, "Wie zit er in onze sessie?")
        group = phone.get_by_role("radiogroup", name="Wie zit er in onze sessie?")
        expect(group.get_by_role("radio")).to_have_count(9)
        radios = group.get_by_role("radio")
        radios.first.focus()
        phone.keyboard.press("ArrowDown")
        phone.keyboard.press("ArrowDown")
        expect(radios.nth(2)).to_be_focused()  # VDAB, "3 of 9"; nothing sent by moving
        expect(radios.nth(2)).to_have_attribute("tabindex", "0")
        assert presenter.results()["rol"]["responses"] == 0
        phone.keyboard.press("Space")
        expect_received(phone)
        # Focus went to the confirmation, a live region that was already there.
        expect(phone.locator("#send-status")).to_be_focused()
        expect(phone.locator("#send-status")).to_have_attribute("role", "status")

        presenter.goto("stellingen")
        expect_prompt(phone, STELLINGEN)
        first = phone.get_by_role(
            "radiogroup", name=re.compile("^Je hebt een samenwerkingsovereenkomst nodig")
        )
        expect(first.get_by_role("radio", name="1, Helemaal oneens")).to_have_count(1)
        expect(first.get_by_role("radio", name="5, Helemaal eens")).to_have_count(1)
        first.get_by_role("radio", name="3").focus()
        phone.keyboard.press("ArrowRight")
        expect(first.get_by_role("radio", name="4")).to_have_attribute("aria-checked", "true")
        phone.keyboard.press("Tab")  # out of the group, to the next statement's group
        phone.keyboard.press("ArrowRight")
        phone.locator(".btn-send").click()
        expect_received(phone)
        results = presenter.results()
    assert results["rol"]["counts"]["vdab"] == 1
    assert results["stellingen"]["statements"]["overeenkomst"]["mean"] == 4
    assert results["stellingen"]["statements"]["expert"]["mean"] == 2


@pytest.mark.parametrize(("width", "zoom"), [(320, 1), (160, 2)], ids=["320px", "320px-200pct"])
def test_scale_buttons_stay_in_one_row_in_order_without_sideways_scrolling(
    server: LiveServer,
    browser: Browser,
    js_errors: list[str],
    width: int,
    zoom: int,
    artifacts_dir: Path,
) -> None:
    # 200 % zoom on a 320 px phone lays the page out in 160 CSS pixels.
    close, phone = new_phone_context_page(
        browser,
        js_errors,
        "narrow",
        viewport={"width": width, "height": 640},
        device_scale_factor=2 * zoom,
    )
    try:
        with presenter_for(server) as presenter:
            presenter.goto("stellingen")
            join(phone, server)
            expect_prompt(phone, STELLINGEN)
            for row in range(4):
                boxes = [scale_button(phone, row, v).bounding_box() for v in range(1, 6)]
                assert all(boxes), "a scale button is not drawn"
                tops = {round(box["y"]) for box in boxes}
                lefts = [box["x"] for box in boxes]
                assert len(tops) == 1, f"statement {row}: the buttons wrap ({tops})"
                assert lefts == sorted(lefts), f"statement {row}: out of order"
                assert boxes[-1]["x"] + boxes[-1]["width"] <= width
            wide = phone.evaluate(WIDER_THAN_THE_SCREEN)
            assert not wide, f"the page scrolls sideways: {wide}"
            # Send stays in reach at the bottom of the screen while statements scroll past.
            send = phone.locator(".btn-send")
            box = send.bounding_box()
            assert box and box["y"] + box["height"] <= 640, "Send is below the screen"
            snap(phone, artifacts_dir / f"phone-scales-{width}-x{zoom}.png")
    finally:
        close()
