"""The websocket, per viewer: the first frame carries the cluster's health, audit records are
filtered for the user and page at the other end (:mod:`clusterviz.viz.audience`), and health
changes published once for the cluster reach every page."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from clusterviz.clusters import apiservers, health
from clusterviz.clusters.audit import group_name
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import AuditRecord
from clusterviz.clusters.pageagent import user_agent
from clusterviz.viz.routing import WebsocketRouter

pytestmark = pytest.mark.django_db(transaction=True)
KUBECTL = "kubectl/v1.33.0 (linux/amd64) kubernetes/abc"
RBAC_403 = [{"stage": "authentication", "result": "passed"},
            {"stage": "authorization", "result": "rejected", "plugin": "RBAC"}]


def record(name: str, verb: str, user: str, agent: str, stages: list[dict] | None = None) -> dict:
    return {"name": name, "verb": verb, "user": user, "user_agent": agent, "stages": stages or [],
            "code": 403 if stages else 200}


async def connect(cluster: str, user, page: str) -> WebsocketCommunicator:  # noqa: ANN001 - a Django user
    communicator = WebsocketCommunicator(WebsocketRouter(), f"/ws/clusters/{cluster}/?page={page}")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def next_message(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next message of type ``kind``, skipping the others (a frame may carry several)."""
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        for message in frame["messages"]:
            if message["type"] == kind:
                return message


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def guarded() -> None:
        await asyncio.wait_for(scenario(), 60)
    async_to_sync(guarded)()


def users(*names: str) -> list:
    return [get_user_model().objects.create_user(name, password=f"{name}-pass-1") for name in names]


def test_the_first_frame_says_hello_and_carries_the_clusters_health() -> None:
    create_cluster("stream-hello")
    [alice] = users("alice")

    async def scenario() -> None:
        ws = await connect("stream-hello", alice, "a1")
        frame = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        assert frame["seq"] == 1
        hello, status = frame["messages"][:2]
        assert hello["type"] == "hello" and hello["user"] == "alice"
        assert status == health.message(await database_sync_to_async(
            lambda: apiservers.get("stream-hello").component_statuses())())
        names = {item["metadata"]["name"]: item["conditions"][0]["status"] for item in status["items"]}
        # no kernel hosts this cluster: what kubectl says of a cluster whose scheduler is down
        assert names == {"scheduler": "False", "controller-manager": "False", "etcd-0": "True"}

    run(scenario)


def test_audit_records_are_filtered_for_each_viewer() -> None:
    create_cluster("stream-filter")
    alice, bob = users("alice", "bob")
    batch = [record("kubectl-read", "list", "carol", KUBECTL),
             record("alice-page-read", "list", "alice", user_agent("a1")),
             record("bob-page-refused", "create", "bob", user_agent("b1"), RBAC_403),
             record("bob-page-write", "create", "bob", user_agent("b1"))]

    async def scenario() -> None:
        ws_alice, ws_bob = await connect("stream-filter", alice, "a1"), await connect("stream-filter", bob, "b1")
        layer = get_channel_layer()
        await layer.group_send(group_name("stream-filter"), {"type": "audit.records", "records": batch})
        seen_by_alice = [r["name"] for r in (await next_message(ws_alice, "audit.records"))["records"]]
        seen_by_bob = [r["name"] for r in (await next_message(ws_bob, "audit.records"))["records"]]
        # alice asks for her page's own reads
        await ws_alice.send_json_to({"type": "options", "ownReads": True})
        await asyncio.sleep(0.2)
        await layer.group_send(group_name("stream-filter"), {"type": "audit.records", "records": batch})
        seen_with_own_reads = [r["name"] for r in (await next_message(ws_alice, "audit.records"))["records"]]
        await ws_alice.disconnect()
        await ws_bob.disconnect()
        assert seen_by_alice == ["kubectl-read", "bob-page-write"]
        assert seen_by_bob == ["kubectl-read", "bob-page-refused", "bob-page-write"]
        assert seen_with_own_reads == ["kubectl-read", "alice-page-read", "bob-page-write"]

    run(scenario)


def test_a_batch_the_filter_empties_is_not_sent() -> None:
    create_cluster("stream-empty")
    [alice] = users("alice")

    async def scenario() -> None:
        ws = await connect("stream-empty", alice, "a1")
        await ws.receive_json_from(timeout=5)  # hello
        layer = get_channel_layer()
        await layer.group_send(group_name("stream-empty"), {"type": "audit.records", "records": [
            record("bob-page-read", "get", "bob", user_agent("b1"))]})
        await layer.group_send(group_name("stream-empty"), {"type": "sim.steps", "steps": [{"seq": 1}]})
        frame = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        assert [m["type"] for m in frame["messages"]] == ["sim.steps"]

    run(scenario)


def test_a_health_change_published_once_reaches_every_page_and_a_page_may_ask_again() -> None:
    create_cluster("stream-health")
    alice, bob = users("alice", "bob")
    changed = [{"metadata": {"name": "scheduler"}, "conditions": [{"type": "Healthy", "status": "True",
                                                                    "message": "ok"}]}]

    async def scenario() -> None:
        viewers = [await connect("stream-health", alice, "a1"), await connect("stream-health", bob, "b1")]
        for ws in viewers:
            await next_message(ws, health.HEALTH)  # the first frame's
        assert await database_sync_to_async(health.publish_changes)("stream-health", changed)
        received = [await next_message(ws, health.HEALTH) for ws in viewers]
        await viewers[0].send_json_to({"type": "health"})
        asked = await next_message(viewers[0], health.HEALTH)
        for ws in viewers:
            await ws.disconnect()
        assert received == [health.message(changed)] * 2
        assert [i["metadata"]["name"] for i in asked["items"]] == ["scheduler", "controller-manager", "etcd-0"]

    run(scenario)


def test_the_watches_a_page_opens_are_audited_as_its_reads() -> None:
    create_cluster("stream-watch")
    [alice] = users("alice")
    first = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0

    async def scenario() -> None:
        ws = await connect("stream-watch", alice, "a1")
        await ws.send_json_to({"type": "watch", "resourceVersions": {"pods": ""}})
        await asyncio.sleep(0.3)
        await ws.disconnect()

    run(scenario)
    apiservers.get("stream-watch").audit_sink.flush()
    watch = AuditRecord.objects.get(id__gt=first, verb="watch", resource="pods")
    assert (watch.user, watch.user_agent) == ("alice", "clusterviz-page/a1")
