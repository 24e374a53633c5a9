"""Helpers for the values every object here is made of: JSON (dicts, lists, strings,
numbers, booleans, None)."""
from __future__ import annotations

import re
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: Any) -> Any:
    """The value with every lone UTF-16 surrogate replaced by U+FFFD, as Go's JSON decoder
    replaces them: they cannot be written as UTF-8, so a database, an audit trail or a client
    would choke on them. (A decoded surrogate pair is one code point already.)"""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    return value
