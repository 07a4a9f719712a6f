"""What only the presenter's screens add to the live result: groups and rounds.

With a split on (`split_by`, key G), the projector draws the live question per group of an
earlier choice question's answer; with rounds compared (`compare_rounds`, key C), its rounds
side by side; with both, its rounds per group, each group with its own paired shift. All are
counted from the stored answers, not the live tally, so they are exact and carry the same
intervals, suppression and noise notes as `/results`. Reading every answer for each vote
would cost the room's speed, so they are recounted at most once a second while votes come in
(the bars of the whole room stay live), and only when something they depend on changed.
Phones never get any of it: the phones' view is built elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .coalesce import Coalescer
from .domain import segments
from .domain.moderation import EntryRules
from .domain.rounds import Split
from .domain.slides import Question
from .domain.slides.choice import Choice
from .ports.tally import TallySnapshot

if TYPE_CHECKING:
    from .live import LiveSession

FACETS_INTERVAL = 1.0  # at most one recount a second while votes arrive

Want = tuple[str, int, str | None, int, bool, EntryRules]


class Facets:
    """One session's newest presenter-only additions to the live question's result."""

    def __init__(self, session: LiveSession, ready: Callable[[], None]) -> None:
        self._session = session
        self._ready = ready  # told when new additions are there (the results are sent again)
        self._asked: tuple[Want, int, int] | None = None
        self._latest: tuple[tuple[Want, int, int], dict[str, Any]] | None = None
        self._recount = Coalescer(self._count, FACETS_INTERVAL)

    def _want(self, question: Question) -> Want | None:
        """What the additions depend on, besides the answers (None: nothing to add)."""
        state = self._session.state
        splitter = self._session.deck.question(state.split_by) if state.split_by else None
        if not isinstance(splitter, Choice) and not state.compare_rounds:
            return None
        by = splitter.id if isinstance(splitter, Choice) else None
        return (
            question.id,
            state.round_of(question.id),
            by,
            state.round_of(by) if by else 0,
            state.compare_rounds,
            self._session.entry_rules(question),
        )

    def for_view(self, question: Question, snapshot: TallySnapshot) -> dict[str, Any]:
        """What to add to the presenter's view of `question` now: the newest count for the
        same split and rounds (perhaps a moment behind the live bars); a fresh count is
        asked for when the answers changed since."""
        want = self._want(question)
        if want is None:
            return {}
        asked = (want, snapshot.respondents, snapshot.seq_sum)
        latest = self._latest
        if latest is None or latest[0] != asked:
            self._asked = asked
            self._recount.poke()
        return latest[1] if latest is not None and latest[0][0] == want else {}

    async def _count(self) -> None:
        asked = self._asked
        session = self._session
        question = session.live_question
        if asked is None or question is None or asked[0][0] != question.id:
            return
        _, _, by, _, compare, _ = asked[0]
        added: dict[str, Any] = {}
        splitter = session.deck.question(by) if by else None
        split: Split | None = None
        if isinstance(splitter, Choice):
            groups = segments.membership(await session.answer_rows(splitter))
            split = (splitter, groups)
            rows = await session.answer_rows(question)
            added.update(
                segments.split_result(
                    question,
                    rows,
                    groups,
                    splitter,
                    session.deck.min_group,
                    session.visible_to_all(question),
                )
            )
        if compare:
            # Both on: each round split by the same groups, each group with its own shift.
            added["rounds"] = await session.every_round(question, split)
        if self._want(question) == asked[0]:  # still what the presenter looks at
            self._latest = (asked, added)
            self._ready()

    async def aclose(self) -> None:
        await self._recount.aclose()
