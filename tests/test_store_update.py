"""`Store.update_response`, the atomic read-modify-write of one answer row, on both stores.

A Q&A participant's row (their questions and upvotes) is changed by many requests, theirs and
the presenter's: each change must see the one before it, or votes are lost. Checked here with
real concurrency on SQLite and on a real PostgreSQL, and with what `change` may do: refuse
(nothing written), and start a row for a participant who has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.backends.sqlite import SQLiteStore
from app.domain.errors import AnswerError
from app.domain.loader import load_deck
from app.ports.store import SessionGone

CODE = "123456"
DECK = Path(__file__).resolve().parent / "decks" / "qa.yaml"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        opened: Any = SQLiteStore(tmp_path / "rondvraag.db")
    else:
        from app.backends.postgres import PostgresStore

        opened = PostgresStore(request.getfixturevalue("pg_url"), max_connections=20)
    await opened.open()
    await opened.create_session(CODE, "qa", "Q&A", "title: Q&A\n", {})
    yield opened
    await opened.close()


def add(n: int):
    def change(row: Any) -> dict[str, int]:
        return {"n": (row or {"n": 0})["n"] + n}

    return change


async def test_concurrent_changes_of_one_row_all_count(store: Any) -> None:
    """200 increments of one participant's row at once (as one phone's quick taps, or the
    presenter's decisions on one author's row): every one lands, none is lost."""
    await store.add_participant(CODE, "alice")
    changes = [store.update_response(CODE, "q", 1, "alice", add(1)) for _ in range(200)]
    done = await asyncio.gather(*changes)
    assert (await store.answers(CODE, "q", 1)) == [{"n": 200}]
    seqs = [saved.seq for saved, _ in done]
    assert len(set(seqs)) == 200  # each change is its own write, in one order
    assert sorted(answer["n"] for _, answer in done) == list(range(1, 201))
    assert [saved.replaced for saved, _ in done].count(False) == 1


async def test_first_change_starts_the_row_and_registers_the_participant(store: Any) -> None:
    saved, answer = await store.update_response(CODE, "q", 1, "bob", add(5))
    assert (saved.replaced, answer) == (False, {"n": 5})
    assert await store.participant_count(CODE) == 1
    rows = await store.tally_rows(CODE, "q", 1)
    assert [(p, s, a) for p, s, a in rows] == [("bob", saved.seq, {"n": 5})]


async def test_200_participants_upvoting_one_entry_at_once_count_200(store: Any) -> None:
    """The Q&A case on each store: 200 voters' rows written at once, one entry asked; the
    tally of the stored rows gives it exactly 200 votes, and a retracted vote is gone."""
    slide = load_deck(DECK).question("vragen")
    await store.update_response(CODE, "vragen", 1, "author", lambda r: slide.ask(r, "E", "?", "t"))
    voters = [f"p{i}" for i in range(200)]
    await asyncio.gather(
        *(store.update_response(CODE, "vragen", 1, v, lambda r: slide.vote(r, "E", True))
          for v in voters)
    )  # fmt: skip
    entries = slide.tally(await store.answers(CODE, "vragen", 1))["entries"]
    assert [(e["id"], e["votes"]) for e in entries] == [("E", 200)]
    await store.update_response(CODE, "vragen", 1, "p7", lambda r: slide.vote(r, "E", False))
    entries = slide.tally(await store.answers(CODE, "vragen", 1))["entries"]
    assert entries[0]["votes"] == 199
    assert await store.participant_count(CODE) == 201


async def test_a_refusing_change_writes_nothing(store: Any) -> None:
    await store.update_response(CODE, "q", 1, "carol", add(1))

    def refuse(row: Any) -> Any:
        raise AnswerError("no more")

    with pytest.raises(AnswerError, match="no more"):
        await store.update_response(CODE, "q", 1, "carol", refuse)
    assert await store.answers(CODE, "q", 1) == [{"n": 1}]
    assert (await store.tally_check(CODE, "q", 1))[0] == 1


async def test_an_ended_or_unknown_session_is_refused(store: Any) -> None:
    with pytest.raises(SessionGone):
        await store.update_response("999999", "q", 1, "dave", add(1))
    await store.end_sessions(code=CODE)
    with pytest.raises(SessionGone):
        await store.update_response(CODE, "q", 1, "dave", add(1))


async def test_updates_and_plain_saves_keep_the_highest_seq(store: Any) -> None:
    """A plain save after an update replaces it (and the other way round): the row keeps
    the write with the highest seq, as the live tally assumes."""
    first, _ = await store.update_response(CODE, "q", 1, "erin", add(1))
    plain = await store.save_response(CODE, "q", 1, "erin", {"n": 10})
    second, answer = await store.update_response(CODE, "q", 1, "erin", add(1))
    assert first.seq < plain.seq < second.seq
    assert answer == {"n": 11}
    assert [(s, a) for _, s, a in await store.tally_rows(CODE, "q", 1)] == [(second.seq, {"n": 11})]
