from __future__ import annotations

import pytest

from simulation.scheduler.framework.node_info import Snapshot
from simulation.scheduler.plugins.node_unschedulable import NodeUnschedulable
from simulation.scheduler.plugins.taint_toleration import TaintToleration
from tests.simulation.scheduler.builders import node, pod, run_filter, run_scores

DEDICATED = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}

FILTER_CASES = [
    ("no taints", [], [], None),
    ("untolerated NoSchedule", [DEDICATED], [], "node(s) had untolerated taint {dedicated: gpu}"),
    ("untolerated NoExecute", [{"key": "k", "effect": "NoExecute"}], [], "node(s) had untolerated taint {k: }"),
    ("PreferNoSchedule never filters", [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}], [], None),
    ("Equal toleration", [DEDICATED],
     [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}], None),
    ("Equal with another value", [DEDICATED], [{"key": "dedicated", "value": "cpu"}],
     "node(s) had untolerated taint {dedicated: gpu}"),
    ("Exists without key tolerates all", [DEDICATED], [{"operator": "Exists"}], None),
    ("effect must match", [DEDICATED], [{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}],
     "node(s) had untolerated taint {dedicated: gpu}"),
    ("first untolerated is reported", [DEDICATED, {"key": "b", "value": "x", "effect": "NoSchedule"}],
     [{"key": "dedicated", "operator": "Exists"}], "node(s) had untolerated taint {b: x}"),
]


@pytest.mark.parametrize("taints,tolerations,reason", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_taint_toleration_filter(taints, tolerations, reason):
    status = run_filter(TaintToleration(), pod(tolerations=tolerations), node("n", taints=taints))
    assert (status.reasons[0] if status else None) == reason
    if status:
        assert status.code.value == "UnschedulableAndUnresolvable"


def test_prefer_no_schedule_scoring_is_reversed():
    prefer = [{"key": f"k{i}", "value": "v", "effect": "PreferNoSchedule"} for i in range(2)]
    snapshot = Snapshot([node("clean"), node("one", taints=prefer[:1]), node("two", taints=prefer)])
    raw, normalized = run_scores(TaintToleration(), pod(), snapshot)
    assert raw == [0, 1, 2]
    assert normalized == [100, 50, 0]
    tolerant = pod(tolerations=[{"key": "k0", "operator": "Exists", "effect": "PreferNoSchedule"}])
    assert run_scores(TaintToleration(), tolerant, snapshot) == ([0, 0, 1], [100, 100, 0])


UNSCHEDULABLE_CASES = [
    ("schedulable", False, [], None),
    ("cordoned", True, [], "node(s) were unschedulable"),
    ("cordoned but tolerated", True, [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                        "effect": "NoSchedule"}], None),
]


@pytest.mark.parametrize("cordoned,tolerations,reason", [c[1:] for c in UNSCHEDULABLE_CASES],
                         ids=[c[0] for c in UNSCHEDULABLE_CASES])
def test_node_unschedulable(cordoned, tolerations, reason):
    status = run_filter(NodeUnschedulable(), pod(tolerations=tolerations), node("n", unschedulable=cordoned))
    assert (status.reasons[0] if status else None) == reason
