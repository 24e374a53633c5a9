"""What a student may do in the cluster, written through the cluster's own API server.

The classroom creates nothing behind the API server's back: a student's namespace and
bindings are requests of the teacher (``system:masters``), with User-Agent
:data:`AGENT`, so they cross the same chain as kubectl's and show on the diagram.

* ``student-NAME``, with the ``edit`` ClusterRole bound there (upstream's aggregated role:
  Deployments, pods, Services… but not RBAC or quotas);
* the session's ClusterRole (:func:`session_rules`): read-only, cluster-wide, exactly what the
  cluster page reads to draw the diagram (its informers in ``viz.consumers.WATCHABLE``, the
  nodes' leases, the health strip's componentstatuses) and ``get`` on the control API
  (``/sim/*``: clock, components, steps, the lesson) — never ``post``, so a student cannot
  pause the class's clock or stop its scheduler;
* in a cluster of their own (per-student mode), ``cluster-admin``: it is theirs to break.
"""
from __future__ import annotations

import json
from typing import Any

from clusterviz.clusters import apiservers
from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver.bootstrap import collection_path
from simulation.apiserver.request import APIRequest, UserInfo

#: The User-Agent of the classroom's own requests (the audit trail and the diagram name it).
AGENT = "clusterviz-classroom"
RBAC = "rbac.authorization.k8s.io"
#: The label every object the classroom makes carries, with the session's name.
SESSION_LABEL = "clusterviz.io/classroom"
READ = ["get", "list", "watch"]


class AccessError(RuntimeError):
    """The API server refused one of the classroom's writes (its message, as kubectl prints it)."""


def session_role_name(session: str) -> str:
    return f"clusterviz:classroom:{session}"


def session_rules() -> list[dict]:
    """What the cluster page needs to read cluster-wide to draw the cluster (not Secrets)."""
    return [
        {"apiGroups": [""], "resources": ["nodes", "namespaces", "pods", "events", "componentstatuses",
                                          "services", "endpoints", "replicationcontrollers",
                                          "persistentvolumeclaims", "persistentvolumes", "resourcequotas"],
         "verbs": READ},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": READ},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"], "verbs": READ},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": READ},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": READ},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": READ},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": READ},
        {"nonResourceURLs": ["/sim", "/sim/*"], "verbs": ["get"]},
    ]


def _send(cluster: str, actor: str, method: str, path: str, obj: Any = None) -> tuple[int, dict]:
    response = apiservers.get(cluster).handle(APIRequest(
        method, path, obj=obj, headers={"user-agent": AGENT, "accept": "application/json"},
        user=UserInfo(actor, (SYSTEM_MASTERS,))))
    return response.code, json.loads(json.dumps(response.body)) if response.body is not None else {}


def _create(cluster: str, actor: str, resource: str, obj: dict, namespace: str = "") -> bool:
    """Create ``obj``; False if it existed already (someone else's: the caller decides)."""
    code, body = _send(cluster, actor, "POST", collection_path(resource, namespace), obj)
    if code == 409 and body.get("reason") == "AlreadyExists":
        return False
    if code >= 300:
        raise AccessError(body.get("message") or f"creating {resource}: HTTP {code}")
    return True


def _delete(cluster: str, actor: str, resource: str, name: str, namespace: str = "") -> None:
    code, body = _send(cluster, actor, "DELETE", f"{collection_path(resource, namespace)}/{name}")
    if code >= 300 and code != 404:
        raise AccessError(body.get("message") or f"deleting {resource} {name}: HTTP {code}")


def exists(cluster: str, actor: str, resource: str, name: str) -> bool:
    code, _ = _send(cluster, actor, "GET", f"{collection_path(resource)}/{name}")
    return code == 200


def ensure_session_role(cluster: str, actor: str, session: str) -> None:
    _create(cluster, actor, "clusterroles", {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole",
        "metadata": {"name": session_role_name(session), "labels": {SESSION_LABEL: session}},
        "rules": session_rules()})


def _binding(kind: str, name: str, role: str, user: str, session: str, namespace: str = "") -> dict:
    meta = {"name": name, "labels": {SESSION_LABEL: session}, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": meta,
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": RBAC, "kind": "User", "name": user}]}


def grant(cluster: str, actor: str, session: str, user: str, namespace: str, *, owner: bool) -> None:
    """The student's namespace and bindings; all or nothing (what was made is removed again
    when a later write fails). ``owner``: the cluster is the student's own (cluster-admin)."""
    made: list[tuple[str, str, str]] = []
    try:
        if not _create(cluster, actor, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": namespace, "labels": {SESSION_LABEL: session}}}):
            raise AccessError(f'namespaces "{namespace}" already exists')
        made.append(("namespaces", namespace, ""))
        _create(cluster, actor, "rolebindings", _binding("RoleBinding", "student", "edit", user, session, namespace),
                namespace)
        role = "cluster-admin" if owner else session_role_name(session)
        name = f"{session_role_name(session)}:{namespace}"
        _create(cluster, actor, "clusterrolebindings", _binding("ClusterRoleBinding", name, role, user, session))
        made.append(("clusterrolebindings", name, ""))
    except AccessError:
        for resource, name, ns in reversed(made):
            _delete(cluster, actor, resource, name, ns)
        raise


def withdraw(cluster: str, actor: str, session: str, namespace: str, *, delete_namespace: bool) -> None:
    """Remove the student's cluster-wide binding (and their namespace, with all in it)."""
    _delete(cluster, actor, "clusterrolebindings", f"{session_role_name(session)}:{namespace}")
    if delete_namespace:
        _delete(cluster, actor, "namespaces", namespace)


def remove_session_role(cluster: str, actor: str, session: str) -> None:
    _delete(cluster, actor, "clusterroles", session_role_name(session))
