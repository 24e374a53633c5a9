"""Pod networking in a running cluster, headless: the kubelet's sandboxes get their veth pair
and IP through CNI ADD and lose them through CNI DEL; an exhausted podCIDR shows as upstream's
FailedCreatePodSandBox Event; every node routes the others' podCIDRs; and a traced packet goes
pod to pod and pod to Service through what the nodes' components hold."""
from __future__ import annotations

import re

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.cluster import SimCluster, SimulationError
from simulation.kernel import Kernel
from simulation.kubelet.node_spec import NodeSpec
from simulation.store.memory import MemoryStore

from tests.simulation.test_cluster import DEPLOYMENT, make_cluster, running_pods

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}}


def bare_pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


@pytest.fixture(scope="module")
def web():
    """The demo cluster with a 3-replica Deployment ``web`` (two pods on node-1, one on node-2) and its Service."""
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    admin.create("services", SERVICE, "default")
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 3, timeout_seconds=60)
    cluster.kernel.run_for(3)  # kube-proxy has the endpoints
    return cluster, admin


def by_node(admin: APIClient) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in running_pods(admin, "web"):
        out.setdefault(p["spec"]["nodeName"], []).append(p)
    return out


def test_every_running_pod_has_a_veth_on_its_nodes_bridge(web):
    cluster, admin = web
    for node, pods in by_node(admin).items():
        net = cluster.node_network(node)
        assert {v["pod"]: v["ip"] for v in net["veths"]} == {
            f"default/{p['metadata']['name']}": p["status"]["podIP"] for p in pods}
        assert all(re.fullmatch(r"veth[0-9a-f]{8}", v["name"]) for v in net["veths"])
        for v in net["veths"]:
            assert any(line.startswith(f"{v['ifindex']}: {v['name']}@if2: ") and "master cni0" in line
                       for line in net["ip_addr"])
        others = [n for n in cluster.node_specs if n != node]
        for other in others:
            spec = cluster.node_specs[other]
            assert f"{spec.pod_cidr} via {spec.internal_ip} dev eth0" in net["ip_route"]
    # a normal CNI ADD records no Event
    events, _ = admin.list("events", "default")
    assert "FailedCreatePodSandBox" not in {e["reason"] for e in events}


def test_inside_a_pod_eth0_is_the_peer_of_its_veth_on_the_node(web):
    cluster, admin = web
    pod = running_pods(admin, "web")[0]
    inside = cluster.pod_network("default", pod["metadata"]["name"])
    veth = next(v for v in cluster.node_network(pod["spec"]["nodeName"])["veths"]
                if v["pod"] == f"default/{pod['metadata']['name']}")
    assert inside["veth"] == veth["name"]
    assert any(line.startswith(f"2: eth0@if{veth['ifindex']}: ") for line in inside["ip_addr"])
    assert f"    inet {pod['status']['podIP']}/24 brd " in "\n".join(inside["ip_addr"])
    gateway = pod["status"]["podIP"].rsplit(".", 1)[0] + ".1"
    assert inside["ip_route"][0] == f"default via {gateway} dev eth0"


def test_trace_same_node_cross_node_and_through_the_service(web):
    cluster, admin = web
    placed = by_node(admin)
    a, b = placed["node-1"][:2]
    c = placed["node-2"][0]
    same = cluster.trace("default", a["metadata"]["name"], b["metadata"]["name"])
    assert same["result"] == "delivered" and {h["node"] for h in same["hops"]} == {"node-1"}
    assert same["delivered_to"]["pod"] == f"default/{b['metadata']['name']}"
    cross = cluster.trace("default", a["metadata"]["name"], f"{c['status']['podIP']}:80")
    assert [h["kind"] for h in cross["hops"]][3:6] == ["route", "wire", "node"]
    assert cross["delivered_to"] == {"ip": c["status"]["podIP"], "port": 80, "node": "node-2",
                                     "pod": f"default/{c['metadata']['name']}"}
    cluster_ip = admin.get("services", "default", "web")["spec"]["clusterIP"]
    rng_before = cluster.kernel.rng.getstate()
    seen = set()
    for to in ("web", "web:http", f"{cluster_ip}:80", "default/web:80"):
        trace = cluster.trace("default", a["metadata"]["name"], to)
        assert trace["service"] == "default/web:http" and trace["cluster_ip"] == cluster_ip
        assert trace["result"] == "delivered" and trace["port"] == 80
        seen.add(trace["delivered_to"]["pod"])
    for _ in range(30):
        seen.add(cluster.trace("default", a["metadata"]["name"], "web")["delivered_to"]["pod"])
    assert seen == {f"default/{p['metadata']['name']}" for p in running_pods(admin, "web")}
    assert cluster.kernel.rng.getstate() == rng_before  # tracing never moves the cluster's history


@pytest.mark.parametrize("source, to, words", [
    ("nope", "web", 'pods "nope" not found'),
    ("WEB", "nosuch", None),
    ("WEB", "web:https", "unknown port 'https'"),
], ids=["no-sender", "no-target", "bad-port"])
def test_trace_refuses_what_it_cannot_follow(web, source, to, words):
    cluster, admin = web
    sender = running_pods(admin, "web")[0]["metadata"]["name"] if source == "WEB" else source
    with pytest.raises(SimulationError) as refused:
        cluster.trace("default", sender, to)
    assert (words or 'pods "nosuch" not found') in str(refused.value)


def test_an_exhausted_pod_cidr_fails_the_sandbox_as_upstream_then_recovers():
    kernel = Kernel(seed=3, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=3)
    bootstrap(server)
    cluster = SimCluster(server, mode="headless", kernel=kernel)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    cluster.add_node(NodeSpec(name="tiny", pod_cidr="10.244.1.0/29"))  # .1 the bridge, .2-.6 for pods
    cluster.start()
    admin = APIClient(server, APISERVER, "kubectl/v1.33.0")
    kernel.run_for(2)
    for i in range(6):
        admin.create("pods", bare_pod(f"p{i}"), "default")

    def failed() -> list[dict]:
        return [e for e in admin.list("events", "default")[0] if e["reason"] == "FailedCreatePodSandBox"]

    assert kernel.run_until_true(lambda: bool(failed()), timeout_seconds=60)
    event = failed()[0]
    assert event["type"] == "Warning" and event["source"]["component"] == "kubelet"
    assert re.fullmatch(r'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for '
                        r'sandbox "[0-9a-f]{64}": plugin type="bridge" failed \(add\): failed to allocate for range 0: '
                        r'no IP addresses available in range set: 10\.244\.1\.1-10\.244\.1\.6', event["message"]), \
        event["message"]
    waiting = event["involvedObject"]["name"]
    assert len(cluster.node_network("tiny")["veths"]) == 5
    # CNI DEL of a deleted pod frees an address; the kubelet's retry then gets it
    victim = next(f"p{i}" for i in range(6) if f"p{i}" != waiting)
    admin.delete("pods", "default", victim)
    assert kernel.run_until_true(lambda: (admin.get("pods", "default", waiting).get("status") or {}).get("podIP"),
                                 timeout_seconds=60)
    veths = cluster.node_network("tiny")["veths"]
    assert len(veths) == 5 and f"default/{victim}" not in {v["pod"] for v in veths}
    assert len({v["ip"] for v in veths}) == 5


def test_a_host_network_pod_takes_the_nodes_address_and_no_veth(web):
    cluster, admin = web
    pod = bare_pod("on-the-host")
    pod["spec"].update(hostNetwork=True, nodeName="node-3",
                       tolerations=[{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}])
    admin.create("pods", pod, "default")
    assert cluster.kernel.run_until_true(
        lambda: (admin.get("pods", "default", "on-the-host").get("status") or {}).get("phase") == "Running",
        timeout_seconds=60)
    status = admin.get("pods", "default", "on-the-host")["status"]
    assert status["podIP"] == status["hostIP"] == cluster.node_specs["node-3"].internal_ip
    assert cluster.node_network("node-3")["veths"] == []
    with pytest.raises(SimulationError, match="hostNetwork"):
        cluster.trace("default", "on-the-host", "web")
    sender = running_pods(admin, "web")[0]["metadata"]["name"]
    assert cluster.trace("default", sender, status["podIP"])["delivered_to"]["node"] == "node-3"


def test_a_new_sandbox_gets_a_new_veth_and_the_old_one_is_deleted(web):
    """The pause container dies: the kubelet stops the sandbox (CNI DEL) and creates a new one (CNI ADD)."""
    cluster, admin = web
    pod = running_pods(admin, "web")[0]
    name, node = pod["metadata"]["name"], pod["spec"]["nodeName"]

    def veth_of_pod() -> dict | None:
        return next((v for v in cluster.node_network(node)["veths"] if v["pod"] == f"default/{name}"), None)

    before, count = veth_of_pod(), len(cluster.node_network(node)["veths"])
    cluster.inject({"type": "kill-container", "namespace": "default", "pod": name, "container": "POD"})
    assert cluster.kernel.run_until_true(lambda: (veth_of_pod() or before)["name"] != before["name"],
                                         timeout_seconds=30)
    assert cluster.kernel.run_until_true(lambda: admin.get("pods", "default", name)["status"].get("podIP") ==
                                         veth_of_pod()["ip"], timeout_seconds=30)
    veths = cluster.node_network(node)["veths"]
    assert len(veths) == count and before["name"] not in {v["name"] for v in veths}
