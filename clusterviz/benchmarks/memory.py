"""``bench memory``: the server's resident memory over a long class, on the demo cluster.

A server started as a user starts it (``manage.py up``, the demo cluster: a scheduler, a
controller manager, three kubelets) runs at ``--speed`` (10×) for ``--minutes`` (60) with a
classroom's worth of churn: a 3-replica Deployment scaled between 3 and 6 every 30 s and a
crash-looping pod, on top of the heartbeats, Lease renewals and node status updates the
cluster writes by itself. Every ``--sample`` minutes it reads the server's RSS
(``/proc/<pid>/status``) and the store's revision. Aim: RSS levels off — every in-memory
history (watch cache, informer caches, kernel history, audit buffer) is bounded — instead of
growing with the revisions written.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from .live import KubeAPI, UpServer

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
CRASHER = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crasher"},
           "spec": {"containers": [{"name": "app", "image": "busybox:1.36",
                                    "command": ["sh", "-c", "echo starting; sleep 5; exit 1"]}]}}
SCALE_EVERY_SECONDS = 30


def rss_mib(pid: int) -> float:
    return _status_mib(pid, "VmRSS:")


def peak_rss_mib(pid: int) -> float:
    """The most the process has held resident (the kernel's high-water mark)."""
    return _status_mib(pid, "VmHWM:")


def _status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def revision(api: KubeAPI) -> int:
    status, body = api.call("GET", "/api/v1/namespaces/default/configmaps")
    return int(body["metadata"]["resourceVersion"]) if status == 200 else -1


def run(options: dict) -> str:
    minutes = options.get("minutes") or 60.0
    speed = options.get("speed") or 10.0
    sample = options.get("sample") or max(minutes / 12, 0.5)
    rows: list[dict] = []
    # Head-room for the whole run: the clock never passes the wall clock, and at the live edge
    # a cluster runs at 1x whatever its speed.
    headroom = {"CLUSTERVIZ_HEADROOM_SECONDS": str(speed * minutes * 60)}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp, UpServer(Path(tmp), headroom) as server:
        api = KubeAPI(server.kubeconfig("demo"))
        server.manage("sim", "speed", str(speed))
        server.manage("sim", "play")
        api.call("POST", "/apis/apps/v1/namespaces/default/deployments", DEPLOYMENT)
        api.call("POST", "/api/v1/namespaces/default/pods", CRASHER)
        started = time.monotonic()
        next_sample, next_scale, replicas = started, started + SCALE_EVERY_SECONDS, 3
        while True:
            now = time.monotonic()
            if now >= next_sample:
                rows.append({"minute": round((now - started) / 60, 1), "rss_mib": round(rss_mib(server.process.pid), 1),
                             "revision": revision(api)})
                next_sample += sample * 60
                if now - started >= minutes * 60:
                    break
            if now >= next_scale:
                replicas = 6 if replicas == 3 else 3
                api.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale",
                         {"spec": {"replicas": replicas}}, "application/merge-patch+json")
                next_scale += SCALE_EVERY_SECONDS
            time.sleep(max(0.0, min(next_sample, next_scale) - time.monotonic()))
    if options.get("output") == "json":
        return json.dumps({"minutes": minutes, "speed": speed, "samples": rows}, indent=2)
    lines = [f"bench memory: demo cluster at {speed:g}x for {minutes:g} min, Deployment scaled 3<->6 every "
             f"{SCALE_EVERY_SECONDS} s, one crash-looping pod", "", f"{'MINUTE':>7} {'RSS MiB':>8} {'REVISION':>9}"]
    lines += [f"{r['minute']:>7} {r['rss_mib']:>8} {r['revision']:>9}" for r in rows]
    # The second half: the caches have filled by then, so growth there is what stays unbounded.
    first, half, last = rows[0], rows[len(rows) // 2], rows[-1]
    written = max(last["revision"] - half["revision"], 1)
    lines += ["", f"RSS {first['rss_mib']} MiB at start, {last['rss_mib']} MiB after {last['minute']} min; "
                  f"{last['revision'] - first['revision']} revisions written; over the second half "
                  f"{(last['rss_mib'] - half['rss_mib']) * 1024 / written:.2f} KiB of RSS per revision"]
    return "\n".join(lines)
