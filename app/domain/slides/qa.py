"""Audience Q&A: the room asks questions and upvotes the ones it wants answered.

Where the data lives, and why: a participant's row for the slide (the one answer row every
type has per participant, question and round) holds what that participant did,
`{"asked": [entry, …], "up": [entry id, …]}`, and an entry carries the presenter's decision
about it (`status`, `pinned`). So a vote is durable before it is acknowledged and unique per
participant and entry by the row's own key, a new round starts empty, and the live tally, the
exports and the repair of a stale tally need nothing new: a row's `tally_items` are its
entries (each one item, text and status included) and its votes (`+ID`). Every change to a
row is a read-modify-write done atomically by the store (`Store.update_response`), so two
requests of one participant, or a vote and the presenter's decision on the same row, never
lose each other. The functions that make those changes (`ask`, `vote`, `moderate`) are here,
pure; the session runs them inside the store's transaction.

Results list every entry with its votes, sorted pinned first, then by votes, then oldest
first. Screens (phones, projector) only ever get the visible entries (shown or answered):
pending and hidden entries reach the presenter's remote through an admin request alone.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from .. import crowd
from ..chart import BAR_COLORS, MUTED, TEXT, TRACK, WIDTH, ReportPart, esc, lines, svg, wrap
from ..errors import AnswerError
from ..reader import FieldReader
from .base import Cell, LiveCounts, Question, read_examples, register, text_entries

STATUSES = ("pending", "shown", "hidden", "answered")
VISIBLE = ("shown", "answered")  # what phones and the projector may see
ACTIONS = ("approve", "hide", "answered", "pin", "unpin")
MAX_VOTES = 1000  # upvotes one participant may hold on one slide (a room's worth of entries)
REPORT_BARS = 12  # the report's chart shows the most upvoted; its table lists every entry
_ENTRY = "e"  # tally item prefixes: an entry (JSON), a vote (+ the entry id)
_VOTE = "+"
WORDS = {
    "nl": {"votes": "{n} stemmen", "answered": "beantwoord", "hidden": "verborgen",
           "pending": "wacht", "pinned": "vastgezet"},
    "en": {"votes": "{n} votes", "answered": "answered", "hidden": "hidden",
           "pending": "waiting", "pinned": "pinned"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    """One asked question as results show it."""

    id: str
    text: str
    at: str  # when it was asked (ISO 8601 UTC, the server's clock): "oldest first" on ties
    status: str
    pinned: bool
    votes: int = 0

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "votes": self.votes,
            "status": self.status,
            "pinned": self.pinned,
            "at": self.at,
        }


@register("qa")
@dataclass(frozen=True, slots=True, kw_only=True)
class QandA(Question):
    labels: ClassVar[dict[str, str]] = {"nl": "Vragen uit de zaal", "en": "Audience Q&A"}
    moderation: bool = False  # new entries wait for the presenter's approval
    max_length: int = 280
    max_questions: int = 5  # entries one participant may ask
    examples: tuple[str, ...] = ()  # what a rehearsal's simulated room asks, commonest first

    # The entries list grows with the room and changes a little per update: sent as changes.
    live_list: ClassVar[str | None] = "entries"

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> QandA:
        made = cls(
            **common,
            **Question.read_common(reader),
            moderation=reader.flag("moderation", default=False),
            max_length=reader.integer("max_length", default=280, low=1, high=1000),
            max_questions=reader.integer("max_questions", default=5, low=1, high=20),
        )
        examples = read_examples(reader, 1000, lambda texts: made.clean_question(texts[0]))
        return replace(made, examples=examples) if examples else made

    def public(self) -> dict[str, Any]:
        view = Question.public(self)
        view.update(
            moderation=self.moderation,
            max_length=self.max_length,
            max_questions=self.max_questions,
        )
        return view

    # --- what participants and the presenter change (run inside the store's transaction) --

    def check_answer(self, raw: Any) -> Any:
        raise AnswerError(
            "a Q&A slide is not answered as a whole: ask with POST /api/sessions/{code}/qa/"
            f"{self.id} and vote with POST /api/sessions/{{code}}/qa/{self.id}/{{entry_id}}/vote"
        )

    def clean_question(self, raw: Any) -> str:
        """The text of a question as asked: cleaned as an open answer is, one entry."""
        if not isinstance(raw, str):
            raise AnswerError("'text' must be the question, as text")
        return text_entries(raw, max_answers=1, max_length=self.max_length, single_line=False)[0]

    def ask(self, row: Any, entry_id: str, text: str, at: str) -> dict[str, Any]:
        """The participant's row with one more entry (`text` already cleaned)."""
        current = _row(row)
        if len(current["asked"]) >= self.max_questions:
            raise AnswerError(
                f"you have asked {len(current['asked'])} questions here, the most this slide "
                f"takes from one person ({self.max_questions})"
            )
        entry = {
            "id": entry_id,
            "text": text,
            "at": at,
            "status": "pending" if self.moderation else "shown",
            "pinned": False,
        }
        return {**current, "asked": [*current["asked"], entry]}

    def simulate(self, rng: random.Random, count: int) -> list[Any]:
        """About one in four asks (the examples, else the slide's words); everyone upvotes one
        to three of the others' entries, a few entries drawing most votes. Rows are made by
        `ask`, `moderate` and `vote`, as real requests make them; asked "in 2000", so a real
        question asked during the rehearsal is the newest. On a moderated slide most entries
        are approved and some wait."""
        pool = crowd.vocabulary(self.examples, [self.prompt, self.subtitle], self.max_length)
        texts = crowd.Picker(pool, crowd.zipf_weights(len(pool), 0.5))
        start = datetime(2000, 1, 1, tzinfo=UTC)
        rows: list[Any] = [None] * count
        entries: list[tuple[int, str]] = []  # (asker, entry id)
        for person in range(count):
            asking = rng.random() < 0.25 or (person == count - 1 and not entries)
            for _ in range(crowd.how_many(rng, self.max_questions) if asking else 0):
                entry_id = f"rehearsal-{person}-{len(entries)}"
                at = (start + timedelta(seconds=len(entries))).isoformat().replace("+00:00", "Z")
                row = self.ask(rows[person], entry_id, self.clean_question(texts.one(rng)), at)
                if self.moderation and rng.random() < 0.8:
                    row = self.moderate(row, entry_id, "approve")
                rows[person] = row
                entries.append((person, entry_id))
        popular = crowd.Picker(entries, crowd.skewed_weights(rng, len(entries)))
        for person in range(count):
            for asker, entry_id in popular.distinct(rng, crowd.how_many(rng, 3)):
                if asker != person:
                    rows[person] = self.vote(rows[person], entry_id, True)
        return rows

    def vote(self, row: Any, entry_id: str, up: bool) -> dict[str, Any]:
        """The participant's row with their vote on one entry given (`up`) or taken back."""
        current = _row(row)
        votes = [v for v in current["up"] if v != entry_id]
        if up:
            if len(votes) >= MAX_VOTES:
                raise AnswerError(f"at most {MAX_VOTES} upvotes per person on one slide")
            votes.append(entry_id)
        return {**current, "up": votes}

    def moderate(self, row: Any, entry_id: str, action: str) -> dict[str, Any]:
        """The author's row with the presenter's decision on one of its entries.

        approve: shown; hide: hidden (and unpinned); answered: answered (and unpinned);
        pin: pinned (and shown, if it was waiting or hidden); unpin: no longer pinned."""
        if action not in ACTIONS:
            raise AnswerError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        current = _row(row)
        asked = []
        for entry in current["asked"]:
            if entry.get("id") == entry_id:
                entry = {**entry, **_decision(entry, action)}
            asked.append(entry)
        return {**current, "asked": asked}

    @staticmethod
    def entry_ids(row: Any) -> list[str]:
        """The entries a row asked."""
        return [str(e.get("id")) for e in _row(row)["asked"]]

    # --- results ---------------------------------------------------------------------------

    def tally_items(self, answer: Any) -> list[str]:
        """Each asked entry as one item (its fields as JSON), each vote as `+ID`."""
        try:
            row = _row(answer)
        except AnswerError:
            return []  # an answer to an earlier version of the deck
        items = [
            _ENTRY
            + json.dumps(
                [e["id"], e["at"], e["status"], bool(e["pinned"]), e["text"]],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for e in row["asked"]
        ]
        return items + [_VOTE + v for v in row["up"]]

    def tally(self, answers: list[Any]) -> dict[str, Any]:
        """Every entry with its votes and status, pinned first, then by votes, then oldest."""
        counts = Counter(item for answer in answers for item in self.tally_items(answer))
        entries = _entries(counts)
        return {
            "entries": [e.public() for e in entries],
            "pending": sum(e.status == "pending" for e in entries),
            "hidden": sum(e.status == "hidden" for e in entries),
        }

    def live_top(self, size: int) -> int | None:
        return None  # every entry is one item of count 1: the top counts would miss most

    def live_result(self, tally: LiveCounts, size: int) -> dict[str, Any]:
        """What a screen may see: the visible entries, the first `size` in result order and
        the `size` newest (a phone sorts by votes or by newest), with the counts of all."""
        entries = _entries(tally.counts)
        return visible_view([e.public() for e in entries], size)

    # --- exports and the report --------------------------------------------------------------

    def export_items(self, answer: Any) -> list[tuple[str, str, Cell]]:
        """One row per question asked (its text) and per upvote given."""
        try:
            row = _row(answer)
        except AnswerError:
            return Question.export_items(self, answer)
        return [(e["id"], "asked", e["text"]) for e in row["asked"]] + [
            (v, "upvote", 1) for v in row["up"]
        ]

    def summary_items(self, result: dict[str, Any]) -> list[tuple[str, str, int, Cell, str]]:
        """One row per entry: its votes as the count, its status (and pin) as distribution."""
        rows: list[tuple[str, str, int, Cell, str]] = [
            (
                e["id"],
                e["text"],
                e["votes"],
                None,
                f"status:{e['status']}" + ("; pinned" if e["pinned"] else ""),
            )
            for e in result["entries"]
        ]
        return rows or [("", "", 0, None, "")]

    def report_part(self, result: dict[str, Any], language: str) -> ReportPart:
        """A bar per entry by votes (the most upvoted), and a table of every entry."""
        entries = result["entries"]
        if not entries:
            return ReportPart(empty=True)
        words = WORDS.get(language, WORDS["nl"])
        shown = entries[:REPORT_BARS]
        most = max((e["votes"] for e in shown), default=0) or 1
        label_x, bar_x, bar_w = 0, 470, 300
        body: list[str] = []
        y = 8.0
        for place, entry in enumerate(shown):
            texts = wrap(entry["text"], 44, 3)
            height = max(44.0, len(texts) * 21.0 + 12)
            mid = y + height / 2
            fill = entry["votes"] / most * bar_w
            marks = [words[s] for s in ("pending", "hidden", "answered") if entry["status"] == s]
            if entry["pinned"]:
                marks.insert(0, words["pinned"])
            color = BAR_COLORS[place % len(BAR_COLORS)]
            body.append(
                f'<g class="bar" data-id="{esc(entry["id"])}" data-count="{entry["votes"]}" '
                f'data-status="{esc(entry["status"])}" '
                f'data-pinned="{str(entry["pinned"]).lower()}">'
                + lines(label_x, mid, texts, 16, fill=TEXT)
                + f'<rect x="{bar_x}" y="{mid - 12:.1f}" width="{bar_w}" height="24" rx="4" '
                f'fill="{TRACK}"/>'
                + (
                    f'<rect class="bar-fill" x="{bar_x}" y="{mid - 12:.1f}" width="{fill:.1f}" '
                    f'height="24" rx="4" fill="{color}"/>'
                    if fill
                    else ""
                )
                + f'<text x="{WIDTH}" y="{mid:.1f}" font-size="17" text-anchor="end" '
                f'dominant-baseline="central" fill="{TEXT}">'
                f'<tspan font-weight="700">{esc(words["votes"].format(n=entry["votes"]))}</tspan>'
                + (f'<tspan fill="{MUTED}"> · {esc(", ".join(marks))}</tspan>' if marks else "")
                + "</text></g>"
            )
            y += height
        table = [(e["text"], int(e["votes"])) for e in entries]
        return ReportPart(
            chart=svg(y + 8, self.prompt, body), table=table, entries=len(entries), empty=False
        )


def visible_view(entries: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """Of entries in result order: what screens see (see `QandA.live_result`)."""
    visible = [e for e in entries if e["status"] in VISIBLE]
    newest = sorted(visible, key=lambda e: (e["at"], e["id"]), reverse=True)[:size]
    keep = {e["id"] for e in visible[:size]} | {e["id"] for e in newest}
    return {
        "entries": [e for e in visible if e["id"] in keep],
        "visible": len(visible),
        "pending": sum(e["status"] == "pending" for e in entries),
        "hidden": sum(e["status"] == "hidden" for e in entries),
    }


def _decision(entry: dict[str, Any], action: str) -> dict[str, Any]:
    if action == "approve":
        return {"status": "shown"}
    if action == "hide":
        return {"status": "hidden", "pinned": False}
    if action == "answered":
        return {"status": "answered", "pinned": False}
    if action == "pin":
        shown = entry.get("status") in ("pending", "hidden")
        return {"pinned": True, **({"status": "shown"} if shown else {})}
    return {"pinned": False}


def _row(answer: Any) -> dict[str, Any]:
    """A participant's row, or an empty one; refuses what is not a Q&A row."""
    if answer is None:
        return {"asked": [], "up": []}
    if not (
        isinstance(answer, dict)
        and isinstance(answer.get("asked", []), list)
        and isinstance(answer.get("up", []), list)
    ):
        raise AnswerError("this stored answer is not a Q&A row")
    return {"asked": list(answer.get("asked", [])), "up": list(answer.get("up", []))}


def _entries(counts: dict[str, int]) -> list[Entry]:
    """Entries with their votes from tally counts, in result order."""
    votes = {item[1:]: n for item, n in counts.items() if item.startswith(_VOTE)}
    entries = []
    for item in counts:
        if not item.startswith(_ENTRY):
            continue
        ident, at, status, pinned, text = json.loads(item[1:])
        entries.append(Entry(ident, text, at, status, pinned, votes.get(ident, 0)))
    return sorted(entries, key=lambda e: (not e.pinned, -e.votes, e.at, e.id))
