"""What a cluster's simulation is made of, as stored in ``Cluster.sim_state``: the seed,
the pacing (mode and speed), the nodes, the extra schedulers and which components the
teacher stopped. The kernel's live state is rebuilt from this after a restart; the
Kubernetes objects themselves live in the store and are never lost.
"""
from __future__ import annotations

from dataclasses import asdict, fields

from simulation.cluster import demo_nodes
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kubelet.node_spec import NodeSpec


def demo_state(seed: int = 1) -> dict:
    return {"enabled": True, "seed": seed, "mode": "live", "speed": 1.0, "watch_latency_seconds": CLASSROOM_WATCH_LATENCY_SECONDS,
            "nodes": [asdict(n) for n in demo_nodes()], "schedulers": [], "stopped": []}


def node_specs(state: dict) -> list[NodeSpec]:
    known = {f.name for f in fields(NodeSpec)}
    return [NodeSpec(**{k: v for k, v in node.items() if k in known}) for node in state.get("nodes", [])]
