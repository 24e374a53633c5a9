"""What every simulated process (scheduler, controller manager, kubelet, kube-proxy) shares:
a name the diagram shows, an API client as its own user, informers from one shared
factory, a start/stop lifecycle the control API drives, and optional leader election.

Stopping a component is killing its process: its pending actions are dropped, its watches
closed, its caches forgotten. Starting it again is a fresh process that lists from scratch.
"""
from __future__ import annotations

from simulation.kernel import Kernel

from .apiclient import APIClient
from .events import EventRecorder
from .informer import DropCounter, Informer
from .leaderelection import LeaderElector

RUNNING = "running"
STOPPED = "stopped"


class Component:
    #: What the diagram draws it as: scheduler, controller-manager, kubelet, kube-proxy.
    kind = ""
    #: Informers re-list this often (virtual seconds): how soon missed events get repaired.
    relist_period_seconds = 30.0

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *, node: str | None = None,
                 leader_election: bool = False, lease_name: str = "", identity: str = "") -> None:
        self.name = name
        self.kernel = kernel
        self.client = client
        self.node = node
        self.state = STOPPED
        self.drops = DropCounter()
        self.informers: dict[tuple, Informer] = {}
        self.recorder = EventRecorder(kernel, client, self.event_source(), host=node or "")
        self.leader_election = leader_election
        self.lease_name = lease_name or name
        self.identity = identity or name
        self.elector: LeaderElector | None = None
        self.leading = False

    def event_source(self) -> str:
        return self.name

    # ----------------------------------------------------------------- informers
    def informer(self, resource: str, *, namespace: str = "", field_selector: str = "",
                 label_selector: str = "") -> Informer:
        """The component's shared informer for this resource and selector (one watch each)."""
        key = (resource, namespace, field_selector, label_selector)
        if key not in self.informers:
            self.informers[key] = Informer(self.kernel, self.client, resource, component=self.name,
                                           namespace=namespace, field_selector=field_selector,
                                           label_selector=label_selector, drops=self.drops,
                                           relist_period_seconds=self.relist_period_seconds)
        return self.informers[key]

    # ----------------------------------------------------------------- lifecycle
    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def start(self) -> None:
        if self.running:
            return
        self.state = RUNNING
        if self.leader_election:
            self.elector = LeaderElector(self.kernel, self.client, lease_name=self.lease_name, identity=self.identity,
                                         component=self.name, on_started_leading=self._lead,
                                         on_stopped_leading=self._unlead, recorder=self.recorder)
            self.elector.start()
        else:
            self._lead()

    def _lead(self) -> None:
        self.leading = True
        self.run()
        for informer in self.informers.values():
            if not informer.running:
                informer.start()

    def _unlead(self) -> None:
        """Lost the lease: stop working at once, as upstream's components exit."""
        self.leading = False
        self._stop_work()

    def stop(self) -> None:
        if not self.running:
            return
        self.state = STOPPED
        self.leading = False
        self._stop_work()
        self.elector = None

    def _stop_work(self) -> None:
        for informer in self.informers.values():
            informer.stop()
        self.informers.clear()
        self.kernel.cancel_component(self.name)
        self.on_stop()

    def run(self) -> None:
        """Set up informers, handlers and timers (informers are started after this returns)."""
        raise NotImplementedError

    def on_stop(self) -> None:
        """Forget in-memory state (a stopped process loses it)."""

    def status(self) -> dict:
        return {"name": self.name, "kind": self.kind, "node": self.node, "state": self.state,
                "leader": self.leading if self.leader_election else None,
                "identity": self.identity, "dropped_watch_events": self.drops.dropped,
                "pending_drops": self.drops.remaining}
