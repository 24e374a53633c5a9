"""VolumeBinding: a pod goes only where its PersistentVolumeClaims can be served (upstream
``pkg/scheduler/framework/plugins/volumebinding``).

* **PreFilter** — a pod without claims skips the plugin. A claim that does not exist, or is being
  deleted, or is unbound while its class binds immediately (the binder has not bound it yet)
  makes the pod wait: ``persistentvolumeclaim "data" not found``, ``pod has unbound immediate
  PersistentVolumeClaims`` (UnschedulableAndUnresolvable: no node would do better).
* **Filter** — a bound claim's volume must be reachable from the node (its ``nodeAffinity``, as
  a local volume has): else ``node(s) had volume node affinity conflict``. An unbound claim of a
  ``WaitForFirstConsumer`` class needs an Available volume the node can reach, or a class with a
  provisioner: else ``node(s) didn't find available persistent volumes to bind``.
* **PreBind** — on the chosen node, each unbound claim is bound to the volume found for it (the
  scheduler writes the volume's ``claimRef``), or annotated ``volume.kubernetes.io/selected-node``
  for its provisioner. Upstream's PreBind then waits for the binder to finish; here the pod goes
  back to the queue and is scheduled again when its claims change — onto the node its new volume
  is pinned to.

The snapshot carries the claims, volumes and classes the scheduler watches
(``snapshot.claims`` / ``volumes`` / ``storage_classes``, keyed as listers key them).
"""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.volumes import (ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, find_matching_volume,
                                             volume_fits_node)

from ..framework.interface import SKIP, Code, CycleState, FilterPlugin, PreBindPlugin, PreFilterPlugin, Status
from ..framework.node_info import NodeInfo, PodInfo

ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
_STATE_KEY = "PreFilter/VolumeBinding"


def _claims_of(pod: dict) -> list[str]:
    return [v["persistentVolumeClaim"].get("claimName", "") for v in (pod.get("spec") or {}).get("volumes") or []
            if isinstance(v.get("persistentVolumeClaim"), dict)]


class _State:
    __slots__ = ("bound", "to_bind")

    def __init__(self) -> None:
        #: Volume names of the bound claims (None: bound to a volume that does not exist).
        self.bound: list[dict | None] = []
        #: Unbound claims of WaitForFirstConsumer classes, with their class.
        self.to_bind: list[tuple[dict, dict]] = []


class VolumeBinding(PreFilterPlugin, FilterPlugin, PreBindPlugin):
    name = "VolumeBinding"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        names = _claims_of(pod.pod)
        if not names:
            return SKIP
        snapshot = state.snapshot
        claims: dict[str, Any] = getattr(snapshot, "claims", {})
        volumes: dict[str, Any] = getattr(snapshot, "volumes", {})
        classes: dict[str, Any] = getattr(snapshot, "storage_classes", {})
        s = _State()
        for name in names:
            claim = claims.get(f"{pod.namespace}/{name}")
            if claim is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [f'persistentvolumeclaim "{name}" not found'])
            if claim["metadata"].get("deletionTimestamp"):
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [f'persistentvolumeclaim "{name}" is being deleted'])
            volume_name = (claim.get("spec") or {}).get("volumeName")
            if volume_name:
                s.bound.append(volumes.get(volume_name))
                continue
            class_name = (claim.get("spec") or {}).get("storageClassName") or ""
            sc = classes.get(class_name)
            if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [UNBOUND_IMMEDIATE])
            s.to_bind.append((claim, sc))
        state[_STATE_KEY] = s
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: _State = state[_STATE_KEY]
        node = node_info.node
        for pv in s.bound:
            if pv is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_PV_NOT_EXIST])
            if not volume_fits_node(pv, node):
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NODE_CONFLICT])
        volumes = list(getattr(state.snapshot, "volumes", {}).values())
        for claim, sc in s.to_bind:
            selected = ((claim["metadata"].get("annotations") or {}).get("volume.kubernetes.io/selected-node"))
            if selected and selected != node_info.name:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NODE_CONFLICT])
            if find_matching_volume(claim, volumes, delay_binding=True, node=node) is not None:
                continue
            if sc.get("provisioner", NO_PROVISIONER) == NO_PROVISIONER:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_BIND_CONFLICT])
        return None

    def pre_bind(self, state: CycleState, pod: PodInfo, node_info: NodeInfo, client: Any) -> list[str]:
        """Bind or annotate the pod's unbound claims for ``node_info``; the claims it is still
        waiting on (empty: every claim is bound and the pod may be bound)."""
        s: _State | None = state.get(_STATE_KEY)
        if s is None or not s.to_bind:
            return []
        volumes = list(getattr(state.snapshot, "volumes", {}).values())
        waiting: list[str] = []
        for claim, _sc in s.to_bind:
            meta = claim["metadata"]
            waiting.append(meta["name"])
            pv = find_matching_volume(claim, volumes, delay_binding=True, node=node_info.node)
            if pv is not None:
                updated = {**pv, "metadata": {**pv["metadata"], "annotations": {
                    **(pv["metadata"].get("annotations") or {}), ANN_BOUND_BY_CONTROLLER: "yes"}},
                    "spec": {**pv["spec"], "claimRef": {
                        "kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": meta.get("namespace", ""),
                        "name": meta["name"], "uid": meta.get("uid", ""),
                        "resourceVersion": meta.get("resourceVersion", "")}}}
                client.update("persistentvolumes", updated)
            elif (meta.get("annotations") or {}).get(ANN_SELECTED_NODE) != node_info.name:
                client.patch("persistentvolumeclaims", meta.get("namespace", ""), meta["name"],
                             {"metadata": {"annotations": {ANN_SELECTED_NODE: node_info.name}}})
        return waiting
