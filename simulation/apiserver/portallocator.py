"""Service NodePorts, allocated by the API server when a Service of type NodePort or
LoadBalancer is created (or changed to one), as upstream's service registry does
(``pkg/registry/core/service/portallocator``), from ``--service-node-port-range`` (30000-32767).

A port the Service asks for is checked against the range and the ports other Services hold, with
upstream's messages; one it leaves out is drawn from the server's seeded random source above the
static band (``calculateRangeOffset``: a 32nd of the range, at least 16, at most 128), which is
left to Services that ask for a port.
"""
from __future__ import annotations

import random

from . import errors

NODE_PORT_RANGE = (30000, 32767)
#: The lower band that dynamic allocation leaves to Services asking for a port.
STATIC_BAND_SIZE = min(max(16, (NODE_PORT_RANGE[1] - NODE_PORT_RANGE[0] + 1) // 32), 128)
#: The Service types that get a NodePort on every port.
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def _used(services: list[dict], skip_uid: str) -> set[int]:
    return {int(p["nodePort"]) for svc in services if svc["metadata"].get("uid") != skip_uid
            for p in (svc.get("spec") or {}).get("ports") or [] if p.get("nodePort")}


def assign_node_ports(service: dict, existing: list[dict], rng: random.Random) -> None:
    """Give every port of a NodePort or LoadBalancer Service its ``nodePort`` (the ones asked for
    checked; the others drawn). Other types keep whatever validation says of their ports."""
    spec = service.get("spec") or {}
    if spec.get("type") not in NODE_PORT_TYPES:
        return
    name = service["metadata"].get("name", "")
    taken = _used(existing, service["metadata"].get("uid", ""))
    low, high = NODE_PORT_RANGE
    causes = []
    for i, port in enumerate(spec.get("ports") or []):
        wanted = port.get("nodePort")
        if not wanted or not isinstance(wanted, int) or isinstance(wanted, bool):
            continue  # none asked for (drawn below), or malformed (validation reports it)
        if not low <= wanted <= high:
            why = f"provided port is not in the valid range. The range of valid ports is {low}-{high}"
        elif wanted in taken:
            why = "provided port is already allocated"
        else:
            taken.add(wanted)
            continue
        causes.append({"reason": "FieldValueInvalid", "field": f"spec.ports[{i}].nodePort",
                       "message": f"Invalid value: {wanted}: {why}"})
    if causes:
        raise errors.invalid("Service", "", name, causes)
    free = high - low + 1 - STATIC_BAND_SIZE - len([p for p in taken if p >= low + STATIC_BAND_SIZE])
    for port in spec.get("ports") or []:
        if port.get("nodePort"):
            continue
        if free <= 0:
            raise errors.invalid("Service", "", name, [{"reason": "FieldValueInvalid", "field": "spec.ports",
                                                        "message": "range is full"}])
        while True:
            candidate = rng.randrange(low + STATIC_BAND_SIZE, high + 1)
            if candidate not in taken:
                break
        port["nodePort"] = candidate
        taken.add(candidate)
        free -= 1
