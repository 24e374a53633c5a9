"""The namespace controller, as upstream's ``pkg/controller/namespace`` and its
``NamespacedResourcesDeleter``.

A namespace being deleted (``deletionTimestamp`` set, phase ``Terminating``) keeps the
``kubernetes`` finalizer in ``spec.finalizers`` until this controller has removed everything
in it. Each sync:

1. reads the namespace through the API (other controllers edit it while it terminates) and
   makes sure its phase says ``Terminating``;
2. deletes the content: for every namespaced resource that supports delete, each object
   with ``propagationPolicy: Background`` (upstream sends one ``deletecollection``; our API
   client has no such call), then a list to see what is left. Pods being deleted gracefully
   and objects held by finalizers may remain;
3. writes the namespace's deletion conditions (``NamespaceDeletionDiscoveryFailure``,
   ``NamespaceDeletionGroupVersionParsingFailure``, ``NamespaceDeletionContentFailure``,
   ``NamespaceContentRemaining``, ``NamespaceFinalizersRemaining``) with upstream's reasons
   and messages;
4. if something remains, looks again after half the estimated time (the longest pod grace
   period, or 15 s for finalizers); else removes the ``kubernetes`` finalizer through the
   ``finalize`` subresource, after which the API server deletes the namespace.

As upstream, a namespace event is only acted on after ``NAMESPACE_DELETION_GRACE_SECONDS``,
so late creations inside it are seen before the content is listed.
"""
from __future__ import annotations

from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import deletable_resources, get_condition, group_resource

FINALIZER_TOKEN = "kubernetes"
#: Upstream's ``namespaceDeletionGracePeriod``.
NAMESPACE_DELETION_GRACE_SECONDS = 5.0
#: Upstream's ``finalizerEstimateSeconds``: the wait when content is held by finalizers.
FINALIZER_ESTIMATE_SECONDS = 15

CONDITION_TYPES = ("NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                   "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining")
OK_REASONS = {"NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
              "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
              "NamespaceDeletionContentFailure": "ContentDeleted",
              "NamespaceContentRemaining": "ContentRemoved",
              "NamespaceFinalizersRemaining": "ContentHasNoFinalizers"}
OK_MESSAGES = {"NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
               "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
               "NamespaceDeletionContentFailure": "All content successfully deleted, may be waiting on finalization",
               "NamespaceContentRemaining": "All content successfully removed",
               "NamespaceFinalizersRemaining": "All content-preserving finalizers finished"}


class NamespaceController(Controller):
    name = "namespace"
    event_source = "namespace-controller"

    def setup(self) -> None:
        self.namespaces = self.manager.informer("namespaces")
        self.namespaces.add_event_handler(self._enqueue, lambda old, new: self._enqueue(new), None)

    def _enqueue(self, namespace: dict) -> None:
        if not namespace["metadata"].get("deletionTimestamp"):
            return  # don't queue if we aren't deleted
        self.queue.add_after(namespace["metadata"]["name"], NAMESPACE_DELETION_GRACE_SECONDS)

    # ----------------------------------------------------------------- the worker
    def sync_handler(self, key: str) -> str | None:
        if self.namespaces.lister.get("", key) is None:
            return f"The namespace controller finds namespace {key} gone: nothing to do"
        try:
            namespace = self.client.get("namespaces", "", key)
        except APIError as exc:
            if is_not_found(exc):
                return f"The namespace controller finds namespace {key} gone: nothing to do"
            raise
        if not namespace["metadata"].get("deletionTimestamp"):
            return f"The namespace controller sees namespace {key} is not being deleted: nothing to do"
        namespace = self._ensure_terminating(namespace)
        if FINALIZER_TOKEN not in ((namespace.get("spec") or {}).get("finalizers") or []):
            return (f"The namespace controller sees namespace {key} already finalized: the API server removes it once "
                    "its other finalizers are gone")
        namespace, estimate, remaining, errors = self._delete_all_content(namespace)
        if errors:
            raise APIError(500, {"reason": "InternalError", "message": "; ".join(errors)})
        if estimate > 0 or remaining:
            delay = max(estimate / 2, 1.0)
            self.queue.add_after(key, delay)
            what = ", ".join(f"{n} {r}" for r, n in remaining.items()) or "content being deleted"
            return (f"The namespace controller deletes what is in namespace {key}; {what} still remain(s) "
                    f"(terminating): it looks again in {delay:g}s")
        self._finalize(namespace)
        return (f"The namespace controller finds namespace {key} empty: it removes the '{FINALIZER_TOKEN}' finalizer "
                "(finalize subresource), and the API server deletes the namespace")

    def _ensure_terminating(self, namespace: dict) -> dict:
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            return namespace
        updated = self.copy(namespace)
        updated.setdefault("status", {})["phase"] = "Terminating"
        return self.client.update_status("namespaces", updated)

    def _delete_all_content(self, namespace: dict) -> tuple[dict, int, dict[str, int], list[str]]:
        name = namespace["metadata"]["name"]
        deleted_at = parse_time(namespace["metadata"].get("deletionTimestamp")) or self.kernel.wall_time()
        estimate = 0
        remaining: dict[str, int] = {}
        by_finalizer: dict[str, int] = {}
        errors: list[str] = []
        for rt in deletable_resources(namespaced=True):
            gvr_estimate = self._estimate_graceful_termination(rt.name, name, deleted_at)
            try:
                self._delete_each(rt.name, name)
                items, _ = self.client.list(rt.name, name)
            except APIError as exc:
                errors.append(f"{group_resource(rt)}: {exc}")
                continue
            if not items:
                continue
            finalizers: dict[str, int] = {}
            for item in items:
                for finalizer in item["metadata"].get("finalizers") or []:
                    finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
            remaining[group_resource(rt)] = len(items)
            for finalizer, count in finalizers.items():
                by_finalizer[finalizer] = by_finalizer.get(finalizer, 0) + count
            if gvr_estimate:
                estimate = max(estimate, gvr_estimate)
            elif finalizers:
                estimate = max(estimate, FINALIZER_ESTIMATE_SECONDS)
            else:
                estimate = max(estimate, gvr_estimate)
                errors.append(f"unexpected items still remain in namespace: {name} for gvr: "
                              f"{rt.group_version}, Resource={rt.name}")
        namespace = self._update_conditions(namespace, remaining, by_finalizer, errors)
        return namespace, estimate, remaining, errors

    def _delete_each(self, resource: str, namespace: str) -> None:
        """Delete every item with ``propagationPolicy: Background``. Upstream sends one
        ``deletecollection``; the API client offers no such call, so this is upstream's
        fallback for resources without it (same requests per item on the server side)."""
        items, _ = self.client.list(resource, namespace)
        for item in items:
            try:
                self.client.delete(resource, namespace, item["metadata"]["name"], propagation_policy="Background")
            except APIError as exc:
                if not is_not_found(exc):
                    raise

    def _estimate_graceful_termination(self, resource: str, namespace: str, deleted_at: float) -> int:
        """Pods only: the longest grace period of a pod not yet finished (upstream's estimate)."""
        if resource != "pods":
            return 0
        items, _ = self.client.list("pods", namespace)
        estimate = 0
        for pod in items:
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
            if grace is not None and grace > estimate:
                estimate = grace
        return estimate

    def _update_conditions(self, namespace: dict, remaining: dict[str, int], by_finalizer: dict[str, int],
                           errors: list[str]) -> dict:
        """Upstream's ``namespaceConditionUpdater``: a failure condition where something is
        wrong, the "ok" variant of every other type; written only when something changed."""
        now = rfc3339(self.kernel.wall_time())
        failures: dict[str, tuple[str, str]] = {}
        if errors:
            failures["NamespaceDeletionContentFailure"] = (
                "ContentDeletionFailed",
                f"Failed to delete all resource types, {len(errors)} remaining: {', '.join(errors)}")
        if remaining:
            parts = sorted(f"{gr if '.' in gr else gr + '.'} has {n} resource instances" for gr, n in remaining.items())
            failures["NamespaceContentRemaining"] = ("SomeResourcesRemain",
                                                     f"Some resources are remaining: {', '.join(parts)}")
        if by_finalizer:
            parts = sorted(f"{f} in {n} resource instances" for f, n in by_finalizer.items())
            failures["NamespaceFinalizersRemaining"] = (
                "SomeFinalizersRemain", f"Some content in the namespace has finalizers remaining: {', '.join(parts)}")
        updated = self.copy(namespace)
        conditions = updated.setdefault("status", {}).setdefault("conditions", [])
        for type_ in CONDITION_TYPES:
            status, (reason, message) = ("True", failures[type_]) if type_ in failures else \
                ("False", (OK_REASONS[type_], OK_MESSAGES[type_]))
            old = get_condition(conditions, type_)
            if old is None:
                conditions.append({"type": type_, "status": status, "lastTransitionTime": now, "reason": reason,
                                   "message": message})
            elif (old.get("status"), old.get("reason"), old.get("message")) != (status, reason, message):
                if old.get("status") != status:
                    old["lastTransitionTime"] = now
                old.update(status=status, reason=reason, message=message)
        if updated != namespace:
            try:
                return self.client.update_status("namespaces", updated)
            except APIError:
                pass  # upstream logs and carries on: conditions are informative
        return namespace

    def _finalize(self, namespace: dict) -> None:
        for _ in range(5):
            finalize = {"apiVersion": "v1", "kind": "Namespace", "metadata": dict(namespace["metadata"]),
                        "spec": dict(namespace.get("spec") or {})}
            finalize["spec"]["finalizers"] = sorted({f for f in (namespace.get("spec") or {}).get("finalizers") or []
                                                     if f != FINALIZER_TOKEN})
            try:
                self.client.update("namespaces", finalize, "finalize")
                return
            except APIError as exc:
                if is_not_found(exc):
                    return  # it was removed already, so life is good
                if exc.code != 409:
                    raise
            namespace = self.client.get("namespaces", "", namespace["metadata"]["name"])
        raise APIError(409, {"reason": "Conflict", "message": "finalizing the namespace kept conflicting"})
