"""The kubelet, headless: a real API server pipeline, a kernel, kubelets, and an admin client
that creates pods already bound to a node (no scheduler)."""
from __future__ import annotations

import pytest

from simulation.client.apiclient import APIError
from simulation.kubelet import NodeSpec
from tests.simulation.kubelet.harness import Cluster


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster(seed=7)
    c.add_node(NodeSpec.numbered(1, cpu="4", memory="8Gi", zone="zone-a", extra_labels={"disk": "ssd"},
                                 taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]))
    c.kernel.run_for(1)
    return c


def running(c: Cluster, name: str, namespace: str = "default"):
    return lambda: c.phase(name, namespace) == "Running" and all(
        s["ready"] for s in c.pod(name, namespace)["status"].get("containerStatuses") or [{"ready": False}])


def container_status(c: Cluster, pod: str, name: str = "web") -> dict:
    return next(s for s in c.pod(pod)["status"]["containerStatuses"] if s["name"] == name)


def reasons(c: Cluster, pod: str) -> list[str]:
    return [e["reason"] for e in c.events(pod)]


# --------------------------------------------------------------------------- the node
def test_node_registered_with_capacity_labels_conditions_and_images(cluster: Cluster):
    node = cluster.admin.get("nodes", "", "node-1")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-1"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["topology.kubernetes.io/zone"] == "zone-a"
    assert labels["disk"] == "ssd"
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    status = node["status"]
    assert status["capacity"]["cpu"] == "4" and status["capacity"]["memory"] == "8Gi"
    assert status["capacity"]["pods"] == "110"
    assert status["allocatable"]["memory"] == "8092Mi"  # less the 100Mi hard eviction threshold
    assert {"type": "InternalIP", "address": "172.18.0.3"} in status["addresses"]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == ("True", "KubeletReady",
                                                                     "kubelet is posting ready status")
    assert {c["type"] for c in status["conditions"]} == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    assert any("registry.k8s.io/pause:3.10" in i["names"] and i["sizeBytes"] > 0 for i in status["images"])
    assert status["nodeInfo"]["kubeletVersion"] == "v1.33.1"
    node_events = {e["reason"] for e in cluster.events("node-1")}
    assert {"Starting", "NodeReady", "NodeHasSufficientMemory"} <= node_events


def test_heartbeat_renews_the_node_lease_every_10_seconds(cluster: Cluster):
    first = cluster.admin.get("leases", "kube-node-lease", "node-1")
    assert first["spec"]["holderIdentity"] == "node-1" and first["spec"]["leaseDurationSeconds"] == 40
    cluster.kernel.run_for(10)
    second = cluster.admin.get("leases", "kube-node-lease", "node-1")
    assert second["spec"]["renewTime"] > first["spec"]["renewTime"]


def test_node_failure_stops_heartbeats_but_keeps_the_node(cluster: Cluster):
    kubelet = cluster.kubelets["node-1"]
    kubelet.fail()
    before = cluster.admin.get("leases", "kube-node-lease", "node-1")["spec"]["renewTime"]
    cluster.kernel.run_for(60)
    assert cluster.admin.get("leases", "kube-node-lease", "node-1")["spec"]["renewTime"] == before
    assert cluster.admin.get("nodes", "", "node-1")
    assert kubelet.status()["failed"] is True
    kubelet.start()
    cluster.kernel.run_for(11)
    assert cluster.admin.get("leases", "kube-node-lease", "node-1")["spec"]["renewTime"] > before


def test_existing_node_is_updated_not_recreated():
    c = Cluster()
    c.admin.create("nodes", {"metadata": {"name": "node-1", "labels": {"keep": "me"}}})
    uid = c.admin.get("nodes", "", "node-1")["metadata"]["uid"]
    c.add_node(NodeSpec.numbered(1))
    c.kernel.run_for(1)
    node = c.admin.get("nodes", "", "node-1")
    assert node["metadata"]["uid"] == uid
    assert node["metadata"]["labels"]["keep"] == "me" and node["metadata"]["labels"]["kubernetes.io/hostname"]
    assert node["status"]["capacity"]["pods"] == "110"


# --------------------------------------------------------------------------- running a pod
def test_pod_goes_pending_to_running_with_events_in_order(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    cluster.kernel.run_for(0.2)
    assert cluster.phase("web") == "Pending"
    waiting = container_status(cluster, "web")["state"]["waiting"]
    assert waiting["reason"] == "ContainerCreating"
    assert cluster.run_until(running(cluster, "web"), 30)
    events = cluster.events("web")
    assert [e["reason"] for e in events] == ["Pulling", "Pulled", "Created", "Started"]
    assert all(e["source"] == {"component": "kubelet", "host": "node-1"} for e in events)
    assert events[0]["message"] == 'Pulling image "nginx:1.27"'
    assert events[1]["message"].startswith('Successfully pulled image "nginx:1.27" in 2.903s (2.903s including '
                                           'waiting). Image size: 72099501 bytes.')
    assert events[2]["message"] == "Created container: web"
    assert events[3]["message"] == "Started container web"
    assert events[0]["involvedObject"]["fieldPath"] == "spec.containers{web}"
    status = cluster.pod("web")["status"]
    assert status["podIP"].startswith("10.244.1.") and status["hostIP"] == "172.18.0.3"
    assert status["podIPs"] == [{"ip": status["podIP"]}] and status["startTime"]
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions == {"PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True",
                          "ContainersReady": "True", "PodScheduled": "True"}
    web = container_status(cluster, "web")
    assert "running" in web["state"] and web["restartCount"] == 0 and web["containerID"].startswith("containerd://")
    node = cluster.admin.get("nodes", "", "node-1")
    cluster.kernel.run_for(2)
    node = cluster.admin.get("nodes", "", "node-1")
    assert any("docker.io/library/nginx:1.27" in i["names"] for i in node["status"]["images"])


def test_present_image_is_not_pulled(cluster: Cluster):
    cluster.create_pod("first", "node-1")
    assert cluster.run_until(running(cluster, "first"), 30)
    cluster.create_pod("second", "node-1")
    assert cluster.run_until(running(cluster, "second"), 30)
    assert reasons(cluster, "second") == ["Pulled", "Created", "Started"]
    assert cluster.events("second")[0]["message"] == 'Container image "nginx:1.27" already present on machine'


def test_pull_policy_always_pulls_a_present_image(cluster: Cluster):
    cluster.create_pod("web", "node-1", [{"name": "web", "image": "registry.k8s.io/pause:3.10",
                                          "imagePullPolicy": "Always"}])
    assert cluster.run_until(running(cluster, "web"), 30)
    assert reasons(cluster, "web") == ["Pulling", "Pulled", "Created", "Started"]


def test_runtime_shows_pause_and_app_containers(cluster: Cluster):
    cluster.create_pod("web", "node-1", [{"name": "web", "image": "nginx:1.27"},
                                         {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "3600"]}])
    assert cluster.run_until(running(cluster, "web"), 30)
    rows = [r for r in cluster.kubelets["node-1"].runtime.containers() if r["pod"] == "web"]
    assert sorted((r["name"], r["pause"], r["state"]) for r in rows) == [
        ("POD", True, "Running"), ("sidecar", False, "Running"), ("web", False, "Running")]
    assert len({r["pod_id"] for r in rows}) == 1 and len({r["ip"] for r in rows}) == 1


def test_init_containers_run_to_completion_in_order_first(cluster: Cluster):
    cluster.create_pod("web", "node-1", initContainers=[
        {"name": "init-a", "image": "busybox:1.36", "command": ["sh", "-c", "echo a; sleep 2"]},
        {"name": "init-b", "image": "busybox:1.36"}])
    cluster.kernel.run_for(3)
    pod = cluster.pod("web")
    assert pod["status"]["phase"] == "Pending"
    assert container_status(cluster, "web")["state"]["waiting"]["reason"] == "PodInitializing"
    assert cluster.run_until(running(cluster, "web"), 60)
    started = [e["involvedObject"]["fieldPath"] for e in cluster.events("web") if e["reason"] == "Started"]
    assert started == ["spec.initContainers{init-a}", "spec.initContainers{init-b}", "spec.containers{web}"]
    init = cluster.pod("web")["status"]["initContainerStatuses"]
    assert [s["state"]["terminated"]["reason"] for s in init] == ["Completed", "Completed"]


def test_node_selector_mismatch_is_rejected(cluster: Cluster):
    cluster.create_pod("picky", "node-1", nodeSelector={"disk": "hdd"})
    assert cluster.run_until(lambda: cluster.phase("picky") == "Failed", 5)
    status = cluster.pod("picky")["status"]
    assert status["reason"] == "NodeAffinity" and status["message"] == "Pod was rejected: Predicate NodeAffinity failed"
    assert not [r for r in cluster.kubelets["node-1"].runtime.containers() if r["pod"] == "picky"]


# --------------------------------------------------------------------------- faults and restarts
def test_killing_pause_recreates_all_containers(cluster: Cluster):
    cluster.create_pod("web", "node-1", [{"name": "web", "image": "nginx:1.27"},
                                         {"name": "log", "image": "busybox:1.36", "command": ["tail", "-f", "/x"]}])
    assert cluster.run_until(running(cluster, "web"), 30)
    kubelet = cluster.kubelets["node-1"]
    old_ids = {r["id"] for r in kubelet.runtime.containers() if r["pod"] == "web"}
    killed = kubelet.kill_container("default", "web", "POD")
    assert killed["pause"] is True
    assert cluster.run_until(lambda: all(s["restartCount"] == 1 and s["ready"]
                                         for s in cluster.pod("web")["status"]["containerStatuses"]), 30)
    assert "SandboxChanged" in reasons(cluster, "web")
    changed = next(e for e in cluster.events("web") if e["reason"] == "SandboxChanged")
    assert changed["message"] == "Pod sandbox changed, it will be killed and re-created."
    running_now = [r for r in kubelet.runtime.containers() if r["pod"] == "web" and r["state"] == "Running"]
    assert sorted(r["name"] for r in running_now) == ["POD", "log", "web"]
    assert not old_ids & {r["id"] for r in running_now}
    assert {r["attempt"] for r in running_now} == {1}
    web = container_status(cluster, "web")
    assert web["lastState"]["terminated"]["containerID"].removeprefix("containerd://") in old_ids


def test_pause_kill_is_noticed_at_the_next_pleg_relist(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    assert cluster.run_until(running(cluster, "web"), 30)
    cluster.kubelets["node-1"].kill_container("default", "web", "pause")
    killed_at = cluster.kernel.now_seconds
    cluster.run_until(lambda: "SandboxChanged" in reasons(cluster, "web"), 10)
    relist = next(s for s in cluster.kernel.history if "PLEG" in s.caption and s.time_seconds >= killed_at)
    assert relist.time_seconds - killed_at <= 1.0


def test_killed_app_container_restarts_then_backs_off(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    assert cluster.run_until(running(cluster, "web"), 30)
    kubelet = cluster.kubelets["node-1"]
    kubelet.kill_container("default", "web", "web")
    assert cluster.run_until(lambda: container_status(cluster, "web")["restartCount"] == 1 and
                             "running" in container_status(cluster, "web")["state"], 5)
    last = container_status(cluster, "web")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "Error")
    kubelet.kill_container("default", "web", "web")
    assert cluster.run_until(lambda: "waiting" in container_status(cluster, "web")["state"], 3)
    waiting = container_status(cluster, "web")["state"]["waiting"]
    assert waiting["reason"] == "CrashLoopBackOff"
    assert waiting["message"].startswith("back-off 10s restarting failed container=web pod=web_default(")
    backoff = next(e for e in cluster.events("web") if e["reason"] == "BackOff")
    assert backoff["type"] == "Warning"
    assert backoff["message"].startswith("Back-off restarting failed container web in pod web_default(")
    assert cluster.phase("web") == "Running"
    cluster.kernel.run_for(8)
    assert container_status(cluster, "web")["restartCount"] == 1
    assert cluster.run_until(lambda: container_status(cluster, "web")["restartCount"] == 2, 5)


def restart_times(c: Cluster) -> list[float]:
    return [s.time_seconds for s in c.kernel.history if s.caption.startswith("kubelet on node-1 starts container web")]


def test_failing_liveness_probe_restarts_with_growing_backoff(cluster: Cluster):
    cluster.create_pod("sick", "node-1", [{"name": "web", "image": "nginx:1.27", "livenessProbe": {
        "httpGet": {"path": "/fail", "port": 80}, "periodSeconds": 2, "failureThreshold": 1}}])
    cluster.kernel.run_for(150)
    starts = [s.time_seconds for s in cluster.kernel.history if s.caption.startswith("kubelet on node-1 starts "
                                                                                     "container web of default/sick")]
    kills = [s.time_seconds for s in cluster.kernel.history if "failed 1 times in a row" in s.caption]
    assert len(starts) >= 5
    gaps = [round(start - kill) for kill, start in zip(kills, starts[1:])]
    assert gaps[:4] == [0, 10, 20, 40]
    unhealthy = next(e for e in cluster.events("sick") if e["reason"] == "Unhealthy")
    assert unhealthy["message"] == "Liveness probe failed: HTTP probe failed with statuscode: 500"
    killing = next(e for e in cluster.events("sick") if e["reason"] == "Killing")
    assert killing["message"] == "Container web failed liveness probe, will be restarted"
    assert container_status(cluster, "sick")["restartCount"] >= 4


def test_liveness_failure_by_annotation(cluster: Cluster):
    cluster.create_pod("sick", "node-1", [{"name": "web", "image": "nginx:1.27", "livenessProbe": {
        "tcpSocket": {"port": 80}, "initialDelaySeconds": 5}}], annotations={"clusterviz.io/fail-liveness": "web"})
    cluster.kernel.run_for(40)
    assert "Killing" in reasons(cluster, "sick")
    assert container_status(cluster, "sick")["restartCount"] == 1


def test_readiness_probe_makes_the_pod_ready_after_its_initial_delay(cluster: Cluster):
    cluster.create_pod("slow", "node-1", [{"name": "web", "image": "nginx:1.27", "readinessProbe": {
        "httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 10}}])
    assert cluster.run_until(lambda: cluster.phase("slow") == "Running", 30)
    started = container_status(cluster, "slow")["state"]["running"]["startedAt"]
    assert container_status(cluster, "slow")["ready"] is False
    ready = next(c for c in cluster.pod("slow")["status"]["conditions"] if c["type"] == "Ready")
    assert ready["reason"] == "ContainersNotReady" and ready["message"] == "containers with unready status: [web]"
    assert cluster.run_until(lambda: container_status(cluster, "slow")["ready"], 15)
    ready = next(c for c in cluster.pod("slow")["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True" and ready["lastTransitionTime"] > started


def test_crashing_script_goes_into_crash_loop(cluster: Cluster):
    cluster.create_pod("crash", "node-1", [{"name": "web", "image": "busybox:1.36",
                                            "command": ["sh", "-c", "echo boom; exit 3"]}])
    cluster.kernel.run_for(30)
    web = container_status(cluster, "crash")
    assert web["restartCount"] >= 2
    assert web["lastState"]["terminated"]["exitCode"] == 3
    assert "BackOff" in reasons(cluster, "crash")


def test_run_to_completion_pod_succeeds(cluster: Cluster):
    cluster.create_pod("job", "node-1", [{"name": "main", "image": "busybox:1.36",
                                          "command": ["sh", "-c", "echo done"]}], restartPolicy="Never")
    assert cluster.run_until(lambda: cluster.phase("job") == "Succeeded", 30)
    main = container_status(cluster, "job", "main")
    assert main["state"]["terminated"]["reason"] == "Completed" and main["restartCount"] == 0


def test_a_finished_pod_is_left_alone(cluster: Cluster):
    """Once Succeeded, the kubelet has nothing new to say: no status PATCH after PATCH to the API
    server (each one a request on the diagram) for every completed Job pod."""
    cluster.create_pod("job", "node-1", [{"name": "main", "image": "busybox:1.36",
                                          "command": ["sh", "-c", "echo done"]}], restartPolicy="Never")
    assert cluster.run_until(lambda: cluster.phase("job") == "Succeeded", 30)
    cluster.kernel.run_for(2)
    requests = []
    cluster.server.audit_sink = requests.append
    cluster.kernel.run_for(10)
    assert [(r.verb, r.subresource) for r in requests if r.resource == "pods" and r.name == "job"] == []


def test_kill_container_of_unknown_pod_is_an_error(cluster: Cluster):
    with pytest.raises(LookupError):
        cluster.kubelets["node-1"].kill_container("default", "nope", "web")


# --------------------------------------------------------------------------- deletion
def test_graceful_deletion_stops_containers_and_removes_the_pod(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    assert cluster.run_until(running(cluster, "web"), 30)
    uid = cluster.pod("web")["metadata"]["uid"]
    cluster.admin.delete("pods", "default", "web")
    assert cluster.pod("web")["metadata"]["deletionTimestamp"]
    assert cluster.run_until(lambda: not cluster.admin.list("pods", "default")[0], 10)
    killing = next(e for e in cluster.events("web") if e["reason"] == "Killing")
    assert killing["message"] == "Stopping container web"
    assert not [r for r in cluster.kubelets["node-1"].runtime.containers() if r["pod_uid"] == uid]
    assert not cluster.kubelets["node-1"].workers


def test_force_deleted_pod_is_cleaned_up(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    assert cluster.run_until(running(cluster, "web"), 30)
    cluster.admin.delete("pods", "default", "web", grace_period_seconds=0)
    cluster.kernel.run_for(1)
    assert all(r["pod"] != "web" for r in cluster.kubelets["node-1"].runtime.containers())
    assert not cluster.kubelets["node-1"].workers


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_container_ids_and_ips():
    def run() -> list[tuple]:
        c = Cluster(seed=42)
        c.add_node(NodeSpec.numbered(2))
        c.kernel.run_for(1)
        for name in ("a", "b"):
            c.create_pod(name, "node-2")
        c.kernel.run_for(20)
        c.kubelets["node-2"].kill_container("default", "a", "POD")
        c.kernel.run_for(20)
        return [(r["id"], r["name"], r["pod"], r["ip"], r["attempt"]) for r in c.kubelets["node-2"].runtime.containers()]

    first, second = run(), run()
    assert first == second and len(first) >= 6
    assert {r[3] for r in first} >= {"10.244.2.2", "10.244.2.3"}


def test_kubelet_cannot_touch_other_nodes(cluster: Cluster):
    """The kubelet's client is system:node:<node>; what it may do is RBAC's system:node role."""
    with pytest.raises(APIError):
        cluster.kubelets["node-1"].client.create("namespaces", {"metadata": {"name": "nope"}})


# --------------------------------------------------------------------------- restarts of the kubelet, spec changes
def test_restarted_kubelet_adopts_running_containers(cluster: Cluster):
    cluster.create_pod("web", "node-1", [{"name": "web", "image": "nginx:1.27", "readinessProbe": {
        "httpGet": {"path": "/", "port": 80}}}])
    assert cluster.run_until(running(cluster, "web"), 30)
    kubelet = cluster.kubelets["node-1"]
    ids = sorted(r["id"] for r in kubelet.runtime.containers())
    kubelet.stop()
    cluster.kernel.run_for(5)
    kubelet.start()
    cluster.kernel.run_for(5)
    assert sorted(r["id"] for r in kubelet.runtime.containers()) == ids
    assert container_status(cluster, "web")["restartCount"] == 0 and container_status(cluster, "web")["ready"]
    assert reasons(cluster, "web").count("Started") == 1


def test_changed_image_restarts_the_container(cluster: Cluster):
    cluster.create_pod("web", "node-1")
    assert cluster.run_until(running(cluster, "web"), 30)
    pod = cluster.pod("web")
    pod["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.admin.update("pods", pod)
    assert cluster.run_until(lambda: container_status(cluster, "web")["image"] == "nginx:1.28" and
                             "running" in container_status(cluster, "web")["state"] and
                             container_status(cluster, "web")["restartCount"] == 1, 30)
    messages = [e["message"] for e in cluster.events("web")]
    assert "Container web definition changed, will be restarted" in messages
    assert 'Pulling image "nginx:1.28"' in messages


def test_finished_pod_releases_its_sandbox(cluster: Cluster):
    cluster.create_pod("job", "node-1", [{"name": "main", "image": "busybox:1.36",
                                          "command": ["sh", "-c", "sleep 2"]}], restartPolicy="Never")
    assert cluster.run_until(lambda: cluster.phase("job") == "Succeeded", 30)
    cluster.kernel.run_for(1)
    [sandbox] = cluster.kubelets["node-1"].runtime.pods()
    assert sandbox["state"] == "NotReady"
    ready = {c["type"]: c["status"] for c in cluster.pod("job")["status"]["conditions"]}
    assert ready["PodReadyToStartContainers"] == "False" and ready["Ready"] == "False"


def test_missing_image_goes_err_image_pull_then_image_pull_backoff(cluster: Cluster):
    cluster.create_pod("typo", "node-1", [{"name": "web", "image": "nginx:doesnotexist"}])
    cluster.kernel.run_for(2)
    waiting = container_status(cluster, "typo")["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert waiting["message"].startswith('Back-off pulling image "nginx:doesnotexist": ErrImagePull: rpc error: '
                                         'code = NotFound')
    messages = [(e["type"], e["reason"], e["message"]) for e in cluster.events("typo")]
    assert messages[0] == ("Normal", "Pulling", 'Pulling image "nginx:doesnotexist"')
    assert messages[1][:2] == ("Warning", "Failed") and messages[1][2].startswith(
        'Failed to pull image "nginx:doesnotexist": rpc error: code = NotFound desc = failed to pull and unpack image '
        '"docker.io/library/nginx:doesnotexist"')
    assert messages[2:] == [("Warning", "Failed", "Error: ErrImagePull"),
                            ("Normal", "BackOff", 'Back-off pulling image "nginx:doesnotexist"'),
                            ("Warning", "Failed", "Error: ImagePullBackOff")]
    cluster.kernel.run_for(60)
    pulls = [s.time_seconds for s in cluster.kernel.history if s.caption.startswith("kubelet on node-1 pulls image")]
    assert [round(b - a, 1) for a, b in zip(pulls, pulls[1:])] == [10.5, 20.5]  # failed pulls take 0.5 s
    assert cluster.phase("typo") == "Pending"


def test_failing_readiness_probe_keeps_the_pod_unready(cluster: Cluster):
    cluster.create_pod("web", "node-1", [{"name": "web", "image": "nginx:1.27", "readinessProbe": {
        "httpGet": {"path": "/failing", "port": 80}, "periodSeconds": 5}}])
    cluster.kernel.run_for(30)
    assert cluster.phase("web") == "Running"
    assert container_status(cluster, "web")["ready"] is False
    unhealthy = [e for e in cluster.events("web") if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1 and unhealthy[0]["count"] >= 4
    assert unhealthy[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 500"
    assert container_status(cluster, "web")["restartCount"] == 0


@pytest.mark.parametrize("restart, phase", [("Never", "Failed"), ("Always", "Pending")], ids=["never", "always"])
def test_failing_init_container(cluster: Cluster, restart, phase):
    cluster.create_pod("web", "node-1", restartPolicy=restart, initContainers=[
        {"name": "check", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}])
    cluster.kernel.run_for(40)
    assert cluster.phase("web") == phase
    check = cluster.pod("web")["status"]["initContainerStatuses"][0]
    assert (check["restartCount"] >= 2) == (restart == "Always")
    assert not [e for e in cluster.events("web") if e["involvedObject"].get("fieldPath") == "spec.containers{web}"]


def test_crash_loop_backoff_never_freezes_the_clock():
    """A worker woken exactly when its back-off ends must restart the container: in floating
    point ``now - finished`` can come out a hair under the delay (24.791 - 14.791 < 10), and a
    worker that still saw itself backing off re-armed at the same instant forever (seed 3
    with these pods froze at t=25.291)."""
    cluster = Cluster(seed=3)
    cluster.add_node(NodeSpec.numbered(1, cpu="4", memory="8Gi", zone="zone-a", extra_labels={"disk": "ssd"}))
    cluster.kernel.run_for(2)
    cluster.create_pod("web", "node-1", None)
    cluster.create_pod("crash", "node-1", [{"name": "c", "image": "busybox",
                                             "command": ["sh", "-c", "echo hi; sleep 2; exit 1"]}])
    cluster.create_pod("live", "node-1", [{"name": "c", "image": "nginx", "livenessProbe": {
        "httpGet": {"path": "/fail", "port": 80}, "periodSeconds": 2}}])
    cluster.create_pod("ready", "node-1", [
        {"name": "c", "image": "nginx", "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 3}},
        {"name": "d", "image": "redis", "readinessProbe": {"tcpSocket": {"port": "fail"}}}])

    steps = cluster.kernel.run_for(40, max_steps=3000)

    assert steps < 3000 and cluster.kernel.now_seconds == pytest.approx(42.0)
    restarts = cluster.pod("crash")["status"]["containerStatuses"][0]["restartCount"]
    assert restarts >= 2
