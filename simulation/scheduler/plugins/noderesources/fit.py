"""NodeResourcesFit: a pod fits where its requests fit in allocatable minus what the node's pods
already request; among those, LeastAllocated scoring prefers the emptiest node.

Reasons are upstream's: "Too many pods", then "Insufficient <resource>" for cpu, memory,
ephemeral-storage and each extended resource, all of them (a node can lack both cpu and memory).
"""
from __future__ import annotations

from simulation.apimachinery.corev1 import CPU, EPHEMERAL_STORAGE, MEMORY

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


class NodeResourcesFit(FilterPlugin, ScorePlugin):
    """Filter on real requests; score with the LeastAllocated strategy (cpu and memory, weight 1 each)
    on non-zero requests, so pods without requests still spread."""

    name = "NodeResourcesFit"

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        # Fast path for the common "it fits"; the full check below gathers every reason.
        if (len(node_info.pods) < node_info.allowed_pod_number
                and pod.request_cpu <= node_info.allocatable_cpu - node_info.requested_cpu
                and pod.request_memory <= node_info.allocatable_memory - node_info.requested_memory
                and not pod.other_requests):
            return None
        reasons = insufficient_resources(pod, node_info)
        return Status(Code.UNSCHEDULABLE, reasons) if reasons else None

    def filter_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> dict[str, Status]:
        cpu, memory = pod.request_cpu, pod.request_memory
        if pod.other_requests:
            doubtful = nodes
        else:  # the fast path of filter() over all nodes at once; the doubtful ones get the full check
            key = f"{self.name}/fits/{cpu}/{memory}"
            doubtful = [ni for ni in nodes if key not in ni.memo and not _fits_at_once(ni, cpu, memory, key)]
        rejected: dict[str, Status] = {}
        for ni in doubtful:
            reasons = insufficient_resources(pod, ni)
            if reasons:
                rejected[ni.name] = Status(Code.UNSCHEDULABLE, reasons)
        return rejected

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node_info])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        pod_cpu, pod_memory = pod.non_zero_cpu, pod.non_zero_memory
        key = f"{self.name}/{pod_cpu}/{pod_memory}"
        # A comprehension over the kept scores (NodeInfo.remember): this runs for every
        # feasible node, and most did not change since they were last scored.
        return [score if (score := ni.memo.get(key)) is not None
                else ni.remember(key, least_allocated_score(ni, pod_cpu, pod_memory)) for ni in nodes]


def _fits_at_once(ni: NodeInfo, cpu: int, memory: int, key: str) -> bool:
    """filter()'s fast path: room for one more pod and for its cpu and memory (the pod asks for
    nothing else). A node that passes remembers it under ``key`` until it changes."""
    if (len(ni.pods) < ni.allowed_pod_number and cpu <= ni.allocatable_cpu - ni.requested_cpu
            and memory <= ni.allocatable_memory - ni.requested_memory):
        ni.remember(key, 1)
        return True
    return False


def least_allocated_score(ni: NodeInfo, pod_cpu: int, pod_memory: int) -> int:
    """Upstream ``leastResourceScorer`` over cpu and memory (weight 1 each): the mean of
    ``(allocatable - requested) * 100 / allocatable``, 0 for a resource that does not fit;
    resources a node does not report are left out of the mean."""
    cpu, memory = ni.allocatable_cpu, ni.allocatable_memory
    requested_cpu, requested_memory = ni.non_zero_cpu + pod_cpu, ni.non_zero_memory + pod_memory
    cpu_score = (cpu - requested_cpu) * MAX_NODE_SCORE // cpu if cpu and requested_cpu <= cpu else 0
    memory_score = (memory - requested_memory) * MAX_NODE_SCORE // memory if memory and requested_memory <= memory else 0
    return (cpu_score + memory_score) // ((cpu > 0) + (memory > 0) or 1)
