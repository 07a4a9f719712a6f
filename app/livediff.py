"""Lists that grow with the room (open answers, Q&A entries) travel to screens as changes.

A screen that holds the previous list gets the new one as runs of the old (`[start, end]`,
a slice of what it has) and the new strings: at 1,500 answers and a few new ones per update
that is a few hundred bytes instead of the whole wall. Removals (an answer replaced) and the
window sliding on are exact, because the runs say what to keep.
"""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from typing import Any


def list_delta(old: list[Any], new: list[Any]) -> list[Any]:
    """`new` as runs of `old` (`[start, end]` slices) and the items `old` does not have.

    Items are strings (open answers) or JSON objects (Q&A entries: an entry whose votes
    changed is a new item, the others stay runs); objects are compared by their JSON."""
    matcher = SequenceMatcher(None, _comparable(old), _comparable(new), autojunk=False)
    delta: list[Any] = []
    done = 0
    for start, at, size in matcher.get_matching_blocks():
        delta.extend(new[done:at])
        if size:
            delta.append([start, start + size])
        done = at + size
    return delta


def _comparable(items: list[Any]) -> list[Any]:
    if all(isinstance(item, str) for item in items):
        return items
    return [json.dumps(item, sort_keys=True, ensure_ascii=False) for item in items]


def apply_list_delta(old: list[Any], delta: list[Any]) -> list[Any]:
    """The new list from the old one and a `list_delta` (what the pages do in JavaScript)."""
    new: list[str] = []
    for item in delta:
        if isinstance(item, list):
            new.extend(old[item[0] : item[1]])
        else:
            new.append(item)
    return new
