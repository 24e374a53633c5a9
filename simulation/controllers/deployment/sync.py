"""Getting and creating ReplicaSets, scaling them, cleaning up old ones and writing the
Deployment's status, as upstream's ``pkg/controller/deployment/sync.go``.

Everything a rollout strategy builds on: :meth:`DeploymentSync.get_all_replica_sets_and_sync_revision`
finds the *new* ReplicaSet (creating it when asked) and the *old* ones, and stamps the
revision; :meth:`~DeploymentSync.scale` spreads a scaling event over the sets in proportion;
:meth:`~DeploymentSync.scale_replica_set` is the one place a set's size is written and its
``ScalingReplicaSet`` Event recorded.
"""
from __future__ import annotations

from collections.abc import Callable

from simulation.client.apiclient import APIClient, APIError, is_already_exists, is_not_found
from simulation.client.events import NORMAL, WARNING, EventRecorder
from simulation.client.informer import Lister
from simulation.client.workqueue import RateLimitingQueue
from simulation.kernel import Kernel

from ..controller_utils import being_deleted, by_creation, compute_hash, controller_ref_of, names, new_controller_ref
from .util import (DESIRED_REPLICAS, FAILED_RS_CREATE_REASON, FOUND_NEW_RS_REASON, MAX_REPLICAS, MIN_AVAILABLE,
                   MIN_UNAVAILABLE, NEW_RS_REASON, PAUSED_REASON, POD_TEMPLATE_HASH, RESUMED_REASON, REVISION,
                   TIMED_OUT_REASON, annotations_of, compact_status, equal_ignore_hash, filter_active_replica_sets,
                   find_active_or_latest, find_new_replica_set, get_deployment_condition, get_replica_set_proportion,
                   has_progress_deadline, is_rolling_update, is_saturated, max_revision, max_surge, max_unavailable,
                   new_deployment_condition, new_rs_new_replicas, replicas_of, revision_of,
                   set_deployment_condition, set_new_replica_set_annotations, set_replicas_annotations, status_of,
                   sum_replicas, sum_status)


def status_words(status: dict) -> str:
    """How a caption tells the status a sync wrote."""
    progressing = get_deployment_condition(status, "Progressing")
    words = (f"writes status: {status.get('updatedReplicas', 0)} updated, {status.get('readyReplicas', 0)} ready, "
             f"{status.get('availableReplicas', 0)} available of {status.get('replicas', 0)}")
    if progressing is not None:
        words += f" (Progressing: {progressing.get('reason')})"
    return words


class DeploymentSync:
    """sync.go's share of the Deployment controller (upstream spreads one controller's methods
    over several files; here each file is a mixin of
    :class:`~.deployment_controller.DeploymentController`).

    It is mixed in before :class:`~simulation.controllers.base.Controller`, which provides the
    first five attributes declared here; the controller's ``setup`` and ``sync_handler`` set
    the others."""

    client: APIClient
    kernel: Kernel
    recorder: EventRecorder
    queue: RateLimitingQueue
    copy: Callable[[dict], dict]
    rs_lister: Lister
    #: Deployment uid -> the revision last sent with a status write (see deployment_controller's doc).
    _revision_sent: dict[str, str]
    #: What the current sync did, one clause each, and what the Deployment is doing: the caption.
    _said: list[str]
    _context: str

    def sync_status_only(self, d: dict, sets: list[dict]) -> None:
        """``syncStatusOnly``: a Deployment being deleted only gets its status brought up to date."""
        new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=False)
        self.sync_deployment_status(d, old + [new_rs], new_rs)

    def sync(self, d: dict, sets: list[dict]) -> None:
        """``sync``: scaling events and paused Deployments — no rollout, only proportions."""
        new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=False)
        self.scale(d, new_rs, old)
        if (d.get("spec") or {}).get("paused"):
            self.cleanup_deployment(d, old)
        self.sync_deployment_status(d, old + [new_rs], new_rs)

    def check_paused_conditions(self, d: dict) -> None:
        """``checkPausedConditions``: Progressing Unknown while paused, and on resume."""
        if not has_progress_deadline(d):
            return
        status = d.setdefault("status", {})
        current = get_deployment_condition(status, "Progressing")
        if current is not None and current.get("reason") == TIMED_OUT_REASON:
            return
        paused_cond = current is not None and current.get("reason") == PAUSED_REASON
        paused = bool((d.get("spec") or {}).get("paused"))
        now = self.kernel.wall_time()
        if paused and not paused_cond:
            set_deployment_condition(status, new_deployment_condition("Progressing", "Unknown", PAUSED_REASON,
                                                                      "Deployment is paused", now))
        elif not paused and paused_cond:
            set_deployment_condition(status, new_deployment_condition("Progressing", "Unknown", RESUMED_REASON,
                                                                      "Deployment is resumed", now))
        else:
            return
        self.update_deployment_status(d)
        self._said.append("marks it " + ("paused" if paused else "resumed"))

    # ----------------------------------------------------------------- new and old ReplicaSets
    def get_all_replica_sets_and_sync_revision(self, d: dict, sets: list[dict],
                                               create: bool) -> tuple[dict | None, list[dict]]:
        """``getAllReplicaSetsAndSyncRevision``: (the new set — None unless it exists or
        ``create`` — and the old ones)."""
        found = find_new_replica_set(d, sets)
        old = [rs for rs in sets if found is None or rs["metadata"]["uid"] != found["metadata"]["uid"]]
        return self.get_new_replica_set(d, sets, old, create), old

    def get_new_replica_set(self, d: dict, sets: list[dict], old: list[dict], create: bool) -> dict | None:
        """``getNewReplicaSet``: sync the existing new set's annotations, or create it."""
        existing = find_new_replica_set(d, sets)
        new_revision = str(max_revision(old) + 1)
        namespace = d["metadata"].get("namespace", "")
        if existing is not None:
            rs = self.copy(existing)
            changed = set_new_replica_set_annotations(d, rs, new_revision, exists=True)
            min_ready = (d.get("spec") or {}).get("minReadySeconds") or 0
            if changed or ((rs.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                rs["spec"]["minReadySeconds"] = min_ready
                updated = self.client.update("replicasets", rs)
                sets[:] = [updated if s["metadata"]["uid"] == updated["metadata"]["uid"] else s for s in sets]
                self._said.append(f"marks ReplicaSet {rs['metadata']['name']} as revision "
                                  f"{annotations_of(updated).get(REVISION, '?')}")
                return updated
            needs_update = self.set_deployment_revision(d, annotations_of(rs).get(REVISION, ""))
            status = d.setdefault("status", {})
            if has_progress_deadline(d) and get_deployment_condition(status, "Progressing") is None:
                set_deployment_condition(status, new_deployment_condition(
                    "Progressing", "True", FOUND_NEW_RS_REASON, f'Found new replica set "{rs["metadata"]["name"]}"',
                    self.kernel.wall_time()))
                needs_update = True
            if needs_update:
                self.update_deployment_status(d)
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
        new_rs["spec"]["replicas"] = new_rs_new_replicas(d, old + [new_rs], new_rs)
        set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
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
                        self.update_deployment_status(d)
                        self._said.append(f"finds the name {rs_name} taken (a hash collision): it bumps "
                                          f"collisionCount to {status['collisionCount']}")
                    except APIError:
                        pass
                    raise
            else:
                message = f'Failed to create new replica set "{rs_name}": {exc}'
                if has_progress_deadline(d):
                    set_deployment_condition(d.setdefault("status", {}), new_deployment_condition(
                        "Progressing", "False", FAILED_RS_CREATE_REASON, message, self.kernel.wall_time()))
                    try:
                        self.update_deployment_status(d)
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
        needs_update = self.set_deployment_revision(d, new_revision)
        if not already_exists and has_progress_deadline(d):
            set_deployment_condition(d.setdefault("status", {}), new_deployment_condition(
                "Progressing", "True", NEW_RS_REASON, f'Created new replica set "{rs_name}"', self.kernel.wall_time()))
            needs_update = True
        if needs_update:
            self.update_deployment_status(d)
        return created

    def set_deployment_revision(self, d: dict, revision: str) -> bool:
        """``SetDeploymentRevision``, written at most once per revision (see deployment_controller's doc).
        True when the status write should carry it."""
        if not revision or annotations_of(d).get(REVISION) == revision:
            return False
        uid = d["metadata"]["uid"]
        d["metadata"].setdefault("annotations", {})[REVISION] = revision
        if self._revision_sent.get(uid) == revision:
            return False
        self._revision_sent[uid] = revision
        return True

    # ----------------------------------------------------------------- scaling
    def scale(self, d: dict, new_rs: dict | None, old: list[dict]) -> None:
        """``scale``: one active set takes the whole count; otherwise spread the difference in
        proportion to each set's size (largest first; leftovers to the largest)."""
        latest = find_active_or_latest(new_rs, old)
        if latest is not None:
            if replicas_of(latest) != replicas_of(d):
                self.scale_replica_set_and_record_event(latest, replicas_of(d), d)
            return
        if is_saturated(d, new_rs):
            for rs in filter_active_replica_sets(old):
                self.scale_replica_set_and_record_event(rs, 0, d)
            return
        if not is_rolling_update(d):
            return
        sets = filter_active_replica_sets(old + [new_rs])
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
                proportion = get_replica_set_proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = replicas_of(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = replicas_of(rs)
        for i, rs in enumerate(sets):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            self.scale_replica_set(rs, sizes[name], d, operation)

    def scale_replica_set_and_record_event(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        """``scaleReplicaSetAndRecordEvent``: (whether the size changed, the set as written)."""
        if replicas_of(rs) == new_scale:
            return False, rs
        return self.scale_replica_set(rs, new_scale, d, "up" if replicas_of(rs) < new_scale else "down")

    def scale_replica_set(self, rs: dict, new_scale: int, d: dict, operation: str = "") -> tuple[bool, dict]:
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
        set_replicas_annotations(target, desired, max_replicas)
        updated = self.client.update("replicasets", target)
        if size_changes:
            operation = operation or ("up" if old_scale < new_scale else "down")
            message = f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}"
            self.recorder.event(d, NORMAL, "ScalingReplicaSet", message)
            self._said.append(f"scales {operation} ReplicaSet {rs['metadata']['name']} from {old_scale} to {new_scale}")
        return size_changes, updated

    def is_scaling_event(self, d: dict, sets: list[dict]) -> bool:
        """``isScalingEvent``: an active set was sized for a different ``spec.replicas``."""
        new_rs, old = self.get_all_replica_sets_and_sync_revision(d, sets, create=False)
        for rs in filter_active_replica_sets(old + [new_rs]):
            desired = annotations_of(rs).get(DESIRED_REPLICAS)
            if desired is None:
                continue
            try:
                if int(desired) != replicas_of(d):
                    return True
            except ValueError:
                continue
        return False

    # ----------------------------------------------------------------- cleanup
    def cleanup_deployment(self, d: dict, old: list[dict]) -> None:
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
    def sync_deployment_status(self, d: dict, all_sets: list[dict | None], new_rs: dict | None) -> None:
        """``syncDeploymentStatus``: counts and Available, no progress estimate."""
        status = compact_status(self.calculate_status(all_sets, new_rs, d))
        if status != compact_status(d.get("status") or {}):
            d["status"] = status
            self.update_deployment_status(d)
            self._said.append(status_words(status))

    def calculate_status(self, all_sets: list[dict | None], new_rs: dict | None, d: dict) -> dict:
        """``calculateStatus``: the counts summed over the sets, and the Available condition."""
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
            set_deployment_condition(status, new_deployment_condition("Available", "True", MIN_AVAILABLE,
                                                                      "Deployment has minimum availability.", now))
        else:
            set_deployment_condition(status, new_deployment_condition("Available", "False", MIN_UNAVAILABLE,
                                                                      "Deployment does not have minimum availability.",
                                                                      now))
        return status

    def update_deployment_status(self, d: dict) -> None:
        """UpdateStatus; keep the returned resourceVersion so later writes of this sync apply."""
        updated = self.client.update_status("deployments", d)
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]
