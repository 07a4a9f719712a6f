"""Sessions past their deck's `privacy.retention_days` are deleted with every answer: by the
server (at start, then daily) and by `rondvraag purge`; others are never touched."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from app.backends import open_store
from app.retention import deletion_date, purge

REPO = Path(__file__).resolve().parent.parent
KEEP_30 = "title: Kort bewaard\nprivacy:\n  retention_days: 30\nslides:\n  - type: join\n"
KEEP_ALWAYS = "title: Bewaard\nslides:\n  - type: join\n"
_codes = (f"{n:06d}" for n in itertools.count(100000))


async def new_session(store, deck: str, source: str, *, end: bool) -> str:
    record = await store.open_session(deck, deck, source, {"version": 1}, lambda: next(_codes))
    if end:
        await store.end_sessions(code=record.code)
    return record.code


async def test_only_ended_sessions_past_their_decks_retention_go(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'rondvraag.sqlite3'}")
    await store.open()
    try:
        short = await new_session(store, "kort", KEEP_30, end=False)
        await store.add_participant(short, "p1")
        await store.save_response(short, "x", 1, "p1", ["a"])
        await store.end_sessions(code=short)
        forever = await new_session(store, "altijd", KEEP_ALWAYS, end=True)
        still_open = await new_session(store, "open", KEEP_30, end=False)
        records = {r.code: r for r in await store.list_sessions()}
        ended = dt.datetime.fromisoformat(records[short].ended_at.replace("Z", "+00:00"))
        due = (ended + dt.timedelta(days=30)).date()
        assert deletion_date(records[short]) == due
        assert deletion_date(records[forever]) is None
        assert deletion_date(records[still_open]) is None

        assert await purge(store, today=due - dt.timedelta(days=1)) == []
        assert await purge(store, today=due) == [short]
        left = {r.code for r in await store.list_sessions()}
        assert left == {forever, still_open}
        assert await store.answers(short, "x", 1) == []
    finally:
        await store.close()


async def test_rondvraag_purge_deletes_what_is_due_and_says_so(tmp_path: Path) -> None:
    database = tmp_path / "rondvraag.sqlite3"
    store = open_store(f"sqlite:///{database}")
    await store.open()
    try:
        old = await new_session(store, "kort", KEEP_30, end=True)
        recent = await new_session(store, "kort-2", KEEP_30, end=True)
    finally:
        await store.close()
    with sqlite3.connect(database) as conn:  # the first ended 40 days ago
        long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).isoformat()
        conn.execute("UPDATE sessions SET ended_at = ? WHERE code = ?", (long_ago, old))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "purge", "--data", str(tmp_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        f"deleted session {old} and every answer (past its deck's retention_days)"
    )
    assert run().stdout.strip() == "no session is past its retention"
    store = open_store(f"sqlite:///{database}")
    await store.open()
    try:
        assert {r.code for r in await store.list_sessions()} == {recent}
    finally:
        await store.close()


def test_the_phone_says_what_is_stored_and_for_how_long(server_factory, tmp_path: Path) -> None:
    short = tmp_path / "kort.yaml"
    short.write_text(
        "title: Kort bewaard\nprivacy:\n  retention_days: 30\nslides:\n  - type: choice\n"
        "    id: q\n    prompt: P\n    options: [{id: a, label: A}, {id: b, label: B}]\n"
    )
    told = tmp_path / "eigen.yaml"
    told.write_text(
        "title: Eigen tekst\nprivacy:\n  notice: 'Wij <b>bewaren</b> niets.'\nslides:\n"
        "  - type: join\n"
    )
    for deck, expected in [
        (
            str(short),
            "Je antwoorden worden bewaard onder een pseudoniem, zonder naam of adres. "
            "Alleen de presentator en de organisator zien ze; ze worden 30 dagen na de sessie "
            "gewist.",
        ),
        ("questions/samenwerking.yaml", "de organisator wist ze wanneer de sessie niet meer"),
        (str(told), "Wij &lt;b&gt;bewaren&lt;/b&gt; niets."),
    ]:
        server = server_factory(deck=deck)
        page = httpx.get(f"{server.base_url}/j/{server.code}", timeout=10).text
        note = page[page.index('id="privacy-note"') :]
        assert expected in note[: note.index("</footer>")], note[:400]
        server.stop()


def test_an_ended_session_tells_the_presenter_when_it_goes(server_factory, tmp_path: Path) -> None:
    deck = tmp_path / "kort.yaml"
    deck.write_text(KEEP_30)
    server = server_factory(deck=str(deck))
    api = f"{server.base_url}/api/sessions/{server.code}"
    with httpx.Client(timeout=10, headers=server.admin_headers()) as http:
        assert http.get(f"{api}/presenter").json()["presenter"]["deleted_on"] is None
        assert http.post(f"{api}/control", json={"action": "end"}).status_code == 200
        told = http.get(f"{api}/presenter").json()["presenter"]["deleted_on"]
    assert told == (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
