"""A cluster created with ``manage.py createcluster --kubeadm``, seen with the real kubectl:
kube-system as on a kubeadm cluster (static pods named after the control-plane node, kube-proxy
and CoreDNS), the control API's manifest verbs restarting a static pod, a stopped scheduler
crash-looping, and a deleted mirror pod coming back.

The suite runs its own server, so stopping the scheduler disturbs no other suite.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import get_json, ok, sim_api, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

CLUSTER = "kubeadm"
NODE = "kind-control-plane"
SCHEDULER = f"kube-scheduler-{NODE}"
#: ``kubectl get pods -n kube-system`` on a kubeadm cluster (kind's, without its CNI).
NAMES = [r"coredns-[0-9a-f]{8,10}-[a-z0-9]{5}"] * 2 + [f"etcd-{NODE}", f"kube-apiserver-{NODE}",
                                                         f"kube-controller-manager-{NODE}"] + \
    [r"kube-proxy-[a-z0-9]{5}"] * 4 + [SCHEDULER]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("kubeadm")).start()
    created = server.manage("createcluster", CLUSTER, "--kubeadm")
    assert "kind-control-plane" in created.stdout and "node-role.kubernetes.io/control-plane:NoSchedule" in \
        created.stdout, created.stdout
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubeconfig(server) -> Path:
    return server.kubeconfig(CLUSTER)


@pytest.fixture(scope="module")
def kc(kubectl, kubeconfig):
    run = functools.partial(kubectl, kubeconfig=kubeconfig)
    wait_for(lambda: all_ready(run), timeout=120, every=1)
    return run


@pytest.fixture(scope="module")
def sim(server, kubeconfig):
    return sim_api(server, kubeconfig, CLUSTER)


def system_pods(kc) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in get_json(kc, "pods", "-n", "kube-system")["items"]}


def mirror_pod(kc, name: str = SCHEDULER) -> dict:
    """The scheduler's (or ``name``'s) mirror pod, or {} while there is none: in the instant the
    kubelet replaces it (deleted, not yet created again), or before it notices a restored file."""
    rc, out, _ = kc("get", "pod", name, "-n", "kube-system", "-o", "json")
    return json.loads(out) if rc == 0 else {}


def command(pod: dict) -> list[str]:
    return ((pod.get("spec") or {}).get("containers") or [{}])[0].get("command") or []


def ready(pod: dict) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return bool(statuses) and all(s.get("ready") for s in statuses)


def all_ready(kc) -> bool:
    pods = system_pods(kc)
    return len(pods) == len(NAMES) and all(ready(p) for p in pods.values())


def table(out: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in out.strip().splitlines()]


@pytest.mark.parametrize("version", VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def test_get_pods_in_kube_system_looks_like_a_kubeadm_cluster(kc, kubeconfig, tmp_path_factory, version) -> None:
    run = bundled_kubectl(version, kubeconfig, tmp_path_factory, prefix="kubeadm-")
    rows = table(ok(run("get", "pods", "-n", "kube-system")))
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    names = [r[0] for r in rows[1:]]
    assert len(names) == len(NAMES) and all(re.fullmatch(p, n) for p, n in zip(NAMES, names)), names
    assert all(r[1:3] == ["1/1", "Running"] for r in rows[1:]), rows

    wide = table(ok(run("get", "pods", "-n", "kube-system", "-o", "wide")))
    by_name = {r[0]: r for r in wide[1:]}
    assert by_name[SCHEDULER][5:7] == ["172.18.0.2", NODE]  # on the host network: the node's address
    assert sorted(r[6] for n, r in by_name.items() if n.startswith("kube-proxy-")) == [
        NODE, "node-1", "node-2", "node-3"]


def test_get_ds_deploy_svc_in_kube_system(kc) -> None:
    def settled():  # the controllers' status follows the pods' readiness a moment later
        rows = table(ok(kc("get", "ds,deploy,svc", "-n", "kube-system")))
        deploy = next((r for r in rows if r[0] == "deployment.apps/coredns"), [])
        return rows if rows[1][3:4] == ["4"] and deploy[1:2] == ["2/2"] else None
    rows = wait_for(settled, timeout=60)
    assert ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"] == rows[0]
    assert rows[1][:7] == ["daemonset.apps/kube-proxy", "4", "4", "4", "4", "4", "kubernetes.io/os=linux"]
    deploy = next(r for r in rows if r[0] == "deployment.apps/coredns")
    assert deploy[1:4] == ["2/2", "2", "2"]
    svc = next(r for r in rows if r[0] == "service/kube-dns")
    assert svc[1:5] == ["ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP"]
    nodes = table(ok(kc("get", "nodes")))
    assert [NODE, "Ready", "control-plane"] == nodes[1][:3]


def test_a_mirror_pod_is_annotated_and_owned_by_its_node(kc) -> None:
    pod = wait_for(lambda: mirror_pod(kc), timeout=30)
    annotations = pod["metadata"]["annotations"]
    assert annotations["kubernetes.io/config.source"] == "file"
    assert annotations["kubernetes.io/config.mirror"] == annotations["kubernetes.io/config.hash"]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "Node"
    assert pod["metadata"]["labels"] == {"component": "kube-scheduler", "tier": "control-plane"}
    assert pod["spec"]["priorityClassName"] == "system-node-critical"
    described = ok(kc("describe", "pod", SCHEDULER, "-n", "kube-system"))
    for line in (r"Priority Class Name:\s+system-node-critical", f"Node:\\s+{NODE}/172.18.0.2",
                 f"Controlled By:\\s+Node/{NODE}", r"kubernetes.io/config.source: file"):
        assert re.search(line, described), (line, described)


def test_editing_a_manifest_restarts_the_static_pod(kc, sim, server) -> None:
    before = wait_for(lambda: mirror_pod(kc), timeout=30)
    code, answer = sim("POST", f"nodes/{NODE}/manifests/kube-scheduler.yaml/edit", {"args": ["--v=4"]})
    assert code == 200, answer

    def replaced():
        pod = mirror_pod(kc)
        return pod if pod and pod["metadata"]["uid"] != before["metadata"]["uid"] and ready(pod) else None
    after = wait_for(replaced, timeout=30)
    assert after["spec"]["containers"][0]["command"][-1] == "--v=4"
    assert after["metadata"]["annotations"]["kubernetes.io/config.hash"] != \
        before["metadata"]["annotations"]["kubernetes.io/config.hash"]
    assert after["status"]["containerStatuses"][0]["restartCount"] == 0
    listed = server.manage("sim", "manifests", "--cluster", CLUSTER).stdout
    assert re.search(r"kube-scheduler\.yaml\s+kube-system/kube-scheduler-kind-control-plane\s+no \(edited\)", listed), \
        listed
    code, answer = sim("POST", f"nodes/{NODE}/manifests/kube-scheduler.yaml/restore")
    assert code == 200 and "restored /etc/kubernetes/manifests/kube-scheduler.yaml" in answer["result"], answer
    wait_for(lambda: (pod := mirror_pod(kc)) and "--v=4" not in command(pod) and ready(pod), timeout=30)
    code, answer = sim("POST", f"nodes/{NODE}/manifests/kube-scheduler.yaml/move")
    assert code == 400 and "unknown manifest action" in answer["message"], answer


def test_a_stopped_scheduler_is_not_ready_until_started(kc, sim) -> None:
    wait_for(lambda: all_ready(kc), timeout=60)
    code, _ = sim("POST", "components/kube-scheduler/stop")
    assert code == 200

    def crashing():
        row = next((r for r in table(ok(kc("get", "pods", "-n", "kube-system"))) if r[0] == SCHEDULER), None)
        return row if row and row[1] == "0/1" and row[2] in ("CrashLoopBackOff", "Error") and row[3] != "0" else None
    wait_for(crashing, timeout=60)
    cs = ok(kc("get", "cs"))
    assert re.search(r"scheduler\s+Unhealthy", cs), cs

    code, _ = sim("POST", "components/kube-scheduler/start")
    assert code == 200
    wait_for(lambda: ready(mirror_pod(kc)), timeout=120, every=1)


def test_deleting_a_mirror_pod_brings_it_back(kc) -> None:
    wait_for(lambda: ready(mirror_pod(kc)), timeout=60)
    before = mirror_pod(kc)
    out = ok(kc("delete", "pod", SCHEDULER, "-n", "kube-system"))
    assert out.strip() == f'pod "{SCHEDULER}" deleted'

    def back():
        pod = mirror_pod(kc)
        return pod if pod and pod["metadata"]["uid"] != before["metadata"]["uid"] and ready(pod) else None
    after = wait_for(back, timeout=30)
    # the static pod kept running: same container, same restart count
    assert after["status"]["containerStatuses"][0]["containerID"] == \
        before["status"]["containerStatuses"][0]["containerID"]



def test_manage_py_sim_removes_and_restores_a_manifest(kc, server) -> None:
    manager = f"kube-controller-manager-{NODE}"
    wait_for(lambda: ready(mirror_pod(kc, manager)), timeout=60)
    removed = server.manage("sim", "manifest", "remove", "kube-controller-manager", "--cluster", CLUSTER)
    assert removed.stdout.strip() == ("removed /etc/kubernetes/manifests/kube-controller-manager.yaml: "
                                      "the kubelet stops the static pod"), removed.stdout
    wait_for(lambda: manager not in system_pods(kc), timeout=30)
    wait_for(lambda: re.search(r"controller-manager\s+Unhealthy", ok(kc("get", "cs"))), timeout=30)
    listed = server.manage("sim", "manifests", "--cluster", CLUSTER).stdout
    assert re.search(r"kube-controller-manager\.yaml\s+-\s+removed \(manifest restore kube-controller-manager\)",
                     listed), listed
    refused = server.manage("sim", "manifest", "remove", "kube-controller-manager", "--cluster", CLUSTER, check=False)
    assert refused.returncode != 0 and \
        "/etc/kubernetes/manifests/kube-controller-manager.yaml: no such file" in refused.stderr, refused.stderr
    server.manage("sim", "manifest", "restore", "kube-controller-manager", "--cluster", CLUSTER)
    wait_for(lambda: ready(mirror_pod(kc, manager)), timeout=60)
    wait_for(lambda: re.search(r"controller-manager\s+Healthy", ok(kc("get", "cs"))), timeout=30)


def test_manage_py_sim_replaces_a_manifest_from_a_file(kc, server, tmp_path) -> None:
    listing = json.loads(server.manage("sim", "manifests", "--cluster", CLUSTER, "-o", "json").stdout)
    manifest = next(f["manifest"] for f in listing["files"] if f["name"] == "kube-scheduler.yaml")
    manifest["spec"]["containers"][0]["command"].append("--v=3")
    path = tmp_path / "kube-scheduler.yaml"
    path.write_text(yaml.safe_dump(manifest))
    wrote = server.manage("sim", "manifest", "edit", "kube-scheduler.yaml", "--file", str(path), "--cluster", CLUSTER)
    assert "wrote /etc/kubernetes/manifests/kube-scheduler.yaml" in wrote.stdout, wrote.stdout
    wait_for(lambda: command(mirror_pod(kc))[-1:] == ["--v=3"], timeout=30)
    server.manage("sim", "manifest", "restore", "kube-scheduler.yaml", "--cluster", CLUSTER)

    def restored() -> bool:
        pod = mirror_pod(kc)
        return bool(pod) and "--v=3" not in command(pod) and ready(pod)
    wait_for(restored, timeout=30)
