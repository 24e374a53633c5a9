"""Escalation prevention: nobody grants, through a role or a binding, what they do not hold."""
from __future__ import annotations

import pytest
from rbac_cluster import FakeReader, binding, role, user

from simulation.apiserver.authorization.escalation import check_escalation, compact_string, covers
from simulation.apiserver.authorization.rbac import RBACAuthorizer
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import UserInfo

STUDENT = UserInfo("student")
TEACHER = UserInfo("teacher")
MASTER = UserInfo("kubernetes-admin", ("system:masters",))
CI = UserInfo("system:serviceaccount:team-a:ci", ("system:serviceaccounts", "system:serviceaccounts:team-a"))
DEPLOYER = UserInfo("system:serviceaccount:team-a:deployer",
                    ("system:serviceaccounts", "system:serviceaccounts:team-a"))

HEADER = "is attempting to grant RBAC permissions not currently held:\n"
EVERYTHING = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}'


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict:
    r = {"verbs": verbs, "apiGroups": groups, "resources": resources}
    if names:
        r["resourceNames"] = names
    return r


def check(reader: FakeReader, resource: str, obj: dict, who: UserInfo, old: dict | None = None) -> None:
    check_escalation(resource, obj, who, RBACAuthorizer(reader), reader, old_obj=old)


def refused(reader: FakeReader, resource: str, obj: dict, who: UserInfo) -> StatusError:
    with pytest.raises(StatusError) as info:
        check(reader, resource, obj, who)
    return info.value


def test_student_cannot_bind_themselves_cluster_admin(reader: FakeReader) -> None:
    crb = binding("ClusterRoleBinding", "me-admin", "ClusterRole", "cluster-admin", [user("student")])
    err = refused(reader, "clusterrolebindings", crb, STUDENT)
    assert (err.code, err.reason, err.plugin) == (403, "Forbidden", "RBAC")
    assert err.message == ('clusterrolebindings.rbac.authorization.k8s.io "me-admin" is forbidden: user "student" '
                           f'(groups=["system:authenticated"]) {HEADER}{EVERYTHING}')
    assert err.details == {"name": "me-admin", "group": "rbac.authorization.k8s.io", "kind": "clusterrolebindings"}


def test_masters_may_bind_cluster_admin(reader: FakeReader) -> None:
    check(reader, "clusterrolebindings",
          binding("ClusterRoleBinding", "student-admin", "ClusterRole", "cluster-admin", [user("student")]), MASTER)


ALLOWED = [
    ("teacher-binds-edit-in-own-namespace", "rolebindings",
     binding("RoleBinding", "s2", "ClusterRole", "edit", [user("s2")], "team-a"), TEACHER),
    ("teacher-binds-view-in-own-namespace", "rolebindings",
     binding("RoleBinding", "s3", "ClusterRole", "view", [user("s3")], "team-a"), TEACHER),
    ("student-role-with-held-rules", "roles",
     role("Role", "pod-reader", [rule(["get", "list"], [""], ["pods"])], "team-a"), STUDENT),
    ("student-role-with-subresource-held", "roles",
     role("Role", "status-reader", [rule(["get"], [""], ["pods/status"])], "team-a"), STUDENT),
    ("teacher-narrows-by-resource-name", "roles",
     role("Role", "one-cm", [rule(["get", "update"], [""], ["configmaps"], ["app-config"])], "team-a"), TEACHER),
    ("sa-passes-on-its-named-grant", "roles",
     role("Role", "same", [rule(["get"], [""], ["configmaps"], ["app-config"])], "team-a"), DEPLOYER),
    ("not-an-rbac-resource", "configmaps", {"metadata": {"name": "x", "namespace": "team-a"}}, STUDENT),
]


@pytest.mark.parametrize(("resource", "obj", "who"), [c[1:] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_allowed(reader: FakeReader, resource: str, obj: dict, who: UserInfo) -> None:
    check(reader, resource, obj, who)


REFUSED = [
    ("teacher-binds-edit-elsewhere", "rolebindings",
     binding("RoleBinding", "s2", "ClusterRole", "edit", [user("s2")], "team-b"), TEACHER,
     'rolebindings.rbac.authorization.k8s.io "s2" is forbidden: user "teacher" (groups=["system:authenticated"]) '
     + HEADER, '\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["create" "delete" "deletecollection" '
               '"patch" "update" "get" "list" "watch"]}\n'),
    ("teacher-binds-cluster-admin-in-own-namespace", "rolebindings",
     binding("RoleBinding", "root", "ClusterRole", "cluster-admin", [user("teacher")], "team-a"), TEACHER,
     'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "teacher" ', EVERYTHING),
    ("student-binds-admin", "rolebindings",
     binding("RoleBinding", "up", "ClusterRole", "admin", [user("student")], "team-a"), STUDENT,
     'rolebindings.rbac.authorization.k8s.io "up" is forbidden: user "student" ',
     '{APIGroups:["rbac.authorization.k8s.io"], Resources:["rolebindings"], Verbs:["create" "delete" '
     '"deletecollection" "get" "list" "patch" "update" "watch"]}'),
    ("student-role-grants-nodes", "roles",
     role("Role", "peek", [rule(["get", "list"], [""], ["nodes"])], "team-a"), STUDENT,
     'roles.rbac.authorization.k8s.io "peek" is forbidden: user "student" (groups=["system:authenticated"]) '
     + HEADER, '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}'),
    ("student-clusterrole-grants-urls", "clusterroles",
     role("ClusterRole", "metrics", [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]), STUDENT,
     'clusterroles.rbac.authorization.k8s.io "metrics" is forbidden: ',
     '{NonResourceURLs:["/metrics"], Verbs:["get"]}'),
    ("sa-widens-a-named-grant", "roles",
     role("Role", "all-cm", [rule(["get"], [""], ["configmaps"])], "team-a"), DEPLOYER,
     'roles.rbac.authorization.k8s.io "all-cm" is forbidden: user "system:serviceaccount:team-a:deployer" '
     '(groups=["system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"]) ' + HEADER,
     '{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}'),
    ("aggregation-rule-needs-everything", "clusterroles",
     {**role("ClusterRole", "gather", []), "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}},
     TEACHER, 'clusterroles.rbac.authorization.k8s.io "gather" is forbidden: ',
     "must have cluster-admin privileges to use the aggregationRule"),
]


@pytest.mark.parametrize(("resource", "obj", "who", "prefix", "missing"), [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_refused(reader: FakeReader, resource: str, obj: dict, who: UserInfo, prefix: str, missing: str) -> None:
    err = refused(reader, resource, obj, who)
    assert err.code == 403 and err.plugin == "RBAC"
    assert err.message.startswith(prefix)
    assert missing in err.message


def test_bind_verb_allows_binding_a_role_not_held(reader: FakeReader) -> None:
    reader.add("clusterroles", role("ClusterRole", "admin-binder", [
        rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], ["cluster-admin"])]))
    reader.add("clusterrolebindings", binding("ClusterRoleBinding", "student-binds", "ClusterRole", "admin-binder",
                                              [user("student")]))
    check(reader, "clusterrolebindings",
          binding("ClusterRoleBinding", "me-admin", "ClusterRole", "cluster-admin", [user("student")]), STUDENT)
    with pytest.raises(StatusError):  # bind is limited to the role it names
        check(reader, "clusterrolebindings",
              binding("ClusterRoleBinding", "me-admin", "ClusterRole", "admin", [user("student")]), STUDENT)


def test_escalate_verb_allows_writing_a_role_not_held(reader: FakeReader) -> None:
    reader.add("clusterroles", role("ClusterRole", "role-escalator", [
        rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"])]))
    reader.add("rolebindings", binding("RoleBinding", "student-escalates", "ClusterRole", "role-escalator",
                                       [user("student")], "team-a"))
    check(reader, "roles", role("Role", "peek", [rule(["*"], ["*"], ["*"])], "team-a"), STUDENT)
    with pytest.raises(StatusError):  # only in the namespace where it was granted
        check(reader, "roles", role("Role", "peek", [rule(["*"], ["*"], ["*"])], "team-b"), STUDENT)


def test_binding_to_a_missing_role_is_not_found(reader: FakeReader) -> None:
    err = refused(reader, "clusterrolebindings",
                  binding("ClusterRoleBinding", "x", "ClusterRole", "ghost", [user("student")]), STUDENT)
    assert (err.code, err.message) == (404, 'clusterroles.rbac.authorization.k8s.io "ghost" not found')


def test_resolution_errors_are_appended(reader: FakeReader) -> None:
    reader.add("clusterrolebindings", binding("ClusterRoleBinding", "dangling", "ClusterRole", "ghost",
                                              [user("student")]))
    err = refused(reader, "clusterroles", role("ClusterRole", "peek", [rule(["get"], [""], ["nodes"])]), STUDENT)
    assert err.message.endswith('{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}; resolution errors: '
                                '[clusterrole.rbac.authorization.k8s.io "ghost" not found]')


def test_gc_only_update_is_never_an_escalation(reader: FakeReader) -> None:
    old = binding("ClusterRoleBinding", "root", "ClusterRole", "cluster-admin", [user("someone")])
    new = {**old, "metadata": {**old["metadata"], "finalizers": ["foregroundDeletion"]}}
    check(reader, "clusterrolebindings", new, STUDENT, old=old)
    changed = {**new, "subjects": [user("student")]}
    with pytest.raises(StatusError):
        check(reader, "clusterrolebindings", changed, STUDENT, old=old)


COVERS = [
    ("star-covers-all", [rule(["*"], ["*"], ["*"])], [rule(["get"], ["apps"], ["deployments/scale"], ["web"])], True),
    ("verb-subset", [rule(["get", "list"], [""], ["pods"])], [rule(["list"], [""], ["pods"])], True),
    ("verb-missing", [rule(["get"], [""], ["pods"])], [rule(["get", "delete"], [""], ["pods"])], False),
    ("group-mismatch", [rule(["get"], ["apps"], ["pods"])], [rule(["get"], [""], ["pods"])], False),
    ("star-subresource", [rule(["update"], ["apps"], ["*/status"])],
     [rule(["update"], ["apps"], ["deployments/status"])], True),
    ("star-subresource-not-main", [rule(["update"], ["apps"], ["*/status"])],
     [rule(["update"], ["apps"], ["deployments"])], False),
    ("names-narrow", [rule(["get"], [""], ["configmaps"])], [rule(["get"], [""], ["configmaps"], ["a"])], True),
    ("names-do-not-widen", [rule(["get"], [""], ["configmaps"], ["a"])], [rule(["get"], [""], ["configmaps"])], False),
    ("names-other", [rule(["get"], [""], ["configmaps"], ["a"])], [rule(["get"], [""], ["configmaps"], ["b"])], False),
    ("url-prefix", [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}],
     [{"verbs": ["get"], "nonResourceURLs": ["/apis/apps/v1"]}], True),
    ("url-prefix-not-parent", [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}],
     [{"verbs": ["get"], "nonResourceURLs": ["/api"]}], False),
    ("resource-rule-not-url", [rule(["get"], ["*"], ["*"])], [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
     False),
]


@pytest.mark.parametrize(("owner", "servant", "expected"), [c[1:] for c in COVERS], ids=[c[0] for c in COVERS])
def test_covers(owner: list[dict], servant: list[dict], expected: bool) -> None:
    assert covers(owner, servant)[0] is expected


def test_compact_string_matches_go() -> None:
    assert compact_string(rule(["get", "list"], [""], ["pods"], ["a", "b"])) == \
        '{APIGroups:[""], Resources:["pods"], ResourceNames:["a" "b"], Verbs:["get" "list"]}'
