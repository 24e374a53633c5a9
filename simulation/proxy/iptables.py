"""kube-proxy's iptables mode as a pure function: Services and EndpointSlices in, the rules
``iptables-save`` would print out (upstream's ``syncProxyRules``, pkg/proxy/iptables/proxier.go).

What a learner reads in them (chapter 11.5: a Service's IP exists only in these rules):

* ``KUBE-SERVICES`` matches each service's cluster IP and port and jumps to its
  ``KUBE-SVC-<hash>`` chain. The hash is upstream's ``portProtoHash``: the first 16
  characters of base32(sha256("<namespace>/<name>:<port name>" + "tcp")).
* ``KUBE-SVC-…`` picks an endpoint at random: the i-th of n endpoints is taken with
  probability 1/(n-i) by ``-m statistic --mode random``, the last one unconditionally, so
  every endpoint gets 1/n of the connections. Probabilities print as iptables-save prints
  them (the kernel keeps them as 31-bit fractions): 1/3 reads ``0.33333333349``.
* ``KUBE-SEP-<hash>`` (hash over the service port name, protocol and "ip:port") DNATs to one
  pod's IP and port. Traffic from outside the pod network is marked (``KUBE-MARK-MASQ``)
  for SNAT in ``KUBE-POSTROUTING``.
* NodePorts go through ``KUBE-NODEPORTS`` and ``KUBE-EXT-…`` to the same ``KUBE-SVC-…``.
* A service without endpoints gets a REJECT rule in the filter table instead.
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
from dataclasses import dataclass, field

MASQ_MARK = "0x4000"
_NO_QUOTE = set("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
NODEPORTS_COMMENT = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"


def port_proto_hash(service_port_name: str, protocol: str) -> str:
    digest = hashlib.sha256((service_port_name + protocol).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-SVC-" + port_proto_hash(service_port_name, protocol)


def external_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-EXT-" + port_proto_hash(service_port_name, protocol)


def endpoint_chain(service_port_name: str, protocol: str, endpoint: str) -> str:
    digest = hashlib.sha256((service_port_name + protocol + endpoint).encode()).digest()
    return "KUBE-SEP-" + base64.b32encode(digest).decode()[:16]


def probability(n: int) -> str:
    """The ``--probability`` iptables-save prints for 1/n: kube-proxy writes ``%0.10f``; the
    kernel stores ``lround(p * 2**31)``; iptables-save prints that back with 11 decimals."""
    written = float(f"{1.0 / n:0.10f}")
    stored = int(written * 0x80000000 + 0.5)
    return f"{stored / 0x80000000:.11f}"


def quote(text: str) -> str:
    """``xtables_save_string``: bare if only safe characters, else double-quoted."""
    if text and all(ch in _NO_QUOTE for ch in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def service_port_name(namespace: str, name: str, port_name: str) -> str:
    return f"{namespace}/{name}" + (f":{port_name}" if port_name else "")


@dataclass
class EndpointRule:
    endpoint: str
    chain: str
    probability: str | None


@dataclass
class ServicePortRules:
    """One service port as the rules implement it (what the UI draws: VIP → chain → pods)."""
    name: str
    cluster_ip: str
    port: int
    protocol: str
    chain: str
    node_port: int | None
    endpoints: list[EndpointRule] = field(default_factory=list)


def _ip_key(endpoint: str) -> tuple:
    ip, _, port = endpoint.rpartition(":")
    try:
        return (int(ipaddress.ip_address(ip)), int(port))
    except ValueError:
        return (0, 0)


def endpoints_for(port: dict, slices: list[dict]) -> list[str]:
    """The "ip:port" endpoints of one service port, from the Service's EndpointSlices (ports
    match by name and protocol, as upstream's ``EndpointSliceCache``): the ready ones, or when
    none is ready the serving and terminating ones (upstream's ``CategorizeEndpoints``)."""
    ready, terminating = set(), set()
    for eps in slices:
        for ep_port in eps.get("ports") or []:
            if (ep_port.get("name") or "") != (port.get("name") or "") or ep_port.get("port") is None:
                continue
            if (ep_port.get("protocol") or "TCP") != (port.get("protocol") or "TCP"):
                continue
            for endpoint in eps.get("endpoints") or []:
                conditions = endpoint.get("conditions") or {}
                for address in (endpoint.get("addresses") or [])[:1]:
                    if conditions.get("ready") is not False:  # unset means ready
                        ready.add(f"{address}:{ep_port['port']}")
                    elif conditions.get("serving") and conditions.get("terminating"):
                        terminating.add(f"{address}:{ep_port['port']}")
    return sorted(ready or terminating, key=_ip_key)


def plan(services: list[dict], slices: dict[tuple[str, str], list[dict]]) -> list[ServicePortRules]:
    """Every service port kube-proxy programs, with its chains and endpoints, sorted by name;
    ``slices`` are the EndpointSlices of each (namespace, service name)."""
    out = []
    for svc in sorted(services, key=lambda s: (s["metadata"].get("namespace", ""), s["metadata"]["name"])):
        spec = svc.get("spec") or {}
        cluster_ip = spec.get("clusterIP") or ""
        if spec.get("type") == "ExternalName" or not cluster_ip or cluster_ip == "None":
            continue
        meta = svc["metadata"]
        ports = spec.get("ports") or []
        service_slices = slices.get((meta.get("namespace", ""), meta["name"])) or []
        for port in ports:
            protocol = (port.get("protocol") or "TCP").lower()
            spn = service_port_name(meta.get("namespace", ""), meta["name"], port.get("name") or "")
            rules = ServicePortRules(spn, cluster_ip, int(port.get("port")), protocol, service_chain(spn, protocol),
                                     port.get("nodePort") if spec.get("type") in ("NodePort", "LoadBalancer") else None)
            eps = endpoints_for(port, service_slices)
            for i, endpoint in enumerate(eps):
                rules.endpoints.append(EndpointRule(endpoint, endpoint_chain(spn, protocol, endpoint),
                                                    probability(len(eps) - i) if i < len(eps) - 1 else None))
            out.append(rules)
    return out


def iptables_save(planned: list[ServicePortRules], *, cluster_cidr: str) -> list[str]:
    """The filter and nat tables, as ``iptables-save`` prints them."""
    filter_rules: dict[str, list[str]] = {c: [] for c in ("INPUT", "FORWARD", "OUTPUT", "KUBE-EXTERNAL-SERVICES",
                                                         "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL",
                                                         "KUBE-SERVICES")}
    f = filter_rules
    f["INPUT"] += [
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" '
        '-j KUBE-EXTERNAL-SERVICES']
    f["FORWARD"] += [
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" '
        '-j KUBE-EXTERNAL-SERVICES']
    f["OUTPUT"] += [
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']
    f["KUBE-FORWARD"] += [
        "-m conntrack --ctstate INVALID -j DROP",
        f'-m comment --comment "kubernetes forwarding rules" -m mark --mark {MASQ_MARK}/{MASQ_MARK} -j ACCEPT',
        '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED '
        '-j ACCEPT']

    nat: dict[str, list[str]] = {c: [] for c in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", "KUBE-MARK-MASQ",
                                                 "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES")}
    nat["PREROUTING"].append('-m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    nat["OUTPUT"].append('-m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    nat["POSTROUTING"].append('-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING')
    nat["KUBE-MARK-MASQ"].append(f"-j MARK --set-xmark {MASQ_MARK}/{MASQ_MARK}")
    nat["KUBE-POSTROUTING"] += [
        f"-m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
        f"-j MARK --set-xmark {MASQ_MARK}/0x0",
        '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully']

    for sp in planned:
        proto, vip = sp.protocol, f"{sp.cluster_ip}/32"
        if not sp.endpoints:
            f["KUBE-SERVICES"].append(
                f"-d {vip} -p {proto} -m comment --comment {quote(sp.name + ' has no endpoints')} -m {proto} "
                f"--dport {sp.port} -j REJECT --reject-with icmp-port-unreachable")
            if sp.node_port:
                f["KUBE-EXTERNAL-SERVICES"].append(
                    f"-p {proto} -m comment --comment {quote(sp.name + ' has no endpoints')} -m addrtype "
                    f"--dst-type LOCAL -m {proto} --dport {sp.node_port} -j REJECT --reject-with icmp-port-unreachable")
            continue
        comment = quote(f"{sp.name} cluster IP")
        nat["KUBE-SERVICES"].append(f"-d {vip} -p {proto} -m comment --comment {comment} -m {proto} "
                                    f"--dport {sp.port} -j {sp.chain}")
        svc = nat.setdefault(sp.chain, [])
        svc.append(f"! -s {cluster_cidr} -d {vip} -p {proto} -m comment --comment {comment} -m {proto} "
                   f"--dport {sp.port} -j KUBE-MARK-MASQ")
        for ep in sp.endpoints:
            statistic = f" -m statistic --mode random --probability {ep.probability}" if ep.probability else ""
            svc.append(f"-m comment --comment {quote(f'{sp.name} -> {ep.endpoint}')}{statistic} -j {ep.chain}")
            ip = ep.endpoint.rpartition(":")[0]
            nat[ep.chain] = [f"-s {ip}/32 -m comment --comment {quote(sp.name)} -j KUBE-MARK-MASQ",
                             f"-p {proto} -m comment --comment {quote(sp.name)} -m {proto} -j DNAT "
                             f"--to-destination {ep.endpoint}"]
        if sp.node_port:
            ext = external_chain(sp.name, proto)
            nat["KUBE-NODEPORTS"].append(f"-p {proto} -m comment --comment {quote(sp.name)} -m {proto} "
                                         f"--dport {sp.node_port} -j {ext}")
            nat[ext] = [f"-m comment --comment {quote(f'masquerade traffic for {sp.name} external destinations')} "
                        "-j KUBE-MARK-MASQ", f"-j {sp.chain}"]
    nat["KUBE-SERVICES"].append(f"-m comment --comment {quote(NODEPORTS_COMMENT)} -m addrtype --dst-type LOCAL "
                                "-j KUBE-NODEPORTS")
    return _table("filter", filter_rules, ("INPUT", "FORWARD", "OUTPUT")) + \
        _table("nat", nat, ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"))


def _table(name: str, chains: dict[str, list[str]], builtin: tuple[str, ...]) -> list[str]:
    order = list(builtin) + sorted(c for c in chains if c not in builtin)
    lines = [f"*{name}"]
    lines += [f":{c} ACCEPT [0:0]" if c in builtin else f":{c} - [0:0]" for c in order]
    for chain in order:
        lines += [f"-A {chain} {rule}" for rule in chains[chain]]
    lines.append("COMMIT")
    return lines
