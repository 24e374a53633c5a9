"""Upstream's ``field.Error`` as the dicts that become ``Status.details.causes``.

A cause is ``{"reason", "message", "field"}``: ``reason`` is upstream's ``CauseType``,
``message`` is ``field.Error.ErrorBody()`` (``Invalid value: "x": detail``) and ``field`` the
JSON path. :func:`error_string` is ``field.Error.Error()`` (``field: body``).

Why a value renderer: upstream prints the bad value with Go's ``fmt`` verbs — ``%q`` for
strings, ``%v`` for numbers, ``%#v`` for maps and structs (``map[string]string{"app":"x"}``).
Learners paste those strings into search engines, so we reproduce them; :class:`GoRepr`
carries a value already rendered in Go syntax, or printed through a ``String()`` method.
"""
from __future__ import annotations

from typing import Any

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
NOT_FOUND = "FieldValueNotFound"
INTERNAL = "InternalError"

_TYPE_TEXT = {
    REQUIRED: "Required value",
    INVALID: "Invalid value",
    NOT_SUPPORTED: "Unsupported value",
    DUPLICATE: "Duplicate value",
    FORBIDDEN: "Forbidden",
    TOO_LONG: "Too long",
    TOO_MANY: "Too many",
    NOT_FOUND: "Not found",
    INTERNAL: "Internal error",
}


class GoRepr(str):
    """A bad value already rendered as Go would print it; shown verbatim, never quoted."""


def go_quote(s: str) -> str:
    """Go's ``%q`` (``strconv.Quote``) for the strings Kubernetes objects carry."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def render_value(value: Any) -> str:
    """How ``ErrorBody`` prints a bad value."""
    if isinstance(value, GoRepr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return GoRepr(repr(value))


def _error(type_: str, path: str, body: str) -> dict:
    return {"reason": type_, "message": body, "field": path}


def _body(type_: str, value: Any = None, detail: str = "", show_value: bool = True) -> str:
    text = _TYPE_TEXT[type_]
    if show_value:
        text += ": " + render_value(value)
    if detail:
        text += ": " + detail
    return text


def required(path: str, detail: str = "") -> dict:
    return _error(REQUIRED, path, _body(REQUIRED, detail=detail, show_value=False))


def forbidden(path: str, detail: str) -> dict:
    return _error(FORBIDDEN, path, _body(FORBIDDEN, detail=detail, show_value=False))


def invalid(path: str, value: Any, detail: str) -> dict:
    return _error(INVALID, path, _body(INVALID, value, detail))


def duplicate(path: str, value: Any) -> dict:
    return _error(DUPLICATE, path, _body(DUPLICATE, value))


def not_found(path: str, value: Any, detail: str = "") -> dict:
    return _error(NOT_FOUND, path, _body(NOT_FOUND, value, detail))


def not_supported(path: str, value: Any, valid: list[str] | tuple[str, ...]) -> dict:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return _error(NOT_SUPPORTED, path, _body(NOT_SUPPORTED, value, detail))


def too_long(path: str, max_bytes: int) -> dict:
    """v1.32 wording (``may not be more than N bytes``; v1.31 and older said ``must have at most``)."""
    unit = "byte" if max_bytes == 1 else "bytes"
    return _error(TOO_LONG, path, _body(TOO_LONG, detail=f"may not be more than {max_bytes} {unit}",
                                        show_value=False))


def error_string(cause: dict) -> str:
    """``field.Error.Error()``: ``spec.containers[0].image: Required value``."""
    return f"{cause['field']}: {cause['message']}"


ROOT = "[]"  # how ``field.NewPath("")`` prints: a cause about the whole object


def join(base: str, child: str) -> str:
    """A child path, as ``field.Path.Child`` prints it."""
    return f"{base}.{child}" if base else child


# --- Go %#v renderings used by upstream messages ---------------------------------------------

def go_string_map(m: dict | None) -> GoRepr:
    """``map[string]string{"a":"b"}`` (fmt sorts map keys); ``(nil)`` when absent."""
    if m is None:
        return GoRepr("map[string]string(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(m.items()))
    return GoRepr("map[string]string{" + items + "}")


def go_string_slice(values: list | None) -> GoRepr:
    if values is None:
        return GoRepr("[]string(nil)")
    return GoRepr("[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}")


def go_label_selector(sel: dict | None) -> GoRepr:
    """A ``*metav1.LabelSelector`` as ``%#v`` prints it once ``ErrorBody`` dereferences it."""
    if sel is None:
        return GoRepr("null")
    labels = go_string_map(sel.get("matchLabels") if "matchLabels" in sel else None)
    exprs = sel.get("matchExpressions")
    if exprs is None:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = [
            "v1.LabelSelectorRequirement{Key:" + go_quote(e.get("key", "")) + ", Operator:"
            + go_quote(e.get("operator", "")) + ", Values:" + go_string_slice(e.get("values")) + "}"
            for e in exprs
        ]
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return GoRepr(f"v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{rendered}}}")
