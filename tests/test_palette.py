"""The palette is defined once (base.css custom properties): the projector's data colours and
the printed report's are the same values, each readable against white."""

from __future__ import annotations

import re
from pathlib import Path

from app.domain import chart
from app.domain.palette import palette, series

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"


def contrast_on_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_the_report_draws_with_the_pages_palette() -> None:
    assert len(series("bar")) == 8 and len(series("cloud")) == 6
    assert series("bar") == chart.BAR_COLORS
    assert series("cloud") == chart.CLOUD_COLORS
    assert tuple(palette()[name] for name in ("text", "muted", "track")) == (
        chart.TEXT,
        chart.MUTED,
        chart.TRACK,
    )


def test_every_data_colour_reaches_3_to_1_on_white() -> None:
    for name in ("bar", "cloud"):
        for colour in series(name):
            assert contrast_on_white(colour) >= 3.0, (name, colour)
    assert contrast_on_white(palette()["scale-bar"]) >= 3.0


def test_data_colours_are_written_only_in_the_palette() -> None:
    data = {c for name in ("bar", "cloud") for c in series(name)} | {palette()["scale-bar"]}
    for css in [*STATIC.glob("*.css"), *STATIC.glob("types/*.css")]:
        text = css.read_text(encoding="utf-8")
        if css.name == "base.css":
            text = text[text.index("}", text.index(":root {")) :]  # after the palette
        lines = text.splitlines()
        for at, line in enumerate(lines):
            following = lines[at + 1] if at + 1 < len(lines) else ""
            prop = line.split(":")[0].strip()
            if "var(--" in line or ("var(--" in following and following.strip().startswith(prop)):
                continue  # a var(), or the literal fallback for old phones right before one
            found = {h.lower() for h in re.findall(r"#[0-9a-fA-F]{6}\b", line)} & data
            assert not found, f"{css.name}: {line.strip()} (use the palette's custom property)"
