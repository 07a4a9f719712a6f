"""One audience's newest results message, whole and as the change from the one before.

Screens are told a question's results many times a second while votes arrive. Each audience
(projectors, phones) has its own bounded view of the result (a phone shows the newest 30 open
answers, a projector 100); each message is serialised once for everyone. Where the view holds
a list that grows with the room (open answers), a screen that has the previous message gets
only the change (`base` = that message's version); a screen that joined late, fell behind or
lost track gets the whole view, and asks for it again with `{"type": "resync"}` when unsure.
A change message says which list it changes: `"changes": "answers"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .hub import encode
from .livediff import list_delta


@dataclass(frozen=True, slots=True)
class ResultsMessage:
    question: str
    round: int
    version: int
    view: dict[str, Any]
    full: str  # {"type": "results", "version", "result": view}
    delta: str | None = None  # the same, with `base` and the list as changes; None: send full

    @property
    def base(self) -> int:
        return self.version - 1

    @classmethod
    def after(
        cls,
        previous: ResultsMessage | None,
        view: dict[str, Any],
        list_field: str | None,
    ) -> ResultsMessage:
        """The message that follows `previous` (of this audience), carrying `view`."""
        version = previous.version + 1 if previous is not None else 1
        full = encode({"type": "results", "version": version, "result": view})
        delta = None
        same_list = (
            list_field is not None
            and previous is not None
            and previous.question == view["id"]
            and previous.round == view["round"]
        )
        if same_list:
            assert previous is not None and list_field is not None
            changes = list_delta(previous.view[list_field], view[list_field])
            text = encode(
                {
                    "type": "results",
                    "version": version,
                    "base": previous.version,
                    "changes": list_field,
                    "result": {**view, list_field: changes},
                }
            )
            delta = text if len(text) < len(full) else None
        return cls(view["id"], view["round"], version, view, full, delta)
