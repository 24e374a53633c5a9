"""The type check of :mod:`.typecheck`, compiled per schema: whether a body passes, without
a word of why.

Every write's body is walked against its kind's schema. The walk in :func:`.typecheck._check`
resolves each node's ``$ref``, reads its type, properties and map values and decides which
strings need no look at all — the same answers for the same schema on every request. Here
those answers are worked out once per schema node into a small function, so a request only
runs the type tests themselves. It answers yes or no; a no (a body that is refused, rare)
goes back to :func:`.typecheck._check` for the error, so what a client reads is the same
words from the same code.

Schemas are fixed once the modules that define them are imported, so what is compiled from
a node stays true; nodes are remembered by identity (the node is kept alive with its plan).
"""
from __future__ import annotations

from typing import Any, Callable

from . import resolve_named
from ._helpers import INTSTR, PRESERVE, Q, Schema

#: A compiled node: whether a (non-null) value fits it.
Check = Callable[[Any], bool]

_INT_RANGES = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}
#: id(schema node) → (the node, its check); the node is held so that its id is not reused.
_COMPILED: dict[int, tuple[Schema, Check]] = {}


def fits(schema: Schema, value: Any) -> bool:
    """Whether :func:`.typecheck._check` finds nothing wrong with ``value`` under ``schema``."""
    return value is None or compiled(schema)(value)


def compiled(schema: Schema) -> Check:
    entry = _COMPILED.get(id(schema))
    if entry is None:
        entry = _COMPILED[id(schema)] = (schema, _compile(schema))
    return entry[1]


def _anything(value: Any) -> bool:
    return True


def _plain_string(schema: Schema) -> bool:
    """As :func:`.typecheck._plain_string`: a string there needs no walk."""
    return schema.get("type") == "string" and "$ref" not in schema and "allOf" not in schema


def _compile(schema: Schema) -> Check:
    resolved, name = resolve_named(schema)
    if resolved.get(PRESERVE) or name == Q:
        return _anything
    if name == INTSTR:
        return lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
    kind = resolved.get("type")
    if kind == "object":
        return _object(resolved)
    if kind == "array":
        items = resolved.get("items")
        if not isinstance(items, dict):
            return lambda v: isinstance(v, list)

        def array(v: Any) -> bool:
            if not isinstance(v, list):
                return False
            check = compiled(items)
            return all(item is None or check(item) for item in v)
        return array
    if kind == "string":
        return lambda v: isinstance(v, str)
    if kind == "boolean":
        return lambda v: isinstance(v, bool)
    if kind == "number":
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "integer":
        low, high = _INT_RANGES.get(resolved.get("format") or "int64", _INT_RANGES["int64"])
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
    return _anything


def _object(resolved: Schema) -> Check:
    props: dict[str, Schema] | None = resolved.get("properties")
    extra = resolved.get("additionalProperties")
    extra = extra if isinstance(extra, dict) else None
    # Per property: whether a string there is all it takes (then only non-strings are walked).
    plain = {key: _plain_string(sub) for key, sub in (props or {}).items()}
    extra_plain = extra is not None and _plain_string(extra)

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        for key, sub in v.items():
            if sub is None:
                continue
            sub_schema = props.get(key) if props is not None else None
            if sub_schema is None:
                if extra is None or (extra_plain and type(sub) is str):
                    continue
                if not compiled(extra)(sub):
                    return False
            elif not (plain[key] and type(sub) is str) and not compiled(sub_schema)(sub):
                return False
        return True
    return check
