"""One :class:`APIServer` per cluster per process, assembled from the simulation's plugins
and this project's Django-backed store, token list and audit trail.

This is the only place that wires Django to the simulation: the server it builds is the
same one the unit tests build around a ``MemoryStore``.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from django.conf import settings

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.request import UserInfo
from simulation.apiserver.server import APIServer

from . import audit, health
from .models import Cluster, TokenRecord
from .store import DjangoStore

_servers: dict[str, APIServer] = {}
_lock = threading.Lock()


class UnknownCluster(LookupError):
    pass


def _token_lookup(cluster_id: int) -> Callable[[str], UserInfo | None]:
    def lookup(token: str) -> UserInfo | None:
        record = TokenRecord.objects.filter(cluster_id=cluster_id, token=token).only("user", "groups").first()
        if record is None:
            return None
        return UserInfo(record.user, tuple(record.groups), uid=f"token-{record.pk}")
    return lookup


def build(cluster: Cluster) -> APIServer:
    """A fresh API server for ``cluster`` (also used by benchmarks and tests)."""
    store = DjangoStore(cluster.pk, compaction_window=settings.CLUSTERVIZ_COMPACTION_WINDOW)
    server = new_apiserver(
        store, token_lookup=_token_lookup(cluster.pk), anonymous_enabled=cluster.anonymous_enabled,
        audit_sink=audit.sink(cluster), clock=time.time, options={"always_pull_images": cluster.always_pull_images},
        component_statuses=health.component_statuses(store),
        server_address=f"{settings.CLUSTERVIZ_PUBLIC_HOST}:{settings.CLUSTERVIZ_HTTPS_PORT}")
    server.cluster_id = cluster.pk  # type: ignore[attr-defined]
    server.cluster_name = cluster.name  # type: ignore[attr-defined]
    return server


def get(name: str) -> APIServer:
    """The process's API server for cluster ``name``; raises :class:`UnknownCluster`."""
    server = _servers.get(name)
    if server is not None:
        return server
    with _lock:
        if name not in _servers:
            cluster = Cluster.objects.filter(name=name).first()
            if cluster is None:
                raise UnknownCluster(name)
            _servers[name] = build(cluster)
        return _servers[name]


def forget(name: str) -> None:
    """Drop the cached server (after a cluster's settings change or it is deleted)."""
    with _lock:
        _servers.pop(name, None)
