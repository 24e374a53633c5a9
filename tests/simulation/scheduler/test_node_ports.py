from __future__ import annotations

import pytest

from simulation.scheduler.plugins.node_ports import NodePorts
from tests.simulation.scheduler.builders import node, pod, run_filter

REASON = "node(s) didn't have free ports for the requested pod ports"


def port(host_port, protocol=None, host_ip=None):
    p = {"containerPort": 80, "hostPort": host_port}
    p.update({k: v for k, v in (("protocol", protocol), ("hostIP", host_ip)) if v})
    return p


CASES = [
    ("no host ports", [], [port(8080)], None),
    ("free port", [port(8081)], [port(8080)], None),
    ("same port", [port(8080)], [port(8080)], REASON),
    ("other protocol", [port(8080, "UDP")], [port(8080)], None),
    ("different host IPs", [port(8080, host_ip="10.0.0.1")], [port(8080, host_ip="10.0.0.2")], None),
    ("0.0.0.0 clashes with a specific IP", [port(8080)], [port(8080, host_ip="10.0.0.2")], REASON),
    ("a specific IP clashes with 0.0.0.0", [port(8080, host_ip="10.0.0.1")], [port(8080)], REASON),
]


@pytest.mark.parametrize("wanted,used,reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_node_ports(wanted, used, reason):
    existing = [pod("e", node_name="n", ports=used)]
    status = run_filter(NodePorts(), pod(ports=wanted), node("n"), existing)
    assert (status.reasons[0] if status else None) == reason
