"""The results report: each question's final results, as its slide type draws them.

The charts are static SVG built by each type's module (see app/domain/chart.py for why); this
module only gathers the session's facts and the parts, in deck order, with long answer lists
cut into printed pages (app/report_pages.py). Pure: no I/O, no web framework; the page
template only places what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from .domain.slides import Question
from .domain.slides.base import Scores, Slide
from .exports import SessionData
from .report_facets import GroupSplit, RoundsCompared, group_split, rounds_compared
from .report_pages import answer_pages

MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}


# --- the page model -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionReport:
    id: str
    type: str
    kind: str  # the type's name for people, in the session's language
    prompt: str
    subtitle: str
    round: int
    responses: int  # people who answered
    entries: int  # answers they gave, where one person may give several (else 0)
    chart: Markup | None  # the type's SVG (built and escaped by the type's module)
    table: list[tuple[str, int]]  # entries with counts, most frequent first
    answers: list[tuple[str, int]]  # grouped answers with counts (escaped by the template)
    answer_pages: list[list[tuple[str, int]]]  # `answers` cut into printed pages
    empty: bool  # nobody answered yet
    groups: GroupSplit | None = None  # split by the deck's `segment_by` question
    rounds: RoundsCompared | None = None  # its rounds side by side, if asked more than once


@dataclass(frozen=True, slots=True)
class BoardReport:
    """A slide that shows the room's scores (a leaderboard), with the final scores."""

    id: str
    type: str
    kind: str  # the type's name for people, in the session's language
    title: str
    players: int  # participants who scored (answered a scored question)
    chart: Markup | None  # the type's SVG (built and escaped by the type's module)
    empty: bool  # nobody scored


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
    retention_days: int | None = None  # the deck's privacy.retention_days
    deleted_on: str = ""  # when the session and its answers go, once it has ended
    boards: list[BoardReport] = field(default_factory=list)  # leaderboards, after the questions
    min_group: int = 5  # the deck's privacy.min_group: smaller groups and pair sets not shown

    @property
    def running_head(self) -> Markup:
        """The printed pages' header as a CSS string (margin boxes show only CSS content)."""
        return css_string(f"{self.title} · {self.date}")


def question_report(
    question: Question,
    result: dict[str, Any],
    language: str,
    groups: GroupSplit | None = None,
    rounds: RoundsCompared | None = None,
) -> QuestionReport:
    """One question's page, drawn by its type (the report knows no types)."""
    part = question.report_part(result, language)
    return QuestionReport(
        id=question.id,
        type=question.type_name,
        kind=question.label(language),
        prompt=question.prompt,
        subtitle=question.subtitle,
        round=result["round"],
        responses=result["responses"],
        entries=part.entries,
        chart=Markup(part.chart) if part.chart else None,
        table=part.table,
        answers=part.answers,
        answer_pages=answer_pages(part.answers, question.prompt, question.subtitle),
        empty=part.empty,
        groups=groups,
        rounds=rounds,
    )


def board_report(slide: Slide, scores: Scores, language: str) -> BoardReport:
    """A score slide's page, drawn by its type (the report knows no types)."""
    part = slide.scored_report(scores, language)
    return BoardReport(
        id=slide.id,
        type=slide.type_name,
        kind=slide.label(language),
        title=slide.title or slide.label(language),
        players=len(scores.totals),
        chart=Markup(part.chart) if part.chart else None,
        empty=part.empty,
    )


def build_report(data: SessionData) -> Report:
    """Every question in its current round (what the room saw last), in deck order; split
    by the deck's `segment_by` question and with its rounds side by side where it applies."""
    deck = data.deck
    split = data.split_by(deck.segment_by) if deck.segment_by else None
    questions = [
        question_report(
            q,
            data.result(q, data.round_of(q.id)),
            deck.language,
            groups=group_split(data, q, split, deck.language)
            if split and q.id != deck.segment_by
            else None,
            rounds=rounds_compared(data, q, deck.language),
        )
        for q in deck.questions
    ]
    scores = data.scores()
    boards = [board_report(s, scores, deck.language) for s in deck.slides if s.uses_scores]
    return Report(
        title=deck.title,
        event=deck.event,
        language=deck.language,
        code=data.code,
        date=session_dates(data, deck.language),
        participants=data.participants,
        respondents=data.respondents,
        questions=questions,
        retention_days=deck.retention_days,
        deleted_on=_deletion_day(data, deck.retention_days, deck.language),
        boards=boards,
        min_group=deck.min_group,
    )


def _deletion_day(data: SessionData, days: int | None, language: str) -> str:
    if days is None or not data.ended_at:
        return ""
    ended = datetime.fromisoformat(data.ended_at.replace("Z", "+00:00"))
    return long_date(ended + timedelta(days=days), language)


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


def css_string(text: str) -> Markup:
    """`text` as a double-quoted CSS string that nothing in it can end (nor a <style>).

    Every character but letters, digits and spaces becomes a 6-digit escape; the space after
    each is part of the escape (CSS swallows one there), so a space that follows stays."""
    quoted = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x} " for ch in text)
    return Markup(f'"{quoted}"')
