"""The results report: each question's final results as static SVG, built on the server.

Why static SVG: the report must print to PDF from any browser and open years later, so it
cannot depend on the projector's JavaScript or on a live connection. The charts follow the
projector's visuals (bars, word cloud, scale histograms with the mean, an answer wall).

Every piece of text that goes into SVG passes through `esc`; participant text is never trusted.
Pure: no I/O, no web framework; the page template only places what this returns.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from markupsafe import Markup

from .domain.slides import Question
from .domain.slides.choice import Choice
from .domain.slides.scales import Scales
from .exports import SessionData, percent

WIDTH = 960
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
BAR_COLORS = (
    "#1747a6",
    "#d1495b",
    "#2a9d8f",
    "#e9a23b",
    "#6a4c93",
    "#3a86ff",
    "#8d6e63",
    "#43aa8b",
)
CLOUD_COLORS = ("#1747a6", "#d1495b", "#2a9d8f", "#c47f00", "#6a4c93", "#0b3d91")
TEXT = "#111318"
MUTED = "#4a5160"
TRACK = "#e8ebf1"
MAX_WORDS = 60
MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}
WORDS = {
    "nl": {"mean": "gemiddelde", "none": "Nog geen antwoorden"},
    "en": {"mean": "mean", "none": "No answers yet"},
}


def esc(text: Any) -> str:
    """Text safe inside SVG/HTML elements and attribute values."""
    return escape(str(text), quote=True)


def number(value: float, language: str) -> str:
    """1 decimal, with a decimal comma in Dutch (as the projector shows means)."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "nl" else text


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


def _svg(height: float, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {math.ceil(height)}" width="{WIDTH}" height="{math.ceil(height)}" '
        f'font-family="{esc(FONT)}" aria-label="{esc(label)}">'
        f"<title>{esc(label)}</title>" + "".join(body) + "</svg>"
    )


def _lines(x: float, y: float, lines: Sequence[str], size: int, **attrs: str) -> str:
    """A multi-line <text>, each line a <tspan>, vertically centred on y."""
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    step = size * 1.25
    top = y - step * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{top + i * step:.1f}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text font-size="{size}" dominant-baseline="central"{extra}>{spans}</text>'


# --- choice: horizontal bars ---------------------------------------------------------------------


def choice_svg(question: Choice, result: dict[str, Any]) -> Markup:
    """A bar per option: label, bar as share of respondents, count and percentage."""
    total = result["responses"]
    counts = result["counts"]
    label_x, bar_x, bar_w = 0, 380, 440
    rows = []
    y = 0.0
    for i, option in enumerate(question.options):
        n = int(counts.get(option.id, 0))
        share = percent(n, total)
        lines = wrap(option.label, 34, 3)
        height = max(44.0, len(lines) * 22.0 + 14)
        mid = y + height / 2
        fill = share / 100 * bar_w
        color = BAR_COLORS[i % len(BAR_COLORS)]
        rows.append(
            f'<g class="bar" data-id="{esc(option.id)}" data-count="{n}">'
            + _lines(label_x, mid, lines, 17, fill=TEXT)
            + f'<rect x="{bar_x}" y="{mid - 14:.1f}" width="{bar_w}" height="28" rx="4" '
            f'fill="{TRACK}"/>'
            + (
                f'<rect class="bar-fill" x="{bar_x}" y="{mid - 14:.1f}" width="{fill:.1f}" '
                f'height="28" rx="4" fill="{color}"/>'
                if n
                else ""
            )
            + f'<text x="{WIDTH}" y="{mid:.1f}" font-size="18" text-anchor="end" '
            f'dominant-baseline="central" fill="{TEXT}"><tspan font-weight="700">{n}</tspan>'
            f'<tspan fill="{MUTED}"> · {round(share)}%</tspan></text></g>'
        )
        y += height
    return _svg(y, question.prompt, rows)


# --- word cloud ----------------------------------------------------------------------------------


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
    counts: dict[str, int], width: float = WIDTH, height: float = 460
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


def cloud_svg(question: Question, result: dict[str, Any], language: str) -> Markup:
    words = layout_cloud(result["counts"])
    if not words:
        return _empty(question.prompt, language)
    body = [
        f'<text class="cloud-word" x="{w.x:.1f}" y="{w.y:.1f}" font-size="{w.size}" '
        f'font-weight="700" text-anchor="middle" dominant-baseline="central" fill="{w.color}" '
        f'data-count="{w.count}">{esc(w.word)}</text>'
        for w in words
    ]
    return _svg(460, question.prompt, body)


# --- scales: a histogram per statement, with the mean ---------------------------------------------


def scales_svg(question: Scales, result: dict[str, Any], language: str) -> Markup:
    values = list(range(question.low, question.high + 1))
    chart_x, chart_w = 400, WIDTH - 400
    col_w = chart_w / len(values)
    body = []
    low_end = f"{question.low}" + (f" · {question.low_label}" if question.low_label else "")
    high_end = (f"{question.high_label} · " if question.high_label else "") + f"{question.high}"
    body.append(
        f'<text x="{chart_x}" y="14" font-size="15" fill="{MUTED}">{esc(low_end)}</text>'
        f'<text x="{WIDTH}" y="14" font-size="15" text-anchor="end" fill="{MUTED}">'
        f"{esc(high_end)}</text>"
    )
    y = 30.0
    row_h, hist_h, head = 156.0, 80.0, 38.0
    for statement in question.statements:
        stats = result["statements"].get(statement.id, {"count": 0, "mean": None, "counts": {}})
        counts = [int(stats["counts"].get(str(v), 0)) for v in values]
        top = max(counts) or 1
        base = y + head + hist_h
        body.append(
            f'<g class="statement" data-id="{esc(statement.id)}" data-count="{stats["count"]}">'
        )
        body.append(_lines(0, y + row_h / 2 - 6, wrap(statement.label, 36, 4), 16, fill=TEXT))
        body.append(
            f'<line x1="{chart_x}" y1="{base:.1f}" x2="{WIDTH}" y2="{base:.1f}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
        for i, (value, n) in enumerate(zip(values, counts, strict=True)):
            cx = chart_x + col_w * (i + 0.5)
            h = hist_h * n / top
            bw = min(col_w * 0.7, 70)
            if n:
                body.append(
                    f'<rect x="{cx - bw / 2:.1f}" y="{base - h:.1f}" width="{bw:.1f}" '
                    f'height="{h:.1f}" rx="3" fill="{BAR_COLORS[0]}" opacity="0.85"/>'
                    f'<text x="{cx:.1f}" y="{base - h - 9:.1f}" font-size="14" '
                    f'text-anchor="middle" fill="{TEXT}">{n}</text>'
                )
            body.append(
                f'<text x="{cx:.1f}" y="{base + 16:.1f}" font-size="14" text-anchor="middle" '
                f'fill="{MUTED}">{value}</text>'
            )
        mean = stats["mean"]
        if isinstance(mean, (int, float)):
            mx = chart_x + (mean - question.low + 0.5) * col_w
            label = f"{WORDS.get(language, WORDS['nl'])['mean']} {number(mean, language)}"
            body.append(
                f'<g class="mean" data-mean="{mean}">'
                f'<line x1="{mx:.1f}" y1="{y + 18:.1f}" x2="{mx:.1f}" y2="{base:.1f}" '
                f'stroke="{BAR_COLORS[1]}" stroke-width="3" stroke-dasharray="6 4"/>'
                f'<text x="{min(max(mx, chart_x + 60), WIDTH - 60):.1f}" y="{y + 10:.1f}" '
                f'font-size="14" font-weight="700" text-anchor="middle" '
                f'fill="{BAR_COLORS[1]}">{esc(label)}</text></g>'
            )
        body.append("</g>")
        y += row_h
    return _svg(y, question.prompt, body)


def _empty(label: str, language: str) -> Markup:
    text = WORDS.get(language, WORDS["nl"])["none"]
    return _svg(
        80,
        label,
        [
            f'<text x="{WIDTH / 2}" y="40" font-size="20" text-anchor="middle" '
            f'dominant-baseline="central" fill="{MUTED}">{esc(text)}</text>'
        ],
    )


# --- the page model -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionReport:
    id: str
    type: str
    prompt: str
    subtitle: str
    round: int
    responses: int
    chart: Markup | None  # SVG for choice, wordcloud and scales
    answers: list[str]  # the answer wall of an open question (escaped by the template)
    entries: list[tuple[str, int]]  # word cloud entries with counts, most frequent first


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    event: str
    language: str
    code: str
    date: str  # when the answers were given, e.g. "13 juni 2023"
    participants: int
    respondents: int
    questions: list[QuestionReport]


def question_report(question: Question, result: dict[str, Any], language: str) -> QuestionReport:
    kind = question.type_name
    chart: Markup | None = None
    answers: list[str] = []
    entries: list[tuple[str, int]] = []
    if isinstance(question, Choice):
        chart = choice_svg(question, result)
    elif isinstance(question, Scales):
        chart = scales_svg(question, result, language)
    elif kind == "wordcloud":
        chart = cloud_svg(question, result, language)
        entries = list(result["counts"].items())
    elif kind == "open":
        answers = [str(a) for a in result["answers"]]
    return QuestionReport(
        id=question.id,
        type=kind,
        prompt=question.prompt,
        subtitle=question.subtitle,
        round=result["round"],
        responses=result["responses"],
        chart=chart,
        answers=answers,
        entries=entries,
    )


def build_report(data: SessionData) -> Report:
    """Every question in its current round (what the room saw last), in deck order."""
    deck = data.deck
    questions = [
        question_report(q, data.result(q, data.round_of(q.id)), deck.language)
        for q in deck.questions
    ]
    return Report(
        title=deck.title,
        event=deck.event,
        language=deck.language,
        code=data.code,
        date=session_dates(data, deck.language),
        participants=data.participants,
        respondents=data.respondents,
        questions=questions,
    )


def session_dates(data: SessionData, language: str) -> str:
    """The day(s) the answers came in (local time of this machine), else the creation day."""
    stamps = [r.submitted_at for r in data.responses] or [data.created_at]
    days = sorted({_local_day(s) for s in stamps})
    first, last = long_date(days[0], language), long_date(days[-1], language)
    return first if first == last else f"{first} – {last}"


def _local_day(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    return datetime(moment.year, moment.month, moment.day)


def long_date(day: datetime, language: str) -> str:
    months = MONTHS.get(language, MONTHS["nl"]).split()
    return f"{day.day} {months[day.month - 1]} {day.year}"
