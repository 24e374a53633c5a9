"""A tiny in-memory ObjectReader, object builders, and a classroom cluster seeded with the
bootstrap policy, shared by this directory's tests. (The real reader, through the store,
is the API server's; RBAC only needs ``get`` and ``list``.)"""
from __future__ import annotations

from simulation.apiserver.authorization.bootstrap_policy import default_objects

RBAC = "rbac.authorization.k8s.io"


class FakeReader:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict] = {}

    def add(self, resource: str, obj: dict) -> dict:
        meta = obj["metadata"]
        self.objects[(resource, meta.get("namespace", ""), meta["name"])] = obj
        return obj

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        return self.objects.get((resource, namespace, name))

    def list(self, resource: str, namespace: str = "") -> list[dict]:
        return [obj for (res, ns, _), obj in sorted(self.objects.items(), key=lambda kv: kv[0])
                if res == resource and (not namespace or ns == namespace)]


def _meta(name: str, namespace: str) -> dict:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


def binding(kind: str, name: str, role_kind: str, role_name: str, subjects: list[dict], namespace: str = "") -> dict:
    return {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": _meta(name, namespace),
            "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role_name}, "subjects": subjects}


def role(kind: str, name: str, rules: list[dict], namespace: str = "") -> dict:
    return {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": _meta(name, namespace), "rules": rules}


def user(name: str) -> dict:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def classroom() -> FakeReader:
    """Bootstrap policy, plus: the student edits team-a, the teacher administers team-a,
    service account ``ci`` views team-a, and every service account of team-a may read the
    ConfigMap ``app-config`` through a namespaced Role."""
    r = FakeReader()
    for resource, obj in default_objects():
        r.add(resource, obj)
    r.add("rolebindings", binding("RoleBinding", "student-edit", "ClusterRole", "edit", [user("student")], "team-a"))
    r.add("rolebindings", binding("RoleBinding", "teacher-admin", "ClusterRole", "admin", [user("teacher")], "team-a"))
    r.add("rolebindings", binding("RoleBinding", "ci-view", "ClusterRole", "view",
                                  [{"kind": "ServiceAccount", "name": "ci"}], "team-a"))
    r.add("rolebindings", binding("RoleBinding", "sa-read-config", "Role", "config-reader",
                                  [{"kind": "Group", "apiGroup": RBAC, "name": "system:serviceaccounts:team-a"}],
                                  "team-a"))
    r.add("roles", role("Role", "config-reader", [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app-config"]},
    ], "team-a"))
    return r
