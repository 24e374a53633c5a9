"""What the three patch formats share: the errors a PATCH fails with, and JSON value kinds and
equality as Go's ``encoding/json`` sees them (a number is never a bool), which the JSON Patch
``test`` operation, strategic merge's list handling and the field manager all compare with."""
from __future__ import annotations

from typing import Any


class PatchError(ValueError):
    """A patch that cannot be read or applied; ``code`` is the HTTP status upstream answers."""

    def __init__(self, message: str, code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class UnsupportedPatchType(Exception):
    """The PATCH Content-Type is not one this kind accepts (HTTP 415)."""

    def __init__(self, content_type: str, accepted: tuple[str, ...]) -> None:
        super().__init__(f"the server does not support patch type {content_type!r} here")
        self.content_type = content_type
        self.accepted = accepted


def json_kind(value: Any) -> str:
    """The kind of a decoded JSON value, in the words Go's errors use ("cannot unmarshal array into ...")."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


def json_equal(a: Any, b: Any) -> bool:
    """JSON value equality: ``1 == 1.0`` but ``1 != true`` (Python's ``==`` says ``1 == True``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if json_kind(a) != json_kind(b):
        return False
    return a == b
