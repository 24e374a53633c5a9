"""``bench ws``: latency from an API write to the browser's websocket message.

N clients (default 100) connect to the cluster page's consumer, in-process (Channels'
``WebsocketCommunicator``, the real consumer and channel layer, no network); each write
goes through the cluster's API server as kubectl's would, and its audit record travels
audit writer (published as it arrives, written to the table in batches) → channel-layer
group → every consumer → its next frame (sent when something waits, at least
``ClusterConsumer.MIN_FRAME_SECONDS`` after the previous one). Reported: p50/p99/max over
every (write, client) pair — what a learner waits before the dot starts to move.
"""
from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from clusterviz.clusters import apiservers, collector
from clusterviz.clusters.bootstrap import ensure_cluster, user_token
from clusterviz.viz.consumers import ClusterConsumer
from simulation.apiserver.request import APIRequest

WRITES = 50


def _setup(cluster_name: str):  # noqa: ANN202
    cluster = ensure_cluster(cluster_name)
    user, _ = get_user_model().objects.get_or_create(username="bench-ws", defaults={"is_staff": True})
    return cluster, user, user_token(cluster).token


def _write(cluster_name: str, token: str, name: str) -> None:
    server = apiservers.get(cluster_name)
    response = server.handle(APIRequest("POST", "/api/v1/namespaces/default/configmaps",
                                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                        body=f'{{"metadata": {{"name": "{name}"}}}}'.encode()))
    assert response.code == 201, response.body


async def _client(cluster_name: str, user, index: int):  # noqa: ANN001, ANN202
    communicator = WebsocketCommunicator(ClusterConsumer.as_asgi(), f"/ws/clusters/{cluster_name}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"name": cluster_name}}
    connected, _ = await communicator.connect(timeout=30)
    assert connected, f"client {index} was refused"
    return communicator


async def _run(clients: int, writes: int, cluster_name: str) -> list[float]:
    cluster, user, token = await sync_to_async(_setup)(cluster_name)
    sockets = [await _client(cluster_name, user, i) for i in range(clients)]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    prefix = f"bench-{uuid.uuid4().hex[:6]}"

    async def listen(socket) -> None:  # noqa: ANN001
        seen = 0
        while seen < writes:
            frame = await socket.receive_json_from(timeout=30)
            arrived = time.perf_counter()
            for message in frame["messages"]:
                if message["type"] != "audit.records":
                    continue
                for record in message["records"]:
                    if record.get("name", "").startswith(prefix) and record["verb"] == "create":
                        latencies.append(arrived - sent[record["name"]])
                        seen += 1

    listeners = [asyncio.ensure_future(listen(s)) for s in sockets]
    for i in range(writes):
        name = f"{prefix}-{i}"
        sent[name] = time.perf_counter()
        await sync_to_async(_write)(cluster_name, token, name)
        await asyncio.sleep(0.02)
    await asyncio.wait_for(asyncio.gather(*listeners), timeout=120)
    for socket in sockets:
        await socket.disconnect()
    return latencies


def run(options: dict) -> str:
    clients = options.get("count") or 100
    collector.tune()  # as the server runs (clusterviz.asgi)
    latencies = asyncio.run(_run(clients, WRITES, options.get("cluster") or "bench-ws"))
    ms = sorted(x * 1000 for x in latencies)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return (f"ws: {clients} clients, {WRITES} writes, {len(ms)} deliveries: API write -> websocket frame "
            f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {ms[-1]:.1f} ms, mean {statistics.mean(ms):.1f} ms\n")
