"""The audit trail: every API request is stored as an :class:`AuditRecord` row and
published to the cluster's channel-layer group, where the browser's consumers pick it up.

All event publishing for a cluster goes through :func:`publish`, so group names and
message shapes are defined in one place.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from simulation.apimachinery.jsonvalue import without_lone_surrogates
from simulation.apiserver.audit import AuditEvent
from simulation.store import fastjson

from .models import AuditRecord, Cluster

logger = logging.getLogger(__name__)
#: Prune the audit table once per this many records written by one writer.
PRUNE_EVERY = 1000
#: The group message that carries a batch of records: ``{"type": AUDIT_RECORDS, "records": [...]}``.
AUDIT_RECORDS = "audit.records"


def group_name(cluster_name: str) -> str:
    """The channel-layer group every browser watching ``cluster_name`` joins."""
    return f"cluster.{cluster_name}"


#: The event loop the cluster pages' consumers run on (see :func:`serve_from`).
_consumer_loop: asyncio.AbstractEventLoop | None = None


def serve_from(loop: asyncio.AbstractEventLoop) -> None:
    """Name the event loop that serves the websockets (each consumer does, as it connects).

    The in-memory layer's queues belong to that loop and are not thread-safe: a message put
    from another thread (the audit writer, the simulation's worker) sits unseen until the
    loop wakes for something else. Such sends are handed to the loop itself instead.
    """
    global _consumer_loop
    _consumer_loop = loop


def has_audience(cluster_name: str) -> bool:
    """Whether a message to the cluster's group could reach anyone. Only the in-memory layer
    can tell that nobody joined (then :func:`publish` skips the send); any other layer may
    carry it to another process, so the answer there is always yes."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return bool(layer.groups.get(group_name(cluster_name)))
    return layer is not None


def publish(cluster_name: str, message: dict) -> bool:
    """Send ``message`` to the cluster's group; a full or missing layer never fails a request
    (False: the layer refused it).

    With the in-memory layer, a group nobody has joined is skipped outright, and a send from
    another thread is queued on the consumers' loop without waiting for it (a round trip into
    the loop cost more than the write itself).
    """
    layer = get_channel_layer()
    if layer is None:
        return True
    group = group_name(cluster_name)
    if isinstance(layer, InMemoryChannelLayer):
        if not layer.groups.get(group):
            return True
        loop = _consumer_loop
        if loop is not None and not loop.is_closed():
            send = layer.group_send(group, message)
            try:
                if _running_loop() is loop:
                    loop.create_task(send)
                else:
                    asyncio.run_coroutine_threadsafe(send, loop)
                return True
            except RuntimeError:  # the loop closed meanwhile (a test's, a server shutting down)
                send.close()
                return False
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - the browser feed is best effort; clients resync on gaps
        logger.warning("could not publish to %s", group, exc_info=True)
        return False
    return True


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_INSERT = ('INSERT INTO "clusters_auditrecord" ("cluster_id", "created", "user", "groups", "impersonated_user", '
           '"impersonated_groups", "verb", "api_group", "resource", "subresource", "namespace", "name", "code", '
           '"revision", "stages", "rejected_by", "message", "virtual_time", "user_agent") VALUES (%s, %s, %s, {json}, '
           '%s, {json}, %s, %s, %s, %s, %s, %s, %s, %s, {json}, %s, %s, %s, %s)')


class AuditWriter:
    """Batches audit records like kube-apiserver's ``--audit-log-mode=batch`` backend, and
    hands them to the browser as soon as they exist.

    Two paths, because the table and the learner want different things. The table: a
    request appends its record to a buffer, written with one bulk insert once
    ``BATCH_SIZE`` records wait or the oldest has waited ``FLUSH_SECONDS``; the request that
    fills the batch writes it (in its own thread, so it never competes with itself for
    SQLite's write lock) and a background thread writes what a quiet period leaves behind.
    Writing each record in a transaction of its own cost as much as the request's store
    write. The price, as upstream's: records of the last fraction of a second are lost if
    the process dies. The browser: the same background thread wakes on every record and
    publishes everything that arrived since its last publish as one message, so a lone
    request's dot starts moving within a millisecond or two while a burst still travels as
    a few messages (whatever arrives while one is being published goes in the next).
    While no page watches the cluster (:func:`has_audience`), a record is not queued for
    the browser and the thread is not woken: it would only find nobody to send to, and the
    wake-up per request cost the request about a sixth of its time (``bench store``).
    """

    BATCH_SIZE = 200
    FLUSH_SECONDS = 0.05

    def __init__(self, cluster: Cluster) -> None:
        self.cluster_id = cluster.pk
        self.cluster_name = cluster.name
        self._buffer: list[AuditEvent] = []
        self._unpublished: list[AuditEvent] = []
        self._arrived = threading.Event()
        self._oldest = 0.0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._written = 0
        self._thread = threading.Thread(target=self._run, name=f"audit-{cluster.name}", daemon=True)
        self._thread.start()

    def __call__(self, event: AuditEvent) -> None:
        with self._lock:
            if not self._buffer:
                self._oldest = time.monotonic()
            self._buffer.append(event)
            audience = has_audience(self.cluster_name)
            if audience:
                self._unpublished.append(event)
            due = len(self._buffer) >= self.BATCH_SIZE or time.monotonic() - self._oldest >= self.FLUSH_SECONDS
        if audience:
            self._arrived.set()
        if due:
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the request is answered already; auditing goes on
                logger.exception("writing audit records of %s failed", self.cluster_name)

    def _run(self) -> None:
        while True:
            self._arrived.wait(self.FLUSH_SECONDS)
            self._arrived.clear()
            try:
                self._publish_waiting()
            except Exception:  # noqa: BLE001 - the browser feed is best effort; the table goes on
                logger.exception("publishing audit records of %s failed", self.cluster_name)
            if not self._buffer or time.monotonic() - self._oldest < self.FLUSH_SECONDS:
                continue
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - keep auditing after a transient database error
                logger.exception("writing audit records of %s failed", self.cluster_name)
            try:
                close_old_connections()
            except Exception:  # noqa: BLE001 - a connection that cannot even be checked must not end the writer
                logger.warning("checking the database connection of %s's audit writer failed", self.cluster_name,
                               exc_info=True)

    def _publish_waiting(self) -> None:
        """Publish the records not yet sent to the browser, in the order they arrived."""
        with self._publish_lock:
            with self._lock:
                batch, self._unpublished = self._unpublished, []
            if batch and not publish(self.cluster_name, {"type": AUDIT_RECORDS, "records": [e.as_dict() for e in batch]}):
                # a layer that encodes as UTF-8 (Redis) refuses a lone surrogate: send what it can carry
                publish(self.cluster_name, {"type": AUDIT_RECORDS, "records": [_scrubbed(e).as_dict() for e in batch]})

    def flush(self) -> None:
        """Write and publish everything buffered so far (tests and benchmarks call it directly)."""
        self._publish_waiting()
        with self._flush_lock:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                self._insert(batch)
            except (UnicodeError, ValueError, DatabaseError):
                # One record the database cannot take (a lone surrogate cannot be written as
                # UTF-8) must not cost the other records of the batch: scrub and write again.
                batch = [_scrubbed(e) for e in batch]
                self._insert(batch)
            self._written += len(batch)
            if self._written >= PRUNE_EVERY:
                self._written = 0
                prune(self.cluster_id)

    def _insert(self, batch: list[AuditEvent]) -> None:
        """One statement for the batch, all or nothing; the ORM's bulk_create spent longer
        preparing the values than the database spent storing them."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_INSERT.format(json=json_param), [
                (self.cluster_id, now, e.user, fastjson.dumps(e.groups), e.impersonated_user,
                 fastjson.dumps(e.impersonated_groups), e.verb, e.api_group, e.resource,
                 e.subresource, e.namespace, e.name, e.code, e.revision, fastjson.dumps(e.stages), e.rejected_by,
                 e.message[:4000], e.virtual_time, e.user_agent) for e in batch])


def _scrubbed(event: AuditEvent) -> AuditEvent:
    """The record with every string UTF-8 can carry (U+FFFD for a lone surrogate)."""
    return dataclasses.replace(event, **{f.name: without_lone_surrogates(getattr(event, f.name))
                                        for f in dataclasses.fields(event)})


def prune(cluster_id: int) -> None:
    """Keep the newest ``CLUSTERVIZ_AUDIT_RETENTION`` records of a cluster."""
    keep = settings.CLUSTERVIZ_AUDIT_RETENTION
    cutoff = (AuditRecord.objects.filter(cluster_id=cluster_id).order_by("-id")
              .values_list("id", flat=True)[keep:keep + 1])
    if cutoff:
        AuditRecord.objects.filter(cluster_id=cluster_id, id__lte=cutoff[0]).delete()
