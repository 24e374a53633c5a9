"""A node's (and a pod's) interfaces and routes as ``ip addr`` and ``ip route`` print them.

Routes between nodes are those kindnet (kind's CNI daemon) or flannel's ``host-gw`` backend
write: every other node's podCIDR via that node's InternalIP on ``eth0``. They follow from the
Node objects alone (``spec.podCIDR`` and the ``InternalIP`` address the kubelet posts), so
:func:`node_routes` computes them from the Nodes as read through the API server: the table
any node would hold once its route daemon has seen every Node.

The nodes sit on one layer-2 network, as kind's nodes on the ``kind`` docker network
(``172.18.0.0/16``, gateway ``.1``): a node's InternalIP's /16, its first address the gateway.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .cni import BRIDGE_NAME, MTU, POD_IFINDEX, POD_IFNAME, BridgeNetwork, VethPair, mac_address

NODE_IFNAME = "eth0"
#: The prefix of the network the nodes share (kind's docker network is a /16).
NODE_NETWORK_PREFIX = 16


@dataclass(frozen=True)
class Route:
    """One line of ``ip route``."""

    dst: str
    dev: str
    via: str = ""
    proto: str = ""
    scope: str = ""
    src: str = ""

    def __str__(self) -> str:
        parts = [self.dst] + ([f"via {self.via}"] if self.via else []) + [f"dev {self.dev}"]
        parts += ([f"proto {self.proto}"] if self.proto else []) + ([f"scope {self.scope}"] if self.scope else [])
        parts += [f"src {self.src}"] if self.src else []
        return " ".join(parts)

    def contains(self, ip: str) -> bool:
        if self.dst == "default":
            return True
        return ipaddress.ip_address(ip) in ipaddress.ip_network(self.dst, strict=False)

    @property
    def prefix_length(self) -> int:
        return 0 if self.dst == "default" else ipaddress.ip_network(self.dst, strict=False).prefixlen


def node_subnet(internal_ip: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f"{internal_ip}/{NODE_NETWORK_PREFIX}", strict=False)


def node_addresses(node: dict) -> tuple[str, str]:
    """A Node object's ``(InternalIP, podCIDR)``, either "" when not set."""
    addresses = (node.get("status") or {}).get("addresses") or []
    internal = next((a.get("address", "") for a in addresses if a.get("type") == "InternalIP"), "")
    return internal, (node.get("spec") or {}).get("podCIDR") or ""


def node_routes(name: str, nodes: list[dict]) -> list[Route]:
    """Node ``name``'s routing table, from every Node object (``ip route`` order: default first,
    then by destination)."""
    own = next((n for n in nodes if n["metadata"]["name"] == name), None)
    if own is None:
        return []
    internal_ip, pod_cidr = node_addresses(own)
    routes: list[Route] = []
    if internal_ip:
        subnet = node_subnet(internal_ip)
        routes.append(Route("default", NODE_IFNAME, via=str(subnet.network_address + 1)))
        routes.append(Route(str(subnet), NODE_IFNAME, proto="kernel", scope="link", src=internal_ip))
    if pod_cidr:
        gateway = ipaddress.ip_network(pod_cidr, strict=False).network_address + 1
        routes.append(Route(str(ipaddress.ip_network(pod_cidr, strict=False)), BRIDGE_NAME, proto="kernel",
                            scope="link", src=str(gateway)))
    for other in nodes:
        if other["metadata"]["name"] == name:
            continue
        other_ip, other_cidr = node_addresses(other)
        if other_ip and other_cidr:
            routes.append(Route(str(ipaddress.ip_network(other_cidr, strict=False)), NODE_IFNAME, via=other_ip))
    default = [r for r in routes if r.dst == "default"]
    rest = [r for r in routes if r.dst != "default"]
    return default + sorted(rest, key=lambda r: int(ipaddress.ip_network(r.dst, strict=False).network_address))


def lookup(routes: list[Route], ip: str) -> Route | None:
    """The route the kernel takes for ``ip``: the longest matching prefix."""
    matching = [r for r in routes if r.contains(ip)]
    return max(matching, key=lambda r: r.prefix_length) if matching else None


def _loopback() -> list[str]:
    return ["1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
            "    inet 127.0.0.1/8 scope host lo",
            "       valid_lft forever preferred_lft forever"]


def _inet(ip: str, prefix: int, dev: str) -> list[str]:
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return [f"    inet {ip}/{prefix} brd {network.broadcast_address} scope global {dev}",
            "       valid_lft forever preferred_lft forever"]


def node_ip_addr(node: str, internal_ip: str, network: BridgeNetwork) -> list[str]:
    """``ip addr`` on the node: ``lo``, ``eth0`` (the InternalIP), ``cni0`` and one veth per pod."""
    up = "<BROADCAST,MULTICAST,UP,LOWER_UP>"
    lines = _loopback()
    lines.append(f"2: {NODE_IFNAME}: {up} mtu {MTU} qdisc noqueue state UP group default")
    lines.append(f"    link/ether {mac_address(f'{node}/{NODE_IFNAME}')} brd ff:ff:ff:ff:ff:ff")
    if internal_ip:
        lines += _inet(internal_ip, NODE_NETWORK_PREFIX, NODE_IFNAME)
    lines.append(f"3: {BRIDGE_NAME}: {up} mtu {MTU} qdisc noqueue state UP group default qlen 1000")
    lines.append(f"    link/ether {network.bridge_mac} brd ff:ff:ff:ff:ff:ff")
    lines += _inet(network.bridge_ip, network.prefix_length, BRIDGE_NAME)
    for v in network.veths():
        lines.append(f"{v.ifindex}: {v.host_ifname}@if{POD_IFINDEX}: {up} mtu {MTU} qdisc noqueue master "
                     f"{BRIDGE_NAME} state UP group default")
        lines.append(f"    link/ether {v.mac} brd ff:ff:ff:ff:ff:ff link-netns {v.netns}")
    return lines


def pod_ip_addr(veth: VethPair, prefix: int) -> list[str]:
    """``ip addr`` inside the pod: ``lo`` and ``eth0``, the peer of the node's veth."""
    return _loopback() + [
        f"{POD_IFINDEX}: {POD_IFNAME}@if{veth.ifindex}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {MTU} qdisc noqueue "
        "state UP group default",
        f"    link/ether {veth.peer_mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0",
    ] + _inet(veth.ip, prefix, POD_IFNAME)


def pod_routes(veth: VethPair, network: BridgeNetwork) -> list[Route]:
    """``ip route`` inside the pod: everything through the bridge's address."""
    subnet = network.ipam.subnet
    return [Route("default", POD_IFNAME, via=network.bridge_ip),
            Route(str(subnet), POD_IFNAME, proto="kernel", scope="link", src=veth.ip)]
