"""The phone page on a weak link (400 kbps each way, 400 ms round trip), in Chromium.

Chromium throttles the network through the DevTools protocol (`Network.emulateNetworkConditions`)
and a first-time phone opens the join URL with a cold cache, then again with a warm one. The
figures (bytes, requests, time until the question is drawn) are printed for BENCHMARKS.md, never
asserted: timings depend on the machine. What a person notices is asserted: the question is
drawn from the page itself while the socket is still silent, text is compressed, and versioned
static files are cached for good, so a second visit fetches only the page.

Rerun: `python -m pytest -s tests/test_browser_weaklink.py -k figures`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    UI_TIMEOUT_MS,
    expect_prompt,
    expect_received,
    join,
    presenter_for,
    snap,
    stored,
    tap_choice,
    token_key,
)
from conftest import PHONE, LiveServer
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Route,
    WebSocketRoute,
    expect,
)

pytestmark = pytest.mark.browser

KBPS = 400
ROUND_TRIP_MS = 400
ROL_PROMPT = "Wie zit er in onze sessie?"

# When the first question prompt with text is in the document and a frame has been drawn
# after it: `performance.now()` counts from the start of the navigation.
PROMPT_CLOCK = """
(() => {
  window.__firstPromptAt = null;
  const seen = () => {
    const prompt = document.querySelector(".slide-prompt");
    if (window.__firstPromptAt !== null || !prompt || !prompt.textContent) return false;
    window.__firstPromptAt = -1;
    requestAnimationFrame(() => { window.__firstPromptAt = performance.now(); });
    return true;
  };
  const watcher = new MutationObserver(() => { if (seen()) watcher.disconnect(); });
  watcher.observe(document, { childList: true, subtree: true, characterData: true });
})();
"""


@dataclass
class Visit:
    """What one page load cost on the throttled link, from the DevTools protocol's events."""

    requests: dict[str, str] = field(default_factory=dict)  # request id -> URL
    sizes: dict[str, int] = field(default_factory=dict)  # request id -> bytes on the wire
    cached: set[str] = field(default_factory=set)  # request ids the browser's cache answered
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # URL -> response headers
    start: float | None = None  # the document request (CDP monotonic seconds)
    socket_open: float | None = None
    prompt_ms: float | None = None

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes.values())

    @property
    def fetched(self) -> list[str]:
        """The URLs that went over the network (not answered by the cache)."""
        return [url for rid, url in self.requests.items() if rid not in self.cached]

    @property
    def socket_open_ms(self) -> float | None:
        if self.socket_open is None or self.start is None:
            return None
        return (self.socket_open - self.start) * 1000

    def line(self, label: str) -> str:
        socket_ms = self.socket_open_ms
        return (
            f"{label}: {self.total_bytes / 1000:.1f} KB over {len(self.fetched)} requests"
            f" (+ {len(self.cached)} from the cache, + the websocket), question drawn at"
            f" {self.prompt_ms:.0f} ms, websocket open at "
            + (f"{socket_ms:.0f} ms" if socket_ms is not None else "-")
        )


def throttled(context: BrowserContext, page: Page) -> tuple[CDPSession, Visit]:
    """Throttle the page's network and record each request's transfer size and headers."""
    cdp = context.new_cdp_session(page)
    visit = Visit()
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": ROUND_TRIP_MS,
            "downloadThroughput": KBPS * 1000 / 8,
            "uploadThroughput": KBPS * 1000 / 8,
        },
    )

    def sent(event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if url.startswith("data:"):
            return
        visit.requests[event["requestId"]] = url
        if visit.start is None and event.get("type") == "Document":
            visit.start = event["timestamp"]

    def received(event: dict[str, Any]) -> None:
        response = event["response"]
        visit.headers[response["url"]] = {k.lower(): v for k, v in response["headers"].items()}
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            visit.cached.add(event["requestId"])

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in visit.requests:
            visit.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def socket_opened(event: dict[str, Any]) -> None:
        if visit.socket_open is None:
            visit.socket_open = event["timestamp"]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", lambda event: visit.cached.add(event["requestId"]))
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.webSocketHandshakeResponseReceived", socket_opened)
    return cdp, visit


def open_throttled(page: Page, context: BrowserContext, url: str) -> Visit:
    """Open `url` on the throttled link and wait until the question is drawn."""
    _, visit = throttled(context, page)
    page.goto(url)
    expect_prompt(page, ROL_PROMPT)
    page.wait_for_function("() => window.__firstPromptAt > 0", timeout=UI_TIMEOUT_MS)
    visit.prompt_ms = float(page.evaluate("() => window.__firstPromptAt"))
    # Let the socket open and late requests land before the figures are read.
    page.wait_for_function(
        "key => !!window.localStorage.getItem(key)", arg=token_key_of(url), timeout=UI_TIMEOUT_MS
    )
    page.wait_for_timeout(3000)
    return visit


def token_key_of(url: str) -> str:
    match = re.search(r"/j/(\d{6})", url)
    assert match, url
    return token_key(match.group(1))


def test_figures_cold_and_warm_phone_on_a_weak_link(server: LiveServer, browser: Browser) -> None:
    """Prints bytes, requests and time to the drawn question, first visit and second visit;
    asserts the text came gzipped, versioned files are cached for good, and the second visit
    fetched only the page itself."""
    with presenter_for(server) as presenter:
        presenter.goto("rol")
    url = f"{server.base_url}/j/{server.code}"
    context = browser.new_context(**PHONE)
    try:
        context.add_init_script(PROMPT_CLOCK)
        cold = open_throttled(context.new_page(), context, url)
        warm = open_throttled(context.new_page(), context, url)
    finally:
        context.close()
    print()
    print(f"weak link ({KBPS} kbps each way, {ROUND_TRIP_MS} ms round trip)")
    print(cold.line("first visit, cold cache"))
    print(warm.line("second visit, warm cache"))
    for request_id, request_url in cold.requests.items():
        encoding = cold.headers.get(request_url, {}).get("content-encoding", "-")
        size = cold.sizes.get(request_id, 0)
        print(f"  {size:>7} B  {encoding:<5} {request_url.replace(server.base_url, '')}")

    fetched = [u.replace(server.base_url, "") for u in cold.fetched]
    texts = [u for u in fetched if not u.startswith("/static/favicon")]
    assert any(u.startswith("/j/") for u in texts) and any(".js" in u for u in texts)
    for path in texts:
        assert cold.headers[server.base_url + path].get("content-encoding") == "gzip", path
    for path in fetched:
        if path.startswith("/static/"):
            assert "?v=" in path, path
            cache = cold.headers[server.base_url + path].get("cache-control")
            assert cache == "public, max-age=31536000, immutable", path
    again = [u.replace(server.base_url, "") for u in warm.fetched]
    assert again == [f"/j/{server.code}"], "the second visit fetched more than the page"


class Socket:
    """Routes the page's websocket: through to the server, or held silent (open to the page,
    never a message) while `blocked`."""

    def __init__(self) -> None:
        self.blocked = True

    def __call__(self, route: WebSocketRoute) -> None:
        if not self.blocked:
            route.connect_to_server()


def record_api(page: Page) -> list[str]:
    """The API requests the page makes from now on (they still reach the server)."""
    made: list[str] = []

    def record(route: Route) -> None:
        made.append(f"{route.request.method} {route.request.url}")
        route.continue_()

    page.route(re.compile(r"/api/"), record)
    return made


def test_question_is_drawn_from_the_page_while_the_socket_is_silent(
    server: LiveServer, phone_page: Page, artifacts_dir: Path
) -> None:
    with presenter_for(server) as presenter:
        presenter.goto("rol")
    phone = phone_page
    phone.route_web_socket(re.compile(r"/ws/sessions/"), Socket())
    api_requests = record_api(phone)
    phone.goto(f"{server.base_url}/j/{server.code}")
    expect_prompt(phone, ROL_PROMPT)
    expect(phone.locator(".choice")).to_have_count(9)
    snap(phone, artifacts_dir / "phone-first-state.png")
    token = stored(phone, token_key(server.code))
    assert token, "the phone has no participant token after the page loaded"
    cookies = {c["name"]: c["value"] for c in phone.context.cookies()}
    assert cookies.get(f"rondvraag_p_{server.code}") == token
    assert api_requests == [], "the phone needed the API before drawing the question"


def test_a_returning_phone_draws_its_answer_at_once_and_keeps_its_participant(
    server: LiveServer, phone_page: Page
) -> None:
    phone = phone_page
    socket = Socket()
    socket.blocked = False
    phone.route_web_socket(re.compile(r"/ws/sessions/"), socket)
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        token = join(phone, server)
        tap_choice(phone, "VDAB")
        expect_received(phone)

        # Reloaded with the socket silent: the page brings the answer along, no join needed.
        socket.blocked = True
        api_requests = record_api(phone)
        phone.reload()
        expect(phone.locator(".summary-item")).to_have_text(["VDAB"], timeout=UI_TIMEOUT_MS)
        assert stored(phone, token_key(server.code)) == token
        assert api_requests == []

        # The cookie is gone but the phone kept its token: it stays the same participant (the
        # page's join is put aside), and its answer is still its own.
        socket.blocked = False
        phone.context.clear_cookies()
        phone.reload()
        expect(phone.locator(".summary-item")).to_have_text(["VDAB"], timeout=UI_TIMEOUT_MS)
        assert stored(phone, token_key(server.code)) == token
        cookies = {c["name"]: c["value"] for c in phone.context.cookies()}
        assert cookies.get(f"rondvraag_p_{server.code}") == token
        assert presenter.results()["rol"]["responses"] == 1


def test_a_phone_whose_kept_token_is_refused_takes_the_pages_join(
    server: LiveServer, phone_page: Page
) -> None:
    """Not a third participant: the page's join, put aside for the kept token, is used."""
    phone = phone_page
    first = join(phone, server)
    phone.evaluate(
        "key => window.localStorage.setItem(key, 'forged.AAAAAAAAAAAAAAAAAAAAAAAA')",
        token_key(server.code),
    )
    phone.context.clear_cookies()
    phone.reload()
    phone.wait_for_function(
        "([key, old]) => { const t = window.localStorage.getItem(key); return t && t !== old; }",
        arg=[token_key(server.code), "forged.AAAAAAAAAAAAAAAAAAAAAAAA"],
        timeout=UI_TIMEOUT_MS,
    )
    token = stored(phone, token_key(server.code))
    cookies = {c["name"]: c["value"] for c in phone.context.cookies()}
    assert token != first and cookies.get(f"rondvraag_p_{server.code}") == token
    with presenter_for(server) as presenter:
        view = presenter.client.get(f"{presenter.api}/presenter").json()["presenter"]
    assert view["participants"] == 2  # the first visit and the page's join, nothing more


def test_locked_joining_is_said_at_once_with_the_question_drawn(
    server: LiveServer, phone_page: Page
) -> None:
    with presenter_for(server) as presenter:
        presenter.goto("rol")
        presenter.control("lock")
        phone_page.goto(f"{server.base_url}/j/{server.code}")
        expect_prompt(phone_page, ROL_PROMPT)
        expect(phone_page.locator(".notice-error")).to_have_text(
            "Aanmelden is even gesloten door de presentator. We proberen het zo opnieuw."
        )
        assert stored(phone_page, token_key(server.code)) is None
