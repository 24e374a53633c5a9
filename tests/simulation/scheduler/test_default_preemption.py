"""DefaultPreemption through the scheduler component, headless (no kubelets: pods are bound and
never run, victims stay terminating until the test finishes their deletion as a kubelet would).
What a learner sees: the victim's DisruptionTarget condition and ``Preempted`` Event, the
preemptor's ``nominatedNodeName``, and upstream's ``preemption: …`` clause when nothing helps."""
from __future__ import annotations

import pytest

from tests.simulation.scheduler.builders import pod
from tests.simulation.scheduler.test_scheduler_component import NAMESPACE, Cluster


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    for name, value, extra in (("high", 1000, {}), ("low", 10, {}), ("lowest", 5, {}),
                               ("polite", 1000, {"preemptionPolicy": "Never"})):
        c.admin.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                           "metadata": {"name": name}, "value": value, **extra})
    return c


def bound_pod(cluster: Cluster, name: str, node: str, cpu: str, priority_class: str, **labels: str) -> dict:
    """A running workload pod, created bound (as if scheduled long ago)."""
    return cluster.admin.create("pods", pod(name, cpu=cpu, node_name=node, labels=labels or {"app": name},
                                            priorityClassName=priority_class), NAMESPACE)


def finish_deletions(cluster: Cluster) -> None:
    """What the kubelet does once a terminating pod's containers stopped: the final delete."""
    for p in cluster.admin.list("pods", NAMESPACE)[0]:
        if p["metadata"].get("deletionTimestamp"):
            cluster.admin.delete("pods", NAMESPACE, p["metadata"]["name"], grace_period_seconds=0)


def test_a_high_priority_pod_preempts_a_low_priority_one_on_a_full_node(cluster):
    cluster.add_node("node-1", cpu="2")
    cluster.scheduler()
    bound_pod(cluster, "batch", "node-1", "1500m", "low")
    cluster.add_pod("urgent", cpu="1", priorityClassName="high")
    cluster.run(1)

    victim = cluster.pod("batch")
    assert victim["metadata"].get("deletionTimestamp"), "the victim is being deleted"
    [target] = [c for c in victim["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert (target["status"], target["reason"], target["message"]) == (
        "True", "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")
    [preempted] = cluster.events("Preempted", "batch")
    uid = cluster.pod("urgent")["metadata"]["uid"]
    assert (preempted["type"], preempted["message"], preempted["reportingComponent"], preempted["action"]) == (
        "Normal", f"Preempted by pod {uid} on node node-1", "default-scheduler", "Preempting")
    assert preempted["related"]["name"] == "urgent"
    assert cluster.pod("urgent")["status"]["nominatedNodeName"] == "node-1"
    # A successful preemption adds no clause: the cycle still failed, for the Filter reasons.
    [failed] = cluster.events("FailedScheduling", "urgent")
    assert failed["message"] == "0/1 nodes are available: 1 Insufficient cpu."
    assert cluster.node_of("urgent") == ""

    finish_deletions(cluster)
    cluster.run(2)
    assert cluster.node_of("urgent") == "node-1"
    assert "nominatedNodeName" not in cluster.pod("urgent")["status"], "binding clears the nomination"


def test_victims_are_the_fewest_least_important_pods(cluster):
    cluster.add_node("node-1", cpu="3")
    scheduler = cluster.scheduler()
    bound_pod(cluster, "a-low", "node-1", "1", "low")
    bound_pod(cluster, "b-lowest", "node-1", "1", "lowest")
    bound_pod(cluster, "c-low", "node-1", "1", "low")
    cluster.add_pod("urgent", cpu="1", priorityClassName="high")
    cluster.run(1)
    going = sorted(p["metadata"]["name"] for p in cluster.admin.list("pods", NAMESPACE)[0]
                   if p["metadata"].get("deletionTimestamp"))
    assert going == ["b-lowest"], "one victim frees enough room, and the least important one goes"
    assert scheduler.decision(NAMESPACE, "urgent")["preemption"]["victims"] == ["default/b-lowest"]


def test_preemption_spares_the_pods_a_disruption_budget_protects(cluster):
    cluster.add_node("node-1", cpu="2")
    cluster.add_node("node-2", cpu="2")
    bound_pod(cluster, "guarded", "node-1", "1500m", "low", app="db")
    bound_pod(cluster, "free", "node-2", "1500m", "low", app="cache")
    pdb = cluster.admin.create("poddisruptionbudgets", {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}, NAMESPACE)
    pdb["status"] = {"currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1, "disruptionsAllowed": 0}
    cluster.admin.update_status("poddisruptionbudgets", pdb)  # as the disruption controller would say
    scheduler = cluster.scheduler()
    cluster.add_pod("urgent", cpu="1", priorityClassName="high")
    cluster.run(1)
    assert not cluster.pod("guarded")["metadata"].get("deletionTimestamp")
    assert cluster.pod("free")["metadata"].get("deletionTimestamp")
    assert cluster.pod("urgent")["status"]["nominatedNodeName"] == "node-2"
    candidates = {c["node"]: c["pdb_violations"] for c in scheduler.decision(NAMESPACE, "urgent")["preemption"]
                  ["candidates"]}
    assert candidates == {"node-1": 1, "node-2": 0}


NOT_HELPED = [
    ("no-lower-priority-pods", dict(cpu="1", priorityClassName="low"),
     "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims "
     "found for incoming pod."),
    ("preemption-policy-never", dict(cpu="1", priorityClassName="polite"),
     "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."),
    ("too-big-even-for-an-empty-node", dict(cpu="3", priorityClassName="high"),
     "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu."),
    ("unresolvable-selector", dict(cpu="1", priorityClassName="high", nodeSelector={"disk": "ssd"}),
     "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are "
     "available: 1 Preemption is not helpful for scheduling."),
]


@pytest.mark.parametrize("spec,message", [n[1:] for n in NOT_HELPED], ids=[n[0] for n in NOT_HELPED])
def test_the_failed_scheduling_message_ends_with_upstreams_preemption_clause(cluster, spec, message):
    cluster.add_node("node-1", cpu="2")
    cluster.scheduler()
    bound_pod(cluster, "batch", "node-1", "1500m", "low")
    cluster.add_pod("waiting", **spec)
    cluster.run(1)
    [event] = cluster.events("FailedScheduling", "waiting")
    assert event["message"] == message
    assert cluster.condition("waiting")["message"] == message
    assert not cluster.pod("batch")["metadata"].get("deletionTimestamp")


def test_no_second_preemption_while_the_first_victims_terminate(cluster):
    cluster.add_node("node-1", cpu="2")
    cluster.scheduler()
    bound_pod(cluster, "batch", "node-1", "1500m", "low")
    bound_pod(cluster, "extra", "node-1", "100m", "lowest")
    cluster.add_pod("urgent", cpu="1", priorityClassName="high")
    cluster.run(1)
    assert cluster.pod("batch")["metadata"].get("deletionTimestamp")
    assert not cluster.pod("extra")["metadata"].get("deletionTimestamp"), "reprieved: the room suffices without it"
    cluster.admin.delete("pods", NAMESPACE, "extra", grace_period_seconds=0)  # a pod leaves: the pod is retried
    cluster.run(2)
    failed = {e["message"] for e in cluster.events("FailedScheduling", "urgent")}
    assert ("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the "
            "nominated node.") in failed
    assert cluster.pod("urgent")["status"]["nominatedNodeName"] == "node-1"
