"""Validation of discovery.k8s.io/v1 EndpointSlice (upstream ``pkg/apis/discovery/validation``):
what kube-proxy relies on — one address type per slice, addresses of that type, ports it can
program, and the address type fixed once written."""
from __future__ import annotations

import ipaddress

from simulation.apimachinery.validation import name_is_dns_subdomain

from . import field
from .objectmeta import validate_object_meta, validate_object_meta_update

ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")
PROTOCOLS = ("SCTP", "TCP", "UDP")
MAX_ENDPOINTS = 1000
MAX_PORTS = 100
MAX_ADDRESSES = 100


def _address_errors(address: str, address_type: str, path: str) -> list[dict]:
    if address_type == "FQDN":
        return []
    version = 4 if address_type == "IPv4" else 6
    try:
        ok = ipaddress.ip_address(address).version == version
    except ValueError:
        ok = False
    if ok:
        return []
    return [field.invalid(path, address, f"must be a valid {address_type} address")]


def _too_many(path: str, count: int, limit: int) -> dict:
    return field.invalid(path, count, f"must have at most {limit} items")


def validate_endpoint_slice(obj: dict, old: dict | None = None) -> list[dict]:
    if old is not None:
        errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
        if obj.get("addressType") != old.get("addressType"):
            errs.append(field.invalid("addressType", obj.get("addressType"), "field is immutable"))
    else:
        errs = validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    address_type = obj.get("addressType") or ""
    if not address_type:
        errs.append(field.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(field.not_supported("addressType", address_type, ("IPv4", "IPv6")))
    endpoints = obj.get("endpoints") or []
    if len(endpoints) > MAX_ENDPOINTS:
        errs.append(_too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
    for i, endpoint in enumerate(endpoints):
        path = f"endpoints[{i}]"
        addresses = endpoint.get("addresses") or []
        if not addresses:
            errs.append(field.required(f"{path}.addresses", "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errs.append(_too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            errs += _address_errors(address, address_type, f"{path}.addresses[{j}]")
    ports = obj.get("ports") or []
    if len(ports) > MAX_PORTS:
        errs.append(_too_many("ports", len(ports), MAX_PORTS))
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        name = port.get("name") or ""
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errs.append(field.required(f"{path}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(field.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
        number = port.get("port")
        if number is not None and not 0 < number < 65536:
            errs.append(field.invalid(f"{path}.port", number, "must be between 1 and 65535, inclusive"))
    return errs


VALIDATORS = {"EndpointSlice": validate_endpoint_slice}
