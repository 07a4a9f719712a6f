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
    words = st.sampled_from(["vertrouwen", "tijd", "geld", "win-win", "kennis", "één taal"])
    return st.lists(words, min_size=1, max_size=question.max_answers)


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
    # As stored: checked, and a timed question's answer with the time it came (a quiz's).
    answers = [
        question.timed(question.check_answer(raw), 997 * i, None)
        for i, raw in enumerate(raw_answers)
    ]
    full = question.tally(answers)
    assert live_from(question, answers, size) == bounded(question, full, size)
