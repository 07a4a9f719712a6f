"""The phone's outbox in a real Chromium against a real server: an answer the server is too busy
for waits the time the server asks (429 Retry-After) and then arrives, and an answer sent with a
token the server no longer takes arrives after the phone joins again. Either way the person sees
"waiting" or nothing at all, never an error, and the room counts the answer once.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_prompt,
    expect_received,
    join,
    pending_key,
    presenter_for,
    stored,
    tap_choice,
)
from conftest import LiveServer, ServerStarter
from playwright.sync_api import Page, Request, Response, Route, expect

pytestmark = pytest.mark.browser

PENDING = re.compile(r"\bsend-status-pending\b")


def posts_answered(page: Page) -> list[tuple[float, Response]]:
    """Every POST to the API (answers, joins) the page gets an answer to, with when it was sent."""
    seen: list[tuple[float, Response]] = []
    sent_at: dict[int, float] = {}

    def on_request(request: Request) -> None:
        if request.method == "POST" and "/api/" in request.url:
            sent_at[id(request)] = time.monotonic()

    def on_response(response: Response) -> None:
        if response.request.method == "POST" and "/api/" in response.url:
            seen.append((sent_at.get(id(response.request), time.monotonic()), response))

    page.on("request", on_request)
    page.on("response", on_response)
    return seen


def answers_in(posts: list[tuple[float, Response]]) -> list[tuple[float, Response]]:
    return [(at, response) for at, response in posts if response.url.endswith("/responses")]


def test_an_answer_the_server_is_too_busy_for_is_sent_again_after_its_retry_after(
    server_factory: ServerStarter, phone_page: Page
) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "0.2"})  # one answer per 5 s each
    phone = phone_page
    status = phone.locator("#send-status")
    posts = posts_answered(phone)
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        join(phone, server)
        expect_prompt(phone, "Wie zit er in onze sessie?")
        tap_choice(phone, "Vakbond")
        expect_received(phone)

        phone.locator(".btn-change").tap()
        tap_choice(phone, "VDAB")  # too soon after the first: 429 with Retry-After
        expect(status).to_have_class(PENDING, timeout=UI_TIMEOUT_MS)
        assert '"vdab"' in (stored(phone, pending_key(server.code)) or "")
        expect(phone.locator(".notice")).to_be_hidden()  # waiting is not an error

        expect_received(phone)  # the phone tried again by itself
        expect(phone.locator(".summary-item")).to_have_text(["VDAB"])
        assert stored(phone, pending_key(server.code)) is None
        counts = presenter.results()["rol"]

    sent = answers_in(posts)
    assert [response.status for _, response in sent] == [201, 429, 201]
    busy_at, busy = sent[1]
    wait_s = int(busy.headers["retry-after"])
    assert wait_s >= 1
    assert sent[2][0] - busy_at >= wait_s  # not sooner than the server asked
    assert (counts["responses"], counts["counts"]["vdab"], counts["counts"]["vakbond"]) == (1, 1, 0)


def test_an_answer_whose_token_is_refused_arrives_after_the_phone_joins_again(
    server: LiveServer, phone_page: Page
) -> None:
    phone = phone_page
    posts = posts_answered(phone)
    forged: list[str] = []

    def forge_once(route: Route) -> None:
        """The first answer goes out with a token this server never issued (as after a change
        of the server's secret); the server's refusal is its own."""
        if forged:
            route.continue_()
            return
        body = json.loads(route.request.post_data or "{}")
        token = body["participant"]
        body["participant"] = token[:-4] + ("BBBB" if token.endswith("AAAA") else "AAAA")
        forged.append(body["participant"])
        route.continue_(post_data=json.dumps(body))

    with presenter_for(server) as presenter:
        presenter.goto("rol")
        join(phone, server)
        expect_prompt(phone, "Wie zit er in onze sessie?")
        phone.route(re.compile(r"/responses$"), forge_once)
        tap_choice(phone, "Vakbond")

        expect_received(phone)
        expect(phone.locator(".notice")).to_be_hidden()
        counts = presenter.results()["rol"]

    # Refused, joined again (the server's cookie or a fresh join gives a token it takes), resent.
    steps = [(response.url.rsplit("/", 1)[-1], response.status) for _, response in posts]
    assert steps[0] == ("responses", 403), steps
    assert [step for step, _ in steps[1:]] == ["join", "responses"], steps
    assert steps[-1] == ("responses", 201), steps
    assert (counts["responses"], counts["counts"]["vakbond"]) == (1, 1)
