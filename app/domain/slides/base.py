"""What every slide type has, and the registry that makes a new type one new module.

A slide type is a frozen dataclass registered under its YAML `type` name. It knows how to read
itself from a deck (`parse`), how it looks to a phone (`public`), and, if it is a question, how
to check an answer (`check_answer`) and how to tally the stored answers (`tally`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import AnswerError
from ..reader import FieldReader

SLIDE_TYPES: dict[str, type[Slide]] = {}


def register(name: str):
    """Class decorator: make a slide type available to decks under `type: name`."""

    def decorate(cls: type[Slide]) -> type[Slide]:
        cls.type_name = name
        SLIDE_TYPES[name] = cls
        return cls

    return decorate


@dataclass(frozen=True, slots=True, kw_only=True)
class Slide:
    """A slide that only shows something (content, join). Questions extend it."""

    type_name: ClassVar[str] = ""
    interactive: ClassVar[bool] = False

    id: str
    title: str = ""
    notes: str = ""
    line: int = 0

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Slide:
        """Build the slide from its YAML fields; `common` holds id/title/notes/line."""
        return cls(**common)

    def public(self) -> dict[str, Any]:
        """What phones and the projector may see (never `notes`)."""
        return {
            "id": self.id,
            "type": self.type_name,
            "title": self.title,
            "prompt": "",
            "subtitle": "",
            "interactive": self.interactive,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Question(Slide):
    """An interactive slide: people answer it, and its answers are tallied."""

    interactive: ClassVar[bool] = True

    prompt: str
    subtitle: str = ""
    results_hidden: bool = False
    opens_when_live: bool = True

    @staticmethod
    def read_common(reader: FieldReader) -> dict[str, Any]:
        """The fields every question has, read once here instead of in each type."""
        return {
            "prompt": reader.text("prompt", required=True),
            "subtitle": reader.text("subtitle"),
            "results_hidden": reader.one_of("results", ("shown", "hidden"), "shown") == "hidden",
            "opens_when_live": reader.one_of("voting", ("open", "closed"), "open") == "open",
        }

    def public(self) -> dict[str, Any]:
        view = Slide.public(self)
        view.update(prompt=self.prompt, subtitle=self.subtitle)
        return view

    def check_answer(self, raw: Any) -> Any:
        """Validate and normalise an answer; raises AnswerError saying what is wrong."""
        raise NotImplementedError

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        """Results from the stored (already normalised) answers, in the RESULT shape."""
        raise NotImplementedError

    # The list in a live view that grows with the room, pushed to screens as changes.
    live_list: ClassVar[str | None] = None

    def live_view(self, result: dict[str, Any], size: int) -> dict[str, Any]:
        """The result as screens get it live: where a result grows with the room, only the
        `size` items a screen can show (the HTTP results and exports keep everything)."""
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeText(Question):
    """A question answered with a few typed entries (word cloud, open question)."""

    # (default max_answers, default max_length, highest allowed max_length) per type
    limits: ClassVar[tuple[int, int, int]] = (1, 280, 1000)

    max_answers: int = 1
    max_length: int = 280

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> FreeText:
        answers, length, longest = cls.limits
        return cls(
            **common,
            **Question.read_common(reader),
            max_answers=reader.integer("max_answers", default=answers, low=1, high=10),
            max_length=reader.integer("max_length", default=length, low=1, high=longest),
        )

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view.update(max_answers=self.max_answers, max_length=self.max_length)
        return view


def clean_text(value: Any, *, max_length: int, what: str, single_line: bool) -> str:
    """Trim a free-text entry and drop control characters; raise if it is too long.

    Returns "" for an entry that is empty after cleaning (callers skip those).
    """
    if not isinstance(value, str):
        raise AnswerError(f"each {what} must be text")
    kept = []
    for ch in value:
        if ch in "\n\t" and not single_line:
            kept.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            kept.append(" " if ch in "\n\r\t" else "")
        else:
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = " ".join(text.split()) if single_line else text.strip()
    if len(text) > max_length:
        raise AnswerError(
            f"an {what} may be at most {max_length} characters, this one has {len(text)}"
        )
    return text


def text_entries(raw: Any, *, max_answers: int, max_length: int, single_line: bool) -> list[str]:
    """A string or a list of strings → the non-empty cleaned entries, checked for count/length."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise AnswerError("the answer must be text or a list of texts")
    if len(items) > max_answers:
        raise AnswerError(f"at most {max_answers} answers, got {len(items)}")
    entries = [
        clean_text(item, max_length=max_length, what="answer", single_line=single_line)
        for item in items
    ]
    entries = [e for e in entries if e]
    if not entries:
        raise AnswerError("the answer is empty")
    return entries
