"""NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in equal
fractions after placing the pod (score = (1 - standard deviation of the fractions) * 100).

It uses real requests, not the non-zero defaults, and skips best-effort pods (no requests at
all): counting them would pile such pods onto one node (kubernetes#129138).
"""
from __future__ import annotations

import math

from ...framework.interface import MAX_NODE_SCORE, SKIP, CycleState, PreScorePlugin, ScorePlugin, Status
from ...framework.node_info import NodeInfo, PodInfo



def balanced_resource_score(requested: list[int], allocatable: list[int]) -> int:
    fractions = [min(r / a, 1.0) for r, a in zip(requested, allocatable) if a != 0]
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class NodeResourcesBalancedAllocation(PreScorePlugin, ScorePlugin):
    name = "NodeResourcesBalancedAllocation"

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if pod.request_cpu or pod.request_memory else SKIP

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node_info])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        pod_cpu, pod_memory = pod.request_cpu, pod.request_memory
        key = f"{self.name}/{pod_cpu}/{pod_memory}"
        # A comprehension over the kept scores (NodeInfo.remember): this runs for every
        # feasible node, and most did not change since they were last scored.
        return [score if (score := ni.memo.get(key)) is not None
                else ni.remember(key, balanced_allocation_score(ni, pod_cpu, pod_memory)) for ni in nodes]


def balanced_allocation_score(ni: NodeInfo, pod_cpu: int, pod_memory: int) -> int:
    """The node's score with the pod's real cpu and memory requests added."""
    cpu, memory = ni.allocatable_cpu, ni.allocatable_memory
    if cpu and memory:  # upstream's two-resource shortcut: std = |f1 - f2| / 2
        cpu_fraction = (ni.requested_cpu + pod_cpu) / cpu
        memory_fraction = (ni.requested_memory + pod_memory) / memory
        std = abs((cpu_fraction if cpu_fraction < 1.0 else 1.0) - (memory_fraction if memory_fraction < 1.0 else 1.0)) / 2
        return int((1 - std) * MAX_NODE_SCORE)
    return balanced_resource_score([ni.requested_cpu + pod_cpu, ni.requested_memory + pod_memory], [cpu, memory])
