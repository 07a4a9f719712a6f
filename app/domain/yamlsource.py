"""Safe YAML loading that remembers line numbers, so deck errors can say `FILE:LINE`.

PyYAML's composer gives nodes with marks; we convert them ourselves instead of constructing
arbitrary objects: only plain scalars, lists and mappings exist, Python tags are refused, and
alias expansion is bounded (a "billion laughs" document is an error, not a hang).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

MAX_DECK_BYTES = 1024 * 1024
MAX_NODES = 50_000

_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class LinedMap(dict):
    """A mapping that knows the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class LinedList(list):
    """A list that knows the line of itself and of each item (1-based)."""

    line: int
    item_lines: list[int]


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def load_yaml(text: str, filename: str) -> Any:
    """Parse YAML text into LinedMap/LinedList/scalars. Raises YamlProblem with a line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DECK_BYTES:
        raise YamlProblem(1, f"file is larger than {MAX_DECK_BYTES // 1024} KiB")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "malformed YAML"
        raise YamlProblem(line, f"malformed YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem(1, "the file is empty")
    counter = [0]
    return _convert(node, loader, counter)


def _convert(node: yaml.Node, loader: yaml.SafeLoader, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise YamlProblem(
            node.start_mark.line + 1,
            f"the document expands to more than {MAX_NODES} values (YAML aliases?)",
        )
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
        value = loader.construct_object(node)
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return value
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
        out = LinedList()
        out.line = line
        out.item_lines = []
        for item in node.value:
            out.append(_convert(item, loader, counter))
            out.item_lines.append(item.start_mark.line + 1)
        return out
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
        out_map = LinedMap()
        out_map.line = line
        out_map.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, counter)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise YamlProblem(key_line, f"keys must be text, not {key!r}")
            if key in out_map:
                raise YamlProblem(key_line, f"duplicate key {key!r}")
            out_map[key] = _convert(value_node, loader, counter)
            out_map.key_lines[key] = key_line
        return out_map
    raise YamlProblem(line, "unsupported YAML node")
