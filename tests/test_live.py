"""Live updates over real websockets: phones follow the presenter, the projector gets tallies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from conftest import LiveServer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

TIMEOUT = 10


async def next_of(ws: ClientConnection, kind: str, where=lambda m: True) -> dict[str, Any]:
    """The next message of a kind (that satisfies `where`), skipping others."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == kind and where(message):
                return message


async def join(http: httpx.AsyncClient, code: str) -> str:
    http.cookies.clear()
    response = await http.post(f"/api/sessions/{code}/join")
    assert response.status_code == 201
    return response.json()["participant"]


async def control(server: LiveServer, http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )
    assert response.status_code == 200, response.text
    return response.json()


def presenter(server: LiveServer, **kwargs: Any):
    return connect(
        f"{server.ws_url}/ws/sessions/{server.code}/presenter",
        additional_headers=server.admin_headers(),
        **kwargs,
    )


async def test_phone_gets_the_state_and_every_slide_change(server: LiveServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.base_url) as http,
        connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone_a,
        connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone_b,
    ):
        first = await next_of(phone_a, "state")
        assert first["slide"]["id"] == "titel"
        await next_of(phone_b, "state")
        await control(server, http, action="goto", question="rol")
        for phone in (phone_a, phone_b):
            state = await next_of(phone, "state")
            assert state["slide"]["id"] == "rol"
            assert state["voting_open"] is True
            assert state["version"] > first["version"]
            assert [o["id"] for o in state["slide"]["options"]][:3] == [
                "lokaal-bestuur",
                "vakbond",
                "vdab",
            ]


async def test_presenter_gets_tallies_and_a_changed_vote_counts_once(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        person = await join(http, server.code)
        await control(server, http, action="goto", question="rol")
        async with presenter(server) as screen:
            state = await next_of(screen, "state")
            assert state["presenter"]["slides"][4]["id"] == "rol"
            await next_of(screen, "results", lambda m: m["result"]["id"] == "rol")
            for option in ("vdab", "wsg"):
                response = await http.post(
                    f"/api/sessions/{server.code}/responses",
                    json={"participant": person, "question": "rol", "answer": option},
                )
                assert response.status_code == 201
            final = await next_of(screen, "results", lambda m: m["result"]["counts"]["wsg"] == 1)
            assert final["result"]["responses"] == 1
            assert final["result"]["counts"]["vdab"] == 0


async def test_a_burst_of_votes_is_coalesced_and_the_last_update_has_them_all(
    server_factory,
) -> None:
    server = server_factory(env={"RONDVRAAG_JOIN_RATE": "0"})
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        people = [await join(http, server.code) for _ in range(60)]
        await control(server, http, action="goto", question="drijfveren")
        async with presenter(server) as screen:
            await next_of(screen, "results")
            updates: list[dict[str, Any]] = []

            async def collect() -> None:
                while True:
                    message = json.loads(await screen.recv())
                    if message["type"] == "results":
                        updates.append(message["result"])
                        if message["result"]["responses"] == len(people):
                            return

            collector = asyncio.create_task(collect())
            votes = [
                http.post(
                    f"/api/sessions/{server.code}/responses",
                    json={"participant": p, "question": "drijfveren", "answer": f"woord{i % 7}"},
                )
                for i, p in enumerate(people)
            ]
            statuses = [r.status_code for r in await asyncio.gather(*votes)]
            assert statuses == [201] * len(people)
            await asyncio.wait_for(collector, TIMEOUT)
    assert len(updates) < len(people)  # coalesced, not one per vote
    assert sum(updates[-1]["counts"].values()) == len(people)


async def test_phone_sees_results_only_when_they_are_visible(server: LiveServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.base_url) as http,
        connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone,
    ):
        await next_of(phone, "state")
        await control(server, http, action="goto", question="rol")
        await control(server, http, action="hide")
        hidden = await next_of(phone, "state", lambda m: m["results_visible"] is False)
        assert hidden["slide"]["id"] == "rol"
        person = await join(http, server.code)
        await http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": person, "question": "rol", "answer": "vdab"},
        )
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.6):
                await next_of(phone, "results")
        await control(server, http, action="reveal")
        revealed = await next_of(phone, "results")
        assert revealed["result"]["counts"]["vdab"] == 1


async def test_reconnecting_phone_gets_its_own_answers_back(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        person = await join(http, server.code)
        await control(server, http, action="goto", question="stellingen")
        await http.post(
            f"/api/sessions/{server.code}/responses",
            json={"participant": person, "question": "stellingen", "answer": {"expert": 4}},
        )
        url = f"{server.ws_url}/ws/sessions/{server.code}?participant={person}"
        async with connect(url) as phone:
            answers = await next_of(phone, "answers")
            assert answers["answers"] == {"stellingen": {"expert": 4}}


async def test_ping_gets_a_pong(server: LiveServer) -> None:
    async with connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone:
        await phone.send(json.dumps({"type": "ping"}))
        await next_of(phone, "pong")


async def test_presenter_can_drive_over_its_socket(server: LiveServer) -> None:
    async with presenter(server) as screen:
        await next_of(screen, "state")
        await screen.send(json.dumps({"type": "control", "action": "goto", "question": "rol"}))
        state = await next_of(screen, "state", lambda m: m["slide"]["id"] == "rol")
        assert state["voting_open"] is True
        await screen.send(json.dumps({"type": "control", "action": "open", "question": "x"}))
        error = await next_of(screen, "error")
        assert error["error"] == "unknown_question"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Cookie": "rondvraag_admin=wrong"},
    ],
)
async def test_presenter_socket_without_token_is_refused(
    server: LiveServer, headers: dict[str, str]
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{server.ws_url}/ws/sessions/{server.code}/presenter", additional_headers=headers
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_presenter_socket_accepts_the_login_cookie(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        login = await http.post(
            f"/present/{server.code}/login",
            data={"token": server.token},
            headers={"Origin": server.base_url},
        )
    assert login.status_code == 303
    cookie = login.cookies["rondvraag_admin"]
    assert server.token not in cookie  # the cookie is a signed login, never the token itself
    async with connect(
        f"{server.ws_url}/ws/sessions/{server.code}/presenter",
        additional_headers={"Cookie": f"rondvraag_admin={cookie}"},
    ) as screen:
        assert (await next_of(screen, "state"))["presenter"]["qr_visible"] is True


async def test_presenter_socket_refuses_the_admin_token_as_a_cookie(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{server.ws_url}/ws/sessions/{server.code}/presenter",
            additional_headers={"Cookie": f"rondvraag_admin={server.token}"},
        ):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("path", ["/ws/sessions/{code}", "/ws/sessions/{code}/presenter"])
async def test_foreign_origin_is_refused(server: LiveServer, path: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            server.ws_url + path.format(code=server.code),
            origin="http://evil.example",
            additional_headers=server.admin_headers(),
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_same_origin_and_allow_listed_origin_are_accepted(server_factory) -> None:
    server = server_factory(env={"RONDVRAAG_ALLOWED_ORIGINS": "https://poll.example.org"})
    for origin in (server.base_url, "https://poll.example.org"):
        async with connect(f"{server.ws_url}/ws/sessions/{server.code}", origin=origin) as phone:
            await next_of(phone, "state")


async def test_unknown_session_socket_is_refused(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus):
        async with connect(f"{server.ws_url}/ws/sessions/000000"):
            pass


async def test_oversized_message_closes_the_socket(server: LiveServer) -> None:
    async with connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone:
        await next_of(phone, "state")
        await phone.send("x" * 10_000)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(TIMEOUT):
                while True:
                    await phone.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_server_turns_off_per_message_compression(server: LiveServer) -> None:
    async with connect(f"{server.ws_url}/ws/sessions/{server.code}") as phone:
        extensions = phone.response.headers.get("Sec-WebSocket-Extensions", "")
        assert "permessage-deflate" not in extensions


async def test_two_presenter_screens_stay_in_sync(server: LiveServer) -> None:
    async with presenter(server) as projector, presenter(server) as laptop:
        await next_of(projector, "state")
        await next_of(laptop, "state")
        await laptop.send(json.dumps({"type": "control", "action": "goto", "question": "rol"}))
        await laptop.send(json.dumps({"type": "control", "action": "hide"}))
        for screen in (projector, laptop):
            first = (await next_of(screen, "state"))["version"]
            state = await next_of(
                screen,
                "state",
                lambda m, first=first: m["version"] > first and not m["results_visible"],
            )
            assert state["slide"]["id"] == "rol"


async def test_a_dead_phone_is_dropped_by_the_ping_timeout(server_factory) -> None:
    """A phone that vanished without closing (out of Wi-Fi range) stops counting as connected."""
    server = server_factory(env={"RONDVRAAG_WS_PING_SECONDS": "0.5"})
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        token = (await http.post(f"/api/sessions/{server.code}/join")).json()["participant"]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"GET /ws/sessions/{server.code}?participant={token} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    assert b"101" in await reader.readline()  # handshake done; from now on it never answers
    async with presenter(server) as screen:
        counted = await next_of(screen, "state", lambda m: m["presenter"]["connected"] == 1)
        assert counted["presenter"]["connected"] == 1
        gone = await next_of(screen, "state", lambda m: m["presenter"]["connected"] == 0)
        assert gone["presenter"]["connected"] == 0
    writer.close()
