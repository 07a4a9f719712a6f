"""Safe YAML loading that remembers line numbers, so deck errors can say `FILE:LINE`.

PyYAML's composer gives nodes with marks; we convert them ourselves instead of constructing
arbitrary objects: only plain scalars, lists and mappings exist, Python tags are refused, and
alias expansion is bounded (a "billion laughs" document is an error, not a hang).

Both PyYAML's composer and our conversion recurse once per level of nesting, so a 1 KB file of
`[[[[…` used to end in a RecursionError traceback. Nesting is therefore bounded while
composing (before the recursion gets deep) and again while converting (aliases can stack
nested nodes deeper than the text shows), and so is the number of values composed, so a big
file of tiny values stops early instead of building half a million nodes first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

MAX_DECK_BYTES = 1024 * 1024
MAX_NODES = 50_000
# Lists and mappings inside each other. A real deck goes 5 deep (deck → slides → slide →
# options → option); 20 leaves room for anything sensible and keeps recursion shallow.
MAX_DEPTH = 20

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


_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels (lists and mappings inside each other)"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses deep nesting and too many values as it goes.

    The check sits in `compose_node`, the method that recurses, so the Python stack never
    grows past MAX_DEPTH levels of it, whatever the file holds.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._composed = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)  # an existing node: nothing new
        self._composed += 1
        if self._composed > MAX_NODES:
            raise YamlProblem(
                self.peek_event().start_mark.line + 1,
                f"the document has more than {MAX_NODES} values",
            )
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlProblem(self.peek_event().start_mark.line + 1, _TOO_DEEP)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, filename: str) -> Any:
    """Parse YAML text into LinedMap/LinedList/scalars. Raises YamlProblem with a line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DECK_BYTES:
        raise YamlProblem(1, f"file is larger than {MAX_DECK_BYTES // 1024} KiB")
    loader = _BoundedLoader(text)
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
    return _Converter(loader).convert(node, 1)


class _Converter:
    """Nodes → LinedMap/LinedList/scalars, counting values and levels once aliases are expanded.

    Composing bounded the text; an alias repeats a whole subtree wherever it is used, so the
    expanded document is bounded again here: in values (a "billion laughs"), in depth (an
    anchored deep list used inside another deep list) and against cycles (`&a [*a]`, a list
    that contains itself, which PyYAML composes without complaint).
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.count = 0
        self.open: set[int] = set()  # ids of the collections being converted right now

    def convert(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                line, f"the document expands to more than {MAX_NODES} values (YAML aliases?)"
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, line)
        if id(node) in self.open:
            raise YamlProblem(line, "a YAML alias refers to the list or mapping that contains it")
        if depth > MAX_DEPTH:
            raise YamlProblem(line, _TOO_DEEP)
        self.open.add(id(node))
        try:
            return self.collection(node, line, depth)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, line: int) -> Any:
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
        value = self.loader.construct_object(node)
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return value

    def collection(self, node: yaml.Node, line: int, depth: int) -> Any:
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
            out = LinedList()
            out.line = line
            out.item_lines = []
            for item in node.value:
                out.append(self.convert(item, depth + 1))
                out.item_lines.append(item.start_mark.line + 1)
            return out
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise YamlProblem(line, f"unsupported YAML tag {node.tag!r}")
            out_map = LinedMap()
            out_map.line = line
            out_map.key_lines = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                key_line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise YamlProblem(key_line, f"keys must be text, not {key!r}")
                if key in out_map:
                    raise YamlProblem(key_line, f"duplicate key {key!r}")
                out_map[key] = self.convert(value_node, depth + 1)
                out_map.key_lines[key] = key_line
            return out_map
        raise YamlProblem(line, "unsupported YAML node")
