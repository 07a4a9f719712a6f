"""Errors the domain raises; the web layer turns them into 4xx JSON, the CLI into messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a deck, located so an organiser can fix it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class DeckError(Exception):
    """A deck could not be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class AnswerError(ValueError):
    """A participant's answer does not fit the question (unknown option, out of range, …)."""

    code = "invalid_answer"


class ControlError(ValueError):
    """A presenter action that cannot apply to the current state (e.g. open voting on content)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)
