"""A highly available cluster served by a process that does not host its kernel (a second web
process beside ``manage.py simworker``): its API server learns which etcd members and API
servers are stopped from what the host saved, so a write through it needs the same quorum and
its load balancer skips the same API servers."""
from __future__ import annotations

import pytest

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.topology import simulated_state
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.cluster import demo_nodes

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = UserInfo("kubernetes-admin", ("system:masters",))


def saved_stopped(cluster: Cluster, stopped: list[str]) -> None:
    """What the hosting process writes on a stop or start; the view reads it within a second."""
    Cluster.objects.filter(pk=cluster.pk).update(sim_state={**cluster.sim_state, "stopped": stopped})
    server = apiservers.get(cluster.name)
    server.etcd.stopped._read_at = float("-inf")  # noqa: SLF001 - do not wait out the second


def create(name: str) -> tuple[int, dict]:
    response = apiservers.get("ha-web").handle(APIRequest(
        "POST", "/api/v1/namespaces/default/configmaps", obj={"metadata": {"name": name}}, user=ADMIN))
    return response.code, response.body


def test_the_quorum_and_the_balancer_follow_what_the_host_saved() -> None:
    cluster = create_cluster("ha-web", sim_state={**simulated_state(demo_nodes(), ha=True), "enabled": False})
    server = apiservers.get(cluster.name)
    assert create("all-up")[0] == 201
    saved_stopped(cluster, ["etcd/kind-control-plane2"])
    assert create("one-down")[0] == 201
    statuses = {s["metadata"]["name"]: s["conditions"][0]["status"] for s in server.component_statuses()}
    assert [statuses[f"etcd-{i}"] for i in range(3)] == ["True", "False", "True"]

    saved_stopped(cluster, ["etcd/kind-control-plane2", "etcd/kind-control-plane3"])
    code, body = create("two-down")
    assert (code, body["message"]) == (500, "etcdserver: request timed out")

    saved_stopped(cluster, ["kube-apiserver/kind-control-plane"])
    assert create("back")[0] == 201
    served = {server.load_balancer.pick().name for _ in range(6)}
    assert served == {"kube-apiserver-kind-control-plane2", "kube-apiserver-kind-control-plane3"}
    server.audit_sink.flush()

