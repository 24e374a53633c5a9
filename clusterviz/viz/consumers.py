"""The cluster page's websocket: one per browser tab and cluster.

Everything published to the cluster's channel-layer group (``audit.records`` from the API
server, ``sim.steps`` and ``sim.state`` from the simulation kernel, ``cluster.health`` when
componentstatuses change, and whatever comes next) is forwarded to the browser, together
with the events of the watches the page asks for (``{"type": "watch", "resourceVersions":
{"pods": "123", ...}}``; the watches run in-process with the user's own token, so they cross
the API server's chain and RBAC like kubectl's). Audit records are the one thing filtered per
viewer (:mod:`.audience`): the page names itself with ``?page=<id>`` on the websocket's URL
and says whether it wants its own reads with ``{"type": "options", "ownReads": true}``.
The first frame carries ``hello`` and the current ``cluster.health``.

Outgoing messages leave as soon as they arrive: the socket's pump sleeps until a group
message comes or a revision of the cluster commits (:mod:`clusterviz.clusters.wakeups`: its
watches then have events), and sends what waits as one frame; frames are at least ``MIN_FRAME_SECONDS`` apart,
so a burst travels as a few frames rather than hundreds. Each frame carries the next sequence
number: ``{"seq": 7, "messages": [...]}``. Channel layers drop messages under
load; a browser that sees a sequence number skipped relists from the Kubernetes API, asks
for fresh watches, like an informer after a broken watch, and for the current health with
``{"type": "health"}``.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import TypedDict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from clusterviz.clusters import apiservers, audit, health, pageagent, wakeups
from clusterviz.clusters.audit import AUDIT_RECORDS, group_name
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.store import watch_poll_due
from simulation.apiserver.request import APIRequest

from .audience import Viewer
from .identity import cluster_identity, token_for

logger = logging.getLogger(__name__)


class Watchable(TypedDict):
    """One resource the page watches: the ``kind`` its list items lack, and its list path."""

    kind: str
    path: str


#: The resources the cluster page lists and watches (its informers), with their kinds and
#: list paths. The only copy: the page receives it in its configuration (``views.py``), so
#: the browser lists and watches exactly what this consumer accepts.
WATCHABLE: dict[str, Watchable] = {
    "nodes": {"kind": "Node", "path": "/api/v1/nodes"},
    "pods": {"kind": "Pod", "path": "/api/v1/pods"},
    "events": {"kind": "Event", "path": "/api/v1/events"},
    "deployments": {"kind": "Deployment", "path": "/apis/apps/v1/deployments"},
    "replicasets": {"kind": "ReplicaSet", "path": "/apis/apps/v1/replicasets"},
    "services": {"kind": "Service", "path": "/api/v1/services"},
    "endpoints": {"kind": "Endpoints", "path": "/api/v1/endpoints"},
    "replicationcontrollers": {"kind": "ReplicationController", "path": "/api/v1/replicationcontrollers"},
    "statefulsets": {"kind": "StatefulSet", "path": "/apis/apps/v1/statefulsets"},
    "daemonsets": {"kind": "DaemonSet", "path": "/apis/apps/v1/daemonsets"},
    "jobs": {"kind": "Job", "path": "/apis/batch/v1/jobs"},
    "cronjobs": {"kind": "CronJob", "path": "/apis/batch/v1/cronjobs"},
    "persistentvolumeclaims": {"kind": "PersistentVolumeClaim", "path": "/api/v1/persistentvolumeclaims"},
    "persistentvolumes": {"kind": "PersistentVolume", "path": "/api/v1/persistentvolumes"},
    "endpointslices": {"kind": "EndpointSlice", "path": "/apis/discovery.k8s.io/v1/endpointslices"},
    "resourcequotas": {"kind": "ResourceQuota", "path": "/api/v1/resourcequotas"},
    "ingresses": {"kind": "Ingress", "path": "/apis/networking.k8s.io/v1/ingresses"},
}
#: A frame stays well under daphne's 1 MiB websocket message limit (autobahn drops bigger ones):
#: a busy 50 ms is sent as several frames, and a big message is split along its list.
MAX_FRAME_BYTES = 512 * 1024
LIST_FIELDS = ("records", "steps", "events")
#: Close codes (4000-4999 are the application's): not logged in, no such cluster.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _cluster_and_token(name: str, user) -> tuple[int, str] | None:  # noqa: ANN001
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        return None
    return cluster.pk, token_for(cluster, user).token


def _health(cluster: str) -> dict:
    """The cluster's componentstatuses as a websocket message, computed as ``kubectl get cs``
    computes them (once per connecting page, never per frame)."""
    return health.message(apiservers.get(cluster).component_statuses())


def _page_id(scope: dict) -> str:
    """The id the page sends with its requests (``?page=``); one of our own if it sent none,
    so its watches are still told apart from everybody's."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("page", [])
    return values[0] if values and pageagent.PAGE_ID.match(values[0]) else secrets.token_hex(8)


def _pieces(message: dict) -> list[str]:
    """``message`` as JSON texts of at most ``MAX_FRAME_BYTES`` each (split along its list)."""
    text = json.dumps(message, separators=(",", ":"))
    if len(text) <= MAX_FRAME_BYTES:
        return [text]
    for field in LIST_FIELDS:
        items = message.get(field)
        if isinstance(items, list) and len(items) > 1:
            half = len(items) // 2
            return _pieces({**message, field: items[:half]}) + _pieces({**message, field: items[half:]})
    return [text]  # one item past the limit: it goes alone


def _open_watch(cluster: str, token: str, page_id: str, path: str, resource_version: str):  # noqa: ANN202
    server = apiservers.get(cluster)
    query = {"watch": "true", "allowWatchBookmarks": "false", "timeoutSeconds": "3600"}
    if resource_version:
        query["resourceVersion"] = str(resource_version)
    return server.handle(APIRequest("GET", path, query=query, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json",
        "User-Agent": pageagent.user_agent(page_id)}))


class ClusterConsumer(AsyncJsonWebsocketConsumer):
    #: The least time between two frames: what arrives meanwhile goes in the next.
    MIN_FRAME_SECONDS = 0.015
    #: How long a pump sleeps without a wake-up before it checks its watches anyway (a quiet
    #: watch's timeout, a revision whose notification was lost: see ``watch_poll_due``).
    IDLE_SECONDS = 0.25

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.cluster = self.scope["url_route"]["kwargs"]["name"]
        found = await database_sync_to_async(_cluster_and_token)(self.cluster, user)
        if found is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.cluster_id, self.token = found
        self.viewer = Viewer(user=cluster_identity(user)[0], page_id=_page_id(self.scope))
        self.group = group_name(self.cluster)
        self.seq = 0
        self.pending: list[dict] = []
        self.watchers: dict[str, list] = {}  # resource -> [watcher, last poll time]
        self.wake = asyncio.Event()
        wakeups.register(self.cluster_id, self.wake)
        audit.serve_from(asyncio.get_running_loop())
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.pending.append({"type": "hello", "cluster": self.cluster, "user": user.get_username(),
                             "frame_seconds": self.MIN_FRAME_SECONDS})
        # joined first, computed second: a change published meanwhile comes after this answer
        self.pending.append(await database_sync_to_async(_health)(self.cluster))
        self.pump = asyncio.ensure_future(self._pump())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "pump"):
            self.pump.cancel()
        if hasattr(self, "wake"):
            wakeups.unregister(self.cluster_id, self.wake)
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # ------------------------------------------------------------------ group messages
    async def dispatch(self, message: dict) -> None:
        """Forward every group message (``audit.records``, ``sim.steps``, ``sim.state``, ...)
        without a handler per type: a message type added later must not kill the socket.
        Audit records go through the viewer's filter; a batch left empty is not sent."""
        if message["type"].startswith("websocket."):
            await super().dispatch(message)
            return
        if message["type"] == AUDIT_RECORDS:
            records = [r for r in message.get("records", []) if self.viewer.sees(r)]
            if not records:
                return
            message = {**message, "records": records}
        self.pending.append(message)
        self.wake.set()

    # ------------------------------------------------------------------ from the browser
    async def receive_json(self, content: dict, **kwargs) -> None:
        if content.get("type") == "watch":
            await self._watch(content.get("resourceVersions") or {})
        elif content.get("type") == "options":
            self.viewer.own_reads = bool(content.get("ownReads"))
        elif content.get("type") == "health":
            self.pending.append(await database_sync_to_async(_health)(self.cluster))
        elif content.get("type") == "ping":
            self.pending.append({"type": "pong"})
        self.wake.set()

    async def _watch(self, versions: dict) -> None:
        """(Re)start the watches the page asks for, each from the revision of its own list."""
        for resource in list(self.watchers):
            if resource in versions:
                del self.watchers[resource]
        for resource, rv in versions.items():
            watchable = WATCHABLE.get(resource)
            if watchable is None:
                self.pending.append({"type": "watch.error", "resource": resource, "message": "not watchable"})
                continue
            response = await database_sync_to_async(_open_watch)(self.cluster, self.token, self.viewer.page_id,
                                                                watchable["path"], rv)
            if response.watcher is None:
                self.pending.append({"type": "watch.error", "resource": resource, "code": response.code,
                                     "status": response.body})
                continue
            self.watchers[resource] = [response.watcher, 0.0]

    # ------------------------------------------------------------------ frames
    async def _pump(self) -> None:
        joined = sent = time.monotonic()
        loop = asyncio.get_running_loop()
        try:
            while True:
                # cleared before looking: whatever arrives from here on wakes the next round
                self.wake.clear()
                now = time.monotonic()
                if now - joined >= settings.GROUP_REFRESH_SECONDS:
                    # membership lapses after GROUP_EXPIRY_SECONDS (so a killed process's
                    # sockets leave the group): a live socket renews its own
                    joined = now
                    await self.channel_layer.group_add(self.group, self.channel_name)
                await self._poll_watchers()
                if self.pending:
                    if (gap := self.MIN_FRAME_SECONDS - (time.monotonic() - sent)) > 0:
                        await asyncio.sleep(gap)
                    batch, self.pending = self.pending, []
                    await self._send_frames(batch)
                    sent = time.monotonic()
                # a timer rather than wait_for: no task and future per round for every page
                timer = loop.call_later(self.IDLE_SECONDS, self.wake.set)
                await self.wake.wait()
                timer.cancel()
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - a broken pump must close the socket so the page reconnects
            logger.exception("websocket pump of %s failed", self.cluster)
            await self.close(code=1011)

    async def _send_frames(self, batch: list[dict]) -> None:
        frame: list[str] = []
        size = 0
        for message in batch:
            for text in _pieces(message):
                if frame and size + len(text) > MAX_FRAME_BYTES:
                    await self._send_frame(frame)
                    frame, size = [], 0
                frame.append(text)
                size += len(text) + 1
        if frame:
            await self._send_frame(frame)

    async def _send_frame(self, texts: list[str]) -> None:
        self.seq += 1
        await self.send(text_data=f'{{"seq":{self.seq},"time":{time.time():.3f},"messages":[{",".join(texts)}]}}')

    async def _poll_watchers(self) -> None:
        now = time.monotonic()
        for resource, entry in list(self.watchers.items()):
            watcher, last = entry
            if not watch_poll_due(watcher, self.cluster_id, last, now):
                continue
            entry[1] = now
            events = await database_sync_to_async(watcher.poll)()
            if events:
                self.pending.append({"type": "watch.events", "resource": resource, "events": events})
            if watcher.done and self.watchers.get(resource) is entry:
                del self.watchers[resource]
                self.pending.append({"type": "watch.closed", "resource": resource})
