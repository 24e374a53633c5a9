"""The ingress-nginx controller, simulated: the process inside the ``ingress-nginx-controller``
pod, turning the Ingresses of its class into a routing table (nginx's configuration).

Promises:

* It is handed an API client as the ``ingress-nginx`` ServiceAccount (bound by the add-on to the
  ``ingress-nginx`` ClusterRole, as the upstream manifest binds it) and reads Ingresses,
  IngressClasses, Services, EndpointSlices, its own pods and the Nodes through informers.
* It serves an Ingress whose ``spec.ingressClassName`` names an IngressClass with controller
  ``k8s.io/ingress-nginx`` (or whose deprecated ``kubernetes.io/ingress.class`` annotation says
  ``nginx``); others are not its business, and Ingresses without any class are ignored (upstream's
  ``--watch-ingress-without-class`` is off) — DefaultIngressClass admission gives new ones a class.
* A served Ingress that is added, or whose spec changes, gets a ``Normal`` Event ``Sync``
  "Scheduled for sync" from ``nginx-ingress-controller``, as upstream's store records it.
* It works only while a pod of its Deployment is Running: that pod *is* the controller. Its
  node's address (ExternalIP, else InternalIP — a NodePort install without a publish Service) is
  what it writes to each served Ingress's ``status.loadBalancer.ingress``, so ``kubectl get
  ingress`` shows an ADDRESS; when the last controller pod goes, the address is taken out again
  (upstream's ``--update-status-on-shutdown``, on by default).
* Syncs are one kernel action each, batched like kube-proxy's; :meth:`routing_table` is the
  last table built, :meth:`route` answers where a request would go.
"""
from __future__ import annotations

from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.wellknown import (
    INGRESS_CLASS_ANNOTATION,
    INGRESS_NGINX_CLASS,
    INGRESS_NGINX_CONTROLLER_CLASS,
    INGRESS_NGINX_NAMESPACE,
)
from simulation.client.apiclient import APIClient, APIError
from simulation.client.component import Component
from simulation.kernel import Kernel, Timer

from . import routing

#: Upstream's event source (``EventSource{Component: "nginx-ingress-controller"}``).
EVENT_SOURCE = "nginx-ingress-controller"
SYNC_REASON, SYNC_MESSAGE = "Sync", "Scheduled for sync"
#: The labels of the controller's pods in the upstream manifests.
CONTROLLER_POD_SELECTOR = ("app.kubernetes.io/component=controller,app.kubernetes.io/instance=ingress-nginx,"
                           "app.kubernetes.io/name=ingress-nginx")
SYNC_DELAY_SECONDS = 0.1
MIN_SYNC_PERIOD_SECONDS = 1.0


def _key(obj: dict) -> str:
    return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


class IngressNginxController(Component):
    kind = "ingress-controller"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *,
                 ingress_class: str = INGRESS_NGINX_CLASS, controller_class: str = INGRESS_NGINX_CONTROLLER_CLASS,
                 namespace: str = INGRESS_NGINX_NAMESPACE) -> None:
        super().__init__(name, kernel, client)
        self.ingress_class = ingress_class
        self.controller_class = controller_class
        self.namespace = namespace
        self._routes: list[routing.Route] = []
        self._defaults: list[routing.Route] = []
        self._address: list[dict] = []
        self._serving = False
        self._pending_events: set[str] = set()
        self._timer: Timer | None = None
        self._last_sync = -float("inf")
        self.syncs = 0

    def event_source(self) -> str:
        return EVENT_SOURCE

    # ----------------------------------------------------------------- lifecycle
    def run(self) -> None:
        self.ingresses = self.informer("ingresses")
        self.classes = self.informer("ingressclasses")
        self.services = self.informer("services")
        self.slices = self.informer("endpointslices")
        self.pods = self.informer("pods", namespace=self.namespace, label_selector=CONTROLLER_POD_SELECTOR)
        self.nodes = self.informer("nodes")
        self.ingresses.add_event_handler(self._ingress_added, self._ingress_updated,
                                         lambda obj: self._request_sync())
        for informer in (self.classes, self.services, self.slices, self.pods, self.nodes):
            informer.add_event_handler(lambda obj: self._request_sync(),
                                       lambda old, new: self._request_sync(),
                                       lambda obj: self._request_sync())
        self._request_sync()

    def on_stop(self) -> None:
        """The process is gone, and with it nginx's configuration."""
        self._timer = None
        self._routes, self._defaults, self._address = [], [], []
        self._serving = False
        self._pending_events.clear()

    # ----------------------------------------------------------------- handlers (no work: remember, ask for a sync)
    def _ingress_added(self, ing: dict) -> None:
        self._pending_events.add(_key(ing))
        self._request_sync()

    def _ingress_updated(self, old: dict, new: dict) -> None:
        if old.get("spec") != new.get("spec") or _class_annotation(old) != _class_annotation(new):
            self._pending_events.add(_key(new))
        self._request_sync()

    def _request_sync(self) -> None:
        if self._timer is not None and not self._timer.cancelled:
            return
        now = self.kernel.now_seconds
        at = max(now + SYNC_DELAY_SECONDS, self._last_sync + MIN_SYNC_PERIOD_SECONDS)
        self._timer = self.kernel.schedule(at - now, self.sync_handler, component=self.name, action="sync-ingress")

    # ----------------------------------------------------------------- syncing
    def serves(self, ing: dict) -> bool:
        """``IsValid`` of upstream's class check: our IngressClass by name, or the old annotation."""
        class_name = (ing.get("spec") or {}).get("ingressClassName")
        if class_name is not None:
            ic = self.classes.lister.get("", class_name)
            return ic is not None and (ic.get("spec") or {}).get("controller") == self.controller_class
        return _class_annotation(ing) == self.ingress_class

    def _running_pod(self) -> dict | None:
        running = [p for p in self.pods.lister.list()
                   if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
        return min(running, key=lambda p: p["metadata"]["name"]) if running else None

    def _node_address(self, node_name: str) -> list[dict]:
        node = self.nodes.lister.get("", node_name)
        addresses = ((node or {}).get("status") or {}).get("addresses") or []
        for kind in ("ExternalIP", "InternalIP"):
            for address in addresses:
                if address.get("type") == kind and address.get("address"):
                    return [{"ip": address["address"]}]
        return []

    def sync_handler(self) -> dict:
        """Rebuild the routing table from the caches; record Events for changed Ingresses; write
        the address of the node running the controller pod to every served Ingress's status."""
        self._timer = None
        self._last_sync = self.kernel.now_seconds
        self.syncs += 1
        pod = self._running_pod()
        self._serving = pod is not None
        if pod is None:
            housekeeping = not self._routes and not self._address
            cleared = self._clear_addresses() if self._address else []
            self._routes, self._defaults, self._address = [], [], []
            return {"caption": f"{self.name}: no controller pod is running in namespace {self.namespace}, "
                               "so nothing serves Ingresses" +
                               (f"; address removed from ingress {', '.join(cleared)}" if cleared else ""),
                    "housekeeping": housekeeping}
        served = [i for i in self.ingresses.lister.list() if self.serves(i)]
        before = [r.as_dict() for r in self._routes]
        self._routes, self._defaults = routing.build_table(served, self.services.lister.list(),
                                                            self.slices.lister.list())
        self._address = self._node_address((pod.get("spec") or {}).get("nodeName") or "")
        notes = []
        for ing in served:
            if _key(ing) in self._pending_events:
                self.recorder.event(ing, "Normal", SYNC_REASON, SYNC_MESSAGE)
                notes.append(f"sync ingress {_key(ing)}")
            if self._address and ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") != self._address:
                if self._write_address(ing):
                    notes.append(f"ingress {_key(ing)} gets address {self._address[0]['ip']}")
        self._pending_events.clear()
        changed = before != [r.as_dict() for r in self._routes]
        head = f"{self.name} rebuilds its routing table: {len(self._routes)} route(s) from {len(served)} ingress(es)"
        return {"caption": head + ("; " + "; ".join(notes[:3]) if notes else ""),
                "housekeeping": not changed and not notes,
                "extra": {"routes": len(self._routes), "ingresses": len(served)}}

    def _clear_addresses(self) -> list[str]:
        """``--update-status-on-shutdown`` (on by default): the last controller pod going away
        takes its address out of the Ingresses it served, so ADDRESS empties."""
        cleared = []
        for ing in self.ingresses.lister.list():
            if self.serves(ing) and ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") == self._address:
                updated = deep_copy(ing)
                updated["status"]["loadBalancer"] = {}
                try:
                    self.client.update_status("ingresses", updated)
                except APIError:
                    continue
                cleared.append(_key(ing))
        return cleared

    def _write_address(self, ing: dict) -> bool:
        updated = deep_copy(ing)
        updated.setdefault("status", {})["loadBalancer"] = {"ingress": deep_copy(self._address)}
        try:
            self.client.update_status("ingresses", updated)
        except APIError:
            self._request_sync()  # a conflict: the informer brings the newer object, try again
            return False
        return True

    # ----------------------------------------------------------------- reading
    def routing_table(self) -> dict:
        """What the page and ``manage.py sim ingress`` show."""
        return {"controller": self.name, "serving": self.running and self._serving,
                "address": [a.get("ip") or a.get("hostname") for a in self._address],
                "routes": [r.as_dict() for r in self._routes], "default_backends": [d.as_dict() for d in self._defaults]}

    def route(self, host: str, path: str) -> dict:
        """Where ``http://host/path`` goes through this controller right now."""
        return routing.match(self._routes, self._defaults, host, path).as_dict()

    def status(self) -> dict:
        out = super().status()
        out.update(routes=len(self._routes), syncs=self.syncs)
        return out


def _class_annotation(ing: dict) -> str | None:
    return ((ing.get("metadata") or {}).get("annotations") or {}).get(INGRESS_CLASS_ANNOTATION)
