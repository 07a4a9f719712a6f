"""A timer on any question (issue 11): the presenter starts, restarts (+30 s) and stops it;
the server closes voting at zero by itself (an answer after it: 409 `voting_closed`); the
state says when it ends and what is left, also to a phone that connects late. The quiz uses
the same timer (tests/test_type_quiz.py)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from conftest import DEFAULT_DECK, LiveServer, ServerStarter
from test_live_views import joined
from websockets.asyncio.client import connect

from app.domain.errors import ControlError
from app.domain.loader import parse_deck
from app.domain.presenter import apply, expire, initial_state

DECK = Path(DEFAULT_DECK).read_text(encoding="utf-8")
T0 = 1_700_000_000_000


def timed_deck() -> str:
    """The reference deck with `timer: 30` on its word cloud."""
    marker = "  - type: wordcloud\n    id: drijfveren\n"
    assert marker in DECK
    return DECK.replace(marker, marker + "    timer: 30\n")


# --- the presenter state (pure) --------------------------------------------------------------


def test_the_presenter_starts_restarts_and_stops_a_timer_on_any_question() -> None:
    deck = parse_deck(DECK, name="samenwerking")
    state = apply(initial_state(deck, T0), deck, "goto", "rol", now_ms=T0)
    assert state.voting_open and state.running_timer("rol") is None  # no deck timer: none
    started = apply(state, deck, "timer", seconds=60, now_ms=T0 + 1000)
    assert started.running_timer("rol") == {
        "round": 1,
        "opened_at": T0 + 1000,
        "closes_at": T0 + 61_000,
    }
    # +30 s is a restart with 30 s more: it keeps when it started (a quiz scores from there)
    longer = apply(started, deck, "timer", seconds=70, now_ms=T0 + 21_000)
    assert longer.running_timer("rol") == {
        "round": 1,
        "opened_at": T0 + 1000,
        "closes_at": T0 + 91_000,
    }
    stopped = apply(longer, deck, "timer", seconds=0, now_ms=T0 + 22_000)
    assert stopped.voting_open and stopped.running_timer("rol") is None
    assert expire(stopped, deck, T0 + 200_000) is stopped  # a stopped timer closes nothing
    assert apply(stopped, deck, "timer", seconds=0, now_ms=T0 + 23_000) is stopped


def test_at_zero_voting_closes_and_a_new_start_or_open_runs_it_again() -> None:
    deck = parse_deck(DECK, name="samenwerking")
    state = apply(initial_state(deck, T0), deck, "goto", "rol", now_ms=T0)
    state = apply(state, deck, "timer", seconds=10, now_ms=T0)
    assert expire(state, deck, T0 + 9_999) is state
    over = expire(state, deck, T0 + 10_000)
    assert not over.voting_open and over.version == state.version + 1
    again = apply(over, deck, "timer", seconds=20, now_ms=T0 + 15_000)
    assert again.voting_open and again.running_timer("rol")["opened_at"] == T0 + 15_000
    reopened = apply(over, deck, "open", now_ms=T0 + 15_000)  # a choice reveals nothing: ok
    assert reopened.voting_open and reopened.running_timer("rol") is None


def test_a_deck_timer_starts_when_voting_opens_on_any_question() -> None:
    deck = parse_deck(timed_deck(), name="samenwerking")
    cloud = deck.question("drijfveren")
    assert cloud is not None and cloud.timer == 30 and cloud.public()["timer"] == 30
    assert "timer" not in deck.question("rol").public()
    state = apply(initial_state(deck, T0), deck, "goto", "drijfveren", now_ms=T0)
    assert state.running_timer("drijfveren")["closes_at"] == T0 + 30_000


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"seconds": None}, "missing_seconds"),
        ({"seconds": -1}, "invalid_seconds"),
        ({"seconds": 3601}, "invalid_seconds"),
        ({"seconds": 30, "question": "drijfveren"}, "not_live"),
    ],
)
def test_a_timer_needs_seconds_in_range_on_the_live_question(kwargs: dict, code: str) -> None:
    deck = parse_deck(DECK, name="samenwerking")
    state = apply(initial_state(deck, T0), deck, "goto", "rol", now_ms=T0)
    question = kwargs.pop("question", None)
    with pytest.raises(ControlError) as caught:
        apply(state, deck, "timer", question, now_ms=T0, **kwargs)
    assert caught.value.code == code


def test_a_deck_timer_out_of_range_names_the_line() -> None:
    broken = timed_deck().replace("timer: 30", "timer: 2")
    with pytest.raises(Exception, match=r"'timer' is 2, must be between 5 and 3600"):
        parse_deck(broken, name="samenwerking")


# --- on a real server ------------------------------------------------------------------------


async def control(http: httpx.AsyncClient, server: LiveServer, **body) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{server.code}/control", json=body, headers=server.admin_headers()
    )


async def answer(http: httpx.AsyncClient, server: LiveServer, token: str) -> httpx.Response:
    body = {"participant": token, "question": "rol", "answer": "vdab"}
    return await http.post(f"/api/sessions/{server.code}/responses", json=body)


async def test_the_server_closes_voting_at_zero_and_refuses_late_answers(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        first, second, late = await joined(server, http, 3)
        assert (await control(http, server, action="goto", question="rol")).is_success
        before = time.time()
        started = await control(http, server, action="timer", seconds=3)
        assert started.status_code == 200, started.text
        timer = started.json()["timer"]
        ends = datetime.fromisoformat(timer["ends_at"].replace("Z", "+00:00")).timestamp()
        assert before + 2.5 < ends < time.time() + 3.5
        assert timer["seconds_left"] == 3 and started.json()["voting_open"]
        assert (await answer(http, server, first)).is_success

        # A phone that connects late gets what is left, from the server's clock.
        await asyncio.sleep(1.2)
        url = f"{server.ws_url}/ws/sessions/{server.code}?participant={second}"
        async with connect(url) as ws:
            state = json.loads(await ws.recv())
            assert state["type"] == "state" and state["timer"]["seconds_left"] == 2
            assert 1000 < state["timer"]["remaining_ms"] <= 1800
            assert (await answer(http, server, second)).is_success
            # Nobody acts: the server itself closes voting at zero and tells the phone.
            async with asyncio.timeout(4):
                while state["voting_open"]:
                    state = json.loads(await ws.recv())
                    if state.get("type") != "state":
                        state = {"voting_open": True}
            closed_at = time.time()
        assert closed_at >= ends - 0.05
        refused = await answer(http, server, late)
        assert refused.status_code == 409 and refused.json()["error"] == "voting_closed"
        view = (
            await http.get(f"/api/sessions/{server.code}/presenter", headers=server.admin_headers())
        ).json()
        assert not view["voting_open"] and view["timer"]["seconds_left"] == 0

        # T again: a new countdown reopens voting on a choice; 0 stops it, voting stays open.
        again = await control(http, server, action="timer", seconds=60)
        assert again.json()["voting_open"] and again.json()["timer"]["seconds_left"] == 60
        assert (await answer(http, server, late)).is_success
        stopped = await control(http, server, action="timer", seconds=0)
        assert stopped.json()["timer"] is None and stopped.json()["voting_open"]


async def test_bad_timer_requests_get_a_clear_error(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        assert (await control(http, server, action="goto", question="rol")).is_success
        for seconds, status, code in (
            ("60", 400, "invalid_request"),
            (True, 400, "invalid_request"),
            (-5, 400, "invalid_seconds"),
            (None, 400, "missing_seconds"),
        ):
            body = (
                {"action": "timer"} if seconds is None else {"action": "timer", "seconds": seconds}
            )
            response = await control(http, server, **body)
            assert (response.status_code, response.json()["error"]) == (status, code), seconds
        assert (await control(http, server, action="goto", question="titel")).is_success
        content = await control(http, server, action="timer", seconds=30)
        assert content.status_code == 409 and content.json()["error"] == "not_interactive"
        state = (await http.get(f"/api/sessions/{server.code}")).json()
        assert state["timer"] is None


async def test_a_deck_timer_runs_on_a_word_cloud(server_factory: ServerStarter, tmp_path) -> None:
    deck = tmp_path / "samenwerking.yaml"
    deck.write_text(timed_deck(), encoding="utf-8")
    server = server_factory(str(deck))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        opened = await control(http, server, action="goto", question="drijfveren")
        assert opened.json()["timer"]["seconds_left"] == 30
        assert opened.json()["slide"]["timer"] == 30


# --- a cluster: every worker watches the deadline, one closes it -------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
async def test_in_a_cluster_a_presenters_timer_closes_voting_exactly_once(
    pg_url: str, redis_url: str, server_factory: ServerStarter
) -> None:
    from cluster_helpers import TIMEOUT, Screen
    from cluster_helpers import control as cluster_control

    args = ["--database", pg_url, "--redis", redis_url]
    workers = [server_factory(args=args) for _ in range(3)]
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as http,
        Screen(workers[0]) as a,
        Screen(workers[1]) as b,
        Screen(workers[2]) as c,
    ):
        await cluster_control(workers[0], http, action="goto", question="rol")
        started = await cluster_control(workers[1], http, action="timer", seconds=3)
        version, closes_at = started["version"], started["timer"]["closes_at"]
        await asyncio.sleep(max(closes_at / 1000 - time.time(), 0) + 2.0)
        for screen in (a, b, c):
            await screen.until(lambda s: s.state.get("version", 0) >= version + 1, "closing")
            assert not screen.state["voting_open"] and screen.state["timer"]["seconds_left"] == 0
        for worker in workers:
            state = (await http.get(f"{worker.base_url}/api/sessions/{worker.code}")).json()
            assert state["version"] == version + 1 and not state["voting_open"]
        assert {v for v in a.versions if v > version} == {version + 1}
