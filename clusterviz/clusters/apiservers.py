"""One :class:`APIServer` per cluster per process, assembled from the simulation's plugins
and this project's Django-backed store, token list and audit trail.

This is the only place that wires Django to the simulation: the server it builds is the
same one the unit tests build around a ``MemoryStore``. Its clock is the cluster's virtual
clock (:class:`~.clock.ClusterClock`; the kernel's own once this process hosts it), or the
wall clock on an API-only server (``CLUSTERVIZ_SIMULATION=off``), where nothing else stamps.
"""
from __future__ import annotations

import functools
import threading
import time

from django.conf import settings

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.request import UserInfo
from simulation.apiserver.server import APIServer

from . import audit, controlplane, health
from .clock import ClusterClock
from .models import Cluster, TokenRecord
from .store import DjangoStore

_servers: dict[str, APIServer] = {}
_lock = threading.Lock()


class UnknownCluster(LookupError):
    pass


class TokenTable:
    """The cluster's static token list, cached in memory: looking a token up in the database
    on every request cost more than the request's store write.

    Tokens are added from other processes (``manage.py kubeconfig --user``), so a token missing
    from the cache is looked up once in the database. They are also revoked (a class session
    closed): :func:`revoke` forgets them in this process at once, and every cached token is
    read again after ``RECHECK_SECONDS``, so other processes refuse it soon after.
    """

    RECHECK_SECONDS = 10.0

    def __init__(self, cluster_id: int) -> None:
        self.cluster_id = cluster_id
        self._users: dict[str, tuple[UserInfo, float]] = {}

    def lookup(self, token: str) -> UserInfo | None:
        cached = self._users.get(token)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.RECHECK_SECONDS:
            return cached[0]
        record = TokenRecord.objects.filter(cluster_id=self.cluster_id, token=token).first()
        if record is None:
            self._users.pop(token, None)
            return None
        user = UserInfo(record.user, tuple(record.groups), uid=f"token-{record.pk}")
        self._users[token] = (user, now)
        return user

    def forget(self, tokens: list[str]) -> None:
        for token in tokens:
            self._users.pop(token, None)


def build(cluster: Cluster) -> APIServer:
    """A fresh API server for ``cluster`` (also used by benchmarks and tests)."""
    store = DjangoStore(cluster.pk, compaction_window=settings.CLUSTERVIZ_COMPACTION_WINDOW)
    tokens = TokenTable(cluster.pk)
    clock = ClusterClock(cluster.pk) if settings.CLUSTERVIZ_SIMULATION else time.time
    server = new_apiserver(
        store, token_lookup=tokens.lookup, anonymous_enabled=cluster.anonymous_enabled,
        audit_sink=audit.AuditWriter(cluster), clock=clock,
        options={"always_pull_images": cluster.always_pull_images},
        component_statuses=health.component_statuses(store, cluster.name),
        server_address=f"{settings.CLUSTERVIZ_PUBLIC_HOST}:{settings.CLUSTERVIZ_HTTPS_PORT}")
    server.kubelet_logs = functools.partial(health.remote_logs, cluster.name)
    server.kubelet_exec = functools.partial(health.remote_exec, cluster.name)
    server.kubelet_portforward = health.remote_portforward(cluster.name)
    server.cluster_id = cluster.pk  # type: ignore[attr-defined]
    server.token_table = tokens  # type: ignore[attr-defined]
    server.cluster_name = cluster.name  # type: ignore[attr-defined]
    if (cluster.sim_state or {}).get("ha"):
        controlplane.install(server, cluster)
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


def revoke(cluster: Cluster, users: list[str]) -> int:
    """Delete every token of ``users`` in ``cluster``: their kubectl and pages get 401 from
    now on (at once in this process). How many tokens went."""
    records = TokenRecord.objects.filter(cluster=cluster, user__in=users)
    tokens = list(records.values_list("token", flat=True))
    records.delete()
    server = _servers.get(cluster.name)
    if server is not None:
        server.token_table.forget(tokens)  # type: ignore[attr-defined]
    return len(tokens)


def forget(name: str) -> None:
    """Drop the cached server (after a cluster's settings change or it is deleted)."""
    with _lock:
        _servers.pop(name, None)
