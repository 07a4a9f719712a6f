"""Moderation of free text (issue 11). The presenter hides a single word-cloud entry or open
answer from every view: absent from every websocket frame phones and the projector get after
it, from `/results` and the report; kept in the export with `hidden` = yes; shown again on
`show_entry`. The deck's `moderation` holds flagged (`filter`, the default) or all (`approve`)
entries off every phone, the report and the projector's results until `approve_entry`."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import httpx
import pytest
from conftest import DEFAULT_DECK, LiveServer, ServerStarter
from test_live_views import Screen, joined
from websockets.asyncio.client import connect

from app.domain.errors import DeckError
from app.domain.loader import parse_deck
from app.domain.moderation import EntryRules, flagged, visible

DECK = Path(DEFAULT_DECK).read_text(encoding="utf-8")

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


# --- the filter and approval (deck-level `moderation`) ---------------------------------------

SWEAR = "klootzak"  # on the maintained Dutch list (app/domain/wordlists/ldnoobw-nl.txt)


@pytest.mark.parametrize(
    "text", ["klootzak", "Wat een KUT idee", "hoer", "shit happens", "bullshit", "lul", "cunt"]
)
def test_the_filter_flags_a_listed_word_dutch_or_english(text: str) -> None:
    assert flagged(text)


@pytest.mark.parametrize(
    "text",
    [
        "kutlu",
        "pikant",
        "hoera",
        "Lulu",
        "Scunthorpe",
        "assessment",
        "samenwerking",
        "We zijn met 455 leden",  # a number is no leetspeak ("ass")
    ],
)
def test_the_filter_leaves_a_word_that_merely_contains_one(text: str) -> None:
    assert not flagged(text)


def test_off_filter_and_approve_decide_what_waits_for_the_presenter() -> None:
    deck = parse_deck(DECK, name="samenwerking")
    cloud = deck.question("drijfveren")
    assert cloud is not None and deck.moderation == "filter"  # the default
    result = {"id": "drijfveren", "responses": 3, "counts": {"vertrouwen": 2, SWEAR: 1}}
    filtered = visible(cloud, result, EntryRules(mode="filter"), presenter=True)
    assert filtered["counts"] == {"vertrouwen": 2} and filtered["held"] == [SWEAR]
    assert "held" not in visible(cloud, result, EntryRules(mode="filter"))
    assert visible(cloud, result, EntryRules(mode="off")) == result
    everything = visible(cloud, result, EntryRules(mode="approve"), presenter=True)
    assert everything["counts"] == {} and everything["held"] == ["vertrouwen", SWEAR]
    approved = EntryRules(mode="approve", approved=frozenset({"vertrouwen"}))
    assert visible(cloud, result, approved)["counts"] == {"vertrouwen": 2}
    rejected = EntryRules(mode="filter", hidden=frozenset({SWEAR}))
    assert visible(cloud, result, rejected, presenter=True)["held"] == []
    with pytest.raises(DeckError, match="'moderation'"):
        parse_deck(DECK.replace("language: nl", "language: nl\nmoderation: strict"))


def moderated_deck(tmp_path: Path, mode: str) -> str:
    path = tmp_path / "samenwerking.yaml"
    path.write_text(DECK.replace("language: nl", f"language: nl\nmoderation: {mode}", 1))
    return str(path)


async def test_a_flagged_word_is_held_off_every_phone_frame_until_approved(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 5)  # a group of 5: shown split by rol
        assert (await control(http, server, action="goto", question="drijfveren")).is_success
        assert (await control(http, server, action="reveal")).is_success
        phone_url = f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
        presenter_url = f"{server.ws_url}/ws/sessions/{server.code}/presenter"
        headers = server.admin_headers()
        async with (
            connect(phone_url) as phone_ws,
            connect(presenter_url, additional_headers=headers) as presenter_ws,
        ):
            phone, projector = Screen(phone_ws), Screen(presenter_ws)
            phone_frames = recorded(phone)
            for i, token in enumerate(tokens):
                words = ["vertrouwen", "Klootzak!"] if i % 2 else ["vertrouwen"]
                body = {"participant": token, "question": "drijfveren", "answer": words}
                sent = await http.post(f"/api/sessions/{server.code}/responses", json=body)
                assert sent.is_success
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert phone_frames and not any(SWEAR in f.lower() for f in phone_frames)
            assert phone.result and phone.result["counts"] == {"vertrouwen": 5}
            assert projector.result and projector.result["held"] == [SWEAR]
            assert SWEAR not in projector.result["counts"]

            results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
            cloud = next(q for q in results.json()["questions"] if q["id"] == "drijfveren")
            assert cloud["held"] == [SWEAR] and SWEAR not in cloud["counts"]
            split = await http.get(
                f"/api/sessions/{server.code}/results?by=rol&rounds=all", headers=headers
            )
            cloud = next(q for q in split.json()["questions"] if q["id"] == "drijfveren")
            assert cloud["segments"]["_none"]["counts"] == {"vertrouwen": 5}
            assert SWEAR not in str(cloud["segments"]) and SWEAR not in str(cloud["rounds"])
            report = await http.get(f"/present/{server.code}/report", headers=headers)
            assert SWEAR not in report.text.lower()
            assert statuses(await export(http, server), SWEAR) == ["held", "held"]

            approved = await control(
                http, server, action="approve_entry", question="drijfveren", entry=SWEAR
            )
            assert approved.status_code == 200, approved.text
            assert approved.json()["type"] == "state"
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert phone.result["counts"] == {"vertrouwen": 5, SWEAR: 2}
            assert projector.result["held"] == []
        assert statuses(await export(http, server), SWEAR) == ["", ""]


async def test_approve_holds_every_open_answer_until_the_presenter_lets_it_through(
    server_factory: ServerStarter, tmp_path: Path
) -> None:
    server = server_factory(moderated_deck(tmp_path, "approve"))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 2)
        assert (await control(http, server, action="goto", question="onthouden")).is_success
        texts = ["Klein beginnen", "<b>Vertrouwen</b> & geduld"]
        for token, text in zip(tokens, texts, strict=True):
            body = {"participant": token, "question": "onthouden", "answer": [text]}
            assert (await http.post(f"/api/sessions/{server.code}/responses", json=body)).is_success
        headers = server.admin_headers()

        async def wall() -> dict:
            results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
            return next(q for q in results.json()["questions"] if q["id"] == "onthouden")

        assert (await wall())["answers"] == [] and (await wall())["held"] == texts
        await control(http, server, action="approve_entry", question="onthouden", entry=texts[1])
        await control(http, server, action="hide_entry", question="onthouden", entry=texts[0])
        shown = await wall()
        assert shown["answers"] == [texts[1]] and "held" not in shown
        report = await http.get(f"/present/{server.code}/report", headers=headers)
        assert "&lt;b&gt;Vertrouwen&lt;/b&gt; &amp; geduld" in report.text  # escaped
        assert "Klein beginnen" not in report.text
        rows = await export(http, server)
        assert {r["answer"]: r["status"] for r in rows if r["question_id"] == "onthouden"} == {
            texts[0]: "hidden",
            texts[1]: "",
        }
        missing = await control(http, server, action="approve_entry", question="onthouden")
        assert missing.status_code == 400 and missing.json()["error"] == "missing_entry"


def recorded(screen: Screen) -> list[str]:
    """Every frame the screen receives from now on, as text."""
    frames: list[str] = []
    original = screen.take

    async def keep(text, original=original):
        frames.append(text if isinstance(text, str) else text.decode())
        await original(text)

    screen.take = keep  # type: ignore[method-assign]
    return frames


async def export(http: httpx.AsyncClient, server: LiveServer) -> list[dict[str, str]]:
    response = await http.get(
        f"/api/sessions/{server.code}/export.csv", headers=server.admin_headers()
    )
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def statuses(rows: list[dict[str, str]], entry: str) -> list[str]:
    return [r["status"] for r in rows if r["answer"] == entry]
