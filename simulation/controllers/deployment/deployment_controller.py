"""The Deployment controller, as upstream's ``pkg/controller/deployment/deployment_controller.go``:
its informers, event handlers and ``sync_handler`` (upstream's ``syncDeployment``), which
hands each sync to the code of the package's other modules, mixed into the controller.

A Deployment never touches pods: it owns ReplicaSets, one per pod template, named
``<deployment>-<pod-template-hash>`` and labelled ``pod-template-hash`` so their pods never
overlap. Each sync:

* claims its ReplicaSets (adopt matching orphans, release those that stopped matching);
* finds the *new* ReplicaSet (same template, ignoring the hash label) — creating it if missing —
  and the *old* ones; stamps ``deployment.kubernetes.io/revision`` (max old revision + 1),
  ``desired-replicas`` and ``max-replicas`` annotations;
* if only ``spec.replicas`` changed (a *scaling event*) or the Deployment is paused, scales
  proportionally (``sync``, in sync.py); otherwise rolls out (rolling.py, recreate.py):
  RollingUpdate scales the new set up to ``replicas + maxSurge`` (surge rounds up) and the old
  ones down while at least ``replicas - maxUnavailable`` pods stay available (unavailable rounds
  down; both zero means one may be unavailable); Recreate scales every old set to 0, waits until
  their pods are gone, then scales the new set up;
* deletes old, empty ReplicaSets beyond ``revisionHistoryLimit`` once the rollout is complete;
* writes status (sync.py, progress.py): replicas, updatedReplicas, readyReplicas, availableReplicas,
  unavailableReplicas, observedGeneration, and the conditions ``Available``
  (MinimumReplicasAvailable / MinimumReplicasUnavailable) and ``Progressing``
  (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
  ProgressDeadlineExceeded, DeploymentPaused / DeploymentResumed), with upstream's messages.

Events from ``deployment-controller``: ``ScalingReplicaSet`` "Scaled up replica set NAME from
0 to 3", ``ReplicaSetCreateError``, ``SelectingAll``.

Differences from upstream, on purpose: ``pod-template-hash`` hashes the template's canonical
JSON (deterministic; not byte-equal to a real cluster's). After each status write the
controller keeps the returned resourceVersion, so one sync does not conflict with itself.
The revision annotation on the Deployment is sent with the status write, as upstream does;
it is written once per revision, so a server that ignores metadata on ``/status`` cannot make
the controller loop.
"""
from __future__ import annotations

from simulation.apimachinery.keys import split_key
from simulation.client.events import WARNING

from ..base import Controller
from ..controller_utils import (being_deleted, claim_objects, controller_ref_of, labels_of, names, new_controller_ref,
                                owners_selecting, recheck_owner, resolve_controller_ref, selector_of)
from .recreate import Recreate
from .rolling import RollingUpdate
from .util import replicas_of, strategy_of


class DeploymentController(RollingUpdate, Recreate, Controller):
    """The strategies it rolls out are its class line; each base is one of upstream's files
    (rolling.go, recreate.go, over progress.go and sync.go)."""

    name = "deployment"
    event_source = "deployment-controller"

    def setup(self) -> None:
        d_informer = self.manager.informer("deployments")
        rs_informer = self.manager.informer("replicasets")
        pod_informer = self.manager.informer("pods")
        self.d_lister = d_informer.lister
        self.rs_lister = rs_informer.lister
        self.pod_lister = pod_informer.lister
        d_informer.add_event_handler(self.enqueue, lambda old, cur: self.enqueue(cur), self.enqueue)
        rs_informer.add_event_handler(self._add_rs, self._update_rs, self._delete_rs)
        pod_informer.add_event_handler(None, None, self._delete_pod)
        self._revision_sent = {}
        self._said = []
        self._context = ""

    # ----------------------------------------------------------------- event handlers
    def _resolve(self, namespace: str, ref: dict | None) -> dict | None:
        return resolve_controller_ref(self.d_lister, "Deployment", namespace, ref)

    def _deployments_for(self, rs: dict) -> list[dict]:
        return owners_selecting(self.d_lister, rs)

    def _add_rs(self, rs: dict) -> None:
        if being_deleted(rs):
            self._delete_rs(rs)
            return
        d = self._resolve(rs["metadata"].get("namespace", ""), controller_ref_of(rs))
        if controller_ref_of(rs) is not None:
            if d is not None:
                self.enqueue(d)
            return
        for d in self._deployments_for(rs):
            self.enqueue(d)

    def _update_rs(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        namespace = cur["metadata"].get("namespace", "")
        cur_ref, old_ref = controller_ref_of(cur), controller_ref_of(old)
        if cur_ref != old_ref and old_ref is not None:
            d = self._resolve(namespace, old_ref)
            if d is not None:
                self.enqueue(d)
        if cur_ref is not None:
            d = self._resolve(namespace, cur_ref)
            if d is not None:
                self.enqueue(d)
            return
        if labels_of(old) != labels_of(cur) or cur_ref != old_ref:
            for d in self._deployments_for(cur):
                self.enqueue(d)

    def _delete_rs(self, rs: dict) -> None:
        d = self._resolve(rs["metadata"].get("namespace", ""), controller_ref_of(rs))
        if d is not None:
            self.enqueue(d)

    def _delete_pod(self, pod: dict) -> None:
        """A Recreate rollout waits for the old pods to be gone: their deletion wakes it."""
        namespace = pod["metadata"].get("namespace", "")
        ref = controller_ref_of(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.rs_lister.get(namespace, ref.get("name", ""))
        d = self._resolve(namespace, controller_ref_of(rs)) if rs is not None else None
        if d is not None and strategy_of(d).get("type") == "Recreate":
            self.enqueue(d)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str:
        """``syncDeployment``: claim the ReplicaSets, then status only (being deleted), proportions
        (paused, or a scaling event) or one step of the Deployment's strategy."""
        namespace, name = split_key(key)
        cached = self.d_lister.get(namespace, name)
        if cached is None:
            return f"The Deployment controller sees Deployment {name} is gone: nothing to do"
        d = self.copy(cached)
        self._said = []
        self._context = ""
        if selector_of(d).empty:
            self.recorder.event(d, WARNING, "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector is required.")
            if (d.get("status") or {}).get("observedGeneration", 0) < d["metadata"].get("generation", 0):
                d.setdefault("status", {})["observedGeneration"] = d["metadata"].get("generation", 0)
                self.update_deployment_status(d)
            return f"The Deployment controller sees Deployment {name} selects every pod: it refuses to act"
        sets = self.get_replica_sets_for_deployment(d)
        if being_deleted(d):
            self.sync_status_only(d, sets)
            return self._caption(d, "is being deleted")
        self.check_paused_conditions(d)
        if (d.get("spec") or {}).get("paused"):
            self.sync(d, sets)
            return self._caption(d, "is paused")
        if self.is_scaling_event(d, sets):
            self.sync(d, sets)
            return self._caption(d, f"was scaled to {replicas_of(d)}")
        if strategy_of(d).get("type") == "Recreate":
            self.rollout_recreate(d, sets)
        else:
            self.rollout_rolling(d, sets)
        return self._caption(d, self._context)

    def _caption(self, d: dict, context: str) -> str:
        head = f"The Deployment controller sees Deployment {d['metadata']['name']}"
        if context:
            head += f" {context}"
        if self._said:
            return f"{head}: it {'; it '.join(self._said)}"
        if context.startswith("is rolling out"):
            return (f"{head}: it waits — scaling either ReplicaSet now would break maxSurge or maxUnavailable, "
                    "so it needs more new pods to become available first")
        return f"{head}: nothing to change"

    # ----------------------------------------------------------------- ownership
    def get_replica_sets_for_deployment(self, d: dict) -> list[dict]:
        """``getReplicaSetsForDeployment``: claim the namespace's ReplicaSets."""
        namespace = d["metadata"].get("namespace", "")
        ref = new_controller_ref(d, "apps/v1", "Deployment")
        claimed, adopted, released = claim_objects(self.client, "replicasets", d, ref, self.rs_lister.list(namespace),
                                                   selector_of(d),
                                                   can_adopt=recheck_owner(self.client, "deployments", d))
        if adopted:
            self._said.append(f"adopts ReplicaSet {names(adopted)}")
        if released:
            self._said.append(f"releases ReplicaSet {names(released)}")
        return claimed
