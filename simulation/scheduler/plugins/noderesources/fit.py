"""NodeResourcesFit: a pod fits where its requests fit in allocatable minus what the node's pods
already request; among those, LeastAllocated scoring prefers the emptiest node.

Reasons are upstream's: "Too many pods", then "Insufficient <resource>" for cpu, memory,
ephemeral-storage and each extended resource, all of them (a node can lack both cpu and memory).
"""
from __future__ import annotations

from ...corev1 import CPU, EPHEMERAL_STORAGE, MEMORY
from ...framework.interface import MAX_NODE_SCORE, Code, CycleState, FilterPlugin, ScorePlugin, Status
from ...framework.node_info import NodeInfo, PodInfo

REASON_TOO_MANY_PODS = "Too many pods"
_NATIVE = (CPU, MEMORY, EPHEMERAL_STORAGE)


def _is_scalar_resource(name: str) -> bool:
    """Extended, hugepages and attachable-volume resources; anything else is not accounted upstream."""
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


def insufficient_resources(pod: PodInfo, node_info: NodeInfo) -> list[str]:
    """Upstream ``fitsRequest``: the reasons the node cannot take the pod, in upstream's order."""
    reasons = []
    if len(node_info.pods) + 1 > node_info.allowed_pod_number:
        reasons.append(REASON_TOO_MANY_PODS)
    requests = pod.requests
    if not any(requests.values()):
        return reasons
    allocatable, requested = node_info.allocatable, node_info.requested
    for name in _NATIVE:
        want = requests.get(name, 0)
        if want > 0 and want > allocatable.get(name, 0) - requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
    for name in sorted(n for n in requests if _is_scalar_resource(n)):
        want = requests[name]
        if want > 0 and want > allocatable.get(name, 0) - requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def least_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


class NodeResourcesFit(FilterPlugin, ScorePlugin):
    """Filter on real requests; score with the LeastAllocated strategy (cpu and memory, weight 1 each)
    on non-zero requests, so pods without requests still spread."""

    name = "NodeResourcesFit"

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        reasons = insufficient_resources(pod, node_info)
        return Status(Code.UNSCHEDULABLE, reasons) if reasons else None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        total = weights = 0
        allocatable = node_info.allocatable
        for capacity, requested in ((allocatable.get(CPU, 0), node_info.non_zero_cpu + pod.non_zero_cpu),
                                    (allocatable.get(MEMORY, 0), node_info.non_zero_memory + pod.non_zero_memory)):
            if capacity == 0:
                continue
            total += least_requested_score(requested, capacity)
            weights += 1
        return total // weights if weights else 0
