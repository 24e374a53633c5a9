"""``bench frames``: the cluster page's frame rate under load, in headless Chromium.

A server started as a user starts it (``manage.py up`` in a subprocess, free ports, a
temporary data directory), a cluster of ``nodes`` Ready nodes in three zones running ``pods``
pods, and a stream of pod writes (each an audit record animated across the API server and a
watch event that redraws the pod). The page is opened by a logged-in staff user and
requestAnimationFrame counts frames for ~10 s. Aim: ≥ 30 frames/s.

How the cluster is filled, as KWOK fills one (kubernetes-sigs/kwok): the cluster runs a real
scheduler and controller manager but no kubelets; the benchmark registers the Nodes and their
Leases through the API, as a KWOK node would, and creates Deployments (100 replicas each) in
several namespaces. The ReplicaSet controller creates the pods and the scheduler binds them.
Meanwhile the benchmark renews every node's Lease each 10 s of the cluster's time, as KWOK
does, so the node lifecycle controller keeps the nodes Ready; the clock runs at FILL_SPEED so
that a thousand Lease updates every 10 s do not slow the fill they wait for (one round every
100 s of wall time; at 0.5× a loaded machine renewed too slowly and nodes went NotReady). Then the clock is paused (no component acts while the page is measured)
and the benchmark reports each pod Running through ``pods/status``, as KWOK's fake kubelet
does (``running=False`` leaves them ContainerCreating, which the browser test's runtime asks). Real kubelets for 1,000 nodes would
measure the kernel (``bench deploy``), not the page.

The load and the measurement are shared with ``tests/e2e/browser/test_frame_rate.py`` and
``test_thousand_nodes.py``, which check that the page keeps drawing under this load (not how fast).
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .live import KubeAPI, UpServer


CHROMIUM = os.environ.get("CLUSTERVIZ_CHROMIUM", "/usr/bin/chromium")
NODES = 50
PODS = 500
ZONES = ("zone-a", "zone-b", "zone-c")
#: Replicas per Deployment: one owner's pods are what the page folds into "name ×N".
REPLICAS = 100
#: Deployments per namespace: 10,000 pods make 10 namespaces to filter by.
DEPLOYMENTS_PER_NAMESPACE = 10
#: Kinds of workload, cycled over the Deployments: each name and its ``tier`` label.
APPS = (("web", "frontend"), ("api", "backend"), ("cache", "backend"), ("worker", "batch"))
#: Pod writes per second while measuring: about what 50 busy kubelets send. Stated, not
#: proportional to the nodes: one server process on the 2-core VM answers a few hundred
#: writes a second, and the point is the page's drawing, not the server's throughput.
WRITES_PER_SECOND = 50
MEASURE_MS = 10000
AIM_FPS = 30
STAFF = ("bench-frames", "bench-frames-2026")
#: The clock's speed while the controllers and the scheduler fill the cluster (see above).
FILL_SPEED = 0.1
#: A kubelet renews its Lease every 10 s (``nodeLeaseDurationSeconds`` 40 / 4), cluster time.
LEASE_RENEW_SECONDS = 10
#: Until the scheduler has bound every pod; the ReplicaSet controller and the scheduler run
#: through the whole API pipeline into SQLite (about 1 ms of kernel work per pod and write).
PLACED_TIMEOUT_SECONDS = 600

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


@dataclass
class Load:
    """A filled cluster: its API client, its size, its pods (``namespace/name``) and how long
    each step of the fill took (wall seconds)."""

    api: KubeAPI
    nodes: int
    pods: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def workloads(pods: int) -> list[tuple[str, str, str, int]]:
    """``(namespace, name, tier, replicas)`` for the Deployments that make ``pods`` pods."""
    count = max(1, -(-pods // REPLICAS))
    out = []
    for i in range(count):
        app, tier = APPS[i % len(APPS)]
        replicas = min(REPLICAS, pods - i * REPLICAS)
        out.append((f"team-{i // DEPLOYMENTS_PER_NAMESPACE}", f"{app}-{i}", tier, replicas))
    return out


def _sim(server, api: KubeAPI, cluster: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    """The cluster's control API (``/clusters/CLUSTER/sim/PATH``) with the admin token."""
    req = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/{path}", method=method,
                                 data=json.dumps(body or {}).encode() if method == "POST" else None,
                                 headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _node(i: int, stamp: str) -> dict:
    return {"metadata": {"name": f"node-{i:04d}", "labels": {
                "kubernetes.io/hostname": f"node-{i:04d}", "topology.kubernetes.io/zone": ZONES[i % len(ZONES)]}},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}]}}


def prepare(server, cluster: str, nodes: int = NODES, pods: int = PODS, *, running: bool = True) -> Load:
    """A new cluster on ``server`` (anything with ``manage(*args)``, ``kubeconfig(cluster)`` and
    ``http_url``) with ``nodes`` Ready nodes in three zones and ``pods`` pods placed by its
    scheduler, reported Running unless ``running`` is false; its clock is left paused."""
    server.manage("shell", "-c", "from clusterviz.clusters.bootstrap import create_cluster; "
                  "from clusterviz.clusters.topology import simulated_state; "
                  f"create_cluster('{cluster}', sim_state=simulated_state([]))")
    api = KubeAPI(server.kubeconfig(cluster))
    deadline = time.monotonic() + 60
    while True:  # ``up`` hosts a new cluster's kernel within a second or so
        with contextlib.suppress(OSError, ValueError):
            if "clock" in _sim(server, api, cluster, ""):
                break
        assert time.monotonic() < deadline, f"cluster {cluster} is not hosted"
        time.sleep(0.5)
    _sim(server, api, cluster, "speed", "POST", {"speed": FILL_SPEED})
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def register(i: int) -> None:
        status, body = api.call("POST", "/api/v1/nodes", _node(i, stamp))
        assert status == 201, body
        lease = {"metadata": {"name": f"node-{i:04d}", "namespace": "kube-node-lease"},
                 "spec": {"holderIdentity": f"node-{i:04d}", "leaseDurationSeconds": 40, "renewTime": stamp.replace("Z", ".000000Z")}}
        status, body = api.call("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)
        assert status == 201, body

    plan = workloads(pods)
    namespaces = sorted({ns for ns, *_ in plan})
    seconds, started = {}, time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(register, range(nodes)))
        seconds["nodes registered"], started = time.monotonic() - started, time.monotonic()
        for ns in namespaces:
            status, body = api.call("POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
            assert status == 201, body

        def deploy(item: tuple[str, str, str, int]) -> None:
            ns, name, tier, replicas = item
            labels = {"app": name, "tier": tier}
            status, body = api.call("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", {
                "metadata": {"name": name, "namespace": ns, "labels": labels},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": labels},
                                      "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
            assert status == 201, body

        list(pool.map(deploy, plan))
        with _renewing_leases(api, nodes, pool):
            placed = _wait_placed(api, pods)
        _sim(server, api, cluster, "pause", "POST")
        _sim(server, api, cluster, "speed", "POST", {"speed": 1})
        seconds["pods created and scheduled"], started = time.monotonic() - started, time.monotonic()

        def run(i: int) -> None:
            """What KWOK's fake kubelet reports for a pod bound to its node: Running and Ready."""
            pod = placed[i]
            meta = pod["metadata"]
            pod["status"] = {**pod.get("status", {}), "phase": "Running", "podIP": f"10.{64 + i // 62500}.{i // 250 % 250}.{i % 250 + 2}",
                             "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "image": "nginx:1.27",
                                                    "imageID": "", "state": {"running": {"startedAt": stamp}}}]}
            status, body = api.call("PUT", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status", pod)
            assert status == 200, body

        if running:
            list(pool.map(run, range(len(placed))))
            seconds["pods reported Running"] = time.monotonic() - started
    return Load(api, nodes, [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in placed], namespaces,
                seconds)


@contextlib.contextmanager
def _renewing_leases(api: KubeAPI, nodes: int, pool: ThreadPoolExecutor) -> Iterator[None]:
    """Renew the nodes' Leases every LEASE_RENEW_SECONDS of cluster time while the block runs."""
    stop = threading.Event()

    def renew(i: int) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        api.call("PATCH", f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-{i:04d}",
                 {"spec": {"renewTime": stamp}}, content_type="application/merge-patch+json")

    def loop() -> None:
        while not stop.wait(LEASE_RENEW_SECONDS / FILL_SPEED):
            list(pool.map(renew, range(nodes)))

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()


def _wait_placed(api: KubeAPI, pods: int) -> list[dict]:
    """Every pod, once the ReplicaSet controller has made ``pods`` and the scheduler bound them all."""
    deadline = time.monotonic() + PLACED_TIMEOUT_SECONDS
    while True:
        status, body = api.call("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3D")
        assert status == 200, body
        if not body["items"]:
            status, body = api.call("GET", "/api/v1/pods")
            assert status == 200, body
            if len(body["items"]) >= pods:
                return body["items"]
        assert time.monotonic() < deadline, f"pods not placed after {PLACED_TIMEOUT_SECONDS} s"
        time.sleep(2)


def open_cluster(page, base_url: str, cluster: str, load: Load) -> None:
    """Load the cluster's page and wait until it is synced and holds every node and pod: up to
    50 nodes each is drawn; past that the page says how many it holds (the diagram groups them)."""
    page.goto(f"{base_url}/clusters/{cluster}/")
    page.wait_for_selector("body[data-synced=true]", timeout=60000)
    if load.nodes <= NODES:
        page.wait_for_function(f"document.querySelectorAll('svg .pod').length === {len(load.pods)}", timeout=20000)
        assert page.locator("svg .node").count() == load.nodes
    else:
        page.wait_for_function("([nodes, pods]) => { const t = document.querySelector('#diagram-filter-count'); "
                               "return t && t.dataset.nodes == nodes && t.dataset.pods == pods; }",
                               arg=[load.nodes, len(load.pods)], timeout=60000)


@contextlib.contextmanager
def streaming(load: Load, per_second: float = WRITES_PER_SECOND) -> Iterator[list[int]]:
    """Pod label patches at ``per_second`` while the block runs, as kubelets would send updates,
    going round the pods; yields a one-item list counting the writes sent.

    Each block labels with values of its own (``tick: SESSION-N``): a patch that sets the value
    a pod already has changes nothing, so the API server writes no revision and sends no watch
    event. Before, a second block (the zone-open measurement) repeated the first one's values
    ``0``, ``1``, … on the same pods: its writes were all no-ops and the page redrew no pod."""
    stop = threading.Event()
    writes = [0]
    session = uuid.uuid4().hex[:6]

    def stream() -> None:
        started = time.monotonic()
        while not stop.is_set():
            i = writes[0]
            ns, name = load.pods[i % len(load.pods)].split("/")
            load.api.call("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}", {"metadata": {"labels": {"tick": f"{session}-{i}"}}},
                          content_type="application/merge-patch+json")
            writes[0] += 1
            time.sleep(max(0.0, started + writes[0] / per_second - time.monotonic()))

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

    nodes, pods = options.get("nodes") or NODES, options.get("pods") or PODS
    cluster = f"fps-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp, UpServer(Path(tmp)) as server:
        server.manage("createsuperuser", "--noinput", "--username", STAFF[0], "--email", "bench@example.com",
                      env={"DJANGO_SUPERUSER_PASSWORD": STAFF[1]})
        started = time.monotonic()
        load = prepare(server, cluster, nodes, pods)
        filled = time.monotonic() - started
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
                page.goto(f"{server.http_url}/accounts/login/?next=/clusters/{cluster}/")
                page.fill("#id_username", STAFF[0])
                page.fill("#id_password", STAFF[1])
                page.click("button[type=submit]")
                page.wait_for_url(f"**/clusters/{cluster}/")
                started = time.monotonic()
                open_cluster(page, server.http_url, cluster, load)
                opened = time.monotonic() - started
                with streaming(load) as writes:
                    time.sleep(1)
                    started, sent = time.monotonic(), writes[0]
                    cpu, server_cpu = _chromium_cpu_seconds(), _cpu_seconds(server.process.pid)
                    result = measure(page, MEASURE_MS)
                    cpu, server_cpu = _chromium_cpu_seconds() - cpu, _cpu_seconds(server.process.pid) - server_cpu
                    rate = (writes[0] - sent) / (time.monotonic() - started)
                zoomed = _zoomed_in(page, load) if nodes > NODES else ""
            finally:
                browser.close()
    steps = ", ".join(f"{step} {s:.0f} s" for step, s in load.seconds.items())
    return (f"bench frames: {nodes} nodes, {len(load.pods)} pods, {rate:.0f} writes/s: {result['fps']:.1f} frames/s "
            f"(worst frame {result['worst_frame_ms']:.0f} ms), Chromium CPU {cpu:.1f} s and server CPU {server_cpu:.1f} s "
            f"over {MEASURE_MS / 1000:.0f} s; aim ≥ {AIM_FPS}\n{zoomed}"
            f"  cluster filled in {filled:.0f} s ({steps}), page synced and drawn in {opened:.1f} s\n")


def _zoomed_in(page, load: Load) -> str:
    """The same measurement with the first zone open (its nodes drawn, their pods counted)."""
    page.locator("svg .zone").first.locator("text").first.click()
    page.wait_for_function("document.querySelectorAll('svg .node').length > 0")
    with streaming(load):
        time.sleep(1)
        cpu = _chromium_cpu_seconds()
        result = measure(page, MEASURE_MS)
        cpu = _chromium_cpu_seconds() - cpu
    drawn = page.evaluate("[document.querySelectorAll('svg .node').length, document.querySelectorAll('svg .pod').length]")
    return (f"  one zone open ({drawn[0]} nodes, {drawn[1]} pods drawn): {result['fps']:.1f} frames/s "
            f"(worst frame {result['worst_frame_ms']:.0f} ms), Chromium CPU {cpu:.1f} s\n")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (/proc/PID/stat)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _chromium_cpu_seconds() -> float:
    """CPU seconds so far of every Chromium process started under this one (renderer, GPU,
    browser): what drawing the page costs, beside the frames it yields."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().startswith("chrom"):
                total += _cpu_seconds(pid)
    return total
