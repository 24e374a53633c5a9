"""The simulated container runtime and the process/probe behaviour read from pod YAML."""
from __future__ import annotations

import pytest

from simulation.kernel import Kernel
from simulation.kubelet import behaviour
from simulation.kubelet import runtime as rt


def make(seed: int = 1, images=(("registry.k8s.io/pause:3.10", 320_368),)) -> rt.ContainerRuntime:
    return rt.ContainerRuntime(Kernel(seed=seed, strict=True), "node-1", pod_cidr="10.244.1.0/24", images=list(images))


@pytest.mark.parametrize("ref, full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("luksa/kubia", "docker.io/luksa/kubia:latest"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
    ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
], ids=["bare", "tag", "user-repo", "registry", "registry-port", "digest"])
def test_normalize_image(ref, full):
    assert rt.normalize_image(ref) == full


def test_images_present_with_sizes_and_names():
    runtime = make()
    [pause] = runtime.images()
    assert pause["size"] == 320_368
    assert "registry.k8s.io/pause:3.10" in pause["names"]
    assert pause["names"][0].startswith("registry.k8s.io/pause@sha256:")
    assert runtime.has_image("registry.k8s.io/pause:3.10") and not runtime.has_image("nginx:1.27")


def test_pull_takes_time_from_size_and_pulls_are_serialized():
    runtime = make()
    first = runtime.request_pull("nginx:1.27")
    assert first.size_bytes == 72_099_501
    assert 2.0 <= first.pull_seconds <= 5.0 and first.total_seconds == first.pull_seconds
    second = runtime.request_pull("redis:7")
    assert second.started_at == first.done_at
    assert second.total_seconds > second.pull_seconds
    same = runtime.request_pull("nginx:1.27")
    assert same.done_at == first.done_at
    runtime.complete_pull(first)
    assert runtime.has_image("nginx:1.27")
    assert runtime.pull_duration_seconds("nginx:1.27") == rt.PULL_OVERHEAD_SECONDS  # layers present: only resolve
    assert [i["ref"] for i in runtime.images()][0] == "nginx:1.27"  # largest first


def test_sandbox_holds_the_ip_and_app_containers_join_it():
    runtime = make()
    sandbox = runtime.run_pod_sandbox("uid-1", "web", "default")
    assert sandbox.ip == "10.244.1.2" and sandbox.pause.state == rt.RUNNING
    assert sandbox.pause.image == "registry.k8s.io/pause:3.10"
    web = runtime.create_container(sandbox.id, "web", "nginx:1.27", 0)
    assert web.state == rt.CREATED
    runtime.start_container(web.id)
    rows = runtime.containers()
    assert [(r["name"], r["pause"], r["state"], r["ip"], r["pod"]) for r in rows] == [
        ("web", False, "Running", "10.244.1.2", "web"), ("POD", True, "Running", "10.244.1.2", "web")]
    assert {r["pod_id"] for r in rows} == {sandbox.id}
    assert runtime.run_pod_sandbox("uid-2", "db", "default").ip == "10.244.1.3"


def test_ips_are_released_and_handed_out_round_robin():
    runtime = make()
    a = runtime.run_pod_sandbox("a", "a", "default")
    runtime.remove_pod_sandbox(a.id)
    assert runtime.run_pod_sandbox("b", "b", "default").ip == "10.244.1.3"


def test_kill_pause_makes_the_sandbox_not_ready_and_tells_the_pleg():
    runtime = make()
    seen = []
    runtime.on_change = seen.append
    sandbox = runtime.run_pod_sandbox("uid-1", "web", "default")
    web = runtime.start_container(runtime.create_container(sandbox.id, "web", "nginx:1.27", 0).id)
    runtime.kill(sandbox.pause.id)
    assert sandbox.state == rt.SANDBOX_NOTREADY
    assert sandbox.pause.state == rt.EXITED and sandbox.pause.exit_code == 137
    assert web.state == rt.RUNNING  # until the kubelet stops it
    assert seen == [sandbox.pause]


def test_finite_container_exits_by_itself():
    runtime = make()
    sandbox = runtime.run_pod_sandbox("uid-1", "job", "default")
    c = runtime.start_container(runtime.create_container(sandbox.id, "main", "busybox", 0, run_seconds=3.0,
                                                         exit_code=1).id)
    runtime.kernel.run_for(2.9)
    assert runtime.get(c.id).state == rt.RUNNING
    runtime.kernel.run_for(0.2)
    c = runtime.get(c.id)
    assert (c.state, c.exit_code, c.reason, c.finished_at) == (rt.EXITED, 1, "Error", 3.0)


def test_garbage_collection_keeps_one_dead_container_per_name():
    runtime = make()
    sandbox = runtime.run_pod_sandbox("uid-1", "web", "default")
    for attempt in range(3):
        c = runtime.start_container(runtime.create_container(sandbox.id, "web", "nginx", attempt).id)
        if attempt < 2:
            runtime.kill(c.id)
    assert [c.attempt for c in runtime.containers_of("uid-1")] == [1, 2]


def test_same_seed_same_ids():
    def ids(seed):
        runtime = make(seed)
        s = runtime.run_pod_sandbox("u", "p", "default")
        return [s.id, runtime.create_container(s.id, "web", "nginx", 0).id]
    assert ids(5) == ids(5) and ids(5) != ids(6)


@pytest.mark.parametrize("container, init, expected", [
    ({"command": ["nginx", "-g", "daemon off;"]}, False, (None, 0)),
    ({}, False, (None, 0)),
    ({}, True, (1.0, 0)),
    ({"command": ["sh", "-c", "echo hi; sleep 5; exit 3"]}, False, (6.0, 3)),
    ({"command": ["sleep", "3600"]}, False, (3601.0, 0)),
    ({"command": ["sh", "-c"], "args": ["while true; do echo hi; sleep 1; done"]}, False, (None, 0)),
    ({"command": ["sh", "-c", "false"]}, False, (1.0, 1)),
    ({"command": ["sleep", "infinity"]}, False, (None, 0)),
], ids=["server", "image-default", "init-default", "script-exit", "sleep", "loop", "false", "sleep-infinity"])
def test_process_lifetime(container, init, expected):
    assert behaviour.process_lifetime(container, init=init) == expected


@pytest.mark.parametrize("probe, annotations, failure", [
    ({"httpGet": {"path": "/healthz", "port": 80}}, {}, None),
    ({"httpGet": {"path": "/fail", "port": 80}}, {}, "HTTP probe failed with statuscode: 500"),
    ({"exec": {"command": ["cat", "/tmp/fail"]}}, {}, "cat: can't open '/tmp/fail': No such file or directory"),
    ({"tcpSocket": {"port": 80}}, {"clusterviz.io/fail-liveness": "web"},
     "dial tcp 10.244.1.2:80: connect: connection refused"),
    ({"tcpSocket": {"port": 80}}, {"clusterviz.io/fail-liveness": "other"}, None),
], ids=["ok", "http-fail", "exec-fail", "annotation", "annotation-other-container"])
def test_liveness_probe_failure(probe, annotations, failure):
    pod = {"metadata": {"annotations": annotations}}
    assert behaviour.probe_failure(pod, {"name": "web", "livenessProbe": probe}, "liveness", "10.244.1.2") == failure
