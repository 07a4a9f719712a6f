"""The phone page's first state, compression and cache lifetimes, over HTTP against a real server.

The phone page carries the live slide and, for a person's browser, the join: through the same
gate as `POST /join` (lanes, key, cap, lock), never for link previews. Text is gzipped except
on the hot vote path; versioned static files are cached for good, others revalidated.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import rjsmin
from conftest import LiveServer
from websockets.asyncio.client import connect

from app.web.assets import PHONE_SCRIPTS
from app.web.pages import ASSET_VERSION

# What Chromium sends when a person opens a link (Fetch Metadata).
NAVIGATION = {
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Site": "none",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
}
FIRST_STATE = re.compile(r'<script type="application/json" id="first-state">(.*?)</script>', re.S)
IMMUTABLE = "public, max-age=31536000, immutable"


def first_state(page: httpx.Response) -> dict[str, Any]:
    assert page.status_code == 200, page.text
    found = FIRST_STATE.findall(page.text)
    assert len(found) == 1, "the phone page must carry exactly one first state"
    return json.loads(found[0])


def open_page(server: LiveServer, headers: dict[str, str] | None = None, **params: str):
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        page = http.get(f"/j/{server.code}", params=params)
        return page, first_state(page)


def presenter(server: LiveServer) -> dict[str, Any]:
    response = httpx.get(
        f"{server.base_url}/api/sessions/{server.code}/presenter", headers=server.admin_headers()
    )
    assert response.status_code == 200, response.text
    return response.json()["presenter"]


def control(server: LiveServer, action: str, **extra: str) -> None:
    response = httpx.post(
        f"{server.base_url}/api/sessions/{server.code}/control",
        json={"action": action, **extra},
        headers=server.admin_headers(),
    )
    assert response.status_code == 200, response.text


async def test_the_page_carries_the_websockets_first_state_and_a_join(server: LiveServer) -> None:
    control(server, "goto", question="rol")
    page, first = open_page(server, NAVIGATION)
    async with connect(f"{server.ws_url}/ws/sessions/{server.code}") as socket:
        from_socket = json.loads(await socket.recv())
    assert first["state"] == from_socket
    assert first["state"]["slide"]["id"] == "rol"
    token = first["join"]["participant"]
    assert first["join"]["status"] == 201
    assert page.cookies[f"rondvraag_p_{server.code}"] == token
    assert presenter(server)["participants"] == 1

    # The same participant with its cookie: welcomed back (200) with its answers, no new join.
    with httpx.Client(base_url=server.base_url, headers=NAVIGATION) as http:
        http.cookies.set(f"rondvraag_p_{server.code}", token)
        voted = http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": token, "question": "rol", "answer": "vdab"},
        )
        assert voted.status_code == 201, voted.text
        again = first_state(http.get(f"/j/{server.code}"))
        rejoin = http.post(f"/api/sessions/{server.code}/join", json={})
    assert again["join"] == {"status": 200, "participant": token}
    assert again["answers"] == {"rol": ["vdab"]}
    assert rejoin.status_code == 200 and rejoin.json()["participant"] == token
    assert presenter(server)["participants"] == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-fetch-metadata"),
        pytest.param({**NAVIGATION, "User-Agent": "Slackbot-LinkExpanding 1.0"}, id="slackbot"),
        pytest.param(
            {**NAVIGATION, "User-Agent": "facebookexternalhit/1.1 Facebot Twitterbot/1.0"},
            id="imessage-preview",
        ),
        pytest.param({**NAVIGATION, "Sec-Purpose": "prefetch;prerender"}, id="prerender"),
        pytest.param({**NAVIGATION, "Sec-Fetch-Dest": "iframe"}, id="frame"),
        pytest.param({**NAVIGATION, "Sec-Fetch-Mode": "no-cors"}, id="other-sites-fetch"),
    ],
)
def test_link_previews_and_other_fetches_get_the_state_but_never_join(
    server: LiveServer, headers: dict[str, str]
) -> None:
    page, first = open_page(server, headers)
    assert first["state"]["code"] == server.code
    assert "join" not in first
    assert f"rondvraag_p_{server.code}" not in page.cookies
    assert presenter(server)["participants"] == 0


def test_page_joins_spend_the_same_lanes_as_post_join(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_JOIN_RATE": "0.5"})
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 70:  # the keyless lane's burst of 50
        statuses.append(open_page(server, NAVIGATION)[1]["join"]["status"])
    assert statuses[-1] == 429 and 50 <= statuses.count(201) <= 60
    page, first = open_page(server, NAVIGATION)
    assert first["join"]["status"] == 429 and first["join"]["error"] == "rate_limited"
    assert first["join"]["retry_after"] >= 1
    assert f"rondvraag_p_{server.code}" not in page.cookies
    with httpx.Client(base_url=server.base_url) as http:
        assert http.post(f"/api/sessions/{server.code}/join", json={}).status_code == 429
        key = presenter(server)["join_key"]  # the QR code's key opens the generous lane
        assert open_page(server, NAVIGATION, k=key)[1]["join"]["status"] == 201
        assert http.post(f"/api/sessions/{server.code}/join", json={"key": key}).status_code == 201
    assert presenter(server)["participants"] == statuses.count(201) + 2


def test_page_joins_respect_the_lock_and_the_cap(server_factory) -> None:
    server = server_factory(args=["--max-participants", "2"])
    assert open_page(server, NAVIGATION)[1]["join"]["status"] == 201
    control(server, "lock")
    locked = open_page(server, NAVIGATION)[1]["join"]
    assert locked["status"] == 409 and locked["error"] == "joining_locked"
    control(server, "unlock")
    with httpx.Client(base_url=server.base_url) as http:
        assert http.post(f"/api/sessions/{server.code}/join", json={}).status_code == 201
    full = open_page(server, NAVIGATION)[1]["join"]
    assert full["status"] == 409 and full["error"] == "session_full"
    assert presenter(server)["participants"] == 2


def test_deck_text_cannot_break_out_of_the_embedded_state(server_factory, tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script><!-- & ' \u2028 \" -->"
    deck = tmp_path / "evil.yaml"
    deck.write_text(
        json.dumps(
            {
                "title": f"T {evil}",
                "language": "en",
                "slides": [
                    {
                        "type": "choice",
                        "id": "q",
                        "prompt": evil,
                        "options": [{"id": "a", "label": evil}, {"id": "b", "label": "B"}],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    server = server_factory(deck=str(deck))
    page, first = open_page(server, NAVIGATION)
    assert first["state"]["slide"]["prompt"] == evil
    assert first["state"]["slide"]["options"][0]["label"] == evil
    embedded = FIRST_STATE.findall(page.text)[0]
    assert not re.search(r"[<>&]", embedded)


def test_text_is_gzipped_but_small_and_hot_responses_are_not(server: LiveServer) -> None:
    control(server, "goto", question="rol")
    with httpx.Client(base_url=server.base_url, headers={"Accept-Encoding": "gzip"}) as http:
        for path in (
            f"/j/{server.code}",
            f"/static/bundle/phone.js?v={ASSET_VERSION}",
            f"/static/bundle/phone.css?v={ASSET_VERSION}",
            f"/static/present.js?v={ASSET_VERSION}",
            f"/api/sessions/{server.code}",
            "/openapi.json",
        ):
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers.get("content-encoding") == "gzip", path
            assert "Accept-Encoding" in response.headers.get("vary", ""), path
        token = http.post(f"/api/sessions/{server.code}/join", json={}).json()["participant"]
        vote = http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": token, "question": "rol", "answer": "vdab"},
        )
        assert vote.status_code == 201 and "content-encoding" not in vote.headers
        assert "content-encoding" not in http.get("/healthz").headers  # under 500 bytes

        # The export is the same file, compressed or not, and still a download.
        export = f"/api/sessions/{server.code}/export.csv?view=summary"
        csv = http.get(export, headers=server.admin_headers())
        raw = httpx.get(
            f"{server.base_url}{export}",
            headers={**server.admin_headers(), "Accept-Encoding": "identity"},
        )
    assert csv.status_code == raw.status_code == 200
    assert csv.headers["content-encoding"] == "gzip" and "content-encoding" not in raw.headers
    assert csv.content == raw.content and "vdab" in raw.text.lower()
    assert csv.headers["content-disposition"].startswith("attachment;")


def test_a_browser_without_gzip_gets_the_same_bundle_uncompressed(server: LiveServer) -> None:
    url = f"{server.base_url}/static/bundle/phone.js?v={ASSET_VERSION}"
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"})
    packed = httpx.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("text/javascript")
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx has unpacked it
    assert {"types/wordcloud.js", "phone/outbox.js", "phone.js"} <= set(PHONE_SCRIPTS)
    at = -1
    for source in PHONE_SCRIPTS:  # each file whole, in load order (parts before the controller)
        text = rjsmin.jsmin((Path("app/static") / source).read_text(encoding="utf-8")).strip()
        assert text in plain.text, f"{source} is not in the phone bundle"
        assert plain.text.index(text) > at, f"{source} is out of order in the phone bundle"
        at = plain.text.index(text)
    assert httpx.get(f"{server.base_url}/static/bundle/nothing.js").status_code == 404


def test_versioned_static_is_cached_for_good_and_the_rest_revalidated(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        for path in ("/static/phone.css", "/static/bundle/phone.js"):
            versioned = http.get(f"{path}?v={ASSET_VERSION}")
            assert versioned.headers["cache-control"] == IMMUTABLE, path
            assert http.get(path).headers["cache-control"] == "no-cache", path
            assert http.get(f"{path}?v=0123456789").headers["cache-control"] == "no-cache", path
        page = http.get(f"/j/{server.code}")
        assert page.headers["cache-control"] == "no-store"  # it may hold the phone's token
        for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            url = html.unescape(url)
            assert f"?v={ASSET_VERSION}" in url, url
            assert http.get(url).headers["cache-control"] == IMMUTABLE, url


def test_a_phone_downloads_only_the_slide_types_its_deck_uses(server: LiveServer) -> None:
    page = httpx.get(f"{server.base_url}/j/{server.code}").text
    scripts = [html.unescape(u) for u in re.findall(r'src="(/static/bundle/[^"]+)"', page)]
    assert scripts == [
        f"/static/bundle/phone.js?v={ASSET_VERSION}&types=choice.content.join.open.scales.wordcloud"
    ]
    deck = httpx.get(f"{server.base_url}{scripts[0]}").text
    everything = httpx.get(f"{server.base_url}/static/bundle/phone.js?v={ASSET_VERSION}").text
    assert 'register("wordcloud"' in deck and 'register("quiz"' not in deck
    assert 'register("quiz"' in everything and len(deck) < len(everything)
    unknown = f"{server.base_url}/static/bundle/phone.js?v={ASSET_VERSION}&types=choice.nope"
    assert httpx.get(unknown).status_code == 404
