"""RFC 7386 JSON merge patch: the RFC's Appendix A examples."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.patch.mergepatch import json_merge_patch
from tests.simulation.apiserver.patch.cases import ids, rows


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
