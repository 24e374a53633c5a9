"""One scheduling cycle for one pod (upstream ``schedule_one.go``: ``schedulePod``,
``findNodesThatPassFilters``, ``prioritizeNodes``, ``selectHost``), as a pure function.

Promises, as upstream:

* Filtering visits nodes round-robin from ``next_start_node_index`` and stops once
  :func:`num_feasible_nodes_to_find` nodes pass: in big clusters the scheduler trades a perfect
  choice for throughput (``percentageOfNodesToScore``). The result says where to start next so
  successive pods look at different nodes.
* One feasible node is chosen without scoring.
* Among the highest totals one node is picked uniformly at random (reservoir sampling), with the
  caller's seeded ``random.Random``, so a run is reproducible.
* When nothing fits, :func:`fit_error_message` gives the FailedScheduling text, e.g.
  ``0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.``

The decision record (:attr:`ScheduleResult.decision`) is built only when asked for, because
the benchmark schedules thousands of pods and the UI looks at a few.
"""
from __future__ import annotations

import operator
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, compress, repeat
from typing import Any

from .framework.interface import Code, CycleState, Status
from .framework.node_info import NodeInfo, PodInfo, Snapshot
from .framework.runtime import Framework, PluginScores, pod_priority_of

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"
#: Decision-record code of a Filter plugin after the one that rejected the node.
NOT_RUN = "NotRun"


def adaptive_percentage(num_all_nodes: int) -> int:
    """Upstream's default when percentageOfNodesToScore is 0: 50% at 0 nodes, shrinking 1% per
    125 nodes, never under 5%."""
    return max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)


def num_feasible_nodes_to_find(num_all_nodes: int, percentage: int = 0) -> int:
    """How many feasible nodes are enough: all below 100 nodes, else ``percentage`` of them, at least 100."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = adaptive_percentage(num_all_nodes)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


def fit_error_message(num_all_nodes: int, node_statuses: Mapping[str, Status], pre_filter_message: str = "") -> str:
    """Upstream ``FitError.Error()`` without the preemption suffix.

    Reasons are counted over nodes and printed as "<count> <reason>", sorted as strings (Go's
    ``sort.Strings`` in ``sortReasonsHistogram``), so "10 ..." sorts before "2 ...". When a
    PreFilter plugin rejected the pod, its message stands alone.
    """
    message = NO_NODE_AVAILABLE_MSG.format(num_all_nodes) + ":"
    if pre_filter_message:
        return f"{message} {pre_filter_message}."
    histogram: dict[str, int] = {}
    for status in node_statuses.values():
        for reason in status.reasons:
            histogram[reason] = histogram.get(reason, 0) + 1
    reasons = sorted(f"{count} {reason}" for reason, count in histogram.items())
    return f"{message} {', '.join(reasons)}." if reasons else message


def _totals(scores: list[PluginScores], count: int) -> list[int]:
    """Each node's sum of weighted scores, added plugin by plugin in C (``map``) rather than
    through a tuple per node."""
    totals = [0] * count
    for s in scores:
        weighted = s.normalized if s.weight == 1 else map(operator.mul, s.normalized, repeat(s.weight))
        totals = list(map(operator.add, totals, weighted))
    return totals


def select_host(totals: list[int], rng: random.Random) -> tuple[int, int]:
    """(index of the chosen node, how many nodes shared the top score): the first maximum is kept,
    then each later equal replaces it with probability 1/count (upstream ``selectHost``).

    The same draws as upstream's loop, in the same order, made cheaply: a node equal to the
    best so far draws a number even before the top score appears (those draws cannot change
    the choice, only use up numbers); past the first top score, every tie draws, and the
    last tie whose draw came under 1/count wins. Comparisons run in C (``map``), so the
    Python work is one draw per tie (at 5,000 nodes most of 500 feasible nodes tie)."""
    if not totals:
        return 0, 1
    top = max(totals)
    first = totals.index(top)
    if first > 1:
        running = accumulate(totals[:first - 1], max)  # the best score before each node
        for _ in range(sum(map(operator.eq, totals[1:first], running))):
            rng.random()
    ties_at = list(compress(range(first + 1, len(totals)), map(operator.eq, totals[first + 1:], repeat(top))))
    if not ties_at:
        return first, 1
    draw = rng.random
    draws = [draw() for _ in ties_at]
    won = list(map((1.0).__gt__, map(operator.mul, draws, range(2, len(ties_at) + 2))))
    if True not in won:
        return first, len(ties_at) + 1
    return ties_at[len(won) - 1 - won[::-1].index(True)], len(ties_at) + 1


@dataclass
class ScheduleResult:
    """The outcome of one cycle. ``node_name`` is ``None`` when nothing fits; ``message`` is then
    the FailedScheduling text. ``evaluated`` counts nodes filtered (feasible or not)."""

    node_name: str | None
    feasible: int
    evaluated: int
    next_start_node_index: int
    message: str = ""
    #: The winner's total score; ``None`` when no scoring ran (nothing fits, or one node did).
    score: int | None = None
    #: Nodes that failed Filter, with the status of the plugin that refused them.
    node_statuses: dict[str, Status] = field(default_factory=dict)
    _trace: _Trace | None = field(default=None, repr=False)

    @cached_property
    def decision(self) -> dict[str, Any]:
        """Everything the browser shows about this cycle, JSON-serialisable (see :meth:`_Trace.record`)."""
        return self._trace.record(self) if self._trace is not None else {}


@dataclass
class _Trace:
    """What a cycle keeps to explain itself later, cheaply: references, not dicts."""

    framework: Framework
    pod: PodInfo
    nodes: list[NodeInfo]
    start: int
    percentage: int
    percentage_source: str
    num_to_find: int
    pre_filter: list[Status]
    filter_plugins: list[str]
    skipped_filters: set[str]
    visited: list[NodeInfo] = field(default_factory=list)
    rejected: dict[str, Status] = field(default_factory=dict)
    pre_score: list[Status] = field(default_factory=list)
    scored_nodes: list[NodeInfo] = field(default_factory=list)
    scores: list[PluginScores] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    ties: int = 0

    def record(self, result: ScheduleResult) -> dict[str, Any]:
        n = len(self.nodes)
        processed = len(self.visited)
        score_at = {ni.name: i for i, ni in enumerate(self.scored_nodes)}
        node_records = []
        for ni in self.visited:
            status = self.rejected.get(ni.name)
            # Filter stops at the first rejection: plugins after it did not run on this node.
            filters, rejected = [], False
            for name in self.filter_plugins:
                if name in self.skipped_filters:
                    filters.append({"plugin": name, "code": Code.SKIP.value, "reasons": []})
                elif status is not None and status.plugin == name:
                    filters.append(status.to_dict())
                    rejected = True
                else:
                    filters.append({"plugin": name, "code": NOT_RUN if rejected else Code.SUCCESS.value,
                                    "reasons": []})
            entry: dict[str, Any] = {"node": ni.name, "feasible": status is None, "filters": filters,
                                     "scores": [], "total": None}
            i = score_at.get(ni.name)
            if i is not None:
                entry["scores"] = [{"plugin": s.plugin, "raw": s.raw[i], "normalized": s.normalized[i],
                                    "weight": s.weight, "weighted": s.normalized[i] * s.weight}
                                   for s in self.scores]
                entry["total"] = self.totals[i]
            node_records.append(entry)
        feasible = result.feasible
        stopped_early = processed < n
        stop = None
        if stopped_early:
            stop = (f"Stopped after finding {self.num_to_find} feasible nodes: percentageOfNodesToScore is "
                    f"{self.percentage}% ({self.percentage_source}) of {n} nodes = {self.num_to_find} "
                    f"(never fewer than {MIN_FEASIBLE_NODES_TO_FIND}); {n - processed} nodes were not evaluated.")
        if feasible == 0:
            scoring = "not run: no feasible node"
        elif feasible == 1:
            scoring = "skipped: only one feasible node"
        else:
            scoring = "scored"
        return {
            "pod": self.pod.key,
            "profile": self.framework.profile_name,
            "nodes_total": n,
            "start_node_index": self.start,
            "percentage_of_nodes_to_score": self.percentage,
            "num_feasible_nodes_to_find": self.num_to_find,
            "stopped_early": stopped_early,
            "stop_reason": stop,
            "pre_filter": [s.to_dict() for s in self.pre_filter],
            "pre_score": [s.to_dict() for s in self.pre_score],
            "nodes": node_records,
            "scoring": scoring,
            "tie_count": self.ties,
            "winner": result.node_name,
            "score": result.score,
            "feasible": feasible,
            "evaluated": result.evaluated,
            "not_evaluated": [self.nodes[(self.start + i) % n].name for i in range(processed, n)] if n else [],
            "message": result.message,
        }


def with_nominated_pods(nodes: list[NodeInfo], pod: PodInfo,
                        nominated: Mapping[str, list[PodInfo]] | None) -> list[NodeInfo]:
    """Nodes as the pod must see them (upstream ``addGENominatedPods``): a node promised to pods
    at least as important (nominated by an earlier preemption) counts them as if they ran there.
    Only those nodes are copied."""
    if not nominated:
        return nodes
    priority = pod_priority_of(pod)
    out = []
    for ni in nodes:
        promised = [p for p in nominated.get(ni.name, ()) if p.key != pod.key and pod_priority_of(p) >= priority]
        out.append(NodeInfo(ni.node, list(ni.pods.values()) + promised) if promised else ni)
    return out


def schedule_pod(framework: Framework, pod: Mapping[str, Any] | PodInfo, snapshot: Snapshot, *,
                 rng: random.Random, percentage_of_nodes_to_score: int = 0,
                 next_start_node_index: int = 0,
                 nominated: Mapping[str, list[PodInfo]] | None = None) -> ScheduleResult:
    """Choose a node for ``pod`` in ``snapshot`` (nothing is changed; binding is the caller's job).

    ``percentage_of_nodes_to_score`` is the scheduler-wide setting (0 = upstream's adaptive
    default); a profile's own setting wins, as upstream. ``nominated`` lists, per node, the pods
    an earlier preemption promised it to.
    """
    pod_info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
    nodes = with_nominated_pods(list(snapshot.node_infos), pod_info, nominated)
    n = len(nodes)
    state = CycleState(snapshot)
    percentage = framework.percentage_of_nodes_to_score
    source = "profile"
    if percentage is None:
        percentage, source = percentage_of_nodes_to_score, "scheduler setting"
    if percentage == 0:
        percentage, source = adaptive_percentage(n), f"adaptive: max(5, 50 - {n}/125)"
    num_to_find = num_feasible_nodes_to_find(n, percentage)
    start = next_start_node_index % n if n else 0
    rejection, pre_filter = framework.run_pre_filter_plugins(state, pod_info)
    trace = _Trace(framework, pod_info, nodes, start, percentage, source, num_to_find, pre_filter,
                   [p.name for p in framework.filter_plugins], state.skip_filter_plugins)
    if n == 0:
        return ScheduleResult(None, 0, 0, 0, ERR_NO_NODES_AVAILABLE, _trace=trace)
    if rejection is not None:
        return ScheduleResult(None, 0, 0, start, fit_error_message(n, {}, rejection.message), _trace=trace)

    visited, rejected = framework.run_filter_plugins(state, pod_info, nodes, num_to_find, start)
    trace.visited, trace.rejected = visited, rejected
    if rejected:  # in the order the nodes were visited, as the per-node loop finds them
        feasible = [ni for ni in visited if ni.name not in rejected]
        statuses = {ni.name: rejected[ni.name] for ni in visited if ni.name in rejected}
    else:
        feasible, statuses = list(visited), {}
    evaluated = len(visited)
    next_start = (start + evaluated) % n
    if not feasible:
        return ScheduleResult(None, 0, evaluated, next_start, fit_error_message(n, statuses), None, statuses, trace)
    if len(feasible) == 1:
        return ScheduleResult(feasible[0].name, 1, evaluated, next_start, "", None, statuses, trace)

    trace.pre_score = framework.run_pre_score_plugins(state, pod_info, feasible)
    trace.scored_nodes = feasible
    trace.scores = framework.run_score_plugins(state, pod_info, feasible)
    totals = _totals(trace.scores, len(feasible))
    trace.totals = totals
    best, trace.ties = select_host(totals, rng)
    return ScheduleResult(feasible[best].name, len(feasible), evaluated, next_start, "", totals[best], statuses, trace)
