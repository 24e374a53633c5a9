"""The type check upstream's decoder makes for free: a body is unmarshalled into Go structs,
so a number where the schema says string (``"data": {"a": 1}``), a list where it says map,
or a string where it says object is refused with 400 before anything else looks at it.

One walk of the body against the OpenAPI schema the server serves, instead of a check per
field: what kubectl explains is exactly what is enforced. The message is Go's
``UnmarshalTypeError`` since Go 1.20 — the JSON type, the innermost struct, the path of
JSON field names from the root (map keys and list indexes are not part of it) and the Go
type — because that is what a learner sees from a real cluster::

    json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string

Like Go's decoder, ``null`` fits anything and the first error in document order is reported.
Quantities are left to their own parser (its message is upstream's regular expression).
"""
from __future__ import annotations

from typing import Any

from . import SCHEMAS, resolve_named
from ._helpers import INTSTR, PRESERVE, Q, Schema

_INT_RANGES = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def type_error(schema_name: str, kind: str, obj: dict) -> str | None:
    """The first field of ``obj`` whose JSON type its schema does not allow, as Go words it."""
    return _check(SCHEMAS[schema_name], obj, kind, ())


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _go_type(schema: Schema) -> str:
    """The Go type a schema stands for, as ``reflect.Type.String()`` prints it."""
    schema, name = resolve_named(schema)
    if name and (schema.get("properties") is not None or name in (INTSTR, Q)):
        package, _, type_name = name.rpartition(".")
        return f"{package.rpartition('.')[2]}.{type_name}"
    kind = schema.get("type")
    if kind == "array":
        return "[]" + _go_type(schema.get("items") or {})
    if kind == "object":
        extra = schema.get("additionalProperties")
        return "map[string]" + (_go_type(extra) if isinstance(extra, dict) else "interface {}")
    if kind == "integer":
        return schema.get("format") or "int64"
    if kind == "number":
        return "float64"
    if kind == "boolean":
        return "bool"
    if kind == "string":
        return "[]uint8" if schema.get("format") == "byte" else "string"
    return "interface {}"


def _check(schema: Schema, value: Any, struct: str,
           path: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    resolved, name = resolve_named(schema)
    if resolved.get(PRESERVE) or name == Q:
        return None
    if name == INTSTR:
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return None
        return f"json: cannot unmarshal {_json_type(value)} into Go value of type int32"
    kind = resolved.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return _mismatch(schema, _json_type(value), struct, path)
        props = resolved.get("properties")
        extra = resolved.get("additionalProperties")
        inner = name.rpartition(".")[2] if props is not None and name else struct
        for key, sub in value.items():
            sub_schema = props.get(key) if props is not None else None
            if sub_schema is None and isinstance(extra, dict):
                sub_schema = extra
                error = _check(sub_schema, sub, struct if props is None else inner, path)
            elif sub_schema is not None:
                error = _check(sub_schema, sub, inner, path + (key,))
            else:
                continue  # unknown fields are fieldValidation's business
            if error:
                return error
        return None
    if kind == "array":
        if not isinstance(value, list):
            return _mismatch(schema, _json_type(value), struct, path)
        items = resolved.get("items")
        for item in value if isinstance(items, dict) else ():
            error = _check(items, item, struct, path)
            if error:
                return error
        return None
    if kind == "string" and not isinstance(value, str):
        return _mismatch(schema, _json_type(value), struct, path)
    if kind == "boolean" and not isinstance(value, bool):
        return _mismatch(schema, _json_type(value), struct, path)
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return _mismatch(schema, _json_type(value), struct, path)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _mismatch(schema, _json_type(value), struct, path)
        low, high = _INT_RANGES.get(resolved.get("format") or "int64", _INT_RANGES["int64"])
        if isinstance(value, float) or not low <= value <= high:
            literal = repr(value) if isinstance(value, float) else str(value)
            return _mismatch(schema, f"number {literal}", struct, path)
    return None


def _mismatch(schema: Schema, got: str, struct: str, path: tuple[str, ...]) -> str:
    return f"json: cannot unmarshal {got} into Go struct field {struct}.{'.'.join(path)} of type " \
           f"{_go_type(schema)}"
