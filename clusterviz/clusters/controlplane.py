"""A highly available cluster's etcd members and API servers, as seen by a process that does
not host the cluster's kernel (``manage.py simworker`` hosts it elsewhere).

Only the hosting process runs the members and API servers; the others learn which ones are
stopped from what the host persists (``Cluster.sim_state["stopped"]``, written on every stop and
start), read at most once a second. They run the same Raft model and load balancer over it, so a
write through any web process needs the same quorum and a stopped API server is skipped by every
process's balancer. The hosting process replaces these with the live ones
(:meth:`simulation.cluster.SimCluster.init_ha`).
"""
from __future__ import annotations

import threading
import time

from simulation.apiserver.loadbalancer import Instance, LoadBalancer
from simulation.cluster import ha_members, install_ha
from simulation.etcd import EtcdCluster, Member
from simulation.kubeadm.manifests import ETCD, KUBE_APISERVER
from simulation.store import Store

from .models import Cluster

#: How stale a non-hosting process's view of the stopped members may be.
REFRESH_SECONDS = 1.0


class StoppedComponents:
    """The components the hosting process says are stopped, read at most every ``REFRESH_SECONDS``."""

    def __init__(self, cluster_id: int) -> None:
        self.cluster_id = cluster_id
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        self.names: set[str] = set()

    def current(self) -> set[str]:
        """The stopped components' names, read again when due."""
        with self._lock:
            now = time.monotonic()
            if now - self._read_at >= REFRESH_SECONDS:
                self._read_at = now
                state = Cluster.objects.filter(pk=self.cluster_id).values_list("sim_state", flat=True).first() or {}
                self.names = set(state.get("stopped") or [])
            return self.names


class StoredEtcd(EtcdCluster):
    def __init__(self, stopped: StoppedComponents, members: list[Member], seed: int) -> None:
        super().__init__(members, seed=seed)
        self.stopped = stopped

    def has_quorum(self) -> bool:
        stopped = self.stopped.current()
        for member in self.members:
            if (f"{ETCD}/{member.name}" in stopped) == member.running:
                (self.stop if member.running else self.start)(member.name)
        return super().has_quorum()

    def component_statuses(self) -> list[dict]:
        self.has_quorum()
        return super().component_statuses()


class StoredLoadBalancer(LoadBalancer):
    def __init__(self, stopped: StoppedComponents, store: Store, nodes: list[tuple[str, str]]) -> None:
        super().__init__(store, nodes)
        self.stopped = stopped

    def pick(self) -> Instance:
        stopped = self.stopped.current()
        for instance in self.instances:
            down = f"{KUBE_APISERVER}/{instance.node}" in stopped
            if down and instance.running:
                instance.stop()
            elif not down and not instance.running:
                instance.start()
        return super().pick()


def install(server, cluster: Cluster) -> None:  # noqa: ANN001 - an APIServer
    """Give a highly available cluster's server the stored view of its members and API servers."""
    stopped = StoppedComponents(cluster.pk)
    members = ha_members()
    install_ha(server, StoredEtcd(stopped, [Member(name, ip) for name, ip in members],
                                  int((cluster.sim_state or {}).get("seed", 1))),
               StoredLoadBalancer(stopped, server.store, members))
