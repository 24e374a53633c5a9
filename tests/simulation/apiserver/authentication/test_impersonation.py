"""Impersonation, as upstream's filter: a teacher checks a student's rights with ``--as``,
a student cannot borrow anyone's, and the audit trail names both."""
from __future__ import annotations

import pytest

from tests.simulation.apiserver.server_fixtures import ALICE_TOKEN, CM_PATH, Cluster, configmap

SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    c.create(CM_PATH, configmap("settings"))
    # mallory may read configmaps in default, nothing else
    c.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
        "metadata": {"name": "cm-reader"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]})
    c.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
        "metadata": {"name": "mallory-reads"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                                            "name": "cm-reader"},
        "subjects": [{"kind": "User", "name": "mallory", "apiGroup": "rbac.authorization.k8s.io"}]})
    c.records.clear()
    return c


def test_an_admin_acting_as_a_user_gets_that_users_answers(cluster):
    as_mallory = {"Impersonate-User": "mallory"}

    assert cluster.get(CM_PATH, headers=as_mallory).code == 200
    denied = cluster.get("/api/v1/namespaces/default/secrets", headers=as_mallory)

    assert (denied.code, denied.body["message"]) == (403, 'secrets is forbidden: User "mallory" cannot list resource '
                                                          '"secrets" in API group "" in the namespace "default"')
    record = cluster.records[-1]
    assert (record.user, record.impersonated_user) == ("admin", "mallory")
    assert record.impersonated_groups == ["system:authenticated"]


def test_can_i_as_another_user_answers_for_that_user(cluster):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "delete", "resource": "nodes"}}}

    assert cluster.post(SSAR, review).body["status"]["allowed"] is True
    assert cluster.post(SSAR, review, headers={"Impersonate-User": "mallory"}).body["status"]["allowed"] is False


def test_a_user_without_the_impersonate_verb_is_refused_with_upstreams_message(cluster):
    response = cluster.get(CM_PATH, token=ALICE_TOKEN, headers={"Impersonate-User": "admin"})

    assert (response.code, response.body["reason"]) == (403, "Forbidden")
    assert response.body["message"] == ('users "admin" is forbidden: User "alice" cannot impersonate resource '
                                        '"users" in API group "" at the cluster scope')
    assert response.body["details"] == {"name": "admin", "kind": "users"}
    assert cluster.records[-1].rejected_by == "Impersonation"


def test_groups_are_authorized_and_applied(cluster):
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    cluster.create(f"{rbac}/clusterroles", {"metadata": {"name": "impersonate-users"}, "rules": [
        {"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}]})
    cluster.create(f"{rbac}/clusterrolebindings", {
        "metadata": {"name": "alice-impersonates-users"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "impersonate-users"},
        "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]})
    response = cluster.get("/api/v1/namespaces/default/secrets",
                           headers={"Impersonate-User": "mallory", "Impersonate-Group": "system:masters"})
    refused = cluster.get(CM_PATH, token=ALICE_TOKEN,
                          headers={"Impersonate-User": "alice", "Impersonate-Group": "system:masters"})

    assert response.code == 200
    assert refused.code == 403
    assert refused.body["message"].startswith('groups "system:masters" is forbidden: User "alice" cannot impersonate '
                                              'resource "groups"')


def test_a_service_account_is_impersonated_with_its_groups(cluster):
    cluster.get(CM_PATH, headers={"Impersonate-User": "system:serviceaccount:default:builder"})

    record = cluster.records[-1]
    assert record.impersonated_user == "system:serviceaccount:default:builder"
    assert record.impersonated_groups == ["system:serviceaccounts", "system:serviceaccounts:default",
                                          "system:authenticated"]


def test_groups_without_a_user_are_a_bad_request(cluster):
    response = cluster.get(CM_PATH, headers={"Impersonate-Group": "system:masters"})

    assert (response.code, response.body["reason"]) == (400, "BadRequest")
    assert "without impersonating a user" in response.body["message"]
