"""Answers per question type (valid and invalid), tallies, and the presenter state machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.errors import AnswerError, ControlError
from app.domain.loader import load_deck
from app.domain.presenter import apply, initial_state

DECK = load_deck(Path(__file__).resolve().parent.parent / "questions" / "samenwerking.yaml")
ROL = DECK.question("rol")
DRIJFVEREN = DECK.question("drijfveren")
STELLINGEN = DECK.question("stellingen")
ONTHOUDEN = DECK.question("onthouden")


# --- choice -------------------------------------------------------------------------------


def test_choice_accepts_one_option_id_as_text_or_list() -> None:
    assert ROL.check_answer("vdab") == ["vdab"]
    assert ROL.check_answer(["vdab"]) == ["vdab"]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("vdab-typo", "unknown option 'vdab-typo'"),
        (["vdab", "wsg"], "at most 1 option"),
        ([], "at least one"),
        (3, "option id"),
        ({"vdab": 1}, "option id"),
        ([None], "option id"),
    ],
)
def test_choice_refuses_bad_answers(answer: object, why: str) -> None:
    with pytest.raises(AnswerError, match=why):
        ROL.check_answer(answer)


def test_choice_tally_counts_every_option_in_deck_order() -> None:
    tally = ROL.tally([["vdab"], ["vdab"], ["wsg"]])
    assert list(tally["counts"]) == [o.id for o in ROL.options]
    assert tally["counts"]["vdab"] == 2
    assert tally["counts"]["wsg"] == 1
    assert tally["counts"]["andere"] == 0


def test_multiple_choice_allows_up_to_n_and_counts_each() -> None:
    from app.domain.loader import parse_deck

    deck = parse_deck(
        "title: T\nslides:\n  - type: choice\n    id: q\n    prompt: P\n    multiple: 2\n"
        "    options: [{id: a, label: A}, {id: b, label: B}, {id: c, label: C}]\n"
    )
    q = deck.question("q")
    assert q.check_answer(["c", "a", "a"]) == ["a", "c"]
    with pytest.raises(AnswerError, match="at most 2"):
        q.check_answer(["a", "b", "c"])
    assert q.tally([["a", "c"], ["a"]])["counts"] == {"a": 2, "b": 0, "c": 1}


# --- word cloud ---------------------------------------------------------------------------


def test_wordcloud_normalises_case_and_space_but_keeps_dutch_letters() -> None:
    assert DRIJFVEREN.check_answer(["  Kostenefficiëntie ", "SAMEN   werken"]) == [
        "kostenefficiëntie",
        "samen werken",
    ]
    assert DRIJFVEREN.check_answer("Coöperatie") == ["coöperatie"]


def test_wordcloud_same_word_twice_from_one_person_counts_once() -> None:
    assert DRIJFVEREN.check_answer(["Vertrouwen", "vertrouwen "]) == ["vertrouwen"]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (["a", "b", "c", "d", "e", "f"], "at most 5 answers"),
        ("x" * 41, "at most 40 characters"),
        (["", "   "], "empty"),
        (42, "text"),
        ([1, 2], "must be text"),
    ],
)
def test_wordcloud_refuses_bad_answers(answer: object, why: str) -> None:
    with pytest.raises(AnswerError, match=why):
        DRIJFVEREN.check_answer(answer)


def test_wordcloud_tally_ranks_by_frequency() -> None:
    tally = DRIJFVEREN.tally([["vertrouwen", "geld"], ["vertrouwen"], ["tijd"]])
    assert list(tally["counts"].items()) == [("vertrouwen", 2), ("geld", 1), ("tijd", 1)]


# --- scales -------------------------------------------------------------------------------


def test_scales_accepts_some_or_all_statements_in_range() -> None:
    assert STELLINGEN.check_answer({"vertrouwen": 5, "expert": 1}) == {"expert": 1, "vertrouwen": 5}


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"vertrouwen": 6}, "between 1 and 5"),
        ({"vertrouwen": 0}, "between 1 and 5"),
        ({"vertrouwen": 2.5}, "whole number"),
        ({"vertrouwen": True}, "whole number"),
        ({"vertrouwen": "4"}, "whole number"),
        ({"onbekend": 3}, "unknown statement 'onbekend'"),
        ({}, "object"),
        ([3, 4], "object"),
    ],
)
def test_scales_refuses_bad_answers(answer: object, why: str) -> None:
    with pytest.raises(AnswerError, match=why):
        STELLINGEN.check_answer(answer)


def test_scales_tally_gives_count_mean_and_distribution_per_statement() -> None:
    tally = STELLINGEN.tally([{"vertrouwen": 5, "expert": 2}, {"vertrouwen": 4}, {"vertrouwen": 4}])
    vertrouwen = tally["statements"]["vertrouwen"]
    assert vertrouwen == {
        "count": 3,
        "mean": 4.33,
        "counts": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1},
    }
    assert tally["statements"]["expert"]["mean"] == 2
    assert tally["statements"]["overeenkomst"] == {
        "count": 0,
        "mean": None,
        "counts": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }


# --- open ---------------------------------------------------------------------------------


def test_open_keeps_text_as_written_and_lists_in_order() -> None:
    first = ONTHOUDEN.check_answer(["  Klein beginnen!  ", "Het is nooit af"])
    assert first == ["Klein beginnen!", "Het is nooit af"]
    assert ONTHOUDEN.tally([first, ["<script>x</script>"]])["answers"] == [
        "Klein beginnen!",
        "Het is nooit af",
        "<script>x</script>",
    ]


def test_open_strips_control_characters() -> None:
    assert ONTHOUDEN.check_answer("a\x00b\x1bc") == ["abc"]


def test_open_refuses_too_long_entries() -> None:
    with pytest.raises(AnswerError, match="at most 280"):
        ONTHOUDEN.check_answer("x" * 281)


# --- presenter state machine --------------------------------------------------------------


def test_goto_a_question_opens_voting_and_bumps_the_version() -> None:
    state = initial_state(DECK)
    moved = apply(state, DECK, "goto", "rol")
    assert DECK.slides[moved.live].id == "rol"
    assert moved.voting_open
    assert moved.version == state.version + 1


def test_next_and_prev_stop_at_the_ends() -> None:
    state = initial_state(DECK)
    assert apply(state, DECK, "prev") is state
    last = apply(state, DECK, "goto", DECK.slides[-1].id)
    assert apply(last, DECK, "next") is last


def test_open_and_close_voting_only_on_a_question() -> None:
    state = initial_state(DECK)
    with pytest.raises(ControlError, match="not a question"):
        apply(state, DECK, "open")
    state = apply(state, DECK, "goto", "rol")
    closed = apply(state, DECK, "close")
    assert not closed.voting_open
    assert apply(closed, DECK, "open").voting_open


def test_reveal_and_hide_override_the_deck_default() -> None:
    state = apply(initial_state(DECK), DECK, "goto", "rol")
    assert state.results_visible(ROL)
    hidden = apply(state, DECK, "hide")
    assert not hidden.results_visible(ROL)
    assert apply(hidden, DECK, "reveal").results_visible(ROL)


def test_reset_starts_a_new_round_for_that_question_only() -> None:
    state = apply(initial_state(DECK), DECK, "goto", "rol")
    reset = apply(state, DECK, "reset")
    assert reset.round_of("rol") == 2
    assert reset.round_of("drijfveren") == 1


@pytest.mark.parametrize(
    ("action", "question", "code"),
    [
        ("goto", "bestaat-niet", "unknown_question"),
        ("goto", None, "missing_question"),
        ("dance", None, "unknown_action"),
        ("reveal", "titel", "not_interactive"),
    ],
)
def test_nonsense_control_actions_are_refused(action: str, question: str | None, code: str) -> None:
    with pytest.raises(ControlError) as caught:
        apply(initial_state(DECK), DECK, action, question)
    assert caught.value.code == code


def test_state_survives_a_round_trip_through_json() -> None:
    from app.domain.presenter import PresenterState

    state = apply(apply(initial_state(DECK), DECK, "goto", "stellingen"), DECK, "reset")
    assert PresenterState.from_json(state.to_json(), DECK) == state
