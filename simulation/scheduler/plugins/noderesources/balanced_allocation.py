"""NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in equal
fractions after placing the pod (score = (1 - standard deviation of the fractions) * 100).

It uses real requests, not the non-zero defaults, and skips best-effort pods (no requests at
all): counting them would pile such pods onto one node (kubernetes#129138).
"""
from __future__ import annotations

import math

from ...corev1 import CPU, MEMORY
from ...framework.interface import MAX_NODE_SCORE, SKIP, CycleState, PreScorePlugin, ScorePlugin, Status
from ...framework.node_info import NodeInfo, PodInfo

_RESOURCES = (CPU, MEMORY)


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
        return None if any(pod.requests.get(r, 0) for r in _RESOURCES) else SKIP

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        requested = [node_info.requested.get(r, 0) + pod.requests.get(r, 0) for r in _RESOURCES]
        return balanced_resource_score(requested, [node_info.allocatable.get(r, 0) for r in _RESOURCES])
