"""Role, ClusterRole and binding validation (rbac.authorization.k8s.io/v1)."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.validation import validate_create, validate_update
from tests.simulation.apiserver.fakes import rt_for


def c(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "field": path, "message": message}


def role(kind="Role", name="reader", rules=None):
    meta = {"name": name, **({"namespace": "default"} if kind == "Role" else {})}
    return {"kind": kind, "metadata": meta,
            "rules": rules if rules is not None else [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}


def binding(kind="RoleBinding", ref=None, subjects=None):
    meta = {"name": "b", **({"namespace": "default"} if kind == "RoleBinding" else {})}
    obj = {"kind": kind, "metadata": meta, "roleRef": ref or {"kind": "ClusterRole", "name": "view"},
           "subjects": subjects if subjects is not None else [{"kind": "User", "name": "alice"}]}
    apply_defaults(rt_for(kind), obj)
    return obj


CASES = [
    ("role-ok", role(), []),
    ("clusterrole-colon-name", role("ClusterRole", "system:node"), []),
    ("role-slash-name", role(name="a/b"), [c("FieldValueInvalid", "metadata.name", "Invalid value: \"a/b\": may not "
                                             "contain '/'")]),
    ("rule-verbs", role(rules=[{"apiGroups": [""], "resources": ["pods"]}]), [
        c("FieldValueRequired", "rules[0].verbs", "Required value: verbs must contain at least one value")]),
    ("rule-groups-and-resources", role(rules=[{"verbs": ["get"]}]), [
        c("FieldValueRequired", "rules[0].apiGroups", "Required value: resource rules must supply at least one api "
          "group"),
        c("FieldValueRequired", "rules[0].resources", "Required value: resource rules must supply at least one "
          "resource")]),
    ("namespaced-non-resource-url", role(rules=[{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]), [
        c("FieldValueInvalid", "rules[0].nonResourceURLs", 'Invalid value: []string{"/healthz"}: namespaced rules '
          "cannot apply to non-resource URLs")]),
    ("cluster-non-resource-url", role("ClusterRole", rules=[{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]), []),
    ("mixed-rule", role("ClusterRole", rules=[{"nonResourceURLs": ["/x"], "resources": ["pods"], "verbs": ["get"]}]),
     [c("FieldValueInvalid", "rules[0].nonResourceURLs", 'Invalid value: []string{"/x"}: rules cannot apply to both '
        "regular resources and non-resource URLs")]),
    ("binding-ok", binding(), []),
    ("binding-role-kind", binding(ref={"kind": "Group", "name": "x"}), [
        c("FieldValueNotSupported", "roleRef.kind", 'Unsupported value: "Group": supported values: "Role", '
          '"ClusterRole"')]),
    ("cluster-binding-to-role", binding("ClusterRoleBinding", ref={"kind": "Role", "name": "x"}), [
        c("FieldValueNotSupported", "roleRef.kind", 'Unsupported value: "Role": supported values: "ClusterRole"')]),
    ("binding-role-group", binding(ref={"kind": "Role", "name": "x", "apiGroup": "rbac"}), [
        c("FieldValueNotSupported", "roleRef.apiGroup",
          'Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"')]),
    ("binding-role-name", binding(ref={"kind": "Role", "name": ""}), [c("FieldValueRequired", "roleRef.name",
                                                                          "Required value")]),
    ("subject-kind", binding(subjects=[{"kind": "Robot", "name": "r2"}]), [
        c("FieldValueNotSupported", "subjects[0].kind", 'Unsupported value: "Robot": supported values: '
          '"ServiceAccount", "User", "Group"')]),
    ("cluster-binding-sa-namespace", binding("ClusterRoleBinding", subjects=[{"kind": "ServiceAccount", "name": "sa"}]),
     [c("FieldValueRequired", "subjects[0].namespace", "Required value")]),
    ("sa-api-group", binding(subjects=[{"kind": "ServiceAccount", "name": "sa", "apiGroup": "x"}]), [
        c("FieldValueNotSupported", "subjects[0].apiGroup", 'Unsupported value: "x": supported values: ""')]),
]


@pytest.mark.parametrize("body,expected", [x[1:] for x in CASES], ids=[x[0] for x in CASES])
def test_validate_create(body, expected):
    assert validate_create(rt_for(body["kind"]), body) == expected


def test_role_ref_is_immutable():
    old = binding()
    new = copy.deepcopy(old)
    new["roleRef"]["name"] = "edit"
    assert validate_update(rt_for("RoleBinding"), new, old) == [c(
        "FieldValueInvalid", "roleRef", 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
        'Kind:"ClusterRole", Name:"edit"}: cannot change roleRef')]


def test_subjects_may_change():
    old = binding()
    new = copy.deepcopy(old)
    new["subjects"].append({"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"})
    assert validate_update(rt_for("RoleBinding"), new, old) == []
