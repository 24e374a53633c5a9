from __future__ import annotations

import pytest

from simulation.scheduler.framework.node_info import NodeInfo, PodInfo, Snapshot
from simulation.scheduler.plugins.noderesources.balanced_allocation import NodeResourcesBalancedAllocation
from simulation.scheduler.plugins.noderesources.fit import NodeResourcesFit
from tests.simulation.scheduler.builders import node, pod, run_filter, run_scores

FIT_CASES = [
    ("fits", pod(cpu="1", memory="1Gi"), node("n"), [], None),
    ("no requests always fit", pod(), node("n", cpu="0", memory="0"), [], None),
    ("insufficient cpu", pod(cpu="3"), node("n"), [pod("e", cpu="2", node_name="n")], ["Insufficient cpu"]),
    ("insufficient memory", pod(memory="5Gi"), node("n"), [pod("e", memory="4Gi", node_name="n")],
     ["Insufficient memory"]),
    ("both, in upstream order", pod(cpu="5", memory="9Gi"), node("n"), [], ["Insufficient cpu", "Insufficient memory"]),
    ("too many pods", pod(), node("n", pods="1"), [pod("e", node_name="n")], ["Too many pods"]),
    ("exactly full fits", pod(cpu="2"), node("n"), [pod("e", cpu="2", node_name="n")], None),
    ("millicores are exact", pod(cpu="1001m"), node("n", cpu="1"), [], ["Insufficient cpu"]),
    ("extended resource",
     {**pod(), "spec": {"containers": [{"name": "c", "resources": {"requests": {"example.com/gpu": "1"}}}]}},
     node("n"), [], ["Insufficient example.com/gpu"]),
]


@pytest.mark.parametrize("the_pod,the_node,existing,reasons", [c[1:] for c in FIT_CASES], ids=[c[0] for c in FIT_CASES])
def test_fit_filter(the_pod, the_node, existing, reasons):
    status = run_filter(NodeResourcesFit(), the_pod, the_node, existing)
    assert (status.reasons if status else None) == reasons
    if status:
        assert status.code.value == "Unschedulable"


def test_init_containers_count_as_maximum_and_sidecars_add_up():
    p = pod(cpu="1")
    p["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "3"}}},
                                   {"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}}]
    assert PodInfo(p).requests["cpu"] == 3000  # max(1 + 0.5 sidecar, 3)


def test_node_info_is_incremental():
    ni = NodeInfo(node("n"))
    a = ni.add_pod(pod("a", cpu="1", memory="1Gi", ports=[{"containerPort": 80, "hostPort": 8080}]))
    ni.add_pod(pod("b"))
    assert ni.requested == {"cpu": 1000, "memory": 2 ** 30}
    assert (ni.non_zero_cpu, ni.non_zero_memory) == (1100, 2 ** 30 + 200 * 2 ** 20)
    assert ("0.0.0.0", "TCP", 8080) in ni.used_ports
    ni.remove_pod(a)
    assert ni.requested == {"cpu": 0, "memory": 0}
    assert (ni.non_zero_cpu, ni.non_zero_memory) == (100, 200 * 2 ** 20)
    assert not ni.used_ports and list(ni.pods) == ["default/b"]


SCORE_CASES = [
    # a: cpu (4000-1100)*100//4000 = 72, memory (8192-1224)*100//8192 = 85 (the empty pod counts
    # 100m/200Mi) -> 78; b: 75 and 87 -> 81.
    ("least allocated with non-zero defaults", pod(cpu="1", memory="1Gi"), [pod("e", node_name="a")], [78, 81]),
    ("empty pod still counts 100m/200Mi", pod(), [], [97, 97]),
]


@pytest.mark.parametrize("the_pod,existing,expected", [c[1:] for c in SCORE_CASES], ids=[c[0] for c in SCORE_CASES])
def test_least_allocated_score(the_pod, existing, expected):
    raw, normalized = run_scores(NodeResourcesFit(), the_pod, Snapshot([node("a"), node("b")], existing))
    assert normalized == raw == expected


BALANCED_CASES = [
    # cpu 2/4 = 0.5, memory 2Gi/8Gi = 0.25 -> (1 - 0.125) * 100
    ("unbalanced", pod(cpu="2", memory="2Gi"), 87),
    ("perfectly balanced", pod(cpu="2", memory="4Gi"), 100),
    ("over capacity clamps to 1", pod(cpu="8", memory="4Gi"), 75),
]


@pytest.mark.parametrize("the_pod,expected", [c[1:] for c in BALANCED_CASES], ids=[c[0] for c in BALANCED_CASES])
def test_balanced_allocation(the_pod, expected):
    raw, _ = run_scores(NodeResourcesBalancedAllocation(), the_pod, Snapshot([node("a")]))
    assert raw == [expected]


def test_balanced_allocation_skips_best_effort_pods():
    from simulation.scheduler.framework.interface import CycleState
    snapshot = Snapshot([node("a")])
    status = NodeResourcesBalancedAllocation().pre_score(CycleState(snapshot), PodInfo(pod()), list(snapshot))
    assert status is not None and status.code.value == "Skip"
