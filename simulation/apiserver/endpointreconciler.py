"""The ``kubernetes`` Service's endpoints, as kube-apiserver's endpoint reconciler writes them
(``pkg/controlplane/reconcilers``, through the ``EndpointsAdapter``): the Endpoints object with
the API server's advertise address and secure port, labelled so the mirroring controller skips
it, and an EndpointSlice of the same name, which is what kube-proxy reads.

The Service has no selector, so no controller fills these in; without them every node would
REJECT traffic to ``10.96.0.1:443``. Writes go through the API server as ``system:apiserver``
and happen only when something differs, so calling :func:`reconcile` again is harmless.
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import NAMESPACE_DEFAULT

from .request import APIRequest

SERVICE_NAME = "kubernetes"
#: A kind cluster's control-plane node (its pod CIDR 10.244.0.0/24 gives 172.18.0.2; the
#: workers' addresses start at .3), where kube-apiserver listens.
ADVERTISE_ADDRESS = "172.18.0.2"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"


def desired_endpoints(ips: list[str], port: int) -> dict:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": SERVICE_NAME, "namespace": NAMESPACE_DEFAULT, "labels": {LABEL_SKIP_MIRROR: "true"}},
            "subsets": [{"addresses": [{"ip": ip} for ip in sorted(ips)],
                         "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]}


def desired_slice(ips: list[str], port: int) -> dict:
    """``endpointSliceFromEndpoints``: same name, the service-name label only, endpoints ready."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": SERVICE_NAME, "namespace": NAMESPACE_DEFAULT,
                         "labels": {LABEL_SERVICE_NAME: SERVICE_NAME}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in sorted(ips)],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}


def _path(resource: str, name: str = "") -> str:
    base = "/api/v1" if resource == "endpoints" else "/apis/discovery.k8s.io/v1"
    return f"{base}/namespaces/{NAMESPACE_DEFAULT}/{resource}" + (f"/{name}" if name else "")


def _ensure(server, user, resource: str, desired: dict, fields: tuple[str, ...]) -> None:
    current = server.handle(APIRequest("GET", _path(resource, SERVICE_NAME), user=user))
    if current.code == 404:
        server.handle(APIRequest("POST", _path(resource), obj=desired, user=user))
        return
    body = current.body
    if current.code != 200 or all(body.get(f) == desired.get(f) for f in fields) and \
            (body["metadata"].get("labels") or {}) == desired["metadata"]["labels"]:
        return
    updated = {**body, **{f: desired[f] for f in fields}}
    updated["metadata"] = {**body["metadata"], "labels": desired["metadata"]["labels"]}
    server.handle(APIRequest("PUT", _path(resource, SERVICE_NAME), obj=updated, user=user))


def reconcile(server, user, *, ips: tuple[str, ...] = (ADVERTISE_ADDRESS,), port: int = 6443) -> None:
    """Make the ``kubernetes`` Endpoints and EndpointSlice list these API servers: this one, or
    on a highly available control plane every one that runs (upstream's ``lease`` reconciler
    keeps each server's address while its lease in etcd is renewed)."""
    _ensure(server, user, "endpoints", desired_endpoints(list(ips), port), ("subsets",))
    _ensure(server, user, "endpointslices", desired_slice(list(ips), port), ("addressType", "endpoints", "ports"))
