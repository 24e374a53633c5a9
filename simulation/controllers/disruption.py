"""The disruption controller, as upstream's ``pkg/controller/disruption``: it keeps every
PodDisruptionBudget's status — how many selected pods are healthy, how many must stay
healthy, and so how many may be disrupted now (``disruptionsAllowed``) — which the
scheduler's DefaultPreemption reads to spare a budget's pods.

Promises, as upstream:

* ``minAvailable`` as a number counts the selected pods as they are; ``maxUnavailable`` and a
  percentage ``minAvailable`` are measured against the scale of the pods' controllers
  (ReplicaSet, Deployment through its ReplicaSet, and the StatefulSet and ReplicationController
  when this API server serves them). A pod no controller owns makes that scale unknowable:
  the ``UnmanagedPods`` Warning says so and the sync goes on.
* A pod is healthy when it is Ready and not being deleted.
* ``disruptionsAllowed`` is ``currentHealthy - desiredHealthy``, never below 0, and 0 while
  the budget expects no pods; the ``DisruptionAllowed`` condition (``SufficientPods`` /
  ``InsufficientPods``) follows it. Status is written only when it changed.
* Pod events wake the budgets whose selector picks the pod (before or after the change).
"""
from __future__ import annotations

import math

from simulation.apimachinery import resources
from simulation.apimachinery.selectors import from_label_selector_object
from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError, is_not_found
from simulation.client.events import NORMAL, WARNING

from .base import Controller
from .controller_utils import controller_ref_of, get_condition, is_pod_ready, labels_of

DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS, INSUFFICIENT_PODS = "SufficientPods", "InsufficientPods"
#: Workload kinds whose ``spec.replicas`` is a pod's expected scale: (kind, resource).
_SCALE_FINDERS = (("ReplicationController", "replicationcontrollers"), ("Deployment", "deployments"),
                  ("ReplicaSet", "replicasets"), ("StatefulSet", "statefulsets"))


def _served(resource: str) -> bool:
    try:
        resources.by_name(resource)
    except KeyError:
        return False
    return True


def _selector(pdb: dict):
    try:
        return from_label_selector_object((pdb.get("spec") or {}).get("selector"))
    except ValueError:
        return None


def _selector_text(pdb: dict) -> str:
    """The selector as upstream's ``%v`` of a ``labels.Selector`` prints it (``app=web``)."""
    selector = _selector(pdb)
    return str(selector) if selector is not None else ""


def _int_or_percent(value) -> tuple[int, bool]:
    """(the number, whether it was a percentage)."""
    if isinstance(value, str) and value.endswith("%"):
        return int(value[:-1]), True
    return int(value), False


class DisruptionController(Controller):
    name = "disruption"
    #: Upstream's disruption controller records as the manager itself.
    event_source = "controllermanager"

    def setup(self) -> None:
        pdb_informer = self.manager.informer("poddisruptionbudgets")
        pod_informer = self.manager.informer("pods")
        self.pdb_lister = pdb_informer.lister
        self.pod_lister = pod_informer.lister
        self.workload_listers = {kind: self.manager.informer(resource).lister
                                 for kind, resource in _SCALE_FINDERS if _served(resource)}
        pdb_informer.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        pod_informer.add_event_handler(self._pod_changed, self._pod_updated, self._pod_changed)

    # ----------------------------------------------------------------- event handlers (no work)
    def _pod_changed(self, pod: dict) -> None:
        namespace = pod["metadata"].get("namespace", "")
        for pdb in self.pdb_lister.list(namespace):
            selector = _selector(pdb)
            if selector is not None and selector.matches(labels_of(pod)):
                self.enqueue(pdb)

    def _pod_updated(self, old: dict, new: dict) -> None:
        self._pod_changed(new)
        if labels_of(old) != labels_of(new):
            self._pod_changed(old)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str | None:
        namespace, _, name = key.partition("/")
        pdb = self.pdb_lister.get(namespace, name)
        if pdb is None:
            return None
        selector = _selector(pdb)
        pods = [p for p in self.pod_lister.list(namespace)
                if selector is not None and selector.matches(labels_of(p))]
        if not pods:
            self.recorder.event(pdb, NORMAL, "NoPods", "No matching pods found")
        expected, desired, unmanaged, error = self._expected_pod_count(pdb, pods)
        if error:
            self.recorder.event(pdb, WARNING, "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {error}")
            return self._write_status(pdb, None, 0, 0, 0)
        if unmanaged:
            self.recorder.event(pdb, WARNING, "UnmanagedPods",
                                f"Pods selected by this PodDisruptionBudget (selector: {_selector_text(pdb)}) were "
                                "found to be unmanaged. As a result, the status of the PDB cannot be calculated "
                                "correctly, which may result in undefined behavior. To account for these pods please "
                                "set \".spec.minAvailable\" field of the PDB to an integer value.")
        healthy = sum(1 for p in pods if is_pod_ready(p) and not p["metadata"].get("deletionTimestamp"))
        return self._write_status(pdb, healthy, desired, expected, healthy - desired)

    def _expected_pod_count(self, pdb: dict, pods: list[dict]) -> tuple[int, int, list[str], str]:
        """``getExpectedPodCount``: (expected pods, desired healthy, unmanaged pod names, error)."""
        spec = pdb.get("spec") or {}
        if spec.get("maxUnavailable") is not None:
            expected, unmanaged, error = self._expected_scale(pods)
            value, percent = _int_or_percent(spec["maxUnavailable"])
            max_unavailable = math.ceil(value * expected / 100) if percent else value
            return expected, max(expected - max_unavailable, 0), unmanaged, error
        if spec.get("minAvailable") is not None:
            value, percent = _int_or_percent(spec["minAvailable"])
            if not percent:
                return len(pods), value, [], ""
            expected, unmanaged, error = self._expected_scale(pods)
            return expected, math.ceil(value * expected / 100), unmanaged, error
        return 0, 0, [], ""

    def _expected_scale(self, pods: list[dict]) -> tuple[int, list[str], str]:
        """``getExpectedScale``: the summed ``spec.replicas`` of the pods' distinct controllers."""
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = controller_ref_of(pod)
            if ref is None:
                unmanaged.append(pod["metadata"]["name"])
                continue
            found = self._controller_scale(ref, pod["metadata"].get("namespace", ""))
            if found is None:
                return 0, unmanaged, f'found no controllers for pod "{pod["metadata"]["name"]}"'
            scales[found[0]] = found[1]
        return sum(scales.values()), unmanaged, ""

    def _controller_scale(self, ref: dict, namespace: str) -> tuple[str, int] | None:
        """(uid, replicas) of the workload a pod's controller reference leads to: a ReplicaSet
        owned by a Deployment counts as the Deployment, as upstream's ``getPodDeployment``."""
        kind = ref.get("kind")
        lister = self.workload_listers.get(kind)
        if lister is None:
            return None
        owner = lister.get(namespace, ref.get("name", ""))
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        if kind == "ReplicaSet":
            parent = controller_ref_of(owner)
            if parent is not None and parent.get("kind") == "Deployment":
                return self._controller_scale(parent, namespace)
        return owner["metadata"]["uid"], int((owner.get("spec") or {}).get("replicas", 1))

    def _write_status(self, pdb: dict, healthy: int | None, desired: int, expected: int, allowed: int) -> str | None:
        """``updatePdbStatus`` (or, with ``healthy`` None, ``failSafe``: nothing may be disrupted)."""
        meta = pdb["metadata"]
        allowed = 0 if expected <= 0 or allowed <= 0 else allowed
        old = pdb.get("status") or {}
        generation = meta.get("generation", 0)
        status = {"currentHealthy": old.get("currentHealthy", 0) if healthy is None else healthy,
                  "desiredHealthy": old.get("desiredHealthy", 0) if healthy is None else desired,
                  "expectedPods": old.get("expectedPods", 0) if healthy is None else expected,
                  "disruptionsAllowed": allowed, "observedGeneration": generation}
        condition = get_condition(old.get("conditions"), DISRUPTION_ALLOWED)
        want = ("True", SUFFICIENT_PODS) if allowed > 0 else ("False", INSUFFICIENT_PODS if healthy is not None
                                                                else "SyncFailed")
        unchanged = (all(old.get(k) == v for k, v in status.items()) and condition is not None
                     and (condition.get("status"), condition.get("reason")) == want)
        if unchanged:
            return None
        same_status = condition is not None and condition.get("status") == want[0]
        new_condition = {"type": DISRUPTION_ALLOWED, "status": want[0], "reason": want[1], "message": "",
                         "observedGeneration": generation,
                         "lastTransitionTime": condition.get("lastTransitionTime") if same_status
                         else rfc3339(self.kernel.wall_time())}
        others = [c for c in old.get("conditions") or [] if c.get("type") != DISRUPTION_ALLOWED]
        updated = self.copy(pdb)
        updated["status"] = {**status, "conditions": others + [new_condition]}
        if old.get("disruptedPods"):
            updated["status"]["disruptedPods"] = old["disruptedPods"]
        try:
            self.client.update_status("poddisruptionbudgets", updated)
        except APIError as exc:  # gone: nothing to keep; a conflict retries with backoff
            if is_not_found(exc):
                return None
            raise
        return (f"The disruption controller updates PodDisruptionBudget {meta['name']}: "
                f"{status['currentHealthy']} healthy of {status['expectedPods']} expected, "
                f"{status['desiredHealthy']} must stay, so {allowed} disruption{'s' if allowed != 1 else ''} allowed")
