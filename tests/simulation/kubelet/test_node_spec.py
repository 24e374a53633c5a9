"""NodeSpec: the machine a kubelet registers, and how it survives being stored as JSON."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from simulation.kubelet.node_spec import NodeSpec, node_ip_for


@pytest.mark.parametrize("cidr, ip", [("10.244.1.0/24", "172.18.0.3"), ("10.244.3.0/24", "172.18.0.5"),
                                      ("10.64.7.0/24", "172.18.76.9"), ("10.65.7.0/24", "172.18.77.9")],
                         ids=["node-1", "node-3", "bench-7", "bench-263"])
def test_node_ip_from_pod_cidr(cidr, ip):
    assert node_ip_for(cidr) == ip


def test_labels_add_the_well_known_ones():
    spec = NodeSpec("node-1", zone="zone-a", extra_labels={"accelerator": "gpu"})
    assert spec.labels == {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                           "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "node-1",
                           "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "zone-a",
                           "accelerator": "gpu"}


def test_round_trips_through_json_with_bare_and_sized_images():
    spec = NodeSpec("node-1", images=["nginx:1.27", ("redis:7", 1234)])
    again = NodeSpec(**json.loads(json.dumps(asdict(spec))))
    assert again == NodeSpec("node-1", images=["nginx:1.27", ["redis:7", 1234]])
    preloaded = dict(again.preloaded_images())
    assert preloaded["redis:7"] == 1234 and preloaded["nginx:1.27"] is None
    assert "registry.k8s.io/pause:3.10" in preloaded
