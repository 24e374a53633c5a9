"""The store contract held in memory: for unit tests, headless runs and benchmarks.

Objects are kept serialized (JSON, as :func:`~.fastjson.pack` writes it), which both enforces
"callers get copies" and is faster than deep-copying dicts on every read.
"""
from __future__ import annotations

import bisect
import heapq
import threading

from .fastjson import pack, unpack

from . import (ADDED, DELETED, MODIFIED, CompactedError, KeyExistsError, KeyNotFoundError,
               RevisionConflictError, WatchEvent, set_resource_version)


class MemoryStore:
    """A single-lock, in-process implementation of :class:`simulation.store.Store`."""

    def __init__(self, compaction_window: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._revision = 0
        self._compacted = 0
        self._window = compaction_window
        self._objects: dict[str, tuple[int, bytes | str]] = {}
        #: The keys, sorted, by bucket (:func:`_bucket`).
        self._keys: dict[str, list[str]] = {}
        # (revision, type, key, object json, prev json)
        self._log: list[tuple[int, str, str, bytes | str, bytes | str | None]] = []

    def current_revision(self) -> int:
        return self._revision

    def compacted_revision(self) -> int:
        return self._compacted

    def get(self, key: str) -> dict:
        entry = self._objects.get(key)
        if entry is None:
            raise KeyNotFoundError(key)
        return unpack(entry[1])

    def list(self, prefix: str, *, after_key: str | None = None, limit: int | None = None,
             min_revision: int | None = None) -> tuple[list[dict], int, str | None]:
        with self._lock:
            if min_revision is not None and 0 < min_revision < self._compacted:
                raise CompactedError(min_revision, self._compacted)
            keys = self._sorted_keys(prefix)
            start = after_key + "\x00" if after_key else prefix
            i = bisect.bisect_left(keys, start)
            items: list[dict] = []
            last = None
            while i < len(keys) and keys[i].startswith(prefix):
                if limit is not None and len(items) >= limit:
                    return items, self._revision, last
                key = keys[i]
                items.append(unpack(self._objects[key][1]))
                last = key
                i += 1
            return items, self._revision, None

    def _sorted_keys(self, prefix: str) -> list[str]:
        """Every key that may start with ``prefix``, sorted: one bucket's list when the prefix
        names a resource (a list always does), else the buckets it may reach, merged."""
        buckets = [b for b in self._keys if not b or b.startswith(prefix) or prefix.startswith(b)]
        if len(buckets) == 1:
            return self._keys[buckets[0]]
        return list(heapq.merge(*(self._keys[b] for b in buckets)))

    def _append(self, type_: str, key: str, data: bytes | str, prev: bytes | str | None) -> None:
        self._log.append((self._revision, type_, key, data, prev))
        if self._window and self._revision - self._compacted > 2 * self._window:
            self._compact_locked(self._revision - self._window)

    def create(self, key: str, obj: dict) -> dict:
        with self._lock:
            if key in self._objects:
                raise KeyExistsError(key)
            data, written = pack(set_resource_version(obj, self._revision + 1))
            self._revision += 1  # after encoding: a value JSON cannot carry writes nothing
            self._objects[key] = (self._revision, data)
            bisect.insort(self._keys.setdefault(_bucket(key), []), key)
            self._append(ADDED, key, data, None)
            return written

    def update(self, key: str, obj: dict, expected_revision: int) -> dict:
        with self._lock:
            entry = self._objects.get(key)
            if entry is None:
                raise KeyNotFoundError(key)
            if entry[0] != expected_revision:
                raise RevisionConflictError(key, expected_revision, entry[0])
            data, written = pack(set_resource_version(obj, self._revision + 1))
            self._revision += 1
            self._objects[key] = (self._revision, data)
            self._append(MODIFIED, key, data, entry[1])
            return written

    def delete(self, key: str, expected_revision: int | None = None) -> dict:
        with self._lock:
            entry = self._objects.get(key)
            if entry is None:
                raise KeyNotFoundError(key)
            if expected_revision is not None and entry[0] != expected_revision:
                raise RevisionConflictError(key, expected_revision, entry[0])
            self._revision += 1
            del self._objects[key]
            bucket = _bucket(key)
            keys = self._keys[bucket]
            keys.pop(bisect.bisect_left(keys, key))
            if not keys:
                del self._keys[bucket]
            # As upstream: the DELETED event carries the last state at the deletion revision.
            last = set_resource_version(unpack(entry[1]), self._revision)
            data = pack(last)[0]
            self._append(DELETED, key, data, entry[1])
            return last

    def events_since(self, revision: int, prefix: str, limit: int | None = None) -> list[WatchEvent]:
        with self._lock:
            if revision < self._compacted:
                raise CompactedError(revision, self._compacted)
            i = bisect.bisect_right(self._log, revision, key=lambda e: e[0])
            out: list[WatchEvent] = []
            for rev, type_, key, data, prev in self._log[i:]:
                if key.startswith(prefix):
                    out.append(WatchEvent(type_, key, rev, unpack(data),
                                          unpack(prev) if prev else None, len(data) + len(prev or "")))
                    if limit is not None and len(out) >= limit:
                        break
            return out

    def compact(self, revision: int) -> None:
        with self._lock:
            self._compact_locked(revision)

    def cached(self, key: str) -> None:
        """Nothing: a read here is already a dictionary lookup and one decode."""
        return None

    def _compact_locked(self, revision: int) -> None:
        revision = min(revision, self._revision)
        if revision <= self._compacted:
            return
        i = bisect.bisect_right(self._log, revision, key=lambda e: e[0])
        del self._log[:i]
        self._compacted = revision


def _bucket(key: str) -> str:
    """The bucket a key is kept sorted in: its first segments, ``/registry/pods/``, or ``""``
    for a key with fewer. One sorted list of every key made each create move every key after
    it (at 25,000 keys that took as long as the rest of the write); a resource's list is
    shorter. Keys of two buckets never interleave (a bucket is a prefix ending in ``/``)."""
    parts = key.split("/", 3)
    return f"{parts[0]}/{parts[1]}/{parts[2]}/" if len(parts) == 4 else ""
