"""The PATCH handler's dispatch on Content-Type: which format applies, bodies it cannot read
(400), and types a kind does not accept (415)."""
from __future__ import annotations

import pytest

from simulation.apiserver.patch.common import PatchError, UnsupportedPatchType
from simulation.apiserver.patch.patcher import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
)
from tests.simulation.apiserver.patch.cases import ids, rows


# --- apply_patch: dispatch on Content-Type -------------------------------------------------------

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"run": "p"}},
       "spec": {"containers": [{"name": "p", "image": "nginx"}]}}

DISPATCH = [
    ("label-merge-patch", MERGE_PATCH, b'{"metadata":{"labels":{"app":"web"}}}', "Pod",
     {"run": "p", "app": "web"}),
    ("unlabel-merge-patch", MERGE_PATCH, '{"metadata":{"labels":{"run":null}}}', "Pod", {}),
    ("content-type-parameters", "application/merge-patch+json; charset=utf-8", '{"metadata":{"labels":null}}',
     "Pod", None),
    ("json-patch", JSON_PATCH, '[{"op":"add","path":"/metadata/labels/x","value":"y"}]', "Pod",
     {"run": "p", "x": "y"}),
    ("json-patch-null-is-no-op", JSON_PATCH, "null", "Pod", {"run": "p"}),
    ("strategic", STRATEGIC_MERGE_PATCH, {"metadata": {"labels": {"a": "b"}}}, "Pod", {"run": "p", "a": "b"}),
    ("strategic-null-is-no-op", STRATEGIC_MERGE_PATCH, "null", "Pod", {"run": "p"}),
    ("merge-patch-custom-kind", MERGE_PATCH, '{"metadata":{"labels":{"a":"b"}}}', "Widget", {"run": "p", "a": "b"}),
]


@pytest.mark.parametrize("content_type,body,kind,labels", rows(DISPATCH), ids=ids(DISPATCH))
def test_apply_patch_dispatches_on_content_type(content_type, body, kind, labels):
    got = apply_patch(POD, body, content_type, kind)
    assert got["metadata"].get("labels") == labels
    assert got["spec"] == POD["spec"]
    assert POD["metadata"]["labels"] == {"run": "p"}


def test_apply_patch_merges_containers_by_name_only_for_strategic():
    body = '{"spec":{"containers":[{"name":"p","image":"nginx:2"}]}}'
    assert apply_patch(POD, body, STRATEGIC_MERGE_PATCH, "Pod")["spec"]["containers"] == [
        {"name": "p", "image": "nginx:2"}]
    sidecar = '{"spec":{"containers":[{"name":"s","image":"busybox"}]}}'
    assert [c["name"] for c in apply_patch(POD, sidecar, STRATEGIC_MERGE_PATCH, "Pod")["spec"]["containers"]] == \
        ["s", "p"]
    assert [c["name"] for c in apply_patch(POD, sidecar, MERGE_PATCH, "Pod")["spec"]["containers"]] == ["s"]


def test_scale_subresource_merge_patch():
    scale = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"},
             "spec": {"replicas": 2}, "status": {"replicas": 2, "selector": "app=web"}}
    got = apply_patch(scale, b'{"spec":{"replicas":5}}', MERGE_PATCH, "Scale")
    assert got["spec"] == {"replicas": 5} and got["status"] == scale["status"]


BAD_BODIES = [
    ("json-patch-object", JSON_PATCH, '{"op":"add"}', 400,
     "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    ("json-patch-op-not-object", JSON_PATCH, "[1]", 400,
     "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
    ("json-patch-test-fails", JSON_PATCH, '[{"op":"test","path":"/metadata/name","value":"q"}]', 422,
     "testing value /metadata/name failed: test failed"),
    ("json-patch-result-not-object", JSON_PATCH, '[{"op":"replace","path":"","value":[1]}]', 400,
     "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ("merge-patch-null", MERGE_PATCH, "null", 400, "Invalid JSON Patch"),
    ("merge-patch-array", MERGE_PATCH, "[1]", 400,
     "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ("strategic-array", STRATEGIC_MERGE_PATCH, "[]", 400,
     "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ("truncated", STRATEGIC_MERGE_PATCH, '{"spec":', 400, "unexpected end of JSON input"),
    ("not-json", MERGE_PATCH, "spec: {}", 400, "invalid character 's' looking for beginning of value"),
    ("rfc6902-A13-duplicate-op", JSON_PATCH, '[{"op":"add","path":"/baz","value":"qux","op":"remove"}]', 422,
     "error in remove for path: '/baz': Unable to remove nonexistent key: baz: missing value"),
]


@pytest.mark.parametrize("content_type,body,code,message", rows(BAD_BODIES), ids=ids(BAD_BODIES))
def test_apply_patch_rejects_bad_bodies(content_type, body, code, message):
    with pytest.raises(PatchError) as err:
        apply_patch(POD, body, content_type, "Pod")
    assert (err.value.code, str(err.value)) == (code, message)


UNSUPPORTED = [
    ("plain-json", "application/json", "Pod"),
    ("server-side-apply-is-not-ours", APPLY_PATCH, "Pod"),
    ("strategic-on-custom-kind", STRATEGIC_MERGE_PATCH, "Widget"),
]


@pytest.mark.parametrize("content_type,kind", rows(UNSUPPORTED), ids=ids(UNSUPPORTED))
def test_apply_patch_unsupported_types(content_type, kind):
    with pytest.raises(UnsupportedPatchType) as err:
        apply_patch(POD, "{}", content_type, kind)
    assert err.value.content_type == content_type
    assert (STRATEGIC_MERGE_PATCH in err.value.accepted) is (kind == "Pod")
    assert JSON_PATCH in err.value.accepted and MERGE_PATCH in err.value.accepted
