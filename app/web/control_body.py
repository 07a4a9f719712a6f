"""A presenter action's body, checked once for both doors (POST /control and the socket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain.presenter import PARTICIPANTS_NEEDED, valid_participants
from .errors import ApiError

if TYPE_CHECKING:
    from ..live import LiveSession

MAX_ENTRY = 1000  # an entry's text as results show it: longer is not an entry


@dataclass(frozen=True, slots=True)
class ControlBody:
    action: str
    question: str | None = None
    entry: str | None = None  # hide/show/approve_entry: `entry`; merge/unmerge: `from`
    into: str | None = None
    seconds: int | None = None
    participants: int | None = None  # rehearse
    by: str | None = None  # split

    async def apply_to(self, session: LiveSession) -> dict[str, Any]:
        """Carry the action out on the session: the new presenter state."""
        return await session.control(
            self.action,
            self.question,
            self.entry,
            self.participants,
            self.by,
            into=self.into,
            seconds=self.seconds,
        )


def control_body(body: dict[str, Any]) -> ControlBody:
    """The action and its arguments; raises ApiError 400 `invalid_request` saying which is
    wrong (an action that needs what it did not get is the domain's to refuse)."""
    action, question = body.get("action"), body.get("question")
    if not isinstance(action, str):
        raise ApiError(400, "invalid_request", "'action' must be one of the control actions")
    if question is not None and not isinstance(question, str):
        raise ApiError(400, "invalid_request", "'question' must be a slide id")
    texts = {key: body.get(key) for key in ("entry", "from", "into")}
    for key, value in texts.items():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ENTRY):
            raise ApiError(400, "invalid_request", f"'{key}' must be an entry's text as shown")
    seconds = body.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)):
        raise ApiError(400, "invalid_request", "'seconds' must be a whole number")
    participants = body.get("participants")
    if participants is not None and not valid_participants(participants):
        raise ApiError(400, "invalid_participants", PARTICIPANTS_NEEDED)
    by = body.get("by")
    if (action == "split" and "by" not in body) or (by is not None and not isinstance(by, str)):
        raise ApiError(400, "invalid_split", "'split' needs 'by': a choice question's id, or null")
    merging = action in ("merge_entries", "unmerge_entries")
    return ControlBody(
        action=action,
        question=question,
        entry=texts["from"] if merging else texts["entry"],
        into=texts["into"],
        seconds=seconds,
        participants=participants,
        by=by,
    )
