"""The kubelet's pod workers (upstream's ``pod_workers.go``) and its PLEG.

Promises:

* Each pod bound to the node has one :class:`PodWorker` holding what the kubelet knows of it.
  A worker is woken (:meth:`PodWorkers._wake_at`) rather than run: at most one ``sync-pod``
  kernel action is pending per pod, at the earliest time anyone asked for, so no pod is synced
  twice at once and a nudge never delays a planned step.
* Each run does one step, chosen by the pod's state (:meth:`PodWorkers._next_step`), then posts
  the pod's status if it changed (as upstream's status manager, a ``pods/status`` patch).
* The PLEG relists the runtime every second: a change the kubelet did not make (a fault) wakes
  the pod's worker at the next relist, and that step reports what the relist saw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError
from simulation.kernel import Timer

from . import runtime as rt
from .status import pod_status

#: How soon a worker takes its next step after a change that needs one.
SYNC_SECONDS = 0.05
#: Upstream's PLEG relists the runtime every second.
PLEG_RELIST_SECONDS = 1.0


def resource_version(obj: dict) -> int:
    """The object's resourceVersion as a number, so an older copy never replaces a newer one."""
    try:
        return int(obj["metadata"].get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


@dataclass
class PodWorker:
    """One pod's worker: the latest pod seen, its next wake-up, and what the kubelet keeps of it
    between steps (pulls, back-offs, probe results, exits already handled, deletion progress)."""

    uid: str
    pod: dict
    timer: Timer | None = None
    wake_at: float = math.inf
    admitted: bool = False
    rejected: bool = False
    start_time: str = ""
    #: Pulls under way, by container name.
    pulls: dict[str, rt.PullTicket] = field(default_factory=dict)
    #: Containers whose image is ready: the next step creates them.
    image_ready: set[str] = field(default_factory=set)
    #: Waiting reasons shown in the status (CrashLoopBackOff), by container name.
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The exited container each back-off was announced for, by container name.
    backoff_noted: dict[str, str] = field(default_factory=dict)
    #: The last failed pull's error, by container name.
    pull_errors: dict[str, str] = field(default_factory=dict)
    #: Containers whose readiness probe has passed.
    ready_ids: set[str] = field(default_factory=set)
    probe_timers: dict[tuple[str, str], Timer] = field(default_factory=dict)
    probe_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Exits (container ids) and dead sandboxes the kubelet has already taken in.
    known_exits: set[str] = field(default_factory=set)
    handled_sandboxes: set[str] = field(default_factory=set)
    #: "" → "killing" → "stopped" → "deleted" for a pod being deleted.
    terminating: str = ""
    deleted: bool = False
    #: A static pod (from the node's manifest directory, :mod:`.static_pods`): ``pod`` is the
    #: kubelet's own copy, its status goes to the mirror pod.
    static: bool = False
    #: Mirror pods (uids) this static pod's worker has deleted, which the informer may still hold.
    deleted_mirrors: set[str] = field(default_factory=set)
    #: The mirror pod this worker created last (until it is deleted), which the informer may not
    #: hold yet: its absence from the cache is then the watch's delay, not a deletion.
    mirror_uid: str = ""

    @property
    def namespace(self) -> str:
        return self.pod["metadata"].get("namespace", "")

    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class PodWorkers:
    """The Kubelet's pod workers, PLEG and pod status posts.

    Part of :class:`~.kubelet.Kubelet`, as upstream's ``podWorkers`` drive the Kubelet's own
    ``SyncPod``: it uses the Kubelet's ``kernel``, ``name``, ``node``, ``client``, ``recorder``,
    ``spec``, ``runtime``, ``backoff`` and ``workers``; each step is the Kubelet's ``_admit``, or
    its runtime manager's (:class:`~.kuberuntime_manager.KubeRuntimeManager`) ``sync_pod``,
    ``kill_pod`` or ``_finished_step``.
    """

    # ----------------------------------------------------------------- waking a worker
    def _wake(self, w: PodWorker, delay: float) -> None:
        self._wake_at(w, self.kernel.now_seconds + max(0.0, delay))

    def _wake_at(self, w: PodWorker, at: float) -> None:
        if w.timer is not None and not w.timer.cancelled and w.wake_at <= at + 1e-9:
            return
        if w.timer is not None:
            w.timer.cancel()
        w.wake_at = at
        w.timer = self.kernel.schedule(at - self.kernel.now_seconds, lambda uid=w.uid: self._pod_worker_loop(uid),
                                       component=self.name, action="sync-pod")

    def _pod_worker_loop(self, uid: str) -> dict:
        """One run of the pod's worker: its next step, then its status. A run with nothing to do
        and no status to post is housekeeping."""
        w = self.workers.get(uid)
        if w is None:
            return {"housekeeping": True}
        w.timer, w.wake_at = None, math.inf
        writes = self.client.writes
        caption = self._next_step(w)
        if uid in self.workers and not w.deleted and w.terminating != "deleted" and not w.rejected:
            self._post_status(w)
        idle = caption is None and self.client.writes == writes
        if caption is None:
            caption = f"kubelet on {self.node}: pod {w.key} is as it should be"
        return {"caption": caption, "object": self._described(w), "housekeeping": idle,
                "extra": {"node": self.node, "pod_uid": uid}}

    def _next_step(self, w: PodWorker) -> str | None:
        """Which work the pod gets, as upstream's worker picks ``SyncPod``, ``SyncTerminatingPod`` or
        ``SyncTerminatedPod`` by the pod's state: clean up a deleted pod, kill a pod being deleted,
        leave a rejected one, release a finished one's sandbox, admit a new one, take in what the
        PLEG saw, and otherwise sync the pod."""
        if w.deleted and w.terminating != "deleted":
            self.runtime.remove_pod(w.uid)
            self._forget(w)
            return f"kubelet on {self.node} removes the containers and sandbox of deleted pod {w.key}"
        if w.terminating == "deleted":
            return None
        if w.pod["metadata"].get("deletionTimestamp"):
            return self.kill_pod(w)
        if w.rejected:
            return None
        if (w.pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return self._finished_step(w)
        if not w.admitted:
            return self._admit(w)
        if w.static:
            mirrored = self._sync_mirror_pod(w)
            if mirrored:
                return mirrored
        noticed = self._notice_exits(w)
        if noticed:
            return noticed
        return self.sync_pod(w)

    def _forget(self, w: PodWorker) -> None:
        if w.timer is not None:
            w.timer.cancel()
        for timer in w.probe_timers.values():
            timer.cancel()
        self.backoff.forget_pod(w.uid)
        self.workers.pop(w.uid, None)

    def _described(self, w: PodWorker) -> dict:
        return {"kind": "Pod", "namespace": w.namespace, "name": w.name}

    def _event(self, w: PodWorker, type_: str, reason: str, message: str, container: dict | None = None,
               init: bool = False) -> None:
        """An Event about the pod, about one of its containers when ``container`` is given."""
        path = ""
        if container is not None:
            path = f"spec.{'initContainers' if init else 'containers'}{{{container['name']}}}"
        self.recorder.event(w.pod, type_, reason, message, field_path=path)

    # ----------------------------------------------------------------- status
    def _post_status(self, w: PodWorker) -> None:
        sandboxes = self.runtime.sandboxes_of(w.uid)
        status = pod_status(w.pod, self.runtime, host_ip=self.spec.internal_ip, epoch=self.kernel.epoch,
                            now_seconds=self.kernel.now_seconds, start_time=w.start_time or rfc3339(
                                self.kernel.wall_time()), waiting=w.waiting, ready_ids=w.ready_ids,
                            sandbox=sandboxes[-1] if sandboxes else None,
                            deleting=w.terminating in ("stopped", "deleted"))
        old = w.pod.get("status") or {}
        if all(old.get(k) == v for k, v in status.items()):
            return
        try:
            updated = self.client.patch("pods", w.namespace, w.name, {"status": status}, subresource="status")
        except APIError:
            return
        if w.static:
            w.pod = {**w.pod, "status": updated.get("status") or status}
        elif resource_version(updated) >= resource_version(w.pod):
            w.pod = updated
        if status["phase"] in ("Succeeded", "Failed") and not w.terminating:
            self._wake(w, SYNC_SECONDS)

    # ----------------------------------------------------------------- PLEG
    def _runtime_changed(self, container: rt.Container) -> None:
        """The runtime changed behind the kubelet's back: the next PLEG relist sees it."""
        w = self.workers.get(container.pod_uid)
        if self.running and w is not None:
            self._wake_at(w, self._next_relist())

    def _next_relist(self) -> float:
        return (math.floor(self.kernel.now_seconds / PLEG_RELIST_SECONDS) + 1) * PLEG_RELIST_SECONDS

    def _notice_exits(self, w: PodWorker) -> str | None:
        """Take in the exits (and dead pause containers) the relist shows that no step has handled."""
        seen = []
        for sandbox in self.runtime.sandboxes_of(w.uid):
            pause = sandbox.pause
            if pause is not None and pause.state == rt.EXITED and pause.id not in w.known_exits:
                w.known_exits.add(pause.id)
                seen.append(f"the pause container exited (exit code {pause.exit_code}): the sandbox is NotReady")
        for c in self.runtime.containers_of(w.uid):
            if c.state == rt.EXITED and c.id not in w.known_exits:
                w.known_exits.add(c.id)
                self._cancel_probes(w, c.id)
                seen.append(f"container {c.name} exited (exit code {c.exit_code}, {c.reason})")
        if not seen:
            return None
        self._wake(w, SYNC_SECONDS)
        return f"kubelet on {self.node}: the PLEG relist sees that in pod {w.key} " + "; ".join(seen)
