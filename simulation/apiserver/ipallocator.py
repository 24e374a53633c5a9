"""Service ClusterIPs, allocated by the API server itself when a Service is created — as
upstream's service registry does (it is not a controller's job), from the service CIDR.

Allocation draws from the server's seeded random source, so the same seed and the same
requests give the same IPs; ``10.96.0.1`` is kept for the ``kubernetes`` Service, and dynamic
allocation stays above the static band (:data:`STATIC_BAND_SIZE`), which is for Services that ask
for an address, as kubeadm's ``kube-dns`` asks for 10.96.0.10.
"""
from __future__ import annotations

import ipaddress
import random

from . import errors

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
KUBERNETES_SERVICE_IP = str(SERVICE_CIDR.network_address + 1)
#: The lower band that dynamic allocation leaves to Services asking for an address (upstream's
#: ``calculateRangeOffset``: the range size / 16, at least 16, at most 256), so ``kube-dns``
#: always gets 10.96.0.10.
STATIC_BAND_SIZE = min(max(16, SERVICE_CIDR.num_addresses // 16), 256)


def used_ips(services: list[dict]) -> set[str]:
    return {ip for svc in services for ip in (svc.get("spec") or {}).get("clusterIPs") or
            [(svc.get("spec") or {}).get("clusterIP")] if ip and ip != "None"}


def assign_cluster_ip(service: dict, existing: list[dict], rng: random.Random) -> None:
    """Fill ``spec.clusterIP``/``clusterIPs`` of a new Service (ExternalName and headless get none)."""
    spec = service.setdefault("spec", {})
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
        return
    taken = used_ips(existing)
    wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
    if wanted:
        try:
            address = ipaddress.ip_address(wanted)
        except ValueError:
            return  # validation reports the malformed address
        if address not in SERVICE_CIDR:
            raise errors.invalid("Service", "", service["metadata"].get("name", ""), [{
                "reason": "FieldValueInvalid", "field": "spec.clusterIPs",
                "message": f'Invalid value: ["{wanted}"]: failed to allocate IP {wanted}: the provided IP '
                           f'({wanted}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}'}])
        if wanted in taken:
            raise errors.invalid("Service", "", service["metadata"].get("name", ""), [{
                "reason": "FieldValueInvalid", "field": "spec.clusterIPs",
                "message": f'Invalid value: ["{wanted}"]: failed to allocate IP {wanted}: provided IP is '
                           f'already allocated'}])
        ip = wanted
    else:
        size = SERVICE_CIDR.num_addresses
        while True:
            offset = rng.randrange(2, size - 1)
            ip = str(SERVICE_CIDR.network_address + offset)
            if ip not in taken and offset >= STATIC_BAND_SIZE:
                break
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
