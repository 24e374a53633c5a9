"""What a cluster's simulation is made of, as stored in ``Cluster.sim_state``: the seed,
the pacing (mode, speed and the clock's anchor), the nodes, the extra schedulers and which
components the teacher stopped. The kernel's live state is rebuilt from this after a
restart; the Kubernetes objects themselves live in the store and are never lost.
"""
from __future__ import annotations

import time
from dataclasses import asdict, fields

from simulation.cluster import demo_nodes
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kernel.pacing import LIVE, Anchor
from simulation.kubelet.node_spec import NodeSpec


def demo_state(seed: int = 1, *, behind_live_seconds: float = 0.0) -> dict:
    """The demo cluster, live at 1x, its clock ``behind_live_seconds`` behind the wall clock:
    head-room for a new cluster; none for one whose objects were stamped with the wall clock."""
    now = time.time()
    return {"enabled": True, "seed": seed, "mode": LIVE, "speed": 1.0,
            "anchor": Anchor(now, now - behind_live_seconds).as_state(),
            "watch_latency_seconds": CLASSROOM_WATCH_LATENCY_SECONDS,
            "nodes": [asdict(n) for n in demo_nodes()], "schedulers": [], "stopped": []}


def node_specs(state: dict) -> list[NodeSpec]:
    known = {f.name for f in fields(NodeSpec)}
    return [NodeSpec(**{k: v for k, v in node.items() if k in known}) for node in state.get("nodes", [])]
