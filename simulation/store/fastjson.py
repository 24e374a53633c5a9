"""JSON text for stored objects, encoded and decoded by ``orjson`` with the standard library's
answers wherever the two would differ.

Every write encodes its object and every read decodes one (the stores keep JSON text), so
this is the hottest code of the API server; ``orjson`` does either several times faster
than :mod:`json`. Where its answers are not the ones :mod:`json` gives, the standard
library decides, so that what is stored and read back never depends on the library:

* integers beyond 64 bits: ``orjson`` refuses to encode them and decodes them as floats
  (silently losing digits); a text with a run of 19 digits is decoded by :mod:`json`;
* ``NaN`` and infinities: ``orjson`` writes them as ``null``; they are refused, as Go's
  encoder refuses them (:func:`dumps` raises :class:`ValueError`);
* lone surrogates and non-string keys: ``orjson`` refuses them; :mod:`json` writes them
  (a lone surrogate as a ``\\u`` escape, which a database can store as UTF-8).

The text itself may differ from :mod:`json`'s (non-ASCII characters are written as UTF-8,
not ``\\u`` escapes; exponents as ``1e-7``): the value decoded from it is the same.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

#: A run of digits long enough to be an integer ``orjson`` decodes inexactly: its exact
#: range ends at 2**64 - 1 (20 digits) and at -2**63 (19 digits).
_LONG_DIGITS = b"0" * 19
#: Every digit to ``0``, every other byte to ``.``: a run of digits is then a plain substring,
#: which ``bytes.translate`` and ``in`` find several times faster than a regular expression.
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= i <= 0x39 else 0x2E for i in range(256))

_strict = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
#: Values json cannot write either way (a datetime, a dataclass) go to json to be refused,
#: instead of being written as orjson would write them.
_AS_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any) -> str:
    """Compact JSON text of ``value``; :class:`ValueError` for ``NaN`` or an infinity."""
    return _text(_encode(value, decode=False)[0])


def dumps_and_copy(value: Any) -> tuple[str, Any]:
    """:func:`dumps`, and a copy of ``value`` decoded from it: what a store returns for what
    it wrote (decoding orjson's own output needs no check for long integers)."""
    data, copy = _encode(value, decode=True)
    return _text(data), copy


def pack(value: Any) -> tuple[bytes | str, Any]:
    """What an in-process store keeps of ``value`` (read it with :func:`unpack`), and a copy
    decoded from it: orjson's bytes, which orjson reads back exactly without the check
    :func:`loads` makes, or — for what only :mod:`json` can write — its text."""
    return _encode(value, decode=True)


def unpack(data: bytes | str) -> Any:
    """The value :func:`pack` kept."""
    return orjson.loads(data) if isinstance(data, bytes) else json.loads(data)


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data


def _encode(value: Any, decode: bool) -> tuple[bytes | str, Any]:
    """orjson's bytes, or json's text where orjson cannot write ``value`` as json would; and
    the value decoded from them when ``decode`` is set."""
    try:
        out = orjson.dumps(value, option=_AS_JSON)
    except TypeError:  # a big integer, a lone surrogate, a non-string key: json writes them
        text = _strict.encode(value)
        return text, json.loads(text) if decode else None
    copy = orjson.loads(out) if decode or b"null" in out else None
    if b"null" in out and copy != value:
        # orjson wrote NaN or an infinity as null (or a tuple as a list): json refuses the
        # first, as Go's encoder does, and writes the second alike
        text = _strict.encode(value)
        return text, json.loads(text) if decode else None
    return out, copy


def loads(text: str | bytes, **options: Any) -> Any:
    """The value of JSON ``text``, exactly as ``json.loads(text, **options)`` decodes it.
    ``options`` may only make :mod:`json` stricter (refuse ``NaN``, infinities), never read
    a value differently from ``orjson``."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_DIGITS not in data.translate(_DIGITS_AS_ZEROS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:  # json's verdict and words (it also reads what orjson refuses)
            pass
    return json.loads(text, **options)
