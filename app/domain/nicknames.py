"""Nicknames for a quiz's leaderboard: cleaned, length-limited, not offensive, unique per session.

A name is shown large on the projector to the whole room, so it is refused when it matches the
maintained LDNOOBW lists for English and Dutch (app/domain/wordlists/, CC BY 4.0). Matching
sees through the usual disguises: case, accents, leetspeak digits (`k0nt`, `5hit`), separators
and camelCase (`f.u.c.k`, `KutJan`). A word of the name that IS a listed word is refused, as is
a name whose letters run together spell a listed entry, contain one of 5 letters or more
(`xklootzakx`) or start or end with a listed word of 4 letters or more (`fuckface`, `Hoerenjong`).
Shorter entries only count as whole words: `kut` refuses "Kut Jan" but not "Kutlu", `pik` not
"Pikachu". A nickname filter errs on the cautious side ("Dickens" is refused too); a refused
person picks another name.

Uniqueness is the store's (`Store.set_name`), with `candidates`: "Anna", "Anna 2", "Anna 3"…
compared case-insensitively (`name_key`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from .errors import AnswerError
from .slides.base import clean_text

MAX_NAME = 24  # fits a leaderboard row at 3 % of the screen height, and a phone's line
WORDLISTS = Path(__file__).resolve().parent / "wordlists"
LANGUAGES = ("en", "nl")
_LONG = 5  # listed entries this long are refused anywhere inside a name
_EDGE = 4  # listed words this long are refused at the start or end of a name
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i", "|": "l"})  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_PSEUDONYM = re.compile(r"^[Pp]\d+$")  # what a nameless participant is listed as


class InvalidName(AnswerError):
    """A nickname that cannot be used: empty, too long, not text, or offensive."""

    code = "invalid_name"


class NameNotAllowed(InvalidName):
    code = "name_not_allowed"


def clean_name(raw: object) -> str:
    """The nickname to use from what a phone sent; raises InvalidName saying why not."""
    if not isinstance(raw, str):
        raise InvalidName("'name' must be text")
    try:
        name = clean_text(raw, max_length=MAX_NAME, what="name", single_line=True)
    except AnswerError as exc:
        raise InvalidName(str(exc)) from None
    if not any(ch.isalnum() or unicodedata.category(ch).startswith("S") for ch in name):
        raise InvalidName("the name is empty: type a nickname")
    if _PSEUDONYM.match(name):
        raise InvalidName("names like P0007 are kept for participants without a nickname")
    if offensive(name):
        raise NameNotAllowed("this name is not allowed here; please pick another nickname")
    return name


def name_key(name: str) -> str:
    """What makes two names the same name: case and Unicode forms do not count."""
    return unicodedata.normalize("NFKC", name).casefold()


def candidates(name: str) -> Iterator[str]:
    """The name, then the name with a number ("Anna 2", "Anna 3", …) cut to fit MAX_NAME."""
    yield name
    number = 2
    while True:
        suffix = f" {number}"
        yield name[: MAX_NAME - len(suffix)].rstrip() + suffix
        number += 1


# --- the offensive-word check -----------------------------------------------------------------


@cache
def _lists() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(single words, multi-word phrases as "a b", squashed entries ≥ _LONG), in folded forms."""
    words: set[str] = set()
    phrases: set[str] = set()
    long: set[str] = set()
    for language in LANGUAGES:
        text = (WORDLISTS / f"ldnoobw-{language}.txt").read_text(encoding="utf-8")
        for entry in filter(None, (line.strip() for line in text.splitlines())):
            for form in _forms(entry):
                tokens = _tokens(form)
                if not tokens:
                    continue
                joined = " ".join(tokens)
                (words if len(tokens) == 1 else phrases).add(joined)
                squashed = "".join(tokens)
                if len(squashed) >= _LONG:
                    long.add(squashed)
    return frozenset(words), frozenset(phrases), tuple(sorted(long))


def _fold(text: str) -> str:
    """Lower case, accents dropped (ë → e), compatibility forms unified (ｆ → f)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _forms(text: str) -> set[str]:
    """The text folded, as written and with leetspeak read as letters."""
    split = _CAMEL.sub(" ", text)
    folded = _fold(split)
    return {folded, folded.translate(_LEET)}


def _tokens(folded: str) -> list[str]:
    return [token for token in re.split(r"[^\w]+|_", folded) if token]


def offensive(name: str) -> bool:
    """Whether the name contains a listed word (see the module docstring for how)."""
    words, phrases, long = _lists()
    for form in _forms(name):
        tokens = _tokens(form)
        if any(token in words for token in tokens):
            return True
        padded = f" {' '.join(tokens)} "
        if any(f" {phrase} " in padded for phrase in phrases):
            return True
        squashed = "".join(tokens)
        if squashed in words or any(entry in squashed for entry in long):
            return True
        edges = {squashed[:n] for n in range(_EDGE, len(squashed))}
        edges.update(squashed[-n:] for n in range(_EDGE, len(squashed)))
        if not edges.isdisjoint(words):
            return True
    return False
