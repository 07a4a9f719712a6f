"""What every slide type has, and the registry that makes a new type one new module.

A slide type is a frozen dataclass registered under its YAML `type` name. It knows how to read
itself from a deck (`parse`), how it looks to a phone (`public`), and, if it is a question, how
to check an answer (`check_answer`) and how to tally the stored answers (`tally`).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from .. import crowd
from ..chart import ReportPart
from ..errors import AnswerError
from ..reader import FieldReader

Cell = str | int | float | None  # a spreadsheet cell: text, a number or empty
MIN_TIMER_S, MAX_TIMER_S = 5, 3600  # a deck's `timer` on a question: 5 s to an hour

SLIDE_TYPES: dict[str, type[Slide]] = {}


def register(name: str):
    """Class decorator: make a slide type available to decks under `type: name`."""

    def decorate(cls: type[Slide]) -> type[Slide]:
        cls.type_name = name
        SLIDE_TYPES[name] = cls
        return cls

    return decorate


@dataclass(frozen=True, slots=True, kw_only=True)
class Slide:
    """A slide that only shows something (content, join). Questions extend it."""

    type_name: ClassVar[str] = ""
    interactive: ClassVar[bool] = False
    # The type's name for people, per language (the report's "Soort" column); else type_name.
    labels: ClassVar[dict[str, str]] = {}
    # Other types whose page scripts this type's script builds on (a phone bundle that carries
    # only a deck's types carries these too).
    page_builds_on: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def label(cls, language: str) -> str:
        return cls.labels.get(language) or cls.labels.get("en") or cls.type_name

    id: str
    title: str = ""
    notes: str = ""
    line: int = 0

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Slide:
        """Build the slide from its YAML fields; `common` holds id/title/notes/line."""
        return cls(**common)

    def public(self) -> dict[str, Any]:
        """What phones and the projector may see (never `notes`)."""
        return {
            "id": self.id,
            "type": self.type_name,
            "title": self.title,
            "prompt": "",
            "subtitle": "",
            "interactive": self.interactive,
        }

    # A slide that shows the room's scores (a leaderboard): while it is live the server
    # gives it every participant's total over the deck's scored questions (`Question.score`).
    uses_scores: ClassVar[bool] = False

    def public_scored(self, scores: Scores) -> dict[str, Any]:
        """The public view of a `uses_scores` slide, given the scores."""
        return self.public()

    def standing(self, scores: Scores, participant: str) -> dict[str, Any] | None:
        """What one participant's phone shows of the scores (their own place), if anything."""
        return None

    def scored_result(self, scores: Scores) -> dict[str, Any]:
        """What a `uses_scores` slide adds to the session's results (GET /results)."""
        return {}

    def scored_report(self, scores: Scores, language: str) -> ReportPart:
        """What the printed report shows of a `uses_scores` slide, given the final scores."""
        return ReportPart(empty=not scores.totals)


@dataclass(frozen=True, slots=True)
class Scores:
    """Every participant's total over the deck's scored questions, and their names."""

    totals: dict[str, int]  # participant id -> points (only participants who answered)
    names: dict[str, str]  # participant id -> nickname, or pseudonym for the nameless

    @classmethod
    def of(cls, answers: Iterable[tuple[Question, str, Any]], names: dict[str, str]) -> Scores:
        """Totals from (scored question, participant id, stored answer), each answer in the
        question's current round: one sum for the live session and the exports alike."""
        totals: dict[str, int] = {}
        for question, participant, answer in answers:
            totals[participant] = totals.get(participant, 0) + question.score(answer)
        return cls(totals, names)


def scored_results(slides: Iterable[Slide], scores: Scores) -> dict[str, Any]:
    """What a deck's score slides add to its results (a leaderboard's full standings): the
    same keys in GET /results and in the JSON export."""
    extra: dict[str, Any] = {}
    for slide in slides:
        if slide.uses_scores:
            extra.update(slide.scored_result(scores))
    return extra


@dataclass(frozen=True, slots=True, kw_only=True)
class Question(Slide):
    """An interactive slide: people answer it, and its answers are tallied."""

    interactive: ClassVar[bool] = True

    prompt: str
    subtitle: str = ""
    results_hidden: bool = False
    opens_when_live: bool = True
    # Seconds voting stays open once it opens in a round (deck key `timer`; None: until the
    # presenter closes it). A type with a timer of its own (a quiz) reads it itself.
    timer: int | None = None

    @staticmethod
    def read_common(reader: FieldReader, *, timer: bool = True) -> dict[str, Any]:
        """The fields every question has, read once here instead of in each type."""
        fields: dict[str, Any] = {
            "prompt": reader.text("prompt", required=True),
            "subtitle": reader.text("subtitle"),
            "results_hidden": reader.one_of("results", ("shown", "hidden"), "shown") == "hidden",
            "opens_when_live": reader.one_of("voting", ("open", "closed"), "open") == "open",
        }
        if timer:
            seconds = reader.integer("timer", default=0, low=MIN_TIMER_S, high=MAX_TIMER_S)
            fields["timer"] = seconds or None
        return fields

    def public(self) -> dict[str, Any]:
        view = Slide.public(self)
        view.update(prompt=self.prompt, subtitle=self.subtitle)
        if self.timer:
            view["timer"] = self.timer  # the presenter's T starts this many seconds
        return view

    def check_answer(self, raw: Any) -> Any:
        """Validate and normalise an answer; raises AnswerError saying what is wrong."""
        raise NotImplementedError

    # --- timed and scored questions (a quiz): hooks the server calls, inert by default ---

    @property
    def timer_ms(self) -> int | None:
        """Voting closes by itself this long after it opens in a round (None: no timer)."""
        return self.timer * 1000 if self.timer else None

    def timed(self, answer: Any, elapsed_ms: int, previous: Any) -> Any:
        """A timed question's answer as stored: `answer` (checked) given `elapsed_ms` since
        voting opened in this round, on the server's clock; `previous` is the participant's
        stored answer (None if none). Untimed questions store the answer as it is."""
        return answer

    def revealed(self) -> dict[str, Any]:
        """What joins the public view once a timed round is over (e.g. the right answer)."""
        return {}

    def settled(self, answer: Any) -> Any:
        """A stored answer as its own participant sees it once the timed round is over: a
        quiz adds the points it earned (the server's figure, so no phone computes it)."""
        return answer

    # A scored type earns points (`score`); a deck with one asks participants for a nickname.
    scored: ClassVar[bool] = False

    def score(self, answer: Any) -> int:
        """Points a stored answer earns in the deck's standings (scored types only)."""
        return 0

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        """Results from the stored (already normalised) answers, in the RESULT shape."""
        raise NotImplementedError

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """`count` simulated participants' answers as they would be stored, each one this
        type's checks accept, spread as a real room spreads them (see app/domain/crowd.py):
        how a presenter sees the slide with a full room before the talk (app/rehearsal.py)."""
        raise NotImplementedError

    # The list in a live result that grows with the room, pushed to screens as changes.
    live_list: ClassVar[str | None] = None

    def tally_items(self, answer: Any) -> list[str]:
        """What one stored answer adds to the live tally's counts (options, words, values…).

        A live tally keeps, per participant, the items of their newest answer; `live_result`
        turns the counts back into this type's result."""
        raise NotImplementedError

    # --- after the session: exports and the report (each type says how it looks there) ---

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        """One stored answer as rows of (item, item_label, answer) for the per-answer CSV.

        An answer that no longer fits its question (the deck changed since) is kept as one
        row of JSON text, so nothing a participant sent is dropped from an export."""
        return [("", "", json.dumps(answer, ensure_ascii=False))]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """One result as rows of (item, label, count, mean, distribution) for the summary."""
        return [("", "", result.get("responses", 0), None, "")]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """What the printed report shows for one result."""
        return ReportPart(empty=not result.get("responses"))

    def without(self, result: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
        """The result without the entries the presenter hid (only free text has any)."""
        return result

    def live_top(self, size: int) -> int | None:
        """How many of the most frequent items `live_result` needs (None: every count)."""
        return None

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The result screens get live, from a live tally: bounded to the `size` items a
        screen can show where it grows with the room. Equal to the full `tally` of the same
        answers, bounded (a test checks it for every type)."""
        raise NotImplementedError


MAX_EXAMPLES = 200


def read_examples(
    reader: FieldReader, longest: int, check: Callable[[Any], Any]
) -> tuple[str, ...]:
    """A free-text slide's optional `examples`: answers a rehearsal's simulated room gives
    (app/rehearsal.py), each one the slide itself would accept (`check`, e.g. not longer
    than its max_length), so a rehearsal never shows what a phone could not send."""
    found = reader.texts("examples", most=MAX_EXAMPLES, longest=longest)
    kept: list[str] = []
    for number, text in enumerate(found, start=1):
        try:
            check([text])
        except AnswerError as refused:
            reader.error("examples", f"'examples' entry {number} would be refused: {refused}")
        else:
            kept.append(text)
    return tuple(kept)


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """What a live tally knows of a question's answers (see app/ports/tally.py)."""

    counts: dict[str, int]  # item -> occurrences: all, or the `live_top` most frequent
    respondents: int  # participants with an answer
    newest: list[list[str]]  # the items of the most recent answers, newest first
    distinct: int  # different items
    items: int  # occurrences of all items together


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeText(Question):
    """A question answered with a few typed entries (word cloud, open question)."""

    # (default max_answers, default max_length, highest allowed max_length) per type
    limits: ClassVar[tuple[int, int, int]] = (1, 280, 1000)

    # How much a rehearsal's entries repeat (the Zipf exponent, see crowd.py): a word cloud's
    # words come back often, an open question's sentences less.
    repetition: ClassVar[float] = 1.0

    max_answers: int = 1
    max_length: int = 280
    examples: tuple[str, ...] = ()  # what a rehearsal's simulated room types, commonest first
    # Whether the presenter may merge two entries by hand (a cloud's words: yes; sentences: no)
    mergeable: ClassVar[bool] = False

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> FreeText:
        answers, length, longest = cls.limits
        made = cls(
            **common,
            **Question.read_common(reader),
            max_answers=reader.integer("max_answers", default=answers, low=1, high=10),
            max_length=reader.integer("max_length", default=length, low=1, high=longest),
        )
        examples = read_examples(reader, longest, made.check_answer)
        return replace(made, examples=examples) if examples else made

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """Entries from `examples` (or the slide's own words), the first ones most often."""
        pool = self.typing_pool()
        picker = crowd.Picker(pool, crowd.zipf_weights(len(pool), self.repetition))
        most = min(self.max_answers, len(pool))
        return [
            self.check_answer(picker.distinct(rng, crowd.how_many(rng, most))) for _ in range(count)
        ]

    def typing_pool(self) -> list[str]:
        """What a simulated room types here: the examples, else words of the slide."""
        texts = [self.prompt, self.subtitle, self.title]
        return crowd.vocabulary(self.examples, texts, self.max_length)

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view.update(max_answers=self.max_answers, max_length=self.max_length)
        return view

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        if isinstance(answer, list) and all(isinstance(entry, str) for entry in answer):
            return [("", "", entry) for entry in answer]
        return Question.export_items(self, answer)

    def without(self, result: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
        """Hidden entries leave the counts (word cloud) and the list of answers (open), so no
        screen and no report shows them; `responses` still counts everyone who answered."""
        if not hidden:
            return result
        kept = dict(result)
        if isinstance(kept.get("counts"), dict):
            kept["counts"] = {k: n for k, n in kept["counts"].items() if k not in hidden}
        if isinstance(kept.get("answers"), list):
            kept["answers"] = [a for a in kept["answers"] if a not in hidden]
        return kept


# --- free text: what is kept, what counts as visible ----------------------------------------
#
# Format characters (category Cf) draw nothing and are dropped, with three exceptions that
# real text and emoji need, each kept only where it does its job. (Variation selectors such
# as U+FE0F, which asks for the emoji form of ❤️, are marks (Mn), not Cf, and simply stay.)
_ZWNJ = "\u200c"  # ZERO WIDTH NON-JOINER: Persian (می‌خواهم) and Indic scripts need it
_ZWJ = "\u200d"  # ZERO WIDTH JOINER: one emoji of several (👨‍👩‍👧, 👩🏽‍💻), Indic conjuncts
_JOINERS = frozenset((_ZWNJ, _ZWJ))
# Emoji tag sequences (UTS #51): U+1F3F4 WAVING BLACK FLAG, tag characters spelling a CLDR
# subdivision code, U+E007F CANCEL TAG; e.g. 🏴 g b s c t ⊗ is the flag of Scotland. The code
# is a region (2 letters or 3 digits) and 1-4 letters or digits: 3 to 7 tags, each a lowercase
# tag letter or tag digit. Anything else made of tags is hidden text and is dropped.
_TAG_BASE = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
_TAG_SPEC = re.compile("[\U000e0030-\U000e0039\U000e0061-\U000e007a]{3,7}")
# Default_Ignorable_Code_Point ranges (Unicode's DerivedCoreProperties.txt) that are still
# unassigned in this Python's Unicode data: renderers must draw them as nothing, so they go
# like format characters. (Assigned ignorables are Cf or Mn and handled by category.)
_RESERVED_IGNORABLE = ((0x2065, 0x2065), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
# Characters whose category says letter or symbol but that draw as a blank; unicodedata
# cannot tell, so they are listed. They are treated as spaces (trimmed, collapsed), so a
# "word" made of them is empty and `vertrouwen` + U+3164 counts as `vertrouwen`.
_BLANK_LOOKING = frozenset(
    (
        "\u115f",  # HANGUL CHOSEONG FILLER (Lo, default-ignorable; only old Hangul needs it)
        "\u1160",  # HANGUL JUNGSEONG FILLER (Lo, default-ignorable; idem)
        "\u3164",  # HANGUL FILLER (Lo, default-ignorable): the classic "blank name"
        "\uffa0",  # HALFWIDTH HANGUL FILLER (Lo, default-ignorable)
        "\u2800",  # BRAILLE PATTERN BLANK (So): a braille cell with no dots, a braille space
        "\U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD (So): a notehead drawn as nothing
    )
)
# What shows nothing on its own: separators, controls, format characters, surrogates,
# private use (no font we know draws it) and marks, which only decorate a base character:
# an accent, a variation selector (U+FE0F) or a Mongolian one alone is not a word.
# Unassigned code points (Cn) count as visible: they may be emoji newer than Python's data.
_NOT_VISIBLE_ALONE = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Mn", "Mc", "Me"))
_CASED = frozenset(("Lu", "Ll", "Lt"))  # letters of scripts with case: none of them joins


def _is_visible(ch: str) -> bool:
    """Whether one character draws something by itself (see _NOT_VISIBLE_ALONE)."""
    return ch not in _BLANK_LOOKING and unicodedata.category(ch) not in _NOT_VISIBLE_ALONE


def _dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co"):
        return True
    return category == "Cn" and any(low <= ord(ch) <= high for low, high in _RESERVED_IGNORABLE)


def _strip_invisible_controls(value: str, *, single_line: bool) -> list[str]:
    """Drop control and format characters, keeping joiners (decided later) and flag tags."""
    kept: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        i += 1
        if ch == _TAG_BASE:
            kept.append(ch)
            spec = _TAG_SPEC.match(value, i)
            if spec and value.startswith(_CANCEL_TAG, spec.end()):
                kept.append(spec.group() + _CANCEL_TAG)
                i = spec.end() + 1
        elif ch in _BLANK_LOOKING:
            kept.append(" ")
        elif ch.isprintable() or ch in _JOINERS or (ch in "\n\t" and not single_line):
            kept.append(ch)  # isprintable() is false for every C* and Z* but the ASCII space
        elif ch in "\n\r\t":
            kept.append(" ")
        elif not _dropped(ch):
            kept.append(ch)
    return kept


def _joins(before: str, after: str) -> bool:
    """Whether a ZWJ/ZWNJ between these two characters can change what is drawn.

    Not at an end, next to a space or next to another joiner. Nor between two cased letters
    (Latin, Greek, Cyrillic…): those scripts never join, so there a joiner only makes
    `vertr‍ouwen` a second word that looks exactly like `vertrouwen`. The scripts that need
    joiners (Arabic, Persian, Indic) and emoji are uncased.
    """
    if not before or not after or before in _JOINERS or after in _JOINERS:
        return False
    if before.isspace() or after.isspace():
        return False
    return not (unicodedata.category(before) in _CASED and unicodedata.category(after) in _CASED)


def _keep_joining_joiners(chars: list[str]) -> str:
    """Drop each ZWJ/ZWNJ that joins nothing (see `_joins`); of a run, only the last can stay."""
    out: list[str] = []
    for i, ch in enumerate(chars):
        if ch in _JOINERS:
            before = out[-1][-1] if out else ""
            after = chars[i + 1][0] if i + 1 < len(chars) else ""
            if not _joins(before, after):
                continue
        out.append(ch)
    return "".join(out)


def clean_text(value: Any, *, max_length: int, what: str, single_line: bool) -> str:
    """Trim a free-text entry and drop what draws nothing; raise if it is too long.

    Control characters go; so do format characters, among them the bidi overrides and
    isolates (U+202A-U+202E, U+2066-U+2069) that could make an entry read backwards on the
    projector, zero-width spaces and the BOM. Kept are ZWJ and ZWNJ where they join two
    characters (emoji sequences, Persian and Indic text) and complete subdivision-flag tag
    sequences; blank-looking fillers become spaces. The result may still have nothing
    visible (a lone accent or variation selector): `text_entries` refuses those.
    Raises AnswerError for a non-text entry or one longer than `max_length` once cleaned.
    """
    if not isinstance(value, str):
        raise AnswerError(f"each {what} must be text")
    if value.isprintable() and _BLANK_LOOKING.isdisjoint(value):
        text = value  # the usual answer: nothing to drop, no joiner (ZWJ is not printable)
    else:
        kept = _strip_invisible_controls(value, single_line=single_line)
        text = _keep_joining_joiners(kept)
    text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split()) if single_line else text.strip()
    if len(text) > max_length:
        raise AnswerError(
            f"an {what} may be at most {max_length} characters, this one has {len(text)}"
        )
    return text


def text_entries(raw: Any, *, max_answers: int, max_length: int, single_line: bool) -> list[str]:
    """A string or a list of strings → the cleaned entries, checked for count, length and
    visibility.

    Blank entries (empty phone inputs) are skipped. An entry that was typed but has nothing
    visible once cleaned (zero-width characters, Hangul fillers, a lone accent…) is refused
    rather than skipped: it would be an invisible word on the projector, and the sender
    should hear that it did not count. Raises AnswerError saying which.
    """
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise AnswerError("the answer must be text or a list of texts")
    if len(items) > max_answers:
        raise AnswerError(f"at most {max_answers} answers, got {len(items)}")
    entries: list[str] = []
    invisible: list[int] = []
    for number, item in enumerate(items, start=1):
        text = clean_text(item, max_length=max_length, what="answer", single_line=single_line)
        if any(_is_visible(ch) for ch in text):
            entries.append(text)
        elif item.strip():
            invisible.append(number)
    if invisible and not entries:
        raise AnswerError(
            "the answer has no visible characters, only invisible or blank-looking ones"
        )
    if invisible:
        raise AnswerError(
            f"answer {invisible[0]} of {len(items)} has no visible characters, "
            "only invisible or blank-looking ones"
        )
    if not entries:
        raise AnswerError("the answer is empty")
    return entries
