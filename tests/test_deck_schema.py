"""The decks' JSON Schema: generated from the slide-type modules, shipped in the package, named
by every deck in questions/, and in agreement with the loader (what one refuses, so does the
other; what the loader takes, the schema never flags)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.domain.errors import DeckError
from app.domain.loader import LANGUAGES, parse_deck
from app.domain.schema import deck_schema, schema_text
from app.domain.slides import SLIDE_TYPES
from app.domain.yamlsource import load_yaml

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "app" / "static" / "deck.schema.json"
HEADER = "# yaml-language-server: $schema=../app/static/deck.schema.json"
DECKS = sorted((REPO / "questions").glob("*.yaml")) + sorted(
    (REPO / "tests" / "decks").glob("*.yaml")
)
VALIDATOR = jsonschema.Draft7Validator(deck_schema())
HEAD = "title: Test\nslides:\n"


def schema_problems(text: str) -> list[str]:
    data: Any = load_yaml(text, "deck.yaml")
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in VALIDATOR.iter_errors(data)
    ]


def test_the_shipped_schema_is_the_generated_one() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "app/static/deck.schema.json is out of date: run "
        "`rondvraag schema > app/static/deck.schema.json`"
    )
    printed = subprocess.run(
        [sys.executable, "-m", "app", "schema"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == schema_text()


def test_every_slide_type_and_its_keys_are_in_the_schema() -> None:
    jsonschema.Draft7Validator.check_schema(deck_schema())
    per_type = {
        rule["then"]["properties"]["type"]["const"]: rule["then"]
        for rule in deck_schema()["properties"]["slides"]["items"]["allOf"]
    }
    assert set(per_type) == set(SLIDE_TYPES)
    choice = per_type["choice"]
    assert {"id", "prompt", "options", "multiple", "results", "voting"} <= set(choice["properties"])
    assert choice["required"] == ["type", "id", "prompt", "options"]
    assert choice["properties"]["options"]["items"]["required"] == ["id", "label"]
    assert per_type["scales"]["properties"]["scale"]["required"] == ["min", "max"]
    assert deck_schema()["properties"]["language"]["enum"] == list(LANGUAGES)


@pytest.mark.parametrize("deck", DECKS, ids=lambda path: path.name)
def test_every_deck_passes_the_schema(deck: Path) -> None:
    text = deck.read_text(encoding="utf-8")
    assert schema_problems(text) == []
    if deck.parent.name == "questions":
        assert text.splitlines()[0] == HEADER  # editors find the schema by this line


BROKEN = {
    "unknown type": HEAD + "  - type: quizz\n    id: q\n",
    "typo in a key": HEAD + "  - type: choice\n    id: q\n    prompt: P\n    optoins: []\n",
    "missing options": HEAD + "  - type: choice\n    id: q\n    prompt: P\n",
    "missing statements": HEAD + "  - type: scales\n    id: q\n    prompt: P\n"
    "    scale: {min: 1, max: 5}\n",
    "max_answers too high": HEAD + "  - type: wordcloud\n    id: q\n    prompt: P\n"
    "    max_answers: 11\n",
    "prompt only spaces": HEAD + "  - type: open\n    id: q\n    prompt: '   '\n",
    "id not allowed": HEAD + "  - type: open\n    id: Q!\n    prompt: P\n",
    "results neither shown nor hidden": HEAD + "  - type: open\n    id: q\n    prompt: P\n"
    "    results: maybe\n",
    "options not a list": HEAD + "  - type: choice\n    id: q\n    prompt: P\n    options: a\n",
    "option without label": HEAD + "  - type: choice\n    id: q\n    prompt: P\n    options:\n"
    "      - {id: x}\n      - {id: y, label: Y}\n",
    "scale without min": HEAD + "  - type: scales\n    id: q\n    prompt: P\n"
    "    statements: [{id: s, label: S}]\n    scale: {max: 5}\n",
    "link key typo": HEAD + "  - type: content\n    title: T\n    links: [{ulr: 'https://x.be'}]\n",
    "question without id": HEAD + "  - type: open\n    prompt: P\n",
    "language not known": "title: T\nlanguage: fr\nslides:\n  - type: join\n",
    "date not a date": "title: T\ndate: 13 juni\nslides:\n  - type: join\n",
    "no slides": "title: T\nslides: []\n",
    "deck key typo": "title: T\nslide:\n  - type: join\n",
    "examples not a list": HEAD + "  - type: wordcloud\n    id: q\n    prompt: P\n"
    "    examples: vertrouwen\n",
    "an example that is empty": HEAD + "  - type: open\n    id: q\n    prompt: P\n"
    "    examples: [ja, '  ']\n",
    "examples on a choice": HEAD + "  - type: choice\n    id: q\n    prompt: P\n"
    "    options: [{id: a, label: A}, {id: b, label: B}]\n    examples: [a]\n",
    "an example longer than any entry": HEAD + "  - type: wordcloud\n    id: q\n    prompt: P\n"
    "    examples: [" + "x" * 201 + "]\n",
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_schema_and_loader_both_refuse_a_broken_deck(text: str) -> None:
    with pytest.raises(DeckError):
        parse_deck(text, filename="deck.yaml")
    assert schema_problems(text), "the schema let through a deck the loader refuses"


def test_what_the_loader_takes_the_schema_takes() -> None:
    # Numbers as text, many options with `multiple` up to their number, every optional key.
    text = HEAD + (
        "  - type: choice\n    id: q\n    prompt: 2024\n    multiple: 7\n    results: hidden\n"
        "    voting: closed\n    options:\n"
        + "".join(f"      - {{id: o{i}, label: {i}}}\n" for i in range(7))
        + "  - type: scales\n    id: s\n    prompt: P\n    statements: [{id: a, label: A}]\n"
        "    scale: {min: 0, max: 10, min_label: nooit, max_label: altijd}\n"
        "  - type: qa\n    id: v\n    prompt: P\n    examples: ['Waarom?', 42]\n"
    )
    parse_deck(text, filename="deck.yaml")
    assert schema_problems(text) == []
