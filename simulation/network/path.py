"""How one packet travels from a pod to an IP in the cluster: the hops a learner follows.

The interface (what ``kubectl exec … curl`` and the page's packet path call)::

    path(nodes, from_ip, to_ip, port, rng) -> Trace

* ``nodes``: one :class:`NodeNet` per node: its name and InternalIP, its
  :class:`~.cni.BridgeNetwork` (the kubelet's runtime holds it: ``cni0`` and the veth pairs),
  its routes (:func:`~.iproute.node_routes`) and the service rules its kube-proxy wrote
  (``KubeProxy.services()``: each service port's cluster IP, ``KUBE-SVC`` chain and endpoints
  with their ``KUBE-SEP`` chain and ``--probability``) and its rules as ``iptables-save``
  prints them (``KubeProxy.rules()``: each hop quotes the very rule it took).
* ``from_ip``: the sending pod's IP; ``to_ip``/``port``: where it sends (a pod IP, a
  ClusterIP, a node IP); ``port`` None means the Service's first port.
* ``rng``: the random source the ``statistic`` match draws from, so a seeded ``rng`` gives
  the same choices again.

The packet leaves the pod's ``eth0``, comes out of its veth peer on the node, enters ``cni0``;
the node's netfilter (PREROUTING, where kube-proxy's ``KUBE-SERVICES`` hangs) sees it: a
ClusterIP:port matches ``KUBE-SVC-…``, whose rules are tried in order, each taken with its
``--probability`` (the last always), and the chosen ``KUBE-SEP-…`` DNATs the destination to one
backend pod's IP:port. Then the node routes it: its own podCIDR is on ``cni0`` (across the
bridge to the destination's veth), another node's podCIDR goes via that node's InternalIP on
``eth0`` (there, across that node's bridge). A Service without endpoints is REJECTed; a
ClusterIP on a port no rule serves matches nothing and, being no interface's address, goes
nowhere. :class:`Trace` carries every hop (node, pod, device, the rule or route used) and the
result.
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

from .cni import BRIDGE_NAME, POD_IFNAME, BridgeNetwork
from .iproute import NODE_IFNAME, Route, lookup

DELIVERED = "delivered"
REJECTED = "rejected"
UNREACHABLE = "unreachable"
LEFT_CLUSTER = "left-cluster"


class PathError(ValueError):
    """The trace cannot start (no pod sends from that IP)."""


@dataclass
class NodeNet:
    """What a node's components hold about its network: the kubelet's bridge, the routes, the
    kube-proxy's service rules."""

    name: str
    internal_ip: str
    network: BridgeNetwork
    routes: list[Route]
    services: list[dict] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass
class Hop:
    """One step of the packet: where it is (node, pod, device), what happens, the rule or route."""

    kind: str  # pod | veth | bridge | iptables | dnat | route | wire | node
    node: str
    text: str
    device: str = ""
    pod: str = ""
    rule: str = ""
    chain: str = ""
    probability: str = ""


@dataclass
class Trace:
    from_ip: str
    from_pod: str
    from_node: str
    to_ip: str
    port: int | None
    hops: list[Hop] = field(default_factory=list)
    result: str = ""
    message: str = ""
    #: The Service port matched (``namespace/name:port-name``), its cluster IP, and each
    #: ``KUBE-SVC`` rule tried: endpoint, chain, probability, whether it was taken.
    service: str = ""
    cluster_ip: str = ""
    choices: list[dict] = field(default_factory=list)
    #: Where it arrived after DNAT: ``{"ip", "port", "node", "pod"}``.
    delivered_to: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _rule(node: NodeNet, chain: str, *words: str) -> str:
    """The node's ``-A CHAIN`` rule that carries every one of ``words`` (as iptables-save prints it)."""
    return next((r for r in node.rules if r.startswith(f"-A {chain} ") and all(w in r for w in words)), "")


def path(nodes: list[NodeNet], from_ip: str, to_ip: str, port: int | None, rng: random.Random) -> Trace:
    """Follow one packet from the pod with ``from_ip`` to ``to_ip``:``port`` (see the module)."""
    src = next((n for n in nodes if n.network.by_ip(from_ip) is not None), None)
    if src is None:
        raise PathError(f"no pod on any node has IP {from_ip}")
    veth = src.network.by_ip(from_ip)
    assert veth is not None
    trace = Trace(from_ip, veth.pod, src.name, to_ip, port)
    shown_port = f":{port}" if port else ""
    trace.hops += [
        Hop("pod", src.name, f"{veth.pod} sends from its {POD_IFNAME} ({from_ip}) to {to_ip}{shown_port}; the pod's "
            f"default route points at the bridge", device=POD_IFNAME, pod=veth.pod,
            rule=f"default via {src.network.bridge_ip} dev {POD_IFNAME}"),
        Hop("veth", src.name, f"out of the pod's {POD_IFNAME}, into its veth peer {veth.host_ifname} on {src.name}",
            device=veth.host_ifname, pod=veth.pod),
        Hop("bridge", src.name, f"{veth.host_ifname} is a port of bridge {BRIDGE_NAME}; {src.name}'s netfilter "
            "sees the packet (nat PREROUTING → KUBE-SERVICES)", device=BRIDGE_NAME)]
    dst_ip, dst_port = to_ip, port
    ports = [s for s in src.services if s.get("cluster_ip") == to_ip]
    if ports:
        chosen = _through_service(trace, src, ports, port, rng)
        if chosen is None:
            return trace
        dst_ip, dst_port = chosen
    _route(trace, nodes, src, dst_ip, dst_port)
    return trace


def _through_service(trace: Trace, node: NodeNet, ports: list[dict], port: int | None,
                     rng: random.Random) -> tuple[str, int] | None:
    """kube-proxy's rules for a ClusterIP: KUBE-SERVICES → KUBE-SVC (a random pick) → KUBE-SEP DNAT."""
    sp = ports[0] if port is None else next((s for s in ports if int(s["port"]) == int(port)), None)
    if sp is None:
        served = ", ".join(str(s["port"]) for s in ports)
        trace.hops.append(Hop("iptables", node.name, f"no rule in KUBE-SERVICES matches {trace.to_ip}:{port} (the "
                              f"Service serves port {served}); a ClusterIP is no interface's address, so nothing "
                              "answers: the connection times out", chain="KUBE-SERVICES"))
        trace.result, trace.message = UNREACHABLE, f"no Service port {trace.to_ip}:{port}: connection timed out"
        return None
    trace.port = port = int(sp["port"])
    trace.service, trace.cluster_ip = sp["name"], sp["cluster_ip"]
    vip, dport = f"-d {sp['cluster_ip']}/32 ", f"--dport {port} "
    if not sp.get("endpoints"):
        trace.hops.append(Hop("iptables", node.name, f"{sp['name']} has no endpoints: the filter table REJECTs the "
                              "packet (icmp-port-unreachable)", chain="KUBE-SERVICES",
                              rule=_rule(node, "KUBE-SERVICES", vip, dport, "-j REJECT")))
        trace.result, trace.message = REJECTED, f"connection refused: {sp['name']} has no endpoints"
        return None
    trace.hops.append(Hop(
        "iptables", node.name, f"KUBE-SERVICES: {sp['cluster_ip']}:{port} is {sp['name']}'s cluster IP: jump to "
        f"{sp['chain']}", chain="KUBE-SERVICES", rule=_rule(node, "KUBE-SERVICES", vip, dport, f"-j {sp['chain']}")))
    return _pick_endpoint(trace, node, sp, f"{sp['cluster_ip']}:{port}", rng)


def from_outside(nodes: list[NodeNet], node_name: str, node_port: int, rng: random.Random) -> Trace:
    """Follow a packet from a client outside the cluster to ``node_name``'s address on
    ``node_port``: kube-proxy's ``KUBE-NODEPORTS`` → ``KUBE-EXT-…`` (marked to be masqueraded)
    → ``KUBE-SVC-…`` → DNAT to one endpoint, then routed to it, on this node or another."""
    node = next((n for n in nodes if n.name == node_name), None)
    if node is None:
        raise PathError(f"no node named {node_name}")
    trace = Trace("", "", "", node.internal_ip, node_port)
    trace.hops.append(Hop("wire", node.name, f"a client outside the cluster sends to {node.name}'s address "
                          f"{node.internal_ip}:{node_port}; it arrives on {NODE_IFNAME}", device=NODE_IFNAME))
    sp = next((s for s in node.services if s.get("node_port") == node_port), None)
    if sp is None:
        trace.hops.append(Hop("iptables", node.name, f"no Service has NodePort {node_port} and nothing listens on "
                              f"{node.internal_ip}:{node_port}: the node answers with a TCP reset",
                              chain="KUBE-NODEPORTS"))
        trace.result, trace.message = REJECTED, f"connection refused: no NodePort {node_port} on {node.name}"
        return trace
    trace.service, trace.cluster_ip = sp["name"], sp["cluster_ip"]
    trace.hops.append(Hop("iptables", node.name, f"nat PREROUTING → KUBE-SERVICES: {node.internal_ip} is one of "
                          f"{node.name}'s own addresses: jump to KUBE-NODEPORTS", chain="KUBE-SERVICES",
                          rule=_rule(node, "KUBE-SERVICES", "-j KUBE-NODEPORTS")))
    rule = _rule(node, "KUBE-NODEPORTS", f"--dport {node_port} ")
    ext = rule.rsplit("-j ", 1)[-1] if rule else "KUBE-EXT"
    trace.hops.append(Hop("iptables", node.name, f"KUBE-NODEPORTS: {node_port} is {sp['name']}'s NodePort: jump to "
                          f"{ext}, which marks the packet to be masqueraded (its source becomes {node.name}'s "
                          f"address, so the reply comes back through here) and jumps to {sp['chain']}",
                          chain="KUBE-NODEPORTS", rule=rule))
    if not sp.get("endpoints"):
        trace.hops.append(Hop("iptables", node.name, f"{sp['name']} has no endpoints: the packet is REJECTed",
                              chain=ext))
        trace.result, trace.message = REJECTED, f"connection refused: {sp['name']} has no endpoints"
        return trace
    chosen = _pick_endpoint(trace, node, sp, f"{node.internal_ip}:{node_port}", rng)
    _route(trace, nodes, node, *chosen)
    return trace


def _pick_endpoint(trace: Trace, node: NodeNet, sp: dict, destination: str,
                   rng: random.Random) -> tuple[str, int]:
    """``KUBE-SVC-…``: its rules tried in order, each taken with its ``--probability`` (the last
    always), and the chosen ``KUBE-SEP-…`` DNATs ``destination`` to that endpoint."""
    endpoints = sp["endpoints"]
    chosen = endpoints[-1]
    for i, ep in enumerate(endpoints):
        p = ep.get("probability")
        taken = p is None or rng.random() < float(p)
        trace.choices.append({"endpoint": ep["endpoint"], "chain": ep["chain"], "probability": p, "taken": taken})
        if taken:
            chosen = ep
            odds = f"taken with probability {p}" if p else "the last rule: taken unconditionally"
            trace.hops.append(Hop(
                "iptables", node.name, f"{sp['chain']}: rule {i + 1} of {len(endpoints)} ({odds}): jump to "
                f"{ep['chain']}", chain=sp["chain"], probability=p or "",
                rule=_rule(node, sp["chain"], f"-j {ep['chain']}")))
            break
    ip, _, ep_port = chosen["endpoint"].rpartition(":")
    trace.hops.append(Hop(
        "dnat", node.name, f"{chosen['chain']}: DNAT — the destination {destination} becomes "
        f"{chosen['endpoint']} (conntrack remembers it to undo it on the reply)", chain=chosen["chain"],
        rule=_rule(node, chosen["chain"], "-j DNAT")))
    return ip, int(ep_port)


def _route(trace: Trace, nodes: list[NodeNet], node: NodeNet, dst_ip: str, dst_port: int | None) -> None:
    """Route from ``node`` toward ``dst_ip``: across the bridge, to another node, or out."""
    for _ in range(2):  # the source node, then at most the destination's node
        route = lookup(node.routes, dst_ip)
        if route is None:
            trace.result, trace.message = UNREACHABLE, f"{node.name} has no route to {dst_ip}: Network is unreachable"
            return
        if route.dev == BRIDGE_NAME:
            trace.hops.append(Hop("route", node.name, f"{dst_ip} is in {node.name}'s pod CIDR: out through bridge "
                                  f"{BRIDGE_NAME}", device=BRIDGE_NAME, rule=str(route)))
            _across_bridge(trace, node, dst_ip, dst_port)
            return
        peer = next((n for n in nodes if n.internal_ip == (route.via or dst_ip) and n is not node), None)
        if route.via and peer is not None:
            trace.hops.append(Hop("route", node.name, f"{dst_ip} is in {peer.name}'s pod CIDR: via {route.via} "
                                  f"({peer.name}) on {NODE_IFNAME}", device=NODE_IFNAME, rule=str(route)))
        elif peer is not None:
            trace.hops.append(Hop("route", node.name, f"{dst_ip} is {peer.name}'s own address, on the nodes' "
                                  f"network", device=NODE_IFNAME, rule=str(route)))
        else:
            trace.hops.append(Hop("route", node.name, f"no node or pod of the cluster has {dst_ip}: out of the "
                                  "cluster through the default gateway", device=NODE_IFNAME, rule=str(route)))
            trace.result, trace.message = LEFT_CLUSTER, f"{dst_ip} is outside the cluster"
            return
        trace.hops.append(Hop("wire", node.name, f"out of {node.name}'s {NODE_IFNAME} ({node.internal_ip}) onto "
                              f"the nodes' network, to {peer.name} ({peer.internal_ip})", device=NODE_IFNAME))
        trace.hops.append(Hop("node", peer.name, f"into {peer.name}'s {NODE_IFNAME} ({peer.internal_ip})",
                              device=NODE_IFNAME))
        if dst_ip == peer.internal_ip:
            trace.result, trace.message = DELIVERED, f"delivered to node {peer.name}"
            trace.delivered_to = {"ip": dst_ip, "port": dst_port, "node": peer.name, "pod": ""}
            return
        node = peer
    trace.result, trace.message = UNREACHABLE, f"no route delivers {dst_ip}"


def _across_bridge(trace: Trace, node: NodeNet, dst_ip: str, dst_port: int | None) -> None:
    veth = node.network.by_ip(dst_ip)
    if veth is None:
        trace.result = UNREACHABLE
        trace.message = f"no pod on {node.name} has {dst_ip}: no ARP answer on {BRIDGE_NAME} (Destination Host " \
                        "Unreachable)"
        return
    trace.hops += [
        Hop("bridge", node.name, f"{BRIDGE_NAME} forwards the frame to the port that has {dst_ip}: "
            f"{veth.host_ifname}", device=BRIDGE_NAME),
        Hop("veth", node.name, f"through {veth.host_ifname} into its peer, {veth.pod}'s {POD_IFNAME}",
            device=veth.host_ifname, pod=veth.pod),
        Hop("pod", node.name, f"{veth.pod} receives it on {POD_IFNAME} ({dst_ip}"
            f"{f':{dst_port}' if dst_port else ''})", device=POD_IFNAME, pod=veth.pod)]
    trace.result, trace.message = DELIVERED, f"delivered to {veth.pod} ({dst_ip})"
    trace.delivered_to = {"ip": dst_ip, "port": dst_port, "node": node.name, "pod": veth.pod}


def describe(result: dict) -> str:
    """A trace (:meth:`Trace.as_dict`, with the ``target`` asked for) as ``manage.py sim trace``
    prints it: one numbered hop a line (node, device or pod, what happens, the rule or route
    used), the Service's KUBE-SVC rules tried, and the result."""
    port = f":{result['port']}" if result["port"] else ""
    lines = [f"packet from {result['from_pod']} ({result['from_ip']}, on {result['from_node']}) to "
             f"{result.get('target') or result['to_ip']} ({result['to_ip']}{port})"]
    for i, hop in enumerate(result["hops"], 1):
        where = hop["pod"] if hop["kind"] == "pod" else f"{hop['node']} {hop['device'] or hop['chain']}".strip()
        lines.append(f"{i:>2}. [{hop['kind']}] {where}: {hop['text']}")
        if hop["rule"]:
            lines.append(f"      {hop['rule']}")
    if result["choices"]:
        lines.append(f"{result['service']} ({result['cluster_ip']}): the KUBE-SVC rules tried")
        lines += [f"    {c['chain']} -> {c['endpoint']}  probability {c['probability'] or '(the rest)'}  "
                  f"{'TAKEN' if c['taken'] else 'not taken'}" for c in result["choices"]]
    lines.append(f"result: {result['result']}: {result['message']}")
    return "\n".join(lines)
