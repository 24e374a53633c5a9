"""A kubeadm cluster's page in a real browser: the control-plane node drawn with its static pods
(and kube-system's add-on pods on every node), its inspector listing the kubelet's manifest
directory, and a manifest removed and restored from there."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CLUSTER = "kubeadm-page"
NODE = "kind-control-plane"
SCHEDULER = f"kube-system/kube-scheduler-{NODE}"


@pytest.fixture(scope="module")
def kubeadm_cluster(server) -> str:
    server.manage("createcluster", CLUSTER, "--kubeadm")
    return CLUSTER


def test_the_control_plane_node_shows_its_static_pods_and_manifests(page, server, kubeadm_cluster, shot) -> None:
    page.goto(f"{server.http_url}/clusters/{kubeadm_cluster}/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    page.wait_for_function(f"document.querySelectorAll(\"svg .node.control-plane[data-node='{NODE}']\").length === 1 && "
                           "document.querySelectorAll('svg .pod.static').length === 4", timeout=60000)
    static = page.eval_on_selector_all("svg .pod.static", "els => els.map(e => e.dataset.pod).sort()")
    assert static == [f"kube-system/{c}-{NODE}" for c in ("etcd", "kube-apiserver", "kube-controller-manager",
                                                          "kube-scheduler")]
    page.wait_for_function("[...document.querySelectorAll('svg .pod')].filter(e => "
                           "e.dataset.pod.startsWith('kube-system/kube-proxy-')).length === 4", timeout=60000)
    labels = page.locator("svg .region-label").all_text_contents()
    assert "NODES (1 control plane, 3 workers)" in labels, labels

    page.evaluate(f"window.clusterviz.panels.inspect('node:{NODE}')")
    row = "[data-list=manifests] [data-manifest='kube-scheduler.yaml']"
    page.wait_for_selector(row)
    page.click(f"{row} button:has-text('cat')")
    content = page.locator("[data-manifest-yaml='kube-scheduler.yaml']")
    content.wait_for(state="visible", timeout=15000)  # under load the inspector may draw again first
    assert "component: kube-scheduler" in content.inner_text()
    shot(page, "kubeadm-control-plane-node")

    page.click(f"{row} button:has-text('remove')")
    page.wait_for_selector(f"{row}.removed", timeout=15000)
    page.wait_for_selector(f"svg .pod[data-pod='{SCHEDULER}']", state="detached", timeout=30000)
    page.click(f"{row}.removed button:has-text('restore')")
    page.wait_for_selector(f"svg .pod.static[data-pod='{SCHEDULER}']", timeout=30000)
    page.wait_for_selector(f"{row}:not(.removed)", timeout=15000)
