"""Component health is computed once per cluster, where its kernel runs, and published to the
cluster's group when it changes: the pages never list componentstatuses themselves."""
from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from clusterviz.clusters import health
from clusterviz.clusters.audit import group_name
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.sim.host import KernelHost

pytestmark = pytest.mark.django_db(transaction=True)


def listener(cluster: str) -> str:
    """A channel in the cluster's group, as a page's consumer joins it."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(cluster), channel)
    return channel


def health_messages(channel: str) -> list[dict]:
    """The health messages waiting on ``channel`` (the others are skipped)."""
    layer = get_channel_layer()

    async def drain() -> list[dict]:
        out = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.2)
            except TimeoutError:
                return out
            if message["type"] == health.HEALTH:
                out.append(message)
    return async_to_sync(drain)()


def healthy(message: dict) -> dict[str, str]:
    return {item["metadata"]["name"]: item["conditions"][0]["status"] for item in message["items"]}


def test_unchanged_statuses_are_published_once() -> None:
    channel = listener("health-once")
    statuses = [{"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True"}]}]

    published = [health.publish_changes("health-once", statuses) for _ in range(3)]

    assert published == [True, False, False]
    assert health_messages(channel) == [health.message(statuses)]


def test_the_kernels_host_publishes_health_when_a_component_stops_and_starts() -> None:
    cluster = create_cluster("health-host")
    host = KernelHost(cluster)  # not started: its state is published by hand, as its thread would
    scheduler = next(c.name for c in host.sim.components.values() if c.status()["kind"] == "scheduler")
    channel = listener("health-host")

    host.publish_state()
    host.publish_state()  # every second: nothing changed, nothing more to say
    first = health_messages(channel)
    host.execute({"op": "stop", "name": scheduler})
    stopped = health_messages(channel)
    host.execute({"op": "start", "name": scheduler})
    started = health_messages(channel)

    assert [healthy(m) for m in first] == [{"scheduler": "True", "controller-manager": "True", "etcd-0": "True"}]
    assert [healthy(m) for m in stopped] == [{"scheduler": "False", "controller-manager": "True", "etcd-0": "True"}]
    assert "connection refused" in stopped[0]["items"][0]["conditions"][0]["message"]
    assert [healthy(m) for m in started] == [{"scheduler": "True", "controller-manager": "True", "etcd-0": "True"}]
    # the same answer as `kubectl get componentstatuses`
    assert started[0]["items"] == host.sim.server.component_statuses()
