"""The presenter's split by group (key G) and rounds compared (key C), server side (issue 11):
the paired shift of a scale between two rounds on crafted answers, the "within noise" pairs
of groups, the `split` control action and its 400s, and the presenter's (never a phone's)
websocket results carrying the groups and rounds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer
from test_live_views import Screen, joined
from websockets.asyncio.client import connect

from app.domain import rounds, segments, stats
from app.domain.errors import ControlError
from app.domain.loader import load_deck
from app.domain.presenter import PresenterState, apply, initial_state

REPO = Path(__file__).resolve().parent.parent
DECK = load_deck(REPO / "questions" / "samenwerking.yaml")
SCALES = DECK.question("stellingen")

# Two rounds of "stellingen" by the same room: (round 1, round 2) per participant.
BEFORE_AFTER = {
    "p1": ({"vertrouwen": 2, "expert": 3}, {"vertrouwen": 3, "expert": 4}),
    "p2": ({"vertrouwen": 3, "expert": 3}, {"vertrouwen": 4, "expert": 5}),
    "p3": ({"vertrouwen": 4, "expert": 2}, {"vertrouwen": 5, "expert": 4}),
    "p4": ({"vertrouwen": 4, "expert": 4}, {"vertrouwen": 4, "expert": 5}),
    "p5": ({"vertrouwen": 5, "expert": 1}, {"vertrouwen": 5, "expert": 3}),
    "p6": ({"vertrouwen": 3, "expert": 2}, {"vertrouwen": 2, "expert": 3}),
    # not paired: p7 only in round 1, p8 only in round 2, p9 skipped "vertrouwen" the first time
    "p7": ({"vertrouwen": 1, "expert": 1}, None),
    "p8": (None, {"vertrouwen": 1, "expert": 1}),
    "p9": ({"expert": 3}, {"vertrouwen": 1, "expert": 4}),
}


def rows(which: int) -> list[tuple[str, int, dict[str, int]]]:
    return [
        (person, seq, pair[which])
        for seq, (person, pair) in enumerate(BEFORE_AFTER.items(), start=1)
        if pair[which] is not None
    ]


def test_the_paired_shift_counts_only_those_who_rated_a_statement_in_both_rounds() -> None:
    shift = rounds.paired_shift(SCALES, rows(0), rows(1), min_group=5)
    trust = shift["vertrouwen"]
    # p1..p6 are paired: +1, +1, +1, 0, 0, -1 (p7, p8, p9 are not).
    assert trust["paired"] == 6
    assert trust["counts"] == {"up": 3, "same": 2, "down": 1}
    assert trust["change"] == 0.33
    # Paired t interval of the changes: mean 1/3, sd 0.8165, t(0.975, 5) = 2.5706.
    assert trust["change_ci"] == pytest.approx([-0.5235, 1.1902], abs=1e-4)
    assert trust["within_noise"] is True
    assert trust["ci"]["up"] == pytest.approx([round(x, 4) for x in stats.wilson(3, 6)])
    # "expert": seven pairs (p9 rated it twice), everyone moved up: not noise.
    expert = shift["expert"]
    assert expert["paired"] == 7 and expert["counts"] == {"up": 7, "same": 0, "down": 0}
    assert expert["change"] == 1.43 and expert["within_noise"] is False
    assert expert["change_ci"][0] > 0
    # Statements nobody rated twice, and any with fewer pairs than min_group: no counts at all.
    assert shift["overeenkomst"] == {"suppressed": True}
    assert rounds.paired_shift(SCALES, rows(0), rows(1), min_group=7)["vertrouwen"] == {
        "suppressed": True
    }


def test_each_round_after_the_first_carries_its_shift_and_other_types_none() -> None:
    results = [{"round": 1}, {"round": 2}]
    shifted = rounds.with_shifts(SCALES, results, [rows(0), rows(1)], 5)
    assert "shift" not in shifted[0] and shifted[1]["shift"]["expert"]["paired"] == 7
    plain = rounds.with_shifts(DECK.question("rol"), [{"round": 1}, {"round": 2}], [[], []], 5)
    assert all("shift" not in r for r in plain)


def test_groups_whose_intervals_overlap_are_within_noise_and_suppressed_ones_take_no_part() -> None:
    def scale_group(values: list[int]) -> dict:
        return segments.result_of(SCALES, [{"vertrouwen": v} for v in values])

    groups = {
        "lokaal-bestuur": scale_group([5, 5, 4, 4, 5, 5, 4, 5, 5, 4]),  # mean 4.6, tight
        "vakbond": scale_group([1, 2, 2, 1, 2, 1, 2, 2, 1, 2]),  # mean 1.6, tight
        "vdab": scale_group([1, 5, 2, 5, 3, 4]),  # mean 3.33, wide: overlaps both
        "wsg": {"suppressed": True},
    }
    noise = segments.within_noise(groups)
    assert noise["vertrouwen"] == [["lokaal-bestuur", "vdab"], ["vakbond", "vdab"]]
    assert noise["expert"] == [
        ["lokaal-bestuur", "vakbond"],
        ["lokaal-bestuur", "vdab"],
        ["vakbond", "vdab"],
    ]  # nobody rated it: nothing tells them apart
    assert all("wsg" not in pair for pairs in noise.values() for pair in pairs)


def test_the_split_action_takes_a_choice_question_or_null() -> None:
    state = initial_state(DECK)
    split = apply(state, DECK, "split", by="rol")
    assert split.split_by == "rol" and split.version == state.version + 1
    assert apply(split, DECK, "split", by="rol") is split  # nothing changed: no new version
    assert apply(split, DECK, "split", by=None).split_by is None
    for wrong in ["stellingen", "drijfveren", "nope"]:
        with pytest.raises(ControlError) as caught:
            apply(state, DECK, "split", by=wrong)
        assert caught.value.code == "invalid_split" and "rol" in str(caught.value)
    compared = apply(state, DECK, "compare")
    assert compared.compare_rounds and not apply(compared, DECK, "compare").compare_rounds
    saved = PresenterState.from_json({**split.to_json(), "compare_rounds": True}, DECK)
    assert saved.split_by == "rol" and saved.compare_rounds
    assert PresenterState.from_json({"split_by": "stellingen"}, DECK).split_by is None


async def control(http: httpx.AsyncClient, server: LiveServer, body: dict) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )


async def test_split_requests_get_a_clear_400(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        for body in [
            {"action": "split"},
            {"action": "split", "by": 3},
            {"action": "split", "by": "stellingen"},
            {"action": "split", "by": "onbekend"},
        ]:
            refused = await control(http, server, body)
            assert refused.status_code == 400, (body, refused.text)
            assert refused.json()["error"] == "invalid_split"
        done = await control(http, server, {"action": "split", "by": "rol"})
        assert done.status_code == 200
        split = done.json()["presenter"]["split"]
        assert split["by"] == "rol" and split["min_group"] == 5
        assert [g["id"] for g in split["groups"]][-1] == "_none"
        assert split["groups"][1] == {"id": "vakbond", "label": "Vakbond"}
        off = await control(http, server, {"action": "split", "by": None})
        assert off.json()["presenter"]["split"] is None


async def answer(http: httpx.AsyncClient, server: LiveServer, token: str, q: str, a) -> None:
    body = {"participant": token, "question": q, "answer": a}
    sent = await http.post(f"/api/sessions/{server.code}/responses", json=body)
    assert sent.status_code == 201, sent.text


async def test_the_presenter_gets_groups_and_rounds_and_phones_never_do(
    server: LiveServer,
) -> None:
    roles = ["lokaal-bestuur"] * 7 + ["vakbond"] * 6 + ["vdab"] * 2
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        tokens = await joined(server, http, len(roles) + 1)
        assert (await control(http, server, {"action": "goto", "question": "rol"})).is_success
        for token, role in zip(tokens, roles, strict=False):
            await answer(http, server, token, "rol", role)
        moved = await control(http, server, {"action": "goto", "question": "stellingen"})
        assert moved.is_success
        for i, token in enumerate(tokens[:-1]):
            await answer(http, server, token, "stellingen", {"vertrouwen": 2 + i % 3})
        phone_url = f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[-1]}"
        presenter_url = f"{server.ws_url}/ws/sessions/{server.code}/presenter"
        assert (await control(http, server, {"action": "reveal"})).is_success  # phones see results
        async with (
            connect(phone_url) as phone_ws,
            connect(presenter_url, additional_headers=server.admin_headers()) as presenter_ws,
        ):
            phone, projector = Screen(phone_ws), Screen(presenter_ws)
            frames: list[str] = []
            original = phone.take

            async def keep(text, original=original):
                frames.append(text if isinstance(text, str) else text.decode())
                await original(text)

            phone.take = keep  # type: ignore[method-assign]
            await asyncio.gather(phone.read_for(1.0), projector.read_for(1.0))
            assert projector.result and "segments" not in projector.result
            assert (await control(http, server, {"action": "split", "by": "rol"})).is_success
            await asyncio.gather(phone.read_for(2.5), projector.read_for(2.5))
            result = projector.result
            assert result["segments_by"] == "rol"
            groups = result["segments"]
            assert groups["lokaal-bestuur"]["statements"]["vertrouwen"]["count"] == 7
            assert groups["vakbond"]["responses"] == 6
            assert groups["vdab"] == {"suppressed": True}
            assert groups["_none"] == {"suppressed": True}
            assert result["segments_noise"]["vertrouwen"] == [["lokaal-bestuur", "vakbond"]]
            # A new vote reaches the groups too (a moment after the live bars).
            await answer(http, server, tokens[-1], "stellingen", {"vertrouwen": 5})
            await asyncio.gather(phone.read_for(2.5), projector.read_for(2.5))
            assert projector.result["segments"]["_none"] == {"suppressed": True}
            assert projector.result["responses"] == len(tokens)

            assert (await control(http, server, {"action": "reset"})).is_success
            for token in tokens[:6]:
                await answer(http, server, token, "stellingen", {"vertrouwen": 5})
            assert (await control(http, server, {"action": "compare"})).is_success
            await asyncio.gather(phone.read_for(2.5), projector.read_for(2.5))
            compared = projector.result["rounds"]
            assert [r["round"] for r in compared] == [1, 2]
            assert compared[1]["shift"]["vertrouwen"]["paired"] == 6
            assert compared[1]["shift"]["vertrouwen"]["counts"]["down"] == 0
            # Split and rounds both on: every round split by the same groups, and in round 2
            # each shown group its own paired shift (round 2: six of the local government).
            for shown in compared:
                assert shown["segments_by"] == "rol"
            first, second = compared[0]["segments"], compared[1]["segments"]
            assert first["lokaal-bestuur"]["statements"]["vertrouwen"]["count"] == 7
            assert first["vakbond"]["responses"] == 6 and first["vdab"] == {"suppressed": True}
            assert second["vakbond"] == {"suppressed": True}  # nobody answered again
            assert second["lokaal-bestuur"]["responses"] == 6
            own = second["lokaal-bestuur"]["shift"]["vertrouwen"]
            assert own["paired"] == 6 and own["counts"]["down"] == 0
            assert "shift" not in first["lokaal-bestuur"]
        assert frames, "the phone got no frames"
        for frame in frames:
            message = json.loads(frame)
            assert "segments" not in frame and "rounds" not in message.get("result", {}), frame
            assert "split" not in message.get("presenter", {}) and "presenter" not in message
        every = await http.get(
            f"/api/sessions/{server.code}/results?rounds=all", headers=server.admin_headers()
        )
        scales = {q["id"]: q for q in every.json()["questions"]}["stellingen"]
        assert scales["rounds"][1]["shift"] == compared[1]["shift"]
        by_group = await http.get(
            f"/api/sessions/{server.code}/results?by=rol&rounds=all",
            headers=server.admin_headers(),
        )
        scales = {q["id"]: q for q in by_group.json()["questions"]}["stellingen"]
        assert [r["segments"] for r in scales["rounds"]] == [r["segments"] for r in compared]
