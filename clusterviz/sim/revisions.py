"""When each revision was written: the cluster page's time travel says "viewing revision N
(t=…)". The store's revision log keeps objects, not times; every write crossed the API server,
which left an audit record with the revision it wrote and the cluster's clock at that moment.
"""
from __future__ import annotations

from typing import TypedDict

from clusterviz.clusters.models import AuditRecord


class WrittenAt(TypedDict):
    """A revision's moment: the newest write at or before it, and the request that made it."""

    revision: int
    written_revision: int
    virtual_time: float | None
    verb: str
    resource: str
    subresource: str
    namespace: str
    name: str
    user: str


def written_at(cluster: str, revision: int) -> WrittenAt | None:
    """The write that brought the store to ``revision`` (or, where the audit trail has no record
    of that one, the newest write before it); None when the trail keeps none that old."""
    record = (AuditRecord.objects.filter(cluster__name=cluster, revision__isnull=False, revision__lte=revision,
                                         code__lt=300)
              .order_by("-revision", "-id").first())
    if record is None:
        return None
    return {"revision": revision, "written_revision": record.revision, "virtual_time": record.virtual_time,
            "verb": record.verb, "resource": record.resource, "subresource": record.subresource,
            "namespace": record.namespace, "name": record.name, "user": record.user}
