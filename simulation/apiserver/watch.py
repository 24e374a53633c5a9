"""Watches: the API server's side of ``?watch=true``.

A :class:`Watcher` never blocks. The transport (the HTTP view, or an in-process
informer driven by the kernel) calls :meth:`Watcher.poll` whenever the store may have
moved, and gets the next events to send. Promises, as upstream's cacher gives them:

* Started without a resourceVersion, the watch first replays the current matching
  objects as synthetic ``ADDED`` events, then every change after that list.
* Started from ``resourceVersion=R``, it sends exactly the changes after ``R``, in order,
  once each. ``R`` older than the compacted revision gives one ``ERROR`` event carrying a
  410 Expired Status, then the stream ends (HTTP status stays 200, as upstream).
* Selectors are applied to both the new and the previous state, so an object that stops
  matching is seen to leave (``DELETED``) and one that starts matching to arrive (``ADDED``).
"""
from __future__ import annotations

import bisect
import copy
import re
import threading
from typing import Callable

from simulation.store import ADDED, DELETED, MODIFIED, CompactedError, Store, WatchEvent, resource_of_key

from . import errors

Matcher = Callable[[dict], bool]
#: A resource (``"pods"``), or a resource and a node (``("pods", "node-1")``).
Topic = str | tuple[str, str]
#: How many log entries one poll reads at most, so a slow client cannot make one huge read.
POLL_BATCH = 500
#: The stored JSON the watch cache keeps at most (decoded, it takes several times more).
WATCH_CACHE_BYTES = 16 * 1024 * 1024


class WatchCache:
    """The API server's watch cache (upstream's cacher): the revision log is read and decoded
    once, however many watchers there are — a kubelet per node each watching pods would
    otherwise decode every pod event once per node.

    It holds the most recent events of every resource, at most ``capacity`` of them and at
    most ``max_bytes`` of their stored JSON (pods are a hundred times larger than Leases, and
    a long class at 10× writes millions of revisions: a count alone does not bound memory).
    A watcher asking for events older than the cache holds is served from the store itself
    (which answers 410 Gone when they are compacted). Cached objects are shared by every
    watcher: like client-go's caches, what a watch delivers must never be changed in place.

    Each event is also filed under its topics: its resource, and for a pod the nodes it was
    and is bound to (upstream's cacher "triggers" on ``spec.nodeName``). A watcher reads only
    its topic's events, and one whose topic has been quiet is answered without reading any —
    even when it last read longer ago than the cache reaches back: upstream's cacher pushes
    every event to the watchers it concerns, so a kubelet whose node saw nothing is never
    behind. Without the index a thousand idle kubelets fell out of the window and decoded
    every pod event from the store when their node next got a pod.
    """

    def __init__(self, store: Store, capacity: int = 20_000, max_bytes: int = WATCH_CACHE_BYTES) -> None:
        self.store = store
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._events: list[WatchEvent] = []
        self._revisions: list[int] = []
        self._bytes = 0
        #: Position (counted since the cache began) of ``_events[0]``.
        self._base = 0
        #: Per event, its topics (see :func:`topics_of`).
        self._event_topics: list[tuple[Topic, ...]] = []
        #: topic → positions of the cached events of that topic, in order.
        self._topics: dict[Topic, list[int]] = {}
        #: topic → the latest revision of that topic evicted from the cache.
        self._evicted: dict[Topic, int] = {}
        #: Every change after ``floor`` and up to ``revision`` is in the cache; every change
        #: after ``complete_from`` was seen by it (filed under its topics, perhaps evicted since).
        self.floor = self.revision = self.complete_from = store.current_revision()
        self.compacted = store.compacted_revision()
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        if self.store.current_revision() <= self.revision:
            return
        with self._lock:
            # Read under the lock: a refresh that waited for another must not append what that
            # one appended. A write may land between reading ``current`` and reading the log, so
            # the log can reach past ``current``; the cache then stands at the last event read.
            current = self.store.current_revision()
            while self.revision < current:
                try:
                    batch = self.store.events_since(self.revision, "/registry/", POLL_BATCH)
                except CompactedError:
                    self._events, self._revisions, self._event_topics, self._bytes = [], [], [], 0
                    self._topics, self._evicted, self._base = {}, {}, 0
                    self.floor = self.revision = self.complete_from = current
                    return
                self._append(batch)
                last = batch[-1].revision if batch else self.revision
                if len(batch) < POLL_BATCH:
                    # Commit order is revision order: everything up to ``current`` has been read.
                    self.revision = max(current, last)
                    break
                self.revision = last
            self._evict()
            # One rule with lists: a watch from before the store's compaction point is 410
            # Expired, even where the cache still holds the events (it used to stream them).
            self.compacted = self.store.compacted_revision()
            self.floor = max(self.floor, self.compacted)

    def _append(self, batch: list[WatchEvent]) -> None:
        position = self._base + len(self._events)
        for event in batch:
            topics = topics_of(event)
            self._events.append(event)
            self._revisions.append(event.revision)
            self._event_topics.append(topics)
            self._bytes += event.size
            for topic in topics:
                self._topics.setdefault(topic, []).append(position)
            position += 1

    def _evict(self) -> None:
        excess = max(len(self._events) - self.capacity, 0)
        surplus = self._bytes - self.max_bytes - sum(e.size for e in self._events[:excess])
        while surplus > 0 and excess < len(self._events):
            surplus -= self._events[excess].size
            excess += 1
        if excess == 0:
            return
        dropped: dict[Topic, int] = {}
        for event, topics in zip(self._events[:excess], self._event_topics[:excess]):
            for topic in topics:
                dropped[topic] = dropped.get(topic, 0) + 1
                self._evicted[topic] = event.revision
        for topic, count in dropped.items():
            del self._topics[topic][:count]
            if not self._topics[topic]:
                del self._topics[topic]
        self.floor = self._revisions[excess - 1]
        self._bytes -= sum(e.size for e in self._events[:excess])
        self._base += excess
        del self._events[:excess], self._revisions[:excess], self._event_topics[:excess]

    def since(self, revision: int, prefix: str, node: str = "") -> tuple[list[WatchEvent], int] | None:
        """Events after ``revision`` under ``prefix`` (only those of pods on ``node``, if
        given) and the revision they bring a watcher up to, or None when the cache no longer
        holds some of them."""
        self._refresh()
        with self._lock:
            if revision < self.complete_from or revision < self.compacted:
                return None
            resource = _resource_of(prefix)
            if not resource:
                return self._scan(revision, prefix) if revision >= self.floor else None
            topic = (resource, node) if node else resource
            if self._evicted.get(topic, 0) > revision:
                return None
            positions = self._topics.get(topic, [])
            i = bisect.bisect_right(positions, revision, key=lambda p: self._revisions[p - self._base])
            events: list[WatchEvent] = []
            while i < len(positions) and len(events) < POLL_BATCH:
                event = self._events[positions[i] - self._base]
                if event.key.startswith(prefix):
                    events.append(event)
                i += 1
            # A watcher whose topic went quiet is not woken again to read the rest: a batch
            # cut short brings it only as far as its last event.
            return events, self.revision if i == len(positions) else events[-1].revision

    def _scan(self, revision: int, prefix: str) -> tuple[list[WatchEvent], int]:
        j, end, events = bisect.bisect_right(self._revisions, revision), len(self._events), []
        while j < end and len(events) < POLL_BATCH:
            if self._events[j].key.startswith(prefix):
                events.append(self._events[j])
            j += 1
        return events, self.revision if j == end else self._revisions[j - 1]

    def changed_topics(self, revision: int) -> set | None:
        """What was written after ``revision``: resource names (``"pods"``) and, for pods,
        ``("pods", node)``; None when the cache cannot tell (the kernel then pumps everyone)."""
        self._refresh()
        with self._lock:
            if revision < self.floor:
                return None
            topics: set = set()
            for j in range(bisect.bisect_right(self._revisions, revision), len(self._events)):
                topics.update(self._event_topics[j])
            return topics


def topics_of(event: WatchEvent) -> tuple[Topic, ...]:
    """What an event is about: its resource (``"pods"``) and, for a pod, each node it was or
    is bound to (``("pods", "node-1")``) — what the kernel wakes watchers by, and what the
    cache files it under."""
    resource = _resource_of(event.key)
    before, after = _node_of(event.prev_object), _node_of(event.object)
    if not before and not after:
        return (resource,)
    if before == after or not before:
        return resource, (resource, after)
    if not after:
        return resource, (resource, before)
    return resource, (resource, after), (resource, before)


def _node_of(obj: dict | None) -> str:
    return ((obj or {}).get("spec") or {}).get("nodeName") or "" if isinstance(obj, dict) else ""


_NODE_SELECTOR = re.compile(r"(?:^|,)spec\.nodeName==?([^,]+)(?:,|$)")


def node_trigger(resource: str, field_selector: str) -> str:
    """The node a pods watch is restricted to by ``spec.nodeName=X`` (a kubelet's), or ""."""
    if resource != "pods":
        return ""
    match = _NODE_SELECTOR.search(field_selector or "")
    return match.group(1) if match else ""


def _resource_of(key: str) -> str:
    """``pods`` of ``/registry/pods/default/web``, ``nodes`` of ``/registry/minions/`` (a key or a prefix)."""
    return resource_of_key(key)


class Watcher:
    def __init__(self, store: Store, prefix: str, matches: Matcher, *, start_revision: int | None,
                 initial: list[dict] | None = None, timeout_seconds: float | None = None,
                 bookmarks: bool = False, type_meta: dict | None = None, now: Callable[[], float],
                 convert: Callable[[dict], dict] = lambda o: o,
                 convert_event: Callable[[dict], dict] = lambda e: e, cache: WatchCache | None = None,
                 node: str = ""):
        self.store = store
        self.cache = cache
        self.node = node
        self.prefix = prefix
        self.matches = matches
        self.revision = start_revision or 0
        self.bookmarks = bookmarks
        self.type_meta = type_meta or {}
        self.convert = convert
        self.convert_event = convert_event
        self._now = now
        self.deadline = now() + timeout_seconds if timeout_seconds else None
        self._pending: list[dict] = [self._event(ADDED, o) for o in (initial or [])]
        self.done = False
        #: The last poll was cut short: poll again at once, more is waiting.
        self.behind = False
        self._last_bookmark = now()

    def _event(self, type_: str, obj: dict) -> dict:
        return self.convert_event({"type": type_, "object": self.convert(obj)})

    def expired(self) -> bool:
        return self.deadline is not None and self._now() >= self.deadline

    def poll(self) -> list[dict]:
        """Events ready to send now (possibly none). Sets ``done`` when the stream should end."""
        if self.done:
            return []
        out, self._pending = self._pending, []
        try:
            log, seen = self._read()
        except CompactedError as exc:
            self.done = True
            status = errors.gone(f"too old resource version: {exc.requested} ({exc.compacted})").status()
            return out + [{"type": "ERROR", "object": status}]
        for ev in log:
            self.revision = ev.revision
            now_in = ev.type != DELETED and self.matches(ev.object)
            was_in = ev.prev_object is not None and self.matches(ev.prev_object)
            if ev.type == ADDED and now_in:
                out.append(self._event(ADDED, ev.object))
            elif ev.type == MODIFIED:
                if now_in and was_in:
                    out.append(self._event(MODIFIED, ev.object))
                elif now_in:
                    out.append(self._event(ADDED, ev.object))
                elif was_in:
                    gone = copy.deepcopy(ev.prev_object)
                    gone["metadata"]["resourceVersion"] = str(ev.revision)
                    out.append(self._event(DELETED, gone))
            elif ev.type == DELETED and was_in:
                out.append(self._event(DELETED, ev.object))
        self.revision = max(self.revision, seen)
        if not log and self.bookmarks and self._now() - self._last_bookmark >= 60:
            # The revision this watcher has delivered everything up to, not the store's
            # latest: a write landing after the log read must not be skipped by a client
            # that resumes from the bookmark.
            self._last_bookmark = self._now()
            out.append({"type": "BOOKMARK", "object": {**self.type_meta,
                                                       "metadata": {"resourceVersion": str(self.revision)}}})
        if self.expired():
            self.done = True
        return out

    def _read(self) -> tuple[list[WatchEvent], int]:
        """The next events and the revision they bring this watcher up to: from the watch
        cache when it reaches back far enough, else from the store's log."""
        if self.cache is not None:
            cached = self.cache.since(self.revision, self.prefix, self.node)
            if cached is not None:
                self.behind = cached[1] < self.cache.revision
                return cached
        # Every revision up to ``seen`` is committed (commit order is revision order), so
        # when the log read is not cut short the watcher is current up to at least ``seen``.
        seen = self.store.current_revision()
        log = self.store.events_since(self.revision, self.prefix, POLL_BATCH)
        self.behind = len(log) >= POLL_BATCH
        return log, (log[-1].revision if self.behind else seen)
