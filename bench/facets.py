"""What one recount of the presenter's groups and rounds costs (app/facets.py), in process.

While a split (G) or rounds (C) are on, every presenter screen's live question is recounted
from the stored answers at most once a second. This prints how long the counting itself takes
for rooms of growing size (the reference deck's `stellingen` split by `rol`, and two rounds'
paired shift), so the once-a-second budget can be judged. Figures only, nothing asserted:

    python -m bench.facets [--rooms 150 2000 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from functools import partial
from pathlib import Path

from app.domain import rounds, segments
from app.domain.loader import load_deck
from app.domain.slides.choice import Choice
from app.domain.slides.scales import Scales

DECK = load_deck(Path(__file__).resolve().parent.parent / "questions" / "samenwerking.yaml")


def room(size: int, rng: random.Random) -> tuple[list, list, list]:
    """Rows (participant, seq, answer) of `rol` and of two rounds of `stellingen`."""
    splitter = DECK.question("rol")
    scales = DECK.question("stellingen")
    assert isinstance(splitter, Choice) and isinstance(scales, Scales)
    options = [o.id for o in splitter.options]
    statements = [s.id for s in scales.statements]
    roles = [(f"p{i}", i, [rng.choice(options)]) for i in range(size)]

    def ratings(offset: int) -> list:
        return [
            (f"p{i}", offset + i, {s: rng.randint(1, 5) for s in statements})
            for i in range(size)
            if rng.random() < 0.9
        ]

    return roles, ratings(size), ratings(2 * size)


def timed(work, repeat: int) -> float:
    """Median milliseconds of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[150, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    splitter = DECK.question("rol")
    scales = DECK.question("stellingen")
    assert isinstance(splitter, Choice) and isinstance(scales, Scales)
    rng = random.Random(7)
    print(f"{'participants':>12} {'split by rol (ms)':>18} {'paired shift (ms)':>18}")
    for size in args.rooms:
        roles, first, second = room(size, rng)
        groups = segments.membership(roles)
        split_ms = timed(
            partial(segments.split_result, scales, second, groups, splitter, DECK.min_group),
            args.repeat,
        )
        shift_ms = timed(
            partial(rounds.paired_shift, scales, first, second, DECK.min_group), args.repeat
        )
        print(f"{size:>12} {split_ms:>18.1f} {shift_ms:>18.1f}")


if __name__ == "__main__":
    main()
