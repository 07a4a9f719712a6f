"""Growing results reach screens bounded, and as changes: the open wall must not flood the Wi-Fi.

Before: every phone got every open answer up to twice a second (824 KB a message with 1,500
answers). Now a phone gets the newest 30, a projector the newest 500 (its wall pages through
them), and a screen that has the previous message gets only what changed. What a screen puts
together must still be exactly the newest answers the server holds.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
from conftest import LiveServer
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect

from app.live import PHONE_VIEW_SIZE, PRESENTER_LIST_SIZE
from app.livediff import apply_list_delta, list_delta
from app.liveview import ResultsMessage

LONG = "Samenwerken vraagt tijd, vertrouwen en een gedeelde taal tussen partners. " * 4


@given(
    st.lists(st.sampled_from("abcdefgh"), max_size=30),
    st.lists(st.sampled_from("abcdefghij"), max_size=30),
)
def test_a_list_delta_rebuilds_the_new_list_exactly(old: list[str], new: list[str]) -> None:
    assert apply_list_delta(old, list_delta(old, new)) == new


def test_a_sliding_window_is_sent_as_one_run_and_the_new_answers() -> None:
    old = [f"answer {i}" for i in range(20)]
    new = [*old[3:], "new 1", "new 2", "new 3"]
    assert list_delta(old, new) == [[3, 20], "new 1", "new 2", "new 3"]


def test_a_results_message_carries_a_change_only_for_the_same_question_and_round() -> None:
    first = ResultsMessage.after(None, view([LONG + "a", LONG + "b"]), "answers")
    assert first.version == 1 and first.delta is None
    second = ResultsMessage.after(first, view([LONG + "a", LONG + "b", "c"]), "answers")
    body = json.loads(second.delta or "")
    assert body["base"] == 1 and body["changes"] == "answers"
    assert body["result"]["answers"] == [[0, 2], "c"]
    next_round = ResultsMessage.after(second, view(["x"], round_=2), "answers")
    assert next_round.delta is None  # nothing to build on: whole


def view(answers: list[str], round_: int = 1) -> dict[str, Any]:
    return {"id": "onthouden", "type": "open", "round": round_, "answers": answers}


# --- against a real server ----------------------------------------------------------------------


class Screen:
    """A websocket client that keeps the results as the pages do, counting bytes."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.result: dict[str, Any] | None = None
        self.version = -1
        self.sizes: list[int] = []
        self.changes = 0
        self.resyncs = 0

    async def read_for(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                while True:
                    await self.take(await self.ws.recv())
        except TimeoutError:
            pass

    async def take(self, text: str | bytes) -> None:
        message = json.loads(text)
        if message.get("type") != "results" or not message.get("result"):
            return
        self.sizes.append(len(text))
        result = message["result"]
        if "base" in message:
            self.changes += 1
            if self.result is None or self.version != message["base"]:
                self.resyncs += 1
                await self.ws.send(json.dumps({"type": "resync"}))
                return
            field = message["changes"]
            result = {**result, field: apply_list_delta(self.result[field], result[field])}
        self.result = result
        self.version = message["version"]


async def joined(server: LiveServer, http: httpx.AsyncClient, count: int) -> list[str]:
    """`count` participants, joining with the QR code's key as a room does."""
    view = await http.get(f"/api/sessions/{server.code}/presenter", headers=server.admin_headers())
    key = view.json()["presenter"]["join_key"]
    tokens = []
    for _ in range(count):
        http.cookies.clear()
        response = await http.post(f"/api/sessions/{server.code}/join", json={"key": key})
        tokens.append(response.json()["participant"])
    return tokens


async def full_result(server: LiveServer, http: httpx.AsyncClient, question: str) -> dict:
    response = await http.get(
        f"/api/sessions/{server.code}/results", headers=server.admin_headers()
    )
    return next(q for q in response.json()["questions"] if q["id"] == question)


async def test_open_wall_reaches_phones_and_projector_bounded_and_exact(
    server_factory,
) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "0"})
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "goto", "question": "onthouden"},
            headers=server.admin_headers(),
        )
        tokens = await joined(server, http, 60)
        phone_ws = await connect(
            f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
        )
        projector_ws = await connect(
            f"{server.ws_url}/ws/sessions/{server.code}/presenter",
            additional_headers=server.admin_headers(),
        )
        phone, projector = Screen(phone_ws), Screen(projector_ws)
        readers = [
            asyncio.create_task(phone.read_for(60)),
            asyncio.create_task(projector.read_for(60)),
        ]

        async def answer(token: str, entries: list[str]) -> None:
            response = await http.post(
                f"/api/sessions/{server.code}/responses",
                json={"participant": token, "question": "onthouden", "answer": entries},
            )
            assert response.status_code == 201, response.text

        # 60 people answer with 5 long entries each, in waves, so the wall grows: 300 entries.
        for wave in range(1, 6):
            await asyncio.gather(
                *(
                    answer(t, [f"{i}.{n} {LONG}"[:270] for n in range(wave)])
                    for i, t in enumerate(tokens)
                )
            )
            await asyncio.sleep(0.2)
        # Someone rewrites their answer: their old entries leave the middle of the wall.
        await answer(tokens[7], ["Toch iets anders: " + LONG[:200]])
        truth = (await full_result(server, http, "onthouden"))["answers"]
        # Phones get at most 2 KiB/s of results each: a full window can take a few seconds.
        async with asyncio.timeout(15):
            while not (
                phone.result
                and phone.result["answers"] == truth[-PHONE_VIEW_SIZE:]
                and projector.result
                and projector.result["answers"] == truth[-PRESENTER_LIST_SIZE:]
            ):
                await asyncio.sleep(0.1)
        for task in readers:
            task.cancel()
        await phone_ws.close()
        await projector_ws.close()

    assert len(truth) == 296
    assert phone.result is not None and projector.result is not None
    assert phone.result["answers"] == truth[-PHONE_VIEW_SIZE:]
    assert phone.result["total"] == 296
    assert projector.result["answers"] == truth[-PRESENTER_LIST_SIZE:]
    # Bounded: no phone message holds more than its window; most are changes, much smaller.
    assert max(phone.sizes) < PHONE_VIEW_SIZE * 300 + 2_000
    assert max(projector.sizes) < PRESENTER_LIST_SIZE * 300 + 2_000
    assert projector.changes > 0 and phone.changes > 0
    assert sum(projector.sizes) < 0.5 * len(projector.sizes) * len(truth) * 270


async def test_the_projector_gets_the_newest_500_open_answers_and_the_total(
    server_factory,
) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "0"})
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "goto", "question": "onthouden"},
            headers=server.admin_headers(),
        )
        tokens = await joined(server, http, 110)
        async with connect(
            f"{server.ws_url}/ws/sessions/{server.code}/presenter",
            additional_headers=server.admin_headers(),
        ) as projector_ws:
            projector = Screen(projector_ws)
            reader = asyncio.create_task(projector.read_for(60))
            for i, token in enumerate(tokens):
                entries = [f"{i}.{n} {LONG}"[:270] for n in range(5)]
                response = await http.post(
                    f"/api/sessions/{server.code}/responses",
                    json={"participant": token, "question": "onthouden", "answer": entries},
                )
                assert response.status_code == 201, response.text
            truth = (await full_result(server, http, "onthouden"))["answers"]
            async with asyncio.timeout(15):
                while not (projector.result and projector.result["total"] == len(truth)):
                    await asyncio.sleep(0.1)
            reader.cancel()
    assert len(truth) == 550
    assert projector.result is not None
    # The wall holds the newest 500 (it says the other 50 are beyond it) and the total.
    assert projector.result["answers"] == truth[-PRESENTER_LIST_SIZE:]
    assert projector.result["total"] == 550
    assert max(projector.sizes) < PRESENTER_LIST_SIZE * 300 + 2_000
    assert projector.changes > 0


async def test_word_cloud_reaches_screens_as_its_top_words(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_VOTE_RATE": "0"})
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "goto", "question": "drijfveren"},
            headers=server.admin_headers(),
        )
        tokens = await joined(server, http, 40)
        phone_ws = await connect(
            f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
        )
        phone = Screen(phone_ws)
        reader = asyncio.create_task(phone.read_for(30))
        rng = random.Random(7)
        for i, token in enumerate(tokens):
            words = [f"woord{i}x{n}" for n in range(4)] + [f"vaak{rng.randint(0, 3)}"]
            response = await http.post(
                f"/api/sessions/{server.code}/responses",
                json={"participant": token, "question": "drijfveren", "answer": words},
            )
            assert response.status_code == 201
        await asyncio.sleep(1.5)
        reader.cancel()
        await phone_ws.close()
    assert phone.result is not None
    assert len(phone.result["counts"]) == PHONE_VIEW_SIZE  # the top words only
    assert phone.result["distinct"] == 40 * 4 + 4
    top = list(phone.result["counts"])[:4]
    assert all(word.startswith("vaak") for word in top)


async def test_a_screen_that_lost_track_gets_the_whole_view_on_resync(server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        await http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "goto", "question": "onthouden"},
            headers=server.admin_headers(),
        )
        (token,) = await joined(server, http, 1)
        await http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": token, "question": "onthouden", "answer": "Eerste"},
        )
        async with connect(f"{server.ws_url}/ws/sessions/{server.code}?participant={token}") as ws:
            screen = Screen(ws)
            await screen.read_for(1.0)
            assert screen.result is not None and screen.result["answers"] == ["Eerste"]
            screen.result, screen.version, seen = None, -1, len(screen.sizes)
            await ws.send(json.dumps({"type": "resync"}))
            await screen.read_for(1.0)
    assert len(screen.sizes) == seen + 1  # exactly one message: the whole view
    assert screen.result is not None and screen.result["answers"] == ["Eerste"]
