"""The store contract (:mod:`simulation.store`) persisted in Django models, one cluster per store.

How the promises are kept:

* **Revisions.** Every write first takes the next revision from the cluster's row
  (``UPDATE clusters_cluster SET revision = revision + 1 … RETURNING revision``) inside the
  write's transaction. That row lock (PostgreSQL) or the ``BEGIN IMMEDIATE`` write lock
  (SQLite) serializes a cluster's writers, so commit order equals revision order and a
  reader that sees revision N also sees every revision before it. Never a database
  sequence: a sequence hands out numbers outside the transaction and would leave gaps and
  out-of-order commits.
* **Compare-and-set.** Update and delete are one ``UPDATE``/``DELETE … WHERE mod_revision =
  expected``; a row count of 0 raises and rolls back, counter bump included, so a refused
  write leaves no trace. Create is ``INSERT … ON CONFLICT DO NOTHING`` for the same reason.
* **Revision log.** Each write appends a ``RevisionRecord`` in its own transaction; the
  log is compacted in the same transaction once it holds twice the window (amortized).
* **Consistent reads.** ``list`` and ``events_since`` read the cluster row and the rows
  they return in one SQL statement (``UNION ALL``), so both come from one snapshot on every
  backend: a list's revision matches its items, and a compaction cannot slip between the
  "still in the log?" check and the read.

The hot paths are raw SQL on the driver connection under Django's (same connection, same
transaction). A write inside a caller's ``transaction.atomic`` block nests as a savepoint and
its hooks run on the outermost commit (``on_commit``); a write outside one runs a bare
BEGIN/COMMIT, which halves its cost compared with ``atomic``. Throughput on SQLite is about
a third of a bare single-statement sqlite3 write: the floor is the four rows (counter,
object, log entry and its index) that every write must touch.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache, partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from django.conf import settings
from django.db import connections, transaction

from simulation.store import (ADDED, DELETED, MODIFIED, CompactedError, KeyExistsError, KeyNotFoundError,
                              RevisionConflictError, WatchEvent, fastjson, set_resource_version, split_key)
from simulation.store.recent import RecentWrites

from .models import Cluster

if TYPE_CHECKING:
    from simulation.apiserver.watch import Watcher

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: Called as ``hook(cluster_id, revision)`` after each committed write, in this process only,
#: so local watchers can wake up. Hooks must be quick and must not raise (errors are logged).
on_commit_revision: list[Callable[[int, int], None]] = []
#: Called with (cluster id, revision) when a newer revision is noted, this process's or another's
#: (the servers of watches wake on it: :mod:`.wakeups`). Must not block.
on_revision_noted: list[Callable[[int, int], None]] = []
#: The newest committed revision this process has written, per cluster id.
latest_revisions: dict[int, int] = {}
_latest_lock = threading.Lock()

# Column names are those of clusterviz.clusters.models; identifiers are double-quoted, which
# both SQLite and PostgreSQL accept ("key" and "type" are keywords in some dialects). Written
# with %s placeholders; _sql() converts them for SQLite's DB-API.
_STATEMENTS = {
    "bump": 'UPDATE "clusters_cluster" SET "revision" = "revision" + 1 WHERE "id" = %s '
            'RETURNING "revision", "compacted_revision"',
    "insert": 'INSERT INTO "clusters_objectrecord" ("cluster_id", "key", "resource", "namespace", "name", '
              '"create_revision", "mod_revision", "data") VALUES (%s, %s, %s, %s, %s, %s, %s, %s) '
              'ON CONFLICT ("cluster_id", "key") DO NOTHING',
    "get": 'SELECT "mod_revision", "data" FROM "clusters_objectrecord" WHERE "cluster_id" = %s AND "key" = %s',
    "cas_update": 'UPDATE "clusters_objectrecord" SET "mod_revision" = %s, "data" = %s '
                  'WHERE "cluster_id" = %s AND "key" = %s AND "mod_revision" = %s',
    "cas_delete": 'DELETE FROM "clusters_objectrecord" WHERE "cluster_id" = %s AND "key" = %s AND "mod_revision" = %s',
    # The log entry of an update, taking prev_data from the row as it is before the update
    # (inserts nothing when the row is missing or has another revision).
    "append_update": 'INSERT INTO "clusters_revisionrecord" ("cluster_id", "revision", "type", "key", "data", '
                     '"prev_data") SELECT "cluster_id", %s, %s, "key", %s, "data" FROM "clusters_objectrecord" '
                     'WHERE "cluster_id" = %s AND "key" = %s AND "mod_revision" = %s',
    "append": 'INSERT INTO "clusters_revisionrecord" ("cluster_id", "revision", "type", "key", "data", "prev_data") '
              'VALUES (%s, %s, %s, %s, %s, %s)',
    "set_compacted": 'UPDATE "clusters_cluster" SET "compacted_revision" = %s '
                     'WHERE "id" = %s AND "compacted_revision" < %s AND "revision" >= %s',
    "trim_log": 'DELETE FROM "clusters_revisionrecord" WHERE "cluster_id" = %s AND "revision" <= %s',
    "counters": 'SELECT "revision", "compacted_revision" FROM "clusters_cluster" WHERE "id" = %s',
}
#: What starts a write transaction. SQLite: IMMEDIATE takes the write lock up front, so two
#: writers never deadlock upgrading read locks (the busy timeout makes the second one wait).
#: PostgreSQL: READ COMMITTED, where a writer blocked on the counter row proceeds with the
#: new revision once the row is free (REPEATABLE READ would fail it with a serialization error).
_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN ISOLATION LEVEL READ COMMITTED"}


@lru_cache(maxsize=None)
def _sql(vendor: str, text: str) -> str:
    """``text`` in the placeholder style of the backend's DB-API driver."""
    return text.replace("%s", "?") if vendor == "sqlite" else text


@lru_cache(maxsize=None)
def _statements(vendor: str) -> dict[str, str]:
    if vendor not in _BEGIN:
        raise NotImplementedError(f"DjangoStore needs SQLite >= 3.35 or PostgreSQL, not {vendor}")
    return {name: _sql(vendor, text) for name, text in _STATEMENTS.items()}



def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (None: no bound).

    ``key >= prefix AND key < _prefix_end(prefix)`` is exactly ``key.startswith(prefix)``
    in code point order, and unlike ``LIKE`` it can use the (cluster, key) index everywhere.
    """
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _key_columns(key: str, obj: dict) -> tuple[str, str, str]:
    """(resource, namespace, name) for the admin and ad-hoc queries, from etcd's key layout
    (``/registry/minions/node-1`` is a node's)."""
    resource, rest = split_key(key)
    segments = rest.split("/")
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    if namespace and len(segments) >= 2 and segments[-2] == namespace:
        return resource, namespace, segments[-1]
    return resource, "", segments[-1]


def note_revision(cluster_id: int, revision: int) -> None:
    """Record that ``revision`` of the cluster is committed, so this process's watches behind
    it poll at their next tick: called for this process's commits and, through
    :mod:`.revisionbus`, for other processes'."""
    with _latest_lock:
        if revision <= latest_revisions.get(cluster_id, 0):
            return
        latest_revisions[cluster_id] = revision
    for listener in list(on_revision_noted):
        listener(cluster_id, revision)


def _committed(cluster_id: int, revision: int) -> None:
    """Runs after the write's outermost transaction commits: record it, wake local watchers."""
    note_revision(cluster_id, revision)
    for hook in list(on_commit_revision):
        try:
            hook(cluster_id, revision)
        except Exception:  # the write is committed; a hook's failure must not look like the write's
            logger.exception("on_commit_revision hook %r failed for cluster %s revision %s",
                             hook, cluster_id, revision)


#: How often a quiet watch re-reads the revision log even without a nudge: the safety net for
#: writes committed by another process (a ``simworker``, a second server) whose notification
#: over Redis (:mod:`.revisionbus`) was lost.
WATCH_IDLE_POLL_SECONDS = settings.CLUSTERVIZ_WATCH_IDLE_POLL_SECONDS


def watch_poll_due(watcher: Watcher, cluster_id: int, last_poll: float, now: float) -> bool:
    """Whether a watch served from this process should poll ``watcher`` at ``now`` (both
    times from ``time.monotonic()``): this process committed a revision the watcher has not
    read, ``WATCH_IDLE_POLL_SECONDS`` passed quietly, or the watch's timeout is up (the poll
    then ends it). The HTTP watch stream and the cluster page's websocket share this rule, so
    kubectl and the browser see a write after the same delay."""
    return (latest_revisions.get(cluster_id, 0) > watcher.revision or now - last_poll >= WATCH_IDLE_POLL_SECONDS
            or watcher.expired())


class DjangoStore:
    """:class:`simulation.store.Store` over the ``clusters`` tables for one cluster.

    Safe to share between threads: it holds no connection, each call uses the calling
    thread's connection for ``using`` (threads must close theirs when they finish).
    Statements go straight to the DB-API connection under Django's, so they are not in
    ``connection.queries``; errors still come out as ``django.db`` exceptions.
    """

    def __init__(self, cluster_id: int, using: str = "default", compaction_window: int | None = None) -> None:
        self.cluster_id = cluster_id
        self.using = using
        #: Log entries kept after a compaction; 0 turns automatic compaction off.
        self.compaction_window = (settings.CLUSTERVIZ_COMPACTION_WINDOW
                                  if compaction_window is None else compaction_window)
        #: What this object last wrote per key, for :meth:`cached` (an update then skips its read).
        self.recent = RecentWrites()

    def __repr__(self) -> str:
        return f"DjangoStore(cluster_id={self.cluster_id}, using={self.using!r})"

    def _missing_cluster(self) -> Exception:
        return Cluster.DoesNotExist(f"cluster {self.cluster_id} does not exist")

    # -- reads: one statement each, hence one snapshot each ----------------------------------

    def _query(self, text: str, params: list) -> list[tuple]:
        connection = connections[self.using]
        connection.ensure_connection()
        with connection.wrap_database_errors:
            return connection.connection.execute(_sql(connection.vendor, text), params).fetchall()

    def _counters(self) -> tuple[int, int]:
        rows = self._query(_STATEMENTS["counters"], [self.cluster_id])
        if not rows:
            raise self._missing_cluster()
        return rows[0][0], rows[0][1]

    def current_revision(self) -> int:
        return self._counters()[0]

    def compacted_revision(self) -> int:
        return self._counters()[1]

    def get(self, key: str) -> dict:
        rows = self._query(_STATEMENTS["get"], [self.cluster_id, key])
        if not rows:
            raise KeyNotFoundError(key)
        return fastjson.loads(rows[0][1])

    def cached(self, key: str) -> dict | None:
        """``key``'s object as this store last committed it, decoded from the same text a
        :meth:`get` would read, or None: nothing remembered, or this process has heard of a
        revision of the cluster it did not write (another process's, through
        :func:`note_revision`), after which nothing remembered is trusted."""
        recent = self.recent
        latest = latest_revisions.get(self.cluster_id, 0)
        if latest > recent.revision:
            recent.clear(latest)
            return None
        entry = recent.get(key)
        return fastjson.loads(entry[1]) if entry is not None else None

    def list(self, prefix: str, *, after_key: str | None = None, limit: int | None = None,
             min_revision: int | None = None) -> tuple[list[dict], int, str | None]:
        # The cluster row and the page in one statement: both come from one snapshot. The page
        # is a subquery so that its ORDER BY … LIMIT walks the (cluster, key) index and stops.
        if after_key is not None and after_key >= prefix:
            conditions, params = ['"key" > %s'], [self.cluster_id, self.cluster_id, after_key]
        else:
            conditions, params = ['"key" >= %s'], [self.cluster_id, self.cluster_id, prefix]
        end = _prefix_end(prefix)
        if end is not None:
            conditions.append('"key" < %s')
            params.append(end)
        text = ('SELECT "revision", "compacted_revision", NULL, NULL FROM "clusters_cluster" WHERE "id" = %s '
                'UNION ALL SELECT * FROM (SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), "key", "data" '
                'FROM "clusters_objectrecord" WHERE "cluster_id" = %s AND ' + " AND ".join(conditions) +
                ' ORDER BY "key"')
        if limit is not None:
            text += " LIMIT %s"
            params.append(limit + 1)  # one more tells whether the page was cut short
        rows = self._query(text + ") page", params)
        counters = [row for row in rows if row[2] is None]
        if not counters:
            raise self._missing_cluster()
        revision, compacted = counters[0][0], counters[0][1]
        if min_revision is not None and 0 < min_revision < compacted:
            raise CompactedError(min_revision, compacted)
        # UNION ALL promises no order across its parts; sorting sorted rows is linear.
        page = sorted((row for row in rows if row[2] is not None), key=itemgetter(2))
        continue_key = None
        if limit is not None and len(page) > limit:
            page = page[:limit]
            continue_key = page[-1][2]
        return [fastjson.loads(row[3]) for row in page], revision, continue_key

    def events_since(self, revision: int, prefix: str, limit: int | None = None) -> list[WatchEvent]:
        # One statement again, so a compaction between "check" and "read" cannot open a gap.
        conditions, params = ['"revision" > %s'], [self.cluster_id, self.cluster_id, revision]
        end = _prefix_end(prefix)
        if end is not None:
            conditions.append('"key" >= %s AND "key" < %s')
            params += [prefix, end]
        text = ('SELECT "compacted_revision", NULL, NULL, NULL, NULL FROM "clusters_cluster" WHERE "id" = %s '
                'UNION ALL SELECT * FROM (SELECT "revision", "type", "key", "data", "prev_data" '
                'FROM "clusters_revisionrecord" WHERE "cluster_id" = %s AND ' + " AND ".join(conditions) +
                ' ORDER BY "revision"')
        if limit is not None:
            text += " LIMIT %s"
            params.append(limit)
        rows = self._query(text + ") log", params)
        counters = [row for row in rows if row[1] is None]
        if not counters:
            raise self._missing_cluster()
        compacted = counters[0][0]
        if revision < compacted:
            raise CompactedError(revision, compacted)
        events = sorted((row for row in rows if row[1] is not None), key=itemgetter(0))
        return [WatchEvent(type_, key, rev, fastjson.loads(data), fastjson.loads(prev) if prev else None,
                           len(data) + len(prev or "")) for rev, type_, key, data, prev in events]

    # -- writes ----------------------------------------------------------------------------

    def _write(self, apply: Callable[[Any, dict[str, str], int], tuple[T, str | None, str, str, str | None]]) -> T:
        """Run one write in its own transaction and append it to the log.

        ``apply(cursor, sql, revision)`` does the compare-and-set and returns
        ``(result, event type, key, data, prev_data)`` for the log (type ``None``: it logged
        the change itself); raising rolls everything back, counter bump included.
        Inside a caller's ``atomic`` block this nests as a savepoint and the commit hooks wait
        for the outermost commit. Otherwise it runs a bare BEGIN/COMMIT on the driver's
        connection: the same transaction, without ``atomic``'s bookkeeping, which costs as
        much as the SQL itself on this hot path.
        """
        connection = connections[self.using]
        if connection.in_atomic_block or not connection.get_autocommit():
            # Whether this commits is the caller's to decide: remember nothing before it has.
            self.recent.clear()
            with transaction.atomic(using=self.using), connection.wrap_database_errors:
                cursor = connection.connection.cursor()
                revision, result, _, _ = self._apply(cursor, _statements(connection.vendor), apply)
                connection.on_commit(partial(_committed, self.cluster_id, revision))
            return result
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            cursor.execute(_BEGIN[connection.vendor])
            try:
                revision, result, key, data = self._apply(cursor, _statements(connection.vendor), apply)
                cursor.execute("COMMIT")
            except BaseException:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:  # report the first error; let Django check the connection
                    connection.errors_occurred = True
                raise
        self.recent.committed(revision, key, data)
        _committed(self.cluster_id, revision)  # what on_commit does outside a transaction
        return result

    def _apply(self, cursor: Any, sql: dict[str, str],
               apply: Callable[..., tuple[T, str | None, str, str, str | None]]) -> tuple[int, T, str, str | None]:
        """(revision, result, key, the key's stored text — None when deleted)."""
        # The next revision; this locks the counter row (PostgreSQL) until commit.
        cursor.execute(sql["bump"], [self.cluster_id])
        row = cursor.fetchone()
        if row is None:
            raise self._missing_cluster()
        revision, compacted = row
        window = self.compaction_window
        if window and revision - compacted > 2 * window:
            self._compact(cursor, sql, revision - window)
        result, type_, key, data, prev = apply(cursor, sql, revision)
        if type_ is not None:  # None: apply wrote its log entry itself
            cursor.execute(sql["append"], [self.cluster_id, revision, type_, key, data, prev])
        return revision, result, key, None if type_ == DELETED else data

    def _compact(self, cursor: Any, sql: dict[str, str], revision: int) -> None:
        cursor.execute(sql["set_compacted"], [revision, self.cluster_id, revision, revision])
        if cursor.rowcount:
            cursor.execute(sql["trim_log"], [self.cluster_id, revision])

    def create(self, key: str, obj: dict) -> dict:
        def apply(cursor: Any, sql: dict[str, str], revision: int) -> tuple[dict, str, str, str, None]:
            data, written = fastjson.dumps_and_copy(set_resource_version(obj, revision))
            resource, namespace, name = _key_columns(key, obj)
            cursor.execute(sql["insert"], [self.cluster_id, key, resource, namespace, name, revision, revision, data])
            if cursor.rowcount != 1:
                raise KeyExistsError(key)
            return written, ADDED, key, data, None

        return self._write(apply)

    def update(self, key: str, obj: dict, expected_revision: int) -> dict:
        def apply(cursor: Any, sql: dict[str, str], revision: int) -> tuple[dict, None, str, str, None]:
            data, written = fastjson.dumps_and_copy(set_resource_version(obj, revision))
            # Log first, so prev_data is copied inside the database instead of read out of it.
            # Under the counter lock nobody else writes this cluster: if the log entry went in,
            # the compare-and-set below succeeds, and vice versa.
            cursor.execute(sql["append_update"], [revision, MODIFIED, data, self.cluster_id, key, expected_revision])
            cursor.execute(sql["cas_update"], [revision, data, self.cluster_id, key, expected_revision])
            if cursor.rowcount != 1:
                self.recent.discard(key)  # what the caller started from, if it came from here, is stale
                cursor.execute(sql["get"], [self.cluster_id, key])
                current = cursor.fetchone()
                if current is None:
                    raise KeyNotFoundError(key)
                raise RevisionConflictError(key, expected_revision, current[0])
            return written, None, key, data, None

        return self._write(apply)

    def delete(self, key: str, expected_revision: int | None = None) -> dict:
        def apply(cursor: Any, sql: dict[str, str], revision: int) -> tuple[dict, str, str, str, str]:
            cursor.execute(sql["get"], [self.cluster_id, key])
            current = cursor.fetchone()
            if current is None:
                self.recent.discard(key)
                raise KeyNotFoundError(key)
            expected = current[0] if expected_revision is None else expected_revision
            cursor.execute(sql["cas_delete"], [self.cluster_id, key, expected])
            if cursor.rowcount != 1:
                self.recent.discard(key)
                raise RevisionConflictError(key, expected, current[0])
            # As upstream: the DELETED event carries the last state at the deletion revision.
            last = set_resource_version(fastjson.loads(current[1]), revision)
            return last, DELETED, key, fastjson.dumps(last), current[1]

        return self._write(apply)

    def compact(self, revision: int) -> None:
        """Drop log entries up to ``revision`` (at most the current one); never moves backwards."""
        revision = min(revision, self._counters()[0])  # the head only grows, so this stays valid
        with transaction.atomic(using=self.using):
            connection = connections[self.using]
            with connection.wrap_database_errors:
                self._compact(connection.connection.cursor(), _statements(connection.vendor), revision)
