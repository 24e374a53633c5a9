"""The kubelet's prober (upstream's ``pkg/kubelet/prober``): liveness and readiness probes of
running containers, each probe a kernel action.

Promises:

* Only probes that will fail take kernel actions (:mod:`.behaviour` says which, from the pod's
  YAML); a readiness probe that passes takes one, when the container becomes ready, and the
  pod's status is posted at once.
* A failing probe records ``Unhealthy`` and is tried again every ``periodSeconds``; a failing
  liveness probe kills the container (exit 137) after ``failureThreshold`` failures in a row, and
  the pod's worker restarts it.
* Probes start after ``initialDelaySeconds`` counted from the container's start, and stop when the
  container exits or is stopped (:meth:`Prober._cancel_probes`).
"""
from __future__ import annotations

from simulation.client.events import NORMAL, WARNING

from . import behaviour, events
from . import runtime as rt
from .pod_workers import SYNC_SECONDS, PodWorker


class Prober:
    """The Kubelet's probe manager.

    Part of :class:`~.kubelet.Kubelet`: it uses the Kubelet's ``kernel``, ``name``, ``node``,
    ``runtime`` and ``workers``, and its pod workers (:class:`~.pod_workers.PodWorkers`) to record
    Events, post the pod's status and wake the pod's worker. Probe timers and results are kept in
    the pod's :class:`~.pod_workers.PodWorker`, so forgetting the pod forgets them.
    """

    def _schedule_probes(self, w: PodWorker, container: dict, c: rt.Container) -> None:
        """Start probing a container that has just started (or that a restarted kubelet adopts)."""
        ip = self._pod_ip(w)
        for kind in ("liveness", "readiness"):
            if not container.get(f"{kind}Probe"):
                continue
            failure = behaviour.probe_failure(w.pod, container, kind, ip)
            if kind == "liveness" and failure is None:
                continue  # a passing liveness probe changes nothing anyone can see
            delay, _, _ = behaviour.probe_timing(container, kind)
            since_start = self.kernel.now_seconds - (c.started_at or self.kernel.now_seconds)
            self._schedule_probe(w, c.id, container["name"], kind, max(0.0, delay - since_start))

    def _schedule_probe(self, w: PodWorker, cid: str, name: str, kind: str, delay: float) -> None:
        key = (cid, kind)
        w.probe_timers[key] = self.kernel.schedule(
            delay, lambda: self._probe(w.uid, cid, name, kind), component=self.name, action=f"{kind}-probe")

    def _cancel_probes(self, w: PodWorker, cid: str) -> None:
        for key in [k for k in w.probe_timers if k[0] == cid]:
            w.probe_timers.pop(key).cancel()

    def _pod_ip(self, w: PodWorker) -> str:
        sandboxes = self.runtime.sandboxes_of(w.uid)
        return sandboxes[-1].ip if sandboxes else ""

    def _probe(self, uid: str, cid: str, name: str, kind: str) -> dict:
        """One probe of one container (a kernel action): record the result, act on it, and
        schedule the next probe unless it was the last one needed."""
        w = self.workers.get(uid)
        c = self.runtime.get(cid)
        if w is None or c is None or c.state != rt.RUNNING:
            return {"caption": f"kubelet on {self.node}: the {kind} probe of {name} has nothing to probe",
                    "housekeeping": True}
        w.probe_timers.pop((cid, kind), None)
        container = next((x for x in (w.pod.get("spec") or {}).get("containers") or [] if x["name"] == name),
                         {"name": name})
        _, period, threshold = behaviour.probe_timing(container, kind)
        failure = behaviour.probe_failure(w.pod, container, kind, self._pod_ip(w))
        label = kind.capitalize()
        if failure is None:
            w.ready_ids.add(cid)
            self._post_status(w)
            return {"caption": f"kubelet on {self.node}: the readiness probe of {name} in {w.key} succeeds; "
                               f"the container is ready", "object": self._described(w)}
        failures = w.probe_failures.get((cid, kind), 0) + 1
        w.probe_failures[(cid, kind)] = failures
        self._event(w, WARNING, events.CONTAINER_UNHEALTHY, f"{label} probe failed: {failure}", container)
        if kind == "liveness" and failures >= threshold:
            self._event(w, NORMAL, events.KILLING_CONTAINER,
                        f"Container {name} failed liveness probe, will be restarted", container)
            self.runtime.stop_container(cid, exit_code=137, reason="Error")
            w.known_exits.add(cid)
            w.ready_ids.discard(cid)
            self._post_status(w)
            self._wake(w, SYNC_SECONDS)
            return {"caption": f"kubelet on {self.node}: the liveness probe of {name} in {w.key} failed "
                               f"{failures} times in a row; it kills the container to restart it",
                    "object": self._described(w)}
        self._schedule_probe(w, cid, name, kind, period)
        return {"caption": f"kubelet on {self.node}: the {kind} probe of {name} in {w.key} fails "
                           f"({failures}/{threshold}): {failure}", "object": self._described(w)}
