"""A node's routes (kindnet's: every other node's podCIDR via its InternalIP) and its
interfaces, as ``ip route`` and ``ip addr`` print them."""
from __future__ import annotations

import random

from simulation.network.cni import BridgeNetwork
from simulation.network.iproute import lookup, node_ip_addr, node_routes, pod_ip_addr, pod_routes


def node(name: str, ip: str, cidr: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"podCIDR": cidr},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]}}


NODES = [node("node-1", "172.18.0.3", "10.244.1.0/24"), node("node-2", "172.18.0.4", "10.244.2.0/24"),
         node("node-3", "172.18.0.5", "10.244.3.0/24")]


def test_each_node_routes_the_other_nodes_pod_cidrs_via_their_internal_ip():
    assert [str(r) for r in node_routes("node-2", NODES)] == [
        "default via 172.18.0.1 dev eth0",
        "10.244.1.0/24 via 172.18.0.3 dev eth0",
        "10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1",
        "10.244.3.0/24 via 172.18.0.5 dev eth0",
        "172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.4",
    ]


def test_a_node_without_its_pod_cidr_yet_gets_no_route_from_the_others():
    partial = NODES[:2] + [{"metadata": {"name": "node-3"}, "spec": {}, "status": {}}]
    assert not any("10.244.3.0" in str(r) for r in node_routes("node-1", partial))


def test_lookup_takes_the_longest_prefix():
    routes = node_routes("node-1", NODES)
    assert str(lookup(routes, "10.244.1.7")).startswith("10.244.1.0/24 dev cni0")
    assert str(lookup(routes, "10.244.3.9")) == "10.244.3.0/24 via 172.18.0.5 dev eth0"
    assert str(lookup(routes, "172.18.0.4")).startswith("172.18.0.0/16 dev eth0")
    assert str(lookup(routes, "8.8.8.8")) == "default via 172.18.0.1 dev eth0"


def test_ip_addr_shows_lo_eth0_the_bridge_and_a_veth_per_pod_on_cni0():
    net = BridgeNetwork("node-1", "10.244.1.0/24", random.Random(1).getrandbits)
    pair = net.add("sandbox-a", "default", "web", "uid-a")
    lines = node_ip_addr("node-1", "172.18.0.3", net)
    heads = [line.split(":")[0] + ":" + line.split(":")[1] for line in lines if not line.startswith(" ")]
    assert heads == ["1: lo", "2: eth0", "3: cni0", f"4: {pair.host_ifname}@if2"]
    assert "    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0" in lines
    assert "    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0" in lines
    veth = next(line for line in lines if line.startswith("4: "))
    assert "master cni0 state UP" in veth
    assert lines[lines.index(veth) + 1].endswith(f"link-netns {pair.netns}")
    inside = pod_ip_addr(pair, 24)
    assert inside[4].startswith("2: eth0@if4: ") and "    inet 10.244.1.2/24 brd 10.244.1.255 scope global eth0" in inside
    assert [str(r) for r in pod_routes(pair, net)] == [
        "default via 10.244.1.1 dev eth0", "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2"]
