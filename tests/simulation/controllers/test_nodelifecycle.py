"""Node lifecycle and taint-based eviction, in virtual time: a "kubelet" (here: the test,
renewing the node's Lease every 10 s) stops; 50 s later the node is Ready=Unknown and tainted
``node.kubernetes.io/unreachable``; its pods are evicted when their toleration runs out."""
from __future__ import annotations

import pytest

from simulation.apimachinery.timestamps import parse_time, rfc3339, rfc3339_micro
from simulation.client.apiclient import is_not_found
from simulation.controllers.nodelifecycle import NODE_MONITOR_GRACE_SECONDS, zone_key

NS = "default"
CONTROLLERS = ("nodelifecycle", "taint-eviction-controller")
LEASE_RENEW_SECONDS = 10.0


class FakeKubelet:
    """Renews the node's Lease every 10 s (and posts Ready=True when told to), as a kubelet does."""

    def __init__(self, c, node: str) -> None:
        self.c, self.node, self.alive = c, node, True
        now = rfc3339_micro(c.kernel.wall_time())
        c.admin.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                  "metadata": {"name": node, "namespace": "kube-node-lease"},
                                  "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": now}},
                       "kube-node-lease")
        c.kernel.schedule(LEASE_RENEW_SECONDS, self.renew, component=f"kubelet-{node}", action="heartbeat")

    def renew(self) -> str:
        if not self.alive:
            return f"kubelet on {self.node} is dead"
        self.c.admin.patch("leases", "kube-node-lease", self.node,
                           {"spec": {"renewTime": rfc3339_micro(self.c.kernel.wall_time())}})
        self.c.kernel.schedule(LEASE_RENEW_SECONDS, self.renew, component=f"kubelet-{self.node}", action="heartbeat")
        return f"kubelet on {self.node} renews its Lease"

    def stop(self) -> None:
        self.alive = False

    def restart(self) -> None:
        """Back: post Ready=True (the kubelet sees its node reported otherwise) and heartbeat again."""
        self.alive = True
        post_ready(self.c, self.node)
        self.renew()



def post_ready(c, node: str) -> None:
    now = rfc3339(c.kernel.wall_time())
    c.admin.patch("nodes", "", node, {"status": {"conditions": [
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
         "lastHeartbeatTime": now, "lastTransitionTime": now}]}}, subresource="status")


def add_node(c, name: str, zone: str = "zone-a") -> FakeKubelet:
    c.admin.create("nodes", {"apiVersion": "v1", "kind": "Node",
                             "metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone}}})
    post_ready(c, name)
    return FakeKubelet(c, name)


def add_pod(c, name: str, node: str, tolerations: list | None = None) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}]}}
    if tolerations is not None:
        body["spec"]["tolerations"] = tolerations
    c.admin.create("pods", body, NS)
    now = rfc3339(c.kernel.wall_time())
    c.admin.patch("pods", NS, name, {"status": {"phase": "Running", "podIP": "10.244.0.9", "conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": now}]}}, subresource="status")


def node(c, name: str) -> dict:
    return c.admin.get("nodes", "", name)


def ready(c, name: str) -> str:
    return next(x for x in node(c, name)["status"]["conditions"] if x["type"] == "Ready")["status"]


def taints(c, name: str) -> list[tuple[str, str]]:
    return sorted((t["key"], t["effect"]) for t in node(c, name).get("spec", {}).get("taints") or [])


def terminating(c, name: str) -> bool:
    try:
        return bool(c.admin.get("pods", NS, name)["metadata"].get("deletionTimestamp"))
    except Exception as exc:
        if is_not_found(exc):
            return True
        raise


def pod_ready(c, name: str) -> str:
    return next(x for x in c.admin.get("pods", NS, name)["status"]["conditions"] if x["type"] == "Ready")["status"]


UNREACHABLE = "node.kubernetes.io/unreachable"


def two_nodes(cluster):
    c = cluster(CONTROLLERS)
    kubelets = {n: add_node(c, n, zone) for n, zone in (("node-1", "zone-a"), ("node-2", "zone-b"))}
    add_pod(c, "web", "node-1")  # DefaultTolerationSeconds: tolerates unreachable for 300 s
    add_pod(c, "impatient", "node-1", [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                                        "tolerationSeconds": 0}])
    add_pod(c, "patient", "node-1", [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}])
    add_pod(c, "elsewhere", "node-2")
    c.run(20)
    return c, kubelets


def test_a_node_that_stops_heartbeating_goes_unknown_is_tainted_and_its_pods_are_evicted(cluster):
    c, kubelets = two_nodes(cluster)
    assert ready(c, "node-1") == "True" and taints(c, "node-1") == []
    kubelets["node-1"].stop()
    stopped_at = c.kernel.now_seconds
    c.run(NODE_MONITOR_GRACE_SECONDS - 15)
    assert ready(c, "node-1") == "True"  # within the grace period nothing happens
    assert c.run_until(lambda: ready(c, "node-1") == "Unknown", timeout_seconds=30)
    assert c.kernel.now_seconds - stopped_at <= NODE_MONITOR_GRACE_SECONDS + 15
    condition = next(x for x in node(c, "node-1")["status"]["conditions"] if x["type"] == "Ready")
    assert (condition["reason"], condition["message"]) == ("NodeStatusUnknown", "Kubelet stopped posting node status.")
    event = c.events(reason="NodeNotReady", kind="Node")
    assert [(e["message"], e["source"]["component"]) for e in event] == [
        ("Node node-1 status is now: NodeNotReady", "node-controller")]
    assert c.run_until(lambda: pod_ready(c, "web") == "False")
    assert pod_ready(c, "elsewhere") == "True"
    assert c.run_until(lambda: taints(c, "node-1") == [(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")],
                       timeout_seconds=15)
    assert taints(c, "node-2") == [] and ready(c, "node-2") == "True"
    tainted_at = c.kernel.now_seconds
    assert c.run_until(lambda: terminating(c, "impatient"), timeout_seconds=2)  # tolerationSeconds 0: at once

    c.run(295)
    assert not terminating(c, "web")
    assert c.run_until(lambda: terminating(c, "web"), timeout_seconds=10)
    assert 299 <= c.kernel.now_seconds - tainted_at <= 306
    pod = c.admin.get("pods", NS, "web")
    disruption = next(x for x in pod["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (disruption["reason"], disruption["message"]) == ("DeletionByTaintManager",
                                                             "Taint manager: deleting due to NoExecute taint")
    evictions = c.events(reason="TaintManagerEviction")
    assert sorted((e["message"], e["source"]["component"]) for e in evictions) == [
        ("Marking for deletion Pod default/impatient", "taint-eviction-controller"),
        ("Marking for deletion Pod default/web", "taint-eviction-controller")]
    c.run(600)
    assert not terminating(c, "patient") and not terminating(c, "elsewhere")  # tolerates forever / healthy node
    assert not c.failed_syncs()


def test_a_node_that_comes_back_loses_its_taints_and_pending_evictions(cluster):
    c, kubelets = two_nodes(cluster)
    kubelets["node-1"].stop()
    assert c.run_until(lambda: (UNREACHABLE, "NoExecute") in taints(c, "node-1"), timeout_seconds=90)
    c.run(100)
    kubelets["node-1"].restart()
    assert c.run_until(lambda: taints(c, "node-1") == [], timeout_seconds=20)
    assert ready(c, "node-1") == "True"
    c.run(400)
    assert not terminating(c, "web")
    assert [e["message"] for e in c.events(reason="TaintManagerEviction") if "Cancelling" in e["message"]] == [
        "Cancelling deletion of Pod default/web"]


def test_when_every_node_is_down_the_controller_suspects_itself_and_evicts_nothing(cluster):
    c = cluster(CONTROLLERS)
    kubelet = add_node(c, "node-1")
    add_pod(c, "web", "node-1")
    c.run(20)
    kubelet.stop()
    assert c.run_until(lambda: ready(c, "node-1") == "Unknown", timeout_seconds=90)
    c.run(400)
    assert taints(c, "node-1") == [(UNREACHABLE, "NoSchedule")]  # no NoExecute taint: master disruption mode
    assert not terminating(c, "web")


def test_a_cordoned_node_gets_the_unschedulable_taint(cluster):
    c = cluster(CONTROLLERS)
    add_node(c, "node-1")
    c.run(2)
    c.admin.patch("nodes", "", "node-1", {"spec": {"unschedulable": True}})
    assert c.run_until(lambda: taints(c, "node-1") == [("node.kubernetes.io/unschedulable", "NoSchedule")])
    c.admin.patch("nodes", "", "node-1", {"spec": {"unschedulable": None}})
    assert c.run_until(lambda: taints(c, "node-1") == [])


def test_a_node_registered_without_status_gets_the_startup_grace_period(cluster):
    c = cluster(CONTROLLERS)
    c.admin.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "silent"}})
    c.run(55)
    assert not (node(c, "silent").get("status") or {}).get("conditions")
    assert c.run_until(lambda: any(x["type"] == "Ready" for x in (node(c, "silent").get("status") or {}).get(
        "conditions", [])),
                       timeout_seconds=15)
    condition = next(x for x in node(c, "silent")["status"]["conditions"] if x["type"] == "Ready")
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
    assert [e["message"] for e in c.events(reason="RegisteredNode")] == [
        "Node silent event: Registered Node silent in Controller"]


@pytest.mark.parametrize("labels,key", [
    ({}, ""),
    ({"topology.kubernetes.io/zone": "a"}, ":\x00:a"),
    ({"topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-1"}, "eu:\x00:eu-1"),
], ids=["no-zone", "zone", "region-and-zone"])
def test_zone_key(labels, key):
    assert zone_key({"metadata": {"labels": labels}}) == key


def test_timestamps_parse():
    assert parse_time("2024-01-01T00:00:05.250000Z") == 1_704_067_205.25
