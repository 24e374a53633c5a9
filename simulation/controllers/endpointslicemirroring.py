"""The endpointslicemirroring controller, as upstream's ``pkg/controller/endpointslicemirroring``.

Endpoints written by hand for a Service without a selector (the book's external services) are
mirrored into EndpointSlices, so kube-proxy — which reads only slices — routes to them. Each
subset becomes endpoints of a slice with its ports (ready for ``addresses``, not ready for
``notReadyAddresses``, ``nodeName``, ``hostname`` and ``targetRef`` copied); the slices carry
the Endpoints' labels and annotations, ``kubernetes.io/service-name`` and
``endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io``, and are
owned by the Endpoints. Skipped: Services with a selector (the endpointslice controller's),
Endpoints labelled ``endpointslice.kubernetes.io/skip-mirror: "true"`` (the API server's own),
leader-election records, Endpoints without a Service.
"""
from __future__ import annotations

from simulation.client.apiclient import APIError

from .endpoints import LEADER_ELECTION_ANNOTATION
from .endpointslice import (
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    EndpointSliceController,
    ports_key,
)

CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
#: Upstream's ``--mirroring-max-endpoints-per-subset``.
MAX_ENDPOINTS_PER_SUBSET = 1000
#: Annotations not copied onto the slices.
SKIPPED_ANNOTATIONS = ("endpoints.kubernetes.io/last-change-trigger-time",
                       "kubectl.kubernetes.io/last-applied-configuration")


def _endpoint(address: dict, ready: bool) -> dict:
    """Upstream's ``addressToEndpoint``."""
    endpoint: dict = {"addresses": [address.get("ip", "")], "conditions": {"ready": ready}}
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    if address.get("targetRef"):
        endpoint["targetRef"] = address["targetRef"]
    return endpoint


def mirrored(endpoints: dict) -> list[tuple[list[dict], list[dict]]]:
    """(ports, endpoints) per distinct port set, from the Endpoints' subsets."""
    groups: dict[tuple, tuple[list[dict], list[dict]]] = {}
    for subset in endpoints.get("subsets") or []:
        ports = [{k: v for k, v in (("name", p.get("name") or ""), ("port", p.get("port")),
                                    ("protocol", p.get("protocol") or "TCP"), ("appProtocol", p.get("appProtocol")))
                  if v is not None} for p in subset.get("ports") or []]
        listed = [_endpoint(a, True) for a in subset.get("addresses") or []]
        listed += [_endpoint(a, False) for a in subset.get("notReadyAddresses") or []]
        group = groups.setdefault(ports_key(ports), (ports, []))
        group[1].extend(listed[:MAX_ENDPOINTS_PER_SUBSET])
    return [groups[k] for k in sorted(groups)]


class EndpointSliceMirroringController(EndpointSliceController):
    name = "endpointslicemirroring"
    event_source = "endpoint-slice-mirroring-controller"

    def setup(self) -> None:
        self.services = self.manager.informer("services")
        self.endpoints = self.manager.informer("endpoints")
        self.slices = self.manager.informer("endpointslices", label_selector=f"{LABEL_MANAGED_BY}={CONTROLLER_NAME}")
        self.endpoints.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.services.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.slices.add_event_handler(self._slice_changed, lambda old, new: self._slice_changed(new),
                                      self._slice_changed)

    def sync_handler(self, key: str) -> str | None:
        namespace, name = key.split("/", 1)
        service = self.services.lister.get(namespace, name)
        endpoints = self.endpoints.lister.get(namespace, name)
        existing = self._owned(namespace, name)
        meta = (endpoints or {}).get("metadata") or {}
        if service is None or endpoints is None or (service.get("spec") or {}).get("selector") is not None \
                or (meta.get("labels") or {}).get(LABEL_SKIP_MIRROR) == "true" \
                or LEADER_ELECTION_ANNOTATION in (meta.get("annotations") or {}):
            for eps in existing:
                try:
                    self.client.delete("endpointslices", namespace, eps["metadata"]["name"])
                except APIError as exc:
                    if exc.code != 404:
                        raise
            return (f"The endpointslicemirroring controller deletes {len(existing)} mirrored EndpointSlice(s) "
                    f"of {name}") if existing else None
        labels = {k: v for k, v in (meta.get("labels") or {}).items()}
        labels[LABEL_SERVICE_NAME] = name
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in SKIPPED_ANNOTATIONS}
        owner = {"apiVersion": "v1", "kind": "Endpoints", "name": name, "uid": meta.get("uid", ""),
                 "controller": True, "blockOwnerDeletion": True}
        desired = mirrored(endpoints)
        if not desired:
            return self._reconcile(namespace, name, owner, labels, "IPv4", existing, [], annotations) \
                if existing else None
        return self._reconcile(namespace, name, owner, labels, "IPv4", existing, desired, annotations)
