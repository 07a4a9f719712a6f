"""Every question type's live result, built from a live tally's counts, equals its full tally.

The live tally (app/ports/tally.py) keeps only counts of `tally_items` per participant's newest
answer, and the newest answers' items; screens are drawn from that. The exports and
`GET /results` recount the stored answers with `tally`. This checks the two agree for every
type, on random answers, so the projector and the export can never tell different stories.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.loader import load_deck
from app.domain.slides.base import LiveCounts

HERE = Path(__file__).resolve().parent
# The reference deck, and the test decks of types it does not use (tests/decks/NAME.yaml).
DECKS = [HERE.parent / "questions" / "samenwerking.yaml", *sorted((HERE / "decks").glob("*.yaml"))]
QUESTIONS = {f"{path.stem}/{q.id}": q for path in DECKS for q in load_deck(path).questions}


def answer_for(question_id: str) -> st.SearchStrategy[Any]:
    question = QUESTIONS[question_id]
    kind = question.type_name
    if kind in ("choice", "quiz"):
        ids = [o.id for o in question.options]
        return st.lists(st.sampled_from(ids), min_size=1, max_size=question.multiple)
    if kind == "scales":
        return st.dictionaries(
            st.sampled_from([s.id for s in question.statements]),
            st.integers(question.low, question.high),
            min_size=1,
        )
    if kind == "points":
        ids = [o.id for o in question.options]

        def spread(cuts: list[int]) -> dict[str, int]:
            """Cuts in the budget → amounts that add up to at most the budget (zeros too)."""
            ends = sorted(cuts)
            amounts = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
            return dict(zip(ids, amounts, strict=True))

        amounts = st.lists(st.integers(0, question.budget), min_size=len(ids), max_size=len(ids))
        return amounts.map(spread).filter(lambda answer: sum(answer.values()) > 0)
    if kind == "ranking":
        ids = [o.id for o in question.options]
        return st.permutations(ids).flatmap(
            lambda order: st.integers(1, question.max_ranked).map(lambda k: order[:k])
        )
    if kind == "qa":
        return qa_row(question)
    words = st.sampled_from(["vertrouwen", "tijd", "geld", "win-win", "kennis", "één taal"])
    return st.lists(words, min_size=1, max_size=question.max_answers)


QA_IDS = [f"e{n}" for n in range(12)]  # entries are numbered in the order they are asked


def qa_row(question) -> st.SearchStrategy[Any]:
    """A Q&A participant's row as its own changes build it: questions asked (ids are made
    unique over the room in `test_…` below), upvotes on any entry, the presenter's decisions."""
    ask = st.tuples(
        st.sampled_from(["Waarom?", "Hoe dan?", "Wanneer?", "Wie betaalt?"]),
        st.integers(0, 5),  # when: a few ties, so "oldest first" and the id order both matter
        st.lists(st.sampled_from(["approve", "hide", "answered", "pin", "unpin"]), max_size=2),
    )
    return st.tuples(
        st.lists(ask, max_size=question.max_questions),
        st.lists(st.sampled_from(QA_IDS), max_size=6, unique=True),
    )


def qa_rows(question, raw_rows: list[Any]) -> list[Any]:
    """The rows as the store holds them, each asked entry with an id of its own."""
    asked = 0
    rows = []
    for asks, ups in raw_rows:
        row = None
        for text, when, actions in asks:
            entry = f"e{asked}"
            asked += 1
            row = question.ask(row, entry, text, f"2025-05-01T10:00:0{when}.000Z")
            for action in actions:
                row = question.moderate(row, entry, action)
        for target in ups:  # an upvote on an entry nobody asked counts for nothing
            row = question.vote(row, target, True)
        rows.append(row or {"asked": [], "up": []})
    return rows


def live_from(question, answers: list[Any], size: int) -> dict[str, Any]:
    """What a live tally holds after applying these stored answers (oldest first), turned
    into the live result: the counts it is asked for (all, or the top), respondents, the
    newest answers' items first, how many different items and occurrences."""
    items = [question.tally_items(a) for a in answers]
    counts = Counter(i for answer in items for i in answer)
    top = question.live_top(size)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    asked = dict(ranked if top is None else ranked[:top])
    tally = LiveCounts(asked, len(answers), items[::-1][:size], len(counts), counts.total())
    return question.live_result(tally, size)


def bounded(question, full: dict[str, Any], size: int) -> dict[str, Any]:
    if question.type_name == "wordcloud":
        return {
            "counts": dict(list(full["counts"].items())[:size]),
            "distinct": len(full["counts"]),
        }
    if question.type_name == "open":
        return {"answers": full["answers"][-size:], "total": len(full["answers"])}
    if question.type_name == "qa":
        # Screens see the visible entries only (shown, answered; never pending or hidden):
        # the first `size` in result order and the `size` newest, with the counts of all.
        visible = [e for e in full["entries"] if e["status"] in ("shown", "answered")]
        newest = sorted(visible, key=lambda e: (e["at"], e["id"]))[-size:]
        keep = {e["id"] for e in visible[:size] + newest}
        return {
            "entries": [e for e in visible if e["id"] in keep],
            "visible": len(visible),
            "pending": full["pending"],
            "hidden": full["hidden"],
        }
    return full


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(QUESTIONS)).flatmap(
        lambda qid: st.tuples(st.just(qid), st.lists(answer_for(qid), max_size=30))
    ),
    st.integers(1, 8),
)
def test_live_result_from_counts_equals_the_full_tally_bounded(case, size: int) -> None:
    question_id, raw_answers = case
    question = QUESTIONS[question_id]
    if question.type_name == "qa":  # a row is built by its own changes, never sent whole
        answers = qa_rows(question, raw_answers)
    else:  # as stored: checked, and a timed question's answer with the time it came (a quiz's)
        answers = [
            question.timed(question.check_answer(raw), 997 * i, None)
            for i, raw in enumerate(raw_answers)
        ]
    full = question.tally(answers)
    assert live_from(question, answers, size) == bounded(question, full, size)


QA_QUESTIONS = sorted(q for q in QUESTIONS if QUESTIONS[q].type_name == "qa")


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(QA_QUESTIONS).flatmap(
        lambda qid: st.tuples(st.just(qid), st.lists(answer_for(qid), max_size=12))
    ),
    st.integers(1, 8),
)
def test_qa_live_result_equals_the_full_tally_bounded(case, size: int) -> None:
    """The Q&A rule on more examples than the mixed test gives it: with pins, hides and
    answered entries, votes on entries that exist and on ones that do not."""
    question_id, raw_rows = case
    question = QUESTIONS[question_id]
    answers = qa_rows(question, raw_rows)
    assert live_from(question, answers, size) == bounded(question, question.tally(answers), size)
