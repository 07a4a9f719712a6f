"""The colours of the printed report: the pages' own palette, read from app/static/base.css.

The palette is defined once, as CSS custom properties in base.css; the report's static SVG
charts cannot use CSS variables in every viewer (a PDF, an SVG opened alone), so they take the
same values from that file here. A chart of the report and a bar on the projector are the same
colour.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

BASE_CSS = Path(__file__).resolve().parents[1] / "static" / "base.css"
_PROPERTY = re.compile(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;")


@cache
def palette() -> dict[str, str]:
    """Every colour custom property of base.css's `:root`, e.g. {"bar-0": "#1747a6", ...}."""
    text = BASE_CSS.read_text(encoding="utf-8")
    root = text[text.index(":root {") : text.index("}", text.index(":root {"))]
    return {name: value.lower() for name, value in _PROPERTY.findall(root)}


def series(name: str) -> tuple[str, ...]:
    """A numbered family of colours (`bar`, `cloud`) in order."""
    colours = palette()
    found = []
    while f"{name}-{len(found)}" in colours:
        found.append(colours[f"{name}-{len(found)}"])
    return tuple(found)
