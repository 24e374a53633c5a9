"""The Kubernetes REST API over HTTP, served as a plain ASGI application in front of Django.

Nothing here decides anything about Kubernetes semantics; it moves bytes between the
wire and the simulation's :class:`~simulation.apiserver.server.APIServer`. It bypasses
Django's URL resolver and middleware on purpose: sessions, CSRF, messages and
clickjacking protection mean nothing to kubectl, and adapting each sync middleware to
async cost several thread hops per request — about 8 ms, thirty times the API server's own
work. Every answer under an API prefix is JSON (a ``Status`` on error, never an HTML
page), because kubectl prints a generic message for anything else (kube-api-wire.md §8).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from channels.db import database_sync_to_async

from clusterviz.clusters import apiservers, pageagent, wakeups
from clusterviz.clusters.store import watch_poll_due
from simulation.apiserver import codec, errors
from simulation.apiserver.request import APIRequest, APIResponse
from simulation.apiserver.watch import Watcher

logger = logging.getLogger(__name__)

#: ``/clusters/<name>/`` followed by a Kubernetes API prefix; the rest of ``/clusters/<name>/``
#: belongs to the dashboard.
API_PATH = re.compile(r"^/clusters/(?P<cluster>[-a-z0-9]+)(?P<path>/(?:api|apis|version|openapi|healthz|livez|"
                      r"readyz)(?:/.*)?)$")
#: How often a watch stream with no wake-up (:mod:`clusterviz.clusters.wakeups`) checks
#: whether its timeout is up or a quiet period calls for a poll anyway.
WATCH_IDLE_TICK_SECONDS = 0.25
#: How often a followed log asks the kubelet for new lines.
LOG_FOLLOW_SECONDS = 0.5
CLUSTERS_PREFIX = "/clusters/"
#: A ``.`` or ``..`` path segment: clients never send one; a hostile path does.
DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|$)")

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def answers_as_kubernetes(path: str) -> bool:
    """Whether every answer to ``path`` (decoded, without the query) is Kubernetes JSON: an API
    path of a cluster, or a hostile ``.``/``..`` path under ``/clusters/``. The HTTP layer below
    (``clusterviz.server.protocol``) asks the same when it refuses a request itself."""
    return API_PATH.match(path) is not None or (path.startswith(CLUSTERS_PREFIX) and DOT_SEGMENT.search(path)
                                                 is not None)


def _serve(cluster: str, request: APIRequest) -> tuple[APIResponse, int | None]:
    """One thread hop for the whole request: find the cluster's server, then handle."""
    try:
        server = apiservers.get(cluster)
    except apiservers.UnknownCluster:
        return APIResponse(404, errors.StatusError(404, "NotFound", f'cluster "{cluster}" not found').status()), None
    return server.handle(request), server.cluster_id


async def _send_body(send: Send, code: int, body: Any, headers: dict[str, str]) -> None:
    if isinstance(body, (dict, list)):
        payload, content_type = codec.encode(body), b"application/json"
    else:
        payload, content_type = str(body or "").encode(), b"text/plain; charset=utf-8"
    raw_headers = [(b"content-type", content_type), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or ``None`` once it passes the 3 MiB limit (the rest is not kept)."""
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > codec.MAX_REQUEST_BODY_BYTES:
            too_large = True
        elif chunk:
            chunks.append(chunk)
        if not message.get("more_body"):
            return None if too_large else b"".join(chunks)


def _headers(scope: dict) -> dict[str, str]:
    """The request's headers; several lines of one name (``kubectl --as-group`` twice) are
    joined with commas, as HTTP allows, rather than the last one winning."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class KubeAPIApplication:
    """Routes Kubernetes API paths to the cluster's API server; everything else to ``fallback``."""

    def __init__(self, fallback: Callable[[dict, Receive, Send], Awaitable[None]]) -> None:
        self.fallback = fallback
        self.serve = database_sync_to_async(_serve)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(CLUSTERS_PREFIX) and DOT_SEGMENT.search(path):
            # ``/clusters/../clusters/demo/api`` must not reach Django's HTML 404 (or anything else)
            await _send_body(send, 404, errors.path_not_found().status(), {})
            return
        match = API_PATH.match(path) if scope["type"] == "http" else None
        if match is None:
            await self.fallback(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            await _send_body(send, 413, errors.too_large(codec.MAX_REQUEST_BODY_BYTES).status(), {})
            return
        headers = pageagent.tagged(_headers(scope))
        items = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        method = scope["method"]
        request = APIRequest(method=method, path=match["path"], query=dict(items), query_items=items, headers=headers,
                             body=body if method in ("POST", "PUT", "PATCH", "DELETE") else None)
        try:
            response, cluster_id = await self.serve(match["cluster"], request)
        except Exception as exc:  # a bug must still answer as Kubernetes does, never with HTML
            logger.exception("internal error serving %s", scope.get("path"))
            await _send_body(send, 500, errors.internal(str(exc)).status(), {})
            return
        if response.stream is not None:
            await self._stream_text(response, receive, send)
            return
        if response.watcher is None:
            await _send_body(send, response.code, response.body, response.headers)
            return
        await self._stream(response.watcher, cluster_id, receive, send)

    async def _stream(self, watcher: Watcher, cluster_id: int, receive: Receive, send: Send) -> None:
        """One JSON event per line, each flushed as its own chunk (the Python client needs the
        ``\\n``), until the watch times out, the server ends it, or the client goes away."""
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"cache-control", b"no-cache, private")]})
        # Twisted holds the headers back until the first body write; an informer waits for
        # them before it reacts to anything (kubectl wait hangs on a quiet watch otherwise).
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        poll = database_sync_to_async(watcher.poll)
        last_read = 0.0
        # woken when a revision of the cluster commits, else every tick for the idle checks
        wake = asyncio.Event()
        wakeups.register(cluster_id, wake)
        disconnected.add_done_callback(lambda _: wake.set())
        loop = asyncio.get_running_loop()
        try:
            while not watcher.done and not disconnected.done():
                wake.clear()
                now = time.monotonic()
                if watch_poll_due(watcher, cluster_id, last_read, now):
                    last_read = now
                    events = await poll()
                    if events:
                        await send({"type": "http.response.body", "more_body": True, "body": b"".join(
                            codec.encode(ev) + b"\n" for ev in events)})
                        continue
                timer = loop.call_later(WATCH_IDLE_TICK_SECONDS, wake.set)
                await wake.wait()
                timer.cancel()
            if not disconnected.done():
                await send({"type": "http.response.body", "body": b""})
        finally:
            wakeups.unregister(cluster_id, wake)
            disconnected.cancel()


    async def _stream_text(self, response: APIResponse, receive: Receive, send: Send) -> None:
        """``kubectl logs -f``: what the log holds now, then each new line as it is written,
        until the container exits or the client goes away."""
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/plain"), (b"cache-control", b"no-cache, private")]})
        await send({"type": "http.response.body", "body": str(response.body or "").encode(), "more_body": True})
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        poll = database_sync_to_async(response.stream.poll)
        try:
            while not response.stream.done and not disconnected.done():
                await asyncio.sleep(LOG_FOLLOW_SECONDS)
                chunk = await poll()
                if chunk:
                    await send({"type": "http.response.body", "body": chunk.encode(), "more_body": True})
            if not disconnected.done():
                await send({"type": "http.response.body", "body": b""})
        finally:
            disconnected.cancel()


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
