from __future__ import annotations

import json
import random

import pytest

from simulation.scheduler.algorithm import fit_error_message, num_feasible_nodes_to_find, schedule_pod, select_host
from simulation.scheduler.framework.interface import SKIP, Code, CycleState, FilterPlugin, PreFilterPlugin, Status
from simulation.scheduler.framework.node_info import PodInfo, Snapshot
from simulation.scheduler.framework.runtime import Framework
from simulation.scheduler.plugins.node_name import NodeName
from simulation.scheduler.plugins.registry import DEFAULT_PROFILE, REGISTRY, default_framework
from tests.simulation.scheduler.builders import node, pod, schedule


def test_failed_scheduling_message_for_three_nodes():
    snapshot = Snapshot([node("small", cpu="1", labels={"disk": "ssd"}), node("hdd1", labels={"disk": "hdd"}),
                         node("hdd2", labels={"disk": "hdd"})])
    result = schedule(pod(cpu="2", nodeSelector={"disk": "ssd"}), snapshot)
    assert result.node_name is None
    assert result.message == ("0/3 nodes are available: 1 Insufficient cpu, "
                              "2 node(s) didn't match Pod's node affinity/selector.")
    assert (result.feasible, result.evaluated) == (0, 3)
    assert result.node_statuses["small"].plugin == "NodeResourcesFit"
    assert result.decision["message"] == result.message


MESSAGE_CASES = [
    ("counts per reason, sorted as strings (Go sort.Strings)",
     {**{f"a{i}": Status(Code.UNSCHEDULABLE, ["Insufficient cpu"]) for i in range(10)},
      "b": Status(Code.UNSCHEDULABLE, ["Too many pods"]), "c": Status(Code.UNSCHEDULABLE, ["Too many pods"])},
     "", "0/12 nodes are available: 10 Insufficient cpu, 2 Too many pods."),
    ("one node may give several reasons",
     {"a": Status(Code.UNSCHEDULABLE, ["Insufficient cpu", "Insufficient memory"])}, "",
     "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."),
    ("a PreFilter rejection stands alone", {}, "pod affinity terms conflict",
     "0/1 nodes are available: pod affinity terms conflict."),
]


@pytest.mark.parametrize("statuses,pre_filter,expected", [c[1:] for c in MESSAGE_CASES],
                         ids=[c[0] for c in MESSAGE_CASES])
def test_fit_error_message(statuses, pre_filter, expected):
    assert fit_error_message(max(len(statuses), 1), statuses, pre_filter) == expected


@pytest.mark.parametrize("nodes,percentage,expected", [
    (50, 0, 50), (100, 0, 100), (1000, 0, 420), (5000, 0, 500), (10000, 0, 500), (1000, 30, 300), (200, 10, 100),
], ids=["small cluster: all", "100 nodes: at least 100", "1000: 42%", "5000: 10%", "floor 5%", "explicit 30%",
        "never below 100"])
def test_num_feasible_nodes_to_find(nodes, percentage, expected):
    assert num_feasible_nodes_to_find(nodes, percentage) == expected


def test_stops_after_enough_feasible_nodes_on_1000_nodes():
    snapshot = Snapshot([node(f"n{i:04}") for i in range(1000)])
    result = schedule(pod(cpu="100m"), snapshot, next_start_node_index=900)
    assert (result.feasible, result.evaluated) == (420, 420)
    assert result.next_start_node_index == (900 + 420) % 1000
    d = result.decision
    assert d["stopped_early"] is True
    assert d["num_feasible_nodes_to_find"] == 420 and d["percentage_of_nodes_to_score"] == 42
    assert "420 feasible nodes" in d["stop_reason"] and "580 nodes were not evaluated" in d["stop_reason"]
    assert len(d["not_evaluated"]) == 580 and d["not_evaluated"][0] == "n0320"
    assert d["nodes"][0]["node"] == "n0900"  # round robin from the start index
    assert result.node_name in {n["node"] for n in d["nodes"]}


def test_percentage_of_nodes_to_score_parameter():
    snapshot = Snapshot([node(f"n{i}") for i in range(1000)])
    assert schedule(pod(), snapshot, percentage_of_nodes_to_score=100).evaluated == 1000


def test_seeded_tie_break_is_deterministic_and_fair():
    snapshot = Snapshot([node(f"n{i}") for i in range(5)])
    picks = [schedule(pod(), snapshot, seed=s).node_name for s in range(200)]
    assert picks == [schedule(pod(), snapshot, seed=s).node_name for s in range(200)]
    assert set(picks) == {f"n{i}" for i in range(5)}
    assert schedule(pod(), snapshot, seed=7).decision["tie_count"] == 5


@pytest.mark.parametrize("totals,draws,expected", [
    ([1, 5, 3], [], (1, 1)),
    ([5, 5], [0.49], (1, 2)),   # the second maximum replaces the first with probability 1/2
    ([5, 5], [0.5], (0, 2)),
], ids=["unique best", "tie replaced", "tie kept"])
def test_select_host_reservoir_sampling(totals, draws, expected):
    class Scripted(random.Random):
        def random(self):
            return draws.pop(0)
    assert select_host(totals, Scripted()) == expected


def _upstream_select_host(totals, rng):
    """upstream's selectHost loop, draw by draw: the reference for select_host."""
    best, ties = 0, 1
    for i in range(1, len(totals)):
        if totals[i] > totals[best]:
            best, ties = i, 1
        elif totals[i] == totals[best]:
            ties += 1
            if rng.random() * ties < 1.0:
                best = i
    return best, ties


@pytest.mark.parametrize("shape", ["all-equal", "few-values", "rising", "falling", "one-top", "top-first"])
def test_select_host_draws_and_chooses_as_upstreams_loop(shape):
    make = random.Random(shape)
    for size in (1, 2, 3, 17, 500):
        totals = {"all-equal": lambda: [7] * size,
                  "few-values": lambda: [make.choice([1, 2, 3]) for _ in range(size)],
                  "rising": lambda: sorted(make.choice([1, 2, 3, 4]) for _ in range(size)),
                  "falling": lambda: sorted((make.choice([1, 2, 3, 4]) for _ in range(size)), reverse=True),
                  "one-top": lambda: [make.choice([1, 2]) for _ in range(size - 1)] + [9],
                  "top-first": lambda: [9] + [make.choice([1, 9]) for _ in range(size - 1)]}[shape]()
        for seed in range(20):
            ours, theirs = random.Random(seed), random.Random(seed)
            assert select_host(totals, ours) == _upstream_select_host(totals, theirs)
            assert ours.random() == theirs.random(), "the same numbers drawn"


def test_decision_record_explains_every_plugin():
    snapshot = Snapshot([node("big", cpu="8", memory="16Gi"), node("small", cpu="2"),
                         node("tainted", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}])])
    result = schedule(pod(cpu="1", memory="1Gi"), snapshot)
    d = json.loads(json.dumps(result.decision))
    assert result.node_name == d["winner"] == "big"
    assert result.score == d["score"] == max(n["total"] for n in d["nodes"] if n["total"] is not None)
    nodes = {n["node"]: n for n in d["nodes"]}
    taint = next(f for f in nodes["tainted"]["filters"] if f["plugin"] == "TaintToleration")
    assert taint == {"plugin": "TaintToleration", "code": "UnschedulableAndUnresolvable",
                     "reasons": ["node(s) had untolerated taint {k: v}"]}
    assert next(f for f in nodes["tainted"]["filters"] if f["plugin"] == "NodeResourcesFit")["code"] == "NotRun"
    assert next(f for f in nodes["big"]["filters"] if f["plugin"] == "NodePorts")["code"] == "Skip"
    big = nodes["big"]
    assert {s["plugin"] for s in big["scores"]} >= {"NodeResourcesFit", "TaintToleration", "ImageLocality",
                                                    "NodeResourcesBalancedAllocation"}
    assert big["total"] == sum(s["weighted"] for s in big["scores"])
    assert all(s["weighted"] == s["normalized"] * s["weight"] for s in big["scores"])
    assert big["total"] > nodes["small"]["total"]
    assert d["scoring"] == "scored" and d["stopped_early"] is False and d["not_evaluated"] == []


def test_one_feasible_node_is_chosen_without_scoring():
    snapshot = Snapshot([node("a", cpu="1"), node("b")])
    result = schedule(pod(cpu="2"), snapshot)
    assert (result.node_name, result.feasible, result.evaluated) == ("b", 1, 2)
    assert result.decision["scoring"] == "skipped: only one feasible node"
    assert result.decision["nodes"][1]["scores"] == []


def test_no_nodes():
    result = schedule(pod(), Snapshot([]))
    assert result.node_name is None and result.message == "no nodes available to schedule pods"


def test_placed_pods_change_the_next_decision():
    snapshot = Snapshot([node("a"), node("b")])
    first = pod("p1", cpu="3")
    placed = schedule(first, snapshot).node_name
    first["spec"]["nodeName"] = placed
    snapshot.add_pod(first)
    second = schedule(pod("p2", cpu="3"), snapshot)
    assert second.node_name not in (None, placed)


def test_default_profile_weights_as_upstream():
    framework = default_framework()
    assert framework.score_weights == {"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1,
                                       "PodTopologySpread": 2, "InterPodAffinity": 2,
                                       "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1}
    assert set(DEFAULT_PROFILE.plugins) == set(REGISTRY)
    assert [p.name for p in framework.filter_plugins][:3] == ["NodeUnschedulable", "NodeName", "TaintToleration"]


class _RejectAll(PreFilterPlugin, FilterPlugin):
    name = "RejectAll"

    def pre_filter(self, state, pod):
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ["pod affinity terms conflict"])

    def filter(self, state, pod, node_info):
        raise AssertionError("Filter must not run after a PreFilter rejection")


class _SkipAll(PreFilterPlugin, FilterPlugin):
    name = "SkipAll"

    def pre_filter(self, state, pod):
        return SKIP

    def filter(self, state, pod, node_info):
        raise AssertionError("Filter must not run after PreFilter answered Skip")


def test_pre_filter_rejection_fails_the_cycle_with_its_message():
    framework = Framework([_RejectAll()])
    result = schedule_pod(framework, pod(), Snapshot([node("a"), node("b")]), rng=random.Random(1))
    assert result.node_name is None and result.evaluated == 0
    assert result.message == "0/2 nodes are available: pod affinity terms conflict."
    assert result.decision["pre_filter"] == [{"plugin": "RejectAll", "code": "UnschedulableAndUnresolvable",
                                              "reasons": ["pod affinity terms conflict"]}]


def test_pre_filter_skip_skips_that_filter():
    framework = Framework([_SkipAll(), NodeName()])
    result = schedule_pod(framework, pod(node_name="b"), Snapshot([node("a"), node("b")]), rng=random.Random(1))
    assert result.node_name == "b"
    assert result.decision["nodes"][0]["filters"] == [
        {"plugin": "SkipAll", "code": "Skip", "reasons": []},
        {"plugin": "NodeName", "code": "UnschedulableAndUnresolvable",
         "reasons": ["node(s) didn't match the requested node name"]}]


def _node_by_node(framework, state, info, nodes, stop_after, start):
    """The Filter loop as upstream writes it: every plugin on one node, then the next node."""
    visited, found = [], 0
    for ni in nodes[start:] + nodes[:start]:
        status = None
        for plugin in framework.filter_plugins:
            if plugin.name not in state.skip_filter_plugins:
                status = plugin.filter(state, info, ni)
                if status is not None:
                    status.plugin = plugin.name
                    break
        visited.append((ni.name, None if status is None else (status.plugin, status.code, status.reasons)))
        found += status is None
        if found == stop_after:
            break
    return visited


@pytest.mark.parametrize("start,stop_after", [(0, 100), (250, 100), (290, 40), (0, 300)],
                         ids=["from the first node", "wrapping around", "stops mid-way", "visits every node"])
def test_batched_filter_visits_and_rejects_as_the_node_by_node_loop(start, stop_after):
    """The batch Filter (each plugin over a chunk of nodes) must visit the same nodes, in the same
    order, with the same first rejection as upstream's loop, whatever mix of refusals."""
    rng = random.Random(3)
    nodes = []
    for i in range(300):
        kind = rng.choice(["ok", "ok", "ok", "cordoned", "tainted", "small", "full", "tainted-small"])
        nodes.append(node(f"n{i:03}", cpu="1" if "small" in kind else "4", pods="1" if kind == "full" else "110",
                          unschedulable=kind == "cordoned",
                          taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}] if "tainted" in kind else []))
    existing = [pod(f"e{i}", node_name=n["metadata"]["name"]) for i, n in enumerate(nodes)
                if n["status"]["allocatable"]["pods"] == "1"]
    snapshot = Snapshot(nodes, existing)
    framework = default_framework()
    info = PodInfo(pod(cpu="2", memory="1Gi"))
    expected_state, state = CycleState(snapshot), CycleState(snapshot)
    framework.run_pre_filter_plugins(expected_state, info)
    framework.run_pre_filter_plugins(state, info)
    expected = _node_by_node(framework, expected_state, info, list(snapshot), stop_after, start)
    visited, rejected = framework.run_filter_plugins(state, info, list(snapshot), stop_after, start)
    batched = [(ni, rejected.get(ni.name)) for ni in visited]
    assert [(ni.name, None if s is None else (s.plugin, s.code, s.reasons)) for ni, s in batched] == expected
    assert set(rejected) <= {ni.name for ni in visited}
    assert {s[0] for _, s in expected if s} == {"NodeUnschedulable", "TaintToleration", "NodeResourcesFit"}
