"""A highly available control plane, headless: three control-plane nodes, three etcd members
with one Raft leader, three API servers behind a load balancer, and leader-elected schedulers
and controller managers. What a learner sees through the API when members and API servers stop."""
from __future__ import annotations

import pytest

from simulation.apimachinery import wellknown
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.request import APIRequest
from simulation.client.apiclient import APIClient, APIError
from simulation.cluster import SimCluster, SimulationError, demo_nodes, standard_cluster
from simulation.etcd import REQUEST_TIMED_OUT
from simulation.kernel import Kernel
from simulation.kernel.pacing import HEADLESS
from simulation.store.memory import MemoryStore

CONTROL_PLANE = ("kind-control-plane", "kind-control-plane2", "kind-control-plane3")
STATIC = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


def build(seed: int = 3) -> tuple[SimCluster, APIClient]:
    kernel = Kernel(seed=seed, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=seed)
    bootstrap(server)
    sim = standard_cluster(server, demo_nodes(), mode=HEADLESS, kernel=kernel, ha=True)
    admin = APIClient(server, APISERVER, "kubectl/v1.33.0")
    assert kernel.run_until_true(lambda: all_ready(admin), timeout_seconds=120, check_every_seconds=0.5)
    return sim, admin


def system_pods(admin: APIClient) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in admin.list("pods", wellknown.NAMESPACE_SYSTEM)[0]}


def all_ready(admin: APIClient) -> bool:
    pods = system_pods(admin)
    return len(pods) == 3 * 4 + 6 + 2 and all(
        ((p.get("status") or {}).get("containerStatuses") or [{}])[0].get("ready") for p in pods.values())


@pytest.fixture
def cluster() -> tuple[SimCluster, APIClient]:
    return build()


def create_configmap(admin: APIClient, name: str) -> dict:
    return admin.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": name, "namespace": "default"}, "data": {"a": "1"}})


def raw(sim: SimCluster, method: str, path: str, query: dict | None = None, obj: dict | None = None):
    response = sim.server.handle(APIRequest(method, path, query=query or {}, obj=obj, user=APISERVER))
    return response.code, response.body


def test_kube_system_has_the_control_plane_on_three_nodes(cluster) -> None:
    sim, admin = cluster
    pods = system_pods(admin)
    assert {f"{c}-{n}" for c in STATIC for n in CONTROL_PLANE} <= set(pods)
    etcd2 = pods["etcd-kind-control-plane2"]["spec"]["containers"][0]["command"]
    assert "--initial-cluster-state=existing" in etcd2
    assert ("--initial-cluster=kind-control-plane=https://172.18.0.2:2380,"
            "kind-control-plane2=https://172.18.0.252:2380") in etcd2
    apiserver = pods["kube-apiserver-kind-control-plane3"]["spec"]["containers"][0]["command"]
    assert ("--etcd-servers=https://172.18.0.2:2379,https://172.18.0.252:2379,https://172.18.0.253:2379"
            in apiserver)
    nodes = {n["metadata"]["name"] for n in admin.list("nodes")[0]}
    assert set(CONTROL_PLANE) <= nodes
    endpoints = admin.get("endpoints", "default", "kubernetes")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["172.18.0.2", "172.18.0.252", "172.18.0.253"]


def test_one_scheduler_and_one_controller_manager_lead(cluster) -> None:
    sim, admin = cluster
    leaders = sim.ha_state()["leaders"]
    assert leaders["scheduler"] and leaders["controller-manager"]
    lease = admin.get("leases", "kube-system", "kube-scheduler")
    assert lease["spec"]["holderIdentity"] == sim.component(leaders["scheduler"]).identity
    assert sum(1 for c in sim.schedulers() if c.leading) == 1


def test_etcd_keeps_writing_with_one_member_down_and_stops_with_two(cluster) -> None:
    sim, admin = cluster
    etcd = sim.server.etcd
    first_leader, term = etcd.leader, etcd.term
    sim.stop(f"etcd/{first_leader}")
    assert etcd.leader not in (None, first_leader) and etcd.term == term + 1  # a new election, at once
    create_configmap(admin, "with-two")
    statuses = {s["metadata"]["name"]: s["conditions"][0] for s in sim.server.component_statuses()}
    down = f"etcd-{CONTROL_PLANE.index(first_leader)}"
    assert statuses[down] == {"type": "Healthy", "status": "False", "message": "",
                              "error": "error getting data from etcd: context deadline exceeded"}
    assert sum(1 for name, c in statuses.items() if name.startswith("etcd-") and c["status"] == "True") == 2

    second = etcd.leader
    sim.stop(f"etcd/{second}")
    assert etcd.leader is None
    with pytest.raises(APIError) as refused:
        create_configmap(admin, "with-one")
    assert refused.value.code == 500
    assert refused.value.status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": REQUEST_TIMED_OUT, "code": 500}
    # a quorum read fails too; a read the watch cache serves (resourceVersion=0) does not
    assert raw(sim, "GET", "/api/v1/namespaces/default/configmaps")[0] == 500
    code, body = raw(sim, "GET", "/api/v1/namespaces/default/configmaps", {"resourceVersion": "0"})
    assert code == 200 and "with-one" not in [c["metadata"]["name"] for c in body["items"]]
    assert raw(sim, "GET", "/livez") == (500, "[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n"
                                              "livez check failed\n")
    # the components keep running through the outage, retrying what fails
    sim.kernel.run_for(30)

    sim.start(f"etcd/{second}")  # its container comes back at the kubelet's next restart
    assert sim.kernel.run_until_true(lambda: etcd.leader is not None, timeout_seconds=300, check_every_seconds=1)
    create_configmap(admin, "after")
    assert raw(sim, "GET", "/livez")[0] == 200


def test_the_kernel_stays_up_and_the_cluster_recovers_after_an_outage(cluster) -> None:
    sim, admin = cluster
    members = [f"etcd/{n}" for n in CONTROL_PLANE]
    sim.stop(members[0])
    sim.stop(members[1])
    sim.kernel.run_for(60)  # leases expire, lists fail, kubelets cannot post status
    sim.start(members[0])
    sim.start(members[1])
    assert sim.kernel.run_until_true(lambda: sim.server.etcd.leader is not None, timeout_seconds=300,
                                     check_every_seconds=1)
    admin.create("deployments", {"apiVersion": "apps/v1", "kind": "Deployment",
                                 "metadata": {"name": "web", "namespace": "default"},
                                 "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                          "template": {"metadata": {"labels": {"app": "web"}},
                                                       "spec": {"containers": [{"name": "web",
                                                                                "image": "nginx:1.27"}]}}}})
    assert sim.kernel.run_until_true(
        lambda: admin.get("deployments", "default", "web").get("status", {}).get("readyReplicas") == 2,
        timeout_seconds=120, check_every_seconds=1)


def test_a_stopped_member_crash_loops_in_its_static_pod(cluster) -> None:
    sim, admin = cluster
    sim.stop("etcd/kind-control-plane2")

    def crash_looping() -> bool:
        status = system_pods(admin)["etcd-kind-control-plane2"]["status"]["containerStatuses"][0]
        return (status.get("state", {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
    assert sim.kernel.run_until_true(crash_looping, timeout_seconds=120, check_every_seconds=1)
    assert not sim.server.etcd.member("kind-control-plane2").running
    sim.start("etcd/kind-control-plane2")
    assert sim.kernel.run_until_true(lambda: sim.server.etcd.member("kind-control-plane2").running,
                                     timeout_seconds=600, check_every_seconds=1)


def test_requests_spread_over_the_api_servers_and_survive_losing_one(cluster) -> None:
    sim, admin = cluster
    balancer = sim.server.load_balancer
    before = [i.served for i in balancer.instances]
    for i in range(30):
        create_configmap(admin, f"cm-{i}")
    spread = [i.served - b for i, b in zip(balancer.instances, before)]
    assert max(spread) - min(spread) <= 2 * max(1, sum(spread) // 30), spread

    first = balancer.instance("kind-control-plane")
    assert first.watches() > 0
    sim.stop("kube-apiserver/kind-control-plane")
    assert not first.running and first.watches() == 0  # its watch streams ended with it
    served = first.served
    admin.create("deployments", {"apiVersion": "apps/v1", "kind": "Deployment",
                                 "metadata": {"name": "api", "namespace": "default"},
                                 "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
                                          "template": {"metadata": {"labels": {"app": "api"}},
                                                       "spec": {"containers": [{"name": "api",
                                                                                "image": "nginx:1.27"}]}}}})
    # informers re-watched through the others: the deployment comes up
    assert sim.kernel.run_until_true(
        lambda: admin.get("deployments", "default", "api").get("status", {}).get("readyReplicas") == 2,
        timeout_seconds=120, check_every_seconds=1)
    assert first.served == served
    endpoints = admin.get("endpoints", "default", "kubernetes")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["172.18.0.252", "172.18.0.253"]

    sim.stop("kube-apiserver/kind-control-plane2")
    with pytest.raises(SimulationError, match="last API server running"):
        sim.stop("kube-apiserver/kind-control-plane3")


def test_same_seed_same_leaders() -> None:
    def history(seed: int) -> list[str | None]:
        sim, _ = build(seed)
        seen = [sim.server.etcd.leader]
        for _ in range(3):
            leader = sim.server.etcd.leader
            sim.stop(f"etcd/{leader}")
            seen.append(sim.server.etcd.leader)
            sim.start(f"etcd/{leader}")
            sim.kernel.run_until_true(lambda: sim.server.etcd.member(leader).running, timeout_seconds=300,
                                      check_every_seconds=1)
            seen.append(sim.server.etcd.term)
        return seen
    assert history(5) == history(5)


def test_an_etcd_members_log_has_its_raft_lines(cluster) -> None:
    sim, admin = cluster
    leader = sim.server.etcd.leader
    sim.stop(f"etcd/{leader}")
    follower = next(m.name for m in sim.server.etcd.running() if m.name != sim.server.etcd.leader)
    pod = admin.get("pods", "kube-system", f"etcd-{follower}")
    lines = [line for _, line in sim.container_logs(follower, pod, "etcd")]
    lost = sim.server.etcd.member(leader).id
    assert any(f'"msg":"raft.node: {sim.server.etcd.member(follower).id} lost leader {lost} at term 2"' in line
               for line in lines), lines
    assert lines[-1].startswith('{"level":"info","ts":"') and '"logger":"raft"' in lines[-1]
    assert "elected leader" in lines[-1]
