"""The Progressing condition and the progress deadline, as upstream's
``pkg/controller/deployment/progress.go``.

After each rollout step the status says whether the rollout moves (``ReplicaSetUpdated``),
is done (``NewReplicaSetAvailable``) or has stood still for longer than
``progressDeadlineSeconds`` (``ProgressDeadlineExceeded``, status False). A Deployment whose
status did not change is requeued for the moment its deadline would pass, so the timeout is
noticed even when nothing else happens.
"""
from __future__ import annotations

from simulation.apimachinery.keys import object_key
from simulation.apimachinery.timestamps import parse_time

from .sync import DeploymentSync, status_words
from .util import (NEW_RS_AVAILABLE_REASON, RS_UPDATED_REASON, TIMED_OUT_REASON, compact_status,
                   deployment_complete, deployment_progressing, deployment_timed_out, get_deployment_condition,
                   has_progress_deadline, new_deployment_condition, remove_deployment_condition,
                   set_deployment_condition)


def get_replica_failures(all_sets: list[dict | None], new_rs: dict | None) -> list[dict]:
    """``getReplicaFailures``: the ReplicaFailure conditions of the new set, else of any set,
    as Deployment conditions."""
    def failures(rs: dict | None) -> list[dict]:
        out = []
        for c in ((rs or {}).get("status") or {}).get("conditions") or []:
            if c.get("type") == "ReplicaFailure":
                out.append({"type": "ReplicaFailure", "status": c.get("status"),
                            "lastUpdateTime": c.get("lastTransitionTime"),
                            "lastTransitionTime": c.get("lastTransitionTime"),
                            "reason": c.get("reason"), "message": c.get("message")})
        return out
    found = failures(new_rs)
    if found:
        return found
    return [c for rs in all_sets for c in failures(rs)]


class DeploymentProgress(DeploymentSync):
    """progress.go's share of the Deployment controller: the status a rollout step ends with."""

    def sync_rollout_status(self, all_sets: list[dict | None], new_rs: dict | None, d: dict) -> None:
        """``syncRolloutStatus``: counts, Available, Progressing (with the deadline)."""
        status = self.calculate_status(all_sets, new_rs, d)
        if not has_progress_deadline(d):
            remove_deployment_condition(status, "Progressing")
        current = get_deployment_condition(d.get("status") or {}, "Progressing")
        complete = (status["replicas"] == status["updatedReplicas"] and current is not None
                    and current.get("reason") == NEW_RS_AVAILABLE_REASON)
        now = self.kernel.wall_time()
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        if has_progress_deadline(d) and not complete:
            if deployment_complete(d, status):
                message = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.')
                set_deployment_condition(status, new_deployment_condition("Progressing", "True",
                                                                          NEW_RS_AVAILABLE_REASON, message, now))
            elif deployment_progressing(d, status):
                message = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" is progressing.')
                cond = new_deployment_condition("Progressing", "True", RS_UPDATED_REASON, message, now)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    remove_deployment_condition(status, "Progressing")
                status.setdefault("conditions", []).append(cond)
            elif deployment_timed_out(d, now):
                message = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                set_deployment_condition(status, new_deployment_condition("Progressing", "False", TIMED_OUT_REASON,
                                                                          message, now))
        failures = get_replica_failures(all_sets, new_rs)
        if failures:
            set_deployment_condition(status, failures[0])
        else:
            remove_deployment_condition(status, "ReplicaFailure")
        status = compact_status(status)
        if status == compact_status(d.get("status") or {}):
            self.requeue_stuck_deployment(d, status)
            return
        d["status"] = status
        self.update_deployment_status(d)
        self._said.append(status_words(status))

    def requeue_stuck_deployment(self, d: dict, status: dict) -> None:
        """``requeueStuckDeployment``: come back when the progress deadline would pass."""
        current = get_deployment_condition(d.get("status") or {}, "Progressing")
        if not has_progress_deadline(d) or current is None:
            return
        if deployment_complete(d, status) or current.get("reason") == TIMED_OUT_REASON:
            return
        since = parse_time(current.get("lastUpdateTime")) or self.kernel.wall_time()
        after = since + (d.get("spec") or {}).get("progressDeadlineSeconds", 600) - self.kernel.wall_time()
        key = object_key(d)
        if after < 1:
            self.queue.add_rate_limited(key)
        else:
            self.queue.add_after(key, after + 1)
