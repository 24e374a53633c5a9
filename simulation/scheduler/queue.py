"""The scheduling queue, as upstream's ``PriorityQueue`` (``pkg/scheduler/backend/queue``).

Three sub-queues hold every pod this scheduler is responsible for and has not bound yet; a pod is
in exactly one of them (or popped, for the length of one scheduling cycle):

* **activeQ** — pods ready to be tried, highest ``spec.priority`` first, then the earliest
  queued (upstream's ``PrioritySort`` queue-sort plugin); equal keys keep arrival order.
* **backoffQ** — pods that failed recently and wait out their backoff: 1 s after the first
  failure, doubling up to 10 s (``podInitialBackoffSeconds`` / ``podMaxBackoffSeconds``).
* **unschedulablePods** — pods no node could take. They stay parked until the cluster changes
  in a way that may help (:meth:`move_all_to_active_or_backoff`, called by the scheduler's event
  handlers: node added or changed, assigned pod deleted, …) and at most
  ``podMaxInUnschedulablePodsDuration`` (5 min): nothing is retried in a loop for no reason.

Promises, in virtual time:

* No polling: the queue schedules a kernel action only for the moment something is due (the
  earliest backoff expiry, the oldest unschedulable pod reaching 5 minutes), so an idle
  scheduler adds nothing to the timeline. A pod put in activeQ or backoffQ is work the kernel
  counts (``note_work``): the watch event that brought it is a story step.
* :meth:`pop` is O(log n); a cluster event that moves pods is O(pods parked).
* A pod that was updated while parked (its spec or labels, not just its status) is moved at once,
  as upstream's ``Update``: the change may be what makes it schedulable.
"""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from simulation.apimachinery.keys import object_key
from simulation.kernel import Kernel

POD_INITIAL_BACKOFF_SECONDS = 1.0
POD_MAX_BACKOFF_SECONDS = 10.0
#: Upstream's ``podMaxInUnschedulablePodsDuration``.
POD_MAX_IN_UNSCHEDULABLE_PODS_SECONDS = 300.0
#: Float rounding may bring the flush a hair before its due time; without slack it would
#: find nobody old enough and re-arm itself at the same instant, forever.
FLUSH_SLACK_SECONDS = 1e-6

ACTIVE, BACKOFF, UNSCHEDULABLE = "active", "backoff", "unschedulable"

# Cluster events (upstream ``framework.ClusterEvent`` labels) that may make parked pods schedulable.
NODE_ADD = "NodeAdd"
NODE_UPDATE = "NodeUpdate"
ASSIGNED_POD_ADD = "AssignedPodAdd"
ASSIGNED_POD_UPDATE = "AssignedPodUpdate"
ASSIGNED_POD_DELETE = "AssignedPodDelete"
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"
# storage (storage)
PVC_CHANGE = "PersistentVolumeClaimChange"
PV_CHANGE = "PersistentVolumeChange"
STORAGE_CLASS_CHANGE = "StorageClassChange"

#: Which plugins' rejections an event can undo (upstream's ``EventsToRegister``, coarsely): a pod
#: rejected only by other plugins stays parked. ``None`` means every rejection.
EVENT_PLUGINS: dict[str, frozenset[str] | None] = {
    NODE_ADD: None,
    NODE_UPDATE: None,
    ASSIGNED_POD_DELETE: None,
    ASSIGNED_POD_ADD: frozenset({"InterPodAffinity", "PodTopologySpread"}),
    ASSIGNED_POD_UPDATE: frozenset({"InterPodAffinity", "PodTopologySpread"}),
    # storage (storage)
    PVC_CHANGE: frozenset({"VolumeBinding"}),
    PV_CHANGE: frozenset({"VolumeBinding"}),
    STORAGE_CLASS_CHANGE: frozenset({"VolumeBinding"}),
}


def pod_priority(pod: dict) -> int:
    return int((pod.get("spec") or {}).get("priority") or 0)


@dataclass
class QueuedPodInfo:
    """A pod in the queue with its bookkeeping (upstream ``framework.QueuedPodInfo``)."""

    pod: dict
    key: str
    #: When the pod was last added to the queue (virtual seconds): the tie-break after priority.
    timestamp_seconds: float
    #: When it was first seen, for "pending for N s" in captions and records.
    initial_timestamp_seconds: float
    attempts: int = 0
    #: When the last failed attempt ended: the backoff counts from there.
    last_failure_seconds: float = 0.0
    #: Plugins that rejected the pod in its last attempt (empty: unknown, any event may help).
    unschedulable_plugins: frozenset[str] = field(default_factory=frozenset)
    where: str = ""
    #: Invalidates stale heap entries: only the entry carrying the current generation counts.
    generation: int = 0


def is_pod_updated(old: dict, new: dict) -> bool:
    """Upstream ``isPodUpdated``: did anything but status, resourceVersion, generation and
    managedFields change?"""
    if old.get("spec") != new.get("spec"):
        return True
    skip = ("resourceVersion", "generation", "managedFields")
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    keys = (old_meta.keys() | new_meta.keys()).difference(skip)
    return any(old_meta.get(k) != new_meta.get(k) for k in keys)


class SchedulingQueue:
    """activeQ + backoffQ + unschedulablePods, driven by the kernel's clock.

    ``on_active`` is called whenever activeQ goes from empty to non-empty, so the scheduler can
    schedule its next cycle; ``component`` names the kernel actions the queue schedules itself
    (backoff completion, the 5-minute flush).
    """

    def __init__(self, kernel: Kernel, *, component: str, on_active: Callable[[], None] = lambda: None,
                 initial_backoff_seconds: float = POD_INITIAL_BACKOFF_SECONDS,
                 max_backoff_seconds: float = POD_MAX_BACKOFF_SECONDS,
                 max_unschedulable_seconds: float = POD_MAX_IN_UNSCHEDULABLE_PODS_SECONDS) -> None:
        self.kernel = kernel
        self.component = component
        self.on_active = on_active
        self.initial_backoff_seconds = initial_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.max_unschedulable_seconds = max_unschedulable_seconds
        self._pods: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        # (-priority, timestamp, seq, generation, key)
        self._active: list[tuple[int, float, int, int, str]] = []
        self._active_count = 0
        # (backoff expiry, seq, generation, key)
        self._backoff: list[tuple[float, int, int, str]] = []
        self._backoff_count = 0
        # key -> time parked; dicts keep insertion order, so the first is the oldest.
        self._unschedulable: dict[str, float] = {}
        self._backoff_timer: Any = None
        self._backoff_timer_at: float | None = None
        self._flush_timer: Any = None
        #: Cumulative moves by cause, for status().
        self.moves: dict[str, int] = {}

    # ----------------------------------------------------------------- lengths
    def lengths(self) -> dict[str, int]:
        return {ACTIVE: self._active_count, BACKOFF: self._backoff_count, UNSCHEDULABLE: len(self._unschedulable)}

    def __len__(self) -> int:
        return len(self._pods)

    def __contains__(self, key: str) -> bool:
        return key in self._pods

    def get(self, key: str) -> QueuedPodInfo | None:
        return self._pods.get(key)

    def where(self, key: str) -> str | None:
        info = self._pods.get(key)
        return info.where if info else None

    # ----------------------------------------------------------------- adding and removing
    def add(self, pod: dict) -> None:
        """A new pending pod (informer add): straight to activeQ. A known pod is updated instead."""
        key = object_key(pod)
        if key in self._pods:
            self.update(self._pods[key].pod, pod)
            return
        now = self.kernel.now_seconds
        info = QueuedPodInfo(pod, key, now, now)
        self._pods[key] = info
        self._to_active(info)

    def update(self, old: dict, new: dict) -> None:
        """Upstream ``Update``: keep the newest object; a real change moves a parked pod."""
        key = object_key(new)
        info = self._pods.get(key)
        if info is None:
            self.add(new)
            return
        info.pod = new
        if info.where == ACTIVE:
            # Priority is immutable; the heap entry stays valid.
            return
        if not is_pod_updated(old, new):
            return
        if info.where == UNSCHEDULABLE:
            self._unschedulable.pop(key, None)
            self._maybe_cancel_flush()
            self._to_backoff_or_active(info)

    def delete(self, pod_or_key: dict | str) -> bool:
        key = pod_or_key if isinstance(pod_or_key, str) else object_key(pod_or_key)
        info = self._pods.pop(key, None)
        if info is None:
            return False
        self._leave(info)
        return True

    def _leave(self, info: QueuedPodInfo) -> None:
        if info.where == ACTIVE:
            self._active_count -= 1
        elif info.where == BACKOFF:
            self._backoff_count -= 1
        elif info.where == UNSCHEDULABLE:
            self._unschedulable.pop(info.key, None)
            self._maybe_cancel_flush()
        info.where = ""
        info.generation += 1

    def _maybe_cancel_flush(self) -> None:
        """Nothing parked any more: the 5-minute flush has nothing to do (keeps the timeline clean)."""
        if not self._unschedulable and self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None

    # ----------------------------------------------------------------- popping
    def pop(self) -> QueuedPodInfo | None:
        """The highest-priority active pod, removed from the queue for its scheduling cycle."""
        heap = self._active
        while heap:
            _, _, _, generation, key = heapq.heappop(heap)
            info = self._pods.get(key)
            if info is None or info.generation != generation or info.where != ACTIVE:
                continue
            self._active_count -= 1
            del self._pods[key]
            info.where = ""
            info.generation += 1
            info.attempts += 1
            return info
        return None

    def has_active(self) -> bool:
        return self._active_count > 0

    # ----------------------------------------------------------------- after a cycle
    def add_unschedulable(self, info: QueuedPodInfo, plugins: Iterable[str] = ()) -> str:
        """Upstream ``AddUnschedulableIfNotPresent``: a pod that no node could take is parked.

        Returns where it went. A pod that was deleted or bound meanwhile is not re-added
        (the caller only calls this for the pod it popped, which is no longer in the queue).
        """
        now = self.kernel.now_seconds
        info.last_failure_seconds = now
        info.timestamp_seconds = now
        info.unschedulable_plugins = frozenset(plugins)
        self._pods[info.key] = info
        info.where = UNSCHEDULABLE
        self._unschedulable.pop(info.key, None)  # re-parked: to the end, keeping parking order
        self._unschedulable[info.key] = now
        self._ensure_flush_timer()
        return UNSCHEDULABLE

    def add_backoff(self, info: QueuedPodInfo) -> str:
        """A cycle that ended in an error (a failed bind, an API error): retry after the backoff."""
        now = self.kernel.now_seconds
        info.last_failure_seconds = now
        info.timestamp_seconds = now
        self._pods[info.key] = info
        self._to_backoff_or_active(info)
        return info.where

    # ----------------------------------------------------------------- cluster events
    def move_all_to_active_or_backoff(self, event: str, pod_filter: Callable[[QueuedPodInfo], bool] | None = None) -> int:
        """Upstream ``MoveAllToActiveOrBackoffQueue``: parked pods the event may help go back to
        activeQ, or to backoffQ if their backoff has not run out yet. Returns how many moved."""
        if not self._unschedulable:
            return 0
        plugins = EVENT_PLUGINS.get(event)
        moved = 0
        for key in list(self._unschedulable):
            info = self._pods[key]
            if plugins is not None and info.unschedulable_plugins and not (info.unschedulable_plugins & plugins):
                continue
            if pod_filter is not None and not pod_filter(info):
                continue
            del self._unschedulable[key]
            self._to_backoff_or_active(info)
            moved += 1
        if moved:
            self.moves[event] = self.moves.get(event, 0) + moved
            self._maybe_cancel_flush()
        return moved

    # ----------------------------------------------------------------- internals
    def backoff_duration(self, info: QueuedPodInfo) -> float:
        """Upstream ``calculateBackoffDuration``: initial × 2^(attempts-1), capped."""
        duration = self.initial_backoff_seconds
        for _ in range(1, info.attempts):
            duration *= 2
            if duration >= self.max_backoff_seconds:
                return self.max_backoff_seconds
        return min(duration, self.max_backoff_seconds)

    def backoff_expiry(self, info: QueuedPodInfo) -> float:
        return info.last_failure_seconds + self.backoff_duration(info)

    def _to_active(self, info: QueuedPodInfo) -> None:
        self.kernel.note_work()
        was_empty = self._active_count == 0
        info.where = ACTIVE
        info.generation += 1
        heapq.heappush(self._active, (-pod_priority(info.pod), info.timestamp_seconds, next(self._seq),
                                      info.generation, info.key))
        self._active_count += 1
        if was_empty:
            self.on_active()

    def _to_backoff_or_active(self, info: QueuedPodInfo) -> None:
        expiry = self.backoff_expiry(info) if info.attempts else 0.0
        if expiry <= self.kernel.now_seconds:
            self._to_active(info)
            return
        info.where = BACKOFF
        info.generation += 1
        self.kernel.note_work()
        heapq.heappush(self._backoff, (expiry, next(self._seq), info.generation, info.key))
        self._backoff_count += 1
        self._ensure_backoff_timer()

    def _ensure_backoff_timer(self) -> None:
        """One kernel action at the earliest backoff expiry (re-armed if an earlier one appears)."""
        self._prune_backoff()
        if not self._backoff:
            return
        due = self._backoff[0][0]
        if self._backoff_timer is not None and self._backoff_timer_at is not None and self._backoff_timer_at <= due:
            return
        if self._backoff_timer is not None:
            self._backoff_timer.cancel()
        self._backoff_timer_at = due
        self._backoff_timer = self.kernel.schedule(due - self.kernel.now_seconds, self._flush_backoff_completed,
                                                   component=self.component, action="backoff-complete")

    def _prune_backoff(self) -> None:
        heap = self._backoff
        while heap:
            _, _, generation, key = heap[0]
            info = self._pods.get(key)
            if info is not None and info.generation == generation and info.where == BACKOFF:
                return
            heapq.heappop(heap)

    def _flush_backoff_completed(self) -> dict:
        """Upstream ``flushBackoffQCompleted``: pods whose backoff ran out go to activeQ."""
        self._backoff_timer = None
        self._backoff_timer_at = None
        now = self.kernel.now_seconds
        moved: list[str] = []
        heap = self._backoff
        while heap and heap[0][0] <= now:
            _, _, generation, key = heapq.heappop(heap)
            info = self._pods.get(key)
            if info is None or info.generation != generation or info.where != BACKOFF:
                continue
            self._backoff_count -= 1
            self._to_active(info)
            moved.append(key)
        self._ensure_backoff_timer()
        names = ", ".join(k.rpartition("/")[2] for k in moved[:5]) + (" …" if len(moved) > 5 else "")
        return {"caption": (f"{self.component}: {len(moved)} pod(s) finish their backoff and return to the active "
                            f"queue ({names})") if moved else f"{self.component}: no pod finishes its backoff",
                "housekeeping": not moved, "extra": {"moved": len(moved)}}

    def _ensure_flush_timer(self) -> None:
        if self._flush_timer is not None or not self._unschedulable:
            return
        oldest = next(iter(self._unschedulable.values()))
        delay = max(oldest + self.max_unschedulable_seconds - self.kernel.now_seconds, FLUSH_SLACK_SECONDS)
        self._flush_timer = self.kernel.schedule(delay, self._flush_unschedulable_leftover,
                                                 component=self.component, action="flush-unschedulable")

    def _flush_unschedulable_leftover(self) -> dict:
        """Upstream ``flushUnschedulablePodsLeftover``: pods parked for 5 minutes are retried anyway."""
        self._flush_timer = None
        now = self.kernel.now_seconds
        moved = 0
        for key, parked in list(self._unschedulable.items()):
            if now - parked < self.max_unschedulable_seconds - FLUSH_SLACK_SECONDS:
                break  # insertion order = parking order: the rest are younger
            del self._unschedulable[key]
            self._to_backoff_or_active(self._pods[key])
            moved += 1
        if moved:
            self.moves[UNSCHEDULABLE_TIMEOUT] = self.moves.get(UNSCHEDULABLE_TIMEOUT, 0) + moved
        self._ensure_flush_timer()
        waited = f"{int(self.max_unschedulable_seconds)} s"
        return {"caption": f"{self.component}: {moved} pod(s) have waited {waited} as unschedulable and are retried"
                if moved else f"{self.component}: no unschedulable pod has waited {waited} yet",
                "housekeeping": not moved, "extra": {"moved": moved}}
