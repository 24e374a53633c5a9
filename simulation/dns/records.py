"""The answers of CoreDNS's ``kubernetes`` plugin (coredns/plugin/kubernetes), as a pure
function of the Services, EndpointSlices and Namespaces it has seen.

What a learner can ask, under the cluster domain (``cluster.local``):

* ``<svc>.<ns>.svc.cluster.local`` A: a ClusterIP Service's cluster IP; a headless Service's
  ready endpoints' addresses (the not-ready ones too with ``publishNotReadyAddresses``);
  an ExternalName Service: a CNAME to its external name.
* ``<hostname>.<svc>.<ns>.svc.cluster.local`` A: one endpoint of a headless Service (a
  StatefulSet pod's stable name); the endpoint's name is its ``hostname`` or its dashed IP.
* ``_<port>._<proto>.<svc>.<ns>.svc.cluster.local`` SRV for each named port (``<svc>…`` alone
  answers SRV for every named port): the Service's name as target, or each endpoint's.
* ``1-2-3-4.<ns>.pod.cluster.local`` A: ``1.2.3.4`` (kubeadm's Corefile says ``pods insecure``:
  the address is read from the name, not checked against a pod).

A name in an unknown namespace, an unknown Service or a name under no Service is NXDOMAIN;
a name that exists without records of the asked type (AAAA in an IPv4 cluster, the zone
itself) answers NOERROR with no records (NODATA). Names outside the cluster domain go to the
upstream resolver, which this cluster has none of: NXDOMAIN (see docs/dns.md).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from simulation.apimachinery.wellknown import CLUSTER_DOMAIN

#: CoreDNS's default TTL for the kubernetes plugin's records (kubeadm's Corefile ``ttl 30``).
TTL_SECONDS = 30
NOERROR = "NOERROR"
NXDOMAIN = "NXDOMAIN"
A, AAAA, SRV, CNAME = "A", "AAAA", "SRV", "CNAME"


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    #: A/AAAA: an address; CNAME: a name; SRV: ``priority weight port target``.
    value: str
    ttl: int = TTL_SECONDS


@dataclass
class Answer:
    rcode: str
    records: list[Record] = field(default_factory=list)


@dataclass
class ClusterView:
    """What the plugin's watch holds: Services and Namespaces by name, the EndpointSlices of
    each ``(namespace, service)``."""

    services: dict[tuple[str, str], dict]
    slices: dict[tuple[str, str], list[dict]]
    namespaces: set[str]


def _endpoints(svc: dict, slices: list[dict]) -> list[tuple[str, str]]:
    """``(endpoint name, address)`` of a headless Service: ready ones (all with
    ``publishNotReadyAddresses``), in address order, one per address."""
    publish_all = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    seen: dict[str, str] = {}
    for eps in slices:
        for endpoint in eps.get("endpoints") or []:
            ready = (endpoint.get("conditions") or {}).get("ready") is not False
            if not (ready or publish_all):
                continue
            for address in endpoint.get("addresses") or []:
                seen.setdefault(address, endpoint.get("hostname") or _dashed(address))
    return sorted(((name, ip) for ip, name in seen.items()), key=lambda item: _ip_key(item[1]))


def _ip_key(address: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(address)
    return ip.version, int(ip)


def _dashed(address: str) -> str:
    return address.replace(".", "-").replace(":", "-")


def _address_record(name: str, address: str, qtype: str) -> Record | None:
    version = ipaddress.ip_address(address).version
    if (qtype == A and version == 4) or (qtype == AAAA and version == 6):
        return Record(name, qtype, address)
    return None


def _named_ports(svc: dict, slices: list[dict], headless: bool) -> list[tuple[str, str, int]]:
    """``(name, protocol, port)`` of the Service's named ports; for a headless Service the
    endpoints' (target) ports, as CoreDNS serves them."""
    if headless:
        ports = [p for eps in slices for p in eps.get("ports") or []]
    else:
        ports = (svc.get("spec") or {}).get("ports") or []
    out = {(p["name"], (p.get("protocol") or "TCP").lower(), int(p.get("port") or 0))
           for p in ports if p.get("name") and p.get("port")}
    return sorted(out)


def answer(view: ClusterView, qname: str, qtype: str, domain: str = CLUSTER_DOMAIN) -> Answer:
    """The plugin's answer to one question (``qname`` absolute, with or without the final dot)."""
    name = qname.rstrip(".").lower()
    if name != domain and not name.endswith("." + domain):
        return Answer(NXDOMAIN)
    labels = name[: -len(domain)].rstrip(".").split(".") if name != domain else []
    fqdn = name + "."
    if not labels:
        return Answer(NOERROR)
    kind = labels[-1]
    if kind == "pod":
        return _pod_answer(view, labels[:-1], fqdn, qtype)
    if kind != "svc":
        return Answer(NXDOMAIN)
    rest = labels[:-1]
    if not rest:
        return Answer(NOERROR)
    namespace = rest[-1]
    if namespace not in view.namespaces:
        return Answer(NXDOMAIN)
    if len(rest) == 1:
        return Answer(NOERROR)
    service = rest[-2]
    svc = view.services.get((namespace, service))
    if svc is None:
        return Answer(NXDOMAIN)
    spec = svc.get("spec") or {}
    slices = view.slices.get((namespace, service)) or []
    headless = spec.get("clusterIP") == "None"
    prefix = rest[:-2]
    if not prefix:
        return _service_answer(svc, slices, headless, fqdn, qtype, port_filter=None)
    if len(prefix) == 2 and prefix[0].startswith("_") and prefix[1].startswith("_"):
        return _service_answer(svc, slices, headless, fqdn, qtype, port_filter=(prefix[0][1:], prefix[1][1:]))
    if len(prefix) == 1 and headless:
        matches = [ip for host, ip in _endpoints(svc, slices) if host == prefix[0]]
        if not matches:
            return Answer(NXDOMAIN)
        return Answer(NOERROR, [r for ip in matches if (r := _address_record(fqdn, ip, qtype)) is not None])
    return Answer(NXDOMAIN)


def _service_answer(svc: dict, slices: list[dict], headless: bool, fqdn: str, qtype: str,
                    port_filter: tuple[str, str] | None) -> Answer:
    spec = svc.get("spec") or {}
    base = fqdn if port_filter is None else fqdn.split(".", 2)[2]
    if spec.get("type") == "ExternalName":
        if port_filter is not None:
            return Answer(NXDOMAIN)
        return Answer(NOERROR, [Record(fqdn, CNAME, spec.get("externalName", "").rstrip(".") + ".")])
    endpoints = _endpoints(svc, slices) if headless else []
    if qtype == SRV or port_filter is not None:
        ports = [p for p in _named_ports(svc, slices, headless)
                 if port_filter is None or (p[0] == port_filter[0].lower() and p[1] == port_filter[1].lower())]
        if port_filter is not None and not ports:
            return Answer(NXDOMAIN)
        if qtype != SRV:
            return Answer(NOERROR)
        records = []
        for port_name, protocol, port in ports:
            owner = f"_{port_name}._{protocol}.{base}"
            if headless:
                weight = 100 // max(len(endpoints), 1)
                records += [Record(owner, SRV, f"0 {weight} {port} {host}.{base}") for host, _ in endpoints]
            else:
                records.append(Record(owner, SRV, f"0 100 {port} {base}"))
        return Answer(NOERROR, records)
    if qtype not in (A, AAAA):
        return Answer(NOERROR)
    if headless:
        return Answer(NOERROR, [r for _, ip in endpoints if (r := _address_record(fqdn, ip, qtype)) is not None])
    ips = spec.get("clusterIPs") or [spec.get("clusterIP")]
    return Answer(NOERROR, [r for ip in ips if ip and (r := _address_record(fqdn, ip, qtype)) is not None])


def _pod_answer(view: ClusterView, labels: list[str], fqdn: str, qtype: str) -> Answer:
    if len(labels) != 2 or labels[1] not in view.namespaces:
        return Answer(NXDOMAIN if labels else NOERROR)
    dashed = labels[0]
    try:
        ip = ipaddress.ip_address(dashed.replace("-", ".") if dashed.count("-") == 3 else dashed.replace("-", ":"))
    except ValueError:
        return Answer(NXDOMAIN)
    record = _address_record(fqdn, str(ip), qtype)
    return Answer(NOERROR, [record] if record is not None else [])
