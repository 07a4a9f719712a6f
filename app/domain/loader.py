"""Load a deck from YAML, reporting every problem as `FILE:LINE: what is wrong`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .deck import Deck
from .errors import DeckError
from .moderation import DEFAULT_MODE, MODES
from .reader import ID_PATTERN, FieldReader, Problems
from .slides import SLIDE_TYPES, Slide
from .slides.choice import Choice
from .yamlsource import MAX_DECK_BYTES, LinedMap, YamlProblem, load_yaml

LANGUAGES = ("nl", "en")


def load_deck(path: str | Path) -> Deck:
    """Read and check a deck file. Raises DeckError listing every problem found."""
    path = Path(path)
    problems = Problems(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_DECK_BYTES:
            problems.add(1, f"file is {size} bytes; a deck may be at most {MAX_DECK_BYTES} bytes")
            raise DeckError(problems.items)
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add(0, "no such file")
        raise DeckError(problems.items) from None
    except OSError as exc:
        problems.add(0, f"cannot read the file: {exc.strerror}")
        raise DeckError(problems.items) from None
    return decode_deck(data, path)


def decode_deck(data: bytes, path: str | Path, name: str | None = None) -> Deck:
    """Check a deck file's bytes (as read once, e.g. by the reloader, which fingerprints the
    same bytes it loads). `name` is the deck's name, by default the file's stem."""
    path = Path(path)
    problems = Problems(str(path))
    if len(data) > MAX_DECK_BYTES:
        problems.add(1, f"file is {len(data)} bytes; a deck may be at most {MAX_DECK_BYTES} bytes")
        raise DeckError(problems.items)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        raise DeckError(problems.items) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as reading in text mode does
    return parse_deck(text, filename=str(path), name=name or path.stem)


def parse_deck(text: str, *, filename: str = "<deck>", name: str = "deck") -> Deck:
    """Check a deck's YAML text. Raises DeckError listing every problem found."""
    problems = Problems(filename)
    try:
        data = load_yaml(text, filename)
    except YamlProblem as exc:
        problems.add(exc.line, str(exc))
        raise DeckError(problems.items) from None
    if not isinstance(data, LinedMap):
        problems.add(1, "a deck must be a mapping with 'title' and 'slides'")
        raise DeckError(problems.items)

    top = FieldReader(data, problems, "deck", data.line)
    title = top.text("title", required=True)
    language = top.one_of("language", LANGUAGES, "nl")
    event = top.text("event")
    date = top.text("date")
    if date and not _is_iso_date(date):
        top.error("date", f"'date' is {date!r}, must be a real date written YYYY-MM-DD")
    moderation = top.one_of("moderation", MODES, DEFAULT_MODE)
    segment_by = top.ident("segment_by", required=False)
    min_group, retention_days, notice = 5, None, ""
    privacy = top.child("privacy", required=False)
    if privacy is not None:
        min_group = privacy.integer("min_group", default=5, low=1, high=1000)
        days = privacy.integer("retention_days", default=0, low=1, high=3650)
        retention_days = days or None
        notice = privacy.text("notice")
        privacy.finish()
    slide_readers = top.items("slides", required=True, minimum=1)
    top.finish()

    slides: list[Slide] = []
    seen: dict[str, int] = {}
    for number, reader in enumerate(slide_readers, start=1):
        slide = _parse_slide(reader, number)
        if slide is None:
            continue
        if slide.id in seen:
            reader.error("id", f"duplicate slide id {slide.id!r} (also slide {seen[slide.id]})")
        seen.setdefault(slide.id, number)
        slides.append(slide)
    if segment_by and ID_PATTERN.match(segment_by):
        _check_segment_by(top, segment_by, slides)

    if problems.items:
        raise DeckError(sorted(problems.items, key=lambda p: p.line))
    return Deck(
        name=name,
        title=title,
        slides=tuple(slides),
        language=language,
        event=event,
        date=date,
        source=text,
        min_group=min_group,
        retention_days=retention_days,
        privacy_notice=notice,
        moderation=moderation,
        segment_by=segment_by,
    )


def _check_segment_by(top: FieldReader, segment_by: str, slides: list[Slide]) -> None:
    """`segment_by` must name a choice question of this deck: its options make the groups."""
    choices = [s.id for s in slides if isinstance(s, Choice)]
    if segment_by not in choices:
        known = ", ".join(choices) or "none in this deck"
        top.error(
            "segment_by",
            f"'segment_by' is {segment_by!r}, must be a choice question's id ({known})",
        )


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _parse_slide(reader: FieldReader, number: int) -> Slide | None:
    reader.where = f"slide {number}"
    if not reader.ok:
        return None
    kind = reader.text("type", required=True)
    if not kind:
        return None
    slide_type = SLIDE_TYPES.get(kind)
    if slide_type is None:
        known = ", ".join(sorted(SLIDE_TYPES))
        reader.error("type", f"unknown slide type {kind!r} (known: {known})")
        return None
    slide_id = reader.ident("id", required=slide_type.interactive)
    if slide_id:
        reader.where = f"slide {number} ({slide_id})"
    common: dict[str, Any] = {
        "id": slide_id or f"slide-{number}",
        "title": reader.text("title"),
        "notes": reader.text("notes"),
        "line": reader.line,
    }
    slide = slide_type.parse(reader, common)
    reader.finish()
    return slide
