"""The presenter hides a single word-cloud entry or open answer from every view (issue 11):
absent from every websocket frame phones and the projector get after it, from `/results` and
the report; kept in the export with `hidden` = yes; shown again on `show_entry`."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
from conftest import LiveServer
from test_live_views import Screen, joined
from websockets.asyncio.client import connect

RUDE = "dit is een slecht idee"
OPEN_RUDE = "Iets wat niemand op het scherm wil zien"


async def control(http: httpx.AsyncClient, server: LiveServer, **body: str) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )


async def test_a_hidden_entry_leaves_every_frame_and_the_report_but_not_the_export(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 6)
        assert (await control(http, server, action="goto", question="drijfveren")).is_success
        for i, token in enumerate(tokens):
            words = ["vertrouwen", RUDE] if i % 2 else ["vertrouwen"]
            body = {"participant": token, "question": "drijfveren", "answer": words}
            assert (await http.post(f"/api/sessions/{server.code}/responses", json=body)).is_success
        phone_url = f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
        presenter_url = f"{server.ws_url}/ws/sessions/{server.code}/presenter"
        headers = server.admin_headers()
        async with (
            connect(phone_url) as phone_ws,
            connect(presenter_url, additional_headers=headers) as presenter_ws,
        ):
            phone, projector = Screen(phone_ws), Screen(presenter_ws)
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert projector.result and projector.result["counts"][RUDE] == 3
            assert phone.result and phone.result["counts"][RUDE] == 3

            hidden = await control(
                http, server, action="hide_entry", question="drijfveren", entry=RUDE
            )
            assert hidden.status_code == 200, hidden.text
            frames: list[str] = []
            for screen in (phone, projector):
                original = screen.take

                async def keep(text, original=original):
                    frames.append(text if isinstance(text, str) else text.decode())
                    await original(text)

                screen.take = keep  # type: ignore[method-assign]
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert frames and not any(RUDE in frame for frame in frames)
            assert RUDE not in projector.result["counts"] and RUDE not in phone.result["counts"]
            assert projector.result["counts"]["vertrouwen"] == 6

            shown = await control(
                http, server, action="show_entry", question="drijfveren", entry=RUDE
            )
            assert shown.status_code == 200
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert projector.result["counts"][RUDE] == 3

        assert (
            await control(http, server, action="hide_entry", question="drijfveren", entry=RUDE)
        ).is_success
        results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
        cloud = next(q for q in results.json()["questions"] if q["id"] == "drijfveren")
        assert RUDE not in cloud["counts"] and cloud["responses"] == 6
        report = await http.get(f"/present/{server.code}/report", headers=headers)
        assert report.status_code == 200 and RUDE not in report.text
        export = await http.get(f"/api/sessions/{server.code}/export.csv", headers=headers)
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        marked = [r for r in rows if r["answer"] == RUDE]
        assert len(marked) == 3 and all(r["hidden"] == "yes" for r in marked)
        assert all(r["hidden"] == "" for r in rows if r["answer"] == "vertrouwen")


async def test_an_open_answer_can_be_hidden_and_shown_again(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 2)
        assert (await control(http, server, action="goto", question="onthouden")).is_success
        for token, text in zip(tokens, [OPEN_RUDE, "Klein beginnen"], strict=True):
            body = {"participant": token, "question": "onthouden", "answer": [text]}
            assert (await http.post(f"/api/sessions/{server.code}/responses", json=body)).is_success
        await control(http, server, action="hide_entry", question="onthouden", entry=OPEN_RUDE)
        headers = server.admin_headers()
        results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
        wall = next(q for q in results.json()["questions"] if q["id"] == "onthouden")
        assert wall["answers"] == ["Klein beginnen"]
        await control(http, server, action="show_entry", question="onthouden", entry=OPEN_RUDE)
        results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
        wall = next(q for q in results.json()["questions"] if q["id"] == "onthouden")
        assert OPEN_RUDE in wall["answers"]


async def test_hiding_needs_free_text_and_an_entry(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        not_text = await control(http, server, action="hide_entry", question="rol", entry="vdab")
        assert not_text.status_code == 400 and not_text.json()["error"] == "not_free_text"
        no_entry = await control(http, server, action="hide_entry", question="drijfveren")
        assert no_entry.status_code == 400 and no_entry.json()["error"] == "missing_entry"
        bad = await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "hide_entry", "question": "drijfveren", "entry": 5},
            headers=server.admin_headers(),
        )
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
