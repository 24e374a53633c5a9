"""The TTL-after-finished controller, as upstream's ``pkg/controller/ttlafterfinished``: a Job
with ``ttlSecondsAfterFinished`` is deleted that many seconds after it finished (its ``Complete``
or ``Failed`` condition's transition time), on the virtual clock.

It deletes with ``propagationPolicy: Foreground`` and a uid precondition, as upstream does, so
the garbage collector removes the Job's pods before the Job itself disappears, and a Job
re-created under the same name in the meantime is left alone. It records no Events.
"""
from __future__ import annotations

from simulation.apimachinery.keys import split_key
from simulation.apimachinery.timestamps import parse_time
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import being_deleted


def finish_time(job: dict) -> float | None:
    """``jobFinishTime``: when the Complete or Failed condition became True."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished-controller"
    event_source = "ttl-after-finished-controller"

    def setup(self) -> None:
        informer = self.manager.informer("jobs")
        self.jobs = informer.lister
        informer.add_event_handler(self._maybe_enqueue, lambda old, cur: self._maybe_enqueue(cur), lambda job: None)

    def _maybe_enqueue(self, job: dict) -> None:
        if self._needs_cleanup(job):
            self.enqueue(job)

    @staticmethod
    def _needs_cleanup(job: dict) -> bool:
        return (job.get("spec") or {}).get("ttlSecondsAfterFinished") is not None and finish_time(job) is not None \
            and not being_deleted(job)

    def sync_handler(self, key: str) -> str | None:
        namespace, name = split_key(key)
        job = self.jobs.get(namespace, name)
        if job is None or not self._needs_cleanup(job):
            return None
        ttl = job["spec"]["ttlSecondsAfterFinished"]
        remaining = (finish_time(job) or 0.0) + ttl - self.kernel.wall_time()
        if remaining > 0:
            self.queue.add_after(key, remaining)
            return (f"The ttl-after-finished controller sees Job {name} finished; it will delete it in "
                    f"{remaining:.0f}s (ttlSecondsAfterFinished: {ttl})")
        try:  # upstream re-reads the Job from the API before deleting it
            fresh = self.client.get("jobs", namespace, name)
        except APIError as exc:
            if is_not_found(exc):
                return None
            raise
        if not self._needs_cleanup(fresh):
            return None
        self.client.delete("jobs", namespace, name, propagation_policy="Foreground",
                           preconditions={"uid": fresh["metadata"]["uid"]})
        return (f"The ttl-after-finished controller deletes Job {name}: it finished {ttl}s ago "
                "(foreground, so its pods go first)")
