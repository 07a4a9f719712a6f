"""The storage port: what the service needs from a database, and nothing more.

Routes never touch a store; the service does. A store acknowledges a write only once it is
durable (committed), so "answer received" on a phone means the answer survives a crash.
Tallies are always derived from stored responses, never counted separately.

Two implementations share this contract: SQLite (one process, the default) and PostgreSQL
(many workers and hosts). Everything a replica must agree on lives here: sessions and their
presenter state (changed by compare-and-set on its version), participants, responses, and the
secrets every replica shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class StoreUnavailable(Exception):
    """The database cannot take the write right now (disk full, locked, server down): a 503."""


class SessionGone(Exception):
    """The session does not exist (any more): deleted, or never created. A 404."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"there is no session {code}")


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One session: a deck being presented, reachable under a join code."""

    code: str
    deck: str  # the deck's name (its file stem), e.g. "samenwerking"
    title: str
    deck_source: str  # the YAML text the session was created from, kept for exports
    state: dict[str, Any]  # the presenter's state (live slide, voting, reveal, rounds, version)
    created_at: str  # ISO 8601 UTC
    ended_at: str | None = None  # ISO 8601 UTC once ended: read-only from then on
    serving_until: str | None = None  # a server's lease: it serves this session until then

    @property
    def version(self) -> int:
        return int(self.state.get("version", 0))


@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of storing one answer."""

    replaced: bool  # the participant had answered this question in this round before
    # Drawn when the write is queued, increasing per database. For one (session, question,
    # round, participant) the stored answer is always the one with the highest seq, so a
    # consumer of updates (a live tally) keeps the highest-seq update per key; commit order
    # across workers may differ from seq order.
    seq: int


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """One participant's current answer to one question in one round."""

    question: str
    round: int
    participant: str  # the participant id (never exported; see `pseudonym`)
    pseudonym: str  # stable per participant within a session, e.g. "P0007"
    answer: Any  # the normalised answer as JSON-able data
    submitted_at: str  # ISO 8601 UTC of the latest submission


class Store(Protocol):
    """Everything Rondvraag stores. All methods are coroutines and never block the event loop.

    Writes raise StoreUnavailable when the database cannot take them (retryable) and
    SessionGone when the session does not exist.
    """

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def shared_secret(self, name: str, make: Callable[[], str]) -> str:
        """The secret called `name`, created with `make()` by whichever replica asks first."""
        ...

    async def stored_secret(self, name: str) -> str | None:
        """The secret called `name` if one was created (for `rondvraag token`)."""
        ...

    async def open_session(
        self,
        deck: str,
        title: str,
        deck_source: str,
        state: dict[str, Any],
        new_code: Callable[[], str],
    ) -> SessionRecord:
        """The deck's open (not ended) session, or a new one under a fresh code.

        At most one open session per deck, enforced by the database: replicas starting at
        the same moment end up with the same session. `new_code()` proposes join codes.
        """
        ...

    async def create_session(
        self, code: str, deck: str, title: str, deck_source: str, state: dict[str, Any]
    ) -> SessionRecord:
        """Create a session under a given code. Raises ValueError if the code is taken or the
        deck already has an open session."""
        ...

    async def get_session(self, code: str) -> SessionRecord | None: ...

    async def find_session(self, deck: str) -> SessionRecord | None:
        """The deck's open session, so a restarted server resumes it with the same code."""
        ...

    async def list_sessions(self) -> list[SessionRecord]:
        """Every session, newest first."""
        ...

    async def save_state(
        self, code: str, state: dict[str, Any], expected_version: int | None = None
    ) -> bool:
        """Replace the presenter's state; with `expected_version`, only if the stored state
        still has that version (compare-and-set). True if written. Raises SessionGone."""
        ...

    async def end_sessions(self, *, keep: str | None = None, code: str | None = None) -> list[str]:
        """End one open session (`code`), or every open session but `keep`; returns the codes
        ended. An ended session is read-only: no joins, no answers."""
        ...

    async def set_deck(self, code: str, title: str, deck_source: str) -> None:
        """The deck the session serves now (its file was edited while served), so exports and
        the report made later read the same deck. Raises SessionGone."""
        ...

    async def set_serving(self, code: str, until: str | None) -> None:
        """Record that a server serves this session until `until` (ISO 8601 UTC), or no more.
        Raises SessionGone."""
        ...

    async def add_participant(self, code: str, participant: str) -> str:
        """Register a participant (idempotent); returns their pseudonym. Raises SessionGone
        for an unknown or ended session."""
        ...

    async def set_name(self, code: str, participant: str, name: str) -> str:
        """Give a participant (registered if new) a nickname unique in the session (compared
        case-insensitively, `app.domain.nicknames.name_key`): `name` if free or already theirs,
        else the first free of `candidates(name)` ("Anna 2"). Returns the name given. Raises
        SessionGone for an unknown or ended session."""
        ...

    async def names(self, code: str) -> dict[str, str]:
        """Every participant's nickname, or their pseudonym (P0007) if they have none."""
        ...

    async def save_response(
        self, code: str, question: str, round: int, participant: str, answer: Any
    ) -> Saved:
        """Store or replace the participant's answer; returns only after the commit.

        Raises StoreUnavailable if it cannot be committed, SessionGone for an unknown or ended
        session.
        """
        ...

    async def update_response(
        self,
        code: str,
        question: str,
        round: int,
        participant: str,
        change: Callable[[Any | None], Any],
    ) -> tuple[Saved, Any]:
        """Change the participant's answer atomically: `change(current answer or None)`
        returns the new one, and no other write to that row comes between the read and the
        write. For answers built up by several requests (a Q&A participant's questions and
        votes; the presenter's decision on one of them). `change` must be pure: a store may
        run it more than once. What it raises reaches the caller, and nothing is written.
        Returns (Saved, the answer as stored) only after the commit.
        """
        ...

    async def answers(self, code: str, question: str, round: int) -> list[Any]:
        """Current answers to one question in one round, oldest submission first.

        The answers may be shared with the store's cache: treat them as read-only.
        """
        ...

    async def tally_rows(self, code: str, question: str, round: int) -> list[tuple[str, int, Any]]:
        """Every current answer as (participant, seq, answer), to replay into a live tally."""
        ...

    async def tally_check(self, code: str, question: str, round: int) -> tuple[int, int]:
        """(answers, sum of their seqs): a live tally with the same two holds the same answers."""
        ...

    async def participant_answers(
        self, code: str, participant: str, rounds: dict[str, int]
    ) -> dict[str, Any]:
        """One participant's answers, for each question in its given round."""
        ...

    async def responses(self, code: str) -> list[StoredResponse]:
        """Every stored response of a session (all rounds), in submission order; for exports."""
        ...

    async def participant_count(self, code: str) -> int: ...

    async def delete_session(self, code: str) -> bool:
        """Remove a session with all its participants and responses; True if it existed."""
        ...
