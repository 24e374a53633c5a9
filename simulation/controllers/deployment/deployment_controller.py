"""The Deployment controller, as upstream's ``pkg/controller/deployment`` (deployment_controller.go,
sync.go, rolling.go, recreate.go, progress.go and ``util/deployment_util.go``).

A Deployment never touches pods: it owns ReplicaSets, one per pod template, named
``<deployment>-<pod-template-hash>`` and labelled ``pod-template-hash`` so their pods never
overlap. Each sync:

* claims its ReplicaSets (adopt matching orphans, release those that stopped matching);
* finds the *new* ReplicaSet (same template, ignoring the hash label) — creating it if missing —
  and the *old* ones; stamps ``deployment.kubernetes.io/revision`` (max old revision + 1),
  ``desired-replicas`` and ``max-replicas`` annotations;
* if only ``spec.replicas`` changed (a *scaling event*) or the Deployment is paused, scales
  proportionally (``sync``); otherwise rolls out:
  RollingUpdate scales the new set up to ``replicas + maxSurge`` (surge rounds up) and the old
  ones down while at least ``replicas - maxUnavailable`` pods stay available (unavailable rounds
  down; both zero means one may be unavailable); Recreate scales every old set to 0, waits until
  their pods are gone, then scales the new set up;
* deletes old, empty ReplicaSets beyond ``revisionHistoryLimit`` once the rollout is complete;
* writes status: replicas, updatedReplicas, readyReplicas, availableReplicas,
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

import math

from simulation.apimachinery.intstr import scaled_value_from_int_or_percent
from simulation.apimachinery.keys import object_key, split_key
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError, is_already_exists, is_not_found
from simulation.client.events import NORMAL, WARNING

from ..base import Controller
from ..controller_utils import (being_deleted, by_creation, claim_objects, compute_hash, controller_ref_of, labels_of,
                                names, new_controller_ref, owners_selecting, recheck_owner, resolve_controller_ref,
                                selector_of)

POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
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


# ------------------------------------------------------------------------------- pure helpers
def replicas_of(obj: dict | None) -> int:
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


def annotations_of(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def revision_of(rs: dict) -> int | None:
    try:
        return int(annotations_of(rs).get(REVISION, ""))
    except ValueError:
        return None


def max_revision(sets: list[dict]) -> int:
    return max([r for r in (revision_of(rs) for rs in sets) if r is not None] or [0])


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


def active(sets: list[dict | None]) -> list[dict]:
    """``FilterActiveReplicaSets``: sets that want pods."""
    return [rs for rs in sets if rs is not None and replicas_of(rs) > 0]


def sum_replicas(sets: list[dict | None]) -> int:
    return sum(replicas_of(rs) for rs in sets if rs is not None)


def sum_status(sets: list[dict | None], field: str) -> int:
    return sum(status_of(rs, field) for rs in sets if rs is not None)


def condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == type_), None)


def new_condition(type_: str, status: str, reason: str, message: str, now: float) -> dict:
    stamp = rfc3339(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def set_condition(status: dict, cond: dict) -> None:
    """``SetDeploymentCondition``: same status and reason is no change; same status keeps the
    transition time."""
    current = condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: dict, type_: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(d: dict) -> bool:
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def deployment_complete(d: dict, status: dict) -> bool:
    want = replicas_of(d)
    return (status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0))


def deployment_progressing(d: dict, new: dict) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def compact_status(status: dict) -> dict:
    """Upstream's ``omitempty``: zero counts and empty lists are not written."""
    return {k: v for k, v in status.items() if v not in (0, None, [])}


class DeploymentController(Controller):
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
        self._revision_sent: dict[str, str] = {}
        self._said: list[str] = []

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
                self._write_status(d)
            return f"The Deployment controller sees Deployment {name} selects every pod: it refuses to act"
        sets = self._replica_sets_for(d)
        if being_deleted(d):
            new_rs, old = self._new_and_old(d, sets, create=False)
            self._sync_status(d, old + [new_rs], new_rs)
            return self._caption(d, "is being deleted")
        self._check_paused_conditions(d)
        if (d.get("spec") or {}).get("paused"):
            self._sync(d, sets)
            return self._caption(d, "is paused")
        if self._is_scaling_event(d, sets):
            self._sync(d, sets)
            return self._caption(d, f"was scaled to {replicas_of(d)}")
        if strategy_of(d).get("type") == "Recreate":
            self._rollout_recreate(d, sets)
        else:
            self._rollout_rolling(d, sets)
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
    def _replica_sets_for(self, d: dict) -> list[dict]:
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

    def _pod_map(self, d: dict, sets: list[dict]) -> dict[str, list[dict]]:
        """``getPodMapForDeployment``: the Deployment's pods by owning ReplicaSet uid."""
        uids = {rs["metadata"]["uid"]: [] for rs in sets}
        selector = selector_of(d)
        for pod in self.pod_lister.list(d["metadata"].get("namespace", "")):
            if not selector.matches(labels_of(pod)):
                continue
            ref = controller_ref_of(pod)
            if ref is not None and ref.get("uid") in uids:
                uids[ref["uid"]].append(pod)
        return uids

    # ----------------------------------------------------------------- new and old ReplicaSets
    def _new_and_old(self, d: dict, sets: list[dict], create: bool) -> tuple[dict | None, list[dict]]:
        """``getAllReplicaSetsAndSyncRevision``."""
        found = find_new_replica_set(d, sets)
        old = [rs for rs in sets if found is None or rs["metadata"]["uid"] != found["metadata"]["uid"]]
        return self._new_replica_set(d, sets, old, create), old

    def _new_replica_set(self, d: dict, sets: list[dict], old: list[dict], create: bool) -> dict | None:
        """``getNewReplicaSet``: sync the existing new set's annotations, or create it."""
        existing = find_new_replica_set(d, sets)
        new_revision = str(max_revision(old) + 1)
        namespace = d["metadata"].get("namespace", "")
        if existing is not None:
            rs = self.copy(existing)
            changed = self._set_new_rs_annotations(d, rs, new_revision, exists=True)
            min_ready = (d.get("spec") or {}).get("minReadySeconds") or 0
            if changed or ((rs.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                rs["spec"]["minReadySeconds"] = min_ready
                updated = self.client.update("replicasets", rs)
                sets[:] = [updated if s["metadata"]["uid"] == updated["metadata"]["uid"] else s for s in sets]
                self._said.append(f"marks ReplicaSet {rs['metadata']['name']} as revision "
                                  f"{annotations_of(updated).get(REVISION, '?')}")
                return updated
            needs_update = self._set_revision(d, annotations_of(rs).get(REVISION, ""))
            status = d.setdefault("status", {})
            if has_progress_deadline(d) and condition(status, "Progressing") is None:
                set_condition(status, new_condition("Progressing", "True", FOUND_NEW_RS_REASON,
                                                    f'Found new replica set "{rs["metadata"]["name"]}"',
                                                    self.kernel.wall_time()))
                needs_update = True
            if needs_update:
                self._write_status(d)
            return rs
        if not create:
            return None
        spec = d.get("spec") or {}
        template = self.copy(spec.get("template") or {})
        collision = (d.get("status") or {}).get("collisionCount")
        hash_ = compute_hash(spec.get("template") or {}, collision)
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = {**(template["metadata"].get("labels") or {}), POD_TEMPLATE_HASH: hash_}
        selector = self.copy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH: hash_}
        rs_name = f"{d['metadata']['name']}-{hash_}"
        new_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": rs_name, "namespace": namespace,
                               "ownerReferences": [new_controller_ref(d, "apps/v1", "Deployment")],
                               "labels": dict(template["metadata"]["labels"])},
                  "spec": {"replicas": 0, "minReadySeconds": spec.get("minReadySeconds") or 0,
                           "selector": selector, "template": template}}
        new_rs["spec"]["replicas"] = self._new_rs_new_replicas(d, old + [new_rs], new_rs)
        self._set_new_rs_annotations(d, new_rs, new_revision, exists=False)
        already_exists = False
        try:
            created = self.client.create("replicasets", new_rs, namespace)
        except APIError as exc:
            if is_already_exists(exc):
                already_exists = True
                rs = self.rs_lister.get(namespace, rs_name)
                ref = controller_ref_of(rs) if rs is not None else None
                if (rs is not None and ref is not None and ref.get("uid") == d["metadata"]["uid"]
                        and equal_ignore_hash(spec.get("template") or {},
                                              (rs.get("spec") or {}).get("template") or {})):
                    created = rs
                else:
                    status = d.setdefault("status", {})
                    status["collisionCount"] = (status.get("collisionCount") or 0) + 1
                    try:
                        self._write_status(d)
                        self._said.append(f"finds the name {rs_name} taken (a hash collision): it bumps "
                                          f"collisionCount to {status['collisionCount']}")
                    except APIError:
                        pass
                    raise
            else:
                message = f'Failed to create new replica set "{rs_name}": {exc}'
                if has_progress_deadline(d):
                    set_condition(d.setdefault("status", {}), new_condition(
                        "Progressing", "False", FAILED_RS_CREATE_REASON, message, self.kernel.wall_time()))
                    try:
                        self._write_status(d)
                    except APIError:
                        pass
                self.recorder.event(d, WARNING, FAILED_RS_CREATE_REASON, message)
                raise
        replicas = replicas_of(new_rs)
        if not already_exists:
            if replicas > 0:
                self.recorder.event(d, NORMAL, "ScalingReplicaSet",
                                    f"Scaled up replica set {created['metadata']['name']} from 0 to {replicas}")
            self._context = self._context or "has no ReplicaSet for its template"
            self._said.append(f"creates ReplicaSet {rs_name}" + (f" and scales it to {replicas}" if replicas else ""))
        needs_update = self._set_revision(d, new_revision)
        if not already_exists and has_progress_deadline(d):
            set_condition(d.setdefault("status", {}), new_condition(
                "Progressing", "True", NEW_RS_REASON, f'Created new replica set "{rs_name}"', self.kernel.wall_time()))
            needs_update = True
        if needs_update:
            self._write_status(d)
        return created

    def _set_revision(self, d: dict, revision: str) -> bool:
        """``SetDeploymentRevision``, written at most once per revision (see module doc)."""
        if not revision or annotations_of(d).get(REVISION) == revision:
            return False
        uid = d["metadata"]["uid"]
        d["metadata"].setdefault("annotations", {})[REVISION] = revision
        if self._revision_sent.get(uid) == revision:
            return False
        self._revision_sent[uid] = revision
        return True

    def _set_new_rs_annotations(self, d: dict, rs: dict, new_revision: str, exists: bool) -> bool:
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
        if not exists and self._set_replicas_annotations(rs, replicas_of(d), replicas_of(d) + max_surge(d)):
            changed = True
        return changed

    @staticmethod
    def _set_replicas_annotations(rs: dict, desired: int, max_replicas: int) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = False
        for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
            if annotations.get(key) != value:
                annotations[key] = value
                changed = True
        return changed

    def _new_rs_new_replicas(self, d: dict, all_sets: list[dict | None], new_rs: dict) -> int:
        """``NewRSNewReplicas``: how far the new set may grow now."""
        if is_rolling_update(d):
            max_total = replicas_of(d) + max_surge(d)
            current = sum_replicas(all_sets)
            if current >= max_total:
                return replicas_of(new_rs)
            return replicas_of(new_rs) + min(max_total - current, replicas_of(d) - replicas_of(new_rs))
        return replicas_of(d)

    # ----------------------------------------------------------------- scaling
    def _scale(self, rs: dict, new_scale: int, d: dict, operation: str = "") -> tuple[bool, dict]:
        """``scaleReplicaSet``: write replicas and the replicas annotations; record the Event."""
        size_changes = replicas_of(rs) != new_scale
        desired, max_replicas = replicas_of(d), replicas_of(d) + max_surge(d)
        annotations = annotations_of(rs)
        annotations_change = (annotations.get(DESIRED_REPLICAS) != str(desired)
                              or annotations.get(MAX_REPLICAS) != str(max_replicas))
        if not size_changes and not annotations_change:
            return False, rs
        old_scale = replicas_of(rs)
        target = self.copy(rs)
        target["spec"]["replicas"] = new_scale
        self._set_replicas_annotations(target, desired, max_replicas)
        updated = self.client.update("replicasets", target)
        if size_changes:
            operation = operation or ("up" if old_scale < new_scale else "down")
            message = f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}"
            self.recorder.event(d, NORMAL, "ScalingReplicaSet", message)
            self._said.append(f"scales {operation} ReplicaSet {rs['metadata']['name']} from {old_scale} to {new_scale}")
        return size_changes, updated

    def _scale_and_record(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        """``scaleReplicaSetAndRecordEvent``."""
        if replicas_of(rs) == new_scale:
            return False, rs
        return self._scale(rs, new_scale, d, "up" if replicas_of(rs) < new_scale else "down")

    def _is_scaling_event(self, d: dict, sets: list[dict]) -> bool:
        new_rs, old = self._new_and_old(d, sets, create=False)
        for rs in active(old + [new_rs]):
            desired = annotations_of(rs).get(DESIRED_REPLICAS)
            if desired is None:
                continue
            try:
                if int(desired) != replicas_of(d):
                    return True
            except ValueError:
                continue
        return False

    def _sync(self, d: dict, sets: list[dict]) -> None:
        """``sync``: scaling events and paused Deployments — no rollout, only proportions."""
        new_rs, old = self._new_and_old(d, sets, create=False)
        self._proportional_scale(d, new_rs, old)
        if (d.get("spec") or {}).get("paused"):
            self._cleanup(d, old)
        self._sync_status(d, old + [new_rs], new_rs)

    def _proportional_scale(self, d: dict, new_rs: dict | None, old: list[dict]) -> None:
        """``scale``: one active set takes the whole count; otherwise spread the difference in
        proportion to each set's size (largest first; leftovers to the largest)."""
        latest = self._active_or_latest(new_rs, old)
        if latest is not None:
            if replicas_of(latest) != replicas_of(d):
                self._scale_and_record(latest, replicas_of(d), d)
            return
        if self._is_saturated(d, new_rs):
            for rs in active(old):
                self._scale_and_record(rs, 0, d)
            return
        if not is_rolling_update(d):
            return
        sets = active(old + [new_rs])
        allowed = replicas_of(d) + max_surge(d) if replicas_of(d) > 0 else 0
        to_add = allowed - sum_replicas(sets)
        operation = ""
        if to_add > 0:  # ReplicaSetsBySizeNewer: larger first, then newer first
            sets.sort(key=lambda rs: by_creation(rs), reverse=True)
            sets.sort(key=lambda rs: -replicas_of(rs))
            operation = "up"
        elif to_add < 0:  # ReplicaSetsBySizeOlder: larger first, then older first
            sets.sort(key=by_creation)
            sets.sort(key=lambda rs: -replicas_of(rs))
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in sets:
            if to_add != 0:
                proportion = self._proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = replicas_of(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = replicas_of(rs)
        for i, rs in enumerate(sets):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            self._scale(rs, sizes[name], d, operation)

    def _proportion(self, rs: dict, d: dict, to_add: int, added: int) -> int:
        """``GetReplicaSetProportion``."""
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

    @staticmethod
    def _active_or_latest(new_rs: dict | None, old: list[dict]) -> dict | None:
        """``FindActiveOrLatest``."""
        if new_rs is None and not old:
            return None
        old_sorted = sorted(old, key=by_creation, reverse=True)
        sets = active(old_sorted + [new_rs])
        if not sets:
            return new_rs if new_rs is not None else old_sorted[0]
        if len(sets) == 1:
            return sets[0]
        return None

    @staticmethod
    def _is_saturated(d: dict, rs: dict | None) -> bool:
        if rs is None:
            return False
        try:
            desired = int(annotations_of(rs).get(DESIRED_REPLICAS, ""))
        except ValueError:
            return False
        want = replicas_of(d)
        return desired == want and replicas_of(rs) == want and status_of(rs, "availableReplicas") == want

    # ----------------------------------------------------------------- rollouts
    def _rollout_rolling(self, d: dict, sets: list[dict]) -> None:
        """``rolloutRolling``: scale up if we can, else scale down if we can, then status."""
        new_rs, old = self._new_and_old(d, sets, create=True)
        all_sets = old + [new_rs]
        if not self._context:
            self._context = self._describe_rollout(d, new_rs, old)
        if self._reconcile_new(all_sets, new_rs, d):
            self._sync_rollout_status(all_sets, new_rs, d)
            return
        if self._reconcile_old(all_sets, active(old), new_rs, d):
            self._sync_rollout_status(all_sets, new_rs, d)
            return
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
        self._sync_rollout_status(all_sets, new_rs, d)

    def _describe_rollout(self, d: dict, new_rs: dict, old: list[dict]) -> str:
        old_pods = sum_replicas(old)
        surge, unavailable = (resolve_fenceposts(d) if is_rolling_update(d) else (0, 0))
        if old_pods:
            return (f"is rolling out ReplicaSet {new_rs['metadata']['name']} ({status_of(new_rs, 'availableReplicas')} "
                    f"of {replicas_of(d)} available, {old_pods} old pod(s) left; maxSurge {surge}, "
                    f"maxUnavailable {unavailable})")
        return (f"has ReplicaSet {new_rs['metadata']['name']} for its template "
                f"({status_of(new_rs, 'availableReplicas')} of {replicas_of(d)} available)")

    def _reconcile_new(self, all_sets: list[dict], new_rs: dict, d: dict) -> bool:
        if replicas_of(new_rs) == replicas_of(d):
            return False
        if replicas_of(new_rs) > replicas_of(d):
            return self._scale_and_record(new_rs, replicas_of(d), d)[0]
        return self._scale_and_record(new_rs, self._new_rs_new_replicas(d, all_sets, new_rs), d)[0]

    def _reconcile_old(self, all_sets: list[dict], old: list[dict], new_rs: dict, d: dict) -> bool:
        """``reconcileOldReplicaSets``: never below ``replicas - maxUnavailable`` available."""
        if sum_replicas(old) == 0:
            return False
        all_pods = sum_replicas(all_sets)
        min_available = replicas_of(d) - max_unavailable(d)
        new_unavailable = replicas_of(new_rs) - status_of(new_rs, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = self._cleanup_unhealthy(old, d, max_scaled_down)
        scaled = self._scale_down_old_for_rolling(old + [new_rs], old, d)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, old: list[dict], d: dict, max_cleanup: int) -> tuple[list[dict], int]:
        old = sorted(old, key=by_creation)
        total = 0
        for i, rs in enumerate(old):
            if total >= max_cleanup:
                break
            if replicas_of(rs) == 0 or replicas_of(rs) == status_of(rs, "availableReplicas"):
                continue
            count = min(max_cleanup - total, replicas_of(rs) - status_of(rs, "availableReplicas"))
            _, old[i] = self._scale_and_record(rs, replicas_of(rs) - count, d)
            total += count
        return old, total

    def _scale_down_old_for_rolling(self, all_sets: list[dict], old: list[dict], d: dict) -> int:
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
            self._scale_and_record(rs, replicas_of(rs) - count, d)
            total += count
        return total

    def _rollout_recreate(self, d: dict, sets: list[dict]) -> None:
        """``rolloutRecreate``: old sets to zero, wait for their pods to go, then the new set."""
        new_rs, old = self._new_and_old(d, sets, create=False)
        all_sets = old + [new_rs]
        scaled_down = False
        for rs in active(old):
            if self._scale_and_record(rs, 0, d)[0]:
                scaled_down = True
        if scaled_down:
            self._context = "must replace every pod (Recreate)"
            self._sync_rollout_status(all_sets, new_rs, d)
            return
        if self._old_pods_running(new_rs, old, self._pod_map(d, sets)):
            self._context = "is waiting for the old pods to be gone before it starts new ones (Recreate)"
            self._sync_rollout_status(all_sets, new_rs, d)
            return
        if new_rs is None:
            new_rs, old = self._new_and_old(d, sets, create=True)
            all_sets = old + [new_rs]
        self._scale_and_record(new_rs, replicas_of(d), d)
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
        self._sync_rollout_status(all_sets, new_rs, d)

    @staticmethod
    def _old_pods_running(new_rs: dict | None, old: list[dict], pod_map: dict[str, list[dict]]) -> bool:
        if sum_status(old, "replicas") > 0:
            return True
        for uid, pods in pod_map.items():
            if new_rs is not None and new_rs["metadata"]["uid"] == uid:
                continue
            if any((p.get("status") or {}).get("phase") not in ("Failed", "Succeeded") for p in pods):
                return True
        return False

    def _cleanup(self, d: dict, old: list[dict]) -> None:
        """``cleanupDeployment``: delete the oldest empty sets beyond revisionHistoryLimit."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old if not being_deleted(rs)]
        diff = len(alive) - limit
        if diff <= 0:
            return
        alive.sort(key=lambda rs: (revision_of(rs) or 0, by_creation(rs)))
        deleted = []
        for rs in alive[:diff]:
            if (status_of(rs, "replicas") != 0 or replicas_of(rs) != 0
                    or rs["metadata"].get("generation", 0) > status_of(rs, "observedGeneration")):
                continue
            try:
                self.client.delete("replicasets", rs["metadata"].get("namespace", ""), rs["metadata"]["name"])
                deleted.append(rs)
            except APIError as exc:
                if not is_not_found(exc):
                    raise
        if deleted:
            self._said.append(f"deletes old ReplicaSet {names(deleted)} (revisionHistoryLimit {limit})")

    # ----------------------------------------------------------------- status
    def _calculate_status(self, all_sets: list[dict | None], new_rs: dict | None, d: dict) -> dict:
        available = sum_status(all_sets, "availableReplicas")
        total = sum_replicas(all_sets)
        old = d.get("status") or {}
        status = {"observedGeneration": d["metadata"].get("generation", 0),
                  "replicas": sum_status(all_sets, "replicas"),
                  "updatedReplicas": sum_status([new_rs], "replicas"),
                  "readyReplicas": sum_status(all_sets, "readyReplicas"),
                  "availableReplicas": available,
                  "unavailableReplicas": max(0, total - available),
                  "collisionCount": old.get("collisionCount"),
                  "conditions": [dict(c) for c in old.get("conditions") or []]}
        now = self.kernel.wall_time()
        if available >= replicas_of(d) - max_unavailable(d):
            set_condition(status, new_condition("Available", "True", MIN_AVAILABLE,
                                                "Deployment has minimum availability.", now))
        else:
            set_condition(status, new_condition("Available", "False", MIN_UNAVAILABLE,
                                                "Deployment does not have minimum availability.", now))
        return status

    def _sync_status(self, d: dict, all_sets: list[dict | None], new_rs: dict | None) -> None:
        """``syncDeploymentStatus``: counts and Available, no progress estimate."""
        status = compact_status(self._calculate_status(all_sets, new_rs, d))
        if status != compact_status(d.get("status") or {}):
            d["status"] = status
            self._write_status(d)
            self._said.append(self._status_words(status))

    def _sync_rollout_status(self, all_sets: list[dict | None], new_rs: dict | None, d: dict) -> None:
        """``syncRolloutStatus``: counts, Available, Progressing (with the deadline)."""
        status = self._calculate_status(all_sets, new_rs, d)
        if not has_progress_deadline(d):
            remove_condition(status, "Progressing")
        current = condition(d.get("status") or {}, "Progressing")
        complete = (status["replicas"] == status["updatedReplicas"] and current is not None
                    and current.get("reason") == NEW_RS_AVAILABLE_REASON)
        now = self.kernel.wall_time()
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        if has_progress_deadline(d) and not complete:
            if deployment_complete(d, status):
                message = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.')
                set_condition(status, new_condition("Progressing", "True", NEW_RS_AVAILABLE_REASON, message, now))
            elif deployment_progressing(d, status):
                message = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" is progressing.')
                cond = new_condition("Progressing", "True", RS_UPDATED_REASON, message, now)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    remove_condition(status, "Progressing")
                status.setdefault("conditions", []).append(cond)
            elif self._timed_out(d, now):
                message = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                           else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                set_condition(status, new_condition("Progressing", "False", TIMED_OUT_REASON, message, now))
        failures = self._replica_failures(all_sets, new_rs)
        if failures:
            set_condition(status, failures[0])
        else:
            remove_condition(status, "ReplicaFailure")
        status = compact_status(status)
        if status == compact_status(d.get("status") or {}):
            self._requeue_stuck(d, status)
            return
        d["status"] = status
        self._write_status(d)
        self._said.append(self._status_words(status))

    @staticmethod
    def _status_words(status: dict) -> str:
        progressing = condition(status, "Progressing")
        words = (f"writes status: {status.get('updatedReplicas', 0)} updated, {status.get('readyReplicas', 0)} ready, "
                 f"{status.get('availableReplicas', 0)} available of {status.get('replicas', 0)}")
        if progressing is not None:
            words += f" (Progressing: {progressing.get('reason')})"
        return words

    def _timed_out(self, d: dict, now: float) -> bool:
        """``DeploymentTimedOut``."""
        current = condition(d.get("status") or {}, "Progressing")
        if current is None or current.get("reason") == NEW_RS_AVAILABLE_REASON:
            return False
        if current.get("reason") == TIMED_OUT_REASON:
            return True
        since = parse_time(current.get("lastUpdateTime"))
        deadline = (d.get("spec") or {}).get("progressDeadlineSeconds") or 0
        return since is not None and since + deadline < now

    def _requeue_stuck(self, d: dict, status: dict) -> None:
        """``requeueStuckDeployment``: come back when the progress deadline would pass."""
        current = condition(d.get("status") or {}, "Progressing")
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

    @staticmethod
    def _replica_failures(all_sets: list[dict | None], new_rs: dict | None) -> list[dict]:
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

    def _check_paused_conditions(self, d: dict) -> None:
        """``checkPausedConditions``: Progressing Unknown while paused, and on resume."""
        if not has_progress_deadline(d):
            return
        status = d.setdefault("status", {})
        current = condition(status, "Progressing")
        if current is not None and current.get("reason") == TIMED_OUT_REASON:
            return
        paused_cond = current is not None and current.get("reason") == PAUSED_REASON
        paused = bool((d.get("spec") or {}).get("paused"))
        now = self.kernel.wall_time()
        if paused and not paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused", now))
        elif not paused and paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed", now))
        else:
            return
        self._write_status(d)
        self._said.append("marks it " + ("paused" if paused else "resumed"))

    def _write_status(self, d: dict) -> None:
        """UpdateStatus; keep the returned resourceVersion so later writes of this sync apply."""
        updated = self.client.update_status("deployments", d)
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]
