"""The endpointslice controller, as upstream's ``pkg/controller/endpointslice`` (with the
reconciler of ``staging/src/k8s.io/endpointslice``).

For every Service with a selector it keeps the EndpointSlices that list the pods the selector
picks, labelled ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io`` and owned by the Service. Every pod is one endpoint: its IP,
its conditions (``ready``: Ready and not terminating, or the Service publishes not-ready
addresses; ``serving``: Ready; ``terminating``: being deleted), its ``nodeName``, its node's
``zone``, a ``targetRef`` to it. Pods offering the same resolved ports share a slice, at most
100 endpoints each; a Service with no endpoints keeps one empty placeholder slice, as upstream
does, so its readers see "no endpoints" rather than "not yet synced".

It is what kube-proxy reads (see :mod:`simulation.proxy`); the older endpoints controller
still writes the core Endpoints object beside it. Slices are named by the API server from
``generateName: <service>-``; existing slices are reused before new ones are created, and an
update is sent only when a slice's content changed.
"""
from __future__ import annotations

from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError

from .base import Controller
from .controller_utils import is_pod_ready, selector_matches
from .endpoints import (
    HEADLESS_SERVICE_LABEL,
    LAST_CHANGE_TRIGGER_TIME_ANNOTATION,
    TriggerTimeTracker,
    find_port,
    should_pod_be_in_endpoints,
)

CONTROLLER_NAME = "endpointslice-controller.k8s.io"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_ZONE = "topology.kubernetes.io/zone"
#: Upstream's default ``--max-endpoints-per-slice``.
MAX_ENDPOINTS_PER_SLICE = 100


def address_type(service: dict) -> str:
    """The slice's address type: the Service's first IP family (IPv4 unless it says otherwise)."""
    families = (service.get("spec") or {}).get("ipFamilies") or ["IPv4"]
    return families[0]


def endpoint_ports(service: dict, pod: dict) -> list[dict]:
    """Upstream's ``getEndpointPorts``: each Service port resolved against the pod, name
    always present ("" when unnamed), skipped when a named targetPort does not resolve."""
    out = []
    for service_port in (service.get("spec") or {}).get("ports") or []:
        number = find_port(pod, service_port)
        if number is None:
            continue
        port = {"name": service_port.get("name") or "", "port": number,
                "protocol": service_port.get("protocol") or "TCP"}
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        out.append(port)
    return out


def pod_endpoint(pod: dict, service: dict, zone: str) -> dict:
    """Upstream's ``podToEndpoint``."""
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    serving = is_pod_ready(pod)
    terminating = bool(meta.get("deletionTimestamp"))
    ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    ip = status.get("podIP") or ((status.get("podIPs") or [{}])[0]).get("ip", "")
    endpoint: dict = {"addresses": [ip],
                      "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"]:
        endpoint["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta["name"],
                             "uid": meta.get("uid", "")}
    if zone:
        endpoint["zone"] = zone
    return endpoint


def ports_key(ports: list[dict] | None) -> tuple:
    return tuple(sorted((p.get("name") or "", p.get("port") or 0, p.get("protocol") or "", p.get("appProtocol") or "")
                        for p in ports or []))


def _endpoint_key(endpoint: dict) -> tuple:
    return ((endpoint.get("targetRef") or {}).get("name", ""), tuple(endpoint.get("addresses") or []))


class EndpointSliceController(Controller):
    name = "endpointslice"
    event_source = "endpoint-slice-controller"

    def setup(self) -> None:
        self.services = self.manager.informer("services")
        self.pods = self.manager.informer("pods")
        self.nodes = self.manager.informer("nodes")
        self.slices = self.manager.informer("endpointslices", label_selector=f"{LABEL_MANAGED_BY}={CONTROLLER_NAME}")
        self.services.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_event_handler(self._pod_changed, lambda old, new: self._pod_changed(new, old),
                                    self._pod_changed)
        self.slices.add_event_handler(self._slice_changed, lambda old, new: self._slice_changed(new),
                                      self._slice_changed)
        self.trigger_times = TriggerTimeTracker()

    # ----------------------------------------------------------------- handlers
    def _pod_changed(self, pod: dict, old: dict | None = None) -> None:
        keys: set[str] = set()
        for p in (pod, old) if old is not None else (pod,):
            namespace = p["metadata"].get("namespace", "")
            labels = p["metadata"].get("labels") or {}
            for service in self.services.lister.list(namespace):
                selector = (service.get("spec") or {}).get("selector")
                if selector is not None and selector_matches(selector, labels):
                    keys.add(f"{namespace}/{service['metadata']['name']}")
        for key in sorted(keys):
            self.queue.add(key)

    def _slice_changed(self, eps: dict) -> None:
        service = (eps["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME)
        if service:
            self.queue.add(f"{eps['metadata'].get('namespace', '')}/{service}")

    # ----------------------------------------------------------------- the worker
    def _owned(self, namespace: str, name: str) -> list[dict]:
        return sorted(self.slices.lister.list(namespace, lambda s: (s["metadata"].get("labels") or {}).get(
            LABEL_SERVICE_NAME) == name), key=lambda s: s["metadata"]["name"])

    def sync_handler(self, key: str) -> str | None:
        namespace, name = key.split("/", 1)
        service = self.services.lister.get(namespace, name)
        existing = self._owned(namespace, name)
        if service is None:
            # The garbage collector removes them through their owner references.
            self.trigger_times.forget(key)
            return None
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            return None
        selector = spec["selector"]
        pods = sorted(self.pods.lister.list(namespace, lambda p: selector_matches(
            selector, p["metadata"].get("labels"))), key=lambda p: p["metadata"]["name"])
        groups: dict[tuple, tuple[list[dict], list[dict]]] = {}
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = endpoint_ports(service, pod)
            node = self.nodes.lister.get("", (pod.get("spec") or {}).get("nodeName") or "") \
                if (pod.get("spec") or {}).get("nodeName") else None
            zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE, "")
            groups.setdefault(ports_key(ports), (ports, []))[1].append(pod_endpoint(pod, service, zone))
        desired: list[tuple[list[dict] | None, list[dict] | None]] = []
        for _, (ports, endpoints) in sorted(groups.items()):
            for i in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
                desired.append((ports, endpoints[i:i + MAX_ENDPOINTS_PER_SLICE]))
        if not desired:
            desired.append((None, None))  # upstream's placeholder slice
        meta = service["metadata"]
        owner = {"apiVersion": "v1", "kind": "Service", "name": meta["name"], "uid": meta.get("uid", ""),
                 "controller": True, "blockOwnerDeletion": True}
        trigger_time = self.trigger_times.compute(key, service, pods)
        return self._reconcile(meta.get("namespace", ""), meta["name"], owner, self._labels(service),
                               address_type(service), existing, desired,
                               trigger_time=rfc3339(trigger_time) if trigger_time is not None else None)

    def _labels(self, service: dict) -> dict:
        labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items()
                  if k not in (LABEL_SERVICE_NAME, LABEL_MANAGED_BY)}
        spec = service.get("spec") or {}
        if not spec.get("clusterIP") or spec.get("clusterIP") == "None":
            labels[HEADLESS_SERVICE_LABEL] = ""
        labels[LABEL_SERVICE_NAME] = service["metadata"]["name"]
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        return labels

    def _reconcile(self, namespace: str, name: str, owner: dict, labels: dict, kind: str, existing: list[dict],
                   desired: list, annotations: dict | None = None, trigger_time: str | None = None) -> str:
        """Fill existing slices with the same ports first, create the rest, delete leftovers; the
        slices written carry ``trigger_time`` as their last-change-trigger-time."""
        unused = list(existing)
        created = updated = deleted = 0
        for ports, endpoints in desired:
            match = next((s for s in unused if ports_key(s.get("ports")) == ports_key(ports)
                          and s.get("addressType") == kind), None)
            if match is not None:
                unused.remove(match)
                same = (sorted(match.get("endpoints") or [], key=_endpoint_key) == sorted(endpoints or [],
                                                                                          key=_endpoint_key)
                        and (match["metadata"].get("labels") or {}) == labels
                        and (annotations is None or (match["metadata"].get("annotations") or {}) == annotations))
                if same:
                    continue
                new = self.copy(match)
                new["metadata"]["labels"] = labels
                if annotations is not None:
                    new["metadata"]["annotations"] = annotations
                new["endpoints"], new["ports"] = endpoints, ports
                self._write("update", _triggered(new, trigger_time), namespace, name)
                updated += 1
                continue
            new = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                   "metadata": {"generateName": f"{name}-", "namespace": namespace, "labels": labels,
                                **({"annotations": annotations} if annotations else {}),
                                "ownerReferences": [owner]},
                   "addressType": kind, "endpoints": endpoints, "ports": ports}
            self._write("create", _triggered(new, trigger_time), namespace, name)
            created += 1
        for eps in unused:
            try:
                self.client.delete("endpointslices", namespace, eps["metadata"]["name"])
            except APIError as exc:
                if exc.code != 404:
                    raise
            deleted += 1
        total = sum(len(e or []) for _, e in desired)
        if not (created or updated or deleted):
            return (f"The {self.name} controller checks {owner['kind']} {name}: its EndpointSlices already list "
                    f"{_count(total)}")
        done = ", ".join(f"{verb} {n}" for verb, n in (("creates", created), ("updates", updated),
                                                         ("deletes", deleted)) if n)
        return f"The {self.name} controller {done} EndpointSlice(s) of {owner['kind']} {name}: {_count(total)}"

    def _write(self, verb: str, eps: dict, namespace: str, service: str) -> None:
        try:
            if verb == "create":
                self.client.create("endpointslices", eps, namespace)
            else:
                self.client.update("endpointslices", eps)
        except APIError as exc:
            if exc.code == 403 and "is being terminated" in str(exc):
                return
            target = self.services.lister.get(namespace, service)
            if target is not None:
                self.recorder.event(target, "Warning", "FailedToUpdateEndpointSlices",
                                    f"Error updating Endpoint Slices for Service {namespace}/{service}: {exc}")
            raise


def _triggered(eps: dict, trigger_time: str | None) -> dict:
    """``eps`` with the last-change-trigger-time annotation, when the sync knows one."""
    if trigger_time is not None:
        eps["metadata"]["annotations"] = {**(eps["metadata"].get("annotations") or {}),
                                          LAST_CHANGE_TRIGGER_TIME_ANNOTATION: trigger_time}
    return eps


def _count(n: int) -> str:
    return f"{n} endpoint" + ("" if n == 1 else "s")
