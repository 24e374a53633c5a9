"""NodeAffinity: ``nodeSelector`` and required node affinity filter nodes; preferred terms add
their weights to the nodes they match, scaled so the best node scores 100."""
from __future__ import annotations

from simulation.apimachinery.corev1 import NodeSelectorTerm, RequiredNodeAffinity

from ..framework.interface import (SKIP, Code, CycleState, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin,
                                   Status)
from ..framework.node_info import NodeInfo, PodInfo
from .helper import default_normalize_score

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
_FILTER_KEY = "PreFilter/NodeAffinity"
_SCORE_KEY = "PreScore/NodeAffinity"


class NodeAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = "NodeAffinity"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        required = RequiredNodeAffinity(pod.pod)
        if required.empty:
            return SKIP
        state[_FILTER_KEY] = required
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        required: RequiredNodeAffinity = state[_FILTER_KEY]
        if required.matches(node_info.name, node_info.labels):
            return None
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_POD])

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        affinity = ((pod.pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
        preferred = [(int(t.get("weight") or 0), NodeSelectorTerm(t.get("preference") or {}))
                     for t in affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()]
        preferred = [(w, term) for w, term in preferred if w != 0]
        if not preferred:
            return SKIP
        state[_SCORE_KEY] = preferred
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        preferred: list[tuple[int, NodeSelectorTerm]] = state[_SCORE_KEY]
        return sum(w for w, term in preferred if term.matches(node_info.name, node_info.labels))

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]) -> None:
        default_normalize_score(scores, reverse=False)
