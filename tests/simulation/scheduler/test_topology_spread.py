from __future__ import annotations

import pytest

from simulation.apimachinery.selectors import from_label_selector_object
from simulation.scheduler.framework.interface import CycleState
from simulation.scheduler.framework.node_info import PodInfo, Snapshot
from simulation.scheduler.plugins.pod_topology_spread import PodTopologySpread
from tests.simulation.scheduler.builders import node, pod, run_scores

ZONE = "topology.kubernetes.io/zone"
NOT_MATCH = "node(s) didn't match pod topology spread constraints"
WEB = {"app": "web"}
WEB_SELECTOR = from_label_selector_object({"matchLabels": WEB})


def constraint(key=ZONE, max_skew=1, when="DoNotSchedule", **extra):
    return {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": WEB}, **extra}


def cluster(*placements, zones=("a", "a", "b", "b")):
    """Nodes n0..n3 in ``zones``; ``placements`` are node indexes of existing web pods."""
    nodes = [node(f"n{i}", labels={ZONE: z} if z else {}) for i, z in enumerate(zones)]
    pods = [pod(f"e{j}", labels=WEB, node_name=f"n{i}") for j, i in enumerate(placements)]
    return Snapshot(nodes, pods)


def filter_all(snapshot, constraints, labels=WEB):
    plugin, state = PodTopologySpread(), CycleState(snapshot)
    info = PodInfo(pod(labels=labels, topologySpreadConstraints=constraints))
    assert plugin.pre_filter(state, info) is None
    out = {}
    for ni in snapshot:
        status = plugin.filter(state, info, ni)
        out[ni.name] = status.reasons[0] if status else None
    return out


FILTER_CASES = [
    ("balanced zones accept both", cluster(0, 2), [constraint()], {"n0": None, "n1": None, "n2": None, "n3": None}),
    ("skew would reach 2", cluster(0, 1), [constraint()],
     {"n0": NOT_MATCH, "n1": NOT_MATCH, "n2": None, "n3": None}),
    ("maxSkew 3 allows it", cluster(0, 1), [constraint(max_skew=3)], {"n0": None, "n1": None, "n2": None, "n3": None}),
    ("node without the label", cluster(zones=("a", None, "b", "b")), [constraint()],
     {"n0": None, "n1": NOT_MATCH + " (missing required label)", "n2": None, "n3": None}),
    ("minDomains counts missing domains as empty", cluster(0, 2), [constraint(minDomains=3)],
     {"n0": NOT_MATCH, "n1": NOT_MATCH, "n2": NOT_MATCH, "n3": NOT_MATCH}),
    ("hostname spreading", cluster(0), [constraint(key="kubernetes.io/hostname")],
     {"n0": NOT_MATCH, "n1": None, "n2": None, "n3": None}),
]


@pytest.mark.parametrize("snapshot,constraints,expected", [c[1:] for c in FILTER_CASES],
                         ids=[c[0] for c in FILTER_CASES])
def test_topology_spread_filter(snapshot, constraints, expected):
    assert filter_all(snapshot, constraints) == expected


def test_pod_that_does_not_match_its_own_selector_adds_no_skew():
    assert filter_all(cluster(0), [constraint()], labels={"app": "other"}) == {
        "n0": None, "n1": None, "n2": None, "n3": None}


def test_match_label_keys_narrow_the_selector_to_the_pods_revision():
    snapshot = Snapshot([node("n0", labels={ZONE: "a"}), node("n1", labels={ZONE: "b"})],
                        [pod("old", labels={**WEB, "rev": "1"}, node_name="n0")])
    c = [constraint(matchLabelKeys=["rev"])]
    assert filter_all(snapshot, c, labels={**WEB, "rev": "2"}) == {"n0": None, "n1": None}
    assert filter_all(snapshot, c, labels={**WEB, "rev": "1"}) == {"n0": NOT_MATCH, "n1": None}


def test_schedule_anyway_scores_emptier_domains_higher():
    snapshot = cluster(0, 0, 1, zones=("a", "a", "b", "b"))
    soft = pod(labels=WEB, topologySpreadConstraints=[constraint(when="ScheduleAnyway")])
    raw, normalized = run_scores(PodTopologySpread(), soft, snapshot)
    # zone a holds 3 matching pods, zone b none; weight ln(2 zones + 2).
    assert raw == [4, 4, 0, 0]
    assert normalized == [0, 0, 100, 100]


def test_system_default_constraints_spread_replicaset_pods():
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "controller": True}]
    rs = {"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"matchLabels": WEB}}}
    existing = [pod(f"e{i}", labels=WEB, node_name="n0") for i in range(3)]
    snapshot = Snapshot([node("n0", labels={ZONE: "a"}), node("n1", labels={ZONE: "a"}), node("n2")], existing,
                        replica_sets=[rs])
    replica = pod(labels=WEB)
    replica["metadata"]["ownerReferences"] = owner
    raw, normalized = run_scores(PodTopologySpread(), replica, snapshot)
    assert normalized[0] < normalized[1]
    assert normalized[2] == max(normalized)  # no zone label: only hostname spreading applies, and it is empty
    # Without the ReplicaSet in the snapshot there is nothing to spread against: PreScore skips.
    bare = Snapshot([node("n0"), node("n1")], existing)
    assert PodTopologySpread().pre_score(CycleState(bare), PodInfo(replica), list(bare)).code.value == "Skip"


def test_pods_without_constraints_skip_filtering():
    snapshot = cluster(0)
    assert PodTopologySpread().pre_filter(CycleState(snapshot), PodInfo(pod(labels=WEB))).code.value == "Skip"


def test_snapshot_keeps_matching_pod_counts_current():
    snapshot = cluster(0, 2, zones=("a", "a", "b", "b"))
    counts = snapshot.matching_pods("default", WEB_SELECTOR)
    assert counts.domain_counts(ZONE, snapshot) == {"a": 1, "b": 1}
    extra = pod("x", labels=WEB, node_name="n1")
    snapshot.add_pod(extra)
    snapshot.add_pod(pod("other-ns", namespace="kube-system", labels=WEB, node_name="n1"))
    terminating = pod("t", labels=WEB, node_name="n3")
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    snapshot.add_pod(terminating)
    assert counts.per_node == {"n0": 1, "n1": 1, "n2": 1}
    assert counts.domain_counts(ZONE, snapshot) == {"a": 2, "b": 1}
    snapshot.remove_pod(extra)
    assert counts.domain_counts(ZONE, snapshot) == {"a": 1, "b": 1}
    fresh = Snapshot([ni.node for ni in snapshot], [p.pod for ni in snapshot for p in ni.pods.values()])
    assert fresh.matching_pods("default", WEB_SELECTOR).per_node == counts.per_node
    # Relabelling a node moves its pods to another domain: the counts start over.
    snapshot.add_node(node("n0", labels={ZONE: "b"}))
    assert snapshot.matching_pods("default", WEB_SELECTOR).domain_counts(ZONE, snapshot) == {"b": 2}


def test_kept_domain_counts_score_as_a_full_scan_does():
    """nodeTaintsPolicy Honor forces the per-node scan; on untainted nodes it must agree."""
    snapshot = cluster(0, 0, 1, 2, zones=("a", "a", "b", "c"))
    snapshot.add_pod(pod("gone", labels=WEB, node_name="n3"))
    snapshot.remove_pod(pod("gone", labels=WEB, node_name="n3"))
    kept = pod(labels=WEB, topologySpreadConstraints=[constraint(when="ScheduleAnyway")])
    scanned = pod(labels=WEB, topologySpreadConstraints=[constraint(when="ScheduleAnyway", nodeTaintsPolicy="Honor")])
    assert run_scores(PodTopologySpread(), kept, snapshot) == run_scores(PodTopologySpread(), scanned, snapshot)
