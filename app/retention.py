"""Sessions are not kept for ever: a deck's `privacy: {retention_days: N}` deletes a session
and every answer N days after it ended.

The server purges when it starts and once a day after; `rondvraag purge` does the same by
hand. The rule is read from the deck each session was created with (kept in the store), so a
later edit of the deck file cannot extend or shorten what people were told.
"""

from __future__ import annotations

import datetime as dt
import logging

from .domain.errors import DeckError
from .domain.loader import parse_deck
from .ports.store import SessionRecord, Store

log = logging.getLogger(__name__)


def deletion_date(record: SessionRecord) -> dt.date | None:
    """The day the session is deleted on (None: it is kept until someone deletes it, or it
    has not ended yet)."""
    if not record.ended_at:
        return None
    try:
        days = parse_deck(record.deck_source, name=record.deck).retention_days
    except DeckError:
        return None  # a deck that no longer parses states no rule: keep
    if days is None:
        return None
    ended = dt.datetime.fromisoformat(record.ended_at.replace("Z", "+00:00"))
    return (ended + dt.timedelta(days=days)).date()


def planned_deletion(deck_retention_days: int | None, ended_at: str | None) -> dt.date | None:
    """The date to announce for a session that ended at `ended_at` (or would end now)."""
    if deck_retention_days is None:
        return None
    ended = (
        dt.datetime.fromisoformat(ended_at.replace("Z", "+00:00"))
        if ended_at
        else dt.datetime.now(dt.UTC)
    )
    return (ended + dt.timedelta(days=deck_retention_days)).date()


async def purge(store: Store, today: dt.date | None = None) -> list[str]:
    """Delete every session whose deletion date has come; returns their codes."""
    today = today or dt.datetime.now(dt.UTC).date()
    deleted = []
    for record in await store.list_sessions():
        due = deletion_date(record)
        if due is not None and due <= today and await store.delete_session(record.code):
            log.info("session %s deleted: its deck keeps answers until %s", record.code, due)
            deleted.append(record.code)
    return deleted
