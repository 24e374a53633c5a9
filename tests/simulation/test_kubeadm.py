"""A cluster laid out as ``kubeadm init`` leaves it, headless: the control plane in static pods
on a tainted control-plane node, kube-proxy and CoreDNS brought up by their controllers, and the
pods' status following the simulated components."""
from __future__ import annotations

import pytest

from simulation.apimachinery import wellknown
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.ipallocator import STATIC_BAND_SIZE, SERVICE_CIDR, assign_cluster_ip
from simulation.client.apiclient import APIClient, APIError
from simulation.cluster import CONTROL_PLANE_HOST, SimCluster, SimulationError, demo_nodes, standard_cluster
from simulation.kernel import Kernel
from simulation.kernel.pacing import HEADLESS
from simulation.store.memory import MemoryStore

SCHEDULER_POD = f"kube-scheduler-{CONTROL_PLANE_HOST}"
STATIC = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


@pytest.fixture
def cluster() -> tuple[SimCluster, APIClient]:
    kernel = Kernel(seed=3, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=3)
    bootstrap(server)
    sim = standard_cluster(server, demo_nodes(), mode=HEADLESS, kernel=kernel, kubeadm=True)
    admin = APIClient(server, APISERVER, "kubectl/v1.33.0")
    assert kernel.run_until_true(lambda: all_ready(admin), timeout_seconds=120, check_every_seconds=0.5)
    return sim, admin


def system_pods(admin: APIClient) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in admin.list("pods", wellknown.NAMESPACE_SYSTEM)[0]}


def container(pod: dict) -> dict:
    return ((pod.get("status") or {}).get("containerStatuses") or [{}])[0]


def all_ready(admin: APIClient) -> bool:
    pods = system_pods(admin)
    return len(pods) == 4 + 4 + 2 and all(container(p).get("ready") for p in pods.values())


def test_kube_system_is_as_kubeadm_leaves_it(cluster) -> None:
    sim, admin = cluster
    pods = system_pods(admin)
    assert {f"{c}-{CONTROL_PLANE_HOST}" for c in STATIC} <= set(pods)
    for component in STATIC:
        pod = pods[f"{component}-{CONTROL_PLANE_HOST}"]
        assert pod["metadata"]["labels"] == {"component": component, "tier": "control-plane"}
        assert pod["spec"]["priorityClassName"] == "system-node-critical"
        assert pod["spec"]["priority"] == 2000001000
        assert pod["spec"]["hostNetwork"] is True
        assert pod["metadata"]["annotations"]["kubernetes.io/config.source"] == "file"
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "Node"
    proxies = [p for n, p in pods.items() if n.startswith("kube-proxy-")]
    assert sorted(p["spec"]["nodeName"] for p in proxies) == sorted([CONTROL_PLANE_HOST, "node-1", "node-2",
                                                                      "node-3"])
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet" for p in proxies)
    dns = [p for n, p in pods.items() if n.startswith("coredns-")]
    assert len(dns) == 2 and all(p["metadata"]["labels"]["k8s-app"] == "kube-dns" for p in dns)
    assert all(p["spec"]["priority"] == 2000000000 for p in dns)
    service = admin.get("services", wellknown.NAMESPACE_SYSTEM, "kube-dns")
    assert service["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in service["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    assert service["spec"]["selector"] == {"k8s-app": "kube-dns"}
    node = admin.get("nodes", "", CONTROL_PLANE_HOST)
    assert node["metadata"]["labels"][wellknown.LABEL_NODE_ROLE_CONTROL_PLANE] == ""
    assert {"key": wellknown.LABEL_NODE_ROLE_CONTROL_PLANE, "effect": "NoSchedule"} in node["spec"]["taints"]
    for name in ("coredns", "kube-proxy", "kubeadm-config", "kubelet-config"):
        admin.get("configmaps", wellknown.NAMESPACE_SYSTEM, name)
    assert "staticPodPath: /etc/kubernetes/manifests" in admin.get(
        "configmaps", wellknown.NAMESPACE_SYSTEM, "kubelet-config")["data"]["kubelet"]


def test_a_workload_pod_never_lands_on_the_control_plane_node(cluster) -> None:
    sim, admin = cluster
    for i in range(6):
        admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "default"},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    sim.kernel.run_for(10)
    nodes = {p["spec"].get("nodeName") for p in admin.list("pods", "default")[0]}
    assert nodes and None not in nodes and CONTROL_PLANE_HOST not in nodes


def test_a_stopped_scheduler_crash_loops_and_comes_back_when_started(cluster) -> None:
    sim, admin = cluster
    sim.stop("kube-scheduler")
    assert not sim.component("kube-scheduler").running
    assert sim.kernel.run_until_true(
        lambda: container(system_pods(admin)[SCHEDULER_POD]).get("state", {}).get("waiting", {}).get("reason")
        == "CrashLoopBackOff", timeout_seconds=60, check_every_seconds=0.5)
    status = container(system_pods(admin)[SCHEDULER_POD])
    assert status["ready"] is False and status["restartCount"] >= 1
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert not sim.component("kube-scheduler").running  # each restart crashed at once
    assert sim.health("scheduler")[0] is False

    sim.start("kube-scheduler")
    assert sim.kernel.run_until_true(lambda: container(system_pods(admin)[SCHEDULER_POD]).get("ready") is True,
                                     timeout_seconds=330, check_every_seconds=0.5)
    assert sim.component("kube-scheduler").running and sim.health("scheduler")[0] is True


def test_removing_the_scheduler_manifest_stops_the_scheduler(cluster) -> None:
    sim, admin = cluster
    sim.remove_manifest(CONTROL_PLANE_HOST, "kube-scheduler.yaml")
    assert sim.kernel.run_until_true(lambda: SCHEDULER_POD not in system_pods(admin), timeout_seconds=10,
                                     check_every_seconds=0.1)
    assert not sim.component("kube-scheduler").running
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waits", "namespace": "default"},
                          "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    sim.kernel.run_for(10)
    assert not admin.get("pods", "default", "waits")["spec"].get("nodeName")
    assert sim.manifests()["removed"] == ["kube-scheduler.yaml"]
    assert sim.manifest_overrides() == {CONTROL_PLANE_HOST: {"kube-scheduler.yaml": None}}

    sim.restore_manifest(CONTROL_PLANE_HOST, "kube-scheduler.yaml")
    assert sim.kernel.run_until_true(lambda: admin.get("pods", "default", "waits")["spec"].get("nodeName"),
                                     timeout_seconds=30, check_every_seconds=0.5)
    assert sim.manifest_overrides() == {}


def test_a_stopped_kube_proxy_makes_its_daemonset_pod_not_ready(cluster) -> None:
    sim, admin = cluster
    sim.stop("kube-proxy/node-2")

    def node_2_proxy() -> dict:
        return next(p for n, p in system_pods(admin).items()
                    if n.startswith("kube-proxy-") and p["spec"]["nodeName"] == "node-2")
    assert sim.kernel.run_until_true(lambda: container(node_2_proxy()).get("ready") is False, timeout_seconds=10,
                                     check_every_seconds=0.2)
    assert not sim.component("kube-proxy/node-2").running


def test_manifest_edits_need_a_change_and_a_known_file(cluster) -> None:
    sim, _ = cluster
    with pytest.raises(SimulationError, match="no such file"):
        sim.edit_manifest(CONTROL_PLANE_HOST, "nope.yaml", args=["--v=2"])
    with pytest.raises(SimulationError, match="command flag"):
        sim.edit_manifest(CONTROL_PLANE_HOST, "kube-scheduler", args=["v=2"])
    with pytest.raises(SimulationError, match="no static pod path"):
        sim.manifests("node-1")
    with pytest.raises(SimulationError, match="unknown manifest action"):
        sim.change_manifest({"file": "kube-scheduler.yaml", "action": "move"})
    sim.edit_manifest(CONTROL_PLANE_HOST, "kube-scheduler", args=["--v=4", "--leader-elect=false"])
    command = sim.manifests()["files"][-1]["manifest"]["spec"]["containers"][0]["command"]
    assert command[-1] == "--v=4" and "--leader-elect=false" in command and "--leader-elect=true" not in command


def test_dynamic_service_ips_stay_out_of_the_static_band() -> None:
    import random
    rng = random.Random(0)
    for _ in range(2000):
        service = {"metadata": {"name": "s"}, "spec": {}}
        assign_cluster_ip(service, [], rng)
        offset = int.from_bytes(bytes(int(x) for x in service["spec"]["clusterIP"].split("."))) - \
            int(SERVICE_CIDR.network_address)
        assert offset >= STATIC_BAND_SIZE == 256


def test_kube_dns_keeps_its_address(cluster) -> None:
    _, admin = cluster
    with pytest.raises(APIError, match="provided IP is already allocated"):
        admin.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns2",
                                                                                     "namespace": "default"},
                                  "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 53}]}})


def test_a_restarted_host_keeps_the_teachers_manifest_changes_and_held_down_components(cluster) -> None:
    """What ``clusterviz.sim.host`` saves (stopped components, changed manifests) and rebuilds a
    kubeadm cluster from on the same store."""
    sim, admin = cluster
    sim.remove_manifest(CONTROL_PLANE_HOST, "kube-scheduler")
    sim.stop("kube-proxy/node-1")
    sim.kernel.run_for(5)
    stopped = [c.name for c in sim.components.values()
               if c.name in sim.held_down or (not sim.hosted(c.name) and not c.running)]
    assert stopped == ["kube-proxy/node-1"]
    overrides = sim.manifest_overrides()
    for component in sim.components.values():
        component.stop()

    again = standard_cluster(sim.server, demo_nodes(), mode=HEADLESS, kernel=Kernel(seed=3, strict=True,
                                                                                   epoch=sim.kernel.wall_time()),
                             kubeadm=True, manifests=overrides)
    sim.server.clock = again.kernel.wall_time
    again.restore_topology({}, [], stopped)
    again.kernel.run_for(30)
    assert again.manifests()["removed"] == ["kube-scheduler.yaml"]
    assert not again.component("kube-scheduler").running and SCHEDULER_POD not in system_pods(admin)
    assert again.component("kube-controller-manager").running
    assert not again.component("kube-proxy/node-1").running and again.component("kube-proxy/node-2").running


def test_a_mirror_pods_log_is_served_from_its_static_pods_container(cluster) -> None:
    sim, admin = cluster
    pod = admin.get("pods", wellknown.NAMESPACE_SYSTEM, SCHEDULER_POD)
    sim.container_logs(CONTROL_PLANE_HOST, pod, "kube-scheduler")  # not "waiting to start": it runs
    with pytest.raises(LookupError, match='previous terminated container "kube-scheduler"'):
        sim.container_logs(CONTROL_PLANE_HOST, pod, "kube-scheduler", previous=True)


def test_the_same_seed_gives_the_same_kubeadm_history() -> None:
    def history() -> list[tuple]:
        kernel = Kernel(seed=5, strict=True, watch_latency_seconds=1.0)
        server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=5)
        bootstrap(server)
        sim = standard_cluster(server, demo_nodes(), mode=HEADLESS, kernel=kernel, kubeadm=True)
        kernel.run_for(20)
        sim.stop("kube-scheduler")
        kernel.run_for(20)
        return [(s.time_seconds, s.component, s.caption) for s in kernel.history]
    first = history()
    assert any("creates mirror pod kube-system/kube-scheduler-kind-control-plane" in c for _, _, c in first)
    assert first == history()
