"""The audit writer: nothing one user sends may fail another user's request or erase the
audit records of others batched with it; the browser hears of records while it watches."""
from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from clusterviz.clusters import audit
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


def test_a_page_hears_the_records_written_while_it_watches_and_none_from_before() -> None:
    cluster = create_cluster("audit-audience")
    writer = AuditWriter(cluster)
    layer = get_channel_layer()

    async def scenario() -> None:
        audit.serve_from(asyncio.get_running_loop())
        assert not audit.has_audience(cluster.name)
        writer(AuditEvent("get", "/api/v1/pods", user="nobody-watched"))
        channel = await layer.new_channel()
        await layer.group_add(audit.group_name(cluster.name), channel)
        assert audit.has_audience(cluster.name)
        writer(AuditEvent("get", "/api/v1/pods", user="watched"))
        message = await asyncio.wait_for(layer.receive(channel), 5)
        assert message["type"] == audit.AUDIT_RECORDS
        assert [r["user"] for r in message["records"]] == ["watched"]
        await layer.group_discard(audit.group_name(cluster.name), channel)

    async_to_sync(scenario)()
    writer.flush()
    assert {r.user for r in AuditRecord.objects.filter(cluster=cluster)} >= {"nobody-watched", "watched"}
