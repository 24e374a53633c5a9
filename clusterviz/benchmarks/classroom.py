"""``bench classroom``: a class on one laptop — what joining costs, how fast the teacher's
action reaches every student's page, and what 30 clusters of their own cost.

1. **Shared cluster.** A session on a fresh simulated cluster (the demo's nodes, hosted in
   this process, live at 1x); ``--count`` students (30) join through :func:`.sessions.join`
   (user, namespace, bindings through the API server), then ``--clients`` (100) student
   websockets connect to the real consumer and channel layer (in process, as ``bench ws``).
   The teacher acts through the real view (``POST /classroom/NAME/follow``, Django's test
   client, as the browser posts it) ``ACTIONS`` times; reported: p50/p99 from the teacher's
   request to each student page's frame carrying it, and the process's CPU and memory.
2. **A cluster per student** (``--per-student N``, 30): N students of a per-student session,
   each with a cluster of their own at 1x hosted in this process, measured idle for
   ``--minutes`` (0.5): CPU share and resident memory.
"""
from __future__ import annotations

import asyncio
import json
import resource
import statistics
import time
import uuid

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from clusterviz.classroom import sessions
from clusterviz.classroom.models import ClassSession
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.topology import demo_state
from clusterviz.sim import host as kernel_hosts
from clusterviz.viz.consumers import ClusterConsumer
from simulation.cluster import SimulationError

ACTIONS = 40


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _open_class(tag: str, students: int, mode: str) -> tuple[ClassSession, list, float]:
    cluster = create_cluster(f"bench-class-{tag}", sim_state=demo_state())
    kernel_hosts.start(cluster)
    session = sessions.create_session(f"bench-{tag}", cluster, mode=mode, max_students=max(students, 1),
                                      teacher="bench-teacher")
    started = time.perf_counter()
    joined = [sessions.join(session.code, f"student {i}")[0] for i in range(students)]
    return session, joined, time.perf_counter() - started


def _teacher_client(session: ClassSession) -> Client:
    teacher, _ = get_user_model().objects.get_or_create(username="bench-teacher", defaults={"is_staff": True})
    client = Client(HTTP_HOST="localhost")  # an allowed host, as the browser sends
    client.force_login(teacher)
    return client


async def _socket(cluster: str, user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(ClusterConsumer.as_asgi(), f"/ws/clusters/{cluster}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"name": cluster}}
    connected, _ = await communicator.connect(timeout=30)
    assert connected
    return communicator


async def _shared(students: int, clients: int) -> dict:
    tag = uuid.uuid4().hex[:6]
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    session, joined, join_seconds = await sync_to_async(_open_class)(tag, students, ClassSession.SHARED)
    teacher = await sync_to_async(_teacher_client)(session)
    users = [s.user for s in joined] or [await sync_to_async(lambda: get_user_model().objects.get(
        username="bench-teacher"))()]
    sockets = [await _socket(session.cluster.name, users[i % len(users)]) for i in range(clients)]
    sent: dict[int, float] = {}
    latencies: list[float] = []

    async def listen(socket: WebsocketCommunicator) -> None:
        seen = 0
        while seen < ACTIONS:
            frame = await socket.receive_json_from(timeout=60)
            arrived = time.perf_counter()
            for message in frame["messages"]:
                if message.get("type") == "classroom.follow" and message.get("viewing") in sent:
                    latencies.append(arrived - sent[message["viewing"]])
                    seen += 1

    listeners = [asyncio.ensure_future(listen(s)) for s in sockets]
    cpu1, wall1 = _cpu_seconds(), time.perf_counter()
    post = sync_to_async(lambda body: teacher.post(f"/classroom/{session.name}/follow", json.dumps(body),
                                                   content_type="application/json"))
    for i in range(ACTIONS):
        sent[i] = time.perf_counter()
        answer = await post({"viewing": i})
        assert answer.status_code == 200, answer.content
        await asyncio.sleep(0.25)
    await asyncio.wait_for(asyncio.gather(*listeners), timeout=120)
    cpu2, wall2 = _cpu_seconds(), time.perf_counter()
    rss = _rss_mib()
    for socket in sockets:
        await socket.disconnect()
    ms = [x * 1000 for x in latencies]
    return {"cluster": session.cluster.name, "students": students, "clients": clients, "join_seconds": join_seconds,
            "join_ms_each": join_seconds * 1000 / max(students, 1), "deliveries": len(ms),
            "p50_ms": _pct(ms, 0.5), "p99_ms": _pct(ms, 0.99), "max_ms": max(ms), "mean_ms": statistics.mean(ms),
            "cpu_percent_during_actions": 100 * (cpu2 - cpu1) / (wall2 - wall1),
            "cpu_seconds_setup": cpu1 - cpu0, "setup_seconds": wall1 - wall0, "rss_mib": rss}


def _per_student(count: int, seconds: float) -> dict:
    tag = uuid.uuid4().hex[:6]
    rss0 = _rss_mib()
    started = time.perf_counter()
    session, joined, join_seconds = _open_class(tag, count, ClassSession.PER_STUDENT)
    for student in joined:
        kernel_hosts.start(student.cluster)
    setup = time.perf_counter() - started
    time.sleep(5)  # the kubelets register and settle
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    cpu1, wall1 = _cpu_seconds(), time.perf_counter()
    return {"names": [session.cluster.name, *(s.cluster.name for s in joined)], "clusters": count, "join_seconds": join_seconds, "setup_seconds": setup,
            "cpu_percent_idle": 100 * (cpu1 - cpu0) / (wall1 - wall0), "rss_mib": _rss_mib(),
            "rss_mib_before": rss0, "seconds": seconds}


def result_clusters(result: dict) -> list[str]:
    return list(result.get("clusters", []))


def run(options: dict) -> str:
    students = options.get("count") or 30
    clients = options.get("clients") or 100
    shared = asyncio.run(_shared(students, clients))
    lines = [
        (f"classroom (shared cluster): {shared['students']} students joined in {shared['join_seconds']:.1f} s "
         f"({shared['join_ms_each']:.0f} ms each: user, namespace, 2 bindings)"),
        (f"  teacher action -> {shared['clients']} student websockets ({shared['deliveries']} deliveries): "
         f"p50 {shared['p50_ms']:.1f} ms, p99 {shared['p99_ms']:.1f} ms, max {shared['max_ms']:.1f} ms"),
        (f"  process: {shared['cpu_percent_during_actions']:.0f}% of a core while the teacher acts "
         f"(the cluster live at 1x), {shared['rss_mib']:.0f} MiB resident"),
    ]
    result: dict = {"shared": shared, "clusters": [shared["cluster"]]}
    per = 30 if options.get("per_student") is None else options["per_student"]
    if per:
        minutes = options.get("minutes") or 0.5
        own = _per_student(per, minutes * 60)
        result["per_student"] = own
        result["clusters"] += own["names"]
        lines.append(f"classroom (a cluster per student): {own['clusters']} clusters at 1x made in "
                     f"{own['setup_seconds']:.1f} s; idle {own['cpu_percent_idle']:.0f}% of a core, "
                     f"{own['rss_mib']:.0f} MiB resident ({own['rss_mib'] - own['rss_mib_before']:.0f} MiB for them)")
    for name in result_clusters(result):
        try:
            kernel_hosts.stop_hosting(kernel_hosts.get(name))
        except SimulationError:
            continue  # not hosted (any more): nothing to stop
    if options.get("output") == "json":
        return json.dumps(result, indent=2) + "\n"
    return "\n".join(lines) + "\n"
