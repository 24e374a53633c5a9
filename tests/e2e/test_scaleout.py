"""The README's scale-out, as a school would run it: two web processes and two ``simworker``
processes on one PostgreSQL database and one Redis (``docs/deploy.md``).

After more than redis-py's old 5 s socket timeout of silence, the control API and
``get cs`` still answer through either process; a write through one process wakes a watch
served by the other by notification (the idle poll is set to 30 s here, so only the Redis
notification can deliver in time); and when the simworker owning the cluster is killed, the
other takes it over while a page's websocket keeps streaming and the running pods keep their
containers (no second Pulling/Created/Started, same IPs, restartCount 0).
"""
from __future__ import annotations

import functools
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
import websocket

from tests.e2e.conftest import RawAPI, get_json, ok, sim_api, unique
from tests.support.liveserver import ROOT, LiveServer
from tests.support.postgres import fresh_database

pytestmark = [pytest.mark.kubectl, pytest.mark.postgres]
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 5
TEACHER = ("teacher", "scale-out-teacher-pw")
#: Without the Redis notification a watch on the other process would wait this long.
IDLE_POLL_SECONDS = 30


def redis_running() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def start_worker(server: LiveServer, log_name: str) -> subprocess.Popen:
    log = open(server.data_dir / log_name, "w")
    return subprocess.Popen([sys.executable, "manage.py", "simworker"], cwd=ROOT, env=server.env, stdout=log,
                            stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


class Farm:
    def __init__(self, a: LiveServer, b: LiveServer, workers: dict[int, subprocess.Popen], started: float) -> None:
        self.a, self.b, self.workers, self.started = a, b, workers, started


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    if not redis_running():
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    import redis

    redis.Redis(host=REDIS[0], port=REDIS[1], db=REDIS_DB).flushdb()
    with fresh_database("clusterviz_scaleout") as url:
        data = tmp_path_factory.mktemp("scaleout")
        env = {"REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
               "CLUSTERVIZ_WATCH_IDLE_POLL_SECONDS": str(IDLE_POLL_SECONDS)}
        a = LiveServer(data, url, env).start()  # migrates and creates the demo cluster
        b = LiveServer(data, url, env)
        b.log = data / "server-b.log"
        b.start()
        workers: dict[int, subprocess.Popen] = {}
        try:
            for name in ("worker-1.log", "worker-2.log"):
                worker = start_worker(a, name)
                workers[worker.pid] = worker
            yield Farm(a, b, workers, time.time())
        finally:
            for worker in workers.values():
                stop(worker)
            b.stop()
            a.stop()


@pytest.fixture(scope="module")
def kc_a(kubectl, farm):
    return functools.partial(kubectl, kubeconfig=farm.a.kubeconfig("demo"))


@pytest.fixture(scope="module")
def kc_b(kubectl, farm):
    return functools.partial(kubectl, kubeconfig=farm.b.kubeconfig("demo"))


def test_after_a_quiet_spell_both_processes_reach_the_simulation(farm, kc_a, kc_b):
    sims = [sim_api(server, server.kubeconfig("demo")) for server in (farm.a, farm.b)]
    wait_for(lambda: all(sim("GET", "")[0] == 200 for sim in sims), what="a simworker hosting demo")
    time.sleep(max(0.0, farm.started + 11 - time.time()))  # past redis-py's old 5 s socket timeout
    for sim in sims:
        status, body = sim("GET", "")
        assert status == 200, body
        assert {c["name"] for c in body["components"]} >= {"kube-scheduler", "kube-controller-manager"}
    for kc in (kc_a, kc_b):
        table = ok(kc("get", "componentstatuses"))
        assert re.search(r"^scheduler\s+Healthy", table, re.M), table
        assert re.search(r"^controller-manager\s+Healthy", table, re.M), table


def test_a_write_through_one_process_wakes_a_watch_on_the_other(farm):
    api_a, api_b = RawAPI(farm.a.kubeconfig()), RawAPI(farm.b.kubeconfig())
    namespace = unique("crossproc")
    assert api_a.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}}).status == 201
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    start = api_b.get(path).json()["metadata"]["resourceVersion"]
    arrivals: dict[str, float] = {}
    connected = threading.Event()

    def watch() -> None:
        conn = http.client.HTTPSConnection(api_b.host, api_b.port, context=api_b.context, timeout=IDLE_POLL_SECONDS)
        conn.request("GET", f"{api_b.prefix}{path}?watch=true&resourceVersion={start}&timeoutSeconds=120",
                     headers={"Authorization": f"Bearer {api_b.token}"})
        response = conn.getresponse()
        connected.set()
        while len(arrivals) < 20:
            line = response.readline()
            if not line:
                return
            arrivals[json.loads(line)["object"]["metadata"]["name"]] = time.monotonic()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert connected.wait(30)
    time.sleep(1)  # the watch is idle: its next poll without a notification is 30 s away
    sent = {}
    for i in range(20):
        sent[f"cm-{i}"] = time.monotonic()
        assert api_a.request("POST", path, {"metadata": {"name": f"cm-{i}"}}).status == 201
        time.sleep(0.1)
    watcher.join(IDLE_POLL_SECONDS / 2)

    assert sorted(arrivals) == sorted(sent), "every write reached the other process's watch"
    delays = sorted(arrivals[name] - sent[name] for name in sent)
    assert delays[-1] < IDLE_POLL_SECONDS / 2, f"woken by notification, not by the idle poll: {delays}"


def _login(server: LiveServer) -> str:
    env = {**server.env, "DJANGO_SUPERUSER_PASSWORD": TEACHER[1]}
    subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", TEACHER[0],
                    "--email", "t@example.com"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = f"{server.http_url}/accounts/login/"
    page = opener.open(login).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": TEACHER[0], "password": TEACHER[1], "csrfmiddlewaretoken": token,
                                   "next": "/clusters/demo/"}).encode()
    opener.open(urllib.request.Request(login, form, headers={"Referer": login}))
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "logged in"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _container_events(kc, app: str) -> list[tuple]:
    return sorted((e["involvedObject"]["name"], e["reason"], e.get("count") or 1)
                  for e in get_json(kc, "events")["items"]
                  if e["involvedObject"]["name"].startswith(app) and e["reason"] in ("Pulling", "Created", "Started"))


def test_a_simworker_killed_is_replaced_without_restarting_containers_or_the_page_stream(farm, kc_a, kc_b):
    app = unique("web")
    ok(kc_a("create", "deployment", app, "--image=nginx:1.27", "--replicas=2"))

    def running() -> dict:
        pods = get_json(kc_b, "pods", "-l", f"app={app}")["items"]
        ready = {p["metadata"]["name"]: (p["status"].get("podIP"), p["status"]["containerStatuses"][0]["containerID"],
                                         p["status"]["containerStatuses"][0]["restartCount"])
                 for p in pods if p["status"].get("phase") == "Running"
                 and all(c.get("ready") for c in p["status"].get("containerStatuses") or [])}
        return ready if len(ready) == 2 else {}

    before = wait_for(running, 90, "two Running pods")
    time.sleep(3)  # their Started events are recorded
    events_before = _container_events(kc_a, app)
    lease = get_json(kc_a, "lease", "-n", "kube-system", "clusterviz-kernel")["spec"]["holderIdentity"]
    owner = int(lease.rsplit("_", 1)[1])
    assert owner in farm.workers, f"{lease} is one of ours"

    ws = websocket.create_connection(f"ws://127.0.0.1:{farm.b.http_port}/ws/clusters/demo/",
                                     cookie=_login(farm.b), origin=farm.b.http_url, timeout=30)
    frames: list[int] = []
    closed: list[str] = []

    def read() -> None:
        try:
            while True:
                frames.append(json.loads(ws.recv())["seq"])
        except Exception as exc:  # noqa: BLE001 - the socket closing is what we watch for
            closed.append(repr(exc))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for(lambda: frames, 30, "the first frame")

    os.kill(owner, signal.SIGKILL)
    farm.workers.pop(owner).wait(10)
    wait_for(lambda: get_json(kc_a, "lease", "-n", "kube-system", "clusterviz-kernel")["spec"][
        "holderIdentity"] != lease, 60, "the other simworker to take the Lease")
    sim = sim_api(farm.b, farm.b.kubeconfig("demo"))
    wait_for(lambda: sim("GET", "")[0] == 200, 30, "the control API through the new owner")
    seen = len(frames)
    time.sleep(8)  # the new owner's kubelets have adopted the pods and posted their status

    assert running() == before, "same pods, same containers, same IPs, no restart"
    assert _container_events(kc_a, app) == events_before, "nothing was pulled, created or started again"
    assert not closed and len(frames) > seen, f"the page's websocket kept streaming: {closed}"
    assert frames == list(range(frames[0], frames[0] + len(frames))), "no frame was lost"
    ws.close()
