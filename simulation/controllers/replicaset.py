"""The ReplicaSet controller, as upstream's ``pkg/controller/replicaset/replica_set.go``.

It keeps ``spec.replicas`` pods alive for every ReplicaSet: it counts the active pods it owns
(claiming matching orphans, releasing pods whose labels stopped matching), creates the missing
ones from the template in slow-start batches (1, 2, 4 …) or deletes the surplus — the least
valuable first (unscheduled, pending, not ready, recently ready, restarted, young) — and writes
``status`` (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
observedGeneration).

Promises:

* No duplicates while its cache lags: before writing it records *expectations* (so many
  creations, these deletions) and does not manage pods again for that ReplicaSet until the
  informer has shown them all, or five minutes pass (:mod:`.expectations`). A watch event lost
  on the way leaves it waiting; the informer's periodic relist repairs it.
* Pods being deleted (``deletionTimestamp``) or finished (Succeeded/Failed) do not count.
* Events on the ReplicaSet, from ``replicaset-controller``: ``SuccessfulCreate`` "Created pod:
  NAME", ``SuccessfulDelete`` "Deleted pod: NAME", ``FailedCreate`` "Error creating: …".
* Pod names are ``<replicaset>-`` plus five characters of upstream's alphabet drawn from the
  kernel's seeded random source: the same seed gives the same names.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulation.apimachinery.keys import object_key, split_key
from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import (SLOW_START_INITIAL_BATCH_SIZE, OwnedPodHandlers, PodControl,
                               being_deleted, claim_objects, controller_ref_of, is_pod_active, is_pod_available,
                               is_pod_ready, labels_of, names, new_controller_ref, plural, rank_pods_for_deletion,
                               recheck_owner, selector_of, slow_start_batch)
from .expectations import UIDTrackingControllerExpectations
from .podindex import PodFacts, PodOwnerIndex

#: ``BurstReplicas``: at most this many creations or deletions per sync.
BURST_REPLICAS = 500


@dataclass
class Claimed:
    """What ``claimPods`` gave a sync: the owned pods counted by the index's tally (by
    :data:`PodFacts`), the pods claimed one by one, the names adopted and released, and how
    to list every claimed pod in the index's order (only a scale-down needs them)."""

    tally: dict[PodFacts, int]
    pods: list[dict]
    adopted: list[str]
    released: list[str]
    listed: Callable[[], list[dict]]

    @property
    def count(self) -> int:
        return sum(self.tally.values()) + len(self.pods)


class ReplicaSetController(OwnedPodHandlers, Controller):
    name = "replicaset"
    event_source = "replicaset-controller"
    kind = "ReplicaSet"
    api_version = "apps/v1"
    resource = "replicasets"
    owner_kind = kind
    delete_old_on_label_change = True

    def setup(self) -> None:
        self.expectations = UIDTrackingControllerExpectations(lambda: self.kernel.now_seconds)
        self.pod_control = PodControl(self.client, self.recorder, self.kernel.rng)
        rs_informer = self.manager.informer(self.resource)
        pod_informer = self.manager.informer("pods")
        self.rs_lister = self.owner_lister = rs_informer.lister
        self.pods = PodOwnerIndex()
        pod_informer.add_event_handler(self.pods.add, self.pods.update, self.pods.delete)
        rs_informer.add_event_handler(self.enqueue, self._update_rs, self._delete_rs)
        pod_informer.add_event_handler(self.add_pod, self.update_pod, self.delete_pod)

    # ----------------------------------------------------------------- event handlers
    def _update_rs(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("uid") != cur["metadata"].get("uid"):
            self._delete_rs(old)
        self.enqueue(cur)

    def _delete_rs(self, rs: dict) -> None:
        key = object_key(rs)
        self.expectations.delete_expectations(key)
        self.queue.add(key)

    def observe_pod_deletion(self, key: str, pod: dict) -> None:
        self.expectations.deletion_observed(key, object_key(pod))

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str:
        namespace, name = split_key(key)
        rs = self.rs_lister.get(namespace, name)
        what = f"{self.kind} {name}"
        if rs is None:
            self.expectations.delete_expectations(key)
            return f"The {self.kind} controller sees {what} is gone: it forgets its expectations for it"
        needs_sync = self.expectations.satisfied_expectations(key)
        claimed = self._claim(rs)
        adopted, released = claimed.adopted, claimed.released
        wanted = (rs.get("spec") or {}).get("replicas", 1)
        has = claimed.count
        said: list[str] = []
        if adopted:
            said.append(f"adopts orphan {'pods' if len(adopted) > 1 else 'pod'} {names(adopted)}")
        if released:
            said.append(f"releases {'pods' if len(released) > 1 else 'pod'} {names(released)} "
                        "whose labels no longer match")
        manage_error: APIError | None = None
        if needs_sync and not being_deleted(rs):
            done, manage_error = self.manage_replicas(claimed, rs, key)
            if done:
                said.append(done)
        status = self._calculate_status(rs, claimed, manage_error)
        status_written = self._update_status(rs, status)
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        if (manage_error is None and min_ready > 0 and status.get("readyReplicas", 0) == wanted
                and status.get("availableReplicas", 0) != wanted):
            self.queue.add_after(key, float(min_ready))
        if manage_error is not None:
            raise manage_error
        head = f"The {self.kind} controller sees {what} wants {plural(wanted, 'pod')} and has {has}"
        if said:
            return f"{head}: it {'; it '.join(said)}"
        if not needs_sync:
            return (f"{head}, but it still expects {self.expectations.describe(key)} to show up in its cache: "
                    "it waits rather than act twice")
        if status_written:
            return (f"{head}, {status.get('readyReplicas', 0)} ready and {status.get('availableReplicas', 0)} "
                    f"available: it writes that into the {self.kind}'s status")
        return f"{head}: nothing to do"

    def manage_replicas(self, claimed: Claimed, rs: dict, key: str) -> tuple[str, APIError | None]:
        """``manageReplicas``: create or delete pods to close the gap; returns what it did."""
        namespace = rs["metadata"].get("namespace", "")
        diff = claimed.count - (rs.get("spec") or {}).get("replicas", 1)
        if diff < 0:
            diff = min(-diff, BURST_REPLICAS)
            self.expectations.expect_creations(key, diff)
            template = (rs.get("spec") or {}).get("template") or {}
            ref = new_controller_ref(rs, self.api_version, self.kind)
            successes, created, error, batches = slow_start_batch(
                diff, SLOW_START_INITIAL_BATCH_SIZE,
                lambda: self.pod_control.create_pod(namespace, template, rs, ref))
            for _ in range(diff - successes):
                # The informer will never show the pods that were not made.
                self.expectations.creation_observed(key)
            text = ""
            if created:
                text = f"creates {'pods' if len(created) > 1 else 'pod'} {names(created)}"
                if len(batches) > 1:
                    text += f" (slow start: batches of {', '.join(str(b) for b in batches)})"
            if error is not None:
                text = (text + "; " if text else "") + f"fails to create {diff - successes} pod(s): {error}"
            return text, error
        if diff > 0:
            diff = min(diff, BURST_REPLICAS)
            pods = ordered = claimed.listed()
            if diff < len(pods):
                ordered = rank_pods_for_deletion(pods, self._related_pods(rs), self.kernel.wall_time())
            victims = ordered[:diff]
            self.expectations.expect_deletions(key, [object_key(p) for p in victims])
            deleted, error = self.pod_control.delete_pods(
                namespace, victims, rs, lambda pod: self.expectations.deletion_observed(key, object_key(pod)))
            text = f"deletes {'pods' if len(deleted) > 1 else 'pod'} {names(deleted)}" if deleted else ""
            if error is not None:
                text = (text + "; " if text else "") + f"fails to delete pods: {error}"
            return text, error
        return "", None

    def _related_pods(self, rs: dict) -> list[dict]:
        """``getIndirectlyRelatedPods``: pods of every set with the same controlling owner
        (a Deployment's old and new ReplicaSets), used to spread scale-down across nodes."""
        owner = controller_ref_of(rs)
        namespace = rs["metadata"].get("namespace", "")
        if owner is None:
            sets = [rs]
        else:
            sets = [r for r in self.rs_lister.list(namespace)
                    if (controller_ref_of(r) or {}).get("uid") == owner.get("uid")]
        return [p for r in sets for p in self.pods.owned(namespace, r["metadata"]["uid"])]

    # ----------------------------------------------------------------- status
    def _claim(self, rs: dict) -> Claimed:
        """``claimPods`` over the active pods the set owns and the namespace's orphans.

        When every active pod the set owns still matches its selector (nothing to release) and
        ``minReadySeconds`` is 0, the owned pods are counted from the index's tally and only the
        orphans are claimed one by one; otherwise every pod is claimed and counted, as before."""
        namespace, uid = rs["metadata"].get("namespace", ""), rs["metadata"]["uid"]
        selector = selector_of(rs)
        ref = new_controller_ref(rs, self.api_version, self.kind)
        can_adopt = recheck_owner(self.client, self.resource, rs)
        tally = self.pods.tally(namespace, uid)
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        if min_ready == 0 and all(selector.matches(dict(labels)) for labels, active, _ in tally if active):
            orphans = [p for p in self.pods.owned(namespace, "") if is_pod_active(p)]
            extra, adopted, _ = claim_objects(self.client, "pods", rs, ref, orphans, selector, can_adopt=can_adopt)
            counted = {facts: n for facts, n in tally.items() if facts[1]}
            return Claimed(counted, extra, adopted, [],
                           lambda: [p for p in self.pods.owned(namespace, uid) if is_pod_active(p)] + extra)
        active = [p for p in self.pods.owned_and_orphans(namespace, uid) if is_pod_active(p)]
        pods, adopted, released = claim_objects(self.client, "pods", rs, ref, active, selector, can_adopt=can_adopt)
        return Claimed({}, pods, adopted, released, lambda: pods)

    def _calculate_status(self, rs: dict, claimed: Claimed, manage_error: APIError | None) -> dict:
        """``calculateStatus``: counts from the claimed active pods, plus ReplicaFailure."""
        spec = rs.get("spec") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        min_ready = spec.get("minReadySeconds") or 0
        now = self.kernel.wall_time()
        wanted = frozenset(template_labels.items())
        fully = sum(n for (labels, _, _), n in claimed.tally.items() if wanted and wanted <= labels)
        ready = available = sum(n for (_, _, is_ready), n in claimed.tally.items() if is_ready)
        for pod in claimed.pods:  # one pass: this runs on every sync, over every pod not in the tally
            labels = labels_of(pod)
            if template_labels and all(labels.get(k) == v for k, v in template_labels.items()):
                fully += 1
            if is_pod_ready(pod):
                ready += 1
                if not min_ready or is_pod_available(pod, min_ready, now):
                    available += 1
        old = rs.get("status") or {}
        status: dict = {"replicas": claimed.count}
        for field, value in (("fullyLabeledReplicas", fully), ("readyReplicas", ready),
                             ("availableReplicas", available)):
            if value:
                status[field] = value
        if old.get("observedGeneration"):
            status["observedGeneration"] = old["observedGeneration"]
        conditions = [dict(c) for c in old.get("conditions") or []]
        failure = next((c for c in conditions if c.get("type") == "ReplicaFailure"), None)
        if manage_error is not None and failure is None:
            reason = "FailedCreate" if claimed.count < spec.get("replicas", 1) else "FailedDelete"
            conditions.append({"type": "ReplicaFailure", "status": "True", "reason": reason,
                               "message": str(manage_error), "lastTransitionTime": rfc3339(now)})
        elif manage_error is None and failure is not None:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        if conditions:
            status["conditions"] = conditions
        return status

    def _update_status(self, rs: dict, status: dict) -> bool:
        """``updateReplicaSetStatus``: write only when something changed; one retry on conflict."""
        status = dict(status)
        generation = rs["metadata"].get("generation", 0)
        current = dict(rs.get("status") or {})
        if {**status, "observedGeneration": generation} == {**current, "observedGeneration": generation} \
                and current.get("observedGeneration") == generation:
            return False
        status["observedGeneration"] = generation
        target = self.copy(rs)
        for attempt in range(2):
            target["status"] = status
            try:
                self.client.update_status(self.resource, target)
                return True
            except APIError as exc:
                if attempt == 1 or is_not_found(exc):
                    raise
                target = self.client.get(self.resource, rs["metadata"].get("namespace", ""), rs["metadata"]["name"])
        return False
