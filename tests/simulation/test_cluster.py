"""The whole control plane, headless: the chapter-11 chain end to end, the same history
for the same seed, and one action per step in the chain's order."""
from __future__ import annotations

import re

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.cluster import SimCluster, SimulationError, demo_nodes, standard_cluster
from simulation.kernel import Kernel
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS, STORY_HORIZON_SECONDS
from simulation.store.memory import MemoryStore

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                   "resources": {"requests": {"cpu": "100m"}}}]}}}}


def make_cluster(seed: int = 7, mode: str = "headless") -> tuple[SimCluster, APIClient]:
    kernel = Kernel(seed=seed, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=seed)
    bootstrap(server)
    cluster = SimCluster(server, mode=mode, kernel=kernel)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    for spec in demo_nodes():
        cluster.add_node(spec)
    cluster.add_dns()
    cluster.start()
    return cluster, APIClient(server, APISERVER, "kubectl/v1.33.0")


def running_pods(admin: APIClient, app: str) -> list[dict]:
    items, _ = admin.list("pods", "default", label_selector=f"app={app}")
    return [p for p in items if (p.get("status") or {}).get("phase") == "Running"]


def test_deployment_becomes_three_running_pods_with_the_chain_of_events():
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 3, timeout_seconds=60)
    pods = running_pods(admin, "web")
    assert {p["spec"]["nodeName"] for p in pods} == {"node-1", "node-2"}
    # The Deployment's status follows its pods a couple of hops later.
    assert cluster.kernel.run_until_true(lambda: admin.get("deployments", "default", "web")["status"].get(
        "readyReplicas") == 3, timeout_seconds=10)
    deployment = admin.get("deployments", "default", "web")
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    events, _ = admin.list("events", "default")
    events = [e for e in events if e["involvedObject"]["kind"] != "Node"]
    chain = [(e["reason"], e["source"].get("component") or e["reportingComponent"]) for e in sorted(events, key=lambda e: e["metadata"]["resourceVersion"]
                                                                    .zfill(12))]
    reasons = [r for r, _ in chain]
    assert chain[0] == ("ScalingReplicaSet", "deployment-controller")
    assert reasons.count("SuccessfulCreate") == 3 and reasons.count("Scheduled") == 3
    assert reasons.index("SuccessfulCreate") < reasons.index("Scheduled") < reasons.index("Started")
    assert {c for r, c in chain if r in ("Pulling", "Pulled", "Created", "Started")} == {"kubelet"}


def history(seed: int) -> tuple[list[tuple], list[tuple]]:
    cluster, admin = make_cluster(seed)
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    cluster.kernel.run_for(30)
    steps = [(s.seq, s.time_seconds, s.component, s.action, s.caption) for s in cluster.kernel.history]
    items, _ = admin.list("pods", "default")
    pods = sorted((p["metadata"]["name"], p["spec"].get("nodeName"), p["status"].get("podIP")) for p in items)
    return steps, pods


def test_same_seed_same_history():
    first, second = history(11), history(11)
    assert first == second
    assert len(first[0]) > 50 and len(first[1]) == 3


def test_different_seed_different_names():
    assert history(11)[1] != history(12)[1]


def test_paused_story_steps_follow_the_chain_one_at_a_time():
    cluster, admin = make_cluster(mode="paused")
    cluster.kernel.run_for(2)
    admin.create("deployments", DEPLOYMENT, "default")
    assert admin.list("replicasets", "default")[0] == [], "paused: nothing reacts"
    firsts: dict[str, int] = {}
    for _ in range(100):
        *housekeeping, step = cluster.pacer.step()
        assert not step.housekeeping and all(s.housekeeping for s in housekeeping)
        key = step.controller or step.component.split("/")[0]
        if step.action != "watch-delivery":
            firsts.setdefault(key, step.seq)
        if len(running_pods(admin, "web")) == 3:
            break
    assert firsts["deployment"] < firsts["replicaset"] < firsts["kube-scheduler"] < firsts["kubelet"], firsts


#: What ``kubectl create deployment story --image=nginx --replicas=2`` sends.
STORY = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "story", "namespace": "default", "labels": {"app": "story"}},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "story"}},
                  "template": {"metadata": {"labels": {"app": "story"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
#: Housekeeping that must never be told as the story (issue 11): heartbeats, lease renewals,
#: relists and checks that changed nothing.
HOUSEKEEPING = re.compile(r".*(renews its Lease|renews lease|its cache was right|is a follower|queue is empty|"
                          r"nothing to do)|The node controller checks \d+ node\(s\): \d+ Ready$")


@pytest.mark.parametrize("warm_up_seconds", [0.5, 31.0, 95.25], ids=["just-started", "amid-relists", "settled"])
def test_forty_story_steps_run_a_two_replica_deployment_with_no_housekeeping_among_them(warm_up_seconds):
    cluster, admin = make_cluster(mode="paused")
    cluster.kernel.watch_latency_seconds = CLASSROOM_WATCH_LATENCY_SECONDS
    cluster.kernel.run_for(warm_up_seconds)
    admin.create("deployments", STORY, "default")

    ran = cluster.pacer.step(40)

    story = [s for s in ran if not s.housekeeping]
    assert len(running_pods(admin, "story")) == 2
    assert len(story) == 40 or ran[-1].housekeeping, "fewer only when the story ran out before the horizon"
    told = [s.caption for s in story if HOUSEKEEPING.match(s.caption)]
    assert told == [] and not {s.action for s in story} & {"heartbeat", "requeue"}, told
    assert any(s.action == "heartbeat" for s in ran), "housekeeping still ran in between, each a recorded step"
    assert list(cluster.kernel.history)[-len(ran):] == ran


def test_a_binding_lights_the_path_from_the_scheduler_through_etcd_to_the_nodes_kubelet():
    cluster, admin = make_cluster(mode="paused")
    cluster.kernel.run_for(2)
    admin.create("deployments", STORY, "default")
    binding = next(s for _ in range(40) for s in cluster.pacer.step() if s.action == "schedule")
    node = binding.extra["node"]
    assert binding.highlight[:3] == ["kube-scheduler", "apiserver", "etcd"]
    assert f"kubelet/{node}" in binding.highlight and "kube-controller-manager" in binding.highlight
    assert not any(k.startswith("kubelet/") and k != f"kubelet/{node}" for k in binding.highlight), binding.highlight
    delivery = next(s for s in cluster.kernel.history if s.action == "watch-delivery" and not s.housekeeping)
    assert delivery.highlight == ["apiserver", delivery.component]


def test_a_writes_watchers_are_exactly_the_components_whose_watches_receive_it():
    """The fan-out the page draws (11.1.4): a pod bound to a node reaches that node's kubelet
    and no other, the scheduler and the controller manager; an Event reaches no component; an
    Endpoints write reaches only the controller manager, an EndpointSlice write it, every node's
    kube-proxy (which reads slices since 1.33) and CoreDNS."""
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    start = cluster.kernel.steps_taken
    admin.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "story"},
                              "spec": {"selector": {"app": "story"}, "ports": [{"port": 80}]}}, "default")
    admin.create("deployments", STORY, "default")
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "story")) == 2, timeout_seconds=60)
    cluster.kernel.run_for(5)
    steps = [s for s in cluster.kernel.history if s.seq > start]
    nodes = [spec.name for spec in demo_nodes()]

    bindings = [s for s in steps if s.action == "schedule" and "story" in s.caption]
    assert len(bindings) == 2
    for binding in bindings:
        node = binding.extra["node"]
        assert set(binding.watchers) == {"kube-controller-manager", "kube-scheduler", f"kubelet/{node}"}, binding
        assert binding.highlight == list(dict.fromkeys(["kube-scheduler", "apiserver", "etcd", *binding.watchers]))

    pulls = [s for s in steps if "pulls image" in s.caption]
    assert pulls and all(s.watchers == [] for s in pulls), [(s.caption, s.watchers) for s in pulls]
    assert all(s.highlight == [s.component, "apiserver", "etcd"] for s in pulls)

    endpoints = [s for s in steps if s.controller == "endpoint" and "Endpoints story" in s.caption]
    assert endpoints, [s.caption for s in steps if s.controller == "endpoint"]
    assert all(set(s.watchers) == {"kube-controller-manager"} for s in endpoints)  # kube-proxy reads slices
    slices = [s for s in steps if s.controller == "endpointslice" and "Service story" in s.caption
              and not s.housekeeping]
    assert slices, [s.caption for s in steps if s.controller == "endpointslice"]
    assert all(set(s.watchers) == {"kube-controller-manager", "coredns", *(f"kube-proxy/{n}" for n in nodes)}
               for s in slices)


def test_every_action_steps_housekeeping_too():
    cluster, admin = make_cluster(mode="paused")
    cluster.kernel.run_for(2)
    ran = cluster.pacer.step(30, every_action=True)
    assert len(ran) == 30 and any(s.housekeeping for s in ran)


def test_a_story_step_on_an_idle_cluster_runs_housekeeping_up_to_the_horizon_and_stops():
    cluster, _ = make_cluster(mode="paused")
    cluster.kernel.run_for(60)
    start = cluster.kernel.now_seconds
    ran = cluster.pacer.step(3)
    assert ran and all(s.housekeeping for s in ran)
    assert start + STORY_HORIZON_SECONDS - 15 < cluster.kernel.now_seconds <= start + STORY_HORIZON_SECONDS


def test_faults_and_unknown_components_are_refused_with_a_reason():
    cluster, _ = make_cluster()
    with pytest.raises(SimulationError, match="unknown fault type"):
        cluster.inject({"type": "melt"})
    with pytest.raises(SimulationError, match="no component named"):
        cluster.stop("nope")
    with pytest.raises(SimulationError, match="needs 'node'"):
        cluster.inject({"type": "fail-node"})


def test_stopped_scheduler_reports_connection_refused():
    cluster, _ = make_cluster()
    assert cluster.health("scheduler") == (True, "ok")
    cluster.stop("kube-scheduler")
    healthy, message = cluster.health("scheduler")
    assert not healthy and message.endswith("connect: connection refused")


def test_standard_cluster_is_started():
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=lambda: 1_700_000_000.0)
    bootstrap(server)
    cluster = standard_cluster(server, demo_nodes(), seed=1, mode="headless", strict=True)
    assert all(c.running for c in cluster.components.values())
    # scheduler and controller manager, a kubelet and a kube-proxy per node, CoreDNS's watch
    assert len(cluster.components) == 2 + 2 * 3 + 1


@pytest.mark.parametrize("kind", ["scheduler", "controller-manager"])
def test_replicas_elect_one_leader_and_the_standby_takes_over_after_the_lease_expires(kind):
    cluster, admin = make_cluster()
    first, second = cluster.set_replicas(kind, 2)
    cluster.kernel.run_for(5)
    assert (first.leading, second.leading) == (True, False)
    lease = admin.get("leases", "kube-system", "kube-scheduler" if kind == "scheduler" else "kube-controller-manager")
    assert lease["spec"]["holderIdentity"] == first.identity

    cluster.stop(first.name)
    cluster.kernel.run_for(10)
    assert not second.leading, "the standby waits for the lease to expire (15 s)"
    cluster.kernel.run_for(10)
    assert second.leading
    lease = admin.get("leases", "kube-system", lease["metadata"]["name"])
    assert lease["spec"]["holderIdentity"] == second.identity and lease["spec"]["leaseTransitions"] == 1
    source = "default-scheduler" if kind == "scheduler" else "kube-controller-manager"
    events = [e for e in admin.list("events", "kube-system")[0]
              if e["reason"] == "LeaderElection" and e["involvedObject"]["name"] == lease["metadata"]["name"]]
    assert [(e["type"], e["message"], e["involvedObject"]["kind"], e["source"]["component"]) for e in events] == [
        ("Normal", f"{first.identity} became leader", "Lease", source),
        ("Normal", f"{second.identity} became leader", "Lease", source)]


@pytest.mark.parametrize("kind", ["scheduler", "controller-manager"])
def test_identities_are_hostname_underscore_uuid_and_one_replica_keeps_the_lease(kind):
    """Upstream's ``<hostname>_<uuid>``, replica N on kind's N-th control-plane host; back to
    one replica, it still elects (as --leader-elect does by default): the re-deployed leader
    released the Lease, so the new replica takes it at once and renews it from then on."""
    cluster, admin = make_cluster()
    first, second = cluster.set_replicas(kind, 2)
    assert re.fullmatch(r"kind-control-plane_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        first.identity), first.identity
    assert second.identity.startswith("kind-control-plane2_")
    cluster.kernel.run_for(5)
    [only] = cluster.set_replicas(kind, 1)
    assert only.leader_election
    name = "kube-scheduler" if kind == "scheduler" else "kube-controller-manager"
    cluster.kernel.run_for(3)
    lease = admin.get("leases", "kube-system", name)
    assert only.leading and lease["spec"]["holderIdentity"] == only.identity
    renewed = lease["spec"]["renewTime"]
    cluster.kernel.run_for(5)
    assert admin.get("leases", "kube-system", name)["spec"]["renewTime"] > renewed


def test_the_new_scheduler_leader_schedules_what_waited():
    cluster, admin = make_cluster()
    leader, _ = cluster.set_replicas("scheduler", 2)
    cluster.kernel.run_for(5)
    cluster.stop(leader.name)
    admin.create("pods", {"metadata": {"name": "waiting"}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}},
                 "default")
    cluster.kernel.run_for(3)
    assert not admin.get("pods", "default", "waiting")["spec"].get("nodeName")
    assert cluster.kernel.run_until_true(lambda: admin.get("pods", "default", "waiting")["spec"].get("nodeName"),
                                         timeout_seconds=30)
    assert cluster.health("scheduler") == (True, "ok")


def test_replicas_are_for_the_two_elected_components():
    cluster, _ = make_cluster()
    with pytest.raises(SimulationError, match="not 'kubelet'"):
        cluster.set_replicas("kubelet", 2)
    with pytest.raises(SimulationError, match="from 1 to 3"):
        cluster.set_replicas("scheduler", 7)


def test_heartbeats_and_lease_renewals_are_housekeeping_and_a_takeover_is_story():
    cluster, _ = make_cluster()
    first, second = cluster.set_replicas("scheduler", 2)
    cluster.kernel.run_for(30)
    cluster.stop(first.name)
    cluster.kernel.run_for(30)

    told = [s.caption for s in cluster.kernel.history if s.action in ("leader-election", "heartbeat")
            and not s.housekeeping]
    assert sum("becomes the leader" in c for c in told) == 2 and any("takes over" in c for c in told)
    assert sum("is a follower" in c for c in told) == 1, "a follower's first look is news, its later ones are not"
    assert sum("creates its node Lease" in c for c in told) == 3 and not [c for c in told if "renews" in c]
    quiet = [s.caption for s in cluster.kernel.history if s.housekeeping]
    assert any("renews its Lease (heartbeat)" in c for c in quiet) and any("renews lease" in c for c in quiet)
