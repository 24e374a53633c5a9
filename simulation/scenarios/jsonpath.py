"""The part of kubectl's JSONPath (``-o jsonpath=...``) a scenario needs to point at a field:
``{.status.phase}``, ``.spec.containers[0].image``, ``.status.conditions[?(@.type=="Ready")].status``,
``.metadata.labels['app.kubernetes.io/name']`` and ``[*]``.
"""
from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"""\.(?P<field>[A-Za-z0-9_$-]+)
                       |\[(?P<index>-?\d+|\*)\]
                       |\[['"](?P<quoted>[^'"]+)['"]\]
                       |\[\?\(@\.(?P<filter>[A-Za-z0-9_.-]+)\s*==\s*['"]?(?P<value>[^'")]*)['"]?\)\]""", re.VERBOSE)


class JSONPathError(ValueError):
    pass


def compile_path(expression: str) -> list[tuple[str, Any]]:
    """The steps of ``expression`` (kubectl's braces optional); :class:`JSONPathError` if it is
    not one this subset reads."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if not text.startswith((".", "[")):
        text = "." + text
    steps: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise JSONPathError(f"cannot read JSONPath {expression!r} at {text[pos:]!r}")
        if match["field"] is not None:
            steps.append(("field", match["field"]))
        elif match["quoted"] is not None:
            steps.append(("field", match["quoted"]))
        elif match["index"] is not None:
            steps.append(("all", None) if match["index"] == "*" else ("index", int(match["index"])))
        else:
            steps.append(("filter", (match["filter"].split("."), match["value"])))
        pos = match.end()
    return steps


def _dig(value: Any, fields: list[str]) -> Any:
    for name in fields:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def find(obj: Any, expression: str) -> list[Any]:
    """Every value ``expression`` reaches in ``obj`` (empty when the field is absent)."""
    current = [obj]
    for kind, arg in compile_path(expression):
        following: list[Any] = []
        for value in current:
            if kind == "field" and isinstance(value, dict) and arg in value:
                following.append(value[arg])
            elif kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value):
                following.append(value[arg])
            elif kind == "all" and isinstance(value, list):
                following.extend(value)
            elif kind == "all" and isinstance(value, dict):
                following.extend(value.values())
            elif kind == "filter" and isinstance(value, list):
                fields, wanted = arg
                following.extend(item for item in value if str(_dig(item, fields)) == wanted)
        current = following
    return current
