"""The audit trail: every API request is stored as an :class:`AuditRecord` row and
published to the cluster's channel-layer group, where the browser's consumers pick it up.

All event publishing for a cluster goes through :func:`publish`, so group names and
message shapes are defined in one place.
"""
from __future__ import annotations

import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from simulation.apiserver.audit import AuditRecord as AuditEvent

from .models import AuditRecord, Cluster

logger = logging.getLogger(__name__)
#: Prune the audit table once per this many records written by this process.
PRUNE_EVERY = 1000


def group_name(cluster_name: str) -> str:
    """The channel-layer group every browser watching ``cluster_name`` joins."""
    return f"cluster.{cluster_name}"


def publish(cluster_name: str, message: dict) -> None:
    """Send ``message`` to the cluster's group; a full or missing layer never fails a request."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(cluster_name), message)
    except Exception:  # noqa: BLE001 - the browser feed is best effort; clients resync on gaps
        logger.warning("could not publish to %s", group_name(cluster_name), exc_info=True)


def sink(cluster: Cluster):
    """The audit sink of ``cluster``'s API server: store the record, then publish it on commit."""
    counter = {"n": 0}
    lock = threading.Lock()

    def record(event: AuditEvent) -> None:
        row = AuditRecord.objects.create(
            cluster_id=cluster.pk, user=event.user, groups=event.groups, verb=event.verb,
            api_group=event.api_group, resource=event.resource, subresource=event.subresource,
            namespace=event.namespace, name=event.name, code=event.code, revision=event.revision,
            stages=event.stages, rejected_by=event.rejected_by, message=event.message[:4000],
            virtual_time=event.virtual_time, user_agent=event.user_agent)
        message = {"type": "audit.record", "id": row.pk, **event.as_dict()}
        transaction.on_commit(lambda: publish(cluster.name, message))
        with lock:
            counter["n"] += 1
            due = counter["n"] % PRUNE_EVERY == 0
        if due:
            prune(cluster.pk)

    return record


def prune(cluster_id: int) -> None:
    """Keep the newest ``CLUSTERVIZ_AUDIT_RETENTION`` records of a cluster."""
    keep = settings.CLUSTERVIZ_AUDIT_RETENTION
    cutoff = (AuditRecord.objects.filter(cluster_id=cluster_id).order_by("-id")
              .values_list("id", flat=True)[keep:keep + 1])
    if cutoff:
        AuditRecord.objects.filter(cluster_id=cluster_id, id__lte=cutoff[0]).delete()
