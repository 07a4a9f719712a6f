"""A simulated room for rehearsals: how a crowd spreads its answers, shared by the slide types.

Real rooms are lopsided: a few options take most votes, a few words come back again and again
(roughly Zipf's law: the k-th most common about 1/k as often as the first), most people give
one entry where they may give five. Each slide type's `simulate` builds its answers from these
helpers with the random generator it is given, so a rehearsal with the same seed is the same
picture every time (for a presenter comparing two tries, and for tests).
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]{3,}")  # a word of at least 4 letters


def zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    """Weights for ranks 1..count: the k-th is 1/k**exponent of the first."""
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def skewed_weights(rng: random.Random, count: int, exponent: float = 1.0) -> list[float]:
    """Zipf weights in a random order: which item the room favours is chance, that it
    favours a few is not."""
    weights = zipf_weights(count, exponent)
    rng.shuffle(weights)
    return weights


class Picker(Generic[T]):
    """Draws items by weight, quickly: a rehearsal of 5000 people draws tens of thousands."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self._cumulative = list(itertools.accumulate(weights))

    def one(self, rng: random.Random) -> T:
        return rng.choices(self.items, cum_weights=self._cumulative)[0]

    def distinct(self, rng: random.Random, count: int) -> list[T]:
        """`count` different items (fewer if there are fewer), likelier ones more often."""
        count = min(count, len(self.items))
        picked: dict[int, None] = {}
        total = self._cumulative[-1] if self._cumulative else 0.0
        for _ in range(count * 20):  # redraw a repeat; the guard only bites on odd weights
            if len(picked) == count:
                break
            index = bisect.bisect_right(self._cumulative, rng.random() * total)
            picked.setdefault(min(index, len(self.items) - 1), None)
        for index in range(len(self.items)):  # still short: the next ones in order
            if len(picked) >= count:
                break
            picked.setdefault(index, None)
        return [self.items[i] for i in picked]


def how_many(rng: random.Random, most: int) -> int:
    """How many entries one person gives where up to `most` are allowed: one most often,
    each more about half as often."""
    if most <= 1:
        return 1
    return rng.choices(range(1, most + 1), weights=zipf_weights(most, 1.6))[0]


def words_of(texts: Sequence[str], longest: int) -> list[str]:
    """The distinct words (4+ letters) of some texts, first seen first, lowercased, at most
    `longest` characters: what a room types when the deck gives no examples."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text):
            seen.setdefault(word.casefold()[:longest], None)
    return list(seen)


# Layout filler, for a slide whose own texts give too few words to look like a room.
FILLER = ("lorem", "ipsum", "dolor", "amet", "consectetur", "adipiscing", "elit", "tempor")
FEWEST_WORDS = 3  # fewer distinct words than this and a simulated room says nearly one thing


def vocabulary(examples: Sequence[str], texts: Sequence[str], longest: int) -> list[str]:
    """The slide's `examples`, else words of its own texts (prompt, options…), topped up
    with layout filler when they are too few to tell one simulated room from another."""
    if examples:
        return list(examples)
    words = words_of(texts, longest)
    if len(words) < FEWEST_WORDS:
        words = list(dict.fromkeys([*words, *(w[:longest] for w in FILLER)]))
    return words
