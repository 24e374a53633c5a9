"""Restoring a snapshot's objects through an API server, as ``kubectl create -f`` would: each
object POSTed as JSON by the cluster's admin, through authentication, authorization,
admission and validation like any other write — so the API server's own type checks and
validation judge the file, and the audit trail shows the restore.

Promises:

* **All or nothing.** :func:`rehearse` restores the snapshot into a throwaway in-memory API
  server first (bootstrapped like a new cluster); the first refusal is the file's error,
  naming the object, the field and the reason in the API server's words. Only a file that
  restores cleanly there is restored for real (:func:`restore`), and a caller that still
  meets an error there drops the half-made cluster (``clusterviz.sim.snapshots``).
* **Server-set fields are the new server's.** uid, resourceVersion, creationTimestamp,
  generation and managedFields are stripped; the new cluster stamps its own (on its clock).
* **Ownership survives.** Owners are created before their dependents, and each
  ``ownerReference`` is pointed at the owner's new uid (found by kind, namespace and name);
  one whose owner is not in the file is dropped, with a note — else the garbage collector
  would delete the dependent as an orphan.
* **Pods keep their nodes.** A pod's ``spec.nodeName`` is restored: its node's kubelet starts
  it again; a pod without one goes back to the scheduler.
* **Status where no component rebuilds it.** Pods, Nodes, Namespaces and the workload kinds
  get their status from the kubelets, the controllers and the API server again; any other
  kind's recorded status is written back through its ``status`` subresource.
* **Policies last.** ResourceQuotas and LimitRanges are created after the objects they would
  judge: those were admitted once already, in the cluster the snapshot came from.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import rfc3339
from simulation.apimachinery.wellknown import NAMESPACE_DEFAULT, SYSTEM_MASTERS
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import bootstrap, collection_path
from simulation.apiserver.request import APIRequest, APIResponse, UserInfo
from simulation.client.apiclient import resource_path
from simulation.cluster import VERSION
from simulation.kubelet.node_status import new_node
from simulation.store.memory import MemoryStore

from .model import Snapshot, SnapshotError
from .parse import SERVED, describe, locate

#: Who restores: the cluster's administrator, as ``manage.py kubeconfig`` makes it.
ADMIN = UserInfo("admin", (SYSTEM_MASTERS,))
USER_AGENT = f"clusterviz-snapshot/{VERSION}"
#: Metadata the API server sets on every object it stores.
SERVER_SET_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
                       "deletionTimestamp", "deletionGracePeriodSeconds")
#: The creation order: what others refer to first, workloads next (owners before dependents
#: within them too), the admission policies last.
RESTORE_ORDER = ("Namespace", "PriorityClass", "StorageClass", "ClusterRole", "ClusterRoleBinding", "Role",
                 "RoleBinding", "Node", "ServiceAccount", "Secret", "ConfigMap", "Service", "PersistentVolume", "PersistentVolumeClaim", "PodDisruptionBudget", "DaemonSet",
                 "Deployment", "StatefulSet", "ControllerRevision", "CronJob", "Job", "ReplicationController",
                 "ReplicaSet", "Pod", "LimitRange", "ResourceQuota",
                 "IngressClass", "Ingress")  # networking.k8s.io/v1 (ingress)
#: Kinds whose status a component of the new cluster writes again, and which.
STATUS_REBUILT_BY = {
    "Pod": "the scheduler and the node's kubelet",
    "Node": "the node's kubelet",
    "Namespace": "the API server",
    "Deployment": "the deployment controller",
    "Ingress": "the ingress controller",
    "ReplicaSet": "the replicaset controller",
    "DaemonSet": "the daemonset controller",
    "StatefulSet": "the statefulset controller",
    "ReplicationController": "the replication controller",
    "Job": "the job controller",
    "CronJob": "the cronjob controller",
    "PersistentVolume": "the persistentvolume binder",
    "PersistentVolumeClaim": "the persistentvolume binder",
    "PodDisruptionBudget": "the disruption controller",
    # resource quota (quota)
    "ResourceQuota": "the resourcequota controller",
}
#: Objects the API server keeps itself (its own Service, with its own port): never restored.
API_SERVER_OWNED = {("Service", NAMESPACE_DEFAULT, "kubernetes")}


@dataclass
class RestoreReport:
    """What a restore did, one ``Kind namespace/name`` per line."""

    created: list[str] = field(default_factory=list)
    #: Present already in a new cluster (its bootstrap made them) and changed to the snapshot's.
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Dropped owner references, namespaces made for a dump without them, field warnings.
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "notes": self.notes}


def without_server_fields(obj: dict) -> dict:
    """A copy of ``obj`` without what the API server sets (its metadata, listed above)."""
    out = deep_copy(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_SET_METADATA:
            meta.pop(key, None)
    return out


def comparable(obj: dict) -> dict:
    """``obj`` as two clusters holding "the same" object agree on it: without server-set fields
    (its owners' uids among them), and without the status a component writes again."""
    out = without_server_fields(obj)
    if out.get("kind") in STATUS_REBUILT_BY:
        out.pop("status", None)
    for ref in (out.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict):
            ref.pop("uid", None)
    return out


def key_of(obj: dict) -> tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return obj.get("kind", ""), meta.get("namespace") or "", meta.get("name") or ""


def restore(server: Any, snapshot: Snapshot) -> RestoreReport:
    """Create the snapshot's objects through ``server`` (bootstrapped, as a new cluster is).
    Raises :class:`SnapshotError` at the first refusal; what was created before stays."""
    return _Restore(server, snapshot).run()


def rehearse(snapshot: Snapshot) -> RestoreReport:
    """Restore the snapshot into a throwaway in-memory API server, and register its simulated
    nodes there as their kubelets would (dry run; a node whose Node object is in the file is
    judged by that): every object and node spec is judged by the API server before a real
    cluster is touched. Raises :class:`SnapshotError`."""
    clock = snapshot.clock or 0.0
    scratch = new_apiserver(MemoryStore(), token_lookup=lambda token: None, clock=lambda: clock,
                            seed=snapshot.settings.seed)
    bootstrap(scratch)
    in_file = {key_of(o) for o in snapshot.objects}
    for i, spec in enumerate(snapshot.settings.nodes):
        if ("Node", "", spec.name) in in_file:
            continue
        response = send(scratch, "POST", collection_path("nodes"), new_node(spec, [], rfc3339(clock)),
                         query={"dryRun": "All"})
        if response.code >= 400:
            raise SnapshotError(f"simulation.nodes[{i}]: Node {spec.name}: {_message(response)}")
    return restore(scratch, snapshot)


class _Restore:
    def __init__(self, server: Any, snapshot: Snapshot) -> None:
        self.server = server
        self.snapshot = snapshot
        self.report = RestoreReport(skipped=list(snapshot.skipped))
        #: New uid of each restored object, by (kind, namespace, name).
        self.uids: dict[tuple[str, str, str], str] = {}
        #: Objects in the file, and the ones made because objects in it need them.
        self.in_file = {key_of(o) for o in snapshot.objects}
        self.made: set[tuple[str, str, str]] = set()

    def run(self) -> RestoreReport:
        for index in plan(self.snapshot.objects):
            self._restore(index)
        return self.report

    def _place(self, index: int) -> str:
        lines = self.snapshot.lines
        return locate(self.snapshot.file, "objects", index, lines[index] if index < len(lines) else 0)

    def _fail(self, index: int, obj: dict, response: APIResponse) -> SnapshotError:
        return SnapshotError(f"{self._place(index)}: {describe(obj)}: {_message(response)}")

    def _restore(self, index: int) -> None:
        original = self.snapshot.objects[index]
        rt = SERVED[(original["apiVersion"], original["kind"])]
        body = without_server_fields(original)
        self._ensure_referenced(body)
        key = key_of(body)
        if key in API_SERVER_OWNED:
            self.report.skipped.append(f"{describe(body)}: the API server keeps its own")
            return
        self._point_owner_references(body, rt)
        response = send(self.server, "POST", collection_path(rt.name, key[1]), body, query={"fieldValidation": "Warn"})
        if response.code == 409 and (response.body or {}).get("reason") == "AlreadyExists":
            stored = self._replace_existing(index, original, body, rt)
        elif response.code >= 400:
            raise self._fail(index, original, response)
        else:
            stored = response.body
            self.report.created.append(describe(body))
        self._warn(index, original, response)
        self.uids[key] = stored["metadata"]["uid"]
        status = original.get("status")
        if status and rt.kind not in STATUS_REBUILT_BY and "status" in rt.subresources and stored.get("status") != status:
            response = send(self.server, "PUT", resource_path(rt, key[1], key[2], "status"), {**stored, "status": status})
            if response.code >= 400:
                raise self._fail(index, original, response)

    def _replace_existing(self, index: int, original: dict, body: dict, rt: ResourceType) -> dict:
        """An object a new cluster has already (its bootstrap's): left alone when it is the
        snapshot's, else replaced by it."""
        path = resource_path(rt, key_of(body)[1], key_of(body)[2])
        current = send(self.server, "GET", path)
        if current.code >= 400:
            raise self._fail(index, original, current)
        existing = current.body
        if comparable(existing) == comparable({**body, "apiVersion": existing["apiVersion"], "kind": existing["kind"]}):
            self.report.unchanged.append(describe(body))
            return existing
        body["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
        response = send(self.server, "PUT", path, body, query={"fieldValidation": "Warn"})
        if response.code >= 400:
            raise self._fail(index, original, response)
        self.report.updated.append(describe(body))
        return response.body

    def _ensure_referenced(self, body: dict) -> None:
        """A dump of ``pods -A`` has neither Namespaces nor ServiceAccounts, which admission
        requires: make, bare, the namespace an object lives in and the account a pod names."""
        namespace = body["metadata"].get("namespace")
        if namespace:
            self._ensure("namespaces", "Namespace", "", namespace, "for the objects in it")
        account = (body.get("spec") or {}).get("serviceAccountName") if body["kind"] == "Pod" else None
        if isinstance(account, str) and account and namespace:
            self._ensure("serviceaccounts", "ServiceAccount", namespace, account, f"for pod {body['metadata'].get('name')}")

    def _ensure(self, resource: str, kind: str, namespace: str, name: str, why: str) -> None:
        key = (kind, namespace, name)
        if key in self.in_file or key in self.made:
            return
        self.made.add(key)
        meta = {"name": name, **({"namespace": namespace} if namespace else {})}
        response = send(self.server, "POST", collection_path(resource, namespace),
                        {"apiVersion": "v1", "kind": kind, "metadata": meta})
        if response.code < 400:
            self.report.notes.append(f"{kind} {namespace + '/' if namespace else ''}{name}: created {why} "
                                     "(the file has none)")

    def _point_owner_references(self, body: dict, rt: ResourceType) -> None:
        """Each ownerReference at its owner's new uid; one whose owner was not restored is dropped."""
        meta = body["metadata"]
        refs = meta.get("ownerReferences")
        if not isinstance(refs, list):
            return
        kept = []
        for ref in refs:
            owner = owner_key(ref, meta.get("namespace") or "")
            uid = self.uids.get(owner) if owner else None
            if uid is None:
                what = f"{ref.get('kind')} {ref.get('name')}" if isinstance(ref, dict) else "owner"
                self.report.notes.append(f"{describe(body)}: ownerReferences: {what} is not in the file; "
                                         "restored without that owner")
                continue
            kept.append({**ref, "uid": uid})
        if kept:
            meta["ownerReferences"] = kept
        else:
            meta.pop("ownerReferences", None)

    def _warn(self, index: int, obj: dict, response: APIResponse) -> None:
        warning = (response.headers or {}).get("Warning")
        if warning:
            self.report.notes.append(f"{self._place(index)}: {describe(obj)}: {warning}")


def owner_key(ref: Any, namespace: str) -> tuple[str, str, str] | None:
    """The (kind, namespace, name) an ownerReference points at, if it is a served kind."""
    if not isinstance(ref, dict):
        return None
    rt = SERVED.get((ref.get("apiVersion"), ref.get("kind")))
    if rt is None or not isinstance(ref.get("name"), str):
        return None
    return rt.kind, namespace if rt.namespaced else "", ref["name"]


def plan(objects: list[dict]) -> list[int]:
    """Indexes of ``objects`` in creation order: by :data:`RESTORE_ORDER`, every owner in the
    file before its dependents (a cycle of owners is broken where it closes)."""
    rank = {kind: i for i, kind in enumerate(RESTORE_ORDER)}
    where = {key_of(obj): i for i, obj in enumerate(objects)}
    order = sorted(range(len(objects)), key=lambda i: (rank.get(objects[i]["kind"], len(rank)), i))
    done: set[int] = set()
    out: list[int] = []

    def visit(i: int, path: set[int]) -> None:
        if i in done or i in path:
            return
        path.add(i)
        meta = objects[i].get("metadata") or {}
        for ref in meta.get("ownerReferences") or []:
            owner = where.get(owner_key(ref, meta.get("namespace") or "") or ("", "", ""))
            if owner is not None:
                visit(owner, path)
        done.add(i)
        out.append(i)

    for i in order:
        visit(i, set())
    return out


def send(server: Any, method: str, path: str, obj: dict | None = None, query: dict | None = None) -> APIResponse:
    """One request as kubectl sends it: a JSON body (so the decoder's type checks run), as the admin."""
    headers = {"user-agent": USER_AGENT, "accept": "application/json"}
    body = None
    if obj is not None:
        headers["content-type"] = "application/json"
        body = json.dumps(obj).encode()
    return server.handle(APIRequest(method, path, query=query or {}, headers=headers, body=body, user=ADMIN))


def _message(response: APIResponse) -> str:
    body = response.body if isinstance(response.body, dict) else {}
    return str(body.get("message") or f"the API server answered {response.code}")
