"""The Job controller, as upstream's ``pkg/controller/job/job_controller.go`` (v1.33).

A Job runs pods until ``completions`` of them succeed, at most ``parallelism`` at a time; it
gives up when more than ``backoffLimit`` pods failed (or, with ``restartPolicy: OnFailure``,
when its pods' containers restarted that often), or when it has been active longer than
``activeDeadlineSeconds``.

Promises, as upstream keeps them:

* **Pods** are named ``<job>-`` plus five random characters, carry the template's labels (the
  API server added ``batch.kubernetes.io/controller-uid`` and ``batch.kubernetes.io/job-name``)
  and the ``batch.kubernetes.io/job-tracking`` finalizer, so a finished pod cannot vanish before
  the controller counted it.
* **Counting** goes through ``status.uncountedTerminatedPods``: a finished pod's uid is written
  there first, then its finalizer is removed, then it moves into ``succeeded`` / ``failed`` —
  a crash between two writes never counts a pod twice or loses it. Until its informer shows the
  finalizer gone, the controller remembers which pods it already counted.
* **Retries** wait: a replacement for a failed pod is created only after a back-off of
  10 s × 2^(failures−1), at most 10 minutes, counted from the last failure.
* **Finishing** as 1.33 does with ``JobManagedBy``/``JobPodReplacementPolicy`` on: first an
  interim condition — ``SuccessCriteriaMet`` (reason ``CompletionsReached``, "Reached expected
  number of succeeded pods") or ``FailureTarget`` (``BackoffLimitExceeded``, "Job has reached
  the specified backoff limit"; ``DeadlineExceeded``, "Job was active longer than specified
  deadline") — and, once no pod of it is left running or uncounted, the terminal ``Complete``
  (with ``completionTime``) or ``Failed``. A failing Job deletes its active pods first.
* **Events** from ``job-controller``: ``SuccessfulCreate`` "Created pod: NAME",
  ``SuccessfulDelete`` "Deleted pod: NAME", ``Completed`` "Job completed", a Warning with the
  failure's reason and message, ``Suspended`` / ``Resumed``.
* **Deleted Jobs** leave no pod stuck: the finalizers of pods whose Job is gone or being
  deleted are removed (upstream's orphan queue; here keys ``orphan:<ns>/<pod>`` in the one
  queue).
"""
from __future__ import annotations

from simulation.apimachinery.keys import object_key, split_key
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError, is_not_found
from simulation.client.events import NORMAL, WARNING

from .base import Controller
from .controller_utils import (
    OwnedPodHandlers,
    PodControl,
    being_deleted,
    claim_objects,
    controller_ref_of,
    get_condition,
    has_finalizer,
    is_pod_ready,
    names,
    new_controller_ref,
    plural,
    recheck_owner,
    selector_of,
    slow_start_batch,
)
from .expectations import ControllerExpectations
from .podindex import PodOwnerIndex

JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
#: ``DefaultJobPodFailureBackOff`` / ``MaxJobPodFailureBackOff``.
POD_FAILURE_BACKOFF_SECONDS = 10.0
MAX_POD_FAILURE_BACKOFF_SECONDS = 600.0
#: ``MaxPodCreateDeletePerSync``.
MAX_POD_CREATE_DELETE_PER_SYNC = 500
ORPHAN_PREFIX = "orphan:"

COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")


def is_job_finished(job: dict) -> tuple[bool, str]:
    """``IsJobFinished``: whether a ``Complete`` or ``Failed`` condition is True, and which."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return True, condition["type"]
    return False, ""


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "")


def _restarts(pod: dict) -> int:
    status = pod.get("status") or {}
    return sum(c.get("restartCount", 0) for c in (status.get("initContainerStatuses") or [])
               + (status.get("containerStatuses") or []))


class JobController(OwnedPodHandlers, Controller):
    name = "job"
    event_source = "job-controller"
    owner_kind = "Job"

    def setup(self) -> None:
        self.expectations = ControllerExpectations(lambda: self.kernel.now_seconds)
        self.pod_control = PodControl(self.client, self.recorder, self.kernel.rng)
        job_informer = self.manager.informer("jobs")
        pod_informer = self.manager.informer("pods")
        self.job_lister = self.owner_lister = job_informer.lister
        self.pod_lister = pod_informer.lister
        self.pods = PodOwnerIndex()
        pod_informer.add_event_handler(self.pods.add, self.pods.update, self.pods.delete)
        job_informer.add_event_handler(self.enqueue, self._update_job, self._delete_job)
        pod_informer.add_event_handler(self.add_pod, self._update_pod, self._delete_pod)
        #: Per Job key: uids whose finalizer this controller removed, until its cache shows it.
        self.counted: dict[str, set[str]] = {}
        #: Per Job key: (failures since the last success, virtual time of the last failure).
        self.backoff: dict[str, tuple[int, float]] = {}
        #: Per Job key: the resourceVersion of the last status this controller wrote. A Job in the
        #: cache older than that is stale (its counters miss pods this controller already counted
        #: and whose finalizers it removed): acting on it would create those pods again. The sync
        #: waits for the informer to deliver the write, as expectations wait for its pod writes.
        self.status_written: dict[str, int] = {}

    # ----------------------------------------------------------------- event handlers
    def _update_job(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("uid") != cur["metadata"].get("uid"):
            self._delete_job(old)
        self.enqueue(cur)
        deadline = (cur.get("spec") or {}).get("activeDeadlineSeconds")
        start = parse_time((cur.get("status") or {}).get("startTime"))
        if deadline and start is not None and not is_job_finished(cur)[0]:
            self.queue.add_after(object_key(cur), max(0.0, start + deadline - self.kernel.wall_time()))

    def _delete_job(self, job: dict) -> None:
        key = object_key(job)
        self.expectations.delete_expectations(key)
        self.counted.pop(key, None)
        self.backoff.pop(key, None)
        self.status_written.pop(key, None)
        for pod in self.pods.owned(job["metadata"].get("namespace", ""), job["metadata"]["uid"]):
            if has_finalizer(pod, JOB_TRACKING_FINALIZER):
                self.queue.add(ORPHAN_PREFIX + object_key(pod))
        self.queue.add(key)

    def _update_pod(self, old: dict, cur: dict) -> None:
        if not has_finalizer(cur, JOB_TRACKING_FINALIZER):
            job = self._owner_of(cur)
            if job is not None:
                self.counted.get(object_key(job), set()).discard(cur["metadata"]["uid"])
        elif controller_ref_of(cur) is not None and self._owner_of(cur) is None and (
                being_deleted(cur) or _phase(cur) in ("Succeeded", "Failed")):
            self.queue.add(ORPHAN_PREFIX + object_key(cur))
        self.update_pod(old, cur)

    def _delete_pod(self, pod: dict) -> None:
        job = self._owner_of(pod)
        if job is not None:
            self.counted.get(object_key(job), set()).discard(pod["metadata"]["uid"])
        self.delete_pod(pod)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str:
        if key.startswith(ORPHAN_PREFIX):
            return self._sync_orphan_pod(key[len(ORPHAN_PREFIX):])
        namespace, name = split_key(key)
        job = self.job_lister.get(namespace, name)
        if job is None:
            self.expectations.delete_expectations(key)
            self.counted.pop(key, None)
            self.status_written.pop(key, None)
            return f"The job controller sees Job {name} is gone: it forgets its expectations for it"
        finished, how = is_job_finished(job)
        if finished:
            return f"The job controller sees Job {name} has {'completed' if how == 'Complete' else 'failed'}: nothing to do"
        written = self.status_written.get(key, 0)
        if int(job["metadata"].get("resourceVersion") or 0) < written:
            return (f"The job controller's cache still has an older Job {name} than the status it wrote "
                    f"(resourceVersion {written}): it waits for its informer before counting pods again")
        return _JobSync(self, key, job).run()

    def _sync_orphan_pod(self, pod_key: str) -> str:
        """``syncOrphanPod``: remove the tracking finalizer of a pod whose Job is gone or deleting."""
        namespace, name = split_key(pod_key)
        pod = self.pod_lister.get(namespace, name)
        if pod is None or not has_finalizer(pod, JOB_TRACKING_FINALIZER):
            return f"The job controller finds pod {name} without its tracking finalizer: nothing to do"
        job = self._owner_of(pod)
        if job is not None and not being_deleted(job) and not is_job_finished(job)[0]:
            return f"The job controller finds pod {name} still tracked by Job {job['metadata']['name']}"
        self._remove_finalizer(pod)
        return (f"The job controller removes the tracking finalizer of pod {name}: its Job is gone, so nothing "
                "will count it")

    def _remove_finalizer(self, pod: dict) -> None:
        meta = pod["metadata"]
        finalizers = [f for f in meta.get("finalizers") or [] if f != JOB_TRACKING_FINALIZER]
        patch = {"metadata": {"finalizers": finalizers, "uid": meta["uid"]}}
        try:
            self.client.patch("pods", meta.get("namespace", ""), meta["name"], patch, patch_type="merge")
        except APIError as exc:
            if not is_not_found(exc):
                raise


class _JobSync:
    """One ``syncJob`` pass over one Job: the pods it owns, what finished since last time, what to
    create or delete, and the status to write."""

    def __init__(self, jm: JobController, key: str, job: dict) -> None:
        self.jm, self.key, self.job = jm, key, jm.copy(job)
        self.meta = self.job["metadata"]
        self.spec = self.job.get("spec") or {}
        self.status = self.job.setdefault("status", {})
        self.name = self.meta["name"]
        self.namespace = self.meta.get("namespace", "")
        self.now = jm.kernel.wall_time()
        self.said: list[str] = []

    # ------------------------------------------------------------- helpers
    def _condition(self, type_: str, reason: str, message: str, status: str = "True") -> bool:
        """``ensureJobConditionStatus``: add or update a condition; True when something changed."""
        conditions = self.status.setdefault("conditions", [])
        stamp = rfc3339(self.now)
        current = get_condition(conditions, type_)
        if current is None:
            conditions.append({"type": type_, "status": status, "lastProbeTime": stamp, "lastTransitionTime": stamp,
                               "reason": reason, "message": message})
            return True
        if current.get("status") == status and current.get("reason") == reason and current.get("message") == message:
            return False
        current.update({"status": status, "reason": reason, "message": message, "lastProbeTime": stamp,
                        "lastTransitionTime": stamp})
        return True

    def _write_status(self) -> None:
        self.job = self.jm.client.update_status("jobs", self.job)
        self.jm.status_written[self.key] = int(self.job["metadata"]["resourceVersion"])
        self.meta = self.job["metadata"]
        self.status = self.job.setdefault("status", {})

    # ------------------------------------------------------------- the pass
    def run(self) -> str:
        jm, key = self.jm, self.key
        satisfied = jm.expectations.satisfied_expectations(key)
        selector = selector_of(self.job)
        owned = jm.pods.owned_and_orphans(self.namespace, self.meta["uid"])
        ref = new_controller_ref(self.job, "batch/v1", "Job")
        pods, adopted, _released = claim_objects(
            jm.client, "pods", self.job, ref, owned, selector,
            can_adopt=recheck_owner(jm.client, "jobs", self.job),
            match=lambda p: selector.matches(p["metadata"].get("labels") or {}))
        if adopted:
            self.said.append(f"adopts {plural(len(adopted), 'pod')} {names(adopted)}")
        counted = jm.counted.setdefault(key, set())
        active = [p for p in pods if _phase(p) not in ("Succeeded", "Failed") and not being_deleted(p)]
        terminating = [p for p in pods if being_deleted(p) and _phase(p) not in ("Succeeded", "Failed")]
        tracked = [p for p in pods if has_finalizer(p, JOB_TRACKING_FINALIZER) and p["metadata"]["uid"] not in counted]
        uncounted = self.status.setdefault("uncountedTerminatedPods", {})
        known = set(uncounted.get("succeeded") or []) | set(uncounted.get("failed") or [])
        new_succeeded = [p for p in tracked if _phase(p) == "Succeeded" and p["metadata"]["uid"] not in known]
        # ``isPodFailed``: with podReplacementPolicy TerminatingOrFailed a terminating pod counts as failed
        considered_failed = [p for p in tracked if _phase(p) == "Failed" or (
            being_deleted(p) and _phase(p) != "Succeeded" and self.spec.get("podReplacementPolicy") != "Failed")]
        new_failed = [p for p in considered_failed if p["metadata"]["uid"] not in known]
        succeeded = self.status.get("succeeded", 0) + len(uncounted.get("succeeded") or []) + len(new_succeeded)
        failed = self.status.get("failed", 0) + len(uncounted.get("failed") or []) + len(new_failed)
        if new_failed:
            failures, _ = jm.backoff.get(key, (0, 0.0))
            jm.backoff[key] = (failures + len(new_failed), jm.kernel.now_seconds)
        elif new_succeeded:
            jm.backoff.pop(key, None)

        first_sync = not self.status.get("startTime") and not self.spec.get("suspend")
        if first_sync:
            self.status["startTime"] = rfc3339(self.now)
            deadline = self.spec.get("activeDeadlineSeconds")
            if deadline:
                jm.queue.add_after(key, float(deadline))

        finished = self._failure(failed, pods)
        status_changed = first_sync
        deleted_names: list[str] = []
        manage_error: APIError | None = None
        if finished is not None:
            deleted_names, manage_error = self._delete(active)
            active = [p for p in active if p["metadata"]["name"] not in deleted_names]
        else:
            if satisfied and not being_deleted(self.job):
                status_changed |= self._suspend_condition()
                active, manage_error = self._manage(active, succeeded)
            completions = self.spec.get("completions")
            done = succeeded > 0 and not active if completions is None else succeeded >= completions and not active
            if done:
                finished = ("SuccessCriteriaMet",) + COMPLETIONS_REACHED
        self.status["active"] = len(active)
        self.status["ready"] = sum(1 for p in active if is_pod_ready(p))
        self.status["terminating"] = len(terminating) + len(deleted_names)

        # 1. flush the newly finished pods (and the interim condition) into the status
        needs_flush = bool(new_succeeded or new_failed) or status_changed or self._counts_changed()
        if new_succeeded:
            uncounted["succeeded"] = (uncounted.get("succeeded") or []) + [p["metadata"]["uid"] for p in new_succeeded]
        if new_failed:
            uncounted["failed"] = (uncounted.get("failed") or []) + [p["metadata"]["uid"] for p in new_failed]
        if finished is not None:
            interim = "FailureTarget" if finished[0] != "SuccessCriteriaMet" else "SuccessCriteriaMet"
            needs_flush |= self._condition(interim, finished[1], finished[2])
        if needs_flush:
            self._write_status()
        # 2. remove the finalizers of finished pods (all of them once the Job is finishing)
        removable = [p for p in tracked if _phase(p) == "Succeeded" or p in considered_failed]
        for pod in removable:
            jm._remove_finalizer(pod)
            counted.add(pod["metadata"]["uid"])
        # 3. move the uncounted pods whose finalizer is gone into the counters
        removed = {p["metadata"]["uid"] for p in removable}
        uncounted = self.status.setdefault("uncountedTerminatedPods", {})
        moved = False
        for field, counter in (("succeeded", "succeeded"), ("failed", "failed")):
            uids = uncounted.get(field) or []
            gone = [u for u in uids if u in removed or u not in {p["metadata"]["uid"] for p in tracked}]
            if gone:
                self.status[counter] = self.status.get(counter, 0) + len(gone)
                left = [u for u in uids if u not in gone]
                if left:
                    uncounted[field] = left
                else:
                    uncounted.pop(field, None)
                moved = True
        # 4. the terminal condition, once nothing is left running or uncounted
        finished_now = False
        if finished is not None and not uncounted and not active and not self.status.get("terminating"):
            terminal = "Complete" if finished[0] == "SuccessCriteriaMet" else "Failed"
            self._condition(terminal, finished[1], finished[2])
            if terminal == "Complete":
                self.status["completionTime"] = rfc3339(self.now)
            finished_now = True
        if moved or finished_now:
            self._write_status()
        if finished_now:
            self._record_finished(finished)
        if new_succeeded or new_failed:
            self.said.insert(0, self._finished_pods_text(new_succeeded, new_failed))
        if manage_error is not None:
            raise manage_error
        return self._caption(succeeded, failed, finished, finished_now)

    def _counts_changed(self) -> bool:
        old = self.jm.job_lister.get(self.namespace, self.name) or {}
        old_status = old.get("status") or {}
        return any(old_status.get(k) != self.status.get(k) for k in ("active", "ready", "terminating"))

    def _failure(self, failed: int, pods: list[dict]) -> tuple[str, str, str] | None:
        """The failure condition this Job has reached, if any (backoff limit, then deadline)."""
        existing = get_condition(self.status.get("conditions"), "FailureTarget")
        if existing is not None and existing.get("status") == "True":
            return ("FailureTarget", existing.get("reason", ""), existing.get("message", ""))
        limit = self.spec.get("backoffLimit", 6)
        template = (self.spec.get("template") or {}).get("spec") or {}
        on_failure = template.get("restartPolicy") == "OnFailure"
        restarts = sum(_restarts(p) for p in pods if _phase(p) in ("Running", "Pending"))
        if failed > limit or (on_failure and (restarts > 0 if limit == 0 else restarts >= limit)):
            return ("FailureTarget",) + BACKOFF_LIMIT_EXCEEDED
        deadline = self.spec.get("activeDeadlineSeconds")
        start = parse_time(self.status.get("startTime"))
        if deadline and start is not None and not self.spec.get("suspend") and self.now - start >= deadline:
            return ("FailureTarget",) + DEADLINE_EXCEEDED
        return None

    def _suspend_condition(self) -> bool:
        current = get_condition(self.status.get("conditions"), "Suspended")
        if self.spec.get("suspend"):
            if self._condition("Suspended", "JobSuspended", "Job suspended"):
                self.jm.recorder.event(self.job, NORMAL, "Suspended", "Job suspended")
                self.said.append("suspends it")
                return True
        elif current is not None and current.get("status") == "True":
            self._condition("Suspended", "JobResumed", "Job resumed", status="False")
            self.jm.recorder.event(self.job, NORMAL, "Resumed", "Job resumed")
            self.status["startTime"] = rfc3339(self.now)
            self.said.append("resumes it")
            return True
        return False

    def _delete(self, pods: list[dict]) -> tuple[list[str], APIError | None]:
        if not pods:
            return [], None
        deleted, error = self.jm.pod_control.delete_pods(self.namespace, pods, self.job, lambda pod: None)
        if deleted:
            self.said.append(f"deletes its active {plural(len(deleted), 'pod')} {names(deleted)}")
        return [p["metadata"]["name"] for p in deleted], error

    def _manage(self, active: list[dict], succeeded: int) -> tuple[list[dict], APIError | None]:
        """``manageJob``: delete what is too many, or create what is missing after the back-off."""
        jm, key = self.jm, self.key
        if self.spec.get("suspend"):
            jm.expectations.expect_deletions(key, len(active))
            deleted, error = self._delete(active)
            for _ in range(len(active) - len(deleted)):
                jm.expectations.deletion_observed(key)
            return [p for p in active if p["metadata"]["name"] not in deleted], error
        parallelism = self.spec.get("parallelism", 1)
        completions = self.spec.get("completions")
        if completions is None:
            want = len(active) if succeeded > 0 else parallelism
        else:
            want = max(0, min(completions - succeeded, parallelism))
        if len(active) > want:
            victims = sorted(active, key=lambda p: (bool((p.get("spec") or {}).get("nodeName")),
                                                    _phase(p) == "Running", is_pod_ready(p)))[:len(active) - want]
            jm.expectations.expect_deletions(key, len(victims))
            deleted, error = self._delete(victims)
            for _ in range(len(victims) - len(deleted)):
                jm.expectations.deletion_observed(key)
            return [p for p in active if p["metadata"]["name"] not in deleted], error
        diff = min(want - len(active), MAX_POD_CREATE_DELETE_PER_SYNC)
        if diff <= 0:
            return active, None
        failures, last = jm.backoff.get(key, (0, 0.0))
        if failures:
            wait = min(POD_FAILURE_BACKOFF_SECONDS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_SECONDS)
            remaining = last + wait - jm.kernel.now_seconds
            if remaining > 0:
                jm.queue.add_after(key, remaining)
                self.said.append(f"waits {remaining:.0f}s (back-off after {plural(failures, 'failure')}) "
                                 "before creating a new pod")
                return active, None
        template = jm.copy(self.spec.get("template") or {})
        tmeta = template.setdefault("metadata", {})
        tmeta["finalizers"] = (tmeta.get("finalizers") or []) + [JOB_TRACKING_FINALIZER]
        ref = new_controller_ref(self.job, "batch/v1", "Job")
        jm.expectations.expect_creations(key, diff)
        successes, created, error, _ = slow_start_batch(
            diff, 1, lambda: jm.pod_control.create_pod(self.namespace, template, self.job, ref))
        for _ in range(diff - successes):
            jm.expectations.creation_observed(key)
        if created:
            self.said.append(f"creates {plural(len(created), 'pod')} {names(created)}")
        return active + created, error

    def _record_finished(self, finished: tuple[str, str, str]) -> None:
        if finished[0] == "SuccessCriteriaMet":
            completions = self.spec.get("completions")
            if completions is not None and self.status.get("succeeded", 0) > completions:
                self.jm.recorder.event(self.job, WARNING, "TooManySucceededPods",
                                       "Too many succeeded pods running after completion count reached")
            self.jm.recorder.event(self.job, NORMAL, "Completed", "Job completed")
        else:
            self.jm.recorder.event(self.job, WARNING, finished[1], finished[2])

    @staticmethod
    def _finished_pods_text(succeeded: list[dict], failed: list[dict]) -> str:
        parts = []
        if succeeded:
            parts.append(f"{names(succeeded)} succeeded")
        if failed:
            parts.append(f"{names(failed)} failed")
        return "counts " + " and ".join(parts)

    def _caption(self, succeeded: int, failed: int, finished: tuple[str, str, str] | None,
                 finished_now: bool) -> str:
        completions = self.spec.get("completions")
        head = (f"The job controller sees Job {self.name}: {succeeded}/{completions if completions is not None else 1} "
                f"succeeded, {self.status.get('active', 0)} active, {failed} failed")
        if finished_now and finished is not None:
            if finished[0] == "SuccessCriteriaMet":
                self.said.append("marks it Complete")
            else:
                self.said.append(f"marks it Failed ({finished[1]}: {finished[2]})")
        elif finished is not None:
            self.said.append(f"it is finishing ({finished[1]}): it waits for its pods to be counted")
        if self.said:
            return f"{head}: it {'; it '.join(self.said)}"
        return f"{head}: nothing to do"
