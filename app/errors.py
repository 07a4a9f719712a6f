"""What the service refuses, as the web layer turns it into 4xx JSON (see app/web/errors.py)."""

from __future__ import annotations


class NotFound(Exception):
    """No such session or question (404)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class Conflict(Exception):
    """The request is valid but does not fit the live state now (409)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class TooMany(Exception):
    """Slow down: retry after `retry_after` seconds (429)."""

    def __init__(self, code: str, detail: str, retry_after: int) -> None:
        self.code = code
        self.retry_after = retry_after
        super().__init__(detail)


def session_gone(code: str) -> NotFound:
    return NotFound("unknown_session", f"there is no session with code {code!r}")
