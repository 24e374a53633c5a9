"""The stores' JSON text: orjson where it gives the standard library's answers, the standard
library where it would not (big integers, NaN, lone surrogates, non-string keys)."""
from __future__ import annotations

import dataclasses
import datetime
import json
import math

import pytest

from simulation.store import fastjson
from simulation.store.memory import MemoryStore

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "wéb-ü", "namespace": "default", "labels": {"app": "日本語", "tier": "\u2028x"},
                    "annotations": {"note": "quote \" backslash \\ tab \t nul \x00 emoji \U0001F600"}},
       "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}],
                "priority": -2 ** 63, "terminationGracePeriodSeconds": 2 ** 64 - 1,
                "enabled": True, "off": False, "none": None, "empty": {}, "list": [], "ratio": 0.1, "exp": 1e-07}}

VALUES = [
    pytest.param(POD, id="pod-non-ascii-64-bit-edges"),
    pytest.param({"big": 2 ** 64, "negative": -2 ** 63 - 1, "huge": 10 ** 30}, id="beyond-64-bits"),
    pytest.param({"lone": "a\udcffb"}, id="lone-surrogate"),
    pytest.param({1: "non-string key"}, id="non-string-key"),
    pytest.param([1, True, 1.0, "1", None], id="one-true-float-string-null"),
]


@pytest.mark.parametrize("value", VALUES)
def test_what_dumps_writes_loads_reads_back_as_json_would(value) -> None:
    text = fastjson.dumps(value)
    assert isinstance(text, str)
    assert _typed(fastjson.loads(text)) == _typed(json.loads(json.dumps(value)))
    assert _typed(fastjson.loads(text.encode("utf-8", "surrogatepass"))) == _typed(json.loads(text))


@pytest.mark.parametrize("text", [
    pytest.param('{"a":18446744073709551616}', id="2**64"),
    pytest.param('{"a":-9223372036854775809}', id="below-int64"),
    pytest.param('[123456789012345678901234567890]', id="30-digits"),
    pytest.param('{"a":"\\ud800"}', id="lone-surrogate-escape"),
    pytest.param('{"a":1,"a":2}', id="duplicate-key"),
    pytest.param('{"a":1}'.encode("utf-8-sig"), id="byte-order-mark"),
    pytest.param('{"a": "é", "b" : [ 1 , 2 ] }', id="spaces-non-ascii"),
])
def test_loads_reads_every_text_as_json_does(text) -> None:
    assert _typed(fastjson.loads(text)) == _typed(json.loads(text))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), {"a": [float("nan")]}],
                         ids=["nan", "inf", "-inf", "nested-nan"])
def test_nan_and_infinities_are_refused_not_written_as_null(value) -> None:
    with pytest.raises(ValueError):
        fastjson.dumps(value)
    with pytest.raises(ValueError):
        fastjson.dumps_and_copy(value)
    with pytest.raises(ValueError):
        fastjson.pack(value)


@pytest.mark.parametrize("value", VALUES + [pytest.param({"t": (1, None), "z": None}, id="tuple-and-null")])
def test_the_copy_is_what_the_text_decodes_to(value) -> None:
    text, copy = fastjson.dumps_and_copy(value)
    assert _typed(copy) == _typed(json.loads(text)) == _typed(json.loads(json.dumps(value)))
    packed, copy = fastjson.pack(value)
    assert _typed(fastjson.unpack(packed)) == _typed(copy) == _typed(json.loads(text))


def test_a_store_write_json_cannot_carry_writes_nothing() -> None:
    store = MemoryStore()
    with pytest.raises(ValueError):
        store.create("/registry/x/a", {"metadata": {"name": "a"}, "f": float("nan")})
    assert store.current_revision() == 0
    store.create("/registry/x/a", {"metadata": {"name": "a"}})
    with pytest.raises(ValueError):
        store.update("/registry/x/a", {"metadata": {"name": "a"}, "f": float("inf")}, 1)
    assert store.current_revision() == 1 and "f" not in store.get("/registry/x/a")


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime.datetime(2026, 12, 7), Point(1)], ids=["datetime", "dataclass"])
def test_what_json_cannot_write_is_refused_as_json_refuses_it(value) -> None:
    with pytest.raises(TypeError):
        fastjson.dumps({"a": value})


def test_stricter_options_still_decide_what_orjson_refuses() -> None:
    def refuse(name: str) -> None:
        raise ValueError(f"refused {name}")

    with pytest.raises(ValueError, match="refused NaN"):
        fastjson.loads(b'{"a":NaN}', parse_constant=refuse)
    assert math.isnan(fastjson.loads(b'{"a":NaN}')["a"])  # json's default reading


def test_memory_store_keeps_big_integers_and_non_ascii_exact() -> None:
    store = MemoryStore()
    obj = {"metadata": {"name": "ü"}, "n": 2 ** 70, "m": -2 ** 63, "f": 1.5}
    created = store.create("/registry/x/ü", obj)
    for got in (created, store.get("/registry/x/ü")):
        assert got["n"] == 2 ** 70 and type(got["n"]) is int
        assert got["m"] == -2 ** 63 and got["f"] == 1.5 and got["metadata"]["name"] == "ü"


def _typed(value):
    """``value`` with each scalar's type beside it: ``1``, ``True`` and ``1.0`` compare equal."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)
