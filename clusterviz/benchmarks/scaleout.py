"""``bench scaleout``: the deployment of ``docs/deploy.md`` on this machine — web processes
and ``simworker`` processes sharing one PostgreSQL database and one Redis.

Measured, in order:

1. simple GETs per second (one namespace, keep-alive connections, ``--count`` client threads)
   served by one web process, then by two (the clients split between them);
2. cross-process watch delivery: a watch served by process B, writes sent through process A
   one every 20 ms; the delay from each write's answer to its event on B's stream;
3. failover: SIGKILL the simworker holding the cluster's Lease; the time until the control API
   answers through the other (the Lease must expire first: 15 s).

The clients run on the same machine as the servers, so on a 2-core machine the GET rate is
the whole machine's, clients included.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

from .live import ROOT, KubeAPI, UpServer

GET_SECONDS = 10.0
WATCH_WRITES = 200
#: Redis database the benchmark empties and uses (the tests use others).
REDIS_DB = 6


@contextlib.contextmanager
def _fresh_database(base: str) -> Iterator[str]:
    name = f"clusterviz_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _gets_per_second(apis: list[KubeAPI], clients: int) -> float:
    """Every client thread GETs one namespace over its own keep-alive connection."""
    counts = [0] * clients
    deadline = time.monotonic() + GET_SECONDS

    def client(index: int) -> None:
        api = apis[index % len(apis)]
        conn = http.client.HTTPSConnection(api.host, api.port, context=api.context, timeout=30)
        headers = {"Authorization": f"Bearer {api.token}", "Accept": "application/json"}
        while time.monotonic() < deadline:
            conn.request("GET", f"{api.prefix}/api/v1/namespaces/default", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def _watch_delays(writer: KubeAPI, watcher: KubeAPI) -> list[float]:
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    writer.call("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    _, listed = watcher.call("GET", path)
    arrivals: dict[str, float] = {}
    ready = threading.Event()

    def watch() -> None:
        conn = http.client.HTTPSConnection(watcher.host, watcher.port, context=watcher.context, timeout=60)
        conn.request("GET", f"{watcher.prefix}{path}?watch=true&resourceVersion="
                     f"{listed['metadata']['resourceVersion']}&timeoutSeconds=300",
                     headers={"Authorization": f"Bearer {watcher.token}"})
        response = conn.getresponse()
        ready.set()
        while len(arrivals) < WATCH_WRITES:
            line = response.readline()
            if not line:
                return
            arrivals[json.loads(line)["object"]["metadata"]["name"]] = time.monotonic()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(30)
    time.sleep(1.5)
    answered: dict[str, float] = {}
    for i in range(WATCH_WRITES):
        status, _ = writer.call("POST", path, {"metadata": {"name": f"cm-{i}"}})
        answered[f"cm-{i}"] = time.monotonic()
        if status != 201:
            raise RuntimeError(f"write {i} answered {status}")
        time.sleep(0.02)
    thread.join(30)
    return sorted(arrivals[name] - answered[name] for name in answered if name in arrivals)


def _start_worker(server: UpServer, name: str) -> subprocess.Popen:
    with open(server.data_dir / f"{name}.log", "w") as log:
        return subprocess.Popen([sys.executable, "manage.py", "simworker"], cwd=ROOT, env=server.env, stdout=log,
                                stderr=subprocess.STDOUT)


def _wait(predicate, timeout: float) -> float:  # noqa: ANN001
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"gave up after {timeout:g} s")


def _sim_answers(api: KubeAPI) -> bool:
    conn = http.client.HTTPSConnection(api.host, api.port, context=api.context, timeout=15)
    try:
        conn.request("GET", f"{api.prefix}/sim/", headers={"Authorization": f"Bearer {api.token}"})
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _holder(api: KubeAPI) -> str:
    _, lease = api.call("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/clusterviz-kernel")
    return (lease.get("spec") or {}).get("holderIdentity", "")


def run(options: dict) -> str:
    clients = options.get("count") or 8
    base = os.environ.get("CLUSTERVIZ_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    results: dict = {"clients": clients}
    with _fresh_database(base) as database_url, tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        env = {"REDIS_URL": redis_url}
        data = Path(tmp)
        with UpServer(data, env, database_url=database_url, log_name="web-a.log") as a:
            api_a = KubeAPI(a.kubeconfig("demo"))
            results["gets_per_second_1"] = round(_gets_per_second([api_a], clients), 1)
            b = UpServer(data, env, database_url=database_url, log_name="web-b.log")
            with b:
                api_b = KubeAPI(b.kubeconfig("demo"))
                results["gets_per_second_2"] = round(_gets_per_second([api_a, api_b], clients), 1)
                workers = [_start_worker(a, f"worker-{i}") for i in (1, 2)]
                try:
                    _wait(lambda: _sim_answers(api_b), 60)
                    delays = _watch_delays(api_a, api_b)
                    results["watch_events"] = len(delays)
                    results["watch_p50_ms"] = round(statistics.median(delays) * 1000, 1)
                    results["watch_p99_ms"] = round(delays[int(len(delays) * 0.99) - 1] * 1000, 1)
                    holder = _holder(api_a)
                    owner = next(w for w in workers if holder.endswith(f"_{w.pid}"))
                    owner.send_signal(signal.SIGKILL)
                    results["failover_seconds"] = round(_wait(
                        lambda: _holder(api_a) not in ("", holder) and _sim_answers(api_b), 90), 1)
                finally:
                    for worker in workers:
                        worker.kill()
                        worker.wait(10)
    if options.get("output") == "json":
        return json.dumps(results, indent=2)
    return "\n".join([
        "bench scaleout: 2 web processes + 2 simworkers, PostgreSQL + Redis, on this machine",
        f"GETs/s, {clients} keep-alive clients:   1 web process {results['gets_per_second_1']:>8}   "
        f"2 web processes {results['gets_per_second_2']:>8}",
        f"cross-process watch ({results['watch_events']} writes via A, watched via B): "
        f"p50 {results['watch_p50_ms']} ms, p99 {results['watch_p99_ms']} ms",
        f"failover (SIGKILL the owning simworker → control API answers via the other): "
        f"{results['failover_seconds']} s (the Lease lasts 15 s)",
    ])
