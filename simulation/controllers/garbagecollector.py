"""The garbage collector, as upstream's ``pkg/controller/garbagecollector``.

It keeps an ownership graph — one node per object uid, edges from each ownerReference — fed
by informers on every resource that supports delete, list and watch (events excepted, as
upstream's default ignored resources). An owner named by a reference but never seen is a
*virtual* node, to be verified through the API.

Two kinds of work items, both on the controller's queue:

* ``delete:<uid>`` (upstream's ``attemptToDelete``): look the object up through the API,
  classify its owners — *solid* (exists), *dangling* (gone, or a different uid under that
  name) or *waiting for dependents deletion* (being deleted with ``foregroundDeletion``) —
  and then: delete it when no owner is solid (Background, or whatever its own finalizers
  ask for), delete it in the foreground when an owner waits for it and it has dependents
  itself, or patch away the references to dangling/waiting owners when a solid one remains.
  An owner with ``foregroundDeletion`` waits until no dependent with
  ``blockOwnerDeletion: true`` is left, then loses the finalizer and is gone.
* ``orphan:<uid>`` (``attemptToOrphan``): an owner deleted with ``propagationPolicy: Orphan``
  has the ``orphan`` finalizer; remove the owner's reference from each dependent, then the
  finalizer.

Owners are always verified by uid through the API before anything is deleted: the graph may
lag, and a cached absence proves nothing. Verified absences are remembered (upstream's
``absentOwnerCache``) so a thousand orphans of one owner cost one lookup.

Promises: the graph is only changed by informer deliveries (the handlers below keep it, as
upstream's graph builder does; they do no API work) and by virtual delete events produced
while syncing; every API write carries the object's uid as a precondition.
"""
from __future__ import annotations

from collections import OrderedDict

from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import (being_deleted, deletable_resources, describe, has_finalizer, owner_references,
                               resource_for)

ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
#: Upstream's ``DefaultIgnoredResources``: never monitored.
IGNORED_RESOURCES = {("", "events"), ("events.k8s.io", "events")}
#: Upstream's absentOwnerCache holds 500 entries.
ABSENT_OWNER_CACHE_SIZE = 500
#: Backoff for items that cannot be handled yet (unobserved virtual nodes, unknown kinds).
RETRY_BASE_SECONDS = 0.005
RETRY_MAX_SECONDS = 1000.0


class GraphNode:
    """One object in the ownership graph (upstream's ``node``)."""

    __slots__ = (
        "api_version",
        "being_deleted",
        "deleting_dependents",
        "dependents",
        "kind",
        "name",
        "namespace",
        "observed",
        "owners",
        "uid",
    )

    def __init__(self, uid: str, api_version: str, kind: str, namespace: str, name: str, *,
                 owners: list[dict] | None = None, observed: bool = True) -> None:
        self.uid = uid
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.owners: list[dict] = owners or []
        self.dependents: set[str] = set()
        self.observed = observed
        self.being_deleted = False
        self.deleting_dependents = False

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name}"

    def blocking_dependent_uids(self, graph: dict[str, GraphNode]) -> list[str]:
        """Dependents whose reference to this node has ``blockOwnerDeletion: true``."""
        out = []
        for uid in sorted(self.dependents):
            dependent = graph.get(uid)
            if dependent is None:
                continue
            if any(ref.get("uid") == self.uid and ref.get("blockOwnerDeletion") for ref in dependent.owners):
                out.append(uid)
        return out


def _starts_waiting(old: dict | None, new: dict, finalizer: str) -> bool:
    """The object has just been marked for deletion with ``finalizer`` (or we see it first)."""
    if not (being_deleted(new) and has_finalizer(new, finalizer)):
        return False
    return old is None or not being_deleted(old) or not has_finalizer(old, finalizer)


class GarbageCollectorController(Controller):
    name = "garbagecollector"
    event_source = "garbage-collector-controller"

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self.graph: dict[str, GraphNode] = {}
        self.absent_owners: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._retries: dict[str, int] = {}

    # ----------------------------------------------------------------- informers
    def setup(self) -> None:
        for rt in deletable_resources():
            if (rt.group, rt.name) in IGNORED_RESOURCES:
                continue
            self.manager.informer(rt.name).add_event_handler(
                lambda obj, rt=rt: self._observe(rt, obj, None),
                lambda old, new, rt=rt: self._observe(rt, new, old),
                lambda obj: self._forget(obj))

    def _observe(self, rt, obj: dict, old: dict | None) -> None:
        """Graph builder, add/update: insert or update the node, then note transitions."""
        meta = obj["metadata"]
        uid = meta.get("uid")
        if not uid:
            return
        refs = owner_references(obj)
        node = self.graph.get(uid)
        if node is None:
            node = GraphNode(uid, rt.group_version, rt.kind, meta.get("namespace", ""), meta["name"], owners=refs)
            node.being_deleted = being_deleted(obj)
            node.deleting_dependents = node.being_deleted and has_finalizer(obj, FOREGROUND_FINALIZER)
            self.graph[uid] = node
            self._add_dependent_to_owners(node, refs)
        else:
            if not node.observed:  # a virtual node turns out real: take its true coordinates
                node.api_version, node.kind = rt.group_version, rt.kind
                node.namespace, node.name = meta.get("namespace", ""), meta["name"]
                node.observed = True
                self._retries.pop(f"delete:{uid}", None)
            old_by_uid = {r.get("uid"): r for r in node.owners}
            new_by_uid = {r.get("uid"): r for r in refs}
            added = [r for u, r in new_by_uid.items() if u not in old_by_uid]
            removed = [r for u, r in old_by_uid.items() if u not in new_by_uid]
            changed = [(old_by_uid[u], r) for u, r in new_by_uid.items() if u in old_by_uid and old_by_uid[u] != r]
            if added or removed or changed:
                self._add_unblocked_owners_to_delete_queue(removed, changed)
                node.owners = refs
                self._add_dependent_to_owners(node, added)
                self._remove_dependent_from_owners(node, removed)
            if being_deleted(obj):
                node.being_deleted = True
        self._process_transitions(old, obj, node)

    def _forget(self, obj: dict) -> None:
        """Graph builder, delete: drop the node; its dependents and waiting owners get a look."""
        node = self.graph.get(obj["metadata"].get("uid", ""))
        if node is None:
            return
        self._remove_node(node)

    def _remove_node(self, node: GraphNode) -> None:
        self.graph.pop(node.uid, None)
        self._remove_dependent_from_owners(node, node.owners)
        if node.dependents:
            self._remember_absent(node.uid, node.namespace)
        for uid in sorted(node.dependents):
            self.queue.add(f"delete:{uid}")
        for ref in node.owners:
            owner = self.graph.get(ref.get("uid", ""))
            if owner is not None and owner.deleting_dependents:
                self.queue.add(f"delete:{owner.uid}")

    def _add_dependent_to_owners(self, node: GraphNode, refs: list[dict]) -> None:
        for ref in refs:
            uid = ref.get("uid", "")
            owner = self.graph.get(uid)
            if owner is None:
                rt = resource_for(ref.get("apiVersion", ""), ref.get("kind", ""))
                namespace = node.namespace if rt is None or rt.namespaced else ""
                owner = GraphNode(uid, ref.get("apiVersion", ""), ref.get("kind", ""), namespace, ref.get("name", ""),
                                  observed=False)
                self.graph[uid] = owner
                self.queue.add(f"delete:{uid}")
            owner.dependents.add(node.uid)

    def _remove_dependent_from_owners(self, node: GraphNode, refs: list[dict]) -> None:
        for ref in refs:
            owner = self.graph.get(ref.get("uid", ""))
            if owner is not None:
                owner.dependents.discard(node.uid)

    def _add_unblocked_owners_to_delete_queue(self, removed: list[dict], changed: list[tuple[dict, dict]]) -> None:
        unblocked = [r for r in removed if r.get("blockOwnerDeletion")]
        unblocked += [new for old, new in changed if old.get("blockOwnerDeletion") and not new.get("blockOwnerDeletion")]
        for ref in unblocked:
            owner = self.graph.get(ref.get("uid", ""))
            if owner is not None and owner.deleting_dependents:
                self.queue.add(f"delete:{owner.uid}")

    def _process_transitions(self, old: dict | None, obj: dict, node: GraphNode) -> None:
        if _starts_waiting(old, obj, ORPHAN_FINALIZER):
            self.queue.add(f"orphan:{node.uid}")
            return
        if _starts_waiting(old, obj, FOREGROUND_FINALIZER):
            node.deleting_dependents = True
            for uid in sorted(node.dependents):
                self.queue.add(f"delete:{uid}")
            self.queue.add(f"delete:{node.uid}")

    def _remember_absent(self, uid: str, namespace: str) -> None:
        self.absent_owners[(uid, namespace)] = None
        self.absent_owners.move_to_end((uid, namespace))
        while len(self.absent_owners) > ABSENT_OWNER_CACHE_SIZE:
            self.absent_owners.popitem(last=False)

    def _retry_later(self, key: str) -> None:
        failures = self._retries.get(key, 0)
        self._retries[key] = failures + 1
        self.queue.add_after(key, min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** failures))

    # ----------------------------------------------------------------- the worker
    def sync_handler(self, key: str) -> str | None:
        action, _, uid = key.partition(":")
        node = self.graph.get(uid)
        if node is None:
            self._retries.pop(key, None)
            return f"The garbage collector has nothing to do for uid {uid}: the object has left its graph"
        if action == "orphan":
            return self._attempt_to_orphan(node)
        caption = self._attempt_to_delete(node, key)
        if uid in self.graph and not self.graph[uid].observed and self.graph[uid] is node:
            # Verified to exist but not yet seen by an informer: look again later (issue 56121).
            self._retry_later(key)
        else:
            self._retries.pop(key, None)
        return caption

    def _get(self, node: GraphNode) -> dict | None:
        rt = resource_for(node.api_version, node.kind)
        return self.client.get(rt.name, node.namespace if rt.namespaced else "", node.name)

    def _virtual_delete(self, node: GraphNode, why: str) -> str:
        """Upstream's ``enqueueVirtualDeleteEvent``: the object is verified gone."""
        if self.graph.get(node.uid) is node:
            self._remove_node(node)
            self._remember_absent(node.uid, node.namespace)
        dependents = len(node.dependents)
        tail = (f": its {dependents} dependent(s) are checked for collection" if dependents
                else ": it forgets it")
        return f"The garbage collector asks the API server for {node.title} and {why}{tail}"

    def _attempt_to_delete(self, node: GraphNode, key: str) -> str:
        if node.being_deleted and not node.deleting_dependents:
            return (f"The garbage collector sees {node.title} already being deleted (not waiting for its "
                    "dependents): nothing to do")
        rt = resource_for(node.api_version, node.kind)
        if rt is None:
            self._retry_later(key)
            return (f"The garbage collector cannot map {node.api_version}/{node.kind} to a served resource: "
                    f"it will look at {node.title} again later")
        try:
            latest = self._get(node)
        except APIError as exc:
            if is_not_found(exc):
                return self._virtual_delete(node, "finds it does not exist")
            raise
        if latest["metadata"].get("uid") != node.uid:
            return self._virtual_delete(node, f"finds a different object under that name (uid "
                                              f"{latest['metadata'].get('uid')}, not {node.uid})")
        if node.deleting_dependents:
            return self._process_deleting_dependents(node)
        refs = owner_references(latest)
        if not refs:
            return f"The garbage collector sees {node.title} has no owners: nothing to collect"
        classified = self._classify_references(node, refs)
        if classified is None:
            return (f"The garbage collector sees cluster-scoped {node.title} name a namespaced owner, which "
                    "cannot exist: it leaves it alone")
        solid, dangling, waiting = classified
        if solid:
            if not dangling and not waiting:
                owners = ", ".join(describe(r) for r in solid)
                return f"The garbage collector sees {node.title}'s owner {owners} exists: nothing to collect"
            stale = dangling + waiting
            patch = {"metadata": {"uid": node.uid,
                                  "ownerReferences": [{"$patch": "delete", "uid": r["uid"]} for r in stale]}}
            self._patch(rt, node, patch)
            return (f"The garbage collector removes {node.title}'s references to "
                    f"{', '.join(describe(r) for r in stale)} (gone or being deleted); it keeps its owner "
                    f"{', '.join(describe(r) for r in solid)}")
        if waiting and node.dependents:
            for uid in sorted(node.dependents):
                dependent = self.graph.get(uid)
                if dependent is not None and dependent.deleting_dependents:
                    # A cycle would block both owners forever: stop blocking ours (upstream's check).
                    unblock = [dict(r, blockOwnerDeletion=False) for r in node.owners if r.get("blockOwnerDeletion")]
                    if unblock:
                        self._patch(rt, node, {"metadata": {"uid": node.uid, "ownerReferences": unblock}})
                    break
            self._delete(rt, node, "Foreground")
            return (f"The garbage collector deletes {node.title} in the foreground, because its owner "
                    f"{', '.join(describe(r) for r in waiting)} is waiting for its dependents to go and "
                    f"{node.title} has dependents of its own")
        if has_finalizer(latest, ORPHAN_FINALIZER):
            policy = "Orphan"
        elif has_finalizer(latest, FOREGROUND_FINALIZER):
            policy = "Foreground"
        else:
            policy = "Background"
        self._delete(rt, node, policy)
        if waiting:
            why = (f"its owner {', '.join(describe(r) for r in waiting)} is being deleted in the foreground "
                   "and waits for it")
        else:
            gone = ", ".join(describe(r) for r in dangling)
            why = f"its owner {gone} is gone" if len(dangling) == 1 else f"its owners {gone} are all gone"
        return f"The garbage collector sees {node.title}'s {why.removeprefix('its ')}: it deletes the {node.kind} " \
               f"({policy.lower()})"

    def _classify_references(self, node: GraphNode, refs: list[dict]):
        solid, dangling, waiting = [], [], []
        for ref in refs:
            uid = ref.get("uid", "")
            if (uid, "") in self.absent_owners or (uid, node.namespace) in self.absent_owners:
                dangling.append(ref)
                continue
            rt = resource_for(ref.get("apiVersion", ""), ref.get("kind", ""))
            if rt is None:
                raise APIError(404, {"reason": "NotFound", "message": f"no resource serves {ref.get('apiVersion')} "
                                                                      f"{ref.get('kind')}"})
            if rt.namespaced and not node.namespace:
                self.recorder.event(self._node_object(node), "Warning", "OwnerRefInvalidNamespace",
                                    f"ownerRef [{ref.get('apiVersion')}/{ref.get('kind')}, namespace: , name: "
                                    f"{ref.get('name')}, uid: {uid}] does not exist in namespace \"\"")
                return None
            namespace = node.namespace if rt.namespaced else ""
            try:
                owner = self.client.get(rt.name, namespace, ref.get("name", ""))
            except APIError as exc:
                if not is_not_found(exc):
                    raise
                self._remember_absent(uid, namespace)
                dangling.append(ref)
                continue
            if owner["metadata"].get("uid") != uid:
                self._remember_absent(uid, namespace)
                dangling.append(ref)
            elif being_deleted(owner) and has_finalizer(owner, FOREGROUND_FINALIZER):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    def _process_deleting_dependents(self, node: GraphNode) -> str:
        blocking = node.blocking_dependent_uids(self.graph)
        if not blocking:
            removed = self._remove_finalizer(node, FOREGROUND_FINALIZER)
            if not removed:
                return f"The garbage collector finds {node.title} already without its foregroundDeletion finalizer"
            return (f"The garbage collector sees no dependent of {node.title} blocking its deletion any more: it "
                    f"removes the foregroundDeletion finalizer, and the {node.kind} is gone")
        for uid in blocking:
            dependent = self.graph[uid]
            if not dependent.deleting_dependents:
                self.queue.add(f"delete:{uid}")
        names = ", ".join(self.graph[u].title for u in blocking[:5]) + (" …" if len(blocking) > 5 else "")
        return (f"The garbage collector keeps {node.title} (foreground deletion) until its {len(blocking)} blocking "
                f"dependent(s) are gone: {names}")

    def _attempt_to_orphan(self, owner: GraphNode) -> str:
        orphaned = 0
        for uid in sorted(owner.dependents):
            dependent = self.graph.get(uid)
            if dependent is None:
                continue
            rt = resource_for(dependent.api_version, dependent.kind)
            if rt is None:
                continue
            patch = {"metadata": {"uid": dependent.uid,
                                  "ownerReferences": [{"$patch": "delete", "uid": owner.uid}]}}
            try:
                self._patch(rt, dependent, patch)
            except APIError as exc:
                if not is_not_found(exc):
                    raise
                continue
            orphaned += 1
        self._remove_finalizer(owner, ORPHAN_FINALIZER)
        if not orphaned:
            return (f"The garbage collector finds no dependents of {owner.title} to orphan: it removes the orphan "
                    f"finalizer, and the {owner.kind} is gone")
        return (f"The garbage collector orphans {orphaned} dependent(s) of {owner.title} (removes their "
                f"ownerReferences), then removes the orphan finalizer: the {owner.kind} is gone, its dependents stay")

    # ----------------------------------------------------------------- writes
    def _patch(self, rt, node: GraphNode, patch: dict) -> dict:
        return self.client.patch(rt.name, node.namespace if rt.namespaced else "", node.name, patch,
                                 patch_type="strategic")

    def _delete(self, rt, node: GraphNode, policy: str) -> None:
        try:
            self.client.delete(rt.name, node.namespace if rt.namespaced else "", node.name,
                               propagation_policy=policy, preconditions={"uid": node.uid})
        except APIError as exc:
            if not is_not_found(exc):
                raise

    def _remove_finalizer(self, node: GraphNode, finalizer: str) -> bool:
        """Remove ``finalizer`` with a merge patch conditional on the object's resourceVersion,
        re-reading on conflict (upstream's ``removeFinalizer`` with ``RetryOnConflict``)."""
        rt = resource_for(node.api_version, node.kind)
        for _ in range(5):
            try:
                latest = self._get(node)
            except APIError as exc:
                if is_not_found(exc):
                    return False
                raise
            finalizers = list(latest["metadata"].get("finalizers") or [])
            if finalizer not in finalizers:
                return False
            kept = [f for f in finalizers if f != finalizer]
            patch = {"metadata": {"resourceVersion": latest["metadata"]["resourceVersion"],
                                  "finalizers": kept or None}}
            try:
                self.client.patch(rt.name, node.namespace if rt.namespaced else "", node.name, patch)
                return True
            except APIError as exc:
                if is_not_found(exc):
                    return False
                if exc.code != 409:
                    raise
        raise APIError(409, {"reason": "Conflict", "message": f"removing the {finalizer} finalizer from "
                                                               f"{node.title} kept conflicting"})

    @staticmethod
    def _node_object(node: GraphNode) -> dict:
        meta = {"name": node.name, "uid": node.uid}
        if node.namespace:
            meta["namespace"] = node.namespace
        return {"apiVersion": node.api_version, "kind": node.kind, "metadata": meta}

    def status(self) -> dict:
        return {**super().status(), "graph_nodes": len(self.graph)}
