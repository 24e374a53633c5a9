"""Patch bodies: RFC 7386 and RFC 6902 appendix examples, upstream's strategic-merge cases, and
the PATCH bodies real kubectl sent (kube-api-wire-logs/57-apply-seq-*, §5–7 of kube-api-wire.md)."""
from __future__ import annotations

import copy
import json

import pytest

from simulation.apiserver.patch import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    FieldMeta,
    PatchError,
    UnsupportedPatchType,
    apply_patch,
    json_merge_patch,
    json_patch,
    strategic_merge,
    strategic_merge_patch,
)


def ids(cases: list) -> list[str]:
    return [c[0] for c in cases]


def rows(cases: list) -> list[tuple]:
    return [c[1:] for c in cases]


# --- RFC 7386 JSON Merge Patch, Appendix A ------------------------------------------------------

RFC7386 = [
    ("A1-replace", {"a": "b"}, {"a": "c"}, {"a": "c"}),
    ("A2-add", {"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ("A3-delete", {"a": "b"}, {"a": None}, {}),
    ("A4-delete-keeps-rest", {"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ("A5-array-to-string", {"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ("A6-string-to-array", {"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ("A7-nested", {"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ("A8-arrays-replace", {"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ("A9-array-doc", ["a", "b"], ["c", "d"], ["c", "d"]),
    ("A10-object-to-array", {"a": "b"}, ["c"], ["c"]),
    ("A11-null-patch", {"a": "foo"}, None, None),
    ("A12-string-patch", {"a": "foo"}, "bar", "bar"),
    ("A13-null-in-target-kept", {"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ("A14-array-target", [1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ("A15-nulls-pruned-in-new-object", {}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("target,patch,expected", rows(RFC7386), ids=ids(RFC7386))
def test_json_merge_patch_rfc7386_appendix(target, patch, expected):
    before = copy.deepcopy(target)
    assert json_merge_patch(target, patch) == expected
    assert target == before


# --- RFC 6902 JSON Patch, Appendix A ------------------------------------------------------------

RFC6902 = [
    ("A1-add-member", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}],
     {"baz": "qux", "foo": "bar"}),
    ("A2-add-array-element", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A3-remove-member", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A4-remove-array-element", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}],
     {"foo": ["bar", "baz"]}),
    ("A5-replace", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A6-move", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A7-move-array-element", {"foo": ["all", "grass", "cows", "eat"]},
     [{"op": "move", "from": "/foo/1", "path": "/foo/3"}], {"foo": ["all", "cows", "eat", "grass"]}),
    ("A8-test-success", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A10-add-nested-object", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A11-ignore-unknown-members", {"foo": "bar"},
     [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}], {"foo": "bar", "baz": "qux"}),
    ("A14-escape-ordering", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}],
     {"/": 9, "~1": 10}),
    ("A16-add-array-value", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
    ("copy", {"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
    ("replace-root", {"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}),
    ("replace-array-element", {"a": [1, 2]}, [{"op": "replace", "path": "/a/0", "value": 9}], {"a": [9, 2]}),
    ("test-number-equals-float", {"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}], {"a": 1}),
    ("scale-replicas", {"spec": {"replicas": 2}},
     [{"op": "test", "path": "/spec/replicas", "value": 2}, {"op": "replace", "path": "/spec/replicas", "value": 5}],
     {"spec": {"replicas": 5}}),
    ("add-label-with-slash", {"metadata": {"labels": {}}},
     [{"op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "web"}],
     {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}),
]


@pytest.mark.parametrize("target,ops,expected", rows(RFC6902), ids=ids(RFC6902))
def test_json_patch_rfc6902_appendix(target, ops, expected):
    before = copy.deepcopy(target)
    assert json_patch(target, ops) == expected
    assert target == before


JSON_PATCH_ERRORS = [
    ("A9-test-fails", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}],
     "testing value /baz failed: test failed"),
    ("A12-add-to-missing-parent", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}],
     'add operation does not apply: doc is missing path: "/baz/bat": missing value'),
    ("A15-string-is-not-number", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}],
     "testing value /~01 failed: test failed"),
    ("test-bool-is-not-number", {"a": 1}, [{"op": "test", "path": "/a", "value": True}],
     "testing value /a failed: test failed"),
    ("remove-missing-key", {"a": 1}, [{"op": "remove", "path": "/nope"}],
     "error in remove for path: '/nope': Unable to remove nonexistent key: nope: missing value"),
    ("remove-missing-parent", {"a": 1}, [{"op": "remove", "path": "/b/c"}],
     'remove operation does not apply: doc is missing path: "/b/c": missing value'),
    ("remove-bad-index", {"foo": [1]}, [{"op": "remove", "path": "/foo/5"}],
     "error in remove for path: '/foo/5': Unable to access invalid index: 5: invalid index referenced"),
    ("add-index-past-end", {"foo": [1]}, [{"op": "add", "path": "/foo/5", "value": 2}],
     "error in add for path: '/foo/5': Unable to access invalid index: 5: invalid index referenced"),
    ("add-leading-zero-index", {"foo": [1, 2]}, [{"op": "add", "path": "/foo/01", "value": 2}],
     "error in add for path: '/foo/01': value was not a proper array index: '01'"),
    ("replace-missing-key", {"a": 1}, [{"op": "replace", "path": "/nope", "value": 1}],
     "replace operation does not apply: doc is missing key: /nope: missing value"),
    ("replace-missing-parent", {"a": 1}, [{"op": "replace", "path": "/b/c", "value": 1}],
     "replace operation does not apply: doc is missing path: /b/c: missing value"),
    ("move-missing-from", {"a": 1}, [{"op": "move", "from": "/nope", "path": "/b"}],
     "move operation does not apply: doc is missing from path: /nope: missing value"),
    ("move-into-own-child", {"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}],
     "move operation does not apply: from path /a is an ancestor of path /a/b/c"),
    ("copy-to-missing-parent", {"a": 1}, [{"op": "copy", "from": "/a", "path": "/x/y"}],
     "copy operation does not apply: doc is missing destination path: /x/y: missing value"),
    ("test-missing-parent", {"a": 1}, [{"op": "test", "path": "/b/c", "value": 1}],
     "test operation does not apply: is missing path: /b/c: missing value"),
    ("unknown-op", {}, [{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
    ("missing-path", {}, [{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
    ("missing-value", {}, [{"op": "add", "path": "/a"}], "add operation, missing value field: missing value"),
    ("all-or-nothing", {"a": 1}, [{"op": "remove", "path": "/a"}, {"op": "test", "path": "/a", "value": 1}],
     "testing value /a failed: test failed"),
]


@pytest.mark.parametrize("target,ops,message", rows(JSON_PATCH_ERRORS), ids=ids(JSON_PATCH_ERRORS))
def test_json_patch_errors_use_upstream_words(target, ops, message):
    before = copy.deepcopy(target)
    with pytest.raises(PatchError) as err:
        json_patch(target, ops)
    assert str(err.value) == message
    assert err.value.code == 422
    assert target == before


# --- Strategic merge patch: upstream's generic cases (k8s.io/apimachinery strategicpatch tests) -----

#: The test struct upstream's cases are written against (``MergeItem``), as a schema.
MERGE_ITEM: dict[str, FieldMeta] = {}
MERGE_ITEM.update({
    "mergingList": FieldMeta("merge", "name", MERGE_ITEM),
    "mergingIntList": FieldMeta("merge"),
    "replacingItem": FieldMeta("replace"),
    "retainKeysMap": FieldMeta(fields={"mergingList": FieldMeta("merge", "name", MERGE_ITEM)}),
    "retainKeysMergingList": FieldMeta("merge", "name", MERGE_ITEM),
})


def named(*names) -> list[dict]:
    """``named(1, 2)`` → ``[{"name": 1}, {"name": 2}]``."""
    return [{"name": n} for n in names]


SMP_GENERIC = [
    ("unique-scalars", {"mergingIntList": [1, 2]}, {"mergingIntList": [2, 3]}, {"mergingIntList": [1, 2, 3]}),
    ("delete-nested-map", {"simpleMap": {"key1": 1, "key2": 1}}, {"simpleMap": {"$patch": "delete"}},
     {"simpleMap": {}}),
    ("replace-list-with-nothing", {"mergingList": named(1, 2)}, {"mergingList": [{"$patch": "replace"}]},
     {"mergingList": []}),
    ("replace-list", {"mergingList": named(1, 2)}, {"mergingList": [{"$patch": "replace"}, {"name": 3}]},
     {"mergingList": [{"name": 3}]}),
    ("replace-map", {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
    ("replace-map-with-key", {"name": 1, "value": 1}, {"other": "a", "$patch": "replace"}, {"other": "a"}),
    ("delete-duplicates", {"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3},
                                           {"name": 3}]},
     {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "value": "a"}]}),
    ("patch-order-wins", {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "other": "x"}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "value": "b", "other": "x"}]}),
    ("patch-order-with-server-only-item", {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]},
     {"mergingList": [{"name": 2, "value": "b"}, {"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
    ("int-list-patch-order", {"mergingIntList": [1, 2, 3]}, {"mergingIntList": [3, 1, 2]},
     {"mergingIntList": [3, 1, 2]}),
    ("int-list-patch-order-partial", {"mergingIntList": [1, 2, 3]}, {"mergingIntList": [3, 1]},
     {"mergingIntList": [2, 3, 1]}),
    # Without $setElementOrder an item new to the list lands ahead of the server-only items.
    ("new-item-without-order-goes-first", {"mergingList": named(1, 2)}, {"mergingList": named(3)},
     {"mergingList": named(3, 1, 2)}),
    ("set-order-names-absent-item", {"mergingList": named(1, 3)},
     {"$setElementOrder/mergingList": named(3, 2, 1),
      "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
     {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
    ("set-order-int-list-only", {"mergingIntList": [1, 3]}, {"$setElementOrder/mergingIntList": [3, 2, 1]},
     {"mergingIntList": [3, 1]}),
    ("delete-absent-primitive", {"mergingIntList": [1, 2]}, {"$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2]}),
    ("delete-from-null-primitive-list", {"mergingIntList": None},
     {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": None}),
    ("delete-from-missing-primitive-list", {"foo": ["bar"]},
     {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"foo": ["bar"]}),
    ("delete-primitive", {"mergingIntList": [1, 2, 3]}, {"$deleteFromPrimitiveList/mergingIntList": [2]},
     {"mergingIntList": [1, 3]}),
    ("delete-primitive-from-atomic-list", {"nonMergingIntList": [1, 2, 3]},
     {"$deleteFromPrimitiveList/nonMergingIntList": [2]}, {"nonMergingIntList": [1, 3]}),
    ("new-list-drops-delete-items", {"name": "hi"},
     {"mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]},
     {"name": "hi", "mergingList": [{"name": "hello"}]}),
    ("set-order-with-delete-item", {"name": "hi", "mergingList": [{"name": "hello2"}]},
     {"$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
      "mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]},
     {"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]}),
    ("delete-scalars-keeps-server-only", {"mergingIntList": [1, 2, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2, 4]}),
    ("add-and-delete-scalars", {"mergingIntList": [1, 2, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2, 4], "$deleteFromPrimitiveList/mergingIntList": [3],
      "mergingIntList": [4]},
     {"mergingIntList": [1, 2, 4]}),
    ("merge-maps-in-set-order", {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": named(4, 1, 2, 3),
      "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]},
     {"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"},
                      {"name": 3, "value": 3}]}),
    ("add-and-delete-maps", {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]},
     {"$setElementOrder/mergingList": named(2, 3), "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
    ("add-and-delete-maps-server-drifted", {"mergingList": [{"name": 1, "other": "a"}, {"name": 4, "other": "c"}]},
     {"$setElementOrder/mergingList": named(2, 3),
      "mergingList": [{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 4, "other": "c"}, {"name": 2}, {"name": 3}]}),
    # One apply removes B and adds C while X was added by someone else: X keeps its place.
    ("swap-keeps-server-only-item-in-place", {"mergingList": named("A", "B", "X")},
     {"$setElementOrder/mergingList": named("A", "C"),
      "mergingList": [{"name": "C"}, {"name": "B", "$patch": "delete"}]},
     {"mergingList": named("A", "X", "C")}),
    ("delete-field-in-list-item", {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2}]},
     {"$setElementOrder/mergingList": named(1, 2), "mergingList": [{"name": 1, "value": None}]},
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}]}),
    ("nested-atomic-list-replaced", {"mergingList": [{"name": 1, "other": "a",
                                                      "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]}]},
     {"mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}]},
     {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]}]}),
    ("replace-strategy-map", {"replacingItem": {"a": 1, "b": 2}}, {"replacingItem": {"b": 3}},
     {"replacingItem": {"b": 3}}),
    ("retain-keys", {"retainKeysMap": {"name": "foo", "value": "a", "other": "x"}},
     {"retainKeysMap": {"$retainKeys": ["name", "other"], "other": "y", "value": None}},
     {"retainKeysMap": {"name": "foo", "other": "y"}}),
    ("retain-keys-absent-merges", {"retainKeysMap": {"name": "foo"}}, {"retainKeysMap": {"value": "bar"}},
     {"retainKeysMap": {"name": "foo", "value": "bar"}}),
    ("null-for-absent-key", {"name": 1}, {"value": None}, {"name": 1}),
    ("new-map-drops-nulls", {}, {"simpleMap": {"a": "1", "b": None}}, {"simpleMap": {"a": "1"}}),
    ("type-change-replaces", {"simpleMap": {"a": "1"}}, {"simpleMap": "x"}, {"simpleMap": "x"}),
    ("delete-whole-object", {"name": 1}, {"$patch": "delete"}, {}),
]


@pytest.mark.parametrize("original,patch,expected", rows(SMP_GENERIC), ids=ids(SMP_GENERIC))
def test_strategic_merge_generic_cases(original, patch, expected):
    before, patch_before = copy.deepcopy(original), copy.deepcopy(patch)
    assert strategic_merge(original, patch, MERGE_ITEM) == expected
    assert original == before and patch == patch_before


SMP_GENERIC_ERRORS = [
    ("set-order-mismatch", {"mergingList": named(1, 3, 2)},
     {"$setElementOrder/mergingList": named(1, 2, 3), "mergingList": [{"name": 3, "value": 3}, {"name": 1}]},
     "doesn't match $setElementOrder list", 400),
    ("set-order-mismatch-ints", {"mergingIntList": [1, 3, 2]},
     {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
     "doesn't match $setElementOrder list", 400),
    ("missing-merge-key", {"mergingList": [{"name": 1, "value": "a"}]}, {"mergingList": [{"value": "b"}]},
     "map: map[value:b] does not contain declared merge key: name", 400),
    ("delete-without-merge-key", {"mergingList": named(1)}, {"mergingList": [{"$patch": "delete"}]},
     "map: map[$patch:delete] does not contain declared merge key: name", 400),
    ("merge-directive-in-list", {"mergingList": named(1)}, {"mergingList": [{"$patch": "merge", "name": 1}]},
     "merging lists cannot yet be specified in the patch", 400),
    ("unknown-map-directive", {"name": 1}, {"$patch": "merge"}, "unknown patch type: merge in map: map[$patch:merge]",
     400),
    ("retain-keys-not-list", {"retainKeysMap": {}}, {"retainKeysMap": {"$retainKeys": "name"}},
     "invalid patch format of retainKeys", 400),
    ("retain-keys-misses-patched-key", {"retainKeysMap": {}},
     {"retainKeysMap": {"$retainKeys": ["name"], "value": "x"}}, "invalid patch format of retainKeys", 400),
    ("set-order-without-slash", {}, {"$setElementOrder": []}, "invalid patch format of setElementOrder list", 400),
    ("delete-list-without-slash", {}, {"$deleteFromPrimitiveList": [1]}, "invalid patch format of primitive list",
     400),
    ("list-of-lists", {"mergingIntList": [[1]]}, {"mergingIntList": [[2]]}, "lists of lists are not supported", 422),
    ("mixed-element-types", {"mergingIntList": [1]}, {"mergingIntList": ["a"]},
     "list element types are not identical", 400),
]


@pytest.mark.parametrize("original,patch,message,code", rows(SMP_GENERIC_ERRORS), ids=ids(SMP_GENERIC_ERRORS))
def test_strategic_merge_generic_errors(original, patch, message, code):
    with pytest.raises(PatchError) as err:
        strategic_merge(original, patch, MERGE_ITEM)
    assert message in str(err.value)
    assert err.value.code == code


# --- Strategic merge patch on our kinds: the bodies kubectl sends -----------------------------------

def deployment(containers: list[dict], **spec) -> dict:
    """A Deployment as the server stores it, server-side defaults included."""
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "uid": "d-1", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                             "maxUnavailable": "25%"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": containers, "restartPolicy": "Always"}},
                     **spec}}


def container(name: str, image: str = "nginx:1.25", **extra) -> dict:
    return {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log", "resources": {}, **extra}


def template_patch(*containers: dict, order: list[str] | None = None) -> dict:
    spec: dict = {"containers": list(containers)}
    if order is not None:
        spec["$setElementOrder/containers"] = [{"name": n} for n in order]
    return {"spec": {"template": {"spec": spec}}}


def containers_of(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_set_image_keeps_server_defaults():
    live = deployment([container("nginx", ports=[{"containerPort": 80, "protocol": "TCP"}])])
    got = strategic_merge_patch(live, template_patch({"image": "nginx:1.27", "name": "nginx"}, order=["nginx"]),
                                "Deployment")
    assert containers_of(got) == [container("nginx", "nginx:1.27", ports=[{"containerPort": 80, "protocol": "TCP"}])]
    assert got["spec"]["strategy"] == live["spec"]["strategy"]


def test_add_env_var_then_remove_one_then_remove_all():
    live = deployment([container("nginx")])
    add = template_patch({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "name": "nginx"},
                         order=["nginx"])
    live = strategic_merge_patch(live, add, "Deployment")
    assert containers_of(live)[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    # kubectl apply after deleting B from the manifest: a delete item plus the order to keep.
    drop_b = template_patch({"$setElementOrder/env": [{"name": "A"}], "env": [{"$patch": "delete", "name": "B"}],
                             "name": "nginx"}, order=["nginx"])
    live = strategic_merge_patch(live, drop_b, "Deployment")
    assert containers_of(live)[0]["env"] == [{"name": "A", "value": "1"}]
    # ... and after deleting the whole env block.
    live = strategic_merge_patch(live, template_patch({"env": None, "name": "nginx"}, order=["nginx"]), "Deployment")
    assert containers_of(live) == [container("nginx")]


def test_env_value_change_merges_by_name():
    live = deployment([container("nginx", env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])])
    got = strategic_merge_patch(live, template_patch({"$setElementOrder/env": [{"name": "A"}, {"name": "B"}],
                                                      "env": [{"name": "B", "value": "3"}], "name": "nginx"},
                                                     order=["nginx"]), "Deployment")
    assert containers_of(got)[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]


KIND_CASES = [
    ("cordon", "Node", {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.1.0/24"}},
     {"spec": {"unschedulable": True}},
     {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.1.0/24", "unschedulable": True}}),
    ("uncordon", "Node", {"metadata": {"name": "node-1"}, "spec": {"unschedulable": True}},
     {"spec": {"unschedulable": None}}, {"metadata": {"name": "node-1"}, "spec": {}}),
    ("taints-are-atomic", "Node",
     {"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}, {"key": "b", "effect": "NoExecute"}]}},
     {"spec": {"taints": [{"key": "c", "value": "v", "effect": "NoSchedule"}]}},
     {"spec": {"taints": [{"key": "c", "value": "v", "effect": "NoSchedule"}]}}),
    ("node-status-conditions-by-type", "Node",
     {"status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "False", "reason": "KubeletNotReady"}],
                 "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                 "addresses": [{"type": "Hostname", "address": "node-1"}]}},
     {"status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                 "addresses": [{"type": "Hostname", "address": "node-1"},
                               {"type": "InternalIP", "address": "10.0.0.1"}]}}),
    ("tolerations-are-atomic", "Pod", {"spec": {"tolerations": [{"key": "a", "operator": "Exists"}]}},
     {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}},
     {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}),
    ("container-args-are-atomic", "Pod", {"spec": {"containers": [{"name": "c", "args": ["a", "b"]}]}},
     {"spec": {"containers": [{"name": "c", "args": ["z"]}]}},
     {"spec": {"containers": [{"name": "c", "args": ["z"]}]}}),
    ("container-ports-by-containerPort", "Pod",
     {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}},
     {"spec": {"containers": [{"name": "c", "$setElementOrder/ports": [{"containerPort": 80}, {"containerPort": 443}],
                               "ports": [{"containerPort": 443}]}]}},
     {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"},
                                                      {"containerPort": 443}]}]}}),
    ("volumes-and-mounts", "Pod",
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
     {"spec": {"$setElementOrder/volumes": [{"name": "data"}, {"name": "cfg"}],
               "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data",
                                                              "readOnly": True}]}]}},
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data",
                                                              "readOnly": True}]}]}}),
    ("volume-source-swap-with-retain-keys", "Pod",
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}]}},
     {"spec": {"volumes": [{"$retainKeys": ["hostPath", "name"], "name": "data", "hostPath": {"path": "/x"}}]}},
     {"spec": {"volumes": [{"name": "data", "hostPath": {"path": "/x"}}]}}),
    ("init-containers-by-name", "Pod",
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:1"}]}},
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:2"}]}},
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:2"}]}}),
    ("pod-conditions-by-type", "Pod",
     {"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}},
     {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
     {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"},
                                                    {"type": "PodScheduled", "status": "True"}]}}),
    ("service-ports-by-port", "Service",
     {"spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}, {"port": 443, "targetPort": 8443}]}},
     {"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 443}], "ports": [{"port": 80, "targetPort": 9090}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090, "protocol": "TCP"}, {"port": 443, "targetPort": 8443}]}}),
    ("finalizers-merge-as-set", "Deployment", {"metadata": {"finalizers": ["a", "b"]}},
     {"metadata": {"finalizers": ["b", "c"]}}, {"metadata": {"finalizers": ["a", "b", "c"]}}),
    ("finalizers-delete-one", "Pod", {"metadata": {"finalizers": ["a", "b", "c"]}},
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}, {"metadata": {"finalizers": ["a", "c"]}}),
    ("finalizers-null-clears", "Namespace", {"metadata": {"finalizers": ["a"]}},
     {"metadata": {"finalizers": None}}, {"metadata": {}}),
    ("owner-references-by-uid", "ReplicaSet",
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "web", "controller": True}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "blockOwnerDeletion": True}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "web", "controller": True, "blockOwnerDeletion": True}]}}),
    ("labels-key-null", "Pod", {"metadata": {"labels": {"app": "web", "tier": "fe"}}},
     {"metadata": {"labels": {"tier": None, "canary": "true"}}},
     {"metadata": {"labels": {"app": "web", "canary": "true"}}}),
    ("strategy-retain-keys", "Deployment", {"spec": {"strategy": {"type": "RollingUpdate",
                                                                  "rollingUpdate": {"maxSurge": 1}}}},
     {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}}},
     {"spec": {"strategy": {"type": "Recreate"}}}),
    ("replace-containers-list", "Deployment", deployment([container("a"), container("b")]),
     template_patch({"$patch": "replace"}, {"name": "c", "image": "busybox"}),
     deployment([{"name": "c", "image": "busybox"}])),
    ("cronjob-pod-template", "CronJob",
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "a"},
                                                                             {"name": "d", "image": "b"}]}}}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "d", "image": "z"}]}}}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "a"},
                                                                             {"name": "d", "image": "z"}]}}}}}}),
    ("unknown-kind-guesses-by-name", "Widget",
     {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}], "items": [1, 2]}},
     {"spec": {"containers": [{"name": "b", "image": "2"}], "items": [3]}},
     {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}], "items": [3]}}),
]


@pytest.mark.parametrize("kind,live,patch,expected", rows(KIND_CASES), ids=ids(KIND_CASES))
def test_strategic_merge_patch_per_kind(kind, live, patch, expected):
    before = copy.deepcopy(live)
    assert strategic_merge_patch(live, patch, kind) == expected
    assert live == before


# --- The real kubectl apply sequence (kube-api-wire-logs/57-apply-seq-*.txt), bodies verbatim -------

APPLY_1_CREATE = json.loads(r'''{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"nginx\"},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]}]}}}}\n"},"labels":{"app":"nginx"},"name":"nginx","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]}]}}}}''')
APPLY_2_IMAGE_CHANGE = json.loads(r'''{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"nginx\"},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":5,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.26\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]}]}}}}\n"}},"spec":{"replicas":5,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.26","name":"nginx"}]}}}}''')
APPLY_3_ADD_SIDECAR_DROP_LABELS = json.loads(r'''{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]},{\"image\":\"busybox\",\"name\":\"sidecar\"}]}}}}\n"},"labels":null},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.25","name":"nginx"},{"image":"busybox","name":"sidecar"}]}}}}''')

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def stored_after_create() -> dict:
    """What kube-apiserver stores for the first apply's POST: the body plus metadata and defaults."""
    obj = copy.deepcopy(APPLY_1_CREATE)
    obj["metadata"].update(uid="7d0c", resourceVersion="1", generation=1, creationTimestamp="2025-01-01T00:00:00Z")
    obj["spec"].update(revisionHistoryLimit=10, progressDeadlineSeconds=600,
                       strategy={"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    pod = obj["spec"]["template"]["spec"]
    pod.update(restartPolicy="Always", dnsPolicy="ClusterFirst", schedulerName="default-scheduler")
    pod["containers"][0].update(imagePullPolicy="IfNotPresent", resources={},
                                terminationMessagePath="/dev/termination-log")
    pod["containers"][0]["ports"][0]["protocol"] = "TCP"
    return obj


def test_kubectl_apply_sequence_image_change_then_sidecar_and_label_removal():
    live = stored_after_create()

    live = apply_patch(live, json.dumps(APPLY_2_IMAGE_CHANGE).encode(), STRATEGIC_MERGE_PATCH, "Deployment")
    assert live["spec"]["replicas"] == 5
    assert live["metadata"]["labels"] == {"app": "nginx"}
    assert live["metadata"]["uid"] == "7d0c"
    assert live["metadata"]["annotations"][LAST_APPLIED] == \
        APPLY_2_IMAGE_CHANGE["metadata"]["annotations"][LAST_APPLIED]
    assert containers_of(live) == [{"image": "nginx:1.26", "name": "nginx", "imagePullPolicy": "IfNotPresent",
                                    "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
                                    "terminationMessagePath": "/dev/termination-log"}]

    live = apply_patch(live, json.dumps(APPLY_3_ADD_SIDECAR_DROP_LABELS), STRATEGIC_MERGE_PATCH, "Deployment")
    assert live["spec"]["replicas"] == 3
    assert "labels" not in live["metadata"]
    assert live["spec"]["template"]["metadata"]["labels"] == {"app": "nginx"}
    assert [c["name"] for c in containers_of(live)] == ["nginx", "sidecar"]
    assert containers_of(live)[0]["image"] == "nginx:1.25"
    assert containers_of(live)[0]["imagePullPolicy"] == "IfNotPresent"
    assert containers_of(live)[1] == {"image": "busybox", "name": "sidecar"}
    assert live["spec"]["strategy"]["type"] == "RollingUpdate"
    assert live["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_kubectl_apply_sequence_reproduces_last_applied_spec():
    """Without server defaults, each apply must leave the object equal to the manifest it recorded."""
    live = copy.deepcopy(APPLY_1_CREATE)
    for body in (APPLY_2_IMAGE_CHANGE, APPLY_3_ADD_SIDECAR_DROP_LABELS):
        live = strategic_merge_patch(live, body, "Deployment")
        manifest = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
        assert live["spec"] == manifest["spec"]
        assert live["metadata"].get("labels") == manifest["metadata"].get("labels")


def test_rollout_restart_adds_template_annotation():
    live = deployment([container("nginx")])
    body = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "T"}}}}}
    got = strategic_merge_patch(live, body, "Deployment")
    assert got["spec"]["template"]["metadata"] == {"labels": {"app": "web"},
                                                   "annotations": {"kubectl.kubernetes.io/restartedAt": "T"}}
    assert containers_of(got) == containers_of(live)


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
