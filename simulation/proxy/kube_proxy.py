"""kube-proxy on one node: watches Services and EndpointSlices and keeps the node's iptables rules
(:mod:`.iptables`) in step with them.

Promises:

* It is handed an API client (``system:kube-proxy``, bound to ``system:node-proxier``) and
  reads Services and EndpointSlices through its informers, nothing else (as 1.33's
  kube-proxy, which no longer reads core Endpoints).
* A change that matters (a service's spec, a slice's endpoints or ports) asks for a sync; syncs
  are at least ``min_sync_period_seconds`` apart (upstream's ``minSyncPeriod``), so a burst
  of changes is one rewrite. Each sync is one kernel action whose caption says what changed
  ("service default/web now has 3 endpoints"); a sync that rewrote the same rules is housekeeping.
* :meth:`KubeProxy.rules` is the last written rule set, as ``iptables-save`` prints it;
  :meth:`KubeProxy.services` is the same, structured for drawing.
* A started process says so on its Node, as upstream's ``birthCry``: a ``Starting`` Event
  (action ``StartKubeProxy``, no note) recorded through ``events.k8s.io/v1`` by reporter
  ``kube-proxy``, instance ``kube-proxy-<node>``, about the Node referenced by name with its name
  for a uid (upstream's ``NodeRef``, which ``kubectl describe node`` looks up that way).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Callable

from simulation.apimachinery.wellknown import KUBE_PROXY
from simulation.client.apiclient import APIClient
from simulation.client.component import Component
from simulation.client.events import NORMAL
from simulation.client.eventsv1 import EventsV1Recorder
from simulation.kernel import Kernel, Timer

from . import iptables, netfilter

#: Upstream's default ``--cluster-cidr`` in kind/kubeadm clusters (traffic from outside it is masqueraded).
DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
MIN_SYNC_PERIOD_SECONDS = 1.0
#: Virtual seconds between noticing a change and rewriting the rules.
SYNC_DELAY_SECONDS = 0.05
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
#: Upstream's slice informer skips headless Services and those another proxy serves.
SLICE_SELECTOR = "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name"


class KubeProxy(Component):
    kind = "kube-proxy"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *, node: str,
                 cluster_cidr: str = DEFAULT_CLUSTER_CIDR,
                 min_sync_period_seconds: float = MIN_SYNC_PERIOD_SECONDS) -> None:
        super().__init__(name, kernel, client, node=node)
        self.cluster_cidr = cluster_cidr
        self.min_sync_period_seconds = min_sync_period_seconds
        self._rules: list[str] = []
        self._planned: list[iptables.ServicePortRules] = []
        self._counts: dict[str, int] = {}
        self._timer: Timer | None = None
        self._last_sync = -float("inf")
        self.syncs = 0

    def event_source(self) -> str:
        return KUBE_PROXY

    # ----------------------------------------------------------------- lifecycle
    def run(self) -> None:
        # a new process: a recorder with an empty series cache (upstream: NewRecorder(scheme, "kube-proxy"))
        self.events = EventsV1Recorder(self.kernel, self.client, KUBE_PROXY, self.node, component=self.name)
        self.events.eventf({"kind": "Node", "metadata": {"name": self.node, "uid": self.node}}, None, NORMAL,
                           "Starting", "StartKubeProxy", "")
        self.services_informer = self.informer("services")
        self.slices_informer = self.informer("endpointslices", label_selector=SLICE_SELECTOR)
        for informer, relevant in ((self.services_informer, _service_part), (self.slices_informer, _slice_part)):
            informer.add_event_handler(
                lambda obj: self._request_sync(),
                lambda old, new, relevant=relevant: relevant(old) != relevant(new) and self._request_sync(),
                lambda obj: self._request_sync())
        self._request_sync()

    def on_stop(self) -> None:
        """The process is gone; the rules it wrote stay in the node's kernel, as on a real node."""
        self._timer = None

    # ----------------------------------------------------------------- syncing
    def _request_sync(self) -> None:
        if self._timer is not None and not self._timer.cancelled:
            return
        now = self.kernel.now_seconds
        at = max(now + SYNC_DELAY_SECONDS, self._last_sync + self.min_sync_period_seconds)
        self._timer = self.kernel.schedule(at - now, self.sync_proxy_rules, component=self.name, action="sync-rules")

    def sync_proxy_rules(self) -> dict:
        """``syncProxyRules``: recompute every rule from the informers' caches."""
        self._timer = None
        self._last_sync = self.kernel.now_seconds
        self.syncs += 1
        services = self.services_informer.lister.list()
        slices: dict[tuple[str, str], list[dict]] = {}
        for eps in self.slices_informer.lister.list():
            service = (eps["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME)
            if service:
                slices.setdefault((eps["metadata"].get("namespace", ""), service), []).append(eps)
        self._planned = iptables.plan(services, slices)
        rules = iptables.iptables_save(self._planned, cluster_cidr=self.cluster_cidr)
        unchanged, self._rules = rules == self._rules, rules
        counts: dict[str, int] = {}
        for sp in self._planned:
            service = sp.name.split(":", 1)[0]
            counts[service] = max(counts.get(service, 0), len(sp.endpoints))
        caption = self._describe(self._counts, counts)
        self._counts = counts
        return {"caption": caption, "housekeeping": unchanged,
                "extra": {"node": self.node, "rules": len(self._rules), "services": len(counts)}}

    def _describe(self, before: dict[str, int], after: dict[str, int]) -> str:
        changes = []
        for name, n in after.items():
            if name not in before:
                changes.append(f"service {name} added with {_count(n)}")
            elif before[name] != n:
                changes.append(f"service {name} now has {_count(n)}")
        changes += [f"service {name} removed" for name in before if name not in after]
        head = f"kube-proxy on {self.node} rewrites its iptables rules"
        if not changes:
            return f"{head}: nothing changed ({len(after)} services)"
        shown = changes[:3] + ([f"and {len(changes) - 3} more change(s)"] if len(changes) > 3 else [])
        return f"{head}: " + "; ".join(shown)

    # ----------------------------------------------------------------- reading
    def rules(self) -> list[str]:
        """The node's rules as ``iptables-save`` prints them (filter and nat tables)."""
        return list(self._rules)

    def services(self) -> list[dict]:
        """Each service port: cluster IP, its KUBE-SVC chain, endpoints with chain and probability."""
        return [asdict(sp) for sp in self._planned]

    def route(self, ip: str, port: int, protocol: str, draw: Callable[[], float]) -> netfilter.Verdict:
        """A new connection from a pod on this node to ``ip:port``, under the rules last written
        (they stay in the node's kernel when kube-proxy stops)."""
        return netfilter.route(self._planned, ip, port, protocol, draw)

    def status(self) -> dict:
        out = super().status()
        out.update(rules=len(self._rules), syncs=self.syncs)
        return out


def _count(n: int) -> str:
    return f"{n} endpoint" + ("" if n == 1 else "s")


def _service_part(svc: dict) -> tuple:
    return (svc.get("spec"),)


def _slice_part(eps: dict) -> tuple:
    return (eps.get("endpoints"), eps.get("ports"), (eps["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME))
