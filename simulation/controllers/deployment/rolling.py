"""The RollingUpdate strategy, as upstream's ``pkg/controller/deployment/rolling.go``.

Each sync takes one step: scale the new ReplicaSet up as far as ``replicas + maxSurge``
allows; if it could not, scale old ones down as far as ``replicas - maxUnavailable``
available pods allow (first the old pods that are not available anyway, oldest set first);
if neither could move, the rollout waits for new pods to become available. A complete
rollout deletes old, empty sets beyond ``revisionHistoryLimit``.
"""
from __future__ import annotations

from ..controller_utils import by_creation
from .progress import DeploymentProgress
from .util import (deployment_complete, filter_active_replica_sets, is_rolling_update, max_unavailable,
                   new_rs_new_replicas, replicas_of, resolve_fenceposts, status_of, sum_replicas, sum_status)


def describe_rollout(d: dict, new_rs: dict, old: list[dict]) -> str:
    """What the caption says the Deployment is doing: rolling out, or holding its template's set."""
    old_pods = sum_replicas(old)
    surge, unavailable = (resolve_fenceposts(d) if is_rolling_update(d) else (0, 0))
    if old_pods:
        return (f"is rolling out ReplicaSet {new_rs['metadata']['name']} ({status_of(new_rs, 'availableReplicas')} "
                f"of {replicas_of(d)} available, {old_pods} old pod(s) left; maxSurge {surge}, "
                f"maxUnavailable {unavailable})")
    return (f"has ReplicaSet {new_rs['metadata']['name']} for its template "
            f"({status_of(new_rs, 'availableReplicas')} of {replicas_of(d)} available)")


class RollingUpdate(DeploymentProgress):
    """rolling.go's share of the Deployment controller: ``strategy.type: RollingUpdate``."""

    def rollout_rolling(self, d: dict, sets: list[dict]) -> None:
        """``rolloutRolling``: scale up if we can, else scale down if we can, then status."""
        new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=True)
        all_sets = old + [new_rs]
        if not self._context:
            self._context = describe_rollout(d, new_rs, old)
        if self.reconcile_new_replica_set(all_sets, new_rs, d):
            self.sync_rollout_status(all_sets, new_rs, d)
            return
        if self.reconcile_old_replica_sets(all_sets, filter_active_replica_sets(old), new_rs, d):
            self.sync_rollout_status(all_sets, new_rs, d)
            return
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup_deployment(d, old)
        self.sync_rollout_status(all_sets, new_rs, d)

    def reconcile_new_replica_set(self, all_sets: list[dict], new_rs: dict, d: dict) -> bool:
        """``reconcileNewReplicaSet``: the new set grows by what maxSurge allows (or shrinks
        to ``replicas``). True when it was scaled."""
        if replicas_of(new_rs) == replicas_of(d):
            return False
        if replicas_of(new_rs) > replicas_of(d):
            return self.scale_replica_set_and_record_event(new_rs, replicas_of(d), d)[0]
        return self.scale_replica_set_and_record_event(new_rs, new_rs_new_replicas(d, all_sets, new_rs), d)[0]

    def reconcile_old_replica_sets(self, all_sets: list[dict], old: list[dict], new_rs: dict, d: dict) -> bool:
        """``reconcileOldReplicaSets``: never below ``replicas - maxUnavailable`` available."""
        if sum_replicas(old) == 0:
            return False
        all_pods = sum_replicas(all_sets)
        min_available = replicas_of(d) - max_unavailable(d)
        new_unavailable = replicas_of(new_rs) - status_of(new_rs, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = self.cleanup_unhealthy_replicas(old, d, max_scaled_down)
        scaled = self.scale_down_old_replica_sets_for_rolling_update(old + [new_rs], old, d)
        return cleaned + scaled > 0

    def cleanup_unhealthy_replicas(self, old: list[dict], d: dict, max_cleanup: int) -> tuple[list[dict], int]:
        """``cleanupUnhealthyReplicas``: first drop old replicas that are not available anyway,
        oldest set first. Returns (the old sets as written, replicas dropped)."""
        old = sorted(old, key=by_creation)
        total = 0
        for i, rs in enumerate(old):
            if total >= max_cleanup:
                break
            if replicas_of(rs) == 0 or replicas_of(rs) == status_of(rs, "availableReplicas"):
                continue
            count = min(max_cleanup - total, replicas_of(rs) - status_of(rs, "availableReplicas"))
            _, old[i] = self.scale_replica_set_and_record_event(rs, replicas_of(rs) - count, d)
            total += count
        return old, total

    def scale_down_old_replica_sets_for_rolling_update(self, all_sets: list[dict], old: list[dict], d: dict) -> int:
        """``scaleDownOldReplicaSetsForRollingUpdate``: take available old replicas down to the
        minimum the Deployment must keep, oldest set first. Returns how many."""
        min_available = replicas_of(d) - max_unavailable(d)
        available = sum_status(all_sets, "availableReplicas")
        if available <= min_available:
            return 0
        total, target = 0, available - min_available
        for rs in sorted(old, key=by_creation):
            if total >= target:
                break
            if replicas_of(rs) == 0:
                continue
            count = min(replicas_of(rs), target - total)
            self.scale_replica_set_and_record_event(rs, replicas_of(rs) - count, d)
            total += count
        return total
