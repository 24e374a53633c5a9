from __future__ import annotations

import pytest

from simulation.scheduler.framework.node_info import Snapshot
from simulation.scheduler.plugins.node_affinity import NodeAffinity
from simulation.scheduler.plugins.node_name import NodeName
from tests.simulation.scheduler.builders import node, pod, run_filter, run_scores

REASON = "node(s) didn't match Pod's node affinity/selector"


def required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def expr(key, op, *values):
    return {"key": key, "operator": op, **({"values": list(values)} if values else {})}


FILTER_CASES = [
    ("nothing asked", {}, None),
    ("nodeSelector matches", {"nodeSelector": {"disk": "ssd"}}, None),
    ("nodeSelector differs", {"nodeSelector": {"disk": "hdd"}}, REASON),
    ("In", {"affinity": required({"matchExpressions": [expr("zone", "In", "a", "b")]})}, None),
    ("NotIn", {"affinity": required({"matchExpressions": [expr("zone", "NotIn", "a")]})}, REASON),
    ("Exists", {"affinity": required({"matchExpressions": [expr("disk", "Exists")]})}, None),
    ("DoesNotExist", {"affinity": required({"matchExpressions": [expr("gpu", "DoesNotExist")]})}, None),
    ("Gt", {"affinity": required({"matchExpressions": [expr("cores", "Gt", "8")]})}, None),
    ("Lt", {"affinity": required({"matchExpressions": [expr("cores", "Lt", "8")]})}, REASON),
    ("terms are ORed", {"affinity": required({"matchExpressions": [expr("zone", "In", "x")]},
                                             {"matchExpressions": [expr("zone", "In", "a")]})}, None),
    ("expressions are ANDed", {"affinity": required({"matchExpressions": [expr("zone", "In", "a"),
                                                                          expr("disk", "In", "hdd")]})}, REASON),
    ("empty term matches nothing", {"affinity": required({})}, REASON),
    ("matchFields on the name", {"affinity": required({"matchFields": [expr("metadata.name", "In", "n")]})}, None),
    ("selector AND affinity", {"nodeSelector": {"disk": "hdd"},
                               "affinity": required({"matchExpressions": [expr("zone", "In", "a")]})}, REASON),
]


@pytest.mark.parametrize("spec,reason", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_node_affinity_filter(spec, reason):
    the_node = node("n", labels={"disk": "ssd", "zone": "a", "cores": "16"})
    status = run_filter(NodeAffinity(), pod(**spec), the_node)
    assert (status.reasons[0] if status else None) == reason


def test_preferred_terms_score_their_weights_scaled_to_100():
    preferred = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 20, "preference": {"matchExpressions": [expr("zone", "In", "a")]}},
        {"weight": 60, "preference": {"matchExpressions": [expr("disk", "In", "ssd")]}},
    ]}}
    snapshot = Snapshot([node("both", labels={"zone": "a", "disk": "ssd"}), node("zone", labels={"zone": "a"}),
                         node("none")])
    assert run_scores(NodeAffinity(), pod(affinity=preferred), snapshot) == ([80, 20, 0], [100, 25, 0])


@pytest.mark.parametrize("node_name,reason", [("", None), ("n", None),
                                              ("other", "node(s) didn't match the requested node name")],
                         ids=["unset", "same", "other"])
def test_node_name(node_name, reason):
    status = run_filter(NodeName(), pod(node_name=node_name), node("n"))
    assert (status.reasons[0] if status else None) == reason
