"""RBAC decisions, reasons and 403 messages, against a classroom cluster seeded with the
bootstrap policy (see ``rbac_cluster.classroom``)."""
from __future__ import annotations

import pytest
from rbac_cluster import FakeReader, binding, role, user

from simulation.apiserver.authorization import ALLOW, NO_OPINION, Attributes
from simulation.apiserver.authorization.rbac import RBACAuthorizer, forbidden_error, forbidden_message
from simulation.apiserver.request import ANONYMOUS, UserInfo

STUDENT = UserInfo("student")
TEACHER = UserInfo("teacher")
MASTER = UserInfo("kubernetes-admin", ("system:masters",))
CI = UserInfo("system:serviceaccount:team-a:ci", ("system:serviceaccounts", "system:serviceaccounts:team-a"))
CI_OF_TEAM_B = UserInfo("system:serviceaccount:team-b:ci",
                        ("system:serviceaccounts", "system:serviceaccounts:team-b"))
DEPLOYER = UserInfo("system:serviceaccount:team-a:deployer",
                    ("system:serviceaccounts", "system:serviceaccounts:team-a"))
SCHEDULER = UserInfo("system:kube-scheduler")
CONTROLLER_MANAGER = UserInfo("system:kube-controller-manager")
KUBELET = UserInfo("system:node:node-1", ("system:nodes",))
KUBE_PROXY = UserInfo("system:kube-proxy")


def res(user_: UserInfo, verb: str, resource: str, namespace: str = "", name: str = "", group: str = "",
        subresource: str = "") -> Attributes:
    return Attributes(user=user_, verb=verb, is_resource_request=True, api_group=group, api_version="v1",
                      resource=resource, subresource=subresource, namespace=namespace, name=name)


def url(user_: UserInfo, verb: str, path: str) -> Attributes:
    return Attributes(user=user_, verb=verb, is_resource_request=False, path=path)


def by(kind: str, name: str, role_kind: str, role_name: str, subject: str) -> str:
    return f'RBAC: allowed by {kind} "{name}" of {role_kind} "{role_name}" to {subject}'


CASES = [
    # A RoleBinding grants in its own namespace only.
    ("student-lists-pods-in-team-a", res(STUDENT, "list", "pods", "team-a"), ALLOW,
     by("RoleBinding", "student-edit/team-a", "ClusterRole", "edit", 'User "student"')),
    ("student-lists-pods-in-team-b", res(STUDENT, "list", "pods", "team-b"), NO_OPINION, ""),
    ("student-lists-pods-in-all-namespaces", res(STUDENT, "list", "pods"), NO_OPINION, ""),
    ("student-creates-deployment", res(STUDENT, "create", "deployments", "team-a", group="apps"), ALLOW,
     by("RoleBinding", "student-edit/team-a", "ClusterRole", "edit", 'User "student"')),
    ("student-reads-secrets", res(STUDENT, "get", "secrets", "team-a", "db"), ALLOW,
     by("RoleBinding", "student-edit/team-a", "ClusterRole", "edit", 'User "student"')),
    ("student-reads-pod-status", res(STUDENT, "get", "pods", "team-a", "web", subresource="status"), ALLOW,
     by("RoleBinding", "student-edit/team-a", "ClusterRole", "edit", 'User "student"')),
    ("student-cannot-write-pod-status", res(STUDENT, "update", "pods", "team-a", "web", subresource="status"),
     NO_OPINION, ""),
    ("student-cannot-bind-pods", res(STUDENT, "create", "pods", "team-a", "web", subresource="binding"),
     NO_OPINION, ""),
    ("student-cannot-write-rbac", res(STUDENT, "create", "rolebindings", "team-a", group="rbac.authorization.k8s.io"),
     NO_OPINION, ""),
    ("student-cannot-list-nodes", res(STUDENT, "list", "nodes"), NO_OPINION, ""),
    ("teacher-writes-rbac-in-team-a", res(TEACHER, "create", "rolebindings", "team-a",
                                          group="rbac.authorization.k8s.io"), ALLOW,
     by("RoleBinding", "teacher-admin/team-a", "ClusterRole", "admin", 'User "teacher"')),
    ("student-may-ask-can-i", res(STUDENT, "create", "selfsubjectaccessreviews", group="authorization.k8s.io"),
     ALLOW, by("ClusterRoleBinding", "system:basic-user", "ClusterRole", "system:basic-user",
               'Group "system:authenticated"')),
    # Service accounts: by name (namespace defaulted from the binding) and by group.
    ("sa-lists-pods", res(CI, "list", "pods", "team-a"), ALLOW,
     by("RoleBinding", "ci-view/team-a", "ClusterRole", "view", 'ServiceAccount "ci/team-a"')),
    ("sa-view-excludes-secrets", res(CI, "get", "secrets", "team-a", "db"), NO_OPINION, ""),
    ("same-sa-name-other-namespace", res(CI_OF_TEAM_B, "list", "pods", "team-a"), NO_OPINION, ""),
    # resourceNames: only the named object, and never list.
    ("sa-group-gets-named-configmap", res(DEPLOYER, "get", "configmaps", "team-a", "app-config"), ALLOW,
     by("RoleBinding", "sa-read-config/team-a", "Role", "config-reader", 'Group "system:serviceaccounts:team-a"')),
    ("sa-group-other-configmap", res(DEPLOYER, "get", "configmaps", "team-a", "other"), NO_OPINION, ""),
    ("sa-group-list-configmaps", res(DEPLOYER, "list", "configmaps", "team-a"), NO_OPINION, ""),
    # system:masters through the bootstrap cluster-admin binding.
    ("masters-delete-nodes", res(MASTER, "delete", "nodes", name="node-1"), ALLOW,
     by("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin", 'Group "system:masters"')),
    ("masters-any-url", res(MASTER, "deletecollection", "pods", "team-b"), ALLOW,
     by("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin", 'Group "system:masters"')),
    ("masters-metrics", url(MASTER, "get", "/metrics"), ALLOW,
     by("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin", 'Group "system:masters"')),
    # nonResourceURLs, exact and with a trailing "*".
    ("anonymous-version", url(ANONYMOUS, "get", "/version"), ALLOW,
     by("ClusterRoleBinding", "system:public-info-viewer", "ClusterRole", "system:public-info-viewer",
        'Group "system:unauthenticated"')),
    ("anonymous-discovery", url(ANONYMOUS, "get", "/apis"), NO_OPINION, ""),
    ("anonymous-pods", res(ANONYMOUS, "list", "pods", "default"), NO_OPINION, ""),
    ("student-discovery-prefix", url(STUDENT, "get", "/apis/apps/v1"), ALLOW,
     by("ClusterRoleBinding", "system:discovery", "ClusterRole", "system:discovery", 'Group "system:authenticated"')),
    ("student-post-discovery", url(STUDENT, "post", "/apis"), NO_OPINION, ""),
    ("student-metrics", url(STUDENT, "get", "/metrics"), NO_OPINION, ""),
    # The components, each through its own bootstrap binding.
    ("scheduler-binds-pod", res(SCHEDULER, "create", "pods", "default", "web", subresource="binding"), ALLOW,
     by("ClusterRoleBinding", "system:kube-scheduler", "ClusterRole", "system:kube-scheduler",
        'User "system:kube-scheduler"')),
    ("scheduler-cannot-create-pods", res(SCHEDULER, "create", "pods", "default"), NO_OPINION, ""),
    ("scheduler-renews-its-lease", res(SCHEDULER, "update", "leases", "kube-system", "kube-scheduler",
                                       group="coordination.k8s.io"), ALLOW,
     by("ClusterRoleBinding", "system:kube-scheduler", "ClusterRole", "system:kube-scheduler",
        'User "system:kube-scheduler"')),
    ("scheduler-other-lease", res(SCHEDULER, "update", "leases", "kube-system", "kube-controller-manager",
                                  group="coordination.k8s.io"), NO_OPINION, ""),
    ("controller-manager-creates-replicasets", res(CONTROLLER_MANAGER, "create", "replicasets", "team-a",
                                                   group="apps"), ALLOW,
     by("ClusterRoleBinding", "system:kube-controller-manager", "ClusterRole", "system:kube-controller-manager",
        'User "system:kube-controller-manager"')),
    ("controller-manager-deployment-status", res(CONTROLLER_MANAGER, "update", "deployments", "team-a", "web",
                                                 group="apps", subresource="status"), ALLOW,
     by("ClusterRoleBinding", "system:kube-controller-manager", "ClusterRole", "system:kube-controller-manager",
        'User "system:kube-controller-manager"')),
    ("kubelet-node-status", res(KUBELET, "patch", "nodes", name="node-1", subresource="status"), ALLOW,
     by("ClusterRoleBinding", "system:node", "ClusterRole", "system:node", 'Group "system:nodes"')),
    ("kubelet-cannot-delete-nodes", res(KUBELET, "delete", "nodes", name="node-1"), NO_OPINION, ""),
    ("kube-proxy-watches-endpoints", res(KUBE_PROXY, "watch", "endpoints"), ALLOW,
     by("ClusterRoleBinding", "system:node-proxier", "ClusterRole", "system:node-proxier",
        'User "system:kube-proxy"')),
]


@pytest.mark.parametrize(("attrs", "decision", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_authorize(rbac: RBACAuthorizer, attrs: Attributes, decision: str, reason: str) -> None:
    assert rbac.authorize(attrs) == (decision, reason)


NAME_SEQUENCES = [
    ("named-configmap-after-another", [
        (res(DEPLOYER, "get", "configmaps", "team-a", "other"), NO_OPINION),
        (res(DEPLOYER, "get", "configmaps", "team-a", "app-config"), ALLOW),
        (res(DEPLOYER, "get", "configmaps", "team-a", "third"), NO_OPINION)]),
    ("own-lease-after-another", [
        (res(SCHEDULER, "update", "leases", "kube-system", "kube-controller-manager", group="coordination.k8s.io"),
         NO_OPINION),
        (res(SCHEDULER, "update", "leases", "kube-system", "kube-scheduler", group="coordination.k8s.io"), ALLOW)]),
    ("bindings-of-many-pods", [
        (res(SCHEDULER, "create", "pods", "default", f"pod-{i}", subresource="binding"), ALLOW) for i in range(3)]),
]


@pytest.mark.parametrize("sequence", [c[1] for c in NAME_SEQUENCES], ids=[c[0] for c in NAME_SEQUENCES])
def test_a_remembered_decision_answers_for_another_name_only_when_names_took_no_part(
        reader: FakeReader, sequence: list[tuple[Attributes, str]]) -> None:
    shared = RBACAuthorizer(reader)
    for attrs, decision in sequence + sequence[::-1]:
        assert shared.authorize(attrs) == RBACAuthorizer(reader).authorize(attrs)
        assert shared.authorize(attrs)[0] == decision


def test_every_case_answers_the_same_from_one_authorizer_in_any_order(reader: FakeReader) -> None:
    shared = RBACAuthorizer(reader)
    for _, attrs, decision, reason in CASES + CASES[::-1]:
        assert shared.authorize(attrs) == (decision, reason)


WILDCARD_CASES = [
    ("any-status", res(UserInfo("operator"), "update", "deployments", "team-b", "web", "apps", "status"), ALLOW),
    ("not-the-main-resource", res(UserInfo("operator"), "update", "deployments", "team-b", "web", "apps"),
     NO_OPINION),
    ("not-another-subresource", res(UserInfo("operator"), "update", "deployments", "team-b", "web", "apps", "scale"),
     NO_OPINION),
]


@pytest.mark.parametrize(("attrs", "decision"), [c[1:] for c in WILDCARD_CASES], ids=[c[0] for c in WILDCARD_CASES])
def test_subresource_wildcard(reader: FakeReader, attrs: Attributes, decision: str) -> None:
    reader.add("clusterroles", role("ClusterRole", "status-writer",
                                    [{"verbs": ["update"], "apiGroups": ["*"], "resources": ["*/status"]}]))
    reader.add("clusterrolebindings", binding("ClusterRoleBinding", "operator-status", "ClusterRole", "status-writer",
                                              [user("operator")]))
    assert RBACAuthorizer(reader).authorize(attrs)[0] == decision


def test_cluster_role_binding_to_service_account_describes_it(reader: FakeReader) -> None:
    reader.add("clusterrolebindings", binding("ClusterRoleBinding", "ci-nodes", "ClusterRole", "system:node-proxier",
                                              [{"kind": "ServiceAccount", "name": "ci", "namespace": "team-a"}]))
    assert RBACAuthorizer(reader).authorize(res(CI, "list", "nodes")) == (
        ALLOW, by("ClusterRoleBinding", "ci-nodes", "ClusterRole", "system:node-proxier", 'ServiceAccount "ci/team-a"'))


def test_role_of_another_namespace_is_not_used(reader: FakeReader) -> None:
    reader.add("rolebindings", binding("RoleBinding", "cfg", "Role", "config-reader", [user("student")], "team-b"))
    rbac = RBACAuthorizer(reader)
    assert rbac.authorize(res(STUDENT, "get", "configmaps", "team-b", "app-config")) == (
        NO_OPINION, 'RBAC: role.rbac.authorization.k8s.io "config-reader" not found')


def test_missing_roles_are_reported_only_when_nothing_allowed(reader: FakeReader) -> None:
    for i, ghost in enumerate(["ghost-a", "ghost-b"]):
        reader.add("clusterrolebindings", binding("ClusterRoleBinding", f"g{i}", "ClusterRole", ghost,
                                                  [user("student")]))
    rbac = RBACAuthorizer(reader)
    assert rbac.authorize(res(STUDENT, "list", "nodes")) == (
        NO_OPINION, 'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost-a" not found, '
                    'clusterrole.rbac.authorization.k8s.io "ghost-b" not found]')
    assert rbac.authorize(res(STUDENT, "list", "pods", "team-a"))[0] == ALLOW


def test_masters_lose_power_without_the_bootstrap_binding(reader: FakeReader) -> None:
    del reader.objects[("clusterrolebindings", "", "cluster-admin")]
    assert RBACAuthorizer(reader).authorize(res(MASTER, "delete", "nodes", name="node-1")) == (NO_OPINION, "")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_index_is_cached_until_invalidated(reader: FakeReader) -> None:
    clock = FakeClock()
    rbac = RBACAuthorizer(reader, ttl_seconds=1.0, clock=clock)
    attrs = res(STUDENT, "list", "pods", "team-b")
    assert rbac.authorize(attrs)[0] == NO_OPINION
    reader.add("rolebindings", binding("RoleBinding", "student-view", "ClusterRole", "view", [user("student")],
                                       "team-b"))
    assert rbac.authorize(attrs)[0] == NO_OPINION, "served from the cached index"
    rbac.invalidate()
    assert rbac.authorize(attrs)[0] == ALLOW


def test_index_expires_after_ttl(reader: FakeReader) -> None:
    """Writes by another process (no invalidate here) show up within the TTL."""
    clock = FakeClock()
    rbac = RBACAuthorizer(reader, ttl_seconds=1.0, clock=clock)
    attrs = res(STUDENT, "list", "pods", "team-b")
    assert rbac.authorize(attrs)[0] == NO_OPINION
    reader.add("rolebindings", binding("RoleBinding", "student-view", "ClusterRole", "view", [user("student")],
                                       "team-b"))
    clock.now += 0.5
    assert rbac.authorize(attrs)[0] == NO_OPINION
    clock.now += 0.6
    assert rbac.authorize(attrs)[0] == ALLOW


def test_rules_for_namespace_and_cluster(rbac: RBACAuthorizer) -> None:
    resource_rules, non_resource_rules = rbac.rules_for(STUDENT, "team-a")
    assert {"verbs": ["create", "delete", "deletecollection", "patch", "update"], "apiGroups": [""],
            "resources": ["pods", "pods/attach", "pods/exec", "pods/portforward"]} in resource_rules
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in resource_rules
    assert any("/apis/*" in r["nonResourceURLs"] for r in non_resource_rules)
    elsewhere, _ = rbac.rules_for(STUDENT, "team-b")
    assert all("pods" not in r["resources"] for r in elsewhere)
    named, _ = rbac.rules_for(DEPLOYER, "team-a")
    assert {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"],
            "resourceNames": ["app-config"]} in named


FORBIDDEN = [
    ("namespaced-list", res(UserInfo("alice"), "list", "pods", "default"),
     'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"'),
    ("named-get", res(UserInfo("alice"), "get", "pods", "default", "x"),
     'pods "x" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"'),
    ("cluster-scoped", res(UserInfo("alice"), "list", "nodes"),
     'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'),
    ("subresource", res(UserInfo("alice"), "create", "pods", "default", "x", subresource="binding"),
     'pods "x" is forbidden: User "alice" cannot create resource "pods/binding" in API group "" '
     'in the namespace "default"'),
    ("named-group", res(UserInfo("alice"), "list", "deployments", "default", group="apps"),
     'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" '
     'in the namespace "default"'),
    ("non-resource", url(UserInfo("alice"), "get", "/apis"),
     'forbidden: User "alice" cannot get path "/apis"'),
    ("anonymous", res(ANONYMOUS, "list", "pods", "default"),
     'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" '
     'in the namespace "default"'),
]


@pytest.mark.parametrize(("attrs", "message"), [c[1:] for c in FORBIDDEN], ids=[c[0] for c in FORBIDDEN])
def test_forbidden_message(attrs: Attributes, message: str) -> None:
    assert forbidden_message(attrs) == message


def test_forbidden_message_carries_the_reason_and_details() -> None:
    attrs = res(UserInfo("alice"), "get", "deployments", "default", "web", group="apps")
    err = forbidden_error(attrs, 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found', "RBAC")
    assert err.code == 403 and err.plugin == "RBAC"
    assert err.status() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group '
                   '"apps" in the namespace "default": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
    }
