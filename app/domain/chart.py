"""A small kit for the report's static SVG charts, shared by the slide types that draw one.

Why static SVG: the report must print to PDF from any browser and open years later, so it
cannot depend on the projector's JavaScript or a live connection. Every piece of text that
goes into SVG passes through `esc`; participant text is never trusted. Pure: strings only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .palette import palette, series

WIDTH = 960
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
BAR_COLORS = series("bar")  # the projector's bar colours (app/static/base.css)
CLOUD_COLORS = series("cloud")
TEXT = palette()["text"]
MUTED = palette()["muted"]
TRACK = palette()["track"]
WORDS = {
    "nl": {
        "mean": "gemiddelde",
        "none": "Nog geen antwoorden",
        "interval": "95%-interval",
        "median": "mediaan",
        "middle": "middelste helft",
    },
    "en": {
        "mean": "mean",
        "none": "No answers yet",
        "interval": "95% interval",
        "median": "median",
        "middle": "middle half",
    },
}


def span(low: Any, high: Any, language: str) -> str:
    """A range as the report writes it: "3,1–3,7" (nl) or "3.1–3.7" (en)."""
    return f"{number(low, language)}–{number(high, language)}"


@dataclass(frozen=True, slots=True)
class ReportPart:
    """What one question shows in the report: a chart, a table of counts, a list of answers.

    The page places whatever is there without knowing the question's type."""

    chart: str | None = None  # SVG, every text in it escaped
    table: list[tuple[str, int]] = field(default_factory=list)  # (entry, count), biggest first
    # Written answers, each once with how many gave it, most frequent first: a compact list
    # that may run over several printed pages (escaped by the page).
    answers: list[tuple[str, int]] = field(default_factory=list)
    entries: int = 0  # answers given, where one person may give several (words, texts)
    empty: bool = False  # nothing answered yet: the page says so


def esc(text: Any) -> str:
    """Text safe inside SVG/HTML elements and attribute values."""
    return escape(str(text), quote=True)


def number(value: float, language: str) -> str:
    """1 decimal, with a decimal comma in Dutch (as the projector shows means)."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "nl" else text


def whole(value: int, language: str) -> str:
    """A whole number with thousands grouped as the projector shows it: 4.680 / 4,680."""
    return f"{value:,}".replace(",", "." if language == "nl" else ",")


def percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def wrap(text: str, width: int, max_lines: int = 4) -> list[str]:
    """Split text into lines of about `width` characters (SVG text does not wrap by itself)."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        while len(word) > width:  # a single very long word is cut, not left to overflow
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}".strip()
        if len(candidate) > width and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return lines or [""]


def text_width(text: str, size: float) -> float:
    """A generous estimate of bold sans-serif text width (no font metrics on the server)."""
    wide = sum(1 for ch in text if ch in "MWmw@%") * 0.3
    return (len(text) * 0.64 + wide) * size


def svg(height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {math.ceil(height)}" width="{WIDTH}" height="{math.ceil(height)}" '
        f'font-family="{esc(FONT)}" aria-label="{esc(label)}">'
        f"<title>{esc(label)}</title>" + "".join(body) + "</svg>"
    )


def lines(x: float, y: float, texts: Sequence[str], size: int, **attrs: str) -> str:
    """A multi-line <text>, each line a <tspan>, vertically centred on y."""
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    step = size * 1.25
    top = y - step * (len(texts) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{top + i * step:.1f}">{esc(line)}</tspan>'
        for i, line in enumerate(texts)
    )
    return f'<text font-size="{size}" dominant-baseline="central"{extra}>{spans}</text>'


def empty_chart(label: str, language: str) -> str:
    text = WORDS.get(language, WORDS["nl"])["none"]
    return svg(
        80,
        label,
        [
            f'<text x="{WIDTH / 2}" y="40" font-size="20" text-anchor="middle" '
            f'dominant-baseline="central" fill="{MUTED}">{esc(text)}</text>'
        ],
    )


# --- horizontal bars: a row per option (choice, quiz, ranking, points, leaderboard) --------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a bar chart: its label, how much of the track it fills and its figures."""

    id: str
    label: str
    fraction: float  # of the track filled, 0 to 1
    color: str
    value: str  # the figure at the right end, bold (escaped when drawn)
    detail: str = ""  # after the figure, muted, e.g. " · 40%" (escaped when drawn)
    data: tuple[tuple[str, Any], ...] = ()  # data- attributes after data-id, in this order
    filled: bool = True  # whether the filled part is drawn (nothing to show: the track only)
    classes: str = "bar"


@dataclass(frozen=True, slots=True)
class BarLayout:
    """Where the labels end and the track runs; the figures are right-aligned at WIDTH."""

    bar_x: int = 380
    bar_w: int = 440
    wrap: int = 34  # characters per label line (3 lines at most)
    min_height: float = 44.0


def bar_rows(bars: Sequence[Bar], layout: BarLayout, top: float) -> tuple[list[str], float]:
    """The SVG of a bar per row from `top` down, and where the last row ends.

    One drawing for every type with bars, so they look alike in the report and a change to
    how a bar is drawn is made once."""
    rows: list[str] = []
    y = top
    for bar in bars:
        texts = wrap(bar.label, layout.wrap, 3)
        height = max(layout.min_height, len(texts) * 22.0 + 14)
        mid = y + height / 2
        fill = bar.fraction * layout.bar_w
        data = "".join(f' data-{name}="{esc(value)}"' for name, value in bar.data)
        rows.append(
            f'<g class="{esc(bar.classes)}" data-id="{esc(bar.id)}"{data}>'
            + lines(0, mid, texts, 17, fill=TEXT)
            + f'<rect x="{layout.bar_x}" y="{mid - 14:.1f}" width="{layout.bar_w}" height="28" '
            f'rx="4" fill="{TRACK}"/>'
            + (
                f'<rect class="bar-fill" x="{layout.bar_x}" y="{mid - 14:.1f}" '
                f'width="{fill:.1f}" height="28" rx="4" fill="{bar.color}"/>'
                if bar.filled
                else ""
            )
            + f'<text x="{WIDTH}" y="{mid:.1f}" font-size="18" text-anchor="end" '
            f'dominant-baseline="central" fill="{TEXT}">'
            f'<tspan font-weight="700">{esc(bar.value)}</tspan>'
            f'<tspan fill="{MUTED}">{esc(bar.detail)}</tspan></text></g>'
        )
        y += height
    return rows, y
