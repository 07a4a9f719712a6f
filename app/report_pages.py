"""Long answer lists on paper: cut into one list per printed page, spread evenly.

Why: a list left to run over pages by itself ends wherever it ends, often with a page that
holds the last line or two. Cut here into pages that are about equally full, each printed on
its own page (report.css), no page is such a remainder. The server has no layout engine, so
the height of each answer is estimated with the letter widths of DejaVu Sans, the widest font
that report.css may get (every other is narrower, so a page comes out less full, never over).
An estimate that fell short would spill an answer onto a page of its own: `FILL` keeps room.
The figures below describe the printed layout in report.css (marked "(report_pages.py)"
there): keep both in step. Pure: strings and numbers only.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata

PAGE_MM = (182.0, 259.0)  # A4 less the @page margins (14 mm each side, 20 mm top, 18 mm bottom)
COLUMNS, COLUMN_GAP_MM = 2, 7.0  # `balanced_height` is for two columns
ANSWER_PT, LINE_HEIGHT = 9.0, 1.3
ANSWER_PAD_MM = 1.9  # padding and rule of one answer
PROMPT_PT, PROMPT_LINE = 20.0, 1.2
SUBTITLE_PT, SUBTITLE_LINE = 11.0, 1.4
HEAD_MM = 30.0  # kicker, meta line and the space around them and the prompt and subtitle
CONTINUED_MM = 6.0  # "question 4 of 4 · continued" at the top of the next pages
FILL = 0.95  # of a page's height a cut list may fill, by the estimate
PT_MM = 25.4 / 72

# Advance widths of DejaVu Sans in thousandths of an em (as Chromium measures them).
_WIDTHS: dict[int, str] = {
    278: "ijlI\u0131",
    295: "J",
    318: " ,.'’‘",
    337: "/:;\\|",
    352: "f",
    361: "-",
    390: "()[]",
    392: "t",
    401: "!",
    411: "r",
    460: '"',
    500: "*_`–",
    518: "“”",
    521: "s",
    525: "z",
    531: "?",
    550: "c",
    557: "L",
    575: "F",
    579: "k",
    592: "vxy",
    603: "P",
    611: "TY",
    615: "e",
    636: "0123456789abdghnopqu{}$€",
    656: "K",
    690: "ABCERSVXZ",
    780: "&DGHNOQU",
    838: "#+<=>^~",
    863: "M",
    950: "%",
    974: "m",
    1000: "@…—W",
}
WIDTH_EM = {ch: width / 1000 for width, chars in _WIDTHS.items() for ch in chars}
OTHER_EM = 0.75  # a letter not listed (and not an accented one listed)
WIDE_EM = 1.2  # emoji and CJK (east Asian wide or full width)


def char_em(ch: str) -> float:
    """The width of one character in em, by DejaVu Sans (accents take their letter's width)."""
    if ch in WIDTH_EM:
        return WIDTH_EM[ch]
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return WIDE_EM
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Cf"):
        return 0.0
    base = unicodedata.normalize("NFD", ch)[0]
    return WIDTH_EM.get(base, OTHER_EM)


def line_count(text: str, width_em: float) -> int:
    """Lines `text` takes in a box `width_em` wide, wrapped at spaces as a browser does; a
    word longer than a line is broken anywhere (overflow-wrap: anywhere in report.css)."""
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            width = sum(char_em(ch) for ch in word)
            space = char_em(" ") if used else 0.0
            if used and used + space + width > width_em:
                lines += 1
                used, space = 0.0, 0.0
            while width > width_em:  # broken over lines of its own
                lines += 1
                width -= width_em
            used += space + width
    return lines


def answer_height(text: str, count: int = 1) -> float:
    """The height of one printed answer in mm, with its count ("12× ") in front if over 1."""
    column = (PAGE_MM[0] - COLUMN_GAP_MM * (COLUMNS - 1)) / COLUMNS
    width_em = column / (ANSWER_PT * PT_MM)
    shown = f"{count}×\u00a0{text}" if count > 1 else text  # bold digits: about as wide as ×
    return line_count(shown, width_em) * ANSWER_PT * LINE_HEIGHT * PT_MM + ANSWER_PAD_MM


def head_height(prompt: str, subtitle: str) -> float:
    """The height of a question's head (kicker, prompt, subtitle, counts) in mm."""
    height = HEAD_MM
    lines = line_count(prompt, PAGE_MM[0] / (PROMPT_PT * PT_MM))
    height += lines * PROMPT_PT * PROMPT_LINE * PT_MM
    if subtitle:
        lines = line_count(subtitle, PAGE_MM[0] / (SUBTITLE_PT * PT_MM))
        height += lines * SUBTITLE_PT * SUBTITLE_LINE * PT_MM
    return height


def answer_pages(
    answers: list[tuple[str, int]], prompt: str = "", subtitle: str = ""
) -> list[list[tuple[str, int]]]:
    """`answers` in order, cut into printed pages about equally full; the first page also
    holds the question's head."""
    if not answers:
        return []
    heights = [answer_height(text, count) for text, count in answers]
    first = PAGE_MM[1] * FILL - head_height(prompt, subtitle)
    room = PAGE_MM[1] * FILL - CONTINUED_MM
    pages = len(cut(heights, first, room))
    low, high = 0.0, 1.0  # the least fill that needs no more pages: pages equally full
    for _ in range(20):
        middle = (low + high) / 2
        if len(cut(heights, first * middle, room * middle)) <= pages:
            high = middle
        else:
            low = middle
    sizes = cut(heights, first * high, room * high)
    cuts = [0]
    for size in sizes:
        cuts.append(cuts[-1] + size)
    return [answers[start:end] for start, end in itertools.pairwise(cuts)]


def cut(heights: list[float], first: float, room: float) -> list[int]:
    """How many answers go on each page, in order, each page holding at least one."""
    sizes: list[int] = []
    prefix: list[float] = [0.0]  # running sums of the heights on the page being filled
    for height in heights:
        limit = first if len(sizes) <= 1 else room
        if sizes and balanced_height([*prefix, prefix[-1] + height]) > limit:
            sizes.append(1)
            prefix = [0.0, height]
        else:
            if not sizes:
                sizes.append(0)
            sizes[-1] += 1
            prefix.append(prefix[-1] + height)
    return sizes


def balanced_height(prefix: list[float]) -> float:
    """How high two balanced columns of answers come out, from the running sums of their
    heights (0 first): the least height at which they fit, in order, an answer never split,
    as the browser balances them (`column-fill: balance`)."""
    total = prefix[-1]
    split = bisect.bisect_left(prefix, total / 2)
    candidates = (split - 1, split) if split > 0 else (split,)
    return min(max(prefix[k], total - prefix[k]) for k in candidates if k < len(prefix))
