"""`python -m bench.rehearsal [--participants N …] [DECK …]`: what a rehearsal costs, per question.

For every question of the decks: simulating N participants (the type's `simulate`), counting
them in a live tally (the laptop's in-memory one, as `rehearse` does), and reading the tally
merged with the real one as the projector does every 100 ms while it is rehearsed. Prints one
line per question and size; the figures are for reading, nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from app import rehearsal
from app.backends.memory import MemoryTally
from app.domain.loader import load_deck
from app.domain.slides import Question
from app.live import PRESENTER_LIST_SIZE, PRESENTER_VIEW_SIZE

REPO = Path(__file__).resolve().parent.parent
DECKS = [
    *sorted((REPO / "questions").glob("*.yaml")),
    *sorted((REPO / "tests/decks").glob("*.yaml")),
]


async def measure(question: Question, participants: int) -> tuple[float, float, float]:
    """Milliseconds to simulate, to fill the tally, to read it merged (best of 5 reads)."""
    rehearsal._answers.cache_clear()
    started = time.perf_counter()
    rehearsal.rows(question, participants)
    simulated = time.perf_counter()
    tally = MemoryTally()
    await rehearsal.fill(tally, "bench:q:1", question, participants)
    filled = time.perf_counter()
    newest = PRESENTER_LIST_SIZE if question.live_list else 0
    top = question.live_top(PRESENTER_VIEW_SIZE)
    reads = []
    for _ in range(5):
        begin = time.perf_counter()
        await rehearsal.read(tally, "bench:q:1", question, participants, newest, top)
        reads.append(time.perf_counter() - begin)
    return (simulated - started) * 1000, (filled - simulated) * 1000, min(reads) * 1000


async def run(decks: list[Path], sizes: list[int]) -> list[str]:
    lines = [f"{'deck/question':<34} {'type':<10} {'N':>5} {'simulate':>9} {'fill':>8} {'read':>7}"]
    for path in decks:
        for question in load_deck(path).questions:
            for size in sizes:
                sim, fill, read = await measure(question, size)
                lines.append(
                    f"{path.stem + '/' + question.id:<34} {question.type_name:<10} {size:>5} "
                    f"{sim:>7.1f}ms {fill:>6.1f}ms {read:>5.2f}ms"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rehearsal", description=__doc__)
    parser.add_argument("decks", nargs="*", type=Path, default=DECKS)
    parser.add_argument("--participants", type=int, nargs="+", default=[200, 5000])
    args = parser.parse_args(argv)
    for line in asyncio.run(run(args.decks, args.participants)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
