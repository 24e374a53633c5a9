"""The DaemonSet controller, as a user sees it: one pod per eligible node, pinned through a
``metadata.name`` node affinity for the scheduler to bind, with the default daemon tolerations."""
from __future__ import annotations

import pytest

from simulation.controllers.daemonset import node_should_run_daemon_pod
from tests.simulation.controllers.manifests import daemon_set, node

NO_SCHEDULE = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
NO_EXECUTE = {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
ZONE_A = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}


@pytest.mark.parametrize("node_obj, pod_spec, expected", [
    (node("n"), {}, (True, True)),
    (node("n", {"disk": "ssd"}), {"nodeSelector": {"disk": "ssd"}}, (True, True)),
    (node("n"), {"nodeSelector": {"disk": "ssd"}}, (False, False)),
    (node("n", {"zone": "a"}), {"affinity": ZONE_A}, (True, True)),
    (node("n", {"zone": "b"}), {"affinity": ZONE_A}, (False, False)),
    (node("n", taints=[NO_SCHEDULE]), {}, (False, True)),
    (node("n", taints=[NO_EXECUTE]), {}, (False, False)),
    (node("n", taints=[NO_SCHEDULE]), {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu"}]},
     (True, True)),
    (node("n", taints=[NO_SCHEDULE]), {"tolerations": [{"operator": "Exists"}]}, (True, True)),
    (node("n", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]), {}, (True, True)),
    (node("n", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), {}, (True, True)),
    (node("n", taints=[{"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}]), {}, (True, True)),
    (node("n", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]), {},
     (False, True)),
    (node("n", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
     {"hostNetwork": True}, (True, True)),
    (node("n", taints=[{"key": "x", "effect": "PreferNoSchedule"}]), {}, (True, True)),
], ids=["plain", "selector-match", "selector-mismatch", "affinity-match", "affinity-mismatch",
        "noschedule-taint", "noexecute-taint", "tolerated-taint", "tolerate-everything", "cordoned",
        "not-ready", "memory-pressure", "network-unavailable", "network-unavailable-host-network",
        "prefer-no-schedule"])
def test_which_nodes_run_a_daemon_pod(node_obj, pod_spec, expected):
    ds = daemon_set("agent", pod_spec=pod_spec)
    should_run, should_continue, _ = node_should_run_daemon_pod(node_obj, ds)
    assert (should_run, should_continue) == expected


def add_nodes(c, *nodes):
    for n in nodes:
        c.admin.create("nodes", n)


def pods_by_node(c) -> dict[str, str]:
    out = {}
    for pod in c.pods():
        terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        [[field]] = [t["matchFields"] for t in terms["nodeSelectorTerms"]]
        out[field["values"][0]] = pod["metadata"]["name"]
    return out


def test_one_pod_per_eligible_node_pinned_by_node_affinity(cluster):
    c = cluster(("daemonset",))
    add_nodes(c, node("node-a"), node("node-b", taints=[NO_SCHEDULE]),
              node("node-c", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]))
    ds = c.create("daemonsets", daemon_set("agent"))
    c.settle()
    placed = pods_by_node(c)
    assert sorted(placed) == ["node-a", "node-c"]
    for pod in c.pods():
        assert pod["metadata"]["name"].startswith("agent-") and len(pod["metadata"]["name"]) == len("agent-") + 5
        assert "nodeName" not in pod["spec"], "the scheduler binds daemon pods"
        assert pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                    "values": [next(n for n, p in placed.items()
                                                                    if p == pod["metadata"]["name"])]}]}]}
        assert pod["spec"]["tolerations"] == DEFAULT_TOLERATIONS
        assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                                                       "uid": ds["metadata"]["uid"], "controller": True,
                                                       "blockOwnerDeletion": True}]
        assert set(pod["metadata"]["labels"]) == {"app", "controller-revision-hash"}
    events = c.events("SuccessfulCreate")
    assert sorted(e["message"] for e in events) == sorted(f"Created pod: {p}" for p in placed.values())
    assert {e["source"]["component"] for e in events} == {"daemonset-controller"}
    status = c.get("daemonsets", "agent")["status"]
    assert status == {"currentNumberScheduled": 2, "numberMisscheduled": 0, "desiredNumberScheduled": 2,
                      "numberReady": 0, "updatedNumberScheduled": 2, "numberUnavailable": 2, "observedGeneration": 1}
    c.make_all_ready()
    c.settle()
    status = c.get("daemonsets", "agent")["status"]
    assert (status["numberReady"], status["numberAvailable"], status.get("numberUnavailable")) == (2, 2, None)
    assert any("should run on 2 of 3 node(s) (node-a and node-c): it creates pods" in s for s in c.captions())


def test_follows_nodes_as_they_come_change_and_go(cluster):
    c = cluster(("daemonset",))
    add_nodes(c, node("node-a", {"role": "edge"}))
    c.create("daemonsets", daemon_set("agent", pod_spec={"nodeSelector": {"role": "edge"}}))
    c.settle()
    assert list(pods_by_node(c)) == ["node-a"]
    add_nodes(c, node("node-b", {"role": "edge"}))
    c.settle()
    assert sorted(pods_by_node(c)) == ["node-a", "node-b"]
    leaving = pods_by_node(c)["node-a"]
    c.patch("nodes", "node-a", {"metadata": {"labels": {"role": "core"}}}, namespace="")
    c.settle()
    assert list(pods_by_node(c)) == ["node-b"]
    assert f"Deleted pod: {leaving}" in [e["message"] for e in c.events("SuccessfulDelete")]
    c.admin.delete("nodes", "", "node-b")
    c.settle()
    assert c.pods() == []


def test_a_noexecute_taint_evicts_but_noschedule_does_not(cluster):
    c = cluster(("daemonset",))
    add_nodes(c, node("node-a"))
    c.create("daemonsets", daemon_set("agent"))
    c.settle()
    c.patch("nodes", "node-a", {"spec": {"taints": [NO_SCHEDULE]}}, namespace="")
    c.settle()
    assert list(pods_by_node(c)) == ["node-a"], "a running daemon pod survives a NoSchedule taint"
    assert c.get("daemonsets", "agent")["status"]["numberMisscheduled"] == 1
    c.patch("nodes", "node-a", {"spec": {"taints": [NO_EXECUTE]}}, namespace="")
    c.settle()
    assert c.pods() == []


def test_rolling_update_replaces_one_node_at_a_time(cluster):
    c = cluster(("daemonset",))
    add_nodes(c, node("node-a"), node("node-b"), node("node-c"))
    c.create("daemonsets", daemon_set("agent"))
    c.settle()
    c.make_all_ready()
    c.settle()
    old_hash = c.pods()[0]["metadata"]["labels"]["controller-revision-hash"]
    worst = []

    def check(step):
        ready = [p for p in c.pods() if any(x["type"] == "Ready" and x["status"] == "True"
                                            for x in (p.get("status") or {}).get("conditions") or [])]
        worst.append(len(ready))

    c.kernel.step_listeners.append(check)
    c.patch("daemonsets", "agent", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                   "image": "nginx:1.26"}]}}}})
    for _ in range(8):
        c.settle(1)
        c.make_all_ready()
    c.kernel.step_listeners.remove(check)
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in c.pods()}
    assert len(c.pods()) == 3 and old_hash not in hashes and len(hashes) == 1
    assert min(worst) >= 2, "maxUnavailable 1: at most one node without a ready pod"
    status = c.get("daemonsets", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (3, 3, 2)


def test_on_delete_waits_for_the_user(cluster):
    c = cluster(("daemonset",))
    add_nodes(c, node("node-a"))
    c.create("daemonsets", daemon_set("agent", updateStrategy={"type": "OnDelete"}))
    c.settle()
    [before] = c.pod_names()
    c.patch("daemonsets", "agent", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                   "image": "nginx:1.26"}]}}}})
    c.settle()
    assert c.pod_names() == [before]
    assert c.get("daemonsets", "agent")["status"].get("updatedNumberScheduled") is None
    c.admin.delete("pods", "default", before)
    c.settle()
    [after] = c.pod_names()
    assert after != before and c.get("daemonsets", "agent")["status"]["updatedNumberScheduled"] == 1


def test_same_seed_same_pod_names(cluster):
    def run(seed):
        c = cluster(("daemonset",), seed=seed)
        add_nodes(c, node("node-a"), node("node-b"))
        c.create("daemonsets", daemon_set("agent"))
        c.settle()
        return pods_by_node(c)

    assert run(5) == run(5)
