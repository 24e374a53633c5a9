"""A cluster created with ``manage.py createcluster --ha``, seen with the real kubectl: three
control-plane nodes, ``kubectl get cs`` listing three etcd members; one member stopped and
writes go on, two stopped and kubectl prints etcd's error, one back and writes work again; an
API server stopped and a ``kubectl get -w`` keeps streaming while informers carry on.

The suite runs its own server: stopping etcd members disturbs no other suite.
"""
from __future__ import annotations

import functools
import json
import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import get_json, kubectl_popen, ok, rows, sim_api, wait_for
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

CLUSTER = "ha"
CONTROL_PLANE = ("kind-control-plane", "kind-control-plane2", "kind-control-plane3")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("ha")).start()
    created = server.manage("createcluster", CLUSTER, "--ha")
    assert all(node in created.stdout for node in CONTROL_PLANE), created.stdout
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubeconfig(server) -> Path:
    return server.kubeconfig(CLUSTER)


@pytest.fixture(scope="module")
def sim(server, kubeconfig):
    return sim_api(server, kubeconfig, CLUSTER)


@pytest.fixture(scope="module")
def kc(kubectl, kubeconfig):
    run = functools.partial(kubectl, kubeconfig=kubeconfig)
    wait_for(lambda: len(control_plane_pods(run)) == 12 and all(ready(p) for p in control_plane_pods(run)),
             timeout=180, every=1)
    return run


def control_plane_pods(kc) -> list[dict]:
    return get_json(kc, "pods", "-n", "kube-system", "-l", "tier=control-plane")["items"]


def ready(pod: dict) -> bool:
    return any(c.get("ready") for c in (pod.get("status") or {}).get("containerStatuses") or [])


def cs(kc) -> dict[str, list[str]]:
    return rows(ok(kc("get", "componentstatuses")))[1]


def leader(server) -> str:
    state = json.loads(server.manage("sim", "state", "--cluster", CLUSTER, "-o", "json").stdout)
    return state["ha"]["etcd"]["leader"]


def test_three_control_plane_nodes_and_three_etcd_members(kc) -> None:
    nodes = rows(ok(kc("get", "nodes")))[1]
    for node in CONTROL_PLANE:
        assert nodes[node][1:3] == ["Ready", "control-plane"], nodes
    names = {p["metadata"]["name"] for p in control_plane_pods(kc)}
    assert names == {f"{c}-{n}" for c in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
                     for n in CONTROL_PLANE}
    table = cs(kc)
    assert [table[f"etcd-{i}"][1:] for i in range(3)] == [["Healthy", "ok"]] * 3
    endpoints = rows(ok(kc("get", "endpoints", "kubernetes")))[1]["kubernetes"]
    assert re.fullmatch(r"172\.18\.0\.2:(\d+),172\.18\.0\.252:\1,172\.18\.0\.253:\1", endpoints[1]), endpoints


def test_quorum_one_down_writes_two_down_errors_one_back_writes(server, kc, sim) -> None:
    first = leader(server)
    code, _ = sim("POST", f"components/etcd/{first}/stop")
    assert code == 200
    ok(kc("create", "configmap", "one-down", "--from-literal=a=1"))
    table = cs(kc)
    down = f"etcd-{CONTROL_PLANE.index(first)}"
    assert table[down][1:] == ["Unhealthy", "error getting data from etcd: context deadline exceeded"], table

    second = leader(server)
    assert second not in (None, first)
    code, _ = sim("POST", f"components/etcd/{second}/stop")
    assert code == 200
    try:
        rc, out, err = kc("create", "configmap", "two-down", "--from-literal=a=1")
        assert rc == 1 and err.strip() == "error: failed to create configmap: etcdserver: request timed out", err
        rc, out, err = kc("get", "configmaps")
        assert rc == 1 and err.strip() == "Error from server: etcdserver: request timed out", err
        # kubectl get cs does not need etcd: it says which members are down
        table = cs(kc)
        assert sum(1 for i in range(3) if table[f"etcd-{i}"][1] == "Unhealthy") == 3  # no leader: no quorum read
    finally:
        sim("POST", f"components/etcd/{second}/start")
        sim("POST", f"components/etcd/{first}/start")
    wait_for(lambda: kc("create", "configmap", "back", "--from-literal=a=1")[0] == 0, timeout=120, every=1)
    wait_for(lambda: all(cs(kc)[f"etcd-{i}"][1] == "Healthy" for i in range(3)), timeout=120, every=1)


def test_losing_an_api_server_keeps_kubectl_and_watches_going(server, kc, kubeconfig, kubectl, sim) -> None:
    watch = kubectl_popen(kubectl, "get", "pods", "-w", "--output-watch-events", kubeconfig=kubeconfig)
    try:
        code, answer = sim("POST", "components/kube-apiserver/kind-control-plane/stop")
        assert code == 200, answer
        ok(kc("create", "deployment", "after-api", "--image=nginx:1.27", "--replicas=2"))
        wait_for(lambda: get_json(kc, "deployment", "after-api").get("status", {}).get("readyReplicas") == 2,
                 timeout=120, every=1)
        endpoints = get_json(kc, "endpoints", "kubernetes")
        assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["172.18.0.252", "172.18.0.253"]
        code, answer = sim("POST", "components/kube-apiserver/kind-control-plane2/stop")
        assert code == 200, answer
        code, answer = sim("POST", "components/kube-apiserver/kind-control-plane3/stop")
        assert code == 400 and "last API server running" in json.dumps(answer), answer
    finally:
        sim("POST", "components/kube-apiserver/kind-control-plane/start")
        sim("POST", "components/kube-apiserver/kind-control-plane2/start")
    # the watch kubectl opened before the stops streamed the new pods (it re-watched if its server went)
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline and sum("after-api" in line for line in seen) < 2:
        line = watch.stdout.readline()
        if not line:
            break
        seen.append(line)
    watch.terminate()
    assert sum("after-api" in line for line in seen) >= 2, seen
