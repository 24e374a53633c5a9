"""kubectl parity across client versions: the bundled kubectl 1.29, 1.31 and 1.33 binaries, each called
directly (not through the gcloud dispatcher) with its own fresh discovery cache, against one shared
``manage.py up`` server.

Expected texts are what upstream kubectl prints against a real kube-apiserver v1.33 (see
/work/shared/kube-api-wire.md §5-§7). No controllers run in this server: a Deployment makes no
ReplicaSet or pods, pods stay Pending with no node, so nothing here waits for a controller.
Each test works in its own namespace (per test and per version), so all of them share one server.
"""
from __future__ import annotations

import json
import os
import queue
import re
import stat
import subprocess
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import DEPLOYMENT, RawAPI, get_json, ok, rows, tmpfile, unique

pytestmark = pytest.mark.kubectl

SDK_BIN = Path("/usr/lib/google-cloud-sdk/bin")
VERSIONS = ["1.29", "1.31", "1.33"]
TIMEOUT = 60


# ------------------------------------------------------------------ fixtures
class VersionedKubectl:
    """One bundled kubectl binary, its own HOME and fresh ``--cache-dir``, as the cluster admin."""

    def __init__(self, version: str, binary: Path, kubeconfig: Path, workdir: Path) -> None:
        self.version = version
        self.minor = int(version.split(".")[1])
        self.binary = str(binary)
        self.kubeconfig = kubeconfig
        self.cache_dir = workdir / "cache"
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "HOME": str(self.home)}
        self.env.pop("KUBECONFIG", None)

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args]

    def __call__(self, *args: str, input: str | None = None, timeout: float = TIMEOUT,
                 env: dict | None = None) -> tuple[int, str, str]:
        proc = subprocess.run(self.argv(*args), input=input, capture_output=True, text=True, timeout=timeout,
                              env={**self.env, **(env or {})})
        return proc.returncode, proc.stdout, proc.stderr

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                bufsize=1, env=self.env)

    def __repr__(self) -> str:
        return f"kubectl {self.version}"


def bundled_kubectl(version: str, kubeconfig: Path, tmp_path_factory, prefix: str = "") -> VersionedKubectl:  # noqa: ANN001
    """The gcloud SDK's kubectl ``version`` as the cluster admin; the test is skipped where it is
    not installed."""
    binary = SDK_BIN / f"kubectl.{version}"
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.skip(f"bundled kubectl {version} is not installed at {binary}")
    return VersionedKubectl(version, binary, kubeconfig, tmp_path_factory.mktemp(f"{prefix}kubectl-{version}"))


@pytest.fixture(scope="session", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, admin_kubeconfig, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, admin_kubeconfig, tmp_path_factory)


@pytest.fixture(scope="session")
def api(admin_kubeconfig) -> RawAPI:
    return RawAPI(admin_kubeconfig)


@pytest.fixture
def ns(kv, api) -> str:
    """A fresh namespace for this test and this kubectl version (created through the API)."""
    name = unique(f"parity-{kv.version.replace('.', '')}")
    response = api.request("POST", "/api/v1/namespaces",
                           {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert response.status == 201, response.body[:500]
    return name








def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def post(api: RawAPI, path: str, body: dict) -> dict:
    response = api.request("POST", path, body)
    assert response.status == 201, (path, response.status, response.body[:1000])
    return response.json()


def make_event(api: RawAPI, ns: str, involved: dict, reason: str, message: str,
               component: str = "kubelet", name: str | None = None) -> dict:
    """A core/v1 Event about ``involved`` (an object as returned by the server), as a kubelet writes it."""
    stamp = now_rfc3339()
    meta = involved["metadata"]
    # a cluster-scoped object (a Node) is referenced with no namespace; the Event itself lives in ``ns``
    involved_ns = meta.get("namespace", "")
    return post(api, f"/api/v1/namespaces/{ns}/events", {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name or f"{meta['name']}.{uuid.uuid4().hex[:16]}", "namespace": ns},
        "involvedObject": {"apiVersion": involved["apiVersion"], "kind": involved["kind"], "name": meta["name"],
                           "namespace": involved_ns, "uid": meta["uid"],
                           "resourceVersion": meta["resourceVersion"]},
        "reason": reason, "message": message, "source": {"component": component},
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "type": "Normal",
    })


def make_node(api: RawAPI, name: str) -> dict:
    stamp = now_rfc3339()
    return post(api, "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                              "kubernetes.io/arch": "amd64"}},
        "spec": {"podCIDR": "10.244.1.0/24"},
        "status": {
            "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                 "message": "kubelet has sufficient memory available",
                 "lastHeartbeatTime": stamp, "lastTransitionTime": stamp},
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": stamp,
                 "lastTransitionTime": stamp},
            ],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.33.1", "kubeProxyVersion": "v1.33.1", "osImage": "Ubuntu 24.04 LTS",
                         "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://1.7.24",
                         "operatingSystem": "linux", "architecture": "amd64", "machineID": "m", "systemUUID": "s",
                         "bootID": "b"},
        },
    })


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: {app}}}
spec:
  containers:
  - name: app
    image: nginx:1.27
"""

# ------------------------------------------------------------------ the three-step apply
STEP1 = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "frontend"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.25", "env": [{"name": "A", "value": "1"}]},
            ]},
        },
    },
}
STEP2 = json.loads(json.dumps(STEP1))
STEP2["spec"]["template"]["spec"]["containers"] = [
    {"name": "nginx", "image": "nginx:1.26", "env": [{"name": "A", "value": "1"}]},
    {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "infinity"]},
]
STEP3 = json.loads(json.dumps(STEP2))
del STEP3["spec"]["template"]["spec"]["containers"][0]["env"]
del STEP3["metadata"]["labels"]["tier"]

#: kube-apiserver's defaults for a Deployment and its pod template (pkg/apis/apps/v1/defaults.go, core/v1).
DEPLOYMENT_DEFAULTS = {
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
    "revisionHistoryLimit": 10,
    "progressDeadlineSeconds": 600,
}
POD_SPEC_DEFAULTS = {"restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                     "securityContext": {}, "schedulerName": "default-scheduler"}
CONTAINER_DEFAULTS = {"resources": {}, "terminationMessagePath": "/dev/termination-log",
                      "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}


def expected_containers(manifest: dict) -> list[dict]:
    return [{**c, **CONTAINER_DEFAULTS} for c in manifest["spec"]["template"]["spec"]["containers"]]


def check_applied(obj: dict, manifest: dict, ns: str, generation: int) -> None:
    meta = obj["metadata"]
    assert (meta["name"], meta["namespace"]) == ("web", ns)
    assert meta["labels"] == manifest["metadata"]["labels"], meta["labels"]
    assert meta["generation"] == generation, meta
    last = json.loads(meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    # kubectl records the manifest it applied (with the namespace it sent it to)
    last_meta = dict(last["metadata"])
    assert last_meta.pop("namespace", ns) == ns
    assert last_meta.pop("annotations", {}) == {}  # kubectl leaves the emptied map in (upstream does too)
    assert {**last, "metadata": last_meta} == manifest, last
    assert set(meta["annotations"]) == {"kubectl.kubernetes.io/last-applied-configuration"}, meta["annotations"]

    spec = obj["spec"]
    assert spec["replicas"] == manifest["spec"]["replicas"]
    assert spec["selector"] == manifest["spec"]["selector"]
    for key, value in DEPLOYMENT_DEFAULTS.items():
        assert spec.get(key) == value, (key, spec.get(key))
    template = spec["template"]
    assert template["metadata"]["labels"] == {"app": "web"}
    pod_spec = template["spec"]
    for key, value in POD_SPEC_DEFAULTS.items():
        assert pod_spec.get(key) == value, (key, pod_spec.get(key))
    assert pod_spec["containers"] == expected_containers(manifest), json.dumps(pod_spec["containers"], indent=1)


def test_apply_three_steps(kv, ns, tmp_path):
    manifest = tmp_path / "web.yaml"
    for step, (body, first_line) in enumerate([(STEP1, "created"), (STEP2, "configured"), (STEP3, "configured")],
                                              start=1):
        manifest.write_text(yaml.safe_dump(body, sort_keys=False))
        rc, out, err = kv("apply", "-n", ns, "-f", str(manifest))
        assert (rc, out.strip()) == (0, f"deployment.apps/web {first_line}"), (step, err)
        check_applied(get_json(kv, "deploy", "web", "-n", ns), body, ns, generation=step)
        rc, out, err = kv("apply", "-n", ns, "-f", str(manifest))
        assert (rc, out.strip()) == (0, "deployment.apps/web unchanged"), (step, err)
    # the stored object after step 3: env gone from nginx (not an empty list), sidecar untouched
    obj = get_json(kv, "deploy", "web", "-n", ns)
    containers = obj["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["nginx", "sidecar"]
    assert "env" not in containers[0], containers[0]
    assert "tier" not in obj["metadata"]["labels"]
    # no controller: status is empty of replicas
    header, table = rows(ok(kv("get", "deploy", "web", "-n", ns)))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table["web"][1:4] == ["0/2", "0", "0"]
    header, table = rows(ok(kv("get", "deploy", "web", "-n", ns, "-o", "wide")))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert table["web"][5:] == ["nginx,sidecar", "nginx:1.26,busybox:1.36", "app=web"], table


# ------------------------------------------------------------------ imperative deployment commands
def test_set_image_and_rollout_restart(kv, ns):
    rc, out, err = kv("create", "deployment", "web", "--image=nginx:1.26", "-n", ns)
    assert (rc, out.strip()) == (0, "deployment.apps/web created"), err
    before = get_json(kv, "deploy", "web", "-n", ns)
    assert before["metadata"]["labels"] == {"app": "web"}
    assert before["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert [(c["name"], c["image"]) for c in before["spec"]["template"]["spec"]["containers"]] == \
        [("nginx", "nginx:1.26")]

    rc, out, err = kv("set", "image", "deployment/web", "nginx=nginx:1.27", "-n", ns)
    assert (rc, out.strip()) == (0, "deployment.apps/web image updated"), err
    obj = get_json(kv, "deploy", "web", "-n", ns)
    assert [(c["name"], c["image"]) for c in obj["spec"]["template"]["spec"]["containers"]] == \
        [("nginx", "nginx:1.27")]
    assert obj["metadata"]["generation"] == before["metadata"]["generation"] + 1

    # setting the same image again: kubectl computes an empty patch, sends nothing and prints nothing
    rc, out, err = kv("set", "image", "deployment/web", "nginx=nginx:1.27", "-n", ns)
    assert (rc, out, err) == (0, "", ""), (out, err)

    rc, out, err = kv("set", "image", "deployment/web", "nosuch=nginx:1.27", "-n", ns)
    assert rc == 1
    assert 'error: unable to find container named "nosuch"' in err, err

    rc, out, err = kv("rollout", "restart", "deployment/web", "-n", ns)
    assert (rc, out.strip()) == (0, "deployment.apps/web restarted"), err
    obj = get_json(kv, "deploy", "web", "-n", ns)
    annotations = obj["spec"]["template"]["metadata"].get("annotations") or {}
    restarted = annotations.get("kubectl.kubernetes.io/restartedAt")
    assert restarted and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d|.*Z", restarted), annotations
    assert [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]] == ["nginx:1.27"]

    # kubectl rollout status would wait for a controller; history reads ReplicaSets (none here)
    rc, out, err = kv("rollout", "history", "deployment/web", "-n", ns)
    assert rc == 0, err
    assert out.splitlines()[0].strip() == "deployment.apps/web", out


def test_create_generators(kv, ns):
    """``kubectl create <kind>``; kubectl >= 1.32 sends these bodies as protobuf (kube-api-wire.md §5.1)."""
    cases = [
        (["namespace", f"{ns}-gen"], f"namespace/{ns}-gen created"),
        (["configmap", "cm", "--from-literal=a=1", "--from-literal=b=two"], "configmap/cm created"),
        (["secret", "generic", "sec", "--from-literal=user=admin"], "secret/sec created"),
        (["service", "clusterip", "svc", "--tcp=80:8080"], "service/svc created"),
        (["role", "reader", "--verb=get,list", "--resource=pods"], "role.rbac.authorization.k8s.io/reader created"),
        (["rolebinding", "reader-binding", "--role=reader", "--user=someone"],
         "rolebinding.rbac.authorization.k8s.io/reader-binding created"),
        (["serviceaccount", "robot"], "serviceaccount/robot created"),
        (["quota", "q", "--hard=pods=10,requests.cpu=2"], "resourcequota/q created"),
        (["deployment", "gen", "--image=nginx", "--replicas=2"], "deployment.apps/gen created"),
    ]
    failures = []
    for args, expected in cases:
        rc, out, err = kv("create", *args, "-n", ns)
        if (rc, out.strip()) != (0, expected):
            failures.append((args, rc, out.strip(), err.strip()))
    assert not failures, "\n".join(map(repr, failures))

    assert get_json(kv, "ns", f"{ns}-gen")["status"]["phase"] == "Active"
    assert get_json(kv, "cm", "cm", "-n", ns)["data"] == {"a": "1", "b": "two"}
    secret = get_json(kv, "secret", "sec", "-n", ns)
    assert (secret["type"], secret["data"]) == ("Opaque", {"user": "YWRtaW4="})
    svc = get_json(kv, "svc", "svc", "-n", ns)
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == {"app": "svc"}
    assert [(p["name"], p["port"], p["targetPort"], p["protocol"]) for p in svc["spec"]["ports"]] == \
        [("80-8080", 80, 8080, "TCP")]
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", svc["spec"]["clusterIP"]), svc["spec"]
    role = get_json(kv, "role", "reader", "-n", ns)
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    binding = get_json(kv, "rolebinding", "reader-binding", "-n", ns)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "someone"}]
    quota = get_json(kv, "quota", "q", "-n", ns)
    assert quota["spec"]["hard"] == {"pods": "10", "requests.cpu": "2"}
    deploy = get_json(kv, "deploy", "gen", "-n", ns)
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["name"] == "nginx"

    # the tables kubectl prints for them
    header, table = rows(ok(kv("get", "secrets", "sec", "-n", ns)))
    assert header == ["NAME", "TYPE", "DATA", "AGE"] and table["sec"][1:3] == ["Opaque", "1"]
    header, table = rows(ok(kv("get", "svc", "svc", "-n", ns)))
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert table["svc"][1] == "ClusterIP" and table["svc"][3:5] == ["<none>", "80/TCP"], table
    header, table = rows(ok(kv("get", "sa", "robot", "-n", ns)))
    assert header == ["NAME", "SECRETS", "AGE"] and table["robot"][1] == "0"
    header, table = rows(ok(kv("get", "quota", "q", "-n", ns)))
    assert header == ["NAME", "REQUEST", "LIMIT", "AGE"]
    header, table = rows(ok(kv("get", "role", "reader", "-n", ns)))
    assert header == ["NAME", "CREATED AT"]
    header, table = rows(ok(kv("get", "rolebinding", "reader-binding", "-n", ns)))
    assert header == ["NAME", "ROLE", "AGE"] and table["reader-binding"][1] == "Role/reader"

    # creating one again: the AlreadyExists text
    rc, out, err = kv("create", "configmap", "cm", "--from-literal=a=1", "-n", ns)
    assert rc == 1
    assert err.strip() == 'error: failed to create configmap: configmaps "cm" already exists', err


# ------------------------------------------------------------------ describe
def events_section(out: str) -> list[list[str]]:
    """The rows under ``Events:`` of kubectl describe (header first), split on 2+ spaces."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Events:"))
    if re.fullmatch(r"Events:\s+<none>", lines[start].strip()):
        return []
    section = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        section.append(re.split(r"\s{2,}", line.strip()))
    return section


def test_describe_pod_shows_events(kv, ns, api):
    pod = post(api, f"/api/v1/namespaces/{ns}/pods", yaml.safe_load(POD.format(name="p", app="a")))
    out = ok(kv("describe", "pod", "p", "-n", ns))
    assert re.search(r"^Name:\s+p$", out, re.M) and re.search(rf"^Namespace:\s+{ns}$", out, re.M), out
    assert re.search(r"^Status:\s+Pending$", out, re.M), out
    assert re.search(r"^Node:\s+<none>$", out, re.M), out
    assert events_section(out) == [], out

    make_event(api, ns, pod, "Pulled", 'Container image "nginx:1.27" already present on machine')
    out = ok(kv("describe", "pod", "p", "-n", ns))
    section = events_section(out)
    assert section[0] == ["Type", "Reason", "Age", "From", "Message"], out
    assert section[1] == ["----", "------", "----", "----", "-------"], out
    assert len(section) == 3, out
    type_, reason, age, source, message = section[2]
    assert (type_, reason, source, message) == ("Normal", "Pulled", "kubelet",
                                                'Container image "nginx:1.27" already present on machine'), out
    assert re.fullmatch(r"\d+s", age), age

    # an event for another object with the same name in another namespace, or another uid, is not shown
    other = dict(pod, metadata={**pod["metadata"], "uid": str(uuid.uuid4())})
    make_event(api, ns, other, "Killing", "stale pod with the same name")
    assert len(events_section(ok(kv("describe", "pod", "p", "-n", ns)))) == 3


def test_describe_deployment_shows_events(kv, ns, api, tmp_path):
    ok(kv("apply", "-n", ns, "-f", str(tmpfile(tmp_path, "d.yaml", DEPLOYMENT.format(name="web", replicas=1)))))
    deploy = get_json(kv, "deploy", "web", "-n", ns)
    make_event(api, ns, deploy, "ScalingReplicaSet", "Scaled up replica set web-5d9c7b8f4 from 0 to 1",
               component="deployment-controller")
    out = ok(kv("describe", "deployment", "web", "-n", ns))
    assert re.search(r"^Name:\s+web$", out, re.M), out
    assert re.search(r"^Replicas:\s+1 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$", out,
                     re.M), out
    assert re.search(r"^StrategyType:\s+RollingUpdate$", out, re.M), out
    assert re.search(r"^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$", out, re.M), out
    # no ReplicaSets at all (no controller): upstream omits the OldReplicaSets/NewReplicaSet lines
    assert "NewReplicaSet:" not in out and "OldReplicaSets:" not in out, out
    section = events_section(out)
    assert section[0] == ["Type", "Reason", "Age", "From", "Message"], out
    assert [cells[:2] + cells[3:] for cells in section[2:]] == [
        ["Normal", "ScalingReplicaSet", "deployment-controller", "Scaled up replica set web-5d9c7b8f4 from 0 to 1"]
    ], out


def test_describe_node(kv, api):
    name = unique(f"n{kv.version.replace('.', '')}")
    node = make_node(api, name)
    make_event(api, "default", node, "NodeReady", f"Node {name} status is now: NodeReady")
    rc, out, err = kv("describe", "node", name)
    assert rc == 0, err
    assert re.search(rf"^Name:\s+{name}$", out, re.M), out
    assert re.search(r"^Unschedulable:\s+false$", out, re.M), out
    assert "Conditions:" in out and re.search(r"^\s+Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status",
                                              out, re.M), out
    assert re.search(r"^Capacity:\n(\s+.+\n)*?\s+cpu:\s+4$", out, re.M), out
    assert re.search(r"^\s+InternalIP:\s+10\.0\.0\.11$", out, re.M), out
    assert re.search(r"^\s+Kubelet Version:\s+v1\.33\.1$", out, re.M), out
    assert re.search(r"^Non-terminated Pods:\s+\(0 in total\)$", out, re.M), out
    section = events_section(out)
    assert [c for c in section[2:] if c[1] == "NodeReady"], out
    assert "error" not in err.lower(), err


# ------------------------------------------------------------------ discovery and reads
def test_api_resources(kv):
    out = ok(kv("api-resources"))
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], lines[0]
    table = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert table["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert table["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert table["componentstatuses"] == ["componentstatuses", "cs", "v1", "false", "ComponentStatus"]
    assert table["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]
    assert ok(kv("api-resources", "--api-group=apps", "-o", "name")).split()[:1] != []
    assert "deployments.apps" in ok(kv("api-resources", "-o", "name")).split()


def test_version(kv):
    rc, out, err = kv("version")
    assert rc == 0, err
    assert re.search(rf"^Client Version: v{re.escape(kv.version)}\.\d+$", out, re.M), out
    assert re.search(r"^Server Version: v1\.33\.\d+$", out, re.M), out
    info = json.loads(ok(kv("version", "-o", "json")))
    assert info["serverVersion"]["major"] == "1" and info["serverVersion"]["minor"] == "33", info
    assert info["serverVersion"]["gitVersion"].startswith("v1.33."), info
    if kv.minor < 32:  # more than one minor version of skew: kubectl warns on stderr
        assert "WARNING: version difference between client (1.%d) and server (1.33) exceeds the supported minor " \
               "version skew of +/-1" % kv.minor in err, err


def test_get_all(kv, ns, api, tmp_path):
    post(api, f"/api/v1/namespaces/{ns}/pods", yaml.safe_load(POD.format(name="p", app="a")))
    ok(kv("apply", "-n", ns, "-f", str(tmpfile(tmp_path, "d.yaml", DEPLOYMENT.format(name="web", replicas=1)))))
    ok(kv("create", "service", "clusterip", "web", "--tcp=80:80", "-n", ns))
    out = ok(kv("get", "all", "-n", ns))
    blocks = [block for block in out.split("\n\n") if block.strip()]
    tables = {}
    for block in blocks:
        header, table = rows(block)
        tables[header[0] if header[0] != "NAME" else next(iter(table)).split("/")[0]] = (header, table)
    assert set(tables) == {"pod", "service", "deployment.apps"}, out
    header, table = tables["pod"]
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and table["pod/p"][1:4] == ["0/1", "Pending", "0"]
    header, table = tables["service"]
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] and "service/web" in table
    header, table = tables["deployment.apps"]
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table["deployment.apps/web"][1:4] == ["0/1", "0", "0"]
    # the order kubectl prints the categories in
    assert [block.splitlines()[1].split("/")[0] for block in blocks] == ["pod", "service", "deployment.apps"], out


def test_get_pods_output_options(kv, ns, api):
    for name, app in [("zeta", "z"), ("alpha", "a"), ("mid", "m")]:
        post(api, f"/api/v1/namespaces/{ns}/pods", yaml.safe_load(POD.format(name=name, app=app)))

    header, table = rows(ok(kv("get", "pods", "-n", ns, "-o", "wide")))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert table["alpha"][1:4] == ["0/1", "Pending", "0"] and table["alpha"][5:] == ["<none>"] * 4, table

    header, table = rows(ok(kv("get", "pods", "-n", ns, "--show-labels")))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"]
    assert table["mid"][-1] == "app=m"

    header, table = rows(ok(kv("get", "pods", "-n", ns, "-L", "app")))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "APP"]
    assert {n: cells[-1] for n, cells in table.items()} == {"zeta": "z", "alpha": "a", "mid": "m"}

    out = ok(kv("get", "pods", "-n", ns, "--sort-by=.metadata.name"))
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["alpha", "mid", "zeta"], out
    out = ok(kv("get", "pods", "-n", ns, "--sort-by=.metadata.labels.app", "-o", "name"))
    assert out.split() == ["pod/alpha", "pod/mid", "pod/zeta"], out

    out = ok(kv("get", "pods", "-A"))
    header, _ = rows(out)
    assert header == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    mine = sorted(re.split(r"\s{2,}", line.strip())[1] for line in out.splitlines()[1:] if line.split()[0] == ns)
    assert mine == ["alpha", "mid", "zeta"], out
    out = ok(kv("get", "pods", "-A", "-o", "wide", "-l", "app=a"))
    header, _ = rows(out)
    assert header[:2] == ["NAMESPACE", "NAME"] and header[-1] == "READINESS GATES"


# ------------------------------------------------------------------ watch
def test_get_events_watch(kv, ns, api):
    pod = post(api, f"/api/v1/namespaces/{ns}/pods", yaml.safe_load(POD.format(name="p", app="a")))
    proc = kv.popen("get", "events", "-w", "-n", ns)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        time.sleep(1.0)  # let the list+watch start
        make_event(api, ns, pod, "Scheduled", f"Successfully assigned {ns}/p to node-1",
                   component="default-scheduler")
        deadline = time.monotonic() + 15
        row = None
        while time.monotonic() < deadline and row is None:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            seen.append(line)
            if "Scheduled" in line:
                row = line
        assert row is not None, (seen, proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
        cells = re.split(r"\s{2,}", row.strip())
        assert cells[1:] == ["Normal", "Scheduled", "pod/p", f"Successfully assigned {ns}/p to node-1"], seen
        assert re.fullmatch(r"\d+s", cells[0]), seen
        # the header comes first (printed with the first row when the namespace had no events)
        header = [line for line in seen if line.startswith("LAST SEEN")]
        assert header and re.split(r"\s{2,}", header[0].strip()) == ["LAST SEEN", "TYPE", "REASON", "OBJECT",
                                                                     "MESSAGE"], seen
        assert proc.poll() is None, "kubectl get events -w ended although the watch should stay open"
        # the same event in the plain and wide tables
        header, table = rows(ok(kv("get", "events", "-n", ns, "-o", "wide")))
        assert header == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN",
                          "COUNT", "NAME"], header
        out = ok(kv("get", "events", "-A"))
        header, _ = rows(out)
        assert header == ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], header
        assert any(line.split()[0] == ns and "Scheduled" in line for line in out.splitlines()[1:]), out
    finally:
        proc.kill()
        proc.wait(10)


# ------------------------------------------------------------------ status subresource and wait
def run_bounded(kv, *args: str, limit: float = 10) -> tuple[int, str, str]:
    """A kubectl call that must end by itself within ``limit`` seconds (its own --timeout is shorter)."""
    try:
        return kv(*args, timeout=limit)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"kubectl {' '.join(args)} still running after {limit}s although its own timeout "
                             "had passed (kube-apiserver sends a watch's response headers at once; a watch with "
                             "no events yet must still answer)") from None


def test_patch_status_and_wait(kv, ns, api):
    post(api, f"/api/v1/namespaces/{ns}/pods", yaml.safe_load(POD.format(name="p", app="a")))
    if kv.minor < 24:
        pytest.skip("kubectl patch --subresource needs kubectl 1.24+")
    rc, out, err = kv("patch", "pod", "p", "-n", ns, "--subresource=status", "--type=merge",
                      "-p", '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}')
    assert (rc, out.strip()) == (0, "pod/p patched"), err
    pod = get_json(kv, "pod", "p", "-n", ns)
    assert {"type": "Ready", "status": "True"}.items() <= pod["status"]["conditions"][0].items(), pod["status"]
    assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"

    rc, out, err = run_bounded(kv, "wait", "--for=condition=Ready", "pod/p", "--timeout=10s", "-n", ns, limit=15)
    assert (rc, out.strip()) == (0, "pod/p condition met"), err

    # a patch through /status cannot change the spec (upstream's podStatusStrategy keeps the old spec)
    rc, out, err = kv("patch", "pod", "p", "-n", ns, "--subresource=status", "--type=merge",
                      "-p", '{"spec":{"activeDeadlineSeconds":5}}')
    assert rc == 0, err
    assert "activeDeadlineSeconds" not in get_json(kv, "pod", "p", "-n", ns)["spec"]

    # a condition that never comes: kubectl gives up after its --timeout
    rc, out, err = run_bounded(kv, "wait", "--for=condition=Initialized", "pod/p", "--timeout=1s", "-n", ns)
    assert rc == 1, out
    assert err.strip() == "error: timed out waiting for the condition on pods/p", err


# ------------------------------------------------------------------ cordon
def test_cordon_uncordon(kv, api):
    name = unique(f"n{kv.version.replace('.', '')}")
    make_node(api, name)
    header, table = rows(ok(kv("get", "node", name)))
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert table[name][1:3] == ["Ready", "<none>"] and table[name][4] == "v1.33.1", table
    header, table = rows(ok(kv("get", "node", name, "-o", "wide")))
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                      "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    assert table[name][5:] == ["10.0.0.11", "<none>", "Ubuntu 24.04 LTS", "6.8.0", "containerd://1.7.24"], table

    rc, out, err = kv("cordon", name)
    assert (rc, out.strip()) == (0, f"node/{name} cordoned"), err
    assert get_json(kv, "node", name)["spec"]["unschedulable"] is True
    header, table = rows(ok(kv("get", "node", name)))
    assert table[name][1] == "Ready,SchedulingDisabled", table

    rc, out, err = kv("cordon", name)
    assert (rc, out.strip()) == (0, f"node/{name} already cordoned"), err

    rc, out, err = kv("uncordon", name)
    assert (rc, out.strip()) == (0, f"node/{name} uncordoned"), err
    assert "unschedulable" not in get_json(kv, "node", name)["spec"]
    rc, out, err = kv("uncordon", name)
    assert (rc, out.strip()) == (0, f"node/{name} already uncordoned"), err

    rc, out, err = kv("cordon", "nosuch-node-xyz")
    assert rc == 1
    assert err.strip() == 'Error from server (NotFound): nodes "nosuch-node-xyz" not found', err


# ------------------------------------------------------------------ edit
def test_edit_with_kube_editor(kv, ns, tmp_path):
    ok(kv("create", "configmap", "x", "--from-literal=greeting=hello", "-n", ns))
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/greeting: hello/greeting: bonjour/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    rc, out, err = kv("edit", "configmap", "x", "-n", ns, env={"KUBE_EDITOR": str(editor), "EDITOR": str(editor)})
    assert (rc, out.strip()) == (0, "configmap/x edited"), err
    assert get_json(kv, "cm", "x", "-n", ns)["data"] == {"greeting": "bonjour"}

    # an editor that changes nothing: kubectl cancels the edit
    noop = tmpfile(tmp_path, "noop.sh", "#!/bin/sh\nexit 0\n")
    noop.chmod(noop.stat().st_mode | stat.S_IXUSR)
    rc, out, err = kv("edit", "configmap", "x", "-n", ns, env={"KUBE_EDITOR": str(noop)})
    assert rc == 0, err
    assert err.strip() == "Edit cancelled, no changes made.", (out, err)

    # edit a deployment: the strategic merge patch path
    ok(kv("create", "deployment", "web", "--image=nginx:1.26", "-n", ns))
    image = tmpfile(tmp_path, "image.sh", "#!/bin/sh\nsed -i 's/image: nginx:1.26/image: nginx:1.27/' \"$1\"\n")
    image.chmod(image.stat().st_mode | stat.S_IXUSR)
    rc, out, err = kv("edit", "deployment/web", "-n", ns, env={"KUBE_EDITOR": str(image)})
    assert (rc, out.strip()) == (0, "deployment.apps/web edited"), err
    assert [c["image"] for c in get_json(kv, "deploy", "web", "-n", ns)["spec"]["template"]["spec"]["containers"]] \
        == ["nginx:1.27"]


# ------------------------------------------------------------------ server-side apply
#: kubectl's advice after an apply conflict (staging/src/k8s.io/kubectl/pkg/cmd/apply).
CONFLICT_ADVICE = """\
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"""

#: What kubectl's applier owns after applying ``DEPLOYMENT`` (upstream's fieldsV1 encoding).
DEPLOYMENT_APPLIED_FIELDS = {
    "f:metadata": {"f:labels": {"f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}},
        },
    },
}


def managers(obj: dict) -> list[tuple]:
    """(manager, operation, subresource) of each managedFields entry, leaving out the status
    writes of the controllers the server runs."""
    return [(e["manager"], e["operation"], e.get("subresource", "")) for e in obj["metadata"].get("managedFields", [])
            if e.get("subresource") != "status"]


def applied_entry(obj: dict) -> dict:
    [entry] = [e for e in obj["metadata"]["managedFields"] if e["operation"] == "Apply"]
    return entry


def deployment(kv, ns: str) -> dict:
    """Deployment ``web`` with its managedFields (kubectl hides them unless asked)."""
    return get_json(kv, "deploy", "web", "-n", ns, "--show-managed-fields")


def server_side_apply(kv, ns: str, manifest: Path, *flags: str) -> tuple[int, str, str]:
    return kv("apply", "--server-side", *flags, "-n", ns, "-f", str(manifest))


def test_apply_server_side_creates_then_is_a_no_op(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=2))
    rc, out, err = server_side_apply(kv, ns, manifest)
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err
    obj = deployment(kv, ns)
    assert obj["spec"]["replicas"] == 2 and obj["metadata"]["generation"] == 1
    for key, value in DEPLOYMENT_DEFAULTS.items():
        assert obj["spec"][key] == value, key
    assert managers(obj) == [("kubectl", "Apply", "")]
    assert {k: v for k, v in applied_entry(obj).items() if k != "time"} == {
        "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
        "fieldsV1": DEPLOYMENT_APPLIED_FIELDS}
    assert "kubectl.kubernetes.io/last-applied-configuration" not in obj["metadata"].get("annotations", {})

    # the same configuration again changes nothing (the controllers' status writes aside)
    rc, out, err = server_side_apply(kv, ns, manifest)
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err
    again = deployment(kv, ns)
    assert again["metadata"]["generation"] == 1
    assert applied_entry(again) == applied_entry(obj)

    # nothing at all is written: no controller touches a ConfigMap, so its resourceVersion shows it
    config = tmpfile(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                                          "data:\n  mode: fast\n")
    rc, out, err = server_side_apply(kv, ns, config)
    assert (rc, out.strip()) == (0, "configmap/settings serverside-applied"), err
    first = get_json(kv, "cm", "settings", "-n", ns)
    ok(server_side_apply(kv, ns, config))
    assert get_json(kv, "cm", "settings", "-n", ns)["metadata"]["resourceVersion"] == \
        first["metadata"]["resourceVersion"]


def test_apply_server_side_conflict_after_scale_and_force(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=2))
    ok(server_side_apply(kv, ns, manifest))
    rc, out, err = kv("scale", "deployment", "web", "--replicas=5", "-n", ns)
    assert (rc, out.strip()) == (0, "deployment.apps/web scaled"), err
    # kubectl scale sends no fieldManager: the manager is the User-Agent's program name
    scaler = Path(kv.binary).name
    assert managers(deployment(kv, ns)) == [
        ("kubectl", "Apply", ""), (scaler, "Update", "scale")]

    rc, out, err = server_side_apply(kv, ns, manifest)
    assert rc == 1 and out == ""
    assert err.strip() == (f'error: Apply failed with 1 conflict: conflict with "{scaler}" with subresource '
                           f'"scale" using apps/v1: .spec.replicas\n{CONFLICT_ADVICE}'), err
    assert deployment(kv, ns)["spec"]["replicas"] == 5

    # co-owning: applying the value the other manager set is no conflict
    rc, out, err = server_side_apply(kv, ns, tmpfile(tmp_path, "five.yaml", DEPLOYMENT.format(name="web",
                                                                                               replicas=5)))
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err

    rc, out, err = server_side_apply(kv, ns, manifest, "--force-conflicts")
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err
    obj = deployment(kv, ns)
    assert obj["spec"]["replicas"] == 2
    # the scaler owned nothing else, so its entry is gone
    assert managers(obj) == [("kubectl", "Apply", "")]


def test_apply_server_side_removes_what_it_no_longer_applies(kv, ns, tmp_path):
    full = yaml.safe_load(DEPLOYMENT.format(name="web", replicas=1))
    full["metadata"]["labels"]["tier"] = "frontend"
    full["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    manifest = tmpfile(tmp_path, "web.yaml", yaml.safe_dump(full))
    ok(server_side_apply(kv, ns, manifest))
    # another manager adds a label of its own
    ok(kv("label", "deployment", "web", "owner=team-a", "-n", ns))

    manifest.write_text(DEPLOYMENT.format(name="web", replicas=1))
    rc, out, err = server_side_apply(kv, ns, manifest)
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err
    obj = deployment(kv, ns)
    assert obj["metadata"]["labels"] == {"app": "web", "owner": "team-a"}
    assert [c["name"] for c in obj["spec"]["template"]["spec"]["containers"]] == ["nginx"]
    assert obj["metadata"]["generation"] == 2
    assert applied_entry(obj)["fieldsV1"] == DEPLOYMENT_APPLIED_FIELDS


def test_apply_server_side_dry_run_stores_nothing(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=2))
    rc, out, err = server_side_apply(kv, ns, manifest, "--dry-run=server")
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied (server dry run)"), err
    rc, out, err = kv("get", "deploy", "web", "-n", ns)
    assert rc == 1 and 'deployments.apps "web" not found' in err, err


def test_create_records_the_kubectl_manager(kv, ns):
    ok(kv("create", "deployment", "web", "--image=nginx:1.26", "-n", ns))
    obj = deployment(kv, ns)
    [entry] = [e for e in obj["metadata"]["managedFields"] if e.get("subresource") != "status"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"]) == ("kubectl-create", "Update", "apps/v1")
    spec = entry["fieldsV1"]["f:spec"]
    assert spec["f:template"]["f:spec"]["f:containers"] == {'k:{"name":"nginx"}': {
        ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:resources": {},
        "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}}}
    assert spec["f:strategy"] == {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                                  "f:type": {}}
    assert spec["f:selector"] == {} and spec["f:replicas"] == {}


def test_apply_server_side_after_client_side_apply(kv, ns, tmp_path):
    """Fields a client-side apply set belong to ``kubectl-client-side-apply``: another applier
    conflicts over them, while kubectl's own manager takes them over (upstream's
    lastAppliedManager) and keeps ``last-applied-configuration`` in step."""
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=3))
    rc, out, err = kv("apply", "-n", ns, "-f", str(manifest))
    assert (rc, out.strip()) == (0, "deployment.apps/web created"), err
    assert managers(deployment(kv, ns)) == [("kubectl-client-side-apply", "Update", "")]

    manifest.write_text(DEPLOYMENT.format(name="web", replicas=5))
    rc, out, err = server_side_apply(kv, ns, manifest, "--field-manager=deployer")
    assert rc == 1
    assert err.strip() == ('error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using '
                           f'apps/v1: .spec.replicas\n{CONFLICT_ADVICE}'), err

    rc, out, err = server_side_apply(kv, ns, manifest)
    assert (rc, out.strip()) == (0, "deployment.apps/web serverside-applied"), err
    obj = deployment(kv, ns)
    assert obj["spec"]["replicas"] == 5
    last = json.loads(obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 5
    assert ("kubectl", "Apply", "") in managers(obj)
