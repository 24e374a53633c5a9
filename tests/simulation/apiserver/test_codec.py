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


@pytest.mark.parametrize("path, body, message", [
    (CM_PATH, {"metadata": {"name": 123}},
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string"),
    (CM_PATH, {"metadata": {"name": "x"}, "data": {"a": 1}},
     "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"),
    (CM_PATH, {"metadata": {"name": "x"}, "data": {"a": {"nested": "object"}}},
     "json: cannot unmarshal object into Go struct field ConfigMap.data of type string"),
    (CM_PATH, {"metadata": {"name": "x"}, "data": ["a"]},
     "json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string"),
    (CM_PATH, {"metadata": {"name": "x", "labels": ["a"]}},
     "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string"),
    (CM_PATH, {"metadata": {"name": "x", "ownerReferences": "a"}},
     "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.ownerReferences of type "
     "[]v1.OwnerReference"),
    (CM_PATH, {"metadata": {"name": "x", "finalizers": [1]}},
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.finalizers of type string"),
    (CM_PATH, {"metadata": "x"},
     "json: cannot unmarshal string into Go struct field ConfigMap.metadata of type v1.ObjectMeta"),
    ("/api/v1/namespaces/default/pods", {"metadata": {"name": "x"}, "spec": {"containers": [
        {"name": "a", "image": "nginx", "ports": [{"containerPort": 1.5}]}]}},
     "json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of "
     "type int32"),
    ("/apis/apps/v1/namespaces/default/deployments", {"metadata": {"name": "x"}, "spec": {"replicas": "3"}},
     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
], ids=["name-number", "data-number", "data-object", "data-list", "labels-list", "owner-references-string",
        "finalizers-numbers", "metadata-string", "port-fraction", "replicas-string"])
def test_a_field_of_the_wrong_json_type_is_refused_as_the_typed_decoder_refuses_it(cluster, path, body, message):
    response = cluster.post(path, body)

    assert (response.code, response.body["reason"]) == (400, "BadRequest"), response.body
    assert response.body["message"].endswith(": " + message)


def test_yaml_that_decodes_to_the_wrong_types_is_refused(cluster):
    response = cluster.post(CM_PATH, b"metadata: {name: x}\ndata: {on: yes}\n", content_type="application/yaml")

    assert response.code == 400
    assert response.body["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                                        "unmarshal bool into Go struct field ConfigMap.data of type string")


@pytest.mark.parametrize("patch_type, body, message", [
    ("merge", {"data": "x"}, "json: cannot unmarshal string into Go struct field ConfigMap.data of type "
                             "map[string]string"),
    ("strategic", {"metadata": {"labels": {"a": 1}}},
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    ("json", [{"op": "add", "path": "/data/b", "value": 3}],
     "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"),
], ids=["merge", "strategic", "json-patch"])
def test_a_patch_whose_result_has_the_wrong_types_is_refused_and_nothing_changes(cluster, patch_type, body, message):
    cluster.create(CM_PATH, {"metadata": {"name": "x"}, "data": {"a": "b"}})

    response = cluster.patch(CM_PATH + "/x", body, patch_type)

    assert (response.code, response.body["message"]) == (
        400, f'ConfigMap in version "v1" cannot be handled as a ConfigMap: {message}')
    assert cluster.get(CM_PATH + "/x").body["data"] == {"a": "b"}


def test_scale_patch_with_a_string_replica_count_is_refused(cluster):
    cluster.create("/apis/apps/v1/namespaces/default/deployments", {
        "metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
            "metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})

    response = cluster.patch("/apis/apps/v1/namespaces/default/deployments/web/scale", {"spec": {"replicas": "3"}})

    assert response.code == 400, response.body
    assert response.body["message"].endswith("json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas "
                                             "of type int32")


POD_PATH = "/api/v1/namespaces/default/pods"
SVC_PATH = "/api/v1/namespaces/default/services"
DS_PATH = "/apis/apps/v1/namespaces/default/daemonsets"
_POD_SPEC = {"containers": [{"name": "app", "image": "nginx"}]}
_DS = {"metadata": {"name": "x"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {
    "metadata": {"labels": {"app": "x"}}, "spec": _POD_SPEC}}}


@pytest.mark.parametrize("path, body, code, message", [
    (SVC_PATH, {"metadata": {"name": "x"}, "spec": {"ports": [None]}}, 422,
     'Service "x" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'),
    (POD_PATH, {"metadata": {"name": "x"}, "spec": {"containers": [None]}}, 422,
     'Pod "x" is invalid: [spec.containers[0].name: Required value'),
    ("/api/v1/namespaces", {"metadata": {"name": "x"}, "spec": {"finalizers": [None]}}, 422,
     'Namespace "x" is invalid: [spec.finalizers: Invalid value: "": name part must be non-empty'),
    (DS_PATH, {**_DS, "spec": {**_DS["spec"], "selector": {"matchLabels": {"app": "x", "a": None}}}}, 422,
     "DaemonSet.apps \"x\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: "
     "`selector` does not match template `labels`"),
    (DS_PATH, {**_DS, "spec": {**_DS["spec"], "selector": {"matchExpressions": [None]}}}, 422,
     'DaemonSet.apps "x" is invalid: [spec.selector.matchExpressions[0].operator: Invalid value: "": not a valid '
     'selector operator'),
    (CM_PATH, {"metadata": {"name": "x", "labels": {"a": None}}, "data": None}, 201, ""),
], ids=["null-port", "null-container", "null-finalizer", "null-label-value", "null-requirement", "null-map-value"])
def test_a_null_is_what_the_typed_decoder_makes_of_it_not_a_crash(cluster, path, body, code, message):
    """``null`` fits any type, and the typed object it decodes to holds the type's zero value:
    a null list item is a zero port or container, a null map value an empty string."""
    response = cluster.post(path, body)

    assert response.code == code, response.body
    assert response.body.get("message", "").startswith(message)
    if code == 201:
        assert response.body["metadata"]["labels"] == {"a": ""} and "data" not in response.body


def test_a_patch_that_leaves_a_null_in_a_list_is_a_zero_value_not_a_crash(cluster):
    cluster.create(SVC_PATH, {"metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}]}})

    response = cluster.patch(SVC_PATH + "/x", [{"op": "add", "path": "/spec/ports/-", "value": None}], "json")

    assert (response.code, response.body["reason"]) == (422, "Invalid"), response.body
    assert "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive" in response.body["message"]
