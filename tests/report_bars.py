"""Deterministic rooms for the report's bar charts, and the geometry of the bars drawn.

Why: the four bar-drawing types (choice, quiz, ranking, points) share one drawing helper
(app/domain/chart.py `bar_rows`); tests/golden/report_bars.json holds what the report drew for
these rooms before they shared it, so a test can tell that the report looks the same. Run
`python tests/report_bars.py` to rewrite that file (only when a chart is meant to change).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.loader import load_deck  # noqa: E402
from app.domain.slides import Question  # noqa: E402

DECKS = [
    ROOT / "questions" / "samenwerking.yaml",
    ROOT / "questions" / "example-en.yaml",
    ROOT / "tests" / "decks" / "quiz.yaml",
    ROOT / "tests" / "decks" / "ranking.yaml",
    ROOT / "tests" / "decks" / "points.yaml",
]
BAR_TYPES = ("choice", "quiz", "ranking", "points")
ROOM_SIZES = (0, 1, 7, 60)
GOLDEN = Path(__file__).resolve().parent / "golden" / "report_bars.json"
SVG = "{http://www.w3.org/2000/svg}"


def answer(question: Any, rng: random.Random) -> Any:
    """One plausible answer to a bar-drawing question, as it is stored."""
    ids = [o.id for o in question.options]
    if question.type_name == "choice":
        return question.check_answer(rng.sample(ids, rng.randint(1, question.multiple)))
    if question.type_name == "quiz":
        picked = question.check_answer(rng.sample(ids, rng.randint(1, question.multiple)))
        return question.timed(picked, rng.randint(0, question.timer_ms), None)
    if question.type_name == "ranking":
        return question.check_answer(rng.sample(ids, rng.randint(1, question.max_ranked)))
    budget = question.budget
    given: dict[str, int] = {}
    for option in rng.sample(ids, rng.randint(1, len(ids))):
        left = budget - sum(given.values())
        if left > 0:
            given[option] = rng.randint(1, left)
    return question.check_answer(given)


def result(question: Question, size: int) -> dict[str, Any]:
    """The result of a room of `size` people, each answer drawn from a seed of its own."""
    rng = random.Random(f"{question.id}:{size}")
    answers = [answer(question, rng) for _ in range(size)]
    return {"id": question.id, "round": 1, "responses": size, **question.tally(answers)}


def charts() -> dict[str, str]:
    """Every bar chart the report draws for these rooms, in both languages, by a key."""
    drawn: dict[str, str] = {}
    for path in DECKS:
        deck = load_deck(path)
        for question in deck.questions:
            if question.type_name not in BAR_TYPES:
                continue
            for size in ROOM_SIZES:
                room = result(question, size)
                for language in ("nl", "en"):
                    chart = question.report_part(room, language).chart
                    drawn[f"{path.stem}/{question.id}/{size}/{language}"] = chart or ""
    return drawn


def geometry(chart: str) -> list[dict[str, str]]:
    """Each bar's id and its filled part's place and width, as drawn (the readable part)."""
    if not chart:
        return []
    bars = []
    for group in ET.fromstring(chart).iter(f"{SVG}g"):
        if "bar" not in (group.get("class") or "").split():
            continue
        fill = next((r for r in group.iter(f"{SVG}rect") if r.get("class") == "bar-fill"), None)
        bars.append(
            {
                "id": group.get("data-id") or "",
                "y": fill.get("y") if fill is not None else "",
                "width": fill.get("width") if fill is not None else "0",
            }
        )
    return bars


def snapshot() -> dict[str, Any]:
    """Per chart: its bars' geometry and the SHA-256 of the whole SVG."""
    return {
        key: {"bars": geometry(chart), "sha256": hashlib.sha256(chart.encode()).hexdigest()}
        for key, chart in charts().items()
    }


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
