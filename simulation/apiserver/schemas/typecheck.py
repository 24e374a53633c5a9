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

What a ``null`` becomes is the decoder's business too: :func:`zero_nulls` leaves a body as the
typed object it decodes to would encode again — a ``null`` field is absent (``{}`` for a struct
held by value), a ``null`` list item or map value is its type's zero (``""``, ``0``, ``{}``) —
so that nothing after decoding meets a ``None`` where the schema promises a value.
"""
from __future__ import annotations

from typing import Any

import orjson

from . import SCHEMAS, resolve_named
from ._helpers import INTSTR, PRESERVE, Q, Schema
from .typeplan import fits

_INT_RANGES = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def type_error(schema_name: str, kind: str, obj: dict) -> str | None:
    """The first field of ``obj`` whose JSON type its schema does not allow, as Go words it.
    The compiled check (:mod:`.typeplan`) says whether there is one; only then does the walk
    below find it and word it."""
    schema = SCHEMAS[schema_name]
    if fits(schema, obj):
        return None
    return _check(schema, obj, kind, ())


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
                if type(sub) is str and _plain_string(extra):
                    continue  # a label, an annotation, a ConfigMap's value: nothing to walk
                sub_schema = extra
                error = _check(sub_schema, sub, struct if props is None else inner, path)
            elif sub_schema is not None:
                if type(sub) is str and _plain_string(sub_schema):
                    continue
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


def _plain_string(schema: Schema) -> bool:
    """A schema whose only check of a string is that it is one (no reference to follow)."""
    return schema.get("type") == "string" and "$ref" not in schema and "allOf" not in schema


def zero_nulls(schema_name: str, obj: dict) -> None:
    """Replace the ``null`` values of ``obj`` (in place) with what Go's typed decoder makes of
    them: a field of a struct is left unset (absent, or ``{}`` for a struct field held by value,
    which the schema marks ``default: {}``); a list item or map value becomes the zero value of
    its type. Free-form subtrees (``x-kubernetes-preserve-unknown-fields``) and fields the schema
    does not declare keep their nulls; types are assumed checked (:func:`type_error`)."""
    if _has_null(obj):
        _zero_nulls(SCHEMAS[schema_name], obj)


def _has_null(obj: dict) -> bool:
    """Whether ``obj`` holds a ``None`` anywhere: orjson writes one as ``null`` far faster
    than a walk finds it (a ``"null"`` inside a string only costs the walk)."""
    try:
        return b"null" in orjson.dumps(obj)
    except TypeError:  # what orjson cannot write: let the walk decide
        return True


def _zero_nulls(schema: Schema, value: Any) -> None:
    resolved, name = resolve_named(schema)
    if resolved.get(PRESERVE) or name in (Q, INTSTR):
        return
    if isinstance(value, dict):
        props = resolved.get("properties")
        extra = resolved.get("additionalProperties")
        for key in list(value):
            sub = props.get(key) if props is not None else extra if isinstance(extra, dict) else None
            if sub is None:
                continue
            if value[key] is not None:
                _zero_nulls(sub, value[key])
            elif props is None:  # a map's value
                value[key] = _zero(sub)
            elif sub.get("default") == {}:  # a struct field held by value
                value[key] = {}
            else:
                del value[key]
    elif isinstance(value, list) and isinstance(resolved.get("items"), dict):
        items = resolved["items"]
        for index, item in enumerate(value):
            if item is None:
                value[index] = _zero(items)
            else:
                _zero_nulls(items, item)


def _zero(schema: Schema) -> Any:
    """The JSON a Go zero value of ``schema``'s type encodes to (``None`` where Go writes null:
    nil slices, maps, byte slices, interfaces and zero ``metav1.Time``)."""
    resolved, name = resolve_named(schema)
    if name == Q:
        return "0"
    if name == INTSTR:
        return 0
    if resolved.get(PRESERVE) or resolved.get("format") in ("byte", "date-time"):
        return None
    kind = resolved.get("type")
    if resolved.get("properties") is not None:
        return {}
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(kind)


def _mismatch(schema: Schema, got: str, struct: str, path: tuple[str, ...]) -> str:
    return f"json: cannot unmarshal {got} into Go struct field {struct}.{'.'.join(path)} of type " \
           f"{_go_type(schema)}"
