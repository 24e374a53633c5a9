"""Snapshots with a server running, as a teacher or an engineer uses them: ``manage.py snapshot
import`` in another terminal, then the real kubectl against the new cluster, which the running
server starts hosting by itself."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import get_json, ok, wait_for
from tests.support.liveserver import LiveServer

DUMP = Path(__file__).parents[1] / "simulation" / "snapshot" / "fixtures" / "kind-pending.yaml"


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("snapshots")).start()
    yield server
    server.stop()




def test_a_real_dump_imported_while_the_server_runs_shows_why_the_pod_is_pending(sim_server, kubectl):
    recorded = yaml.safe_load(DUMP.read_text())
    pending = next(p for p in recorded["items"] if p["kind"] == "Pod" and p["status"]["phase"] == "Pending")
    message = next(c["message"] for c in pending["status"]["conditions"] if c["type"] == "PodScheduled")

    out = sim_server.manage("snapshot", "import", str(DUMP), "--cluster", "replay").stdout
    assert "cluster 'replay' created" in out
    kc = functools.partial(kubectl, kubeconfig=sim_server.kubeconfig("replay"))

    def failed_scheduling() -> list[str]:
        events = get_json(kc, "events", "-n", "default", "--field-selector", "reason=FailedScheduling")["items"]
        return [e["message"] for e in events if e["involvedObject"]["name"] == pending["metadata"]["name"]]

    assert wait_for(failed_scheduling)[0] == message
    nodes = ok(kc("get", "nodes"))
    assert all(name in nodes for name in ("kind-control-plane", "kind-worker", "kind-worker2"))


def test_export_and_import_copy_the_demo_cluster(sim_server, kubectl, tmp_path):
    demo = functools.partial(kubectl, kubeconfig=sim_server.kubeconfig("demo"))
    ok(demo("create", "configmap", "colors", "--from-literal=sky=blue"))
    snap = tmp_path / "demo.yaml"
    snap.write_text(sim_server.manage("snapshot", "export", "--cluster", "demo").stdout)

    sim_server.manage("snapshot", "import", str(snap), "--cluster", "demo-copy")
    copy = functools.partial(kubectl, kubeconfig=sim_server.kubeconfig("demo-copy"))

    assert get_json(copy, "configmap", "colors")["data"] == {"sky": "blue"}
    assert wait_for(lambda: json.loads(ok(copy("get", "componentstatuses", "-o", "json")))["items"][0]
                    ["conditions"][0]["status"] == "True")
    labels = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone")
              for n in get_json(copy, "nodes")["items"]}
    assert labels == {"node-1": "zone-a", "node-2": "zone-b", "node-3": "zone-b"}


def test_a_bad_file_is_refused_with_its_line_and_nothing_is_created(sim_server, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n"
                   "  spec:\n    containers:\n    - name: c\n      image: 5\n")
    result = sim_server.manage("snapshot", "import", str(bad), "--cluster", "broken", check=False)
    assert result.returncode == 1
    assert "bad.yaml:4: Pod default/p: Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal " \
           "number into Go struct field Container.spec.containers.image of type string" in result.stderr
    clusters = sim_server.manage("shell", "-c", "from clusterviz.clusters.models import Cluster; "
                                                "print(list(Cluster.objects.values_list('name', flat=True)))").stdout
    assert "broken" not in clusters


def test_an_exhausted_pod_cidr_shows_in_kubectl_as_upstreams_failed_sandbox(sim_server, kubectl, tmp_path):
    """A node whose podCIDR holds five pods, given six: the sixth's sandbox fails in the CNI's words."""
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "default"},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}} for i in range(6)]
    snap = tmp_path / "tiny-net.yaml"
    snap.write_text(yaml.safe_dump({"kind": "ClusterSnapshot", "version": 1, "cluster": "tiny-net",
                                    "simulation": {"seed": 1, "mode": "live", "speed": 1.0,
                                                   "nodes": [{"name": "tiny", "pod_cidr": "10.244.1.0/29"}]},
                                    "objects": pods}))
    sim_server.manage("snapshot", "import", str(snap), "--cluster", "tiny-net")
    kc = functools.partial(kubectl, kubeconfig=sim_server.kubeconfig("tiny-net"))

    def failed() -> list[dict]:
        return get_json(kc, "events", "--field-selector", "reason=FailedCreatePodSandBox")["items"]

    event = wait_for(failed, timeout=90)[0]
    assert event["type"] == "Warning" and event["source"]["component"] == "kubelet"
    prefix, _, rest = event["message"].partition('failed to setup network for sandbox "')
    assert prefix == "Failed to create pod sandbox: rpc error: code = Unknown desc = "
    assert rest[64:] == ('": plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses '
                         'available in range set: 10.244.1.1-10.244.1.6'), event["message"]
    described = ok(kc("describe", "pod", event["involvedObject"]["name"]))
    assert "FailedCreatePodSandBox" in described and "no IP addresses available in range set" in described
    ips = [p["status"].get("podIP") for p in get_json(kc, "pods")["items"] if p["status"].get("podIP")]
    assert len(ips) == 5 == len(set(ips)) and all(ip.startswith("10.244.1.") for ip in ips)
