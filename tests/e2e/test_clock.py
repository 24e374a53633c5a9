"""One clock, as a learner sees it with the real kubectl on a cluster ``manage.py up`` runs:
every timestamp comes from the cluster's virtual clock, which never runs ahead of the wall
clock (kubectl prints ``<invalid>`` for a time in the future) — paused it stands still, at
20x it catches up with live and then runs at 1x — and a restarted server resumes the clock
where it stood, so replicated schedulers elect a leader and schedule within a lease duration.

The suite runs its own server with two minutes of head-room, so 20x reaches live quickly.
"""
from __future__ import annotations

import functools
import time

import pytest

from simulation.apimachinery.timestamps import parse_time
from tests.e2e.conftest import get_json, ok, sim_api, tmpfile, unique
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl
HEADROOM_SECONDS = 120

CRASHING_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: crash
    image: busybox:1.36
    command: ["sh", "-c", "sleep 2; exit 1"]
"""


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("clock"),
                        extra_env={"CLUSTERVIZ_HEADROOM_SECONDS": str(HEADROOM_SECONDS)}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubeconfig(clock_server):
    return clock_server.kubeconfig("demo")


@pytest.fixture(scope="module")
def kc(kubectl, kubeconfig):
    return functools.partial(kubectl, kubeconfig=kubeconfig)


@pytest.fixture(scope="module")
def sim(clock_server, kubeconfig):
    return sim_api(clock_server, kubeconfig)


def clock(sim) -> dict:
    status, state = sim("GET", "")
    assert status == 200, state
    return state["clock"]


def test_a_new_cluster_starts_behind_live_and_its_objects_carry_its_clock(kc, sim):
    behind = clock(sim)["behind_live_seconds"]
    assert HEADROOM_SECONDS - 5 <= behind <= HEADROOM_SECONDS + 30, behind
    namespaces = ok(kc("get", "namespaces"))
    assert "<invalid>" not in namespaces and " 2m" not in namespaces, "ages count on the cluster's clock"


def test_paused_two_configmaps_created_seconds_apart_carry_the_same_creation_timestamp(kc, sim):
    status, state = sim("POST", "pause")
    assert status == 200 and state["clock"]["mode"] == "paused"
    try:
        first, second = unique("first"), unique("second")
        ok(kc("create", "configmap", first, "--from-literal=k=v"))
        time.sleep(4)
        ok(kc("create", "configmap", second, "--from-literal=k=v"))
        stamps = [get_json(kc, "configmap", n)["metadata"]["creationTimestamp"] for n in (first, second)]
        assert stamps[0] == stamps[1], stamps
        assert "<invalid>" not in ok(kc("get", "configmaps", first, second))
    finally:
        sim("POST", "play")


def test_at_20x_with_a_crash_looping_pod_kubectl_never_prints_invalid(kc, sim, tmp_path):
    name = unique("crash")
    ok(kc("apply", "-f", str(tmpfile(tmp_path, "crash.yaml", CRASHING_POD.format(name=name)))))
    status, _ = sim("POST", "speed", {"speed": 20})
    assert status == 200
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            printed = ok(kc("get", "pods,events,leases", "-A"))
            assert "<invalid>" not in printed, printed
            time.sleep(1)
        state = clock(sim)
        assert state["behind_live_seconds"] < 2, "20x caught up with live, then ran at 1x"
        assert state["wall_time"] <= time.time()
        pod = get_json(kc, "pod", name)
        assert pod["status"]["containerStatuses"][0]["restartCount"] >= 2, pod["status"]
        assert "<invalid>" not in ok(kc("describe", "pod", name))
    finally:
        sim("POST", "speed", {"speed": 1})


def test_after_a_restart_two_scheduler_replicas_schedule_a_new_pod_within_45_seconds(clock_server, kc, sim):
    status, _ = sim("POST", "replicas", {"component": "scheduler", "count": 2})
    assert status == 200
    time.sleep(20)  # a leader is elected and renews its Lease

    clock_server.stop()
    clock_server.start()
    name = unique("after-restart")
    ok(kc("run", name, "--image=nginx:1.27"))
    started = time.time()
    while not get_json(kc, "pod", name)["spec"].get("nodeName"):
        assert time.time() - started < 45, "no scheduler bound the pod: no leader was elected"
        time.sleep(1)

    stamps = [lease["spec"]["renewTime"] for namespace in ("kube-system", "kube-node-lease")
              for lease in get_json(kc, "leases", "-n", namespace)["items"]]
    stamps += [condition[key] for node in get_json(kc, "nodes")["items"] for condition in node["status"]["conditions"]
               for key in ("lastHeartbeatTime", "lastTransitionTime")]
    status, state = sim("GET", "")
    wall = time.time()
    assert status == 200, state
    leaders = [c["name"] for c in state["components"] if c.get("leader") is True]
    assert any(n.startswith("kube-scheduler") for n in leaders), state["components"]
    virtual = state["clock"]["wall_time"]
    assert max(parse_time(stamp) for stamp in stamps) <= min(virtual + 0.001, wall), (stamps, virtual, wall)
    assert "<invalid>" not in ok(kc("get", "pods,events,leases,nodes", "-A"))
