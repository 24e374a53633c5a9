"""Several kube-apiservers behind one address, as a highly available control plane runs them
(kind puts an haproxy in front of its control-plane nodes; kubeadm calls its address the
``controlPlaneEndpoint``).

Every instance is a whole API server over the same etcd — stateless but for its watch cache,
which each fills from etcd on its own. The load balancer hands each new request, and each new
watch, to the next running instance in turn (haproxy's ``roundrobin``); a stopped instance gets
none, and the watches it was serving end, so clients list and watch again through another one,
as client-go's reflectors do after a broken stream.

The simulation keeps one :class:`~simulation.apiserver.server.APIServer` for the chain (its
plugins hold no per-instance state); an :class:`Instance` is what differs between them: its
name, address, whether it runs, its watch cache and the watches it serves.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from dataclasses import dataclass, field

from simulation.store import Store

from .watch import WatchCache, Watcher


@dataclass(eq=False)
class Instance:
    """One kube-apiserver: ``kube-apiserver-<node>`` in kube-system, listening on its node's
    address."""

    node: str
    address: str
    watch_cache: WatchCache
    running: bool = True
    served: int = 0
    _watchers: weakref.WeakSet = field(default_factory=weakref.WeakSet)

    @property
    def name(self) -> str:
        return f"kube-apiserver-{self.node}"

    def serve_watch(self, watcher: Watcher) -> None:
        self._watchers.add(watcher)

    def stop(self) -> None:
        """The process exits: its watch streams break (clients see them end)."""
        self.running = False
        for watcher in list(self._watchers):
            watcher.done = True
        self._watchers.clear()

    def start(self) -> None:
        self.running = True

    def watches(self) -> int:
        return sum(1 for w in self._watchers if not w.done)

    def state(self) -> dict:
        return {"name": self.name, "node": self.node, "address": self.address, "running": self.running,
                "requests": self.served, "watches": self.watches()}


class NoInstanceRunning(Exception):
    """Every API server is down: the load balancer closes the connection."""


class LoadBalancer:
    def __init__(self, store: Store, nodes: list[tuple[str, str]]) -> None:
        """``nodes``: (node name, address) of each control-plane node, one instance on each."""
        self.instances = [Instance(node, address, WatchCache(store)) for node, address in nodes]
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def instance(self, node_or_name: str) -> Instance:
        for instance in self.instances:
            if node_or_name in (instance.node, instance.name):
                return instance
        raise KeyError(node_or_name)

    def pick(self) -> Instance:
        """The next running instance, round robin."""
        with self._lock:
            for _ in range(len(self.instances)):
                instance = self.instances[next(self._turn) % len(self.instances)]
                if instance.running:
                    instance.served += 1
                    return instance
        raise NoInstanceRunning("no kube-apiserver is running behind the load balancer")

    def state(self) -> list[dict]:
        return [i.state() for i in self.instances]
