"""Informers, as client-go's reflector + shared informer + indexer, run by the kernel.

Promises (those of ``tools/cache/shared_informer.go``, in virtual time):

* The informer lists, then watches from the list's ``resourceVersion``; every change
  reaches the handlers once, in order, each delivery being one kernel action.
* Its cache (the :class:`Lister`) reflects every event delivered so far — not the store:
  it may lag, and components must live with that (expectations, requeues).
* When the watch ends it re-watches from the last revision it saw; when that revision is
  compacted (410 Gone) it relists. Events dropped on the way (fault injection) leave the
  cache wrong until the periodic relist, which diffs the fresh list against the cache and
  tells the handlers what they missed. Every resync period the handlers also get an update
  for every cached object, so controllers re-check state they might have given up on.
* Handlers must not do work: they turn objects into keys and enqueue them. A delivery (or a
  relist, or a resync) is a story step when a handler queued work because of it, and
  housekeeping when nobody did: a change only cached, or whose work was queued already.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from simulation.apimachinery.keys import object_key
from simulation.apiserver.watch import node_trigger
from simulation.kernel import API_SERVER, Kernel

from .apiclient import APIClient, APIError

Handler = Callable[..., None]
#: The watch timeout informers ask for; client-go picks 5–10 minutes.
WATCH_TIMEOUT_SECONDS = 300
#: A relist the API server refused (after a 410) is tried again this much later.
RELIST_RETRY_SECONDS = 1.0
#: The watch event types that carry a write (a bookmark or an ERROR carries none).
CHANGES = frozenset({"ADDED", "MODIFIED", "DELETED"})


class DropCounter:
    """The "drop the next N watch events to this component" fault, optionally only those of
    one resource and namespace (a controller manager also hears every Lease renewal)."""

    def __init__(self) -> None:
        self.remaining = 0
        self.resource = ""
        self.namespace = ""
        self.dropped = 0

    def arm(self, count: int, resource: str = "", namespace: str = "") -> None:
        self.remaining += count
        self.resource = resource
        self.namespace = namespace

    def take(self, resource: str, namespace: str) -> bool:
        if self.remaining <= 0 or (self.resource and resource != self.resource) or (
                self.namespace and namespace != self.namespace):
            return False
        self.remaining -= 1
        self.dropped += 1
        return True


class Lister:
    """Read-only view of an informer's cache. Never change what it returns: copy first."""

    def __init__(self, items: dict[str, dict]) -> None:
        self._items = items

    def get(self, namespace: str, name: str) -> dict | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def get_by_key(self, key: str) -> dict | None:
        return self._items.get(key)

    def list(self, namespace: str | None = None, predicate: Callable[[dict], bool] | None = None) -> list[dict]:
        out = []
        for obj in self._items.values():
            if namespace is not None and obj["metadata"].get("namespace", "") != namespace:
                continue
            if predicate is None or predicate(obj):
                out.append(obj)
        return out

    def __len__(self) -> int:
        return len(self._items)


class Informer:
    def __init__(self, kernel: Kernel, client: APIClient, resource: str, *, component: str, namespace: str = "",
                 field_selector: str = "", label_selector: str = "", relist_period_seconds: float = 60.0,
                 resync_period_seconds: float = 0.0, drops: DropCounter | None = None) -> None:
        self.kernel = kernel
        self.client = client
        self.resource = resource
        self.component = component
        self.namespace = namespace
        self.field_selector = field_selector
        self.label_selector = label_selector
        self.relist_period_seconds = relist_period_seconds
        self.resync_period_seconds = resync_period_seconds
        self._items: dict[str, dict] = {}
        self.lister = Lister(self._items)
        self._handlers: list[tuple[Handler | None, Handler | None, Handler | None]] = []
        self._watcher = None
        self._pending: deque[dict] = deque()
        self._delivering = False
        self.resource_version = ""
        self.has_synced = False
        self.running = False
        #: Fault injection, shared by a component's informers: watch events to lose on the way.
        self.drops = drops if drops is not None else DropCounter()

    def add_event_handler(self, on_add: Handler | None = None, on_update: Handler | None = None,
                          on_delete: Handler | None = None) -> None:
        self._handlers.append((on_add, on_update, on_delete))

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """List now (the initial list is part of starting, as ``WaitForCacheSync``), then watch."""
        self.running = True
        try:
            self._relist()
        except APIError as exc:
            self._retry_relist(exc)
        self.kernel.add_pump(self.pump, (self.resource, node) if (node := node_trigger(
            self.resource, self.field_selector)) else self.resource, self.component)
        if self.relist_period_seconds:
            self._schedule_relist()
        if self.resync_period_seconds:
            self.kernel.schedule(self.resync_period_seconds, self._resync, component=self.component, action="resync")

    def stop(self) -> None:
        self.running = False
        self.kernel.remove_pump(self.pump)
        self._watcher = None
        self._pending.clear()
        self._delivering = False

    def _schedule_relist(self) -> None:
        jitter = self.kernel.rng.uniform(0, 0.1 * self.relist_period_seconds)
        self.kernel.schedule(self.relist_period_seconds + jitter, self._periodic_relist, component=self.component,
                             action="relist")

    def _periodic_relist(self) -> dict:
        if not self.running:
            return {"housekeeping": True}
        self._schedule_relist()
        try:
            return self._relist_step()
        except APIError as exc:
            return self._retry_relist(exc)

    def _retry_relist(self, exc: APIError) -> dict:
        """A list the API server refused (etcd without a quorum, say): the reflector logs it and
        lists again after a pause, keeping what its cache has."""
        self.kernel.schedule(RELIST_RETRY_SECONDS, self._retried_relist, component=self.component, action="relist")
        return {"caption": f"{self.component} failed to list {self.resource}: {exc}; it lists again in "
                           f"{RELIST_RETRY_SECONDS:g} s", "highlight": [API_SERVER, self.component],
                "extra": {"resource": self.resource, "error": str(exc)}}

    def _retried_relist(self) -> dict:
        if not self.running:
            return {"housekeeping": True}
        try:
            return self._relist_step()
        except APIError as exc:
            return self._retry_relist(exc)

    def _relist_step(self) -> dict:
        """One relist as a step: housekeeping unless a handler acted on what the cache had missed."""
        before = self.kernel.work_queued
        changed = self._relist()
        return {"caption": f"{self.component} re-lists {self.resource}: {changed} change(s) it had missed"
                if changed else f"{self.component} re-lists {self.resource}: its cache was right",
                "housekeeping": self.kernel.work_queued == before,
                "extra": {"resource": self.resource, "missed": changed}}

    def _resync(self) -> dict:
        if not self.running:
            return {"housekeeping": True}
        self.kernel.schedule(self.resync_period_seconds, self._resync, component=self.component, action="resync")
        before = self.kernel.work_queued
        for obj in list(self._items.values()):
            for _, on_update, _ in self._handlers:
                if on_update:
                    on_update(obj, obj)
        return {"caption": f"{self.component} resyncs its {len(self._items)} cached {self.resource}",
                "housekeeping": self.kernel.work_queued == before}

    def _relist(self) -> int:
        """List, replace the cache, tell handlers about every difference; restart the watch."""
        items, rv = self.client.list(self.resource, self.namespace, label_selector=self.label_selector,
                                     field_selector=self.field_selector)
        fresh = {object_key(o): o for o in items}
        changed = 0
        for key, old in list(self._items.items()):
            if key not in fresh:
                del self._items[key]
                changed += 1
                self._notify("DELETED", old, None)
        for key, obj in fresh.items():
            old = self._items.get(key)
            self._items[key] = obj
            if old is None:
                changed += 1
                self._notify("ADDED", obj, None)
            elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                changed += 1
                self._notify("MODIFIED", obj, old)
        self.resource_version = rv
        self.has_synced = True
        self._pending.clear()
        self._watch()
        return changed

    def _watch(self) -> None:
        self._watcher = self.client.watch(self.resource, self.namespace, resource_version=self.resource_version,
                                          label_selector=self.label_selector, field_selector=self.field_selector,
                                          timeout_seconds=WATCH_TIMEOUT_SECONDS)

    # ----------------------------------------------------------------- delivery
    def pump(self) -> int:
        """Pull what the watch has ready; queue one delivery action per event. Returns how
        many events came (the kernel names this informer's component a watcher of the write
        only when some did)."""
        if not self.running or self._watcher is None:
            return 0
        pulled = 0
        while True:  # until caught up: nobody pumps a quiet topic again
            events = self._watcher.poll()
            pulled += sum(1 for e in events if e["type"] in CHANGES)
            self._pending.extend(events)
            if not self._watcher.behind or self._watcher.done:
                break
        if self._watcher.done and not any(e["type"] == "ERROR" for e in self._pending):
            self._watcher = None
            self._watch()
        if self._pending and not self._delivering:
            self._delivering = True
            self.kernel.schedule(self.kernel.watch_latency_seconds, self._deliver_one, component=self.component,
                                 action="watch-delivery")
        return pulled

    def _deliver_one(self) -> dict:
        self._delivering = False
        if not self.running or not self._pending:
            return {"housekeeping": True}  # a relist took the events in first
        event = self._pending.popleft()
        if self._pending:
            self._delivering = True
            self.kernel.schedule(0.0, self._deliver_one, component=self.component, action="watch-delivery")
        return self._apply(event)

    def _apply(self, event: dict) -> dict:
        type_, obj = event["type"], event["object"]
        path = [API_SERVER, self.component]
        if type_ == "BOOKMARK":
            self.resource_version = obj["metadata"]["resourceVersion"]
            return {"caption": f"{self.component} gets a bookmark for {self.resource} at revision "
                               f"{self.resource_version}", "housekeeping": True, "highlight": path}
        if type_ == "ERROR":
            expired = f"{self.component}'s watch on {self.resource} expired ({obj.get('message', '')})"
            try:
                found = self._relist_step()
            except APIError:
                self.kernel.schedule(RELIST_RETRY_SECONDS, self._retried_relist, component=self.component,
                                     action="relist")
                return {"caption": f"{expired}: it re-lists in {RELIST_RETRY_SECONDS:g} s", "highlight": path}
            return {**found, "caption": f"{expired}: it re-lists ({found['extra']['missed']} change(s) missed)",
                    "highlight": path}
        meta = obj["metadata"]
        described = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", ""), "name": meta["name"]}
        self.resource_version = meta.get("resourceVersion", self.resource_version)
        if self.drops.take(self.resource, meta.get("namespace", "")):
            return {"caption": f"A {type_} event for {described['kind']} {meta['name']} to {self.component} is "
                               "lost on the way (fault injection): its cache is now wrong",
                    "object": described, "event_type": type_, "highlight": path, "extra": {"dropped": True}}
        key = object_key(obj)
        old = self._items.get(key)
        if type_ == "DELETED":
            self._items.pop(key, None)
        else:
            self._items[key] = obj
        before = self.kernel.work_queued
        self._notify(type_, obj, old)
        return {"caption": f"{self.component} sees {described['kind']} {meta['name']} {type_.lower()}",
                "object": described, "event_type": type_, "housekeeping": self.kernel.work_queued == before,
                "highlight": path, "extra": {"resource": self.resource}}

    def _notify(self, type_: str, obj: dict, old: dict | None) -> None:
        for on_add, on_update, on_delete in self._handlers:
            if type_ == "ADDED" and on_add:
                on_add(obj)
            elif type_ == "MODIFIED" and on_update:
                on_update(old if old is not None else obj, obj)
            elif type_ == "DELETED" and on_delete:
                on_delete(obj)
