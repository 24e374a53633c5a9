"""Helpers for the values every object here is made of: JSON (dicts, lists, strings,
numbers, booleans, None)."""
from __future__ import annotations

from typing import Any


def deep_copy(value: Any) -> Any:
    """A deep copy of a JSON value, several times faster than ``copy.deepcopy``, which
    keeps a memo for shared and cyclic references a JSON document cannot have. Copies are
    made on every write (patches, status updates), so this is on the hot path."""
    if type(value) is dict:
        return {k: deep_copy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if type(value) is list:
        return [deep_copy(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = (dict, list)
