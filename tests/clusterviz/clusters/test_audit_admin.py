"""The audit trail and the admin, through a cluster's real API server on the Django store."""
from __future__ import annotations

import json

import pytest
from channels.layers import get_channel_layer
from asgiref.sync import async_to_sync

from clusterviz.clusters import apiservers
from clusterviz.clusters.audit import group_name
from clusterviz.clusters.bootstrap import create_cluster, user_token
from clusterviz.clusters.models import AuditRecord, Cluster, ObjectRecord
from simulation.apiserver.request import APIRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _request(cluster: Cluster, method: str, path: str, body: dict | None = None, token: str | None = None):
    token = token or user_token(cluster).token
    server = apiservers.get(cluster.name)
    return server.handle(APIRequest(method, path, headers={"Authorization": f"Bearer {token}"},
                                    body=json.dumps(body).encode() if body is not None else None))


def test_each_request_leaves_an_audit_record_naming_its_stages_and_rejections() -> None:
    cluster = create_cluster("audit-demo")
    ok = _request(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c1"}})
    assert ok.code == 201
    alice = user_token(cluster, "alice").token
    denied = _request(cluster, "GET", "/api/v1/namespaces/default/pods", token=alice)
    assert denied.code == 403
    apiservers.get(cluster.name).audit_sink.flush()

    created = AuditRecord.objects.get(cluster=cluster, verb="create", resource="configmaps", name="c1")
    assert created.code == 201 and created.user == "admin"
    assert created.revision == int(ok.body["metadata"]["resourceVersion"])
    assert [s["stage"] for s in created.stages] == ["authentication", "authorization", "mutating-admission",
                                                    "validation", "validating-admission", "storage"]
    rejected = AuditRecord.objects.get(cluster=cluster, verb="list", resource="pods", user="alice")
    assert rejected.code == 403 and rejected.rejected_by == "RBAC"
    assert rejected.stages[-1]["stage"] == "authorization" and rejected.stages[-1]["result"] == "rejected"
    assert 'User "alice" cannot list resource "pods"' in rejected.message


def test_audit_records_reach_the_clusters_channel_group() -> None:
    cluster = create_cluster("audit-feed")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(cluster.name), channel)
    try:
        _request(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "fed"}})
        apiservers.get(cluster.name).audit_sink.flush()
        records = []
        while not any(r["name"] == "fed" for r in records):
            message = async_to_sync(layer.receive)(channel)
            assert message["type"] == "audit.records"
            records += message["records"]
    finally:
        async_to_sync(layer.group_discard)(group_name(cluster.name), channel)
    fed = next(r for r in records if r["name"] == "fed")
    assert fed["verb"] == "create" and fed["code"] == 201 and fed["user"] == "admin"


def test_admin_lists_clusters_objects_and_audit_records(admin_client) -> None:
    cluster = create_cluster("admin-demo")
    apiservers.get(cluster.name).audit_sink.flush()
    assert ObjectRecord.objects.filter(cluster=cluster, key="/registry/namespaces/default").exists()
    for model in ("cluster", "objectrecord", "revisionrecord", "auditrecord", "tokenrecord"):
        response = admin_client.get(f"/admin/clusters/{model}/")
        assert response.status_code == 200, model
    page = admin_client.get("/admin/clusters/objectrecord/").content.decode()
    assert "/registry/namespaces/default" in page
