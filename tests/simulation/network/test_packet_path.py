"""The path of one packet: pod to pod on the same node (across the bridge), to another node
(route via its InternalIP, then its bridge), and to a Service's ClusterIP (kube-proxy's rules
pick a backend with each rule's --probability, then DNAT); over many packets each backend's
share matches the rules."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict

import pytest

from simulation.network.cni import BridgeNetwork
from simulation.network.iproute import node_routes
from simulation.network.path import (DELIVERED, LEFT_CLUSTER, REJECTED, UNREACHABLE, NodeNet, PathError, describe,
                                     path)
from simulation.proxy import iptables

NODE_OBJECTS = [{"metadata": {"name": f"node-{i}"}, "spec": {"podCIDR": f"10.244.{i}.0/24"},
                 "status": {"addresses": [{"type": "InternalIP", "address": f"172.18.0.{i + 2}"}]}} for i in (1, 2)]


def service(name: str, ip: str, port: int = 80) -> dict:
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": ip, "ports": [{"port": port, "targetPort": 8080, "protocol": "TCP"}]}}


def slice_of(ips: list[str]) -> dict:
    return {"ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]}


def cluster(backends_per_node: tuple[int, int] = (2, 1), services: dict | None = None) -> tuple[list[NodeNet], dict]:
    """Two nodes; node-1 holds ``client`` and some ``web-*`` pods, node-2 the rest of ``web``."""
    nets, ips = [], {}
    for i, count in zip((1, 2), backends_per_node):
        net = BridgeNetwork(f"node-{i}", f"10.244.{i}.0/24", random.Random(i).getrandbits)
        names = (["client"] if i == 1 else []) + [f"web-{i}{k}" for k in range(count)]
        for name in names:
            ips[name] = net.add(f"sandbox-{name}", "default", name, f"uid-{name}").ip
        nets.append(net)
    web = sorted(ip for name, ip in ips.items() if name.startswith("web"))
    services = services if services is not None else {"web": (service("web", "10.96.0.20"), web)}
    planned = iptables.plan([svc for svc, _ in services.values()],
                            {("default", name): [slice_of(eps)] if eps else [] for name, (_, eps) in services.items()})
    rules = iptables.iptables_save(planned, cluster_cidr="10.244.0.0/16")
    nodes = [NodeNet(f"node-{i}", f"172.18.0.{i + 2}", net, node_routes(f"node-{i}", NODE_OBJECTS),
                     [asdict(sp) for sp in planned], rules) for i, net in zip((1, 2), nets)]
    return nodes, ips


def kinds(trace) -> list[tuple[str, str]]:
    return [(h.kind, h.node) for h in trace.hops]


def test_same_node_goes_across_the_bridge_only():
    nodes, ips = cluster()
    trace = path(nodes, ips["client"], ips["web-10"], 8080, random.Random(0))
    assert trace.result == DELIVERED and trace.delivered_to["pod"] == "default/web-10"
    assert kinds(trace) == [("pod", "node-1"), ("veth", "node-1"), ("bridge", "node-1"), ("route", "node-1"),
                            ("bridge", "node-1"), ("veth", "node-1"), ("pod", "node-1")]
    client_veth = nodes[0].network.by_ip(ips["client"]).host_ifname
    web_veth = nodes[0].network.by_ip(ips["web-10"]).host_ifname
    assert trace.hops[1].device == client_veth and trace.hops[5].device == web_veth
    assert trace.hops[3].rule == "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1"


def test_cross_node_is_routed_via_the_other_nodes_internal_ip():
    nodes, ips = cluster()
    trace = path(nodes, ips["client"], ips["web-20"], 8080, random.Random(0))
    assert trace.result == DELIVERED and trace.delivered_to == {"ip": ips["web-20"], "port": 8080, "node": "node-2",
                                                                "pod": "default/web-20"}
    assert kinds(trace) == [("pod", "node-1"), ("veth", "node-1"), ("bridge", "node-1"), ("route", "node-1"),
                            ("wire", "node-1"), ("node", "node-2"), ("route", "node-2"), ("bridge", "node-2"),
                            ("veth", "node-2"), ("pod", "node-2")]
    assert trace.hops[3].rule == "10.244.2.0/24 via 172.18.0.4 dev eth0"
    assert trace.hops[6].rule == "10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1"


def test_a_service_ip_is_dnatted_to_the_backend_the_rules_pick():
    nodes, ips = cluster()
    trace = path(nodes, ips["client"], "10.96.0.20", None, random.Random(5))
    assert trace.result == DELIVERED and trace.service == "default/web" and trace.port == 80
    chains = [h for h in trace.hops if h.kind in ("iptables", "dnat")]
    svc_chain = iptables.service_chain("default/web", "tcp")
    assert chains[0].rule == (f'-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web cluster IP" '
                              f"-m tcp --dport 80 -j {svc_chain}")
    assert chains[1].rule.startswith(f"-A {svc_chain} -m comment") and chains[1].chain == svc_chain
    assert all(h.rule in nodes[0].rules for h in chains)  # each hop quotes the node's own rule
    taken = [c for c in trace.choices if c["taken"]]
    assert len(taken) == 1 and all(not c["taken"] for c in trace.choices[:-1])
    chosen = taken[0]
    assert chains[-1].kind == "dnat" and chains[-1].rule.endswith(f"--to-destination {chosen['endpoint']}")
    assert f"{trace.delivered_to['ip']}:{trace.delivered_to['port']}" == chosen["endpoint"]
    # the DNAT happens on the sending node, before it routes
    assert all(h.node == "node-1" for h in chains)


def test_over_many_packets_each_backend_gets_its_share():
    nodes, ips = cluster((2, 2))
    rng = random.Random(11)
    n = 6000
    counts = Counter(path(nodes, ips["client"], "10.96.0.20", 80, rng).delivered_to["pod"] for _ in range(n))
    assert set(counts) == {"default/web-10", "default/web-11", "default/web-20", "default/web-21"}
    for pod, seen in counts.items():
        assert abs(seen / n - 0.25) < 0.025, counts
    # and the first rule alone is taken with its own probability, 1/4
    first = sum(path(nodes, ips["client"], "10.96.0.20", 80, rng).choices[0]["taken"] for _ in range(n))
    assert abs(first / n - 0.25) < 0.025


def test_the_same_seed_picks_the_same_backends():
    nodes, ips = cluster((2, 2))
    picks = [[path(nodes, ips["client"], "10.96.0.20", 80, rng).delivered_to["pod"] for _ in range(20)]
             for rng in (random.Random(3), random.Random(3))]
    assert picks[0] == picks[1]


@pytest.mark.parametrize("to, port, result, words", [
    ("10.96.0.30", 80, REJECTED, "connection refused: default/empty has no endpoints"),
    ("10.96.0.20", 443, UNREACHABLE, "no Service port 10.96.0.20:443: connection timed out"),
    ("10.244.2.99", 80, UNREACHABLE, "no pod on node-2 has 10.244.2.99"),
    ("8.8.8.8", 53, LEFT_CLUSTER, "8.8.8.8 is outside the cluster"),
    ("172.18.0.4", 10250, DELIVERED, "delivered to node node-2"),
], ids=["no-endpoints", "unserved-port", "no-such-pod", "outside", "node-ip"])
def test_what_happens_when_nothing_or_no_pod_answers(to, port, result, words):
    nodes, ips = cluster()
    web = sorted(ip for name, ip in ips.items() if name.startswith("web"))
    nodes, ips = cluster(services={"web": (service("web", "10.96.0.20"), web),
                                   "empty": (service("empty", "10.96.0.30"), [])})
    trace = path(nodes, ips["client"], to, port, random.Random(0))
    assert trace.result == result and trace.message.startswith(words), trace.message
    if result == REJECTED:
        assert trace.hops[-1].rule.endswith("-j REJECT --reject-with icmp-port-unreachable")


def test_a_sender_that_is_no_pod_is_refused():
    nodes, _ = cluster()
    with pytest.raises(PathError, match="no pod on any node has IP 10.244.9.9"):
        path(nodes, "10.244.9.9", "10.96.0.20", 80, random.Random(0))


def test_describe_prints_numbered_hops_with_their_rules_and_the_choice():
    nodes, ips = cluster((1, 1))
    trace = path(nodes, ips["client"], "10.96.0.20", 80, random.Random(2)).as_dict()
    text = describe({**trace, "target": "service default/web"}).splitlines()
    assert text[0] == f"packet from default/client ({ips['client']}, on node-1) to service default/web (10.96.0.20:80)"
    assert text[1].startswith(" 1. [pod] default/client: default/client sends from its eth0")
    assert text[2] == "      default via 10.244.1.1 dev eth0"
    assert any(line.startswith("      -A KUBE-SERVICES -d 10.96.0.20/32 -p tcp") for line in text)
    tried = [line for line in text if line.startswith("    KUBE-SEP-")]
    assert len(tried) == len(trace["choices"]) and tried[-1].endswith("TAKEN")
    assert text[-1] == f"result: delivered: {trace['message']}"
