"""Reading a scenario file: YAML whose every mapping, list and value remembers its line, so
the validator can say ``file:line: message`` about any mistake a teacher makes.

PyYAML's ``compose`` gives nodes with start marks; this module turns them into ordinary
dicts, lists and scalars (:class:`Located` subclasses of dict and list) that carry the line
of themselves and of each of their entries. Everything downstream reads plain Python.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ScenarioFileError(ValueError):
    """A file that is not YAML at all (or not a mapping): one message with its line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class LocatedDict(dict):
    """A mapping read from YAML: ``line`` is where it starts, ``lines[key]`` where each value is."""

    line: int = 0
    lines: dict

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LocatedList(list):
    """A sequence read from YAML: ``line`` is where it starts, ``lines[i]`` where each item is."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def line_of(container: Any, key: Any = None) -> int:
    """The line of ``container`` (or of its entry ``key``), 0 when it was not read from a file."""
    if key is not None and isinstance(container, (LocatedDict, LocatedList)):
        return container.line_of(key)
    return getattr(container, "line", 0)


def _construct(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)
        out = LocatedDict()
        out.line, out.lines = line, {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if key in out:
                raise ScenarioFileError("", key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = _construct(value_node, constructor)
            out.lines[key] = value_node.start_mark.line + 1 if not isinstance(value_node, yaml.ScalarNode) \
                else key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_construct(item, constructor) for item in node.value)
        items.line, items.lines = line, [item.start_mark.line + 1 for item in node.value]
        return items
    return constructor.construct_object(node, deep=True)


def parse(text: str, path: str = "<scenario>") -> Any:
    """The document in ``text`` with lines attached; :class:`ScenarioFileError` if it is not YAML."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _construct(node, loader)
        finally:
            loader.dispose()
    except ScenarioFileError as exc:
        raise ScenarioFileError(path, exc.line, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        where = f" ({exc.context} on line {exc.context_mark.line + 1})" \
            if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line else ""
        raise ScenarioFileError(path, line, f"not valid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError(path, 1, f"not valid YAML: {exc}") from None


def read(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(str(path), 0, f"cannot read the file: {exc}") from None
    return parse(text, str(path))


def plain(value: Any) -> Any:
    """``value`` with every located container turned back into a plain dict or list (what the
    API is sent: a manifest carries no lines)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
