"""A control plane restarted on the same store, as ``manage.py up`` restarted on the same data
directory rebuilds it: the kernel resumes from the anchor its host saved, replicated
schedulers elect a leader again and bind a new pod within one lease duration, and no Lease,
heartbeat or condition carries a time ahead of the cluster's clock or of the wall clock."""
from __future__ import annotations

from simulation.apimachinery.timestamps import parse_time
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.server import APIServer
from simulation.client.apiclient import APIClient
from simulation.client.leaderelection import LEASE_DURATION_SECONDS
from simulation.cluster import SimCluster, demo_nodes, standard_cluster
from simulation.kernel.pacing import Anchor
from simulation.kubelet.runtime import RUNNING
from simulation.store.memory import MemoryStore

WALL = 1_800_000_000.0
TICK = 0.1


class FakeWall:
    def __init__(self) -> None:
        self.now = WALL

    def __call__(self) -> float:
        return self.now


def host(server: APIServer, wall: FakeWall, saved: dict) -> SimCluster:
    """What ``clusterviz.sim.host`` does at start: resume from the anchor, stamp with the kernel."""
    anchor = Anchor.from_state(saved)
    assert anchor is not None
    sim = standard_cluster(server, demo_nodes(), seed=3, mode=anchor.mode, speed=anchor.speed,
                           epoch=anchor.virtual_at(wall.now), wall_clock=wall, strict=True, watch_latency_seconds=1.0)
    server.clock = sim.kernel.wall_time
    for kind, count in saved.get("replicas", {}).items():
        sim.set_replicas(kind, count)
    return sim


def save(sim: SimCluster) -> dict:
    anchor = sim.pacer.anchor
    return {"mode": anchor.mode, "speed": anchor.speed, "anchor": anchor.as_state(),
            "replicas": {"scheduler": sim.replicas("scheduler")}}


def run(sim: SimCluster, wall: FakeWall, seconds: float, until=lambda: False) -> bool:
    for _ in range(int(seconds / TICK)):
        wall.now += TICK
        sim.pacer.advance()
        if until():
            return True
    return until()


def stamped_times(admin: APIClient) -> list[float]:
    """Every time the Leases and Nodes carry."""
    times = []
    for namespace in ("kube-system", "kube-node-lease"):
        for lease in admin.list("leases", namespace)[0]:
            times += [parse_time(lease["spec"].get(k)) for k in ("renewTime", "acquireTime") if lease["spec"].get(k)]
    for node in admin.list("nodes", "")[0]:
        for condition in node["status"]["conditions"]:
            times += [parse_time(condition["lastHeartbeatTime"]), parse_time(condition["lastTransitionTime"])]
    return times


def test_after_a_restart_replicated_schedulers_elect_a_leader_and_bind_within_a_lease_duration():
    wall = FakeWall()
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=lambda: WALL - 600, seed=3)
    bootstrap(server)
    admin = APIClient(server, APISERVER, "kubectl/v1.33.0")
    first = host(server, wall, {"mode": "live", "speed": 20.0, "anchor": Anchor(WALL, WALL - 600).as_state()})
    run(first, wall, 3)
    first.set_replicas("scheduler", 2)
    run(first, wall, 5)
    assert any(s.elector.is_leader for s in first.schedulers())
    saved = save(first)

    wall.now += 2  # the server is down: nothing runs
    second = host(server, wall, saved)
    assert second.kernel.wall_time() >= max(stamped_times(admin)), "the clock resumed where it stood, or later"
    second.pacer.set_speed(1.0)
    before = {s.elector.identity for s in first.schedulers()}
    assert before.isdisjoint(s.elector.identity for s in second.schedulers()), "new identities: a real takeover"
    admin.create("pods", {"metadata": {"name": "after-restart"},
                          "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}, "default")

    bound = run(second, wall, LEASE_DURATION_SECONDS + 5,
                until=lambda: admin.get("pods", "default", "after-restart")["spec"].get("nodeName"))

    assert bound, "a leader was elected and bound the pod within one lease duration"
    assert [s.elector.is_leader for s in second.schedulers()].count(True) == 1
    assert max(stamped_times(admin)) <= second.kernel.wall_time() <= wall.now


def _running(admin: APIClient, app: str) -> list[dict]:
    pods = admin.list("pods", "default", label_selector=f"app={app}")[0]
    return [p for p in pods if p["status"].get("phase") == "Running"
            and all(c.get("ready") for c in p["status"].get("containerStatuses") or [])]


def _container_events(admin: APIClient) -> list[tuple]:
    return sorted((e["involvedObject"]["name"], e["reason"], e["count"] if e.get("count") else 1)
                  for e in admin.list("events", "default")[0] if e["reason"] in ("Pulling", "Pulled", "Created",
                                                                                "Started", "SandboxChanged"))


def test_after_a_takeover_running_pods_keep_their_containers_ips_and_restart_counts():
    """The kernel hosting the cluster is replaced (a restarted server, another simworker): the
    nodes' runtimes outlived it, as containerd outlives a kubelet restart, so the new kubelets
    adopt the running containers instead of pulling, creating and starting them again."""
    wall = FakeWall()
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=lambda: WALL - 600, seed=3)
    bootstrap(server)
    admin = APIClient(server, APISERVER, "kubectl/v1.33.0")
    first = host(server, wall, {"mode": "live", "speed": 20.0, "anchor": Anchor(WALL, WALL - 600).as_state()})
    admin.create("deployments", {"metadata": {"name": "web"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}, "default")
    assert run(first, wall, 60, until=lambda: len(_running(admin, "web")) == 3)
    run(first, wall, 3)
    before = {p["metadata"]["name"]: (p["status"]["podIP"], p["status"]["containerStatuses"][0]["containerID"],
                                      p["status"]["containerStatuses"][0]["restartCount"]) for p in _running(admin, "web")}
    events_before = _container_events(admin)
    saved = save(first)

    wall.now += 2  # the old owner is gone: nothing runs
    second = host(server, wall, saved)
    run(second, wall, 30)

    after = {p["metadata"]["name"]: (p["status"]["podIP"], p["status"]["containerStatuses"][0]["containerID"],
                                     p["status"]["containerStatuses"][0]["restartCount"]) for p in _running(admin, "web")}
    assert after == before, "the same pods run the same containers at the same IPs, never restarted"
    assert _container_events(admin) == events_before, "nothing was pulled, created or started again"
    for name, (_, container_id, _) in before.items():
        kubelet = second.kubelet(admin.get("pods", "default", name)["spec"]["nodeName"])
        held = kubelet.runtime.get(container_id.split("://", 1)[1])
        assert held is not None and held.state == RUNNING, f"{name}'s node runs its container (crictl ps)"
