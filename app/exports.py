"""Session results as files: per-answer CSV, summary CSV and one JSON document. Pure, no web.

Why this shape: the HTTP endpoints and the `rondvraag export` command must give byte-identical
files, so both gather a `SessionData` (deck, current rounds, stored responses) and hand it to
the same functions here. Tallies are recomputed with each question's own `tally`, the same
code the projector uses, so an export never disagrees with what the room saw.

CSV safety (OWASP "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading `'`, so Excel and LibreOffice show it as text instead of running
it as a formula. Numbers (scale values, counts, percentages, means) are written as numbers and
never guarded: `-2` is a value, not a formula. Quoting is left to `csv.writer` (QUOTE_MINIMAL),
so quotes, commas, semicolons and newlines inside answers survive a round trip.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from .domain import moderation, rounds, segments
from .domain.chart import percent
from .domain.deck import Deck
from .domain.errors import DeckError
from .domain.loader import parse_deck
from .domain.presenter import PresenterState
from .domain.slides import Question
from .domain.slides.base import Cell, FreeText, Scores, scored_results
from .domain.slides.choice import Choice
from .ports.store import Store, StoredResponse, StoreUnavailable

Format = Literal["csv", "summary", "json"]

FORMATS: tuple[Format, ...] = ("csv", "summary", "json")
DELIMITERS: dict[str, str] = {"comma": ",", "semicolon": ";"}
EXPORT_FORMAT = "rondvraag-export"
EXPORT_VERSION = 1

ANSWER_COLUMNS = (
    "session",
    "question_id",
    "question",
    "type",
    "round",
    "item",
    "item_label",
    "answer",
    "participant",
    "submitted_at",
    "hidden",
    "status",
    "merged_into",
)
SUMMARY_COLUMNS = (
    "session",
    "question_id",
    "question",
    "type",
    "round",
    "item",
    "label",
    "responses",
    "count",
    "percent",
    "mean",
    "distribution",
)

# `?by=QID`: the summary per group (an option of that choice question, or `_none`).
GROUP_COLUMNS = (*SUMMARY_COLUMNS[:5], "group_by", "group", *SUMMARY_COLUMNS[5:])
SUPPRESSED_LABEL = "suppressed: fewer than {n} in this group"

# OWASP: cells starting with these are taken as formulas by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class ExportError(Exception):
    """The export cannot be made (unknown session, unreadable deck, bad option); says why."""


@dataclass(frozen=True, slots=True)
class SessionData:
    """Everything an export or report needs about one session, read once from the store."""

    code: str
    deck: Deck
    created_at: str  # ISO 8601 UTC
    rounds: dict[str, int]  # the current round of every question (what the projector shows)
    participants: int  # everyone who joined, answered or not
    responses: list[StoredResponse]  # every round, in submission order
    ended_at: str | None = None  # ISO 8601 UTC once the session ended
    # Entries the presenter hid, per question: out of results and report, marked in exports.
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)
    # Participant id -> nickname (or pseudonym), read only for a deck with a score slide.
    names: dict[str, str] = field(default_factory=dict)
    # Entries the presenter approved, and word-cloud entries merged by hand, per question.
    approved: dict[str, frozenset[str]] = field(default_factory=dict)
    merged: dict[str, dict[str, str]] = field(default_factory=dict)

    def round_of(self, question_id: str) -> int:
        return self.rounds.get(question_id, 1)

    @property
    def respondents(self) -> int:
        """How many different people answered anything."""
        return len({r.pseudonym for r in self.responses})

    def answers(self, question_id: str, round_: int) -> list[Any]:
        """The stored answers to one question in one round, oldest submission first."""
        return [answer for _, _, answer in self.rows(question_id, round_)]

    def rows(self, question_id: str, round_: int) -> list[segments.Row]:
        """One question's answers in one round as (participant, 0, answer), as the store's
        tally rows are (the groups and rounds are counted from these, as live)."""
        return [
            (r.participant, 0, r.answer)
            for r in self.responses
            if r.question == question_id and r.round == round_
        ]

    def visible(self, question: Question) -> rounds.Visible:
        """A result of `question` as the room may see it (merges applied, hidden and held
        entries out)."""
        rules = self.entry_rules(question.id)
        return lambda result: moderation.visible(question, result, rules)

    def split_by(self, by: str) -> rounds.Split | None:
        """Choice question `by` and who picked what on it in its current round (None: `by`
        is not a choice question of the deck)."""
        splitter = self.deck.question(by)
        if not isinstance(splitter, Choice):
            return None
        return splitter, segments.membership(self.rows(by, self.round_of(by)))

    def split(self, question: Question, split: rounds.Split) -> dict[str, Any]:
        """The question's current round by group, as `GET /results?by=` gives it."""
        splitter, groups = split
        return segments.split_result(
            question,
            self.rows(question.id, self.round_of(question.id)),
            groups,
            splitter,
            self.deck.min_group,
            self.visible(question),
        )

    def every_round(self, question: Question) -> list[dict[str, Any]]:
        """The question's result in each round up to the last, as `GET /results?rounds=all`
        has them: a scale's rounds after the first with their paired shift."""
        last = max(self.rounds_of(question.id))
        rows = [self.rows(question.id, number) for number in range(1, last + 1)]
        return rounds.every_round(question, rows, self.deck.min_group, self.visible(question))

    def rounds_of(self, question_id: str) -> list[int]:
        """Every round with answers, plus the current one (even when it is still empty)."""
        seen = {r.round for r in self.responses if r.question == question_id}
        return sorted(seen | {self.round_of(question_id)})

    def scores(self) -> Scores:
        """Everyone's total over the deck's scored questions (current rounds), as live."""
        answers = [
            (question, r.participant, r.answer)
            for question in self.deck.questions
            if question.scored
            for r in self.responses
            if r.question == question.id and r.round == self.round_of(question.id)
        ]
        return Scores.of(answers, self.names)

    def scored_results(self) -> dict[str, Any]:
        """What the deck's score slides add to the results, as GET /results has it."""
        if not any(s.uses_scores for s in self.deck.slides):
            return {}
        return scored_results(self.deck.slides, self.scores())

    def entry_rules(self, question_id: str) -> moderation.EntryRules:
        return moderation.EntryRules(
            mode=self.deck.moderation,
            hidden=self.hidden.get(question_id, frozenset()),
            approved=self.approved.get(question_id, frozenset()),
            merged=self.merged.get(question_id, {}),
        )

    def result(
        self, question: Question, round_: int, answers: list[Any] | None = None
    ) -> dict[str, Any]:
        """The RESULT of the protocol for one question and round (of `answers`, if given:
        a group's), as a phone may see it: no hidden or held entries, merges applied."""
        answers = self.answers(question.id, round_) if answers is None else answers
        result = {
            "id": question.id,
            "type": question.type_name,
            "round": round_,
            "responses": len(answers),
            **question.tally(answers),
        }
        shown = moderation.visible(question, result, self.entry_rules(question.id))
        return segments.with_intervals(shown)  # the same RESULT as GET /results


async def load_session_data(store: Store, code: str) -> SessionData:
    """Read a session from the store alone (no running server), deck from its stored YAML.

    Raises ExportError for an unknown session or a stored deck that no longer parses.
    """
    record = await store.get_session(code)
    if record is None:
        known = ", ".join(f"{r.code} ({r.title})" for r in await store.list_sessions())
        raise ExportError(f"no session {code!r}" + (f"; sessions here: {known}" if known else ""))
    try:
        deck = parse_deck(record.deck_source, filename=f"{record.deck}.yaml", name=record.deck)
    except DeckError as exc:
        raise ExportError(f"the stored deck of session {code} does not load: {exc}") from None
    state = PresenterState.from_json(record.state, deck) if record.state else PresenterState()
    return SessionData(
        code=record.code,
        deck=deck,
        created_at=record.created_at,
        rounds={q.id: state.round_of(q.id) for q in deck.questions},
        participants=await store.participant_count(code),
        responses=await store.responses(code),
        ended_at=record.ended_at,
        hidden={q.id: state.hidden_in(q.id) for q in deck.questions},
        names=await names_for(store, code, deck),
        approved={q.id: state.approved_in(q.id) for q in deck.questions},
        merged={q.id: state.merged_in(q.id) for q in deck.questions},
    )


async def names_for(store: Store, code: str, deck: Deck) -> dict[str, str]:
    """The participants' nicknames, if the deck shows scores (else not read at all)."""
    return await store.names(code) if any(s.uses_scores for s in deck.slides) else {}


# --- per-answer rows ----------------------------------------------------------------------------


def answer_rows(data: SessionData) -> list[list[Cell]]:
    """One row per answered item, grouped by question (deck order) and round, oldest first."""
    order = {q.id: i for i, q in enumerate(data.deck.questions)}
    ordered = sorted(data.responses, key=lambda r: (order.get(r.question, len(order)), r.round))
    rows: list[list[Cell]] = []
    for response in ordered:
        question = data.deck.question(response.question)
        prompt = question.prompt if question else ""
        kind = question.type_name if question else ""
        hidden = data.hidden.get(response.question, frozenset())
        rules = data.entry_rules(response.question)
        free_text = isinstance(question, FreeText)
        for item, item_label, value in answer_items(question, response.answer):
            text = value if free_text and isinstance(value, str) else None
            rows.append(
                [
                    data.code,
                    response.question,
                    prompt,
                    kind,
                    response.round,
                    item,
                    item_label,
                    value,
                    response.pseudonym,
                    response.submitted_at,
                    "yes" if isinstance(value, str) and value in hidden else "",
                    rules.status(text) if text is not None else "",
                    rules.shown_as(text) if text is not None and text in rules.merged else "",
                ]
            )
    return rows


def answer_items(question: Question | None, answer: Any) -> list[tuple[str, str, Cell]]:
    """An answer split into (item, item_label, answer) cells, as its question's type says; an
    answer to a question no longer in the deck stays one row of JSON text."""
    if question is None:
        return [("", "", json.dumps(answer, ensure_ascii=False))]
    return question.export_items(answer)


# --- summary rows -------------------------------------------------------------------------------


def summary_rows(data: SessionData) -> list[list[Cell]]:
    """One row per question, round and option/statement/entry: counts, percentages, means.

    `percent` is the share of that round's respondents (so multi-pick choices may add up to
    more than 100). Every round with answers is listed; the highest round is the current one.
    """
    rows: list[list[Cell]] = []
    for question in data.deck.questions:
        for round_ in data.rounds_of(question.id):
            result = data.result(question, round_)
            head: list[Cell] = [data.code, question.id, question.prompt, question.type_name]
            for item, label, count, mean, distribution in question.summary_items(result):
                rows.append(
                    [
                        *head,
                        round_,
                        item,
                        label,
                        result["responses"],
                        count,
                        percent(count, result["responses"]),
                        mean,
                        distribution,
                    ]
                )
    return rows


def group_rows(data: SessionData, by: str) -> list[list[Cell]]:
    """The summary split by the answer to choice question `by` (its current round): a block
    of rows per group, as `summary_rows` has per question and round. A group with fewer
    respondents to a question than the deck's `min_group` is one row saying so, without a
    count or its size (the per-answer CSV keeps every row; this file may be passed around)."""
    splitter = data.deck.question(by)
    if not segments.can_split_by(splitter):
        raise ExportError(f"{by!r} is not a choice question of this deck")
    assert splitter is not None
    round_by = data.round_of(by)
    members = segments.membership(
        (r.pseudonym, 0, r.answer)
        for r in data.responses
        if r.question == by and r.round == round_by
    )
    groups = [option.id for option in getattr(splitter, "options", ())] + [segments.NO_ANSWER]
    least = data.deck.min_group
    rows: list[list[Cell]] = []
    for question in data.deck.questions:
        head: list[Cell] = [data.code, question.id, question.prompt, question.type_name]
        for round_ in data.rounds_of(question.id):
            by_group: dict[str, list[Any]] = {g: [] for g in groups}
            for r in data.responses:
                if r.question != question.id or r.round != round_:
                    continue
                for group in members.get(r.pseudonym) or [segments.NO_ANSWER]:
                    if group in by_group:
                        by_group[group].append(r.answer)
            for group, answers in by_group.items():
                if len(answers) < least:
                    label = SUPPRESSED_LABEL.format(n=least)
                    rows.append([*head, round_, by, group, "", label, None, None, None, None, ""])
                    continue
                result = data.result(question, round_, answers)
                n = result["responses"]
                for item, label, count, mean, dist in question.summary_items(result):
                    share = percent(count, n)
                    rows.append(
                        [*head, round_, by, group, item, label, n, count, share, mean, dist]
                    )
    return rows


# --- JSON ---------------------------------------------------------------------------------------


def document(data: SessionData, exported_at: str | None = None) -> dict[str, Any]:
    """The whole session as one JSON-able document: deck, responses and tallies.

    `results` holds each question's current round (as `GET /results` does), and a deck with
    a leaderboard its full standings (`leaderboard`, as there); `earlier_results` the rounds a
    presenter reset, so their answers are not lost.
    """
    deck = data.deck
    results = []
    earlier = []
    for question in deck.questions:
        current = data.round_of(question.id)
        for round_ in data.rounds_of(question.id):
            (results if round_ == current else earlier).append(data.result(question, round_))
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at or now_iso(),
        "session": {
            "code": data.code,
            "deck": deck.name,
            "title": deck.title,
            "event": deck.event,
            "date": deck.date,
            "language": deck.language,
            "created_at": data.created_at,
            "participants": data.participants,
            "respondents": data.respondents,
            "rounds": {q.id: data.round_of(q.id) for q in deck.questions},
        },
        "deck": {**deck.summary(), "source": deck.source},
        "results": results,
        **data.scored_results(),
        "earlier_results": earlier,
        "responses": [
            {
                "question": r.question,
                "round": r.round,
                "participant": r.pseudonym,
                "answer": r.answer,
                "submitted_at": r.submitted_at,
            }
            for r in data.responses
        ],
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- writing ------------------------------------------------------------------------------------


def guard(text: str) -> str:
    """A text cell made safe to open in a spreadsheet: formula starters get a leading `'`."""
    return "'" + text if text.startswith(FORMULA_START) else text


def format_cell(value: Cell, decimal: str = ".") -> str:
    """Numbers as numbers (decimal comma for Dutch Excel), text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", decimal)
    return guard(str(value))


def csv_text(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], delimiter: str = "comma"
) -> str:
    """CSV with a byte-order mark and CRLF line ends, as Excel expects.

    `semicolon` is for Excel with Dutch or Belgian regional settings, which splits columns on
    `;` and reads `3,5` as a number; it writes decimal commas too.
    """
    if delimiter not in DELIMITERS:
        raise ExportError(f"unknown delimiter {delimiter!r} (known: {', '.join(DELIMITERS)})")
    separator = DELIMITERS[delimiter]
    decimal = "," if separator == ";" else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_cell(cell, decimal) for cell in row])
    return BOM + out.getvalue()


def render(data: SessionData, fmt: str, delimiter: str = "comma", by: str | None = None) -> bytes:
    """The export file's bytes in one of FORMATS (the summary split by choice question `by`,
    if given). Raises ExportError for an unknown format or `by`."""
    if fmt == "csv":
        return csv_text(ANSWER_COLUMNS, answer_rows(data), delimiter).encode("utf-8")
    if fmt == "summary" and by:
        return csv_text(GROUP_COLUMNS, group_rows(data, by), delimiter).encode("utf-8")
    if fmt == "summary":
        return csv_text(SUMMARY_COLUMNS, summary_rows(data), delimiter).encode("utf-8")
    if fmt == "json":
        text = json.dumps(document(data), ensure_ascii=False, indent=2) + "\n"
        return text.encode("utf-8")
    raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def media_type(fmt: str) -> str:
    return "application/json" if fmt == "json" else "text/csv; charset=utf-8"


def filename(data: SessionData, fmt: str) -> str:
    """A download name that says what it is: rondvraag-samenwerking-123456-summary.csv."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", data.deck.name).strip("-") or "session"
    suffix = {"csv": ".csv", "summary": "-summary.csv", "json": ".json"}[fmt]
    return f"rondvraag-{stem}-{data.code}{suffix}"


# --- without a server (the `rondvraag export` and `rondvraag delete` commands) --------------------


async def export_session(
    store: Store, code: str, fmt: str, delimiter: str = "comma"
) -> tuple[bytes, str]:
    """Open the store, render one session's export, close. Returns (bytes, a one-line summary)."""
    await _open(store)
    try:
        data = await load_session_data(store, code)
    finally:
        await store.close()
    body = render(data, fmt, delimiter)
    return body, (
        f"session {data.code} ({data.deck.title}): {len(data.responses)} responses "
        f"from {data.respondents} participants, {fmt}"
    )


async def delete_session(store: Store, code: str) -> str:
    """Remove a session and every response of it from the database file; says what went."""
    await _open(store)
    try:
        record = await store.get_session(code)
        if record is None:
            known = ", ".join(f"{r.code} ({r.title})" for r in await store.list_sessions())
            raise ExportError(
                f"no session {code!r}" + (f"; sessions here: {known}" if known else "")
            )
        if record.serving_until and record.serving_until > _now_iso():
            raise ExportError(
                f"session {code} is being served right now; delete it from that server"
                f" (DELETE /api/sessions/{code} with the admin token), which also closes the"
                f" phones' connections, or stop the server first (if none is running, its"
                f" lease ends at {record.serving_until})"
            )
        responses = len(await store.responses(code))
        participants = await store.participant_count(code)
        await store.delete_session(code)
    finally:
        await store.close()
    return (
        f"deleted session {code} ({record.title}): {responses} responses, "
        f"{participants} participants"
    )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _open(store: Store) -> None:
    try:
        await store.open()
    except StoreUnavailable as exc:
        raise ExportError(str(exc)) from None
