"""The control plane, as a learner sees it with the real kubectl on the demo cluster that
``manage.py up`` creates (3 nodes, live at 1x): the Deployment → ReplicaSet → Pod →
scheduler → kubelet chain, pausing and stepping story steps (and `manage.py sim` printing them),
a stopped scheduler, a second scheduler,
the pause container, dropped watch events and an unschedulable pod.

The suite runs its own server, so pausing or stopping components never disturbs others.
"""
from __future__ import annotations

import functools
import json
import re
import time
import urllib.request

import pytest

from tests.e2e.conftest import get_json, ok, sim_api, tmpfile, unique, wait_for
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests:
            cpu: 100m
"""


#: The same pod template in a bare 2-replica ReplicaSet.
REPLICASET = DEPLOYMENT.replace("kind: Deployment", "kind: ReplicaSet").replace("replicas: 3", "replicas: 2")


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("control-plane")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubeconfig(sim_server):
    return sim_server.kubeconfig("demo")


@pytest.fixture(scope="module")
def kc(kubectl, kubeconfig):
    """kubectl against the suite's own demo cluster: ``kc(*args) -> (rc, stdout, stderr)``."""
    return functools.partial(kubectl, kubeconfig=kubeconfig)


@pytest.fixture(scope="module")
def sim(sim_server, kubeconfig):
    return sim_api(sim_server, kubeconfig)




def pods(kc, selector: str, namespace: str = "default") -> list[dict]:
    return get_json(kc, "pods", "-n", namespace, "-l", selector)["items"]


def test_deployment_chain_runs_pods_and_tells_it_in_events(kc, tmp_path):
    name = unique("web")
    ok(kc("apply", "-f", str(tmpfile(tmp_path, "d.yaml", DEPLOYMENT.format(name=name)))))

    def all_running():
        items = pods(kc, f"app={name}")
        return len(items) == 3 and all(p["status"].get("phase") == "Running" for p in items) and items

    running = wait_for(all_running, timeout=30)
    nodes = {p["spec"]["nodeName"] for p in running}
    assert nodes <= {"node-1", "node-2"}, nodes  # node-3 is tainted dedicated=gpu:NoSchedule
    assert len(nodes) == 2, "the scheduler spreads a ReplicaSet's pods over the nodes that fit"
    wide = ok(kc("get", "pods", "-o", "wide", "-l", f"app={name}"))
    assert wide.splitlines()[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert wide.count("Running") == 3 and wide.count("1/1") == 3

    events = get_json(kc, "events", "--sort-by=.metadata.creationTimestamp")
    mine = [e for e in events["items"] if name in e["involvedObject"]["name"]]
    # the scheduler records through events.k8s.io/v1: its core view has a reporter, not a source
    seen = [(e["reason"], e["source"].get("component") or e["reportingComponent"]) for e in mine]
    reasons = [r for r, _ in seen]
    assert ("ScalingReplicaSet", "deployment-controller") in seen
    assert reasons.count("SuccessfulCreate") == 3 and ("SuccessfulCreate", "replicaset-controller") in seen
    assert reasons.count("Scheduled") == 3 and ("Scheduled", "default-scheduler") in seen
    for reason in ("Pulling", "Pulled", "Created", "Started"):
        assert (reason, "kubelet") in seen or reason in ("Pulling",) and ("Pulled", "kubelet") in seen, (reason, seen)
    order = [reasons.index(r) for r in ("ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Started")]
    assert order == sorted(order), reasons
    printed = ok(kc("get", "events", "--sort-by=.metadata.creationTimestamp"))
    assert "Scaled up replica set" in printed and "Successfully assigned default/" in printed


def test_paused_cluster_stores_the_deployment_and_steps_one_story_step_at_a_time(kc, sim, tmp_path):
    status, state = sim("POST", "pause")
    assert status == 200 and state["clock"]["mode"] == "paused"
    try:
        name = unique("paused")
        ok(kc("apply", "-f", str(tmpfile(tmp_path, "d.yaml", DEPLOYMENT.format(name=name)))))
        time.sleep(1.5)
        assert get_json(kc, "deployment", name)["metadata"]["name"] == name
        replicasets = get_json(kc, "rs", "-l", f"app={name}")["items"]
        assert replicasets == [], "nothing reacts while time stands still"

        captions = []
        for _ in range(60):
            status, body = sim("POST", "step", {"count": 1})
            assert status == 200 and len(body["steps"]) == 1, body
            captions.append(body["steps"][0])
            if get_json(kc, "rs", "-l", f"app={name}")["items"]:
                break
        made_rs = captions[-1]
        assert made_rs["component"] == "kube-controller-manager" and made_rs["controller"] == "deployment", made_rs
        assert name in made_rs["caption"], made_rs
        assert pods(kc, f"app={name}") == [], "one step: the ReplicaSet exists, no pod yet"
    finally:
        sim("POST", "play")
    wait_for(lambda: len(pods(kc, f"app={name}")) == 3)


def test_stopped_scheduler_is_unhealthy_and_pods_wait(kc, sim, tmp_path):
    status, _ = sim("POST", "components/kube-scheduler/stop")
    assert status == 200
    try:
        cs = ok(kc("get", "componentstatuses"))
        line = next(l for l in cs.splitlines() if l.startswith("scheduler"))
        assert "Unhealthy" in line and "connection refused" in line, cs
        name = unique("waiting")
        ok(kc("run", name, "--image=nginx:1.27"))
        time.sleep(2)
        pod = get_json(kc, "pod", name)
        assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")
    finally:
        sim("POST", "components/kube-scheduler/start")
    assert "Healthy" in ok(kc("get", "cs", "scheduler"))
    wait_for(lambda: get_json(kc, "pod", name)["spec"].get("nodeName"))


def test_without_the_controller_manager_a_replicaset_makes_no_pods(kc, sim, tmp_path):
    status, _ = sim("POST", "components/kube-controller-manager/stop")
    assert status == 200
    name = unique("orphaned")
    try:
        line = next(l for l in ok(kc("get", "cs")).splitlines() if l.startswith("controller-manager"))
        assert "Unhealthy" in line and "10257" in line and "connection refused" in line, line
        ok(kc("apply", "-f", str(tmpfile(tmp_path, "rs.yaml", REPLICASET.format(name=name)))))
        time.sleep(4)  # a running controller manager makes them within about 2 s at 1x
        assert pods(kc, f"app={name}") == [], "the API server stores the ReplicaSet and does nothing more"
    finally:
        sim("POST", "components/kube-controller-manager/start")
    wait_for(lambda: len(pods(kc, f"app={name}")) == 2)


def test_second_scheduler_binds_its_pods(kc, sim, tmp_path):
    name = unique("custom")
    manifest = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  schedulerName: my-scheduler
  containers:
  - name: app
    image: nginx:1.27
"""
    ok(kc("apply", "-f", str(tmpfile(tmp_path, "p.yaml", manifest))))
    time.sleep(2)
    assert not get_json(kc, "pod", name)["spec"].get("nodeName")
    status, body = sim("POST", "schedulers", {"name": "my-scheduler"})
    assert status == 200 and body["state"] == "running", body
    wait_for(lambda: get_json(kc, "pod", name)["spec"].get("nodeName"))
    events = get_json(kc, "events", "--field-selector", f"involvedObject.name={name},reason=Scheduled",)["items"]
    assert events and (events[0]["reportingComponent"], events[0]["action"]) == ("my-scheduler", "Binding")


def test_killing_the_pause_container_recreates_all_containers(kc, sim):
    name = unique("sandbox")
    ok(kc("run", name, "--image=nginx:1.27"))
    pod = wait_for(lambda: (p := get_json(kc, "pod", name))["status"].get(
        "phase") == "Running" and p)
    node = pod["spec"]["nodeName"]
    status, containers = sim("GET", f"nodes/{node}/containers")
    assert status == 200
    mine = [c for c in containers if c["pod"] == name]
    assert any(c["pause"] for c in mine) and any(c["name"] == name and not c["pause"] for c in mine), mine
    status, _ = sim("POST", "faults", {"type": "kill-container", "namespace": "default", "pod": name,
                                       "container": "POD"})
    assert status == 200
    wait_for(lambda: get_json(kc, "pod", name)["status"]["containerStatuses"][0]
             .get("restartCount", 0) >= 1)
    events = ok(kc("get", "events", "--field-selector", f"involvedObject.name={name}"))
    assert "SandboxChanged" in events


def test_unschedulable_pod_says_why_and_the_decision_record_explains_each_node(kc, sim, tmp_path):
    name = unique("huge")
    manifest = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests:
        cpu: "64"
"""
    ok(kc("apply", "-f", str(tmpfile(tmp_path, "p.yaml", manifest))))
    event = wait_for(lambda: get_json(kc, "events", "--field-selector",
                                      f"involvedObject.name={name},reason=FailedScheduling")["items"])[0]
    assert event["message"].startswith("0/3 nodes are available: "), event["message"]
    assert "Insufficient cpu" in event["message"] and "untolerated taint" in event["message"], event["message"]
    described = ok(kc("describe", "pod", name))
    assert "FailedScheduling" in described and "Pending" in described
    status, record = sim("GET", f"decisions/default/{name}")
    assert status == 200 and record["winner"] is None
    assert {n["node"] for n in record["nodes"]} == {"node-1", "node-2", "node-3"}


def just_relisted(sim, resource: str, within_seconds: float = 15.0) -> bool:
    """The controller manager re-listed ``resource`` less than ``within_seconds`` ago (virtual)."""
    _, state = sim("GET", "")
    _, steps = sim("GET", f"steps?since={max(0, state['clock']['step'] - 5000)}")
    relists = [s["time_seconds"] for s in steps["steps"] if s["component"] == "kube-controller-manager"
               and s["action"] == "relist" and f"re-lists {resource}" in s["caption"]]
    return bool(relists) and state["clock"]["now_seconds"] - relists[-1] < within_seconds


def test_dropped_watch_events_leave_the_cluster_wrong_until_the_relist(kc, sim, tmp_path):
    # Start right after a periodic relist, so the next one cannot rescue the ReplicaSet early.
    wait_for(lambda: just_relisted(sim, "replicasets"), timeout=45, every=0.5)
    name = unique("lost")
    ok(kc("create", "namespace", name))
    status, body = sim("POST", "faults", {"type": "drop-watch-events", "component": "kube-controller-manager",
                                          "resource": "replicasets", "namespace": name, "count": 1})
    assert status == 200 and "replicasets" in body["result"], body
    ok(kc("apply", "-n", name, "-f", str(tmpfile(tmp_path, "rs.yaml", REPLICASET.format(name=name)))))
    time.sleep(4)  # a ReplicaSet makes its pods within about 2 s at 1x
    assert pods(kc, f"app={name}", name) == [], "the controller never heard of the ReplicaSet"
    sim("POST", "speed", {"speed": 50})  # the next relist (every 30-33 virtual seconds) repairs it
    try:
        wait_for(lambda: len(pods(kc, f"app={name}", name)) == 2, timeout=30)
    finally:
        sim("POST", "speed", {"speed": 1})
    status, steps = sim("GET", "steps")
    assert any("lost on the way" in s["caption"] for s in steps["steps"])
    assert any("re-lists replicasets" in s["caption"] and "missed" in s["caption"] for s in steps["steps"])


def test_control_api_errors_are_statuses(sim, sim_server):
    status, body = sim("POST", "faults", {"type": "melt-cpu"})
    assert status == 400 and body["kind"] == "Status" and "unknown fault type" in body["message"]
    status, body = sim("POST", "components/nope/stop")
    assert status == 400 and "no component named" in body["message"]
    status, body = sim("POST", "speed", {"speed": 1000})
    assert status == 400 and "speed must be between" in body["message"]
    request = urllib.request.Request(f"{sim_server.http_url}/clusters/demo/sim/", method="GET")
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(request, timeout=10)
    assert denied.value.code == 401


def test_manage_py_sim_drives_the_same_control_api(sim_server):
    result = sim_server.manage("sim", "state", "-o", "json", check=False)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert {"kube-scheduler", "kube-controller-manager", "kubelet/node-3"} <= {c["name"] for c in state["components"]}
    stepped = json.loads(sim_server.manage("sim", "step", "2", "--all", "-o", "json").stdout)
    assert len(stepped["steps"]) == 2 and stepped["clock"]["mode"] == "paused"
    assert sim_server.manage("sim", "play").stdout.startswith("live at ")
    refused = sim_server.manage("sim", "fail-node", "node-9", check=False)
    assert refused.returncode != 0 and "no node named 'node-9'" in refused.stderr


#: Steps that must never be told as the story (issue 11): heartbeats, renewals, no-op relists and checks.
HOUSEKEEPING = re.compile(r".*(renews its Lease|renews lease|its cache was right|is a follower|queue is empty|"
                          r"nothing to do)|The node controller checks \d+ node\(s\): \d+ Ready$")


def wait_until_the_story_rests(sim, quiet_seconds: float = 3.0) -> None:
    """Until no story step happened for ``quiet_seconds`` of wall time (at 1x, three hops): what
    earlier tests set going has finished, so the steps that follow are this test's own."""
    def rested() -> bool:
        _, before = sim("GET", "")
        time.sleep(quiet_seconds)
        _, steps = sim("GET", f"steps?since={before['clock']['step']}")
        return not [s for s in steps["steps"] if not s["housekeeping"]]
    wait_for(rested, timeout=60, every=0)


def test_forty_story_steps_from_manage_py_run_a_deployment_kubectl_created(kc, sim, sim_server):
    wait_until_the_story_rests(sim)
    status, _ = sim("POST", "pause")
    assert status == 200
    try:
        name = unique("story")
        ok(kc("create", "deployment", name, "--image=nginx", "--replicas=2"))
        result = sim_server.manage("sim", "step", "40", "-o", "json")
        stepped = json.loads(result.stdout)
        running = [p for p in pods(kc, f"app={name}") if p["status"].get("phase") == "Running"]
        assert len(running) == 2, [(s["component"], s["caption"]) for s in stepped["steps"]]
        assert 0 < len(stepped["steps"]) <= 40 and stepped["housekeeping"] > 0
        told = [s["caption"] for s in stepped["steps"] if s["housekeeping"] or HOUSEKEEPING.match(s["caption"])]
        assert told == [] and not {s["action"] for s in stepped["steps"]} & {"heartbeat", "requeue"}, told
        binding = next(s for s in stepped["steps"] if s["action"] == "schedule" and name in s["caption"])
        assert binding["highlight"][:3] == ["kube-scheduler", "apiserver", "etcd"]
        assert f"kubelet/{binding['extra']['node']}" in binding["highlight"]

        # the same steps, as a person reads them
        table = sim_server.manage("sim", "steps", "--since", str(stepped["steps"][0]["seq"] - 1)).stdout.splitlines()
        assert table[0].split() == ["SEQ", "TIME", "COMPONENT", "CAPTION"]
        assert len(table) - 1 >= len(stepped["steps"]) and not any("renews" in line for line in table)
        pod = running[0]["metadata"]["name"]
        decision = sim_server.manage("sim", "decision", f"default/{pod}").stdout.splitlines()
        assert decision[0].startswith(f"default/{pod}: Scheduled on {running[0]['spec']['nodeName']} by "
                                      "default-scheduler")
        rows = {line.split()[0]: line for line in decision[2:-1]}
        assert decision[1].split()[0] == "NODE" and "TaintToleration" in decision[1] and decision[1].endswith("SCORE")
        assert rows[running[0]["spec"]["nodeName"]].split()[1] == "*", decision
        assert "untolerated taint" in rows["node-3"], "node-3 is tainted dedicated=gpu:NoSchedule"
        assert decision[-1] == f"Successfully assigned default/{pod} to {running[0]['spec']['nodeName']}"
        crictl = sim_server.manage("sim", "containers", running[0]["spec"]["nodeName"]).stdout.splitlines()
        assert crictl[0].split() == ["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD", "ID", "POD"]
        at = crictl[0].index("NAME")
        assert {line[at:].split()[0] for line in crictl[1:] if line.endswith(pod)} == {"nginx", "POD"}, crictl
        saved = sim_server.manage("sim", "iptables", "node-1").stdout.splitlines()
        assert saved[0] == "*filter" and "*nat" in saved and saved[-1] == "COMMIT"
        speed = sim_server.manage("sim", "speed", "10").stdout
        assert speed.startswith("paused at ") and 'still paused: "manage.py sim play" runs it at 10x' in speed
    finally:
        sim("POST", "speed", {"speed": 1})
        sim("POST", "play")
