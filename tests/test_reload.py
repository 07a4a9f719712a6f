"""A deck that reloads (issue 13): saving the deck file while `rondvraag serve` runs.

A real server process serves a deck copied into the test's folder; the test edits that file
the ways editors do (a new file renamed over the old one, or written in place) and looks at
what phones, the presenter and the exports get. A broken save keeps the server and the last
good deck, and the presenter's screens (not the phones) show where the file is wrong.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import UI_TIMEOUT_MS, expect_projector_live, login_projector, snap
from conftest import LiveServer, ServerStarter
from playwright.sync_api import Page, expect
from websockets.asyncio.client import ClientConnection, connect

from app.domain.loader import parse_deck
from app.domain.presenter import apply, initial_state
from app.domain.redeck import changed_questions, follow_deck, nearest_slide

RELOAD_WITHIN_S = 10.0  # generous on a busy 2-core machine; the figure printed is what counts

DECK = """\
title: Herladen
language: nl
slides:
  - type: content
    id: welkom
    title: Welkom
  - type: choice
    id: rol
    prompt: Wat is je rol?
    options:
      - {id: beleid, label: Beleid}
      - {id: uitvoering, label: Uitvoering}
      - {id: anders, label: Anders}
  - type: wordcloud
    id: drijfveren
    prompt: Wat drijft je?
  - type: open
    id: onthouden
    prompt: Wat neem je mee?
"""


def edited(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def rename_replace(path: Path, text: str) -> None:
    """Save as many editors do: a new file beside it, renamed over the old one."""
    fresh = path.with_name(f".{path.name}.swp")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)


def write_in_place(path: Path, text: str) -> None:
    """Save as others do: the same file truncated and written again."""
    with path.open("r+", encoding="utf-8") as file:
        file.truncate(0)
        file.write(text)


class Room:
    """The presenter's and participants' side of one server over HTTP."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.api = f"{server.base_url}/api/sessions/{server.code}"
        self.admin = httpx.Client(headers=server.admin_headers(), timeout=10)

    def control(self, action: str, question: str | None = None) -> None:
        body = {"action": action, **({"question": question} if question else {})}
        response = self.admin.post(f"{self.api}/control", json=body)
        assert response.status_code == 200, response.text

    def join(self) -> str:
        response = httpx.post(f"{self.api}/join", timeout=10)
        assert response.status_code == 201, response.text
        return response.json()["participant"]

    def answer(self, token: str, question: str, answer: Any) -> None:
        body = {"participant": token, "question": question, "answer": answer}
        response = httpx.post(f"{self.api}/responses", json=body, timeout=10)
        assert response.status_code in (200, 201), response.text

    def state(self) -> dict[str, Any]:
        response = httpx.get(self.api, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def presenter(self) -> dict[str, Any]:
        response = self.admin.get(f"{self.api}/presenter")
        assert response.status_code == 200, response.text
        return response.json()

    def results(self) -> dict[str, dict[str, Any]]:
        response = self.admin.get(f"{self.api}/results")
        assert response.status_code == 200, response.text
        return {q["id"]: q for q in response.json()["questions"]}

    def exported(self, question: str) -> list[tuple[str, str]]:
        """(round, answer) of every exported answer row of `question`."""
        response = self.admin.get(f"{self.api}/export.csv")
        assert response.status_code == 200, response.text
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
        return sorted((r["round"], r["answer"]) for r in rows if r["question_id"] == question)

    def wait_for(self, what: str, condition, within: float = RELOAD_WITHIN_S) -> float:
        """Poll until `condition()` holds; returns the seconds it took."""
        started = time.monotonic()
        while not condition():
            if time.monotonic() - started > within:
                pytest.fail(f"not within {within:.0f} s: {what}", pytrace=False)
            time.sleep(0.05)
        return time.monotonic() - started


@pytest.fixture
def served(server_factory: ServerStarter, tmp_path: Path) -> Iterator[tuple[Room, Path]]:
    """A server on a deck of its own in the test's folder (the file the test edits)."""
    path = tmp_path / "herladen.yaml"
    path.write_text(DECK, encoding="utf-8")
    room = Room(server_factory(deck=str(path)))
    try:
        yield room, path
    finally:
        room.admin.close()


async def next_state(phone: ClientConnection, prompt: str, within: float) -> dict[str, Any]:
    """The first state message on a phone's socket whose live slide asks `prompt`."""
    async with asyncio.timeout(within):
        while True:
            message = json.loads(await phone.recv())
            if message.get("type") == "state" and message["slide"].get("prompt") == prompt:
                return message


# --- the rules, without a server ------------------------------------------------------------


def test_the_presenter_stays_on_the_slide_id_or_goes_to_the_next_that_survives() -> None:
    old = parse_deck(DECK)
    inserted = parse_deck(
        edited(
            DECK,
            (
                "  - type: choice\n",
                "  - type: content\n    id: nieuw\n    title: Nieuw\n  - type: choice\n",
            ),
        )
    )
    assert nearest_slide(old, inserted, old.index_of("rol")) == inserted.index_of("rol") == 2
    without_cloud = parse_deck(
        edited(DECK, ("  - type: wordcloud\n    id: drijfveren\n    prompt: Wat drijft je?\n", ""))
    )
    # On the removed word cloud: the slide that came after it (where the talk was going).
    assert nearest_slide(old, without_cloud, old.index_of("drijfveren")) == 2
    assert without_cloud.slides[2].id == "onthouden"


def test_only_a_change_in_what_answers_mean_starts_a_new_round() -> None:
    old = parse_deck(DECK)
    words = parse_deck(
        edited(DECK, ("Wat is je rol?", "Welke rol?"), ("label: Anders", "label: Iets anders"))
    )
    assert changed_questions(old, words) == set()
    removed = parse_deck(edited(DECK, ("      - {id: anders, label: Anders}\n", "")))
    assert changed_questions(old, removed) == {"rol"}
    state = apply(initial_state(old), old, "goto", "rol")
    moved = follow_deck(state, old, removed, now_ms=0)
    assert moved.round_of("rol") == 2 and moved.round_of("onthouden") == 1
    assert moved.voting_open and moved.version == state.version + 1
    assert follow_deck(state, old, words, now_ms=0).round_of("rol") == 1


# --- a real server ----------------------------------------------------------------------------


async def test_rename_replace_save_reloads_keeping_answers_and_the_slide(
    served: tuple[Room, Path],
) -> None:
    room, path = served
    server = room.server
    room.control("goto", "rol")
    tokens = [room.join() for _ in range(2)]
    room.answer(tokens[0], "rol", "beleid")
    room.answer(tokens[1], "rol", "anders")
    room.answer(tokens[1], "rol", "anders")  # answered again: still one answer
    url = f"{server.ws_url}/ws/sessions/{server.code}?participant={tokens[0]}"
    async with connect(url) as phone:
        first = json.loads(await phone.recv())
        assert first["slide"]["prompt"] == "Wat is je rol?"
        started = time.monotonic()
        rename_replace(
            path,
            edited(
                DECK,
                (
                    "  - type: choice\n",
                    "  - type: content\n    id: nieuw\n    title: Nieuw\n  - type: choice\n",
                ),
                ("Wat is je rol?", "Welke rol heb jij?"),
                ("label: Anders", "label: Iets anders"),
            ),
        )
        seen = await next_state(phone, "Welke rol heb jij?", RELOAD_WITHIN_S)
        print(f"\nrename-replace save → phone has the new text: {time.monotonic() - started:.2f} s")
    assert seen["slide"]["id"] == "rol"
    assert seen["position"] == {"index": 2, "total": 5}  # same slide, one inserted before it
    assert seen["round"] == 1 and seen["voting_open"]
    assert {o["label"] for o in seen["slide"]["options"]} == {"Beleid", "Uitvoering", "Iets anders"}
    assert room.state()["slide"]["prompt"] == "Welke rol heb jij?"
    rol = room.results()["rol"]
    assert rol["responses"] == 2 and rol["counts"] == {"beleid": 1, "uitvoering": 0, "anders": 1}
    assert room.exported("rol") == [("1", "Beleid"), ("1", "Iets anders")]
    room.control("next")  # the presenter goes on from where they are in the new deck
    assert room.state()["slide"]["id"] == "drijfveren"
    assert server.process.poll() is None


def test_in_place_save_that_removes_an_option_counts_afresh_and_keeps_the_old_answers(
    served: tuple[Room, Path],
) -> None:
    room, path = served
    room.control("goto", "rol")
    tokens = [room.join() for _ in range(3)]
    for token, choice in zip(tokens, ["beleid", "anders", "anders"], strict=True):
        room.answer(token, "rol", choice)
    room.control("goto", "onthouden")
    room.answer(tokens[0], "onthouden", "samen sterker")
    room.control("goto", "rol")
    write_in_place(
        path,
        edited(
            DECK,
            ("      - {id: anders, label: Anders}\n", ""),
            ("  - type: content\n    id: welkom\n    title: Welkom\n", ""),
        ),
    )
    took = room.wait_for("the new round of rol", lambda: room.state()["round"] == 2)
    print(f"\nin-place save → new state on /state: {took:.2f} s")
    state = room.state()
    assert state["slide"]["id"] == "rol" and state["position"] == {"index": 0, "total": 3}
    assert [o["id"] for o in state["slide"]["options"]] == ["beleid", "uitvoering"]
    results = room.results()
    # No stale count: nobody has answered the question as it is now.
    assert results["rol"]["responses"] == 0
    assert results["rol"]["counts"] == {"beleid": 0, "uitvoering": 0}
    assert results["onthouden"]["responses"] == 1  # unchanged question: its answer stays
    # The earlier answers stay in the export, as round 1 (an option gone: its id, as sent).
    assert room.exported("rol") == [("1", "Beleid"), ("1", "anders"), ("1", "anders")]
    room.answer(tokens[1], "rol", "uitvoering")
    assert room.results()["rol"]["counts"] == {"beleid": 0, "uitvoering": 1}


def test_the_live_slide_removed_the_presenter_goes_to_the_next_one(
    served: tuple[Room, Path],
) -> None:
    room, path = served
    room.control("goto", "drijfveren")
    rename_replace(
        path,
        edited(DECK, ("  - type: wordcloud\n    id: drijfveren\n    prompt: Wat drijft je?\n", "")),
    )
    room.wait_for("the next slide", lambda: room.state()["slide"]["id"] == "onthouden")
    state = room.state()
    assert state["position"] == {"index": 2, "total": 3} and state["voting_open"]


def test_a_broken_save_keeps_the_last_good_deck_and_the_presenter_sees_where(
    served: tuple[Room, Path], projector_page: Page, artifacts_dir: Path
) -> None:
    room, path = served
    server = room.server
    room.control("goto", "rol")
    token = room.join()
    room.answer(token, "rol", "beleid")
    login_projector(projector_page, server)
    expect_projector_live(projector_page)
    box = projector_page.locator("#deck-errors")
    expect(box).to_be_hidden()

    # Not YAML at all: the line of the mistake.
    rename_replace(
        path, edited(DECK, ("    prompt: Wat is je rol?\n", "    prompt: [Wat is je rol?\n"))
    )
    room.wait_for("the YAML error", lambda: room.presenter()["presenter"]["deck_errors"])
    errors = room.presenter()["presenter"]["deck_errors"]
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", e) for e in errors), errors
    assert server.process.poll() is None
    public = room.state()
    assert public["slide"]["prompt"] == "Wat is je rol?"  # the last good deck
    assert "deck_errors" not in json.dumps(public)  # phones never get them
    expect(box).to_contain_text(f"{path}:", timeout=UI_TIMEOUT_MS)
    snap(projector_page, artifacts_dir / "reload-yaml-error-1920.png")

    # Valid YAML that does not validate, quoting the file (shown as text, never as HTML).
    bad_type = "<img src=x onerror=alert(1)>"
    broken = edited(DECK, ("  - type: open\n", f"  - type: '{bad_type}'\n"))
    write_in_place(path, broken)
    line = broken.splitlines().index(f"  - type: '{bad_type}'") + 1
    room.wait_for(
        "the validation error",
        lambda: any(f"{path}:{line}:" in e for e in room.presenter()["presenter"]["deck_errors"]),
    )
    expect(box).to_contain_text(f"{path}:{line}:", timeout=UI_TIMEOUT_MS)
    expect(box).to_contain_text(bad_type)
    assert box.locator("img").count() == 0
    assert room.results()["rol"]["responses"] == 1  # answers untouched
    projector_page.set_viewport_size({"width": 1024, "height": 768})
    snap(projector_page, artifacts_dir / "reload-validation-error-1024.png")

    # Fixed: the new deck loads and the message goes.
    rename_replace(path, edited(DECK, ("Wat is je rol?", "Wat doe je?")))
    expect(projector_page.locator("#slide")).to_contain_text("Wat doe je?", timeout=UI_TIMEOUT_MS)
    expect(box).to_be_hidden()
    assert room.presenter()["presenter"]["deck_errors"] == []
    assert room.results()["rol"]["responses"] == 1


def test_the_remote_shows_the_problems_on_a_phone(
    served: tuple[Room, Path], phone_page: Page, artifacts_dir: Path
) -> None:
    room, path = served
    server = room.server
    phone_page.goto(f"{server.base_url}/present/{server.code}?remote=1")
    phone_page.locator("#token").fill(server.token)
    phone_page.locator("form.login-form button[type=submit]").click()
    expect_projector_live(phone_page)
    rename_replace(path, edited(DECK, ("    id: rol\n", "    id: rol\n    colour: blue\n")))
    expect(phone_page.locator("#deck-errors")).to_contain_text(f"{path}:", timeout=UI_TIMEOUT_MS)
    snap(phone_page, artifacts_dir / "reload-error-remote-360.png")


def test_a_deck_edited_while_the_server_was_down_is_followed_at_start(
    served: tuple[Room, Path], server_factory: ServerStarter
) -> None:
    room, path = served
    room.control("goto", "rol")
    token = room.join()
    room.answer(token, "rol", "uitvoering")
    room.server.stop()
    path.write_text(
        edited(
            DECK,
            (
                "  - type: choice\n",
                "  - type: content\n    id: nieuw\n    title: Nieuw\n  - type: choice\n",
            ),
            ("      - {id: anders, label: Anders}\n", ""),
        ),
        encoding="utf-8",
    )
    again = Room(server_factory(deck=str(path), data_dir=room.server.data_dir))
    try:
        state = again.state()
        assert again.server.code == room.server.code
        assert state["slide"]["id"] == "rol" and state["position"]["index"] == 2
        assert state["round"] == 2  # an option removed: counted afresh, as a reload does
        assert again.exported("rol") == [("1", "Uitvoering")]
    finally:
        again.admin.close()


# --- a cluster: two workers serving the same file --------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_in_a_cluster_each_worker_reloads_and_the_state_moves_once(
    pg_url: str, redis_url: str, server_factory: ServerStarter, tmp_path: Path
) -> None:
    """Two workers on one deck file: a save that changes what `rol`'s answers mean moves the
    shared state onto the new deck once (one new round, not one per worker), both serve the
    new text at the same slide id, and both say they are in step again."""
    path = tmp_path / "herladen.yaml"
    path.write_text(DECK, encoding="utf-8")
    args = ["--database", pg_url, "--redis", redis_url]
    a, b = (Room(server_factory(deck=str(path), args=args)) for _ in range(2))
    try:
        a.control("goto", "rol")
        b.answer(b.join(), "rol", "anders")
        rename_replace(
            path,
            edited(
                DECK,
                ("  - type: choice\n", "  - type: content\n    id: nieuw\n    title: Nieuw\n"
                 "  - type: choice\n"),
                ("Wat is je rol?", "Welke rol heb jij?"),
                ("{id: anders, label: Anders}", "{id: andere, label: Andere}"),
            ),
        )  # fmt: skip
        for room in (a, b):
            room.wait_for("the new deck", lambda r=room: r.state()["slide"]["prompt"]
                          == "Welke rol heb jij?")  # fmt: skip
            room.wait_for("in step", lambda r=room: r.presenter()["presenter"]["deck_in_step"])
        for room in (a, b):
            state = room.state()
            assert state["slide"]["id"] == "rol" and state["position"]["index"] == 2
            rol = room.results()["rol"]
            assert rol["round"] == 2, "one new round for the whole cluster"
            assert rol["responses"] == 0 and "andere" in rol["counts"]
        assert a.presenter()["version"] == b.presenter()["version"]
        # The old round stays in the export (by the option's id: the new deck has no label).
        assert b.exported("rol") == [("1", "anders")]
    finally:
        a.admin.close()
        b.admin.close()
