"""Smoke tests of the shared fixtures: if these fail, every other failure is suspect."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
import redis
from conftest import ADMIN_TOKEN, LiveServer
from playwright.sync_api import Page

GREETING = (
    "<!doctype html><meta charset=utf-8>"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>rooktest</title><h1>Dag iedereen, één vraag</h1>"
)


@pytest.mark.browser
def test_phone_page_renders_html_in_debian_chromium(phone_page: Page, artifacts_dir: Path) -> None:
    phone_page.set_content(GREETING)
    assert phone_page.inner_text("h1") == "Dag iedereen, één vraag"
    assert phone_page.evaluate("window.innerWidth") == 360
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0
    assert phone_page.evaluate("navigator.language") == "nl-BE"
    assert "Chrome/" in phone_page.evaluate("navigator.userAgent")
    shot = artifacts_dir / "infra-smoke-phone.png"
    phone_page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.browser
def test_projector_page_opens_a_data_url_at_full_hd(projector_page: Page) -> None:
    projector_page.goto("data:text/html;charset=utf-8,<p id=t>Resultaten</p>")
    assert projector_page.inner_text("#t") == "Resultaten"
    assert projector_page.evaluate("[window.innerWidth, window.innerHeight]") == [1920, 1080]


async def test_async_tests_still_run_after_the_browser_started() -> None:
    """Sync Playwright marks its loop as running; the conftest parks it for async tests."""
    assert await asyncio.sleep(0, result="ok") == "ok"


@pytest.mark.browser
def test_browser_still_works_after_an_async_test(phone_page: Page) -> None:
    phone_page.set_content("<p>nog altijd</p>")
    assert phone_page.inner_text("p") == "nog altijd"


@pytest.mark.redis
def test_redis_server_stores_and_returns_values(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        assert client.dbsize() == 0
        client.set("rondvraag:smoke", "één")
        assert client.get("rondvraag:smoke").decode() == "één"


def test_server_answers_healthz_and_lists_its_session(server: LiveServer) -> None:
    health = httpx.get(f"{server.base_url}/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert re.fullmatch(r"\d{6}", server.code)
    sessions = httpx.get(
        f"{server.base_url}/api/sessions", headers=server.admin_headers(), timeout=5
    ).json()["sessions"]
    assert any(s["code"] == server.code for s in sessions)
    assert server.token == ADMIN_TOKEN
    assert server.stop() is not None
    assert server.process.poll() is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/healthz", timeout=2)
