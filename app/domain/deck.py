"""A deck: the ordered slides of one talk, as loaded from YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .slides import Question, Slide


@dataclass(frozen=True, slots=True)
class Deck:
    name: str  # the file stem, e.g. "samenwerking"; identifies the deck's session
    title: str
    slides: tuple[Slide, ...]
    language: str = "nl"
    event: str = ""
    date: str = ""
    source: str = ""  # the YAML text, kept so exports carry the deck they were made with
    # Groups smaller than this are never shown split out (deck key `privacy: {min_group: N}`).
    min_group: int = 5
    # Days after the session ended that it is deleted with every answer (None: kept until
    # someone deletes it). Deck key `privacy: {retention_days: N}`.
    retention_days: int | None = None
    # What the phone's first screen says about the data (None: the standard sentence).
    privacy_notice: str = ""
    # What free text waits for the presenter's approval: off, filter, approve (moderation.py).
    moderation: str = "filter"
    # The choice question whose answers split every question in the report (deck key
    # `segment_by`; "" for none): "do unions and employers see it differently?".
    segment_by: str = ""
    _by_id: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: i for i, s in enumerate(self.slides)})

    def index_of(self, slide_id: str) -> int | None:
        return self._by_id.get(slide_id)

    def slide(self, slide_id: str) -> Slide | None:
        index = self._by_id.get(slide_id)
        return None if index is None else self.slides[index]

    def question(self, slide_id: str) -> Question | None:
        slide = self.slide(slide_id)
        return slide if isinstance(slide, Question) else None

    @property
    def questions(self) -> list[Question]:
        return [s for s in self.slides if isinstance(s, Question)]

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "language": self.language,
            "event": self.event,
            "date": self.date,
            "slides": [s.public() for s in self.slides],
        }
