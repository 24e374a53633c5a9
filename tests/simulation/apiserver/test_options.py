"""Query parameters a write or list carries are checked as upstream checks them, before
anything is read or written: a bad one is a 4xx with upstream's words, never ignored."""
from __future__ import annotations

import pytest

from tests.simulation.apiserver.server_fixtures import CM_PATH, Cluster, configmap


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    c.create(CM_PATH, configmap("a"))
    c.create(CM_PATH, configmap("b"))
    return c


@pytest.mark.parametrize("method, query, message", [
    ("POST", {"fieldValidation": "Bogus"}, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported '
                                           'value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"'),
    ("POST", {"dryRun": "Bogus"}, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                                  '[]string{"Bogus"}: supported values: "All"'),
    ("POST", {"fieldManager": "m" * 129}, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not '
                                          "be more than 128 bytes"),
    ("POST", {"fieldManager": "a\x01b"}, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: '
                                         '"a\\x01b": invalid character U+0001 (at position 1)'),
    ("PUT", {"dryRun": "yes"}, 'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                               '[]string{"yes"}: supported values: "All"'),
    ("PATCH", {"fieldValidation": "strict"}, 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported '
                                             'value: "strict": supported values: "", "Ignore", "Strict", "Warn"'),
], ids=["field-validation", "dry-run", "long-manager", "control-char-manager", "update-dry-run", "patch-validation"])
def test_bad_write_options_are_422_and_write_nothing(cluster, method, query, message):
    before = cluster.store.current_revision()
    body = configmap("c") if method == "POST" else configmap("a", {"changed": "yes"})
    path = CM_PATH if method == "POST" else CM_PATH + "/a"

    response = cluster.request(method, path, body, query=query,
                               content_type="application/merge-patch+json" if method == "PATCH" else "application/json")

    assert (response.code, response.body["reason"], response.body["message"]) == (422, "Invalid", message)
    assert cluster.store.current_revision() == before


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_a_limit_that_is_not_positive_lists_everything(cluster, limit):
    body = cluster.get(CM_PATH, query={"limit": limit}).body

    assert [i["metadata"]["name"] for i in body["items"]] == ["a", "b"]
    assert "continue" not in body["metadata"]


def test_a_limit_past_int64_is_a_bad_request(cluster):
    response = cluster.get(CM_PATH, query={"limit": "99999999999999999999999"})

    assert (response.code, response.body["reason"]) == (400, "BadRequest")


@pytest.mark.parametrize("query, body, message", [
    ({"orphanDependents": "maybe"}, None,
     'failed to decode query parameter "orphanDependents": strconv.ParseBool: parsing "maybe": invalid syntax'),
    ({}, {"gracePeriodSeconds": "x"},
     "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"),
], ids=["orphan-maybe", "grace-string"])
def test_bad_delete_options_are_400_and_delete_nothing(cluster, query, body, message):
    response = cluster.request("DELETE", CM_PATH + "/a", body, query=query)

    assert (response.code, response.body["message"]) == (400, message)
    assert cluster.get(CM_PATH + "/a").code == 200


@pytest.mark.parametrize("patch_type, body, message", [
    ("merge", {"metadata": {"name": "other"}}, "the name of the object (other) does not match the name on the URL (a)"),
    ("json", [{"op": "replace", "path": "/metadata/namespace", "value": "kube-system"}],
     "the namespace of the object (kube-system) does not match the namespace on the request (default)"),
], ids=["rename", "move"])
def test_a_patch_may_not_rename_or_move_the_object(cluster, patch_type, body, message):
    response = cluster.patch(CM_PATH + "/a", body, patch_type)

    assert (response.code, response.body["message"]) == (400, message)
    assert cluster.get(CM_PATH + "/a").code == 200


@pytest.mark.parametrize("body, message", [
    ({"kind": "Secret"}, "the kind in the data (Secret) does not match the expected kind (ConfigMap)"),
    ({"apiVersion": "v2"}, "the API version in the data (v2) does not match the expected API version (v1)"),
], ids=["kind", "api-version"])
def test_a_patch_may_not_change_the_kind_or_version(cluster, body, message):
    response = cluster.patch(CM_PATH + "/a", body)

    assert (response.code, response.body["message"]) == (400, message)


@pytest.mark.parametrize("query", [
    {"resourceVersion": "²"}, {"resourceVersion": "²", "watch": "true"}, {"resourceVersion": "١"},
    {"resourceVersion": "18446744073709551616"}, {"resourceVersion": " 1"},
], ids=["superscript", "superscript-watch", "arabic-indic-digit", "past-uint64", "space"])
def test_a_resource_version_that_is_not_a_uint64_is_a_bad_request(cluster, query):
    """As upstream's ``strconv.ParseUint``: ASCII digits that fit 64 bits, nothing else."""
    response = cluster.get(CM_PATH, query=query)

    assert (response.code, response.body["message"]) == (400, f"invalid resource version: {query['resourceVersion']}")


@pytest.mark.parametrize("value", ["١", " 1", "1_0", "1.0", "0x10"],
                         ids=["arabic-indic-digit", "space", "underscore", "fraction", "hex"])
def test_an_integer_parameter_is_read_as_go_reads_it(cluster, value):
    response = cluster.get(CM_PATH, query={"limit": value})

    assert (response.code, response.body["message"]) == (400, f"invalid value for limit: {value!r}")


def test_a_signed_integer_parameter_is_accepted_as_go_accepts_it(cluster):
    assert cluster.get(CM_PATH, query={"limit": "+1"}).body["metadata"].get("continue")
