"""``bench frames``: the cluster page's frame rate under load, in headless Chromium.

A server started as a user starts it (``manage.py up`` in a subprocess, free ports, a
temporary data directory), a cluster with 50 nodes and 500 running pods, and a stream of
about 50 pod writes per second (each an audit record animated across the API server and a
watch event that redraws the pod). The page is opened by a logged-in staff user and
requestAnimationFrame counts frames for ~10 s. Aim: ≥ 30 frames/s.

The load and the measurement are shared with ``tests/e2e/browser/test_frame_rate.py``,
which checks that the page keeps drawing under this load (not how fast).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from .live import KubeAPI, UpServer


CHROMIUM = os.environ.get("CLUSTERVIZ_CHROMIUM", "/usr/bin/chromium")
NODES = 50
PODS = 500
#: Pod writes per second while measuring: about what 50 busy kubelets send.
WRITES_PER_SECOND = 50
MEASURE_MS = 10000
AIM_FPS = 30
STAFF = ("bench-frames", "bench-frames-2026")

#: Frames counted with requestAnimationFrame for ``ms`` milliseconds.
_MEASURE_JS = """ms => new Promise(resolve => {
    let frames = 0, t0 = null, worst = 0, last = null;
    function frame(t) {
        if (t0 === null) { t0 = t; last = t; }
        frames++; worst = Math.max(worst, t - last); last = t;
        if (t - t0 < ms) requestAnimationFrame(frame);
        else resolve({frames: frames - 1, fps: (frames - 1) / ((t - t0) / 1000), worst_frame_ms: worst});
    }
    requestAnimationFrame(frame);
})"""


def prepare(server, cluster: str) -> KubeAPI:
    """A new cluster on ``server`` (anything with ``manage(*args)`` and ``kubeconfig(cluster)``) with
    NODES Ready nodes in three zones and PODS Running pods spread over them."""
    from concurrent.futures import ThreadPoolExecutor

    server.manage("shell", "-c", f"from clusterviz.clusters.bootstrap import create_cluster; create_cluster('{cluster}')")
    api = KubeAPI(server.kubeconfig(cluster))
    for i in range(NODES):
        node = {"metadata": {"name": f"node-{i:02d}", "labels": {"topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}"}},
                "status": {"capacity": {"cpu": "8", "pods": "110"}, "conditions": [{"type": "Ready", "status": "True"}]}}
        status, body = api.call("POST", "/api/v1/nodes", node)
        assert status == 201, body

    def make(i: int) -> None:
        pod = {"metadata": {"name": f"p-{i:03d}", "namespace": "default"},
               "spec": {"nodeName": f"node-{i % NODES:02d}", "containers": [{"name": "app", "image": "nginx:1.27"}]}}
        status, obj = api.call("POST", "/api/v1/namespaces/default/pods", pod)
        assert status == 201, obj
        obj["status"] = {"phase": "Running", "podIP": f"10.244.{i % NODES}.{i // NODES + 2}", "containerStatuses": [
            {"name": "app", "ready": True, "restartCount": 0, "image": "nginx:1.27", "imageID": "",
             "state": {"running": {"startedAt": "2026-12-01T00:00:00Z"}}}]}
        status, body = api.call("PUT", f"/api/v1/namespaces/default/pods/p-{i:03d}/status", obj)
        assert status == 200, body

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(PODS)))
    return api


def open_cluster(page, base_url: str, cluster: str) -> None:
    """Load the cluster's page and wait until it is synced and every node and pod is drawn."""
    page.goto(f"{base_url}/clusters/{cluster}/")
    page.wait_for_selector("body[data-synced=true]", timeout=20000)
    page.wait_for_function(f"document.querySelectorAll('svg .pod').length === {PODS}", timeout=20000)
    assert page.locator("svg .node").count() == NODES


@contextlib.contextmanager
def streaming(api: KubeAPI) -> Iterator[list[int]]:
    """Pod label patches at WRITES_PER_SECOND while the block runs, as kubelets would send updates;
    yields a one-item list counting the writes sent."""
    stop = threading.Event()
    writes = [0]

    def stream() -> None:
        started = time.monotonic()
        while not stop.is_set():
            i = writes[0]
            api.call("PATCH", f"/api/v1/namespaces/default/pods/p-{i % PODS:03d}", {"metadata": {"labels": {"tick": str(i)}}},
                     content_type="application/merge-patch+json")
            writes[0] += 1
            time.sleep(max(0.0, started + writes[0] / WRITES_PER_SECOND - time.monotonic()))

    worker = threading.Thread(target=stream, daemon=True)
    worker.start()
    try:
        yield writes
    finally:
        stop.set()
        worker.join(5)


def measure(page, ms: int) -> dict:
    """``{"frames", "fps", "worst_frame_ms"}`` counted with requestAnimationFrame over ``ms``."""
    return page.evaluate(_MEASURE_JS, ms)


def run(options: dict) -> str:
    from playwright.sync_api import sync_playwright

    cluster = f"fps-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp, UpServer(Path(tmp)) as server:
        server.manage("createsuperuser", "--noinput", "--username", STAFF[0], "--email", "bench@example.com",
                      env={"DJANGO_SUPERUSER_PASSWORD": STAFF[1]})
        api = prepare(server, cluster)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
                page.goto(f"{server.http_url}/accounts/login/?next=/clusters/{cluster}/")
                page.fill("#id_username", STAFF[0])
                page.fill("#id_password", STAFF[1])
                page.click("button[type=submit]")
                page.wait_for_url(f"**/clusters/{cluster}/")
                open_cluster(page, server.http_url, cluster)
                with streaming(api) as writes:
                    time.sleep(1)
                    started, sent = time.monotonic(), writes[0]
                    result = measure(page, MEASURE_MS)
                    rate = (writes[0] - sent) / (time.monotonic() - started)
            finally:
                browser.close()
    return (f"bench frames: {NODES} nodes, {PODS} pods, {rate:.0f} writes/s: {result['fps']:.1f} frames/s "
            f"(worst frame {result['worst_frame_ms']:.0f} ms); aim ≥ {AIM_FPS}\n")
