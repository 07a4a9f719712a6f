"""The JSON Schema of a deck, generated from the slide-type modules themselves.

Each type reads its YAML through a `FieldReader`; here each type's `parse` runs once against a
`SchemaReader`, which records every field asked for (its kind, range, allowed values, whether
it is required, and the fields of its list items and sub-mappings) instead of reading one. So
the schema editors use and the loader that checks a deck cannot drift apart: a type's new key
is in the schema the moment its module reads it, and no type writes a schema by hand.

What only code can check (an id used twice, min below max, a URL's scheme) stays the loader's;
the schema catches typos, wrong kinds and out-of-range values while typing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .loader import LANGUAGES
from .moderation import DEFAULT_MODE, MODES
from .reader import ID_PATTERN, FieldReader, Problems
from .slides import SLIDE_TYPES
from .yamlsource import LinedMap


def _empty() -> LinedMap:
    mapping = LinedMap()
    mapping.line = 0
    mapping.key_lines = {}
    return mapping


LIST_LENGTH_SEEN = 100


class SchemaReader(FieldReader):
    """A FieldReader that writes down what is asked of it as a JSON Schema object."""

    def __init__(self, description: str = "") -> None:
        super().__init__(_empty(), Problems("<schema>"), "schema", 0)
        self.properties: dict[str, dict[str, Any]] = {}
        self.required: list[str] = []
        self.description = description

    def _field(self, key: str, schema: dict[str, Any], required: bool) -> None:
        self.properties[key] = schema
        if required and key not in self.required:
            self.required.append(key)

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        # Numbers are taken as text too (a label "2024"); an empty required text is refused.
        schema: dict[str, Any] = {"type": ["string", "number"]}
        if required:  # and not only spaces
            schema = {"anyOf": [{"type": "string", "pattern": r"\S"}, {"type": "number"}]}
        self._field(key, schema, required)
        return default

    def integer(self, key: str, *, default: int, low: int, high: int) -> int:
        schema = {"type": "integer", "minimum": low, "maximum": high, "default": default}
        self._field(key, schema, False)
        return default

    def flag(self, key: str, *, default: bool) -> bool:
        self._field(key, {"type": "boolean", "default": default}, False)
        return default

    def required_integer(self, key: str) -> int | None:
        self._field(key, {"type": "integer"}, True)
        return None

    def one_of(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        self._field(key, {"enum": list(allowed), "default": default}, False)
        return default

    def ident(self, key: str, *, required: bool) -> str:
        pattern = ID_PATTERN.pattern.replace(r"\Z", "$")
        self._field(key, {"type": "string", "pattern": pattern}, required)
        return ""

    def idents(self, key: str, *, required: bool) -> list[str]:
        pattern = ID_PATTERN.pattern.replace(r"\Z", "$")
        one = {"type": "string", "pattern": pattern}
        many = {"type": "array", "items": one, "minItems": 1, "uniqueItems": True}
        self._field(key, {"anyOf": [one, many]}, required)
        return []

    def texts(self, key: str, *, most: int, longest: int) -> list[str]:
        one = {
            "anyOf": [
                {"type": "string", "pattern": r"\S", "maxLength": longest},
                {"type": "number"},
            ]
        }
        self._field(key, {"type": "array", "items": one, "maxItems": most}, False)
        return []

    def items(self, key: str, *, required: bool, minimum: int = 0) -> list[FieldReader]:
        item = SchemaReader()
        array: dict[str, Any] = {"type": "array", "items": item.schema()}
        if minimum:
            array["minItems"] = minimum
        self._field(key, array, required)
        self._children = getattr(self, "_children", [])
        self._children.append((array, item))
        # The same recording reader, many times over: a bound a type derives from the list's
        # length (e.g. `multiple` up to the number of options) comes out wide, never so narrow
        # that the schema would refuse a deck the loader takes; the loader narrows it.
        return [item] * LIST_LENGTH_SEEN

    def child(self, key: str, *, required: bool) -> FieldReader | None:
        sub = SchemaReader()
        self._field(key, sub.schema(), required)
        self._children = getattr(self, "_children", [])
        self._children.append((self.properties[key], sub))
        return sub

    def error(self, key: str | None, message: str) -> None:
        """Checks that need values (min below max, unique ids) are the loader's, not ours."""

    def finish(self) -> None:
        """Every key not asked for is a typo: the schema allows no others (see `schema`)."""

    def schema(self) -> dict[str, Any]:
        """This mapping's schema as recorded so far (children filled in when they finish)."""
        for holder, child in getattr(self, "_children", []):
            target = holder["items"] if holder.get("type") == "array" else holder
            target.clear()
            target.update(child.schema())
        schema: dict[str, Any] = {
            "type": "object",
            "properties": self.properties,
            "additionalProperties": False,
        }
        if self.required:
            schema["required"] = self.required
        if self.description:
            schema["description"] = self.description
        return schema


def _purpose(slide_type: type) -> str:
    """The first line of the type's docstring, or of its module's (a dataclass without a
    docstring gets its signature as one, which says nothing to a deck's author)."""
    doc = slide_type.__doc__ or ""
    if not doc or doc.startswith(f"{slide_type.__name__}("):
        doc = sys.modules[slide_type.__module__].__doc__ or ""
    return doc.strip().split("\n")[0]


def schema_text() -> str:
    """The schema as the file shipped in the package (and printed by `rondvraag schema`)."""
    return json.dumps(deck_schema(), indent=2, ensure_ascii=False) + "\n"


def slide_schema(name: str) -> dict[str, Any]:
    """One slide type's schema: the keys every slide has (as the loader reads them) and the
    keys its module's `parse` reads."""
    slide_type = SLIDE_TYPES[name]
    reader = SchemaReader(description=_purpose(slide_type))
    reader._field("type", {"const": name}, True)
    reader.ident("id", required=slide_type.interactive)
    reader.text("title")
    reader.text("notes")
    common = {"id": "schema", "title": "", "notes": "", "line": 0}
    slide_type.parse(reader, common)
    return reader.schema()


def deck_schema() -> dict[str, Any]:
    """The whole deck: its own keys and a list of slides, each checked against its type."""
    names = sorted(SLIDE_TYPES)
    per_type = [
        {"if": {"properties": {"type": {"const": name}}}, "then": slide_schema(name)}
        for name in names
    ]
    slide = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": names, "description": "the slide's type"}},
        "allOf": per_type,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Rondvraag deck",
        "description": "A talk's slides and questions (see docs/decks.md).",
        "type": "object",
        "required": ["title", "slides"],
        "additionalProperties": False,
        "properties": {
            "title": {"anyOf": [{"type": "string", "pattern": r"\S"}, {"type": "number"}]},
            "language": {"enum": list(LANGUAGES), "default": "nl"},
            "event": {"type": ["string", "number"]},
            "date": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "description": "the day of the talk, YYYY-MM-DD",
            },
            "moderation": {
                "enum": list(MODES),
                "default": DEFAULT_MODE,
                "description": "free text held for the presenter: none, filtered words, all",
            },
            "segment_by": {
                "type": "string",
                "pattern": ID_PATTERN.pattern.replace(r"\Z", "$"),
                "description": "a choice question's id: the report splits every question by it",
            },
            "privacy": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "min_group": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 1000,
                        "default": 5,
                        "description": "results split by group never show a smaller group",
                    },
                    "retention_days": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 3650,
                        "description": "days after the session ended that it is deleted",
                    },
                    "notice": {
                        "type": ["string", "number"],
                        "description": "what the phone's first screen says about the data",
                    },
                },
            },
            "slides": {"type": "array", "minItems": 1, "items": slide},
        },
    }
