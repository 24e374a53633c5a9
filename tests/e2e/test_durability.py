"""What the store promises under load and under crashes, seen from outside over HTTPS:
many watchers from one revision see the same changes, once each, in order; and a server
killed with SIGKILL mid-write loses no write it acknowledged and never hands out a
resourceVersion twice or backwards."""
from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import RawAPI, unique
from tests.support.liveserver import API_ONLY, LiveServer
from tests.support.postgres import fresh_database

WATCHERS = 50
WRITES = 500


def _watch(api: RawAPI, path: str, want: int, seen: list, deadline: float) -> None:
    """Stream ``path`` until ``want`` events arrived or the deadline passed."""
    conn = http.client.HTTPSConnection(api.host, api.port, context=api.context, timeout=30)
    try:
        conn.request("GET", api.prefix + path, headers={"Authorization": f"Bearer {api.token}"})
        response = conn.getresponse()
        assert response.status == 200, response.read()[:300]
        while len(seen) < want and time.monotonic() < deadline:
            line = response.readline()
            if not line:
                break
            event = json.loads(line)
            meta = event["object"]["metadata"]
            seen.append((event["type"], meta["name"], meta["resourceVersion"]))
    finally:
        conn.close()


def test_fifty_watchers_from_one_revision_see_identical_sequences(raw_api):
    ns = unique("watchers")
    assert raw_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201
    path = f"/api/v1/namespaces/{ns}/configmaps"
    start = raw_api.get(path).json()["metadata"]["resourceVersion"]
    deadline = time.monotonic() + 240
    sequences: list[list] = [[] for _ in range(WATCHERS)]
    threads = [threading.Thread(target=_watch, daemon=True,
                                args=(raw_api, f"{path}?watch=true&resourceVersion={start}&timeoutSeconds=300",
                                      WRITES, sequences[i], deadline)) for i in range(WATCHERS)]
    for thread in threads:
        thread.start()

    expected = []
    for i in range(WRITES // 2):
        created = raw_api.request("POST", path, {"metadata": {"name": f"cm-{i}"}, "data": {"v": "0"}}).json()
        expected.append(("ADDED", f"cm-{i}", created["metadata"]["resourceVersion"]))
    for i in range(WRITES // 2):
        updated = raw_api.request("PATCH", f"{path}/cm-{i}", {"data": {"v": "1"}},
                                  content_type="application/merge-patch+json").json()
        expected.append(("MODIFIED", f"cm-{i}", updated["metadata"]["resourceVersion"]))
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))

    assert all(not t.is_alive() for t in threads), "watchers still waiting for events at the deadline"
    assert [len(s) for s in sequences] == [WRITES] * WATCHERS
    assert all(s == expected for s in sequences), "a watcher saw a different, duplicated or missing change"


# ------------------------------------------------------------------ SIGKILL
class Writer:
    """Increments a counter ConfigMap with retry-on-409, remembering what was acknowledged;
    a write whose answer was lost to the crash is 'uncertain' (it may or may not be stored)."""

    def __init__(self, api: RawAPI, path: str) -> None:
        self.api, self.path = api, path
        self.acknowledged: list[int] = []  # resourceVersions of writes the server answered 200 to
        self.uncertain = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                current = self.api.get(self.path, timeout=5)
                if current.status != 200:
                    time.sleep(0.05)
                    continue
                body = current.json()
                body["data"]["value"] = str(int(body["data"]["value"]) + 1)
            except OSError:
                time.sleep(0.1)
                continue
            try:
                answer = self.api.request("PUT", self.path, body, timeout=5)
            except OSError:
                self.uncertain += 1
                time.sleep(0.1)
                continue
            if answer.status == 200:
                self.acknowledged.append(int(answer.json()["metadata"]["resourceVersion"]))
            elif answer.status != 409:
                time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgres"])
def crash_database(request):
    if request.param == "sqlite":
        yield None
        return
    with fresh_database("clusterviz_crash") as url:
        yield url


def test_sigkill_during_writes_loses_no_acknowledged_write(tmp_path: Path, crash_database):
    server = LiveServer(tmp_path / "crash", database_url=crash_database, extra_env=API_ONLY).start()
    try:
        api = RawAPI(server.kubeconfig())
        path = "/api/v1/namespaces/default/configmaps/counter"
        assert api.request("POST", "/api/v1/namespaces/default/configmaps",
                           {"metadata": {"name": "counter"}, "data": {"value": "0"}}).status == 201
        deploy_path = "/apis/apps/v1/namespaces/default/deployments"
        assert api.request("POST", deploy_path, {
            "metadata": {"name": "web"}, "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                                                  "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                                                      "containers": [{"name": "web", "image": "nginx"}]}}}}).status == 201
        writers = [Writer(api, path) for _ in range(4)]
        threads = [threading.Thread(target=w.run, daemon=True) for w in writers]
        for thread in threads:
            thread.start()
        scaled: list[int] = []
        for kill in range(3):
            time.sleep(1.5)
            replicas = kill + 1
            if api.request("PATCH", f"{deploy_path}/web/scale", {"spec": {"replicas": replicas}},
                           content_type="application/merge-patch+json").status == 200:
                scaled.append(replicas)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(10)
            server.start()
        time.sleep(1.5)
        for writer in writers:
            writer.stop.set()
        for thread in threads:
            thread.join(15)

        acknowledged = sorted(rv for w in writers for rv in w.acknowledged)
        uncertain = sum(w.uncertain for w in writers)
        value = int(api.get(path).json()["data"]["value"])
        assert acknowledged, "no write was acknowledged between the crashes"
        assert len(acknowledged) == len(set(acknowledged)), "a resourceVersion was handed out twice"
        assert len(acknowledged) <= value <= len(acknowledged) + uncertain, (value, len(acknowledged), uncertain)
        after = api.request("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "after"}}).json()
        assert int(after["metadata"]["resourceVersion"]) > acknowledged[-1], "resourceVersion went backwards"
        assert scaled == [1, 2, 3]
        assert api.get(f"{deploy_path}/web").json()["spec"]["replicas"] == 3
    finally:
        server.stop()
