"""Word-cloud entries merged (issue 11): by themselves when they differ only in case, spaces,
accents or punctuation; by the presenter's hand ("samenwerken" into "samenwerking") in every
view, `/results` and the report, undone by `unmerge_entries`; the export keeps what was typed
and says what it was merged into."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import httpx
import pytest
from conftest import DEFAULT_DECK, LiveServer
from test_live_views import Screen, joined
from websockets.asyncio.client import connect

from app.domain.errors import ControlError
from app.domain.loader import parse_deck
from app.domain.presenter import apply, initial_state

DECK = parse_deck(Path(DEFAULT_DECK).read_text(encoding="utf-8"), name="samenwerking")
CLOUD = DECK.question("drijfveren")


def test_entries_that_differ_in_case_space_accents_or_punctuation_are_one() -> None:
    assert CLOUD is not None
    spellings = ["Samenwerking!", "samenwérking", "  SAMENWERKING ", "samenwerking."]
    answers = [CLOUD.check_answer([s]) for s in spellings]
    assert CLOUD.tally(answers)["counts"] == {"samenwerking": 4}
    assert CLOUD.check_answer(["Coöperatie", "coöperatie?"]) == ["coöperatie"]  # trema kept
    # punctuation inside a word is part of it
    assert CLOUD.check_answer(["Win-win!", "OCMW's"]) == ["win-win", "ocmw's"]


def test_merges_are_kept_per_question_follow_chains_and_can_be_undone() -> None:
    state = apply(initial_state(DECK), DECK, "goto", "drijfveren")
    once = apply(state, DECK, "merge_entries", "drijfveren", entry="samenwerken", into="samen")
    twice = apply(once, DECK, "merge_entries", "drijfveren", entry="samen", into="samenwerking")
    assert twice.merged_in("drijfveren") == {"samenwerken": "samenwerking", "samen": "samenwerking"}
    assert (
        apply(twice, DECK, "merge_entries", "drijfveren", entry="samen", into="samenwerking")
        is twice
    )
    undone = apply(twice, DECK, "unmerge_entries", "drijfveren", entry="samen")
    assert undone.merged_in("drijfveren") == {"samenwerken": "samenwerking"}
    for kwargs, code in (
        ({"entry": "a", "into": "a"}, "invalid_merge"),
        ({"entry": "a"}, "missing_entry"),
        ({"into": "a"}, "missing_entry"),
    ):
        with pytest.raises(ControlError) as caught:
            apply(state, DECK, "merge_entries", "drijfveren", **kwargs)
        assert caught.value.code == code
    with pytest.raises(ControlError) as caught:
        apply(state, DECK, "merge_entries", "onthouden", entry="a", into="b")
    assert caught.value.code == "not_word_cloud"


async def control(http: httpx.AsyncClient, server: LiveServer, **body: str) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )


async def test_a_merge_shows_on_every_screen_and_in_the_report_and_the_export_keeps_the_raw(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, 4)
        assert (await control(http, server, action="goto", question="drijfveren")).is_success
        assert (await control(http, server, action="reveal")).is_success
        words = [["Samenwerking!"], ["samenwérking"], ["samenwerken"], ["vertrouwen"]]
        for token, entries in zip(tokens, words, strict=True):
            body = {"participant": token, "question": "drijfveren", "answer": entries}
            assert (await http.post(f"/api/sessions/{server.code}/responses", json=body)).is_success
        phone_url = f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
        presenter_url = f"{server.ws_url}/ws/sessions/{server.code}/presenter"
        headers = server.admin_headers()
        async with (
            connect(phone_url) as phone_ws,
            connect(presenter_url, additional_headers=headers) as presenter_ws,
        ):
            phone, projector = Screen(phone_ws), Screen(presenter_ws)
            await asyncio.gather(phone.read_for(1.0), projector.read_for(1.0))
            assert phone.result["counts"] == {"samenwerking": 2, "samenwerken": 1, "vertrouwen": 1}

            merged = await control(
                http,
                server,
                action="merge_entries",
                question="drijfveren",
                **{"from": "samenwerken", "into": "samenwerking"},
            )
            assert merged.status_code == 200, merged.text
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            for screen in (phone, projector):
                assert screen.result["counts"] == {"samenwerking": 3, "vertrouwen": 1}
            results = await http.get(f"/api/sessions/{server.code}/results", headers=headers)
            cloud = next(q for q in results.json()["questions"] if q["id"] == "drijfveren")
            assert cloud["counts"] == {"samenwerking": 3, "vertrouwen": 1}
            report = await http.get(f"/present/{server.code}/report", headers=headers)
            assert 'data-count="3">samenwerking<' in report.text
            assert ">samenwerken<" not in report.text
            export = await http.get(f"/api/sessions/{server.code}/export.csv", headers=headers)
            rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
            raw = {r["answer"]: r["merged_into"] for r in rows if r["question_id"] == "drijfveren"}
            assert raw == {"samenwerking": "", "samenwerken": "samenwerking", "vertrouwen": ""}

            undone = await control(
                http,
                server,
                action="unmerge_entries",
                question="drijfveren",
                **{"from": "samenwerken"},
            )
            assert undone.status_code == 200
            await asyncio.gather(phone.read_for(1.5), projector.read_for(1.5))
            assert phone.result["counts"] == {"samenwerking": 2, "samenwerken": 1, "vertrouwen": 1}
