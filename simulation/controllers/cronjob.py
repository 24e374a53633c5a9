"""The CronJob controller, as upstream's ``pkg/controller/cronjob/cronjob_controllerv2.go``: on each
schedule time of the virtual clock it creates a Job from ``jobTemplate``, then follows its Jobs.

Promises, as upstream keeps them:

* **Timing.** A sync finds the most recent schedule time missed since ``lastScheduleTime`` (or
  the CronJob's creation) and requeues itself for the next one, so nothing polls. More than 100
  missed times without ``startingDeadlineSeconds`` records ``TooManyMissedTimes``; a time older
  than the deadline is skipped with ``MissSchedule``. The schedule is read in ``timeZone``, or
  UTC (the controller manager's zone here).
* **Jobs** are named ``<cronjob>-<scheduled time in minutes since the epoch>`` (so a retried
  sync cannot start the same run twice), labelled and annotated from the template, with the
  ``batch.kubernetes.io/cronjob-scheduled-timestamp`` annotation and a controller reference.
* **concurrencyPolicy**: ``Allow`` runs side by side; ``Forbid`` skips a run while one is
  active (``JobAlreadyActive``); ``Replace`` deletes the active Jobs first.
* **Status**: ``active`` references the running Jobs; ``lastScheduleTime`` and
  ``lastSuccessfulTime`` are kept. Finished Jobs beyond ``successfulJobsHistoryLimit`` /
  ``failedJobsHistoryLimit`` are deleted, oldest first.
* **Events** from ``cronjob-controller``: ``SuccessfulCreate`` "Created job NAME",
  ``SawCompletedJob`` "Saw completed job: NAME, condition: Complete", ``SuccessfulDelete``
  "Deleted job NAME", ``MissingJob``, ``JobAlreadyActive``, ``MissSchedule``,
  ``TooManyMissedTimes``, ``UnknownTimeZone``.
"""
from __future__ import annotations

from simulation.apimachinery import cron
from simulation.apimachinery.keys import object_key, split_key
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError, is_already_exists, is_not_found
from simulation.client.events import NORMAL, WARNING

from .base import Controller
from .controller_utils import being_deleted, controller_ref_of, new_controller_ref
from .job import is_job_finished

SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
#: Upstream gives up counting missed times past this many.
MAX_MISSED_TIMES = 100


def job_name(cron_job: dict, scheduled: float) -> str:
    """``getJobName``: the CronJob's name and the scheduled time in minutes since the epoch."""
    return f"{cron_job['metadata']['name']}-{int(scheduled) // 60}"


def _job_ref(job: dict) -> dict:
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta.get("namespace", ""), "name": meta["name"], "uid": meta["uid"],
            "apiVersion": "batch/v1", "resourceVersion": meta.get("resourceVersion", "")}


class CronJobController(Controller):
    name = "cronjob"
    event_source = "cronjob-controller"

    def setup(self) -> None:
        cron_informer = self.manager.informer("cronjobs")
        job_informer = self.manager.informer("jobs")
        self.cron_jobs = cron_informer.lister
        self.jobs = job_informer.lister
        cron_informer.add_event_handler(self.enqueue, self._update_cron_job, lambda cj: None)
        job_informer.add_event_handler(self._job_changed, lambda old, cur: self._job_changed(cur), self._job_changed)

    def _update_cron_job(self, old: dict, cur: dict) -> None:
        if (old.get("spec") or {}).get("schedule") != (cur.get("spec") or {}).get("schedule") or \
                (old.get("spec") or {}).get("timeZone") != (cur.get("spec") or {}).get("timeZone"):
            self.queue.add(object_key(cur))  # a new schedule: compute the next time now
        else:
            self.enqueue(cur)

    def _job_changed(self, job: dict) -> None:
        ref = controller_ref_of(job)
        if ref is None or ref.get("kind") != "CronJob":
            return
        owner = self.cron_jobs.get(job["metadata"].get("namespace", ""), ref.get("name", ""))
        if owner is not None and owner["metadata"].get("uid") == ref.get("uid"):
            self.enqueue(owner)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str | None:
        namespace, name = split_key(key)
        cached = self.cron_jobs.get(namespace, name)
        if cached is None:
            return None
        cj = self.copy(cached)
        status = cj.setdefault("status", {})
        said: list[str] = []
        owned = [j for j in self.jobs.list(namespace)
                 if (controller_ref_of(j) or {}).get("uid") == cj["metadata"]["uid"]]
        changed = self._sync_active(cj, owned, said)
        changed |= self._cleanup(cj, owned, said)
        if being_deleted(cj):
            if changed:
                self.client.update_status("cronjobs", cj)
            return None
        next_at, created = self._schedule(cj, said)
        if created or changed:
            self.client.update_status("cronjobs", cj)
        if next_at is not None:
            self.queue.add_after(key, max(0.0, next_at - self.kernel.wall_time()) + 0.001)
        head = f"The cronjob controller sees CronJob {name} ({cj['spec'].get('schedule', '')}): "
        active = len(status.get("active") or [])
        if said:
            return head + "it " + "; it ".join(said)
        when = f"next run at {rfc3339(next_at)}" if next_at is not None else "no next run"
        return head + f"{active} active, {when}: nothing to do"

    def _sync_active(self, cj: dict, owned: list[dict], said: list[str]) -> bool:
        """Finished Jobs leave ``active`` (``SawCompletedJob``); deleted ones too (``MissingJob``)."""
        status = cj["status"]
        active = list(status.get("active") or [])
        by_uid = {j["metadata"]["uid"]: j for j in owned}
        keep, changed = [], False
        for ref in active:
            job = by_uid.get(ref.get("uid"))
            if job is None:
                try:
                    self.client.get("jobs", ref.get("namespace", ""), ref.get("name", ""))
                    keep.append(ref)
                    continue
                except APIError as exc:
                    if not is_not_found(exc):
                        raise
                self.recorder.event(cj, NORMAL, "MissingJob", f"Active job went missing: {ref.get('name')}")
                said.append(f"forgets Job {ref.get('name')}, which went missing")
                changed = True
                continue
            finished, how = is_job_finished(job)
            if finished:
                self.recorder.event(cj, NORMAL, "SawCompletedJob",
                                    f"Saw completed job: {job['metadata']['name']}, condition: {how}")
                said.append(f"sees Job {job['metadata']['name']} finished ({how})")
                if how == "Complete":
                    done = (job.get("status") or {}).get("completionTime")
                    last = parse_time(status.get("lastSuccessfulTime"))
                    if done and (last is None or (parse_time(done) or 0) > last):
                        status["lastSuccessfulTime"] = done
                changed = True
                continue
            keep.append(ref)
        for job in owned:
            if not is_job_finished(job)[0] and job["metadata"]["uid"] not in {r.get("uid") for r in keep} \
                    and not being_deleted(job):
                keep.append(_job_ref(job))
                changed = True
        if changed:
            if keep:
                status["active"] = keep
            else:
                status.pop("active", None)
        return changed

    def _cleanup(self, cj: dict, owned: list[dict], said: list[str]) -> bool:
        """``cleanupFinishedJobs``: keep the newest finished Jobs up to each history limit."""
        spec = cj.get("spec") or {}
        deleted = False
        for how, field in (("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")):
            limit = spec.get(field)
            if limit is None:
                continue
            done = [j for j in owned if is_job_finished(j) == (True, how) and not being_deleted(j)]
            done.sort(key=lambda j: (parse_time((j.get("status") or {}).get("startTime"))
                                     or parse_time(j["metadata"].get("creationTimestamp")) or 0.0,
                                     j["metadata"]["name"]))
            for job in done[:max(0, len(done) - limit)]:
                if self._delete_job(cj, job):
                    said.append(f"deletes Job {job['metadata']['name']} ({field}: {limit})")
                    deleted = True
        return deleted

    def _delete_job(self, cj: dict, job: dict) -> bool:
        try:
            self.client.delete("jobs", job["metadata"].get("namespace", ""), job["metadata"]["name"],
                               propagation_policy="Background")
        except APIError as exc:
            if is_not_found(exc):
                return False
            self.recorder.event(cj, WARNING, "FailedDelete", f"Deleted job: {exc}")
            raise
        self.recorder.event(cj, NORMAL, "SuccessfulDelete", f"Deleted job {job['metadata']['name']}")
        return True

    def _schedule(self, cj: dict, said: list[str]) -> tuple[float | None, bool]:
        """Start the run that is due, if any; returns (the next schedule time, whether a Job was made)."""
        spec, status = cj.get("spec") or {}, cj["status"]
        zone = spec.get("timeZone") or ""
        if zone and not cron.valid_time_zone(zone):
            self.recorder.event(cj, WARNING, "UnknownTimeZone", f"invalid timeZone: {zone!r}: unknown time zone {zone}")
            return None, False
        try:
            schedule = cron.parse_standard(spec.get("schedule", ""))
        except cron.CronError as exc:
            self.recorder.event(cj, WARNING, "UnparseableSchedule",
                                f"unparseable schedule: {spec.get('schedule')!r} : {exc}")
            return None, False
        now = self.kernel.wall_time()
        earliest = parse_time(status.get("lastScheduleTime")) or parse_time(cj["metadata"].get("creationTimestamp")) \
            or now
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - deadline)
        due = schedule.activations(earliest, now, zone, limit=MAX_MISSED_TIMES + 1)
        next_at = schedule.next_after(now, zone)
        if spec.get("suspend") or not due:
            return next_at, False
        if len(due) > MAX_MISSED_TIMES:
            self.recorder.event(cj, WARNING, "TooManyMissedTimes", "too many missed start times. Set or decrease "
                                ".spec.startingDeadlineSeconds or check clock skew")
        scheduled = due[-1]
        if deadline is not None and scheduled < now - deadline:
            self.recorder.event(cj, WARNING, "MissSchedule", f"Missed scheduled time to start a job: {rfc3339(scheduled)}")
            return next_at, False
        policy = spec.get("concurrencyPolicy", "Allow")
        active = status.get("active") or []
        if policy == "Forbid" and active:
            self.recorder.event(cj, NORMAL, "JobAlreadyActive",
                                "Not starting job because prior execution is running and concurrency policy is Forbid")
            said.append("skips this run: the last one still runs and concurrencyPolicy is Forbid")
            return next_at, False
        if policy == "Replace":
            for ref in active:
                job = self.jobs.get(ref.get("namespace", ""), ref.get("name", ""))
                if job is not None and self._delete_job(cj, job):
                    said.append(f"replaces Job {ref.get('name')}")
            status.pop("active", None)
        job = self._job_from_template(cj, scheduled)
        try:
            created = self.client.create("jobs", job, cj["metadata"].get("namespace", ""))
        except APIError as exc:
            if not is_already_exists(exc):
                self.recorder.event(cj, WARNING, "FailedCreate", f"Error creating job: {exc}")
                raise
            status["lastScheduleTime"] = rfc3339(scheduled)
            return next_at, True  # a retried sync: this run exists already
        self.recorder.event(cj, NORMAL, "SuccessfulCreate", f"Created job {created['metadata']['name']}")
        status["active"] = (status.get("active") or []) + [_job_ref(created)]
        status["lastScheduleTime"] = rfc3339(scheduled)
        said.append(f"creates Job {created['metadata']['name']} for the run due at {rfc3339(scheduled)}")
        return next_at, True

    def _job_from_template(self, cj: dict, scheduled: float) -> dict:
        """``getJobFromTemplate2``: labels, annotations and spec of ``jobTemplate``, the scheduled
        time annotation, and the CronJob as controller."""
        template = self.copy((cj.get("spec") or {}).get("jobTemplate") or {})
        tmeta = template.get("metadata") or {}
        annotations = dict(tmeta.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339(scheduled)
        meta = {"name": job_name(cj, scheduled), "namespace": cj["metadata"].get("namespace", ""),
                "annotations": annotations,
                "ownerReferences": [new_controller_ref(cj, "batch/v1", "CronJob")]}
        if tmeta.get("labels"):
            meta["labels"] = dict(tmeta["labels"])
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template.get("spec") or {}}
