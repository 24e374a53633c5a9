"""A node row as a teacher types it: taints and labels in kubectl's syntax, and the checks a
row passes before it becomes a kubelet (the API server's own Node validation among them)."""
from __future__ import annotations

import pytest

from clusterviz.clusters.topology import (demo_state, format_taints, node_errors, node_specs, numbered_node,
                                          parse_labels, parse_taints)
from simulation.cluster import demo_nodes


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("dedicated=gpu:NoSchedule", [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
    ("spot:PreferNoSchedule, example.com/maintenance=yes:NoExecute",
     [{"key": "spot", "effect": "PreferNoSchedule"},
      {"key": "example.com/maintenance", "value": "yes", "effect": "NoExecute"}]),
], ids=["none", "key-value-effect", "two-key-effect-and-prefixed"])
def test_taints_are_read_as_kubectl_taint_writes_them(text, expected) -> None:
    assert parse_taints(text) == expected
    assert parse_taints(format_taints(expected)) == expected


def test_a_taint_without_its_effect_is_refused_with_the_syntax() -> None:
    with pytest.raises(ValueError, match=r"invalid taint spec: dedicated=gpu: the effect is missing \(KEY=VALUE:EFFECT"):
        parse_taints("dedicated=gpu")


def test_labels_are_read_as_kubectl_label_writes_them() -> None:
    assert parse_labels("accelerator=gpu, tier=") == {"accelerator": "gpu", "tier": ""}
    with pytest.raises(ValueError, match="invalid label spec: gpu: KEY=VALUE"):
        parse_labels("gpu")


def node(**overrides) -> dict:
    row = {"name": "node-1", "cpu": "4", "memory": "8Gi", "zone": "zone-a", "taints": [], "labels": {}}
    return numbered_node(1, **{**row, **overrides})


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"cpu": "four"}, "cpu", "quantities must match the regular expression"),
    ({"cpu": "0"}, "cpu", "must be more than 0"),
    ({"memory": "64Mi"}, "memory", "must be more than 100Mi"),
    ({"zone": "zone a"}, "zone", "a valid label must be an empty string or consist of alphanumeric characters"),
    ({"name": "Node_1"}, "name", 'metadata.name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain'),
    ({"taints": [{"key": "dedicated", "value": "gpu", "effect": "Never"}]}, "taints",
     ('metadata.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", '
      '"NoExecute"')),
    ({"taints": [{"key": "a", "effect": "NoSchedule"}, {"key": "a", "value": "b", "effect": "NoSchedule"}]},
     "taints", "taints must be unique by key and effect pair"),
    ({"labels": {"accelerator": "g p u"}}, "labels", 'metadata.labels: Invalid value: "g p u"'),
], ids=["cpu-not-a-quantity", "cpu-zero", "memory-below-eviction", "zone-not-a-label-value", "name-not-dns",
        "taint-effect-unknown", "taints-duplicate", "label-value-invalid"])
def test_node_rows_are_refused_in_the_api_servers_words(overrides, field, message) -> None:
    errors = node_errors(node(**overrides))
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_the_demo_layout_passes_and_survives_the_round_trip_through_sim_state() -> None:
    assert [node_errors(spec) for spec in demo_nodes()] == [{}, {}, {}]
    assert node_specs(demo_state()) == demo_nodes()
    assert node(name="node-7").pod_cidr == "10.244.1.0/24" and numbered_node(
        7, name="node-7", cpu="1", memory="1Gi").pod_cidr == "10.244.7.0/24"
