"""The Recreate strategy, as upstream's ``pkg/controller/deployment/recreate.go``: scale every
old ReplicaSet to zero, wait until none of their pods is left running, then scale the new
set up to ``replicas`` — never two templates' pods at once, at the price of downtime.

The wait is why the Deployment controller watches pods at all: an old pod's deletion wakes
a Recreate Deployment (see the controller's pod handler).
"""
from __future__ import annotations

from simulation.client.informer import Lister

from ..controller_utils import controller_ref_of, labels_of, selector_of
from .progress import DeploymentProgress
from .util import deployment_complete, filter_active_replica_sets, replicas_of, sum_status


def old_pods_running(new_rs: dict | None, old: list[dict], pod_map: dict[str, list[dict]]) -> bool:
    """``oldPodsRunning``: an old set still counts pods, or one of its pods has not finished."""
    if sum_status(old, "replicas") > 0:
        return True
    for uid, pods in pod_map.items():
        if new_rs is not None and new_rs["metadata"]["uid"] == uid:
            continue
        if any((p.get("status") or {}).get("phase") not in ("Failed", "Succeeded") for p in pods):
            return True
    return False


class Recreate(DeploymentProgress):
    """recreate.go's share of the Deployment controller: ``strategy.type: Recreate``."""

    pod_lister: Lister

    def rollout_recreate(self, d: dict, sets: list[dict]) -> None:
        """``rolloutRecreate``: old sets to zero, wait for their pods to go, then the new set."""
        new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=False)
        all_sets = old + [new_rs]
        scaled_down = False
        for rs in filter_active_replica_sets(old):
            if self.scale_replica_set_and_record_event(rs, 0, d)[0]:
                scaled_down = True
        if scaled_down:
            self._context = "must replace every pod (Recreate)"
            self.sync_rollout_status(all_sets, new_rs, d)
            return
        if old_pods_running(new_rs, old, self.get_pod_map_for_deployment(d, sets)):
            self._context = "is waiting for the old pods to be gone before it starts new ones (Recreate)"
            self.sync_rollout_status(all_sets, new_rs, d)
            return
        if new_rs is None:
            new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=True)
            all_sets = old + [new_rs]
        self.scale_replica_set_and_record_event(new_rs, replicas_of(d), d)
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup_deployment(d, old)
        self.sync_rollout_status(all_sets, new_rs, d)

    def get_pod_map_for_deployment(self, d: dict, sets: list[dict]) -> dict[str, list[dict]]:
        """``getPodMapForDeployment``: the Deployment's pods by owning ReplicaSet uid. Upstream
        builds it on every sync; only a Recreate rollout reads it, so it is built here, when
        the rollout has to know whether old pods still run."""
        uids = {rs["metadata"]["uid"]: [] for rs in sets}
        selector = selector_of(d)
        for pod in self.pod_lister.list(d["metadata"].get("namespace", "")):
            if not selector.matches(labels_of(pod)):
                continue
            ref = controller_ref_of(pod)
            if ref is not None and ref.get("uid") in uids:
                uids[ref["uid"]].append(pod)
        return uids
