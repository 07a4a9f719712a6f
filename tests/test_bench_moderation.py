"""What moderation costs per view: the projector's answer wall holds up to 500 answers and is
redrawn up to 10 times a second, each time through `moderation.visible`. Figures are printed
(run with -s), never asserted; the test checks only that the views are what the room sees."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import DEFAULT_DECK

from app.domain.loader import parse_deck
from app.domain.moderation import EntryRules, flagged, visible

DECK = parse_deck(Path(DEFAULT_DECK).read_text(encoding="utf-8"), name="samenwerking")
WALL = DECK.question("onthouden")
CLOUD = DECK.question("drijfveren")
ANSWERS = [
    f"Antwoord {i}: samenwerken vraagt tijd, vertrouwen en duidelijke afspraken over rollen "
    f"en verwachtingen tussen partners, ook als het eens tegenzit (nummer {i})" + " x" * 60
    for i in range(500)
]


def per_call_ms(work, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - start) / repeat * 1000


def test_print_what_a_moderated_view_costs() -> None:
    assert WALL is not None and CLOUD is not None
    result = {"id": "onthouden", "responses": 500, "answers": [*ANSWERS, "wat een kut idee"]}
    rules = EntryRules(mode="filter")
    flagged.cache_clear()
    cold = per_call_ms(lambda: visible(WALL, result, rules, presenter=True), 1)
    warm = per_call_ms(lambda: visible(WALL, result, rules, presenter=True), 50)
    shown = visible(WALL, result, rules, presenter=True)
    assert shown["held"] == ["wat een kut idee"] and len(shown["answers"]) == 500
    flagged.cache_clear()
    one = per_call_ms(lambda: [flagged.__wrapped__(a) for a in ANSWERS[:100]], 3) / 100
    counts = {f"woord{i}": 100 - i for i in range(100)}
    merged = EntryRules(mode="filter", merged={f"woord{i}": "woord0" for i in range(1, 50)})
    cloud = per_call_ms(lambda: visible(CLOUD, {"counts": counts}, merged, presenter=True), 200)
    print(
        f"\nmoderation: 501-answer wall {cold:.1f} ms cold (every answer checked once), "
        f"{warm:.2f} ms warm (cached); one 280-character answer {one * 1000:.0f} µs; "
        f"100-word cloud with 49 merges {cloud:.3f} ms"
    )
