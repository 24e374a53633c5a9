from __future__ import annotations

import pytest

from simulation.scheduler.framework.interface import CycleState
from simulation.scheduler.framework.node_info import PodInfo, Snapshot
from simulation.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from tests.simulation.scheduler.builders import node, pod, run_scores

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
AFFINITY = "node(s) didn't match pod affinity rules"
ANTI = "node(s) didn't match pod anti-affinity rules"
EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"


def term(labels, key=ZONE, **extra):
    return {"labelSelector": {"matchLabels": labels}, "topologyKey": key, **extra}


def required(kind, *terms):
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def preferred(kind, *weighted):
    return {kind: {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "podAffinityTerm": t} for w, t in weighted]}}


def cluster(existing):
    nodes = [node("a1", labels={ZONE: "a"}), node("a2", labels={ZONE: "a"}), node("b1", labels={ZONE: "b"})]
    return Snapshot(nodes, existing)


def filter_all(snapshot, incoming):
    plugin, state, info = InterPodAffinity(), CycleState(snapshot), PodInfo(incoming)
    pre = plugin.pre_filter(state, info)
    if pre is not None:
        return pre.code.value
    out = {}
    for ni in snapshot:
        status = plugin.filter(state, info, ni)
        out[ni.name] = status.reasons[0] if status else None
    return out


DB = pod("db", labels={"app": "db"}, node_name="a1")
CASES = [
    ("affinity to a zone with a db", [DB], pod(affinity=required("podAffinity", term({"app": "db"}))),
     {"a1": None, "a2": None, "b1": AFFINITY}),
    ("affinity per host", [DB], pod(affinity=required("podAffinity", term({"app": "db"}, HOST))),
     {"a1": None, "a2": AFFINITY, "b1": AFFINITY}),
    ("first of a self-affine group goes anywhere", [],
     pod(labels={"app": "web"}, affinity=required("podAffinity", term({"app": "web"}))),
     {"a1": None, "a2": None, "b1": None}),
    ("no match anywhere and not self-affine", [], pod(affinity=required("podAffinity", term({"app": "db"}))),
     {"a1": AFFINITY, "a2": AFFINITY, "b1": AFFINITY}),
    ("other namespaces do not count", [pod("db", namespace="other", labels={"app": "db"}, node_name="a1")],
     pod(affinity=required("podAffinity", term({"app": "db"}))), {"a1": AFFINITY, "a2": AFFINITY, "b1": AFFINITY}),
    ("listed namespaces do", [pod("db", namespace="other", labels={"app": "db"}, node_name="a1")],
     pod(affinity=required("podAffinity", term({"app": "db"}, namespaces=["other"]))),
     {"a1": None, "a2": None, "b1": AFFINITY}),
    ("anti-affinity keeps away from the zone", [DB], pod(affinity=required("podAntiAffinity", term({"app": "db"}))),
     {"a1": ANTI, "a2": ANTI, "b1": None}),
    ("existing pod's anti-affinity repels", [
        pod("db", labels={"app": "db"}, node_name="a1",
            affinity=required("podAntiAffinity", term({"app": "web"}, HOST)))],
     pod(labels={"app": "web"}), {"a1": EXISTING, "a2": None, "b1": None}),
    ("nothing to do", [DB], pod(), "Skip"),
]


@pytest.mark.parametrize("existing,incoming,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_inter_pod_affinity_filter(existing, incoming, expected):
    assert filter_all(cluster(existing), incoming) == expected


def test_preferred_affinity_and_anti_affinity_scores():
    existing = [DB, pod("cache", labels={"app": "cache"}, node_name="b1")]
    incoming = pod(affinity={**preferred("podAffinity", (80, term({"app": "db"}))),
                             **preferred("podAntiAffinity", (20, term({"app": "cache"}, HOST)))})
    raw, normalized = run_scores(InterPodAffinity(), incoming, cluster(existing))
    assert raw == [80, 80, -20]
    assert normalized == [100, 100, 0]


def test_existing_pods_required_affinity_attracts_with_hard_weight():
    existing = [pod("web", labels={"app": "web"}, node_name="b1",
                    affinity=required("podAffinity", term({"app": "db"})))]
    raw, normalized = run_scores(InterPodAffinity(), pod(labels={"app": "db"}), cluster(existing))
    assert raw == [0, 0, 1] and normalized == [0, 0, 100]


def test_snapshot_indexes_nodes_with_affinity_pods_incrementally():
    snapshot = cluster([])
    anti = pod("x", node_name="a2", affinity=required("podAntiAffinity", term({"app": "web"})))
    snapshot.add_pod(anti)
    assert [ni.name for ni in snapshot.have_pods_with_required_anti_affinity()] == ["a2"]
    assert [ni.name for ni in snapshot.have_pods_with_affinity()] == ["a2"]
    snapshot.remove_pod(anti)
    assert snapshot.have_pods_with_required_anti_affinity() == snapshot.have_pods_with_affinity() == []
