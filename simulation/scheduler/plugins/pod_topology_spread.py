"""PodTopologySpread: keep matching pods evenly spread over topology domains (zones, nodes...).

``DoNotSchedule`` constraints filter: placing the pod in a domain must not make that domain
exceed the emptiest one by more than ``maxSkew``. ``ScheduleAnyway`` constraints score: fewer
matching pods in the node's domains is better. A pod without constraints gets upstream's system
defaults (hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway) over the pods of the same
Services / ReplicationController / ReplicaSet / StatefulSet, which is why replicas spread even
when nobody asked.

Counting is done once per cycle in PreFilter / PreScore over the snapshot, never per node
per pod; a pod with no applicable constraint makes both SKIP.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from simulation.apimachinery.corev1 import (LABEL_HOSTNAME, LABEL_TOPOLOGY_ZONE, NO_EXECUTE, NO_SCHEDULE,
                                            RequiredNodeAffinity, find_matching_untolerated_taint)
from simulation.apimachinery.selectors import EQUALS, IN, LabelSelector, Requirement, from_label_selector_object

from ..framework.interface import (MAX_NODE_SCORE, SKIP, Code, CycleState, FilterPlugin, PreFilterPlugin,
                                   PreScorePlugin, ScorePlugin, Status)
from ..framework.node_info import NodeInfo, PodInfo, Snapshot

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
SYSTEM_DEFAULT_CONSTRAINTS: tuple[Mapping[str, Any], ...] = (
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": LABEL_TOPOLOGY_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
)
_FILTER_KEY = "PreFilter/PodTopologySpread"
_SCORE_KEY = "PreScore/PodTopologySpread"
_MAX_INT32 = 2 ** 31 - 1


class Constraint:
    """A parsed TopologySpreadConstraint with its defaults filled in (upstream ``topologySpreadConstraint``)."""

    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "honor_node_affinity", "honor_taints")

    def __init__(self, raw: Mapping[str, Any], selector: LabelSelector) -> None:
        self.max_skew = int(raw.get("maxSkew") or 1)
        self.topology_key: str = raw.get("topologyKey") or ""
        self.selector = selector
        self.min_domains = int(raw.get("minDomains") or 1)
        self.honor_node_affinity = (raw.get("nodeAffinityPolicy") or "Honor") == "Honor"
        self.honor_taints = (raw.get("nodeTaintsPolicy") or "Ignore") == "Honor"

    def counts_node(self, pod: PodInfo, node_info: NodeInfo, required: RequiredNodeAffinity) -> bool:
        """Node inclusion policies: may pods on this node count toward the skew at all?"""
        if self.honor_node_affinity and not required.matches(node_info.name, node_info.labels):
            return False
        return not self.honor_taints or find_matching_untolerated_taint(
            node_info.taints, pod.tolerations, (NO_SCHEDULE, NO_EXECUTE)) is None


def _selector(raw: Mapping[str, Any] | None) -> LabelSelector:
    try:
        return from_label_selector_object(raw)
    except ValueError:
        return from_label_selector_object(None)


def _constraints(raw: Iterable[Mapping[str, Any]], pod: PodInfo, action: str) -> list[Constraint]:
    out = []
    for c in raw:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = _selector(c.get("labelSelector"))
        extra = [Requirement(key, IN, (pod.labels[key],)) for key in c.get("matchLabelKeys") or () if key in pod.labels]
        if extra and not selector.nothing:
            selector = LabelSelector(tuple(sorted(selector.requirements + tuple(extra), key=lambda r: r.key)))
        out.append(Constraint(c, selector))
    return out


def default_selector(pod: PodInfo, snapshot: Snapshot) -> LabelSelector:
    """Upstream ``helper.DefaultSelector``: what the pod's Services and controller select."""
    label_set: dict[str, str] = {}
    for svc in snapshot.services:
        meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        selector = spec.get("selector")
        if (meta.get("namespace") or "default") != pod.namespace or selector is None:
            continue
        if all(pod.labels.get(k) == v for k, v in selector.items()):
            label_set.update(selector)
    requirements = [Requirement(k, EQUALS, (v,)) for k, v in label_set.items()]
    owner = next((o for o in (pod.pod.get("metadata") or {}).get("ownerReferences") or () if o.get("controller")), None)
    if owner is not None:
        kind, api_version, name = owner.get("kind"), owner.get("apiVersion"), owner.get("name")
        if kind == "ReplicationController" and api_version == "v1":
            rc = _find(snapshot.replication_controllers, pod.namespace, name)
            if rc is not None:
                label_set.update((rc.get("spec") or {}).get("selector") or {})
                requirements = [Requirement(k, EQUALS, (v,)) for k, v in label_set.items()]
        elif (kind, api_version) in (("ReplicaSet", "apps/v1"), ("StatefulSet", "apps/v1")):
            owners = snapshot.replica_sets if kind == "ReplicaSet" else snapshot.stateful_sets
            obj = _find(owners, pod.namespace, name)
            if obj is not None:
                sel = _selector((obj.get("spec") or {}).get("selector"))
                if not sel.nothing:
                    requirements += list(sel.requirements)
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


def _find(objects: Iterable[Mapping[str, Any]], namespace: str, name: str | None) -> Mapping[str, Any] | None:
    for obj in objects:
        meta = obj.get("metadata") or {}
        if meta.get("name") == name and (meta.get("namespace") or "default") == namespace:
            return obj
    return None


def _per_node(snapshot: Snapshot, pod: PodInfo, constraint: Constraint) -> dict[str, int]:
    """Matching pods per node name (upstream ``countPodsMatchSelector``: an empty selector counts none)."""
    if constraint.selector.empty:
        return {}
    return snapshot.matching_pods(pod.namespace, constraint.selector).per_node


class _FilterState:
    __slots__ = ("constraints", "pair_counts", "min_by_key", "domains_by_key")

    def __init__(self, constraints: list[Constraint], pair_counts: dict[tuple[str, str], int]) -> None:
        self.constraints = constraints
        self.pair_counts = pair_counts
        self.min_by_key: dict[str, int] = {}
        self.domains_by_key: dict[str, int] = {}
        for (key, _), count in pair_counts.items():
            self.domains_by_key[key] = self.domains_by_key.get(key, 0) + 1
            self.min_by_key[key] = min(self.min_by_key.get(key, _MAX_INT32), count)

    def min_match_num(self, constraint: Constraint) -> int:
        if self.domains_by_key.get(constraint.topology_key, 0) < constraint.min_domains:
            return 0  # too few domains exist: count the missing ones as empty
        return self.min_by_key.get(constraint.topology_key, _MAX_INT32)


class _ScoreState:
    __slots__ = ("constraints", "ignored_nodes", "pair_counts", "weights", "per_node")

    def __init__(self, constraints: list[Constraint]) -> None:
        self.constraints = constraints
        self.ignored_nodes: set[str] = set()
        self.pair_counts: dict[tuple[str, str], int] = {}
        self.weights: list[float] = []
        #: Per constraint: matching pods per node name.
        self.per_node: list[dict[str, int]] = []


def _has_all_keys(labels: Mapping[str, str], constraints: list[Constraint]) -> bool:
    return all(c.topology_key in labels for c in constraints)


class PodTopologySpread(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = "PodTopologySpread"

    def __init__(self, default_constraints: tuple[Mapping[str, Any], ...] = SYSTEM_DEFAULT_CONSTRAINTS) -> None:
        self.default_constraints = default_constraints
        self.system_defaulted = default_constraints is SYSTEM_DEFAULT_CONSTRAINTS

    def _get_constraints(self, state: CycleState, pod: PodInfo, action: str) -> list[Constraint]:
        own = (pod.pod.get("spec") or {}).get("topologySpreadConstraints") or ()
        if own:
            return _constraints(own, pod, action)
        constraints = _constraints(self.default_constraints, pod, action)
        if not constraints:
            return []
        selector = default_selector(pod, state.snapshot)
        if selector.empty:
            return []
        for c in constraints:
            c.selector = selector
        return constraints

    # -- Filter ---------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        constraints = self._get_constraints(state, pod, DO_NOT_SCHEDULE)
        if not constraints:
            return SKIP
        required = RequiredNodeAffinity(pod.pod)
        snapshot = state.snapshot
        matching = [_per_node(snapshot, pod, c) for c in constraints]
        counts: dict[tuple[str, str], int] = {}
        for ni in snapshot:
            if not _has_all_keys(ni.labels, constraints):
                continue
            for c, per_node in zip(constraints, matching):
                if c.counts_node(pod, ni, required):
                    pair = (c.topology_key, ni.labels[c.topology_key])
                    counts[pair] = counts.get(pair, 0) + per_node.get(ni.name, 0)
        state[_FILTER_KEY] = _FilterState(constraints, counts)
        return None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: _FilterState = state[_FILTER_KEY]
        for c in s.constraints:
            value = node_info.labels.get(c.topology_key)
            if value is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NODE_LABEL_NOT_MATCH])
            self_match = 1 if c.selector.matches(pod.labels) else 0
            skew = s.pair_counts.get((c.topology_key, value), 0) + self_match - s.min_match_num(c)
            if skew > c.max_skew:
                return Status(Code.UNSCHEDULABLE, [ERR_REASON_CONSTRAINTS_NOT_MATCH])
        return None

    # -- Score ----------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        constraints = self._get_constraints(state, pod, SCHEDULE_ANYWAY)
        if not constraints or not nodes:
            return SKIP
        # Only explicit constraints require every topology label; with system defaults a node
        # without a zone label still takes part in hostname spreading.
        own = bool((pod.pod.get("spec") or {}).get("topologySpreadConstraints"))
        require_all = own or not self.system_defaulted
        s = _ScoreState(constraints)
        domains = [0] * len(constraints)
        # Hostname domains are single nodes: their counts are taken per node in Score.
        keyed = [(i, c.topology_key) for i, c in enumerate(constraints) if c.topology_key != LABEL_HOSTNAME]
        pair_counts = s.pair_counts
        for ni in nodes:
            labels = ni.labels
            if require_all and not _has_all_keys(labels, constraints):
                s.ignored_nodes.add(ni.name)
                continue
            for i, key in keyed:
                pair = (key, labels.get(key, ""))
                if pair not in pair_counts:
                    pair_counts[pair] = 0
                    domains[i] += 1
        for i, c in enumerate(constraints):
            size = len(nodes) - len(s.ignored_nodes) if c.topology_key == LABEL_HOSTNAME else domains[i]
            s.weights.append(math.log(size + 2))
        required = RequiredNodeAffinity(pod.pod)
        snapshot = state.snapshot
        s.per_node = [_per_node(snapshot, pod, c) for c in constraints]
        every_node_counts = (not require_all or len(constraints) == 1) and all(
            not c.honor_taints and (required.empty or not c.honor_node_affinity) for c in constraints)
        if every_node_counts:
            # No node is excluded, so the kept per-domain totals are exactly what a scan would sum.
            for c in constraints:
                if c.topology_key != LABEL_HOSTNAME and not c.selector.empty:
                    totals = snapshot.matching_pods(pod.namespace, c.selector).domain_counts(c.topology_key, snapshot)
                    for pair in s.pair_counts:
                        if pair[0] == c.topology_key:
                            s.pair_counts[pair] = totals.get(pair[1], 0)
        else:
            for ni in snapshot:
                if not ni.pods or (require_all and not _has_all_keys(ni.labels, constraints)):
                    continue
                for c, per_node in zip(constraints, s.per_node):
                    pair = (c.topology_key, ni.labels.get(c.topology_key, ""))
                    if pair in s.pair_counts and c.counts_node(pod, ni, required):
                        s.pair_counts[pair] += per_node.get(ni.name, 0)
        state[_SCORE_KEY] = s
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node_info])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """Per constraint, the node's domain count times the domain weight, plus maxSkew - 1."""
        s: _ScoreState = state[_SCORE_KEY]
        terms = [(c.topology_key, c.topology_key == LABEL_HOSTNAME, weight, c.max_skew - 1, per_node)
                 for c, weight, per_node in zip(s.constraints, s.weights, s.per_node)]
        ignored, pair_counts = s.ignored_nodes, s.pair_counts
        scores = []
        for ni in nodes:
            if ni.name in ignored:
                scores.append(0)
                continue
            labels = ni.labels
            total = 0.0
            for key, by_host, weight, slack, per_node in terms:
                value = labels.get(key)
                if value is not None:
                    count = per_node.get(ni.name, 0) if by_host else pair_counts[(key, value)]
                    total += count * weight + slack
            scores.append(math.floor(total + 0.5))  # Go's math.Round: halves away from zero
        return scores

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]) -> None:
        """Fewest matching pods scores 100; ignored nodes (missing topology labels) score 0."""
        s: _ScoreState = state[_SCORE_KEY]
        valid = [score for ni, score in zip(nodes, scores) if ni.name not in s.ignored_nodes]
        min_score, max_score = min(valid, default=0), max(valid, default=0)
        for i, ni in enumerate(nodes):
            if ni.name in s.ignored_nodes:
                scores[i] = 0
            elif max_score == 0:
                scores[i] = MAX_NODE_SCORE
            else:
                scores[i] = MAX_NODE_SCORE * (max_score + min_score - scores[i]) // max_score
