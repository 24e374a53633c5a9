"""The whole control plane, headless: the chapter-11 chain end to end, the same history
for the same seed, and one action per step in the chain's order."""
from __future__ import annotations

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.cluster import SimCluster, SimulationError, demo_nodes, standard_cluster
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                   "resources": {"requests": {"cpu": "100m"}}}]}}}}


def make_cluster(seed: int = 7, mode: str = "headless") -> tuple[SimCluster, APIClient]:
    kernel = Kernel(seed=seed, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=seed)
    bootstrap(server)
    cluster = SimCluster(server, mode=mode, kernel=kernel)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    for spec in demo_nodes():
        cluster.add_node(spec)
    cluster.start()
    return cluster, APIClient(server, APISERVER, "kubectl/v1.33.0")


def running_pods(admin: APIClient, app: str) -> list[dict]:
    items, _ = admin.list("pods", "default", label_selector=f"app={app}")
    return [p for p in items if (p.get("status") or {}).get("phase") == "Running"]


def test_deployment_becomes_three_running_pods_with_the_chain_of_events():
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 3, timeout_seconds=60)
    pods = running_pods(admin, "web")
    assert {p["spec"]["nodeName"] for p in pods} == {"node-1", "node-2"}
    # The Deployment's status follows its pods a couple of hops later.
    assert cluster.kernel.run_until_true(lambda: admin.get("deployments", "default", "web")["status"].get(
        "readyReplicas") == 3, timeout_seconds=10)
    deployment = admin.get("deployments", "default", "web")
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    events, _ = admin.list("events", "default")
    events = [e for e in events if e["involvedObject"]["kind"] != "Node"]
    chain = [(e["reason"], e["source"]["component"]) for e in sorted(events, key=lambda e: e["metadata"]["resourceVersion"]
                                                                    .zfill(12))]
    reasons = [r for r, _ in chain]
    assert chain[0] == ("ScalingReplicaSet", "deployment-controller")
    assert reasons.count("SuccessfulCreate") == 3 and reasons.count("Scheduled") == 3
    assert reasons.index("SuccessfulCreate") < reasons.index("Scheduled") < reasons.index("Started")
    assert {c for r, c in chain if r in ("Pulling", "Pulled", "Created", "Started")} == {"kubelet"}


def history(seed: int) -> tuple[list[tuple], list[tuple]]:
    cluster, admin = make_cluster(seed)
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    cluster.kernel.run_for(30)
    steps = [(s.seq, s.time_seconds, s.component, s.action, s.caption) for s in cluster.kernel.history]
    items, _ = admin.list("pods", "default")
    pods = sorted((p["metadata"]["name"], p["spec"].get("nodeName"), p["status"].get("podIP")) for p in items)
    return steps, pods


def test_same_seed_same_history():
    first, second = history(11), history(11)
    assert first == second
    assert len(first[0]) > 50 and len(first[1]) == 3


def test_different_seed_different_names():
    assert history(11)[1] != history(12)[1]


def test_paused_steps_follow_the_chain_one_action_at_a_time():
    cluster, admin = make_cluster(mode="paused")
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    assert admin.list("replicasets", "default")[0] == [], "paused: nothing reacts"
    firsts: dict[str, int] = {}
    for _ in range(400):
        step = cluster.pacer.step()[0]
        key = step.controller or step.component.split("/")[0]
        if step.action != "watch-delivery" and step.action not in ("leader-election", "heartbeat"):
            firsts.setdefault(key, step.seq)
        if len(running_pods(admin, "web")) == 3:
            break
    assert firsts["deployment"] < firsts["replicaset"] < firsts["kube-scheduler"] < firsts["kubelet"], firsts


def test_faults_and_unknown_components_are_refused_with_a_reason():
    cluster, _ = make_cluster()
    with pytest.raises(SimulationError, match="unknown fault type"):
        cluster.inject({"type": "melt"})
    with pytest.raises(SimulationError, match="no component named"):
        cluster.stop("nope")
    with pytest.raises(SimulationError, match="needs 'node'"):
        cluster.inject({"type": "fail-node"})


def test_stopped_scheduler_reports_connection_refused():
    cluster, _ = make_cluster()
    assert cluster.health("scheduler") == (True, "ok")
    cluster.stop("kube-scheduler")
    healthy, message = cluster.health("scheduler")
    assert not healthy and message.endswith("connect: connection refused")


def test_standard_cluster_is_started():
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=lambda: 1_700_000_000.0)
    bootstrap(server)
    cluster = standard_cluster(server, demo_nodes(), seed=1, mode="headless", strict=True)
    assert all(c.running for c in cluster.components.values())
    assert len(cluster.components) == 2 + 2 * 3


@pytest.mark.parametrize("kind", ["scheduler", "controller-manager"])
def test_replicas_elect_one_leader_and_the_standby_takes_over_after_the_lease_expires(kind):
    cluster, admin = make_cluster()
    first, second = cluster.set_replicas(kind, 2)
    cluster.kernel.run_for(5)
    assert (first.leading, second.leading) == (True, False)
    lease = admin.get("leases", "kube-system", "kube-scheduler" if kind == "scheduler" else "kube-controller-manager")
    assert lease["spec"]["holderIdentity"] == first.identity

    cluster.stop(first.name)
    cluster.kernel.run_for(10)
    assert not second.leading, "the standby waits for the lease to expire (15 s)"
    cluster.kernel.run_for(10)
    assert second.leading
    lease = admin.get("leases", "kube-system", lease["metadata"]["name"])
    assert lease["spec"]["holderIdentity"] == second.identity and lease["spec"]["leaseTransitions"] == 1


def test_the_new_scheduler_leader_schedules_what_waited():
    cluster, admin = make_cluster()
    leader, _ = cluster.set_replicas("scheduler", 2)
    cluster.kernel.run_for(5)
    cluster.stop(leader.name)
    admin.create("pods", {"metadata": {"name": "waiting"}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}},
                 "default")
    cluster.kernel.run_for(3)
    assert not admin.get("pods", "default", "waiting")["spec"].get("nodeName")
    assert cluster.kernel.run_until_true(lambda: admin.get("pods", "default", "waiting")["spec"].get("nodeName"),
                                         timeout_seconds=30)
    assert cluster.health("scheduler") == (True, "ok")


def test_replicas_are_for_the_two_elected_components():
    cluster, _ = make_cluster()
    with pytest.raises(SimulationError, match="not 'kubelet'"):
        cluster.set_replicas("kubelet", 2)
    with pytest.raises(SimulationError, match="from 1 to 3"):
        cluster.set_replicas("scheduler", 7)
