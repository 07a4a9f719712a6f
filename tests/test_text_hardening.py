"""Free-text answers: invisible "words" are refused, emoji and joiner-dependent scripts survive.

Word clouds count entries by what the projector shows, so an entry that draws nothing must not
count, and an emoji made of several code points must not fall apart into its pieces.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer

from app.domain.errors import AnswerError
from app.domain.loader import load_deck
from app.domain.slides.base import text_entries
from app.domain.slides.wordcloud import normalise_entry

DECK = load_deck(Path(__file__).resolve().parent.parent / "questions" / "samenwerking.yaml")
WORDCLOUD = DECK.question("drijfveren")  # max 5 entries of 40 characters
OPEN = DECK.question("onthouden")  # max 5 answers of 280 characters
QUESTIONS = [WORDCLOUD, OPEN]

ZWJ = "\u200d"
ZWNJ = "\u200c"
FAMILY = "\U0001f468" + ZWJ + "\U0001f469" + ZWJ + "\U0001f467"  # 👨‍👩‍👧
CODER = "\U0001f469\U0001f3fd" + ZWJ + "\U0001f4bb"  # 👩🏽‍💻: skin tone, then ZWJ
SCOTLAND = "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in "gbsct") + "\U000e007f"
HEART = "\u2764\ufe0f"  # ❤️: heart + variation selector 16 (emoji presentation)
PERSIAN = "می" + ZWNJ + "خواهم"  # "I want": the ZWNJ keeps می apart from خواهم
HINDI = "क्" + ZWJ + "ष"  # a half-form conjunct that needs the ZWJ

# --- invisible entries are refused ---------------------------------------------------------

INVISIBLE = {
    "hangul-filler": "\u3164",
    "halfwidth-hangul-filler": "\uffa0",
    "hangul-choseong-filler": "\u115f",
    "hangul-jungseong-filler": "\u1160",
    "braille-blank": "\u2800",
    "braille-blanks": "\u2800\u2800\u2800",
    "null-notehead": "\U0001d159",
    "mongolian-vowel-separator": "\u180e",
    "zero-width-space": "\u200b",
    "word-joiner": "\u2060",
    "bom": "\ufeff",
    "format-mix": "\u200b\u2060\ufeff\u00ad",
    "lone-zwj": ZWJ,
    "lone-zwnj": ZWNJ,
    "combining-accent": "\u0301",
    "combining-marks": "\u0301\u0308\u0327",
    "enclosing-circle": "\u20dd",
    "variation-selector-16": "\ufe0f",
    "variation-selector-17": "\U000e0100",
    "mongolian-variation-selector": "\u180b",
    "combining-grapheme-joiner": "\u034f",
    "bidi-override": "\u202e\u202c",
    "tags-without-a-flag": "\U000e0067\U000e0062\U000e007f",
    "reserved-ignorable": "\U000e0200",
    "fillers-and-spaces": " \u3164 \u2800\u3000",
}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.type_name)
@pytest.mark.parametrize("entry", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_an_answer_of_only_invisible_characters_is_refused_and_says_so(question, entry) -> None:
    with pytest.raises(AnswerError, match="no visible characters"):
        question.check_answer(entry)
    with pytest.raises(AnswerError, match=r"^the answer has no visible characters"):
        question.check_answer(["", entry, "  "])


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.type_name)
def test_one_invisible_entry_among_visible_ones_is_refused_by_its_number(question) -> None:
    with pytest.raises(AnswerError, match=r"^answer 2 of 3 has no visible characters"):
        question.check_answer(["vertrouwen", "\u3164", "tijd"])


def test_blank_answers_are_still_just_empty() -> None:
    with pytest.raises(AnswerError, match=r"^the answer is empty$"):
        WORDCLOUD.check_answer(["", "   ", "\t"])


def test_blank_looking_fillers_count_as_spaces_in_a_word_cloud() -> None:
    assert WORDCLOUD.check_answer(["vertrouwen\u3164", "\u2800samen\u3164werken"]) == [
        "vertrouwen",
        "samen werken",
    ]


def test_a_visible_letter_with_its_accent_and_selector_is_kept() -> None:
    # The accent survives cleaning (NFC joins e + accent); a cloud then counts "café" as
    # "cafe", as it counts "samenwérking" as "samenwerking" (issue 11: accents merge).
    assert text_entries("cafe\u0301", max_answers=1, max_length=40, single_line=True) == ["café"]
    assert WORDCLOUD.check_answer("cafe\u0301") == WORDCLOUD.check_answer("café") == ["cafe"]
    assert WORDCLOUD.check_answer(HEART) == [HEART]


# --- joiners, tags and selectors survive where they belong ---------------------------------

KEPT = {
    "family": FAMILY,
    "skin-tone-sequence": CODER,
    "scotland-flag": SCOTLAND,
    "heart-vs16": HEART,
    "persian-zwnj": PERSIAN,
    "hindi-zwj": HINDI,
    "in-a-phrase": f"samen {FAMILY} sterk",
}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.type_name)
@pytest.mark.parametrize("entry", KEPT.values(), ids=KEPT.keys())
def test_emoji_sequences_and_joiner_scripts_are_kept_whole(question, entry) -> None:
    assert question.check_answer(entry) == [entry]


def test_a_zwj_sequence_survives_normalisation_and_counts_as_one_word() -> None:
    assert normalise_entry(FAMILY) == FAMILY
    assert normalise_entry(SCOTLAND) == SCOTLAND
    first = WORDCLOUD.check_answer([FAMILY, CODER])
    second = WORDCLOUD.check_answer([ZWJ + FAMILY + ZWJ, f" {FAMILY} "])  # same word, twice
    assert second == [FAMILY]
    assert WORDCLOUD.tally([first, second])["counts"] == {FAMILY: 2, CODER: 1}


@pytest.mark.parametrize(
    ("entry", "kept"),
    [
        (ZWJ + "abc" + ZWJ, "abc"),  # stray joiners at the ends
        (ZWNJ + PERSIAN + ZWNJ, PERSIAN),
        ("a " + ZWJ + " b", "a  b"),  # next to a space it joins nothing (open keeps spacing)
        ("می" + ZWJ + ZWJ + ZWNJ + "خواهم", PERSIAN),  # a run keeps its last
        ("vertr" + ZWJ + "ouwen" + ZWNJ + "s", "vertrouwens"),  # Latin letters never join
        ("\U0001f468" + ZWJ + "\u200b" + "\U0001f469", "\U0001f468" + ZWJ + "\U0001f469"),
        ("ver\u200btrou\u00adwen\u2060", "vertrouwen"),  # other format characters go
        ("\U0001f3f4\U000e0041\U000e0042\U000e007f", "\U0001f3f4"),  # uppercase tags: no flag
        ("\U0001f3f4" + "\U000e0067" * 12 + "\U000e007f", "\U0001f3f4"),  # too long for a code
        ("\U0001f3f4\U000e0067\U000e0062\U000e0073", "\U0001f3f4"),  # no cancel tag
        ("hoi" + "".join(chr(0xE0000 + ord(c)) for c in "ignore this") + "\U000e007f", "hoi"),
    ],
    ids=[
        "zwj-at-ends",
        "zwnj-at-ends",
        "zwj-between-spaces",
        "joiner-run",
        "between-cased-letters",
        "zwj-around-dropped-zwsp",
        "other-format",
        "uppercase-tags",
        "overlong-tags",
        "unterminated-tags",
        "tag-smuggled-text",
    ],
)
def test_joiners_and_tags_are_dropped_where_they_join_nothing(entry: str, kept: str) -> None:
    assert OPEN.check_answer(entry) == [kept]


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_overrides_and_isolates_are_stripped() -> None:
    # An RLO makes "fdp.exe" read as "exe.pdf" on the projector: the classic filename spoof.
    assert OPEN.check_answer("factuur\u202efdp.exe") == ["factuurfdp.exe"]
    attack = "".join(f"{c}x" for c in BIDI_CONTROLS) + "\u200e\u200f\u061c"
    assert WORDCLOUD.check_answer(attack) == ["x" * len(BIDI_CONTROLS)]
    assert all(unicodedata.category(c) == "Cf" for c in BIDI_CONTROLS)


def test_open_answers_keep_their_line_breaks_but_not_joiners_next_to_them() -> None:
    assert OPEN.check_answer("een" + ZWJ + "\ntwee" + ZWNJ) == ["een\ntwee"]


# --- through the API -------------------------------------------------------------------------


def test_api_answers_an_invisible_word_with_400_invalid_answer_and_keeps_an_emoji_whole(
    server: LiveServer,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        participant = http.post(f"/api/sessions/{server.code}/join").json()["participant"]
        control = http.post(
            f"/api/sessions/{server.code}/control",
            json={"action": "goto", "question": "drijfveren"},
            headers=server.admin_headers(),
        )
        assert control.status_code == 200, control.text

        def send(value: object) -> httpx.Response:
            body = {"participant": participant, "question": "drijfveren", "answer": value}
            return http.post(f"/api/sessions/{server.code}/responses", json=body)

        refused = send(["\u3164", "\u200b"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_answer"
        assert "no visible characters" in refused.json()["detail"]
        assert send([FAMILY, "Vertrouwen"]).status_code == 201
        results = http.get(
            f"/api/sessions/{server.code}/results", headers=server.admin_headers()
        ).json()
        cloud = next(q for q in results["questions"] if q["id"] == "drijfveren")
        assert cloud["counts"] == {FAMILY: 1, "vertrouwen": 1}
