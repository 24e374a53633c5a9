"""``zero_nulls``: a body's nulls as the typed object upstream decodes it to holds them."""
from __future__ import annotations

import pytest

from simulation.apiserver.schemas.typecheck import zero_nulls

POD = "io.k8s.api.core.v1.Pod"
SECRET = "io.k8s.api.core.v1.Secret"


@pytest.mark.parametrize("schema, body, decoded", [
    (POD, {"metadata": {"name": None, "labels": {"a": None}}}, {"metadata": {"labels": {"a": ""}}}),
    (POD, {"spec": None}, {"spec": {}}),
    (POD, {"spec": {"containers": [None], "nodeName": None}}, {"spec": {"containers": [{}]}}),
    (POD, {"spec": {"containers": [{"name": "a", "args": [None], "ports": [{"containerPort": None}]}]}},
     {"spec": {"containers": [{"name": "a", "args": [""], "ports": [{}]}]}}),
    (POD, {"spec": {"containers": [{"resources": {"limits": {"cpu": None}}}]}},
     {"spec": {"containers": [{"resources": {"limits": {"cpu": "0"}}}]}}),
    (POD, {"metadata": {"annotations": None, "unknown": [None]}}, {"metadata": {"unknown": [None]}}),
    (SECRET, {"data": {"a": None}}, {"data": {"a": None}}),
], ids=["field-and-map-value", "struct-by-value", "list-item-struct", "list-item-string", "quantity",
        "undeclared-kept", "byte-slice-stays-null"])
def test_a_null_becomes_the_zero_value_go_decodes_it_to(schema, body, decoded):
    zero_nulls(schema, body)

    assert body == decoded
