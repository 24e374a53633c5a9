"""The compiled type check (:mod:`simulation.apiserver.schemas.typeplan`) says yes exactly
when the worded walk (:func:`typecheck._check`) finds nothing: checked on bodies generated
from every schema, half of them with a wrong JSON type somewhere."""
from __future__ import annotations

import random
from typing import Any

import pytest

from simulation.apiserver.schemas import SCHEMAS, resolve_named
from simulation.apiserver.schemas.typecheck import _check, type_error
from simulation.apiserver.schemas.typeplan import fits

WRONG = [0, 1.5, -7, 2 ** 40, 2 ** 63, -(2 ** 63) - 1, True, False, "s", "", [], [1], {}, {"k": 1}, None]


def _value(schema: dict, rng: random.Random, depth: int) -> Any:
    if rng.random() < 0.08 or depth > 5:
        return rng.choice(WRONG)
    resolved, name = resolve_named(schema)
    kind = resolved.get("type")
    if kind == "object":
        props = resolved.get("properties") or {}
        extra = resolved.get("additionalProperties")
        out: dict = {}
        for key in rng.sample(sorted(props), min(len(props), rng.randint(0, 5))):
            out[key] = _value(props[key], rng, depth + 1)
        if isinstance(extra, dict):
            for i in range(rng.randint(0, 2)):
                out[f"k{i}"] = _value(extra, rng, depth + 1)
        if rng.random() < 0.1:
            out["unknownField"] = rng.choice(WRONG)
        return out
    if kind == "array":
        items = resolved.get("items")
        return [_value(items, rng, depth + 1) for _ in range(rng.randint(0, 2))] if isinstance(items, dict) else []
    if kind == "string":
        return rng.choice(["x", "10m", "1Gi"])
    if kind == "integer":
        return rng.choice([0, 3, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1])
    if kind == "number":
        return rng.choice([0, 0.5, 3])
    if kind == "boolean":
        return rng.choice([True, False])
    return rng.choice(WRONG)


KINDS = sorted(name for name, schema in SCHEMAS.items() if "kind" in (schema.get("properties") or {}))


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_check_agrees_with_the_walk_on_every_kind(seed: int) -> None:
    rng = random.Random(seed)
    checked = refused = 0
    for name in KINDS:
        schema = SCHEMAS[name]
        for _ in range(25):
            value = _value(schema, rng, 0)
            if not isinstance(value, dict):
                value = {"metadata": value}
            worded = _check(schema, value, name.rpartition(".")[2], ())
            assert fits(schema, value) == (worded is None), (name, value, worded)
            assert type_error(name, name.rpartition(".")[2], value) == worded
            checked += 1
            refused += worded is not None
    assert checked > 1000 and 0.2 < refused / checked < 0.95, (checked, refused)
