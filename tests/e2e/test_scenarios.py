"""A scenario run on a hosted cluster of a live server, from the terminal: ``manage.py
scenario run FILE --cluster demo`` goes through the Kubernetes API and the control API over
HTTP, like kubectl and ``manage.py sim``; what it built is there for kubectl to see, and a
second run on the now-used cluster fails clearly instead of half-running."""
from __future__ import annotations

import pytest
import yaml

from simulation.scenarios import LIBRARY
from tests.e2e.conftest import get_json
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("scenarios")).start()
    yield server
    server.stop()


def test_the_deployment_chain_runs_on_the_demo_cluster(live, tmp_path, kubectl):
    lesson = yaml.safe_load((LIBRARY / "deployment-chain.yaml").read_text())
    lesson["setup"]["speed"] = 20  # a class runs it at 1x; the test need not wait for that
    path = tmp_path / "deployment-chain-fast.yaml"
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))

    done = live.manage("scenario", "run", str(path), "--cluster", "demo", check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "on cluster demo" in done.stdout.splitlines()[0]
    assert "deployment.apps/web created" in done.stdout
    assert "✓ Event Scheduled from default-scheduler (x3)" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("✓ deployment-chain: 7 steps passed")

    deployment = get_json(lambda *a: kubectl(*a, kubeconfig=live.kubeconfig("demo")), "deployment", "web")
    assert deployment["spec"]["replicas"] == 5 and deployment["status"]["readyReplicas"] == 5

    again = live.manage("scenario", "run", str(path), "--cluster", "demo", check=False)
    assert again.returncode != 0
    assert again.stderr.strip() == ("CommandError: scenario deployment-chain failed: setup failed: cluster demo already "
                                    "has deployment.apps/web, which the scenario creates — it needs a fresh cluster "
                                    "(or delete them first)")
    assert "[1/7]" not in again.stdout  # nothing ran


def test_pod_networking_follows_packets_on_the_demo_cluster_over_http(live, tmp_path):
    """The lesson's network and trace actions reach the hosted cluster through the control API."""
    lesson = yaml.safe_load((LIBRARY / "pod-networking.yaml").read_text())
    lesson["setup"]["speed"] = 20
    path = tmp_path / "pod-networking-fast.yaml"
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))

    done = live.manage("scenario", "run", str(path), "--cluster", "demo", check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    out = done.stdout
    assert "$ python manage.py sim network node-1" in out and "3: cni0: " in out and "master cni0" in out
    assert "10.244.2.0/24 via 172.18.0.4 dev eth0" in out
    assert "result: delivered: delivered to default/kubia-a" in out  # the same-node trace
    assert "result: delivered: delivered to default/kubia-b" in out
    assert "KUBE-SVC-" in out and "TAKEN" in out
    assert out.rstrip().splitlines()[-1].startswith("✓ pod-networking: 7 steps passed")
