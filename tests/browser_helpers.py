"""What people do in the browser tests: a presenter's remote over HTTP, and the taps and typing
of a participant on a phone page or of a presenter on the login form.

Every step waits on what the page shows (Playwright's auto-waiting `expect`), never on a fixed
delay, so the tests are as fast as the app and do not flake on a busy machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PHONE, LiveServer
from playwright.sync_api import Browser, Page, expect

UI_TIMEOUT_MS = 10_000
RECEIVED_NL = "Antwoord ontvangen ✓"
HTTP_TIMEOUT_S = 10.0


class Presenter:
    """The presenter's side over HTTP with the admin token, as a remote or a script drives it."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.client = httpx.Client(
            base_url=server.base_url, headers=server.admin_headers(), timeout=HTTP_TIMEOUT_S
        )
        self.api = f"/api/sessions/{server.code}"

    def close(self) -> None:
        self.client.close()

    def control(self, action: str, question: str | None = None) -> dict[str, Any]:
        """One control action; fails the test on anything but 200 (with the server's reason)."""
        body: dict[str, str] = {"action": action}
        if question is not None:
            body["question"] = question
        response = self.client.post(f"{self.api}/control", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def goto(self, question: str) -> dict[str, Any]:
        return self.control("goto", question)

    def state(self) -> dict[str, Any]:
        """The public state, as any phone sees it."""
        response = httpx.get(f"{self.server.base_url}{self.api}", timeout=HTTP_TIMEOUT_S)
        assert response.status_code == 200, response.text
        return response.json()

    def results(self) -> dict[str, dict[str, Any]]:
        """`/results` keyed by question id."""
        response = self.client.get(f"{self.api}/results")
        assert response.status_code == 200, response.text
        return {question["id"]: question for question in response.json()["questions"]}

    def answer_as(self, token: str, question: str, answer: Any) -> httpx.Response:
        """Send an answer with a participant's token, the way the phone page does."""
        return httpx.post(
            f"{self.server.base_url}{self.api}/responses",
            json={"participant": token, "question": question, "answer": answer},
            timeout=HTTP_TIMEOUT_S,
        )


@contextmanager
def presenter_for(server: LiveServer) -> Iterator[Presenter]:
    remote = Presenter(server)
    try:
        yield remote
    finally:
        remote.close()


def token_key(code: str) -> str:
    """Where the phone (app/static/phone/storage.js) keeps the participant token."""
    return f"rondvraag:p:{code}"


def pending_key(code: str) -> str:
    """Where the phone (phone/storage.js) keeps an answer the server has not confirmed yet."""
    return f"rondvraag:pending:{code}"


def stored(page: Page, key: str) -> str | None:
    return page.evaluate("key => window.localStorage.getItem(key)", key)


def join(page: Page, server: LiveServer, join_url: str | None = None) -> str:
    """Open the join link (the one the QR code encodes), wait until joined; returns the token."""
    page.goto(join_url or f"{server.base_url}/j/{server.code}")
    page.wait_for_function(
        "key => !!window.localStorage.getItem(key)",
        arg=token_key(server.code),
        timeout=UI_TIMEOUT_MS,
    )
    token = stored(page, token_key(server.code))
    assert token
    return token


def expect_prompt(page: Page, prompt: str | re.Pattern[str]) -> None:
    """The phone shows this question (the live slide reached it)."""
    expect(page.locator(".slide-prompt")).to_have_text(prompt, timeout=UI_TIMEOUT_MS)


def expect_received(page: Page, text: str = RECEIVED_NL) -> None:
    """The phone confirms the server stored the answer."""
    status = page.locator("#send-status")
    expect(status).to_have_class(re.compile(r"\bsend-status-ok\b"), timeout=UI_TIMEOUT_MS)
    expect(status).to_have_text(text)


def tap_choice(page: Page, label: str) -> None:
    """Pick one option of a single-choice question: one tap sends it."""
    page.locator(".choice", has_text=re.compile(rf"^{re.escape(label)}$")).tap()


def type_answers(page: Page, texts: list[str]) -> None:
    """Fill the text fields of a word cloud or open question (adding fields as needed), send."""
    for index, text in enumerate(texts):
        if index > 0:
            page.locator(".btn-add").tap()
        field = page.locator(".text-input").nth(index)
        field.fill(text)
    page.locator(".btn-send").tap()


def tap_scales(page: Page, values: Mapping[int, int]) -> None:
    """Tap a value for some statements (by position), then send."""
    for row, value in values.items():
        button = page.locator("fieldset.scale").nth(row).locator(f'[data-value="{value}"]')
        button.tap()
        expect(button).to_have_attribute("aria-checked", "true")
    page.locator(".btn-send").tap()


def login_projector(page: Page, server: LiveServer, token: str | None = None) -> None:
    """Log in through the presenter form, as a person at the laptop does."""
    page.goto(f"{server.base_url}/present/{server.code}")
    page.locator("#token").fill(token if token is not None else server.token)
    page.locator("form.login-form button[type=submit]").click()


def expect_projector_live(page: Page) -> None:
    """The projector page is up: its socket delivered the presenter state (slide list filled)."""
    expect(page.locator("#slide-select option").first).to_be_attached(timeout=UI_TIMEOUT_MS)


def snap(page: Page, path: Path) -> None:
    """A screenshot for people to look at: the whole page, with fade-ins run to their end."""
    page.screenshot(path=path, full_page=True, animations="disabled")


def wait_until(page: Page, condition: Callable[[], bool], what: str) -> None:
    """Poll a condition on the test's side (e.g. a routed request arrived) while Playwright
    keeps delivering the page's events; fails the test after UI_TIMEOUT_MS."""
    step_ms = 20
    for _ in range(UI_TIMEOUT_MS // step_ms):
        if condition():
            return
        page.wait_for_timeout(step_ms)
    if not condition():
        pytest.fail(f"timed out waiting for {what}", pytrace=False)


@contextmanager
def staging(what: str) -> Iterator[None]:
    """Steps that set a scene: their failure is a broken test, never the expected failure of
    an xfail(raises=AssertionError) test."""
    try:
        yield
    except AssertionError as exc:
        pytest.fail(f"{what} failed: {exc}")


def new_phone_context_page(
    browser: Browser, js_errors: list[str], name: str, **overrides: Any
) -> tuple[Callable[[], None], Page]:
    """A phone in its own context with some options changed (e.g. the locale).

    Returns a closer and the page; uncaught page errors land in `js_errors` like the shared
    fixtures' pages, so the test fails on them.
    """
    context = browser.new_context(**{**PHONE, **overrides})
    page = context.new_page()
    page.on("pageerror", lambda error: js_errors.append(f"{name}: {error}"))
    return context.close, page
