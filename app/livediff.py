"""Lists that grow with the room (open answers) travel as changes, not whole, to screens.

A screen that holds the previous list gets the new one as runs of the old (`[start, end]`,
a slice of what it has) and the new strings: at 1,500 answers and a few new ones per update
that is a few hundred bytes instead of the whole wall. Removals (an answer replaced) and the
window sliding on are exact, because the runs say what to keep.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any


def list_delta(old: list[str], new: list[str]) -> list[Any]:
    """`new` as runs of `old` (`[start, end]` slices) and the strings `old` does not have."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    delta: list[Any] = []
    done = 0
    for start, at, size in matcher.get_matching_blocks():
        delta.extend(new[done:at])
        if size:
            delta.append([start, start + size])
        done = at + size
    return delta


def apply_list_delta(old: list[str], delta: list[Any]) -> list[str]:
    """The new list from the old one and a `list_delta` (what the pages do in JavaScript)."""
    new: list[str] = []
    for item in delta:
        if isinstance(item, list):
            new.extend(old[item[0] : item[1]])
        else:
            new.append(item)
    return new
