"""Typed, line-aware access to one YAML mapping of a deck, collecting every problem found.

Slide types read their fields through a `FieldReader`, so each type module states only what
its fields are; unknown keys (typos), wrong types and out-of-range values are reported with
the line they are on, and reading carries on so one run lists every problem.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import Problem
from .yamlsource import LinedList, LinedMap

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

_MISSING = object()


class Problems:
    """The growing list of problems of one deck file, and what the file has used so far.

    `markdown_chars` sums the Markdown bodies read so far across the file's slides, so a
    limit on the whole deck (see slides/content.py) can be checked slide by slide, before
    rendering.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[Problem] = []
        self.markdown_chars = 0

    def add(self, line: int, message: str) -> None:
        self.items.append(Problem(self.filename, line, message))


class FieldReader:
    """Reads fields of one mapping; remembers which keys were used to flag the rest."""

    def __init__(self, mapping: Any, problems: Problems, where: str, line: int) -> None:
        self.problems = problems
        self.where = where
        self.ok = isinstance(mapping, LinedMap)
        if not self.ok:
            problems.add(line, f"{where}: expected a mapping of keys, got {_kind(mapping)}")
            mapping = LinedMap()
            mapping.line = line
            mapping.key_lines = {}
        self.mapping: LinedMap = mapping
        self.line = mapping.line
        self.used: set[str] = set()

    def line_of(self, key: str) -> int:
        return self.mapping.key_lines.get(key, self.line)

    def error(self, key: str | None, message: str) -> None:
        line = self.line_of(key) if key else self.line
        self.problems.add(line, f"{self.where}: {message}")

    def has(self, key: str) -> bool:
        return key in self.mapping

    def _get(self, key: str) -> Any:
        self.used.add(key)
        return self.mapping.get(key, _MISSING)

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self._get(key)
        if value is _MISSING or value is None:
            if required:
                self.error(None, f"missing '{key}'")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, f"'{key}' must be text, got {_kind(value)}")
            return default
        value = str(value).strip()
        if required and not value:
            self.error(key, f"'{key}' is empty")
        return value

    def integer(self, key: str, *, default: int, low: int, high: int) -> int:
        value = self._get(key)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"'{key}' must be a whole number, got {_kind(value)}")
            return default
        if not low <= value <= high:
            self.error(key, f"'{key}' is {value}, must be between {low} and {high}")
            return default
        return value

    def flag(self, key: str, *, default: bool) -> bool:
        """A yes/no key, written `true` or `false` in YAML."""
        value = self._get(key)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.error(key, f"'{key}' must be true or false, got {_kind(value)}")
            return default
        return value

    def required_integer(self, key: str) -> int | None:
        value = self._get(key)
        if value is _MISSING:
            self.error(None, f"missing '{key}'")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"'{key}' must be a whole number, got {_kind(value)}")
            return None
        return value

    def one_of(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self._get(key)
        if value is _MISSING:
            return default
        if value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            self.error(key, f"'{key}' is {value!r}, must be one of {options}")
            return default
        return value

    def ident(self, key: str, *, required: bool) -> str:
        value = self.text(key, required=required)
        if value and not ID_PATTERN.match(value):
            self.error(
                key,
                f"id {value!r} must be lowercase letters, digits, '-' or '_' "
                "(at most 64, starting with a letter or digit)",
            )
        return value

    def idents(self, key: str, *, required: bool) -> list[str]:
        """One id or a non-empty list of ids without repeats (e.g. the right options)."""
        value = self._get(key)
        if value is _MISSING or value is None:
            if required:
                self.error(None, f"missing '{key}'")
            return []
        picked = [value] if isinstance(value, str) else value
        if (
            not isinstance(picked, list)
            or not picked
            or not all(isinstance(p, str) for p in picked)
        ):
            self.error(key, f"'{key}' must be an id or a list of ids, got {_kind(value)}")
            return []
        if len(set(picked)) != len(picked):
            self.error(key, f"'{key}' names the same id twice")
            return []
        return [str(p) for p in picked]

    def texts(self, key: str, *, most: int, longest: int) -> list[str]:
        """An optional list of short texts (e.g. a slide's `examples`), each non-empty and at
        most `longest` characters, at most `most` of them."""
        value = self._get(key)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, LinedList):
            self.error(key, f"'{key}' must be a list of texts, got {_kind(value)}")
            return []
        if len(value) > most:
            self.error(key, f"'{key}' has {len(value)} entries, at most {most} are allowed")
            return []
        found: list[str] = []
        for i, item in enumerate(value, start=1):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error(key, f"'{key}' entry {i} must be text, got {_kind(item)}")
                continue
            text = str(item)
            if not text.strip():
                self.error(key, f"'{key}' entry {i} is empty")
            elif len(text) > longest:
                self.error(key, f"'{key}' entry {i} has {len(text)} characters, at most {longest}")
            else:
                found.append(text)
        return found

    def items(self, key: str, *, required: bool, minimum: int = 0) -> list[FieldReader]:
        """A list of mappings, each returned as its own reader."""
        value = self._get(key)
        if value is _MISSING or value is None:
            if required:
                self.error(None, f"missing '{key}'")
            return []
        if not isinstance(value, LinedList):
            self.error(key, f"'{key}' must be a list, got {_kind(value)}")
            return []
        if len(value) < minimum:
            self.error(key, f"'{key}' needs at least {minimum} entries, has {len(value)}")
        return [
            FieldReader(item, self.problems, f"{self.where}, {key}[{i + 1}]", value.item_lines[i])
            for i, item in enumerate(value)
        ]

    def child(self, key: str, *, required: bool) -> FieldReader | None:
        value = self._get(key)
        if value is _MISSING or value is None:
            if required:
                self.error(None, f"missing '{key}'")
            return None
        return FieldReader(value, self.problems, f"{self.where}, {key}", self.line_of(key))

    def finish(self) -> None:
        """Report keys nobody asked for: almost always a typo."""
        for key in self.mapping:
            if key not in self.used:
                self.error(key, f"unknown key {key!r}")


def unique_ids(readers_and_ids: list[tuple[FieldReader, str]], what: str) -> None:
    """Flag repeated ids within one list (options, statements, slides)."""
    seen: set[str] = set()
    for reader, ident in readers_and_ids:
        if not ident:
            continue
        if ident in seen:
            reader.error("id", f"duplicate {what} id {ident!r}")
        seen.add(ident)


def _kind(value: Any) -> str:
    if isinstance(value, LinedMap | dict):
        return "a mapping"
    if isinstance(value, LinedList | list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"
