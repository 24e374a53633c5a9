"""What the Deployment controller knows about Deployments and ReplicaSets without asking
anyone, as upstream's ``pkg/controller/deployment/util/deployment_util.go``: the annotations
and their revisions, the ``maxSurge``/``maxUnavailable`` fenceposts, which ReplicaSet is the
new one, how far it may grow, proportions for a scaling event, and the Deployment's
conditions. Pure functions: nothing here reads the clock or the API (callers pass ``now``),
and only the ``set_…`` helpers change what they are given.
"""
from __future__ import annotations

import math

from simulation.apimachinery.intstr import scaled_value_from_int_or_percent
from simulation.apimachinery.timestamps import parse_time, rfc3339

from ..controller_utils import by_creation, get_condition

POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
#: Annotations a Deployment keeps to itself (``annotationsToSkip``).
SKIP_COPY = (LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO)
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2 ** 31 - 1

# Condition reasons (deployment_util.go).
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
RS_UPDATED_REASON = "ReplicaSetUpdated"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


# ------------------------------------------------------------------------------- fields
def replicas_of(obj: dict | None) -> int:
    """``spec.replicas``, defaulted to 1 as the API server does; 0 for a missing set."""
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else value


def status_of(obj: dict | None, field: str) -> int:
    return ((obj or {}).get("status") or {}).get(field) or 0


def strategy_of(d: dict) -> dict:
    return (d.get("spec") or {}).get("strategy") or {"type": "RollingUpdate"}


def is_rolling_update(d: dict) -> bool:
    return strategy_of(d).get("type", "RollingUpdate") == "RollingUpdate"


def annotations_of(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


# ------------------------------------------------------------------------------- fenceposts
def resolve_fenceposts(d: dict) -> tuple[int, int]:
    """``ResolveFenceposts``: surge rounds up, unavailable rounds down; never both zero."""
    rolling = strategy_of(d).get("rollingUpdate") or {}
    desired = replicas_of(d)
    surge = scaled_value_from_int_or_percent(rolling.get("maxSurge", 0), desired, True)
    unavailable = scaled_value_from_int_or_percent(rolling.get("maxUnavailable", 0), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict) -> int:
    return resolve_fenceposts(d)[0] if is_rolling_update(d) else 0


def max_unavailable(d: dict) -> int:
    if not is_rolling_update(d) or replicas_of(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], replicas_of(d))


# ------------------------------------------------------------------------------- revisions, annotations
def revision_of(rs: dict) -> int | None:
    try:
        return int(annotations_of(rs).get(REVISION, ""))
    except ValueError:
        return None


def max_revision(sets: list[dict]) -> int:
    return max([r for r in (revision_of(rs) for rs in sets) if r is not None] or [0])


def set_new_replica_set_annotations(d: dict, rs: dict, new_revision: str, exists: bool) -> bool:
    """``SetNewReplicaSetAnnotations``: copy the Deployment's annotations, bump the
    revision (keeping revision-history on a rollback), set the replicas annotations."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for k, v in annotations_of(d).items():
        if k in SKIP_COPY or annotations.get(k) == v:
            continue
        annotations[k] = v
        changed = True
    old_revision = annotations.get(REVISION)
    try:
        old_int = int(old_revision) if old_revision is not None else 0
    except ValueError:
        return False
    new_int = int(new_revision)
    if old_int < new_int:
        annotations[REVISION] = new_revision
        changed = True
        if old_revision is not None:
            history = annotations.get(REVISION_HISTORY, "")
            revisions = [r for r in history.split(",") if r] + [old_revision]
            while len(",".join(revisions)) > MAX_REV_HISTORY_CHARS and len(revisions) > 1:
                revisions.pop(0)
            annotations[REVISION_HISTORY] = ",".join(revisions)
    if not exists and set_replicas_annotations(rs, replicas_of(d), replicas_of(d) + max_surge(d)):
        changed = True
    return changed


def set_replicas_annotations(rs: dict, desired: int, max_replicas: int) -> bool:
    """``SetReplicasAnnotations``: what the Deployment wanted when it last sized this set,
    which is how a later sync tells a scaling event from a rollout."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


# ------------------------------------------------------------------------------- the new ReplicaSet and the old ones
def _without_hash(template: dict) -> dict:
    meta = dict(template.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH, None)
    meta["labels"] = labels
    return {**template, "metadata": meta}


def equal_ignore_hash(a: dict, b: dict) -> bool:
    """``EqualIgnoreHash``: templates equal once the pod-template-hash label is dropped."""
    return _without_hash(a or {}) == _without_hash(b or {})


def find_new_replica_set(d: dict, sets: list[dict]) -> dict | None:
    """``FindNewReplicaSet``: the oldest set whose template is the Deployment's."""
    template = (d.get("spec") or {}).get("template") or {}
    for rs in sorted(sets, key=by_creation):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


def filter_active_replica_sets(sets: list[dict | None]) -> list[dict]:
    """``FilterActiveReplicaSets``: sets that want pods."""
    return [rs for rs in sets if rs is not None and replicas_of(rs) > 0]


def sum_replicas(sets: list[dict | None]) -> int:
    return sum(replicas_of(rs) for rs in sets if rs is not None)


def sum_status(sets: list[dict | None], field: str) -> int:
    return sum(status_of(rs, field) for rs in sets if rs is not None)


def new_rs_new_replicas(d: dict, all_sets: list[dict | None], new_rs: dict) -> int:
    """``NewRSNewReplicas``: how far the new set may grow now."""
    if is_rolling_update(d):
        max_total = replicas_of(d) + max_surge(d)
        current = sum_replicas(all_sets)
        if current >= max_total:
            return replicas_of(new_rs)
        return replicas_of(new_rs) + min(max_total - current, replicas_of(d) - replicas_of(new_rs))
    return replicas_of(d)


def find_active_or_latest(new_rs: dict | None, old: list[dict]) -> dict | None:
    """``FindActiveOrLatest``: the one set that should take the whole count, if there is one."""
    if new_rs is None and not old:
        return None
    old_sorted = sorted(old, key=by_creation, reverse=True)
    sets = filter_active_replica_sets(old_sorted + [new_rs])
    if not sets:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(sets) == 1:
        return sets[0]
    return None


def is_saturated(d: dict, rs: dict | None) -> bool:
    """``IsSaturated``: the new set has every replica the Deployment wants, all available."""
    if rs is None:
        return False
    try:
        desired = int(annotations_of(rs).get(DESIRED_REPLICAS, ""))
    except ValueError:
        return False
    want = replicas_of(d)
    return desired == want and replicas_of(rs) == want and status_of(rs, "availableReplicas") == want


def get_replica_set_proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
    """``GetReplicaSetProportion``: this set's share of a scaling event, from the size the
    Deployment had when it last sized the set (the ``max-replicas`` annotation)."""
    if replicas_of(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    if replicas_of(d) == 0:
        fraction = -replicas_of(rs)
    else:
        deployment_replicas = replicas_of(d) + max_surge(d)
        try:
            annotated = int(annotations_of(rs).get(MAX_REPLICAS, ""))
        except ValueError:
            annotated = status_of(d, "replicas")
        size = replicas_of(rs) * deployment_replicas / annotated if annotated else 0
        rounded = math.floor(abs(size) + 0.5) * (1 if size >= 0 else -1)  # RoundToInt32: half away from 0
        fraction = rounded - replicas_of(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# ------------------------------------------------------------------------------- conditions, progress
def get_deployment_condition(status: dict, type_: str) -> dict | None:
    return get_condition(status.get("conditions"), type_)


def new_deployment_condition(type_: str, status: str, reason: str, message: str, now: float) -> dict:
    stamp = rfc3339(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def set_deployment_condition(status: dict, cond: dict) -> None:
    """``SetDeploymentCondition``: same status and reason is no change; same status keeps the
    transition time."""
    current = get_deployment_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]] + [cond]


def remove_deployment_condition(status: dict, type_: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(d: dict) -> bool:
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def deployment_complete(d: dict, status: dict) -> bool:
    """``DeploymentComplete``: every replica updated and available, and this generation seen."""
    want = replicas_of(d)
    return (status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0))


def deployment_progressing(d: dict, new: dict) -> bool:
    """``DeploymentProgressing``: the new status shows more updated, ready or available
    replicas, or fewer old ones, than the Deployment's current status."""
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(d: dict, now: float) -> bool:
    """``DeploymentTimedOut``: Progressing was last updated more than the deadline ago."""
    current = get_deployment_condition(d.get("status") or {}, "Progressing")
    if current is None or current.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if current.get("reason") == TIMED_OUT_REASON:
        return True
    since = parse_time(current.get("lastUpdateTime"))
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds") or 0
    return since is not None and since + deadline < now


def compact_status(status: dict) -> dict:
    """Upstream's ``omitempty``: zero counts and empty lists are not written."""
    return {k: v for k, v in status.items() if v not in (0, None, [])}
