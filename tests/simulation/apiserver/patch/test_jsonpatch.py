"""RFC 6902 JSON Patch: the RFC's Appendix A examples, and failures in evanphx/json-patch's words."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.patch.common import PatchError
from simulation.apiserver.patch.jsonpatch import json_patch
from tests.simulation.apiserver.patch.cases import ids, rows


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
