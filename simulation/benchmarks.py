"""Headless benchmarks of the control plane (``manage.py bench scheduler|deploy``): the
in-memory store, the full API server pipeline and the real components, driven by a strict
kernel as fast as it goes. Wall-clock time is read here only, to report throughput.
"""
from __future__ import annotations

import time

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.cluster import SimCluster
from simulation.kernel import Kernel
from simulation.kubelet.node_spec import NodeSpec
from simulation.store.memory import MemoryStore

#: kube-scheduler's scheduler_perf threshold for SchedulingBasic 5000Nodes_10000Pods (pods/s).
UPSTREAM_SCHEDULING_THRESHOLD = 680
#: KWOK's CI bound for 10,000 pods to be Running (seconds).
KWOK_BOUND_SECONDS = 120


def _cluster(seed: int) -> tuple[SimCluster, APIClient]:
    kernel = Kernel(seed=seed, strict=True)
    server = new_apiserver(MemoryStore(compaction_window=1_000_000), token_lookup=lambda t: None,
                           clock=kernel.wall_time, seed=seed)
    bootstrap(server)
    return SimCluster(server, mode="headless", kernel=kernel), APIClient(server, APISERVER, "bench")


def _node(i: int) -> dict:
    name = f"node-{i}"
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                                  "topology.kubernetes.io/zone": f"zone-{i % 3}"}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}}


def _pod(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod-{i}", "namespace": "default",
                                                             "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                     "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}}


def scheduler(nodes: int, pods: int, seed: int = 1) -> dict:
    """SchedulingBasic: ``nodes`` ready nodes, then ``pods`` plain pods; time until all are bound."""
    cluster, admin = _cluster(seed)
    for i in range(nodes):
        admin.create("nodes", _node(i))
    scheduler_ = cluster.add_scheduler()
    cluster.start()
    cluster.kernel.run_for(1.0)
    for i in range(pods):
        admin.create("pods", _pod(i), "default")
    started, cpu_started = time.perf_counter(), time.process_time()
    bound = lambda: scheduler_.status().get("scheduled", 0) >= pods
    while not bound():
        if cluster.kernel.run_for(1.0) == 0 and not bound():
            break
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    scheduled = scheduler_.status().get("scheduled", 0)
    return {"nodes": nodes, "pods": pods, "scheduled": scheduled, "seconds": elapsed, "cpu_seconds": cpu,
            "pods_per_second": scheduled / elapsed if elapsed else 0.0,
            "upstream_threshold": UPSTREAM_SCHEDULING_THRESHOLD}


def deploy(nodes: int, replicas: int, seed: int = 1) -> dict:
    """Seconds until a ``replicas``-pod Deployment on ``nodes`` kubelets is all Running."""
    cluster, admin = _cluster(seed)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    for i in range(nodes):
        cluster.add_node(NodeSpec(name=f"node-{i}", cpu="32", memory="256Gi", pods=110,
                                  pod_cidr=f"10.{64 + i // 256}.{i % 256}.0/24",
                                  images=["registry.k8s.io/pause:3.10", "nginx:1.27"]))
    cluster.start()
    cluster.kernel.run_for(1.0)
    started, cpu_started = time.perf_counter(), time.process_time()
    virtual_start = cluster.kernel.now_seconds
    admin.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "bench"}},
                 "template": {"metadata": {"labels": {"app": "bench"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                       "resources": {"requests": {"cpu": "10m"}}}]}}}},
        "default")

    def running() -> int:
        deployment = admin.get("deployments", "default", "bench")
        return (deployment.get("status") or {}).get("readyReplicas", 0)

    while running() < replicas:
        if cluster.kernel.run_for(5.0) == 0 and running() < replicas:
            break
    return {"nodes": nodes, "replicas": replicas, "running": running(),
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
            "virtual_seconds": cluster.kernel.now_seconds - virtual_start,
            "kwok_bound_seconds": KWOK_BOUND_SECONDS}
