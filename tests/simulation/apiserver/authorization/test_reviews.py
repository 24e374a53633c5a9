"""The authorization.k8s.io reviews, as ``kubectl auth can-i`` (and ``--list``) use them."""
from __future__ import annotations

import pytest

from simulation.apiserver.authorization import DENY, Attributes
from simulation.apiserver.authorization.rbac import RBACAuthorizer
from simulation.apiserver.authorization.reviews import (handle_review, self_subject_access_review,
                                                        self_subject_rules_review, subject_access_review)
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import UserInfo

STUDENT = UserInfo("student")


def ssar(**spec: dict) -> dict:
    return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {}, "spec": spec}


SSAR_CASES = [
    ("list-pods-team-a", {"resourceAttributes": {"namespace": "team-a", "verb": "list", "resource": "pods"}},
     {"allowed": True,
      "reason": 'RBAC: allowed by RoleBinding "student-edit/team-a" of ClusterRole "edit" to User "student"'}),
    ("list-pods-team-b", {"resourceAttributes": {"namespace": "team-b", "verb": "list", "resource": "pods"}},
     {"allowed": False}),
    ("create-deployments", {"resourceAttributes": {"namespace": "team-a", "verb": "create", "group": "apps",
                                                   "resource": "deployments"}}, {"allowed": True}),
    ("update-pod-status", {"resourceAttributes": {"namespace": "team-a", "verb": "update", "resource": "pods",
                                                  "subresource": "status"}}, {"allowed": False}),
    ("get-discovery", {"nonResourceAttributes": {"verb": "get", "path": "/apis"}}, {"allowed": True}),
    ("get-metrics", {"nonResourceAttributes": {"verb": "get", "path": "/metrics"}}, {"allowed": False}),
]


@pytest.mark.parametrize(("spec", "status"), [c[1:] for c in SSAR_CASES], ids=[c[0] for c in SSAR_CASES])
def test_self_subject_access_review(rbac: RBACAuthorizer, spec: dict, status: dict) -> None:
    out = self_subject_access_review(ssar(**spec), STUDENT, [rbac])
    assert out["kind"] == "SelfSubjectAccessReview" and out["spec"] == spec
    assert out["status"]["allowed"] is status["allowed"]
    assert "denied" not in out["status"]
    if "reason" in status:
        assert out["status"]["reason"] == status["reason"]


@pytest.mark.parametrize("spec", [{}, {"resourceAttributes": {"verb": "get"},
                                       "nonResourceAttributes": {"verb": "get"}}], ids=["neither", "both"])
def test_self_subject_access_review_needs_exactly_one_kind_of_attributes(rbac: RBACAuthorizer, spec: dict) -> None:
    with pytest.raises(StatusError) as info:
        self_subject_access_review(ssar(**spec), STUDENT, [rbac])
    assert info.value.code == 422
    assert info.value.message.startswith('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.')


def test_subject_access_review_asks_about_someone_else(rbac: RBACAuthorizer) -> None:
    review = {"spec": {"user": "system:serviceaccount:team-a:ci",
                       "groups": ["system:serviceaccounts", "system:serviceaccounts:team-a"],
                       "resourceAttributes": {"namespace": "team-a", "verb": "list", "resource": "pods"}}}
    out = subject_access_review(review, [rbac])
    assert out["kind"] == "SubjectAccessReview"
    assert out["status"] == {"allowed": True, "reason": 'RBAC: allowed by RoleBinding "ci-view/team-a" of '
                                                        'ClusterRole "view" to ServiceAccount "ci/team-a"'}
    with pytest.raises(StatusError) as info:
        subject_access_review({"spec": {"resourceAttributes": {"verb": "get"}}}, [rbac])
    assert info.value.code == 422


def test_self_subject_rules_review_lists_what_can_i(rbac: RBACAuthorizer) -> None:
    out = self_subject_rules_review({"spec": {"namespace": "team-a"}}, STUDENT, rbac)
    status = out["status"]
    assert out["kind"] == "SelfSubjectRulesReview" and status["incomplete"] is False
    namespaces = {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["namespaces"]}
    assert namespaces in status["resourceRules"]
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]} \
        in status["nonResourceRules"]
    elsewhere = self_subject_rules_review({"spec": {"namespace": "team-b"}}, STUDENT, rbac)["status"]
    assert all("pods" not in r["resources"] for r in elsewhere["resourceRules"])


def test_self_subject_rules_review_needs_a_namespace(rbac: RBACAuthorizer) -> None:
    with pytest.raises(StatusError) as info:
        self_subject_rules_review({"spec": {}}, STUDENT, rbac)
    assert (info.value.code, info.value.message) == (400, "no namespace on request")


def test_handle_review_dispatches_by_resource(rbac: RBACAuthorizer) -> None:
    spec = {"resourceAttributes": {"namespace": "team-a", "verb": "get", "resource": "pods"}}
    assert handle_review("selfsubjectaccessreviews", ssar(**spec), STUDENT, [rbac], rbac)["status"]["allowed"]
    assert "resourceRules" in handle_review("selfsubjectrulesreviews", {"spec": {"namespace": "x"}}, STUDENT, [rbac],
                                            rbac)["status"]


class Fixed:
    def __init__(self, decision: str, reason: str) -> None:
        self.name, self.decision, self.reason = "Fixed", decision, reason

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        return self.decision, self.reason


def test_denied_is_reported(rbac: RBACAuthorizer) -> None:
    out = self_subject_access_review(ssar(nonResourceAttributes={"verb": "get", "path": "/"}), STUDENT,
                                     [Fixed(DENY, "webhook says no")])
    assert out["status"] == {"allowed": False, "denied": True, "reason": "webhook says no"}
