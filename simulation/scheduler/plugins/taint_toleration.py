"""TaintToleration: a node's NoSchedule/NoExecute taints keep out pods that do not tolerate them;
untolerated PreferNoSchedule taints only lower the score (fewer is better)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulation.apimachinery.corev1 import (NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE,
                                            find_matching_untolerated_taint, tolerations_tolerate_taint)

from ..framework.interface import Code, CycleState, FilterPlugin, PreScorePlugin, ScorePlugin, Status
from ..framework.node_info import NodeInfo, PodInfo
from .helper import default_normalize_score

_STATE_KEY = "PreScore/TaintToleration"


class TaintToleration(FilterPlugin, PreScorePlugin, ScorePlugin):
    name = "TaintToleration"

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not node_info.taints:
            return None
        taint = find_matching_untolerated_taint(node_info.taints, pod.tolerations, (NO_SCHEDULE, NO_EXECUTE))
        if taint is None:
            return None
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                      [f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"])

    def filter_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> dict[str, Status]:
        tainted = [ni for ni in nodes if ni.taints]
        if not tainted:
            return {}
        rejected: dict[str, Status] = {}
        for ni in tainted:
            status = self.filter(state, pod, ni)
            if status is not None:
                rejected[ni.name] = status
        return rejected

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        # Only tolerations that can apply to PreferNoSchedule taints matter for the count.
        state[_STATE_KEY] = [t for t in pod.tolerations
                             if (t.get("effect") or PREFER_NO_SCHEDULE) == PREFER_NO_SCHEDULE]
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        if not node_info.taints:
            return 0
        tolerations: list[Mapping[str, Any]] = state[_STATE_KEY]
        return sum(1 for taint in node_info.taints
                   if taint.get("effect") == PREFER_NO_SCHEDULE and not tolerations_tolerate_taint(tolerations, taint))

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        score = self.score
        return [score(state, pod, ni) if ni.taints else 0 for ni in nodes]

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]) -> None:
        default_normalize_score(scores, reverse=True)
