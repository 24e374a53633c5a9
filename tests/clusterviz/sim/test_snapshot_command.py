"""``manage.py snapshot``: export a hosted cluster, import it as a new one (same objects,
settings, node layout and clock); import a real cluster's dump and see its Pending pod fail
to schedule with the recorded message; a bad file creates nothing."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from clusterviz.sim.host import KernelHost
from clusterviz.sim.snapshots import cluster_clock
from clusterviz.clusters.topology import demo_state
from simulation.apiserver.bootstrap import APISERVER
from simulation.client.apiclient import APIClient
from simulation.snapshot.export import export_objects
from tests.simulation.test_cluster import DEPLOYMENT

pytestmark = pytest.mark.django_db(transaction=True)
DUMP = Path(__file__).parents[2] / "simulation" / "snapshot" / "fixtures" / "kind-pending.yaml"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("snapshot", *args, stdout=out)
    return out.getvalue()


def hosted(name: str) -> KernelHost:
    """The cluster's kernel as the server hosts it, paced by hand (its thread not started)."""
    return KernelHost(Cluster.objects.get(name=name))


def run_until(host: KernelHost, condition, seconds: float = 60.0) -> bool:
    return host.sim.kernel.run_until_true(condition, timeout_seconds=seconds)


def test_export_then_import_makes_the_same_cluster(tmp_path):
    state = demo_state(seed=4, behind_live_seconds=600)
    create_cluster("snap-source", sim_state=state)
    source = hosted("snap-source")
    admin = APIClient(source.server, APISERVER, "kubectl/v1.33.0")
    admin.create("deployments", DEPLOYMENT, "default")
    assert run_until(source, lambda: [p["spec"].get("nodeName") for p in admin.list("pods", "default")[0]].count(None)
                     == 0 and len(admin.list("pods", "default")[0]) == 3)
    source.execute({"op": "stop", "name": "kube-proxy/node-2"})
    source.execute({"op": "pause"})
    clock = cluster_clock(Cluster.objects.get(name="snap-source"))

    path = tmp_path / "snap.yaml"
    path.write_text(run("export", "--cluster", "snap-source"))
    out = run("import", str(path), "--cluster", "snap-copy")

    assert "cluster 'snap-copy' created from" in out and "nodes: node-1, node-2, node-3" in out
    copy = Cluster.objects.get(name="snap-copy")
    original = Cluster.objects.get(name="snap-source")
    assert copy.sim_state["enabled"] is True
    for key in ("seed", "mode", "speed", "nodes", "stopped", "replicas", "schedulers", "watch_latency_seconds"):
        assert copy.sim_state[key] == original.sim_state[key], key
    assert cluster_clock(copy) == pytest.approx(clock, abs=1e-3)  # both paused: the clocks stand still
    assert export_objects(apiservers.get("snap-copy")) == export_objects(apiservers.get("snap-source"))
    copy_host = hosted("snap-copy")
    assert copy_host.sim.component("kube-proxy/node-2").running is False
    assert [p["spec"]["nodeName"] for p in admin.list("pods", "default")[0]] == \
        [p["spec"]["nodeName"] for p in APIClient(copy_host.server, APISERVER, "k").list("pods", "default")[0]]


def test_importing_a_real_clusters_dump_brings_its_pending_pod_to_the_recorded_message():
    recorded = yaml.safe_load(DUMP.read_text())
    pending = next(p for p in recorded["items"] if p["kind"] == "Pod" and p["status"]["phase"] == "Pending")
    message = next(c["message"] for c in pending["status"]["conditions"] if c["type"] == "PodScheduled")

    out = run("import", str(DUMP), "--cluster", "replay")

    assert "nodes: kind-control-plane, kind-worker, kind-worker2" in out
    assert "skipped Service default/kubernetes" in out
    assert "note: ServiceAccount kube-system/coredns: created" in out
    host = hosted("replay")
    admin = APIClient(host.server, APISERVER, "kubectl/v1.33.0")

    def failed_scheduling() -> list[str]:
        return [e["message"] for e in admin.list("events", "default")[0]
                if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == pending["metadata"]["name"]]

    assert run_until(host, failed_scheduling, seconds=30)
    assert failed_scheduling()[0] == message


@pytest.mark.parametrize("text, expected", [
    ("kind: ClusterSnapshot\nversion: 1\nobjects:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n"
     "  data: {n: 1}\n", ["bad.yaml:4: ConfigMap default/c:", "ConfigMap.data of type string"]),
    ("kind: ClusterSnapshot\nversion: 1\nobjects:\n- {apiVersion: v1, kind: Namespace, metadata: {name: fine}}\n"
     "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec: {containers: [{name: c}]}\n",
     ["bad.yaml:5: Pod default/p:", "spec.containers[0].image: Required value"]),
    ("kind: ClusterSnapshot\nversion: 2\n", ["version: this clusterviz reads version 1, not 2"]),
], ids=["wrong-type", "invalid-after-a-valid-object", "version"])
def test_a_bad_file_is_refused_and_creates_nothing(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CommandError) as refused:
        run("import", str(path), "--cluster", "broken")
    for part in expected:
        assert part in str(refused.value)
    assert not Cluster.objects.filter(name="broken").exists()


def test_import_refuses_an_existing_cluster_name():
    create_cluster("taken")
    with pytest.raises(CommandError, match="exists already"):
        run("import", str(DUMP), "--cluster", "taken")


def test_import_prints_json_for_machines():
    import json

    report = json.loads(run("import", str(DUMP), "--cluster", "replay-json", "-o", "json"))
    assert report["cluster"] == "replay-json"
    assert "Deployment default/web" in report["created"]
    assert report["nodes"] == ["kind-control-plane", "kind-worker", "kind-worker2"]
