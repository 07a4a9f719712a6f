"""Which texts use a word of the maintained LDNOOBW lists (Dutch and English).

One matcher for the two places that need it: quiz nicknames (app/domain/nicknames.py, which
adds stricter checks of its own) and the moderation of free text (app/domain/moderation.py).
The lists are the npm package `naughty-words` as shipped (app/domain/wordlists/, CC BY 4.0),
never typed by us. Matching sees through case, accents, leetspeak digits (`k0nt`, `5hit`),
separators and camelCase (`f.u.c.k`, `KutJan`), but only whole words: a listed word is found,
a word that merely contains one ("kutlu", "Pikachu", "assessment") is not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

WORDLISTS = Path(__file__).resolve().parent / "wordlists"
LANGUAGES = ("en", "nl")
LONG = 5  # listed entries this long: a nickname may not contain them anywhere
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i", "|": "l"})  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@cache
def listed() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(single words, multi-word phrases as "a b", squashed entries ≥ LONG), in folded forms."""
    words: set[str] = set()
    phrases: set[str] = set()
    long: set[str] = set()
    for language in LANGUAGES:
        text = (WORDLISTS / f"ldnoobw-{language}.txt").read_text(encoding="utf-8")
        for entry in filter(None, (line.strip() for line in text.splitlines())):
            for form in forms(entry):
                parts = tokens(form)
                if not parts:
                    continue
                (words if len(parts) == 1 else phrases).add(" ".join(parts))
                squashed = "".join(parts)
                if len(squashed) >= LONG:
                    long.add(squashed)
    return frozenset(words), frozenset(phrases), tuple(sorted(long))


def fold(text: str) -> str:
    """Lower case, accents dropped (ë → e), compatibility forms unified (ｆ → f)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def forms(text: str) -> set[str]:
    """The text folded, as written and with leetspeak read as letters: in the chunks between
    spaces that have a letter (`k0nt`, `5hit`), not in numbers ("met 455 leden" is no "ass")."""
    folded = fold(_CAMEL.sub(" ", text))
    leet = " ".join(
        chunk.translate(_LEET) if any(ch.isalpha() for ch in chunk) else chunk
        for chunk in folded.split()
    )
    return {folded, leet}


def tokens(folded: str) -> list[str]:
    return [token for token in re.split(r"[^\w]+|_", folded) if token]


def has_listed_word(text: str) -> bool:
    """Whether a word of `text` (or a run of its words) is a listed entry."""
    words, phrases, _ = listed()
    for form in forms(text):
        parts = tokens(form)
        if any(part in words for part in parts):
            return True
        padded = f" {' '.join(parts)} "
        if any(f" {phrase} " in padded for phrase in phrases):
            return True
    return False
