"""What a store last wrote per key, so that an update can start from it instead of a read.

Upstream's cacher hands the object its watch cache holds to ``GuaranteedUpdate``
(``cachedExistingObject``), and the etcd3 store tries the update on it without a read; the
transaction's revision comparison is what proves it was current. A store that keeps its
objects in a database does the same with this index: the stored JSON text of each key's
last committed write by this process, with the revision it was written at.

An entry is only ever a guess. Another process (a second web server, a simworker) or another
store object in this process may have written the key since; the compare-and-set on the
revision then refuses the write and the caller reads the store
(:func:`simulation.store.guaranteed_update`). To keep such wasted tries rare the index
forgets everything whenever a revision it did not write shows up (revisions are committed in
order, so a gap in the ones it sees means somebody else wrote), and its owner clears it when
it learns of a newer revision elsewhere. Only committed writes are entered: a rolled-back
transaction's revision is handed out again, and an entry naming it could match another
object's row.

Bounded by the bytes of JSON text it holds (oldest entries go first), like the watch cache.
"""
from __future__ import annotations

import threading

#: The stored JSON text one index holds at most (per cluster).
RECENT_BYTES = 4 * 1024 * 1024
#: What an entry costs beyond its text: the key, the tuple, the dict slot (an estimate).
_ENTRY_OVERHEAD = 200


class RecentWrites:
    """key → (revision, stored JSON text) of the latest committed writes. Thread-safe.

    Every write of the store passes here, so the bookkeeping is a plain dict (insertion
    order is age: an entry written again moves to the end) and a byte count."""

    def __init__(self, max_bytes: int = RECENT_BYTES) -> None:
        self.max_bytes = max_bytes
        #: The newest revision seen committed; everything up to it that touched a key in the
        #: index is reflected in the index (or the index was cleared).
        self.revision = 0
        #: key → (revision, text, bytes counted for the entry)
        self._entries: dict[str, tuple[int, str, int]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> tuple[int, str] | None:
        """(revision, text) of the key's last write seen, or None."""
        entry = self._entries.get(key)
        return None if entry is None else (entry[0], entry[1])

    def committed(self, revision: int, key: str, text: str | None) -> None:
        """A write of ``key`` committed at ``revision``: ``text`` is what it stored (None: it
        deleted the key). A revision that does not follow the last one seen means another
        writer committed in between, so every entry may be stale: they are dropped (and one
        older than the last seen is not entered: a newer write may have changed its key)."""
        with self._lock:
            entries = self._entries
            if revision != self.revision + 1:
                entries.clear()
                self._bytes = 0
                if revision <= self.revision:
                    return
            self.revision = revision
            old = entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            if text is None:
                return
            size = len(text) + len(key) + _ENTRY_OVERHEAD
            entries[key] = (revision, text, size)
            self._bytes += size
            while self._bytes > self.max_bytes and entries:
                self._bytes -= entries.pop(next(iter(entries)))[2]

    def discard(self, key: str) -> None:
        """Forget ``key`` (a write of it failed, or its outcome is not known yet)."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]

    def clear(self, revision: int = 0) -> None:
        """Forget every entry; ``revision``: a newer revision committed elsewhere."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.revision = max(self.revision, revision)
