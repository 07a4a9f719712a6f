"""Word cloud: a few short entries per participant, counted after normalisation."""

from __future__ import annotations

import heapq
import math
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..chart import CLOUD_COLORS, WIDTH, ReportPart, empty_chart, esc, svg, text_width
from .base import Cell, FreeText, LiveCounts, register, text_entries
from .open_text import ACCENTS

TREMA = 0x0308  # ë, ï, ö: Dutch spelling (coöperatie, financiële), kept; é, è, ô are dropped


class _AccentTable(dict[int, str]):
    """A `str.translate` table that drops accents (but the trema), filled as met."""

    def __missing__(self, code: int) -> str:
        accent = code != TREMA and any(low <= code <= high for low, high in ACCENTS)
        kept = "" if accent else chr(code)
        self[code] = kept
        return kept


_ACCENT_TABLE = _AccentTable()


def normalise_entry(entry: str) -> str:
    """One spelling per word, so a cloud shows one word where the room typed variants of it:
    trimmed, inner whitespace collapsed, case-folded, accents dropped but for the trema, and
    punctuation dropped unless it joins two letters or digits ("Samenwerking!" and
    "samenwérking" are "samenwerking"; "win-win" and "OCMW's" keep theirs; "Coöperatie" is
    "coöperatie"). Only punctuation: kept, so "?" is a word.

    `entry` comes from `clean_text`, which kept the joiners and flag tags that hold an emoji
    together; none of this touches those, so 👨‍👩‍👧 stays one word instead of three faces.
    """
    text = unicodedata.normalize("NFKD", entry.casefold()).translate(_ACCENT_TABLE)
    chars = [
        " " if unicodedata.category(ch).startswith("P") and not _joins(text, i) else ch
        for i, ch in enumerate(text)
    ]
    key = unicodedata.normalize("NFC", " ".join("".join(chars).split()))
    return key or " ".join(entry.casefold().split())


def _joins(text: str, i: int) -> bool:
    """Whether the punctuation at `i` sits between two letters or digits (win-win)."""
    if i == 0 or i == len(text) - 1:
        return False
    before, after = text[i - 1], text[i + 1]
    return (before.isalnum() or unicodedata.combining(before) > 0) and after.isalnum()


@register("wordcloud")
@dataclass(frozen=True, slots=True, kw_only=True)
class WordCloud(FreeText):
    labels: ClassVar[dict[str, str]] = {"nl": "Woordwolk", "en": "Word cloud"}

    limits: ClassVar[tuple[int, int, int]] = (3, 40, 200)

    max_answers: int = 3
    max_length: int = 40
    mergeable: ClassVar[bool] = True

    def check_answer(self, raw: Any) -> list[str]:
        """Entries normalised; the same word twice from one person counts once."""
        entries = text_entries(
            raw, max_answers=self.max_answers, max_length=self.max_length, single_line=True
        )
        return list(dict.fromkeys(normalise_entry(e) for e in entries))

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        counter: Counter[str] = Counter()
        for answer in answers:
            counter.update(answer)
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        return {"counts": dict(ranked)}

    def tally_items(self, answer: Any) -> list[str]:
        return list(answer)

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        entries = list(result["counts"].items())
        if not entries:
            return [("", "", 0, None, "")]  # the question still shows up, with nobody answering
        return [("", entry, n, None, "") for entry, n in entries]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """The cloud as the projector draws it, and every entry with its count."""
        table = list(result["counts"].items())
        words = layout_cloud(result["counts"])
        if not words:
            return ReportPart(chart=empty_chart(self.prompt, language), empty=True)
        body = [
            f'<text class="cloud-word" x="{w.x:.1f}" y="{w.y:.1f}" font-size="{w.size}" '
            f'font-weight="700" text-anchor="middle" dominant-baseline="central" '
            f'fill="{w.color}" data-count="{w.count}">{esc(w.word)}</text>'
            for w in words
        ]
        entries = sum(result["counts"].values())
        return ReportPart(chart=svg(CLOUD_HEIGHT, self.prompt, body), table=table, entries=entries)

    def live_top(self, size: int) -> int | None:
        return size

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """The `size` most frequent entries (a cloud shows no more), and how many there are."""
        top = heapq.nsmallest(size, tally.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return {"counts": dict(top), "distinct": tally.distinct}


# --- the cloud on paper ---------------------------------------------------------------------

CLOUD_HEIGHT = 460
MAX_WORDS = 60


@dataclass(slots=True)
class _Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: _Box, pad: float = 6) -> bool:
        return (
            abs(self.x - other.x) * 2 < self.w + other.w + pad
            and abs(self.y - other.y) * 2 < self.h + other.h + pad
        )


@dataclass(slots=True)
class PlacedWord:
    word: str
    count: int
    size: int
    x: float
    y: float
    color: str = field(default="")


def layout_cloud(
    counts: dict[str, int], width: float = WIDTH, height: float = CLOUD_HEIGHT
) -> list[PlacedWord]:
    """Words on an Archimedean spiral from the centre, biggest first, never overlapping.

    Deterministic (same counts, same picture). Shrinks everything when the words do not fit;
    words that still do not fit are left out (they are in the table and the export).
    """
    entries = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_WORDS]
    if not entries:
        return []
    top, low = entries[0][1], entries[-1][1]
    scale = 1.0
    for _ in range(8):
        big = min(height * 0.2, width * 0.1) * scale
        small = max(14.0, min(height * 0.05, 30.0) * max(scale, 0.6))
        if len(entries) > 25:
            big *= 0.8
        placed: list[PlacedWord] = []
        boxes: list[_Box] = []
        missing = 0
        for word, count in entries:
            f = 0.55 if top == low else (count - low) / (top - low)
            size = round(small + (big - small) * math.sqrt(f))
            box = _Box(width / 2, height / 2, text_width(word, size) + size * 0.3, size * 1.2)
            if _spiral(box, boxes, width, height):
                boxes.append(box)
                color = CLOUD_COLORS[zlib.crc32(word.encode()) % len(CLOUD_COLORS)]
                placed.append(PlacedWord(word, count, size, box.x, box.y, color))
            else:
                missing += 1
        if not missing or scale < 0.35:
            return placed
        scale *= 0.85
    return placed


def _spiral(box: _Box, placed: list[_Box], width: float, height: float) -> bool:
    cx, cy = box.x, box.y
    aspect = min(width / height, 2.2)
    for i in range(3000):
        a = i * 0.3
        r = 2.2 * a
        box.x = cx + r * math.cos(a) * aspect
        box.y = cy + r * math.sin(a)
        inside = (
            box.w / 2 <= box.x <= width - box.w / 2 and box.h / 2 <= box.y <= height - box.h / 2
        )
        if inside and not any(box.overlaps(other) for other in placed):
            return True
    return False
