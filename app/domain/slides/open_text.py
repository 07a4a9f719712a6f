"""Open question: free text answers, shown as a wall in the order they came in.

For the report the answers are grouped: the same answer typed by several people (give or take
case, spaces, punctuation, accents and a typo) is shown once with how many gave it, most
frequent first, so an organiser reads 182 answers as what the room said most.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import crowd
from ..chart import ReportPart
from .base import Cell, FreeText, LiveCounts, register, text_entries


@register("open")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenQuestion(FreeText):
    labels: ClassVar[dict[str, str]] = {"nl": "Open vraag", "en": "Open question"}

    def check_answer(self, raw: Any) -> list[str]:
        return text_entries(
            raw, max_answers=self.max_answers, max_length=self.max_length, single_line=False
        )

    live_list: ClassVar[str | None] = "answers"
    repetition: ClassVar[float] = 0.5  # a wall of sentences repeats less than a cloud

    def typing_pool(self) -> list[str]:
        """The examples, else short phrases of the slide's own words (a wall of single words
        would not look like one)."""
        if self.examples:
            return list(self.examples)
        words = crowd.vocabulary((), [self.prompt, self.subtitle, self.title], self.max_length)
        phrases = [" ".join(words[i : i + 3])[: self.max_length].strip() for i in range(len(words))]
        return [p[0].upper() + p[1:] for p in phrases if p] or ["Test"[: self.max_length]]

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        return {"answers": [entry for answer in answers for entry in answer]}

    def tally_items(self, answer: Any) -> list[str]:
        return list(answer)

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """Identical answers counted together, in first-seen order."""
        entries = list(Counter(result["answers"]).items())
        if not entries:
            return [("", "", 0, None, "")]  # the question still shows up, with nobody answering
        return [("", entry, n, None, "") for entry, n in entries]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """Every answer once per group, with its count, most frequent first."""
        entries = [str(a) for a in result["answers"]]
        groups = group_answers(entries)
        return ReportPart(
            answers=[(g.text, g.count) for g in groups], entries=len(entries), empty=not entries
        )

    def live_top(self, size: int) -> int | None:
        return 0  # no counts: the newest answers and the total say it all

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The newest `size` entries (oldest first, as in the full result) and the total."""
        entries = [entry for answer in reversed(tally.newest) for entry in answer]
        return {"answers": entries[-size:] if size else [], "total": tally.items}


# --- grouping answers for the report ----------------------------------------------------------
#
# Two steps. Identical: answers whose `answer_key` is equal ("Vertrouwen", "vertrouwen!" and
# "  vertrouwen " all become "vertrouwen"). Near-identical: keys with the same words in the same
# order except for typos inside longer words ("samenwerkng" for "samenwerking"). A ratio on the
# whole text (difflib's ≥ 0.9) was rejected: it scores "het is nooit af" against "het is niet af"
# at 0.897 and lets a long answer differ by a whole word such as "wel"/"niet", which changes
# what was said. A typo here is at most 1 edit (insert, delete, substitute, swap two neighbours)
# in a word of 5 to 8 letters and 2 in a longer one; short words and numbers must match exactly,
# and at most one word in four may differ.

MIN_TYPO_WORD = 5  # "niet"/"wel"/"geen" and numbers differ in meaning, not in spelling
LONG_WORD = 9  # from this length on a word may carry two typos


# Accents: the combining diacritical marks blocks, which decorate Latin, Greek and Cyrillic
# letters once NFKD has split é into e and its accent. The vowel signs and other marks of
# Indic and other scripts are elsewhere in Unicode and stay: they are part of their letters.
ACCENTS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


class _KeyTable(dict[int, str]):
    """A `str.translate` table for answer keys: punctuation becomes a space, accents go.

    Filled as characters are met (a table of all of Unicode would cost a second to build)."""

    def __missing__(self, code: int) -> str:
        if any(low <= code <= high for low, high in ACCENTS):
            kept = ""
        elif unicodedata.category(chr(code)).startswith("P"):
            kept = " "
        else:
            kept = chr(code)
        self[code] = kept
        return kept


_KEY_TABLE = _KeyTable()


@dataclass(frozen=True, slots=True)
class AnswerGroup:
    text: str  # the most common spelling (the first one given, on a tie)
    count: int  # how many answers the group holds
    spellings: int  # how many different spellings were merged into it


def answer_key(text: str) -> str:
    """What is left of an answer once case, accents, punctuation and spacing are ignored.

    Accents are dropped from the letters they decorate (é → e, see `ACCENTS`). An answer
    made only of punctuation keeps its punctuation, so "?" and "!" stay apart.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    key = unicodedata.normalize("NFC", " ".join(decomposed.translate(_KEY_TABLE).split()))
    return key or " ".join(text.casefold().split())


def group_answers(answers: list[str]) -> list[AnswerGroup]:
    """Identical and near-identical answers together, most frequent first, then by text."""
    by_key: dict[str, list[str]] = {}
    for answer in answers:
        by_key.setdefault(answer_key(answer), []).append(answer)
    # Biggest groups first, so a typo joins the common spelling and not the other way round.
    ordered = sorted(by_key.items(), key=lambda kv: -len(kv[1]))  # stable: first seen on ties
    clusters: list[list[str]] = []
    index = _ClusterIndex()
    for key, members in ordered:
        words = key.split()
        found = index.find(words)
        if found is None:
            index.add(words, len(clusters))
            clusters.append(list(members))
        else:
            clusters[found].extend(members)
    groups = [_group(members) for members in clusters]
    return sorted(groups, key=lambda g: (-g.count, answer_key(g.text), g.text))


def _group(members: list[str]) -> AnswerGroup:
    spellings = Counter(members)  # insertion order is first-seen order: ties go to the first
    text = max(spellings, key=lambda s: spellings[s])
    return AnswerGroup(text=text, count=len(members), spellings=len(spellings))


class _ClusterIndex:
    """Finds the cluster whose first (most frequent) key is near-identical to a new key.

    Only keys with as many words can match, and of several words all but one in four must be
    equal at the same place: only clusters that share that many are compared."""

    def __init__(self) -> None:
        self._leaders: list[list[str]] = []
        self._by_word: dict[tuple[int, int, str], list[int]] = {}
        self._by_length: dict[tuple[int, int], list[int]] = {}  # one-word keys by word length

    def add(self, words: list[str], cluster: int) -> None:
        self._leaders.append(words)
        if len(words) == 1:
            self._by_length.setdefault((1, len(words[0])), []).append(cluster)
        for place, word in enumerate(words):
            self._by_word.setdefault((len(words), place, word), []).append(cluster)

    def find(self, words: list[str]) -> int | None:
        if len(words) == 1:
            size = len(words[0])
            candidates = sorted(
                c for n in range(size - 2, size + 3) for c in self._by_length.get((1, n), [])
            )
        else:
            shared = Counter(
                c for p, w in enumerate(words) for c in self._by_word.get((len(words), p, w), [])
            )
            enough = len(words) - _differing_allowed(len(words))
            candidates = sorted(c for c, n in shared.items() if n >= enough)
        for cluster in candidates:  # clusters were made biggest first: the biggest match wins
            if near_identical(words, self._leaders[cluster]):
                return cluster
        return None


def near_identical(a: list[str], b: list[str]) -> bool:
    """The same words in the same order, but for typos in a few longer words (see above)."""
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differing) <= _differing_allowed(len(a)) and all(_typo(x, y) for x, y in differing)


def _differing_allowed(words: int) -> int:
    return max(1, words // 4)


def _typo(x: str, y: str) -> bool:
    if not (x.isalpha() and y.isalpha()) or min(len(x), len(y)) < MIN_TYPO_WORD:
        return False
    allowed = 2 if min(len(x), len(y)) >= LONG_WORD else 1
    return abs(len(x) - len(y)) <= allowed and edit_distance(x, y) <= allowed


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap of two neighbours) that turn a into b."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[-1]
