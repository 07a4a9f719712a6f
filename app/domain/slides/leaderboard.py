"""Leaderboard: the top of the room by total points over the deck's scored questions (quizzes).

Totals count each quiz question's answers in its current round (a reset round starts over).
Places are competition ranks: equal totals share a place and the next place skips (1, 2, 2, 4).
Within a shared place names are listed alphabetically. The projector shows the first `size`
rows (default 10: readable from the back row), cut at `size` even inside a tie; each phone
shows its own place among everyone who scored (`standing`).

Names are the participants' nicknames (the server keeps them unique per session); a
participant who never gave one is listed by their pseudonym (P0007).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..chart import BAR_COLORS, Bar, BarLayout, ReportPart, bar_rows, svg, whole
from ..reader import FieldReader
from .base import Scores, Slide, register

DEFAULT_SIZE = 10
WORDS = {
    "nl": {"points": "punten", "title": "Klassement"},
    "en": {"points": "points", "title": "Leaderboard"},
}


def ranked(scores: Scores) -> list[dict[str, Any]]:
    """Everyone who answered a scored question: name, score and place, best first."""
    rows = sorted(
        ((scores.names.get(p, p), total) for p, total in scores.totals.items()),
        key=lambda row: (-row[1], row[0].casefold(), row[0]),
    )
    board: list[dict[str, Any]] = []
    for index, (name, total) in enumerate(rows):
        same = board and board[-1]["score"] == total
        rank = board[-1]["rank"] if same else index + 1
        board.append({"name": name, "score": total, "rank": rank})
    return board


@register("leaderboard")
@dataclass(frozen=True, slots=True, kw_only=True)
class Leaderboard(Slide):
    labels: ClassVar[dict[str, str]] = {"nl": "Klassement", "en": "Leaderboard"}
    uses_scores: ClassVar[bool] = True

    size: int = DEFAULT_SIZE

    @classmethod
    def parse(cls, reader: FieldReader, common: dict[str, Any]) -> Leaderboard:
        size = reader.integer("size", default=DEFAULT_SIZE, low=1, high=DEFAULT_SIZE)
        return cls(**common, size=size)

    def public(self) -> dict[str, Any]:
        view = Slide.public(self)
        view["size"] = self.size
        return view

    def public_scored(self, scores: Scores) -> dict[str, Any]:
        view = self.public()
        view["leaderboard"] = ranked(scores)[: self.size]
        view["players"] = len(scores.totals)
        return view

    def scored_result(self, scores: Scores) -> dict[str, Any]:
        """Everyone's place, not only the top shown on the projector."""
        return {"leaderboard": ranked(scores)}

    def standing(self, scores: Scores, participant: str) -> dict[str, Any]:
        """This participant's name, total and place (`rank` None: they scored nothing yet)."""
        name = scores.names.get(participant, "")
        if participant not in scores.totals:
            return {"name": name, "score": 0, "rank": None, "of": len(scores.totals)}
        mine = scores.totals[participant]
        above = sum(1 for total in scores.totals.values() if total > mine)
        return {"name": name, "score": mine, "rank": above + 1, "of": len(scores.totals)}

    def scored_report(self, scores: Scores, language: str) -> ReportPart:
        """The top `size` as the projector showed it last: a bar per name, as long as its
        share of the best total, with its place; equal totals share a place and a colour."""
        if not scores.totals:
            return ReportPart(empty=True)
        words = WORDS.get(language, WORDS["nl"])
        board = ranked(scores)[: self.size]
        best = max(board[0]["score"], 1)
        bars = [
            Bar(
                id=row["name"],
                label=f"{row['rank']}. {row['name']}",
                fraction=row["score"] / best,
                color=BAR_COLORS[(row["rank"] - 1) % len(BAR_COLORS)],
                value=whole(row["score"], language),
                detail=f" {words['points']}",
                data=(("rank", row["rank"]), ("score", row["score"])),
                filled=row["score"] > 0,
            )
            for row in board
        ]
        rows, height = bar_rows(bars, BarLayout(bar_x=340, bar_w=420, wrap=30), 0.0)
        return ReportPart(chart=svg(height, self.title or words["title"], rows))
