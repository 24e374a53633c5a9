"""The audit writer: nothing one user sends may fail another user's request or erase the
audit records of others batched with it."""
from __future__ import annotations

import pytest

from clusterviz.clusters.audit import AuditWriter
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import AuditRecord
from simulation.apiserver.audit import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_record_utf8_cannot_carry_is_written_scrubbed_with_the_rest_of_its_batch() -> None:
    cluster = create_cluster("audit-scrub")
    writer = AuditWriter(cluster)
    writer(AuditEvent("create", "/api/v1/namespaces/default/configmaps", user="mallory", name="fz\udcff",
                      message="bad name fz\udcff", stages=[{"stage": "validation", "plugins": ["x\udcff"]}]))
    for i in range(3):
        writer(AuditEvent("create", "/api/v1/namespaces/default/configmaps", user=f"student-{i}", name=f"cm-{i}"))

    writer.flush()

    rows = {r.user: r for r in AuditRecord.objects.filter(cluster=cluster, verb="create", resource="")}
    assert set(rows) == {"mallory", "student-0", "student-1", "student-2"}
    assert rows["mallory"].name == "fz\ufffd"
    assert rows["mallory"].stages == [{"stage": "validation", "plugins": ["x\ufffd"]}]
