"""InterPodAffinity: place pods near (affinity) or away from (anti-affinity) other pods, per
topology domain.

Filter, in upstream's order: the pod's required affinity must find a matching pod in the node's
domain (unless no pod anywhere matches and the pod matches its own terms: the first replica of
a self-affine group must land somewhere); its required anti-affinity must find none; and no
existing pod's required anti-affinity may match the pod in the node's domain.
Score sums the weights of preferred terms in both directions (and existing pods' required
affinity at ``hardPodAffinityWeight``), then scales min..max to 0..100.

All counting happens once per cycle in PreFilter / PreScore; when neither the pod nor any
existing pod has affinity, both answer SKIP and the plugin costs nothing.
"""
from __future__ import annotations

from ..framework.interface import (
    MAX_NODE_SCORE,
    SKIP,
    Code,
    CycleState,
    FilterPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from ..framework.node_info import AffinityTerm, NodeInfo, PodInfo, Snapshot

ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"
DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1
_FILTER_KEY = "PreFilter/InterPodAffinity"
_SCORE_KEY = "PreScore/InterPodAffinity"

Pair = tuple[str, str]


def _bump(counts: dict[Pair, int], node_info: NodeInfo, key: str, value: int) -> None:
    topology_value = node_info.labels.get(key)
    if topology_value is not None:
        counts[(key, topology_value)] = counts.get((key, topology_value), 0) + value


class _FilterState:
    __slots__ = ("existing_anti_affinity", "affinity", "anti_affinity")

    def __init__(self) -> None:
        self.existing_anti_affinity: dict[Pair, int] = {}
        self.affinity: dict[Pair, int] = {}
        self.anti_affinity: dict[Pair, int] = {}


class InterPodAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = "InterPodAffinity"

    def __init__(self, hard_pod_affinity_weight: int = DEFAULT_HARD_POD_AFFINITY_WEIGHT) -> None:
        self.hard_pod_affinity_weight = hard_pod_affinity_weight

    # -- Filter ---------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        snapshot = state.snapshot
        with_anti = snapshot.have_pods_with_required_anti_affinity()
        affinity_terms, anti_terms = pod.required_affinity_terms, pod.required_anti_affinity_terms
        if not affinity_terms and not anti_terms and not with_anti:
            return SKIP
        s = _FilterState()
        own_ns_labels = snapshot.namespace_labels.get(pod.namespace, {})
        for ni in with_anti:
            for existing in ni.pods_with_required_anti_affinity.values():
                for term in existing.required_anti_affinity_terms:
                    if term.matches(pod, own_ns_labels):
                        _bump(s.existing_anti_affinity, ni, term.topology_key, 1)
        if affinity_terms or anti_terms:
            for ni in snapshot:
                for existing in ni.pods.values():
                    ns_labels = snapshot.namespace_labels.get(existing.namespace, {})
                    if affinity_terms and all(t.matches(existing, ns_labels) for t in affinity_terms):
                        for t in affinity_terms:
                            _bump(s.affinity, ni, t.topology_key, 1)
                    for t in anti_terms:
                        if t.matches(existing, ns_labels):
                            _bump(s.anti_affinity, ni, t.topology_key, 1)
        state[_FILTER_KEY] = s
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: _FilterState = state[_FILTER_KEY]
        if not self._satisfies_affinity(s, pod, state.snapshot, node_info):
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_AFFINITY_RULES_NOT_MATCH])
        labels = node_info.labels
        if s.anti_affinity:
            for t in pod.required_anti_affinity_terms:
                value = labels.get(t.topology_key)
                if value is not None and s.anti_affinity.get((t.topology_key, value), 0) > 0:
                    return Status(Code.UNSCHEDULABLE, [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH])
        if s.existing_anti_affinity:
            for pair in labels.items():
                if s.existing_anti_affinity.get(pair, 0) > 0:
                    return Status(Code.UNSCHEDULABLE, [ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH])
        return None

    @staticmethod
    def _satisfies_affinity(s: _FilterState, pod: PodInfo, snapshot: Snapshot, node_info: NodeInfo) -> bool:
        pods_exist = True
        for t in pod.required_affinity_terms:
            value = node_info.labels.get(t.topology_key)
            if value is None:
                return False  # every topology label must exist on the node
            if s.affinity.get((t.topology_key, value), 0) <= 0:
                pods_exist = False
        if pods_exist:
            return True
        own_ns_labels = snapshot.namespace_labels.get(pod.namespace, {})
        return not s.affinity and all(t.matches(pod, own_ns_labels) for t in pod.required_affinity_terms)

    # -- Score ----------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        snapshot = state.snapshot
        has_constraints = bool(pod.preferred_affinity_terms or pod.preferred_anti_affinity_terms)
        # Without preferred terms of its own, only pods with affinity can move the score.
        node_infos = list(snapshot) if has_constraints else snapshot.have_pods_with_affinity()
        if not node_infos:
            return SKIP
        own_ns_labels = snapshot.namespace_labels.get(pod.namespace, {})
        scores: dict[Pair, int] = {}
        for ni in node_infos:
            if not ni.labels:
                continue
            existing_pods = ni.pods if has_constraints else ni.pods_with_affinity
            for existing in existing_pods.values():
                ns_labels = snapshot.namespace_labels.get(existing.namespace, {})
                self._add_terms(scores, pod.preferred_affinity_terms, existing, ns_labels, ni, 1)
                self._add_terms(scores, pod.preferred_anti_affinity_terms, existing, ns_labels, ni, -1)
                if self.hard_pod_affinity_weight > 0:
                    weighted = [(self.hard_pod_affinity_weight, t) for t in existing.required_affinity_terms]
                    self._add_terms(scores, weighted, pod, own_ns_labels, ni, 1)
                self._add_terms(scores, existing.preferred_affinity_terms, pod, own_ns_labels, ni, 1)
                self._add_terms(scores, existing.preferred_anti_affinity_terms, pod, own_ns_labels, ni, -1)
        if not scores:
            return SKIP
        state[_SCORE_KEY] = scores
        return None

    @staticmethod
    def _add_terms(scores: dict[Pair, int], terms: list[tuple[int, AffinityTerm]], target: PodInfo,
                   ns_labels: dict[str, str], node_info: NodeInfo, sign: int) -> None:
        for weight, term in terms:
            if term.matches(target, ns_labels):
                _bump(scores, node_info, term.topology_key, weight * sign)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        scores: dict[Pair, int] = state[_SCORE_KEY]
        return sum(scores.get(pair, 0) for pair in node_info.labels.items())

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]) -> None:
        low, high = min(scores, default=0), max(scores, default=0)
        spread = high - low
        for i, score in enumerate(scores):
            scores[i] = int(MAX_NODE_SCORE * ((score - low) / spread)) if spread > 0 else 0
