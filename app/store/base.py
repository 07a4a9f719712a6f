"""The storage port: what the service needs from a database, and nothing more.

Routes never touch a store; the service does. A store acknowledges a write only once it is
durable (committed), so "answer received" on a phone means the answer survives a crash.
Tallies are always derived from stored responses, never counted separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StoreUnavailable(Exception):
    """The database cannot take the write right now (disk full, file locked). Retryable: 503."""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One session: a deck being presented, reachable under a join code."""

    code: str
    deck: str  # the deck's name (its file stem), e.g. "samenwerking"
    title: str
    deck_source: str  # the YAML text the session was created from, kept for exports
    state: dict[str, Any]  # the presenter's state (live slide, voting, reveal, rounds, version)
    created_at: str  # ISO 8601 UTC


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
    """Everything Rondvraag stores. All methods are coroutines and never block the event loop."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def create_session(
        self, code: str, deck: str, title: str, deck_source: str, state: dict[str, Any]
    ) -> SessionRecord:
        """Create a session. Raises ValueError if the code is taken."""
        ...

    async def get_session(self, code: str) -> SessionRecord | None: ...

    async def find_session(self, deck: str) -> SessionRecord | None:
        """The newest session of a deck, so a restarted server resumes it with the same code."""
        ...

    async def list_sessions(self) -> list[SessionRecord]:
        """Every session, newest first."""
        ...

    async def save_state(self, code: str, state: dict[str, Any]) -> None: ...

    async def add_participant(self, code: str, participant: str) -> str:
        """Register a participant (idempotent); returns their pseudonym.

        Raises ValueError for an unknown session.
        """
        ...

    async def save_response(
        self, code: str, question: str, round: int, participant: str, answer: Any
    ) -> bool:
        """Store or replace the participant's answer; returns True if it replaced one.

        Returns only after the write is committed. Raises StoreUnavailable if it cannot be,
        ValueError for an unknown session.
        """
        ...

    async def answers(self, code: str, question: str, round: int) -> list[Any]:
        """Current answers to one question in one round, oldest submission first.

        The answers may be shared with the store's cache: treat them as read-only.
        """
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
