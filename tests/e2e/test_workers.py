"""Kernels hosted by ``manage.py simworker`` processes (``REDIS_URL`` set): the control API,
``kubectl get cs`` and ``kubectl exec`` reach the owning worker over Redis, the cluster runs as in one
process, and a second worker takes the cluster over once the first stops renewing its Lease.
"""
from __future__ import annotations

import functools
import socket
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import get_json, ok, sim_api, unique
from tests.support.liveserver import ROOT, LiveServer

pytestmark = pytest.mark.kubectl
REDIS = ("127.0.0.1", 6379)


def redis_running() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if not redis_running():
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    server = LiveServer(tmp_path_factory.mktemp("workers"), extra_env={"REDIS_URL": "redis://127.0.0.1:6379/3"})
    server.start()
    yield server
    server.stop()


def start_worker(server: LiveServer, log_name: str) -> subprocess.Popen:
    log = open(server.data_dir / log_name, "w")
    return subprocess.Popen([sys.executable, "manage.py", "simworker"], cwd=ROOT, env=server.env, stdout=log,
                            stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def kc(kubectl, redis_server):
    return functools.partial(kubectl, kubeconfig=redis_server.kubeconfig("demo"))


@pytest.fixture(scope="module")
def sim(redis_server):
    return sim_api(redis_server, redis_server.kubeconfig("demo"))


def wait_for(predicate, timeout: float = 40.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_a_worker_hosts_the_cluster_and_a_second_takes_over(redis_server, kc, sim, kubectl):
    status, body = sim("GET", "")
    assert status == 503 and "simworker" in body["message"], body
    assert "Unhealthy" in ok(kc("get", "cs", "scheduler"))

    first = start_worker(redis_server, "worker-1.log")
    try:
        state = wait_for(lambda: (r := sim("GET", ""))[0] == 200 and r[1])
        assert {c["name"] for c in state["components"]} >= {"kube-scheduler", "kube-controller-manager",
                                                            "kubelet/node-1"}
        assert "Healthy" in ok(kc("get", "cs", "scheduler"))
        name = unique("web")
        ok(kc("create", "deployment", name, "--image=nginx:1.27", "--replicas=2"))
        running = wait_for(lambda: [p for p in get_json(kc, "pods", "-l", f"app={name}")["items"]
                                    if p["status"].get("phase") == "Running"][1:])
        # kubectl exec reaches the worker's kubelet over Redis, exit code and all
        pod = running[0]["metadata"]["name"]
        assert ok(kc("exec", pod, "--", "hostname")) == f"{pod}\n"
        assert kc("exec", pod, "--", "sh", "-c", "exit 3")[::2] == (3, "command terminated with exit code 3\n")
        lease = get_json(kc, "lease", "-n", "kube-system", "clusterviz-kernel")
        first_holder = lease["spec"]["holderIdentity"]

        second = start_worker(redis_server, "worker-2.log")
        try:
            time.sleep(3)
            assert get_json(kc, "lease", "-n", "kube-system", "clusterviz-kernel")["spec"][
                "holderIdentity"] == first_holder, "one owner per cluster"
            stop(first)
            wait_for(lambda: get_json(kc, "lease", "-n", "kube-system", "clusterviz-kernel")["spec"][
                "holderIdentity"] != first_holder, timeout=60)
            status, body = wait_for(lambda: (r := sim("POST", "pause"))[0] == 200 and r)
            assert body["clock"]["mode"] == "paused"
            sim("POST", "play")
        finally:
            stop(second)
    finally:
        stop(first)
