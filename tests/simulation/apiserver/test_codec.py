"""Request bodies decode to what JSON can carry, or answer 400: one student's odd body must
never make a list invalid JSON for everyone else (kubectl fails on the whole list)."""
from __future__ import annotations

import json

import pytest

from simulation.apiserver import codec
from tests.simulation.apiserver.server_fixtures import CM_PATH, Cluster


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


@pytest.mark.parametrize("body, message", [
    (b'{"metadata":{"name":"x"},"data":{"a":NaN}}', "invalid character 'N' looking for beginning of value"),
    (b'{"metadata":{"name":"x"},"data":{"a":Infinity}}', "invalid character 'I' looking for beginning of value"),
    (b'{"metadata":{"name":"x"},"data":{"a":-Infinity}}', "invalid character 'I' in numeric literal"),
    (b'{"metadata":{"name":"x"},"data":{"a":1e999}}', "json: cannot unmarshal number 1e999 into Go value of type float64"),
], ids=["nan", "infinity", "minus-infinity", "overflowing-float"])
def test_values_json_cannot_carry_are_refused(cluster, body, message):
    response = cluster.post(CM_PATH, body)

    assert (response.code, response.body["reason"]) == (400, "BadRequest")
    assert response.body["message"].endswith(message)
    assert cluster.get(CM_PATH + "/x").code == 404


def test_yaml_infinity_is_refused_as_sigs_yaml_refuses_it(cluster):
    response = cluster.post(CM_PATH, b"metadata: {name: x}\ndata: {a: .inf}\n", content_type="application/yaml")

    assert (response.code, response.body["message"]) == (400, "error converting YAML to JSON: json: unsupported value: +Inf")


def test_yaml_timestamps_stay_strings_and_keys_become_strings():
    decoded = codec.decode(b"d: 2024-01-01\n2: two\non: yes\n", "application/yaml")

    assert decoded == {"d": "2024-01-01", "2": "two", "true": True}


def test_a_lone_surrogate_becomes_the_replacement_character_and_lists_stay_json(cluster):
    created = cluster.post(CM_PATH, b'{"metadata":{"name":"x"},"data":{"a":"fz\\udcff","b":"\\ud83d\\ude00"}}')

    assert created.code == 201, created.body
    assert created.body["data"] == {"a": "fz\ufffd", "b": "\U0001F600"}
    listed = codec.encode(cluster.get(CM_PATH).body)
    assert json.loads(listed.decode("utf-8"))["items"][0]["data"]["a"] == "fz\ufffd"


def test_a_lone_surrogate_in_a_name_is_a_validation_error_not_a_crash(cluster):
    response = cluster.post(CM_PATH, b'{"metadata":{"name":"fz\\udcff"}}')

    assert (response.code, response.body["reason"]) == (422, "Invalid")
    assert cluster.post(CM_PATH, {"metadata": {"name": "next"}}).code == 201


def test_encode_refuses_rather_than_writing_non_json():
    with pytest.raises(ValueError):
        codec.encode({"a": float("nan")})
