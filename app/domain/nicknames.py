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

from .errors import AnswerError
from .profanity import forms, has_listed_word, listed, tokens
from .slides.base import clean_text

MAX_NAME = 24  # fits a leaderboard row at 3 % of the screen height, and a phone's line
_EDGE = 4  # listed words this long are refused at the start or end of a name
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


# --- the offensive-word check (stricter than free text's, see app/domain/profanity.py) ------


def offensive(name: str) -> bool:
    """Whether the name contains a listed word (see the module docstring for how)."""
    if has_listed_word(name):
        return True
    words, _, long = listed()
    for form in forms(name):
        squashed = "".join(tokens(form))
        if squashed in words or any(entry in squashed for entry in long):
            return True
        edges = {squashed[:n] for n in range(_EDGE, len(squashed))}
        edges.update(squashed[-n:] for n in range(_EDGE, len(squashed)))
        if not edges.isdisjoint(words):
            return True
    return False
