"""Required scalars as upstream's Go structs print them: a field without ``omitempty`` is
always in the JSON, as 0 or false when unset, and the OpenAPI document marks exactly those
fields required. Typed clients rely on it — the ``kubernetes`` Python client refuses a
DaemonSet whose ``status`` lacks ``currentNumberScheduled`` — so every object written to
the store gets them, derived from the served schema rather than listed kind by kind.

Only structs reached through struct fields are filled (a struct in Go is never absent once
its parent exists); lists and maps hold only what the client sent.
"""
from __future__ import annotations

import functools
from typing import Any

from . import SCHEMAS, resolve, schema_for
from ._helpers import Schema

_ZERO = {"integer": 0, "boolean": False}
#: (path of struct field names, {required scalar field: its zero value})
Plan = tuple[tuple[tuple[str, ...], dict[str, Any]], ...]


def fill_required_zero_values(group: str, version: str, kind: str, obj: dict) -> None:
    """Set every absent required integer or boolean of ``obj``'s present structs to its zero."""
    for path, zeros in _plan(group, version, kind):
        target: Any = obj
        for key in path:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            for field, zero in zeros.items():
                if target.get(field) is None:
                    target[field] = zero


@functools.lru_cache(maxsize=None)
def _plan(group: str, version: str, kind: str) -> Plan:
    name = schema_for(group, version, kind)
    if name is None:
        return ()
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    _collect(SCHEMAS[name], (), out, frozenset())
    return tuple(out)


def _collect(schema: Schema, path: tuple[str, ...], out: list, seen: frozenset) -> None:
    schema = resolve(schema)
    props = schema.get("properties")
    if not props or id(schema) in seen:
        return
    zeros = {field: _ZERO[resolve(props[field]).get("type")] for field in schema.get("required", ())
             if field in props and resolve(props[field]).get("type") in _ZERO}
    if zeros:
        out.append((path, zeros))
    for key, sub in props.items():
        _collect(sub, path + (key,), out, seen | {id(schema)})
