"""Runs a profile's plugins at each extension point (upstream ``framework/runtime/framework.go``).

Promises, as upstream:

* PreFilter runs every plugin in order and stops at the first rejection; a plugin answering
  SKIP has its Filter skipped for this cycle.
* Filter runs the remaining plugins on one node and stops at the first rejection, so a node's
  status names exactly one plugin (the FailedScheduling histogram counts those reasons).
* PreScore's SKIP skips that plugin's Score. Each Score plugin scores every feasible node, then
  normalizes the whole list, then its scores are multiplied by the profile weight; the node's
  total is the sum.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME

from .interface import (
    Code,
    CycleState,
    FilterPlugin,
    Plugin,
    PostFilterHandle,
    PostFilterPlugin,
    PostFilterResult,
    PreBindPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from .node_info import NodeInfo, PodInfo, Snapshot


def pod_priority_of(pod: PodInfo) -> int:
    """``corev1helpers.PodPriority``: ``spec.priority``, 0 when unset."""
    return int((pod.pod.get("spec") or {}).get("priority") or 0)


@dataclass(frozen=True)
class Profile:
    """A KubeSchedulerProfile reduced to what the framework needs: plugin names in order and weights.

    ``percentage_of_nodes_to_score`` overrides the scheduler-wide setting when not ``None``, as a
    profile's ``percentageOfNodesToScore`` does upstream.
    """

    scheduler_name: str
    plugins: tuple[str, ...]
    score_weights: Mapping[str, int] = field(default_factory=dict)
    percentage_of_nodes_to_score: int | None = None


@dataclass
class PluginScores:
    """One Score plugin's verdict over the feasible nodes, in the same order as those nodes."""

    plugin: str
    weight: int
    raw: list[int]
    normalized: list[int]


def _window(nodes: Sequence[NodeInfo], begin: int, count: int) -> Sequence[NodeInfo]:
    """``count`` nodes from index ``begin``, wrapping around the end (round-robin filtering)."""
    end = begin + count
    if end <= len(nodes):
        return nodes[begin:end]
    return [*nodes[begin:], *nodes[:end - len(nodes)]]


class Framework:
    """The plugins of one profile, grouped by extension point."""

    def __init__(self, plugins: Sequence[Plugin], score_weights: Mapping[str, int] | None = None, *,
                 profile_name: str = DEFAULT_SCHEDULER_NAME, percentage_of_nodes_to_score: int | None = None) -> None:
        self.profile_name = profile_name
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.plugins = list(plugins)
        weights = dict(score_weights or {})
        self.pre_filter_plugins = [p for p in self.plugins if isinstance(p, PreFilterPlugin)]
        self.filter_plugins = [p for p in self.plugins if isinstance(p, FilterPlugin)]
        self.pre_score_plugins = [p for p in self.plugins if isinstance(p, PreScorePlugin)]
        self.score_plugins = [p for p in self.plugins if isinstance(p, ScorePlugin)]
        self.post_filter_plugins = [p for p in self.plugins if isinstance(p, PostFilterPlugin)]
        # Upstream defaults an unset weight to 1.
        self.score_weights = {p.name: weights.get(p.name, 1) for p in self.score_plugins}

    @classmethod
    def from_profile(cls, profile: Profile, registry: Mapping[str, type[Plugin]]) -> Framework:
        return cls([registry[name]() for name in profile.plugins], profile.score_weights,
                   profile_name=profile.scheduler_name,
                   percentage_of_nodes_to_score=profile.percentage_of_nodes_to_score)

    # -- PreFilter / Filter ----------------------------------------------------------------------
    def run_pre_filter_plugins(self, state: CycleState, pod: PodInfo) -> tuple[Status | None, list[Status]]:
        """(the rejection if any, every plugin's outcome for the record); fills ``state.skip_filter_plugins``."""
        outcomes: list[Status] = []
        for plugin in self.pre_filter_plugins:
            status = plugin.pre_filter(state, pod)
            code = status.code if status is not None else Code.SUCCESS
            outcome = Status(code, status.reasons if status is not None else [], plugin.name)
            outcomes.append(outcome)
            if code == Code.SKIP:
                state.skip_filter_plugins.add(plugin.name)
            elif code != Code.SUCCESS:
                return outcome, outcomes
        return None, outcomes

    def run_filter_plugins(self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo],
                           stop_after: int, start: int = 0) -> tuple[list[NodeInfo], dict[str, Status]]:
        """Filter ``nodes`` in order, beginning at index ``start`` and wrapping around, until
        ``stop_after`` of them pass: the visited nodes, and the first rejection of each that a
        non-skipped plugin refused, by node name (a pair per visited node would be hundreds of
        objects per cycle to make, keep in the decision record and free again).

        This loop is the hottest in the scheduler (hundreds of nodes per pod), so it runs each
        plugin's batch form (:meth:`FilterPlugin.filter_nodes`) over a chunk of nodes instead of
        a Python call per node per plugin. The verdicts are those of the per-node loop: a plugin
        sees only the nodes every earlier plugin accepted, and a chunk never holds more nodes than
        are still needed, so exactly the nodes the per-node loop would visit are visited."""
        filters = [p for p in self.filter_plugins if p.name not in state.skip_filter_plugins]
        visited: list[NodeInfo] = []
        rejected: dict[str, Status] = {}
        found = position = 0
        total = len(nodes)
        while found < stop_after and position < total:
            chunk = _window(nodes, (start + position) % total, min(stop_after - found, total - position))
            position += len(chunk)
            remaining = chunk
            for plugin in filters:
                refused = plugin.filter_nodes(state, pod, remaining)
                if refused:
                    for status in refused.values():
                        status.plugin = plugin.name
                    rejected.update(refused)
                    remaining = [ni for ni in remaining if ni.name not in refused]
                    if not remaining:
                        break
            found += len(remaining)
            visited += chunk
        return visited, rejected

    def run_filter_plugins_with_nominated_pods(self, state: CycleState, pod: PodInfo, node_info: NodeInfo,
                                               nominated: list[PodInfo]) -> Status | None:
        """Upstream ``RunFilterPluginsWithNominatedPods``: the node must fit the pod both with the
        pods nominated to it that are at least as important (their room is promised) and without
        them. ``node_info`` may be changed: callers pass a copy."""
        priority = pod_priority_of(pod)
        promised = [p for p in nominated if p.key != pod.key and pod_priority_of(p) >= priority]
        if promised:
            with_them = NodeInfo(node_info.node, list(node_info.pods.values()) + promised)
            status = self.run_filter_plugins(state, pod, [with_them], 1)[1].get(with_them.name)
            if status is not None:
                return status
        return self.run_filter_plugins(state, pod, [node_info], 1)[1].get(node_info.name)

    def run_post_filter_plugins(self, state: CycleState, pod: PodInfo, node_statuses: dict[str, Status],
                                handle: PostFilterHandle) -> PostFilterResult | None:
        """Upstream's PostFilter: plugins in order until one succeeds; ``None`` if there are none.
        Messages of plugins that could not help are joined, as upstream's ``Status.Message``."""
        result = None
        messages: list[str] = []
        for plugin in self.post_filter_plugins:
            result = plugin.post_filter(state, pod, node_statuses, handle)
            if result.status is None:
                return result
            messages.append(result.status.message)
        if result is not None and len(messages) > 1:
            result.status = Status(result.status.code, [", ".join(messages)], result.status.plugin)
        return result

    # -- PreScore / Score ------------------------------------------------------------------------
    def run_pre_score_plugins(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[Status]:
        """Every plugin's outcome, for the record; fills ``state.skip_score_plugins``."""
        outcomes: list[Status] = []
        for plugin in self.pre_score_plugins:
            status = plugin.pre_score(state, pod, nodes)
            code = status.code if status is not None else Code.SUCCESS
            outcomes.append(Status(code, status.reasons if status is not None else [], plugin.name))
            if code == Code.SKIP:
                state.skip_score_plugins.add(plugin.name)
        return outcomes

    def run_score_plugins(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[PluginScores]:
        results: list[PluginScores] = []
        for plugin in self.score_plugins:
            if plugin.name in state.skip_score_plugins:
                continue
            raw = plugin.score_nodes(state, pod, nodes)
            normalized = list(raw)
            if plugin.normalize_score is not None:
                plugin.normalize_score(state, pod, nodes, normalized)
            results.append(PluginScores(plugin.name, self.score_weights[plugin.name], raw, normalized))
        return results

    # -- PreBind (storage) ---------------------------------------------------------------------
    def run_pre_bind_plugins(self, snapshot: Snapshot, pod: PodInfo, node_info: NodeInfo, client: Any) -> list[str]:
        """What the pod still waits for once its PreBind plugins wrote their part for ``node_info``.
        Each plugin's PreFilter state is computed afresh for this step."""
        waiting: list[str] = []
        for plugin in self.plugins:
            if not isinstance(plugin, PreBindPlugin):
                continue
            state = CycleState(snapshot)
            if isinstance(plugin, PreFilterPlugin) and plugin.pre_filter(state, pod) is not None:
                continue
            waiting += plugin.pre_bind(state, pod, node_info, client)
        return waiting
