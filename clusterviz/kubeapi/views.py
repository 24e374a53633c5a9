"""The Kubernetes REST API over HTTP: a thin translation between Django requests and the
simulation's :class:`~simulation.apiserver.server.APIServer`.

Nothing here decides anything about Kubernetes semantics; it moves bytes. Every answer
under ``/clusters/<name>/`` is JSON (a ``Status`` on error, never a Django HTML page),
because kubectl prints a generic message for anything else (kube-api-wire.md §8).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import AsyncIterator

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from clusterviz.clusters import apiservers
from clusterviz.clusters.store import latest_revisions
from simulation.apiserver import codec, errors
from simulation.apiserver.request import APIRequest, APIResponse
from simulation.apiserver.watch import Watcher

logger = logging.getLogger(__name__)

#: How often a quiet watch re-reads the revision log even without an in-process nudge
#: (writes made by another process only show up this way).
WATCH_IDLE_POLL_SECONDS = 1.0
WATCH_TICK_SECONDS = 0.05


def json_response(code: int, body: object, headers: dict | None = None) -> HttpResponse:
    if isinstance(body, (dict, list)):
        response = HttpResponse(json.dumps(body, separators=(",", ":")), status=code,
                                content_type="application/json")
    else:
        response = HttpResponse(body or "", status=code, content_type="text/plain")
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _api_request(request: HttpRequest, path: str) -> APIRequest:
    headers = {k: v for k, v in request.headers.items()}
    return APIRequest(method=request.method or "GET", path="/" + path, query=dict(request.GET.items()),
                      headers=headers, body=request.body if request.method in ("POST", "PUT", "PATCH", "DELETE")
                      else None)


@csrf_exempt
async def kube_api(request: HttpRequest, cluster: str, path: str = "") -> HttpResponse:
    """Every Kubernetes API path of one cluster."""
    try:
        server = await sync_to_async(apiservers.get)(cluster)
    except apiservers.UnknownCluster:
        return json_response(404, errors.StatusError(404, "NotFound", f'cluster "{cluster}" not found').status())
    try:
        api_request = _api_request(request, path)
    except RequestDataTooBig:
        return json_response(413, errors.too_large(codec.MAX_REQUEST_BODY_BYTES).status())
    try:
        response: APIResponse = await sync_to_async(server.handle)(api_request)
    except Exception as exc:  # a bug must still answer as Kubernetes does, never with HTML
        logger.exception("internal error serving %s", request.path)
        return json_response(500, errors.internal(str(exc)).status())
    if response.watcher is not None:
        stream = StreamingHttpResponse(_stream(response.watcher, server.cluster_id),
                                       content_type="application/json")
        stream["Cache-Control"] = "no-cache, private"
        return stream
    return json_response(response.code, response.body, response.headers)


async def _stream(watcher: Watcher, cluster_id: int) -> AsyncIterator[bytes]:
    """One JSON event per line, flushed as its own chunk (the Python client needs the ``\\n``)."""
    last_read = 0.0
    while not watcher.done:
        nudged = latest_revisions.get(cluster_id, 0) > watcher.revision
        now = time.monotonic()
        if nudged or now - last_read >= WATCH_IDLE_POLL_SECONDS or watcher.expired():
            last_read = now
            events = await sync_to_async(watcher.poll)()
            if events:
                yield b"".join(json.dumps(ev, separators=(",", ":")).encode() + b"\n" for ev in events)
                continue
        await asyncio.sleep(WATCH_TICK_SECONDS)
