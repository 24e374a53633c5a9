"""The kube-scheduler component end to end, headless: the API server on a MemoryStore, a kernel,
scheduler(s) as ``system:kube-scheduler``, and an admin client that plays the user and creates
nodes directly (no kubelets: pods are bound, never run). Reads go to the store, as kubectl would.
"""
from __future__ import annotations

import json

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient, APIError
from simulation.kernel import Kernel
from simulation.scheduler import scheduler as scheduler_module
from simulation.scheduler.cache import SchedulerCache
from simulation.scheduler.queue import (
    NODE_UPDATE,
    POD_MAX_IN_UNSCHEDULABLE_PODS_SECONDS,
    SchedulingQueue,
    is_pod_updated,
)
from simulation.scheduler.scheduler import (
    Scheduler,
    lease_name_for,
    node_scheduling_properties_changed,
)
from simulation.store.memory import MemoryStore
from tests.simulation.scheduler.builders import node, pod

NAMESPACE = "default"


class Cluster:
    def __init__(self, seed: int = 1) -> None:
        self.kernel = Kernel(seed=seed, strict=True)
        self.server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=self.kernel.wall_time,
                                    seed=seed)
        bootstrap(self.server)
        self.admin = APIClient(self.server, APISERVER, "kubectl")
        self.kernel.set_change_probe(self.admin.current_revision)

    def scheduler(self, name: str = "kube-scheduler", **kwargs) -> Scheduler:
        """A started scheduler process, as ``system:kube-scheduler``."""
        client = APIClient(self.server, UserInfo("system:kube-scheduler"), "kube-scheduler/v1.33.0")
        scheduler = Scheduler(name, self.kernel, client, **kwargs)
        scheduler.start()
        return scheduler

    def add_node(self, name: str, **kwargs) -> dict:
        obj = node(name, **kwargs)
        obj["status"]["capacity"] = dict(obj["status"]["allocatable"])
        return self.admin.create("nodes", obj)

    def add_pod(self, name: str, **kwargs) -> dict:
        return self.admin.create("pods", pod(name, **kwargs), NAMESPACE)

    def run(self, seconds: float = 1.0) -> None:
        self.kernel.run_for(seconds)

    def pod(self, name: str) -> dict:
        return self.admin.get("pods", NAMESPACE, name)

    def node_of(self, name: str) -> str:
        return self.pod(name)["spec"].get("nodeName", "")

    def condition(self, name: str) -> dict | None:
        return next((c for c in self.pod(name)["status"].get("conditions") or () if c["type"] == "PodScheduled"),
                    None)

    def events(self, reason: str, pod_name: str | None = None) -> list[dict]:
        events = self.admin.list("events", NAMESPACE)[0]
        return [e for e in events if e["reason"] == reason
                and (pod_name is None or e["involvedObject"]["name"] == pod_name)]

    def captions(self, component: str = "kube-scheduler", action: str = "schedule") -> list[str]:
        return [s.caption for s in self.kernel.history if s.component == component and s.action == action]


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


# ----------------------------------------------------------------------------- binding
def test_pods_are_bound_and_scheduled_events_name_the_scheduler(cluster):
    for i in range(3):
        cluster.add_node(f"node-{i}")
    scheduler = cluster.scheduler()
    for i in range(3):
        cluster.add_pod(f"web-{i}", cpu="500m")
    cluster.run(1)

    for i in range(3):
        bound_to = cluster.node_of(f"web-{i}")
        assert bound_to.startswith("node-")
        assert cluster.condition(f"web-{i}")["status"] == "True"
        [event] = cluster.events("Scheduled", f"web-{i}")
        assert event["type"] == "Normal"
        # recorded through events.k8s.io/v1, as upstream's scheduler does: no source, a reporter
        assert (event["source"], event["reportingComponent"], event["reportingInstance"], event["action"]) == (
            {}, "default-scheduler", "default-scheduler-kube-scheduler", "Binding")
        assert event["eventTime"] and event["firstTimestamp"] is None and "count" not in event
        assert event["message"] == f"Successfully assigned default/web-{i} to {bound_to}"
        assert scheduler.decision(NAMESPACE, f"web-{i}")["message"] == event["message"], "the record says it too"
    status = scheduler.status()
    assert status["scheduled"] == 3 and status["failed"] == 0
    assert status["queue"] == {"active": 0, "backoff": 0, "unschedulable": 0}
    assert status["cache"] == {"nodes": 3, "pods": 3, "assumed": 0}
    assert any(c.startswith("The scheduler filters 3 nodes for pod web-0: 3 fit; it scores them and binds the pod "
                            "to node-") for c in cluster.captions())


def test_an_assumed_pod_counts_before_its_watch_event_arrives(cluster):
    cluster.add_node("node-0", cpu="2")
    scheduler = cluster.scheduler()
    cluster.add_pod("a", cpu="1500m")
    cluster.add_pod("b", cpu="1500m")
    while cluster.node_of("a") == "":
        cluster.kernel.step()
    # a's binding never reaches the scheduler's watch: only the assumed pod tells the cache about it.
    scheduler.drops.remaining = 1
    cluster.run(1)
    assert scheduler.drops.dropped == 1
    assert cluster.node_of("b") == ""
    assert scheduler.decision(NAMESPACE, "b")["message"] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims "
        "found for incoming pod.")
    assert scheduler.status()["cache"]["assumed"] == 1
    cluster.run(40)  # the periodic relist sees the binding: the assumed pod is confirmed
    assert scheduler.status()["cache"]["assumed"] == 0


def test_a_pod_bound_by_someone_else_meanwhile_is_dropped_after_the_failed_bind(cluster):
    cluster.add_node("node-0")
    cluster.add_node("node-1", cpu="8")
    scheduler = cluster.scheduler()
    cluster.add_pod("raced")
    while scheduler.queue.lengths()["active"] == 0:
        cluster.kernel.step()
    # Someone else binds the pod, and the scheduler's watch loses that event: its cache is stale.
    scheduler.drops.remaining = 1
    cluster.admin.bind(NAMESPACE, "raced", "node-0")
    step = next(s for s in iter(cluster.kernel.step, None) if s.action == "schedule")
    assert "the binding failed (409 Conflict" in step.caption
    assert step.caption.endswith("it drops the pod from its queue")
    cluster.run(40)  # the relist repairs the cache
    assert cluster.node_of("raced") == "node-0"
    assert scheduler.status()["bind_errors"] == 1 and scheduler.status()["scheduled"] == 0
    assert len(scheduler.queue) == 0
    assert scheduler.status()["cache"] == {"nodes": 2, "pods": 1, "assumed": 0}
    assert scheduler.cache.node_of("default/raced") == "node-0"
    [event] = cluster.events("FailedScheduling", "raced")
    assert event["message"].startswith('running Bind plugin "DefaultBinder": Operation cannot be fulfilled')
    assert scheduler.decision(NAMESPACE, "raced")["message"] == event["message"]
    assert cluster.condition("raced")["status"] == "True"  # a bound pod is not marked unscheduled


def test_a_failed_bind_is_retried_after_its_backoff(cluster, monkeypatch):
    cluster.add_node("node-0")
    scheduler = cluster.scheduler()
    bind = scheduler.client.bind
    failures = [APIError(500, {"message": "etcdserver: request timed out", "reason": "InternalError"})]

    def flaky_bind(*args, **kwargs):
        if failures:
            raise failures.pop()
        return bind(*args, **kwargs)
    monkeypatch.setattr(scheduler.client, "bind", flaky_bind)
    cluster.add_pod("unlucky")
    cluster.run(0.5)
    message = 'running Bind plugin "DefaultBinder": etcdserver: request timed out'
    assert cluster.captions()[-1].endswith("it retries after a 1 s backoff")
    condition = cluster.condition("unlucky")
    assert (condition["status"], condition["reason"], condition["message"]) == ("False", "SchedulerError", message)
    assert scheduler.status()["queue"]["backoff"] == 1 and scheduler.status()["cache"]["assumed"] == 0
    cluster.run(1)
    assert cluster.node_of("unlucky") == "node-0"
    assert scheduler.decision(NAMESPACE, "unlucky")["attempt"] == 2


# ----------------------------------------------------------------------------- unschedulable
def test_a_pod_too_big_for_every_node_stays_pending_until_a_big_node_joins(cluster):
    for i in range(3):
        cluster.add_node(f"node-{i}", cpu="2")
    scheduler = cluster.scheduler()
    cluster.add_pod("big", cpu="6")
    cluster.run(30)

    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption "
               "victims found for incoming pod.")
    assert cluster.node_of("big") == ""
    condition = cluster.condition("big")
    assert (condition["status"], condition["reason"], condition["message"]) == ("False", "Unschedulable", message)
    [event] = cluster.events("FailedScheduling", "big")
    assert (event["type"], event["message"], event["reportingComponent"], event["action"]) == (
        "Warning", message, "default-scheduler", "Scheduling")
    # Parked: no retry loop while nothing changes.
    assert scheduler.status()["queue"]["unschedulable"] == 1
    assert scheduler.status()["failed"] == 1
    assert cluster.captions()[-1] == ("The scheduler filters 3 nodes for pod big: " + message
                                      + " The pod stays Pending.")

    cluster.add_node("node-big", cpu="8")
    cluster.run(2)  # the node event moves the pod; its 1 s backoff has long run out
    assert cluster.node_of("big") == "node-big"
    assert scheduler.decision(NAMESPACE, "big")["outcome"] == "Scheduled"
    assert scheduler.queue.moves == {"NodeAdd": 1}


def test_the_failed_scheduling_message_counts_every_reason(cluster):
    cluster.add_node("small", cpu="1", labels={"disk": "ssd"})
    cluster.add_node("hdd-1", labels={"disk": "hdd"})
    cluster.add_node("hdd-2", labels={"disk": "hdd"})
    cluster.scheduler()
    cluster.add_pod("picky", cpu="2", nodeSelector={"disk": "ssd"})
    cluster.run(1)
    # Only the node short of cpu is worth trying to preempt on; it runs nothing to evict.
    assert cluster.condition("picky")["message"] == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not "
        "helpful for scheduling.")


def _delete_first(cluster: Cluster) -> None:
    cluster.admin.delete("pods", NAMESPACE, "first", grace_period_seconds=0)


def _first_succeeds(cluster: Cluster) -> None:
    first = cluster.pod("first")
    first["status"]["phase"] = "Succeeded"
    cluster.admin.update_status("pods", first)


@pytest.mark.parametrize("free", [_delete_first, _first_succeeds], ids=["deleted", "succeeded"])
def test_a_pod_that_leaves_its_node_frees_room_for_a_parked_one(cluster, free):
    cluster.add_node("node-0", cpu="2")
    cluster.scheduler()
    cluster.add_pod("first", cpu="1500m")
    cluster.run(1)
    cluster.add_pod("second", cpu="1500m")
    cluster.run(1)
    assert cluster.node_of("second") == ""
    free(cluster)
    cluster.run(3)
    assert cluster.node_of("second") == "node-0"


def test_retries_with_the_same_verdict_write_no_new_condition(cluster):
    cluster.add_node("node-0", cpu="1")
    scheduler = cluster.scheduler()
    cluster.add_pod("big", cpu="4")
    cluster.run(1)
    condition = cluster.condition("big")
    version = cluster.pod("big")["metadata"]["resourceVersion"]
    # A label change on the node is a cluster change: the pod is retried, fails the same way.
    cluster.admin.patch("nodes", "", "node-0", {"metadata": {"labels": {"tier": "x"}}})
    cluster.run(5)
    assert scheduler.status()["failed"] == 2
    assert cluster.pod("big")["metadata"]["resourceVersion"] == version
    assert cluster.condition("big") == condition
    # Upstream's recorder keys Events by the pod's whole reference, resourceVersion included: the
    # first attempt saw the pod before its condition was written, so the retry's Event is new...
    first, second = sorted(cluster.events("FailedScheduling", "big"), key=lambda e: e["eventTime"])
    assert first["involvedObject"]["resourceVersion"] != second["involvedObject"]["resourceVersion"]
    assert "series" not in first and "series" not in second
    # ...and the next retry of the unchanged pod makes it a series of two.
    cluster.admin.patch("nodes", "", "node-0", {"metadata": {"labels": {"tier": "y"}}})
    cluster.run(5)
    assert scheduler.status()["failed"] == 3
    [_, repeated] = sorted(cluster.events("FailedScheduling", "big"), key=lambda e: e["eventTime"])
    assert repeated["series"]["count"] == 2 and repeated["message"] == second["message"]


def test_parked_pods_are_retried_after_five_minutes_even_if_nothing_changes(cluster):
    cluster.add_node("node-0", cpu="1")
    scheduler = cluster.scheduler()
    cluster.add_pod("big", cpu="4")
    cluster.run(POD_MAX_IN_UNSCHEDULABLE_PODS_SECONDS - 10)
    assert scheduler.status()["failed"] == 1
    cluster.run(20)
    assert scheduler.status()["failed"] == 2
    assert scheduler.queue.moves == {"UnschedulableTimeout": 1}


# ----------------------------------------------------------------------------- several schedulers
def test_a_pod_for_my_scheduler_waits_for_it(cluster):
    cluster.add_node("node-0")
    default = cluster.scheduler()
    cluster.add_pod("custom", schedulerName="my-scheduler")
    cluster.add_pod("ordinary")
    cluster.run(10)
    assert cluster.node_of("ordinary") == "node-0"
    assert cluster.node_of("custom") == ""
    assert cluster.condition("custom") is None  # nobody tried: no condition, no event
    assert cluster.events("FailedScheduling") == []
    assert default.decision(NAMESPACE, "custom") is None

    mine = cluster.scheduler("my-scheduler", scheduler_name="my-scheduler")
    cluster.run(1)
    assert cluster.node_of("custom") == "node-0"
    [event] = cluster.events("Scheduled", "custom")
    assert (event["reportingComponent"], event["reportingInstance"]) == ("my-scheduler", "my-scheduler-my-scheduler")
    assert mine.status()["scheduled"] == 1 and default.status()["scheduled"] == 1
    assert mine.decision(NAMESPACE, "custom")["scheduler"] == "my-scheduler"
    # The second scheduler's cache holds the default scheduler's pods too.
    assert mine.status()["cache"]["pods"] == 2
    assert cluster.captions("my-scheduler")[-1].startswith("Scheduler my-scheduler filters 1 node for pod custom")


def test_a_gated_pod_waits_until_its_scheduling_gates_are_removed(cluster):
    cluster.add_node("node-0")
    scheduler = cluster.scheduler()
    cluster.add_pod("gated", schedulingGates=[{"name": "example.com/quota"}])
    cluster.run(10)
    assert cluster.node_of("gated") == "" and scheduler.status()["cycles"] == 0
    cluster.admin.patch("pods", NAMESPACE, "gated", {"spec": {"schedulingGates": None}})
    cluster.run(1)
    assert cluster.node_of("gated") == "node-0"


def test_a_stopped_scheduler_leaves_new_pods_pending_and_schedules_them_when_started(cluster):
    cluster.add_node("node-0")
    scheduler = cluster.scheduler()
    cluster.run(1)
    scheduler.stop()
    cluster.add_pod("waiting")
    cluster.run(60)
    assert cluster.node_of("waiting") == ""
    assert scheduler.status()["state"] == "stopped"

    scheduler.start()
    cluster.run(1)
    assert cluster.node_of("waiting") == "node-0"


def test_only_the_leader_schedules_and_a_follower_takes_over_after_the_lease_expires(cluster):
    cluster.add_node("node-0")
    a = cluster.scheduler("kube-scheduler-a", leader_election=True, identity="a")
    b = cluster.scheduler("kube-scheduler-b", leader_election=True, identity="b")
    cluster.run(1)
    assert (a.leading, b.leading) == (True, False)
    assert a.lease_name == b.lease_name == "kube-scheduler"
    cluster.add_pod("one")
    cluster.run(1)
    assert cluster.node_of("one") == "node-0"
    assert (a.status()["scheduled"], b.status()["scheduled"]) == (1, 0)

    a.stop()
    stopped_at = cluster.kernel.now_seconds
    cluster.add_pod("two")
    cluster.run(10)
    assert cluster.node_of("two") == ""  # the lease has not expired yet
    assert cluster.kernel.run_until_true(lambda: cluster.node_of("two") == "node-0", timeout_seconds=20)
    assert b.leading and b.status()["scheduled"] == 1
    assert cluster.kernel.now_seconds - stopped_at >= 14
    lease = cluster.admin.get("leases", "kube-system", "kube-scheduler")
    assert lease["spec"]["holderIdentity"] == "b"


@pytest.mark.parametrize(("scheduler_name", "lease"), [("default-scheduler", "kube-scheduler"),
                                                         ("my-scheduler", "my-scheduler")],
                         ids=["default", "second"])
def test_lease_name(scheduler_name, lease):
    assert lease_name_for(scheduler_name) == lease


# ----------------------------------------------------------------------------- determinism and records
def _bindings(seed: int) -> dict[str, str]:
    cluster = Cluster(seed=seed)
    for i in range(4):
        cluster.add_node(f"node-{i}", cpu="8")
    cluster.scheduler()
    for i in range(12):
        cluster.add_pod(f"p-{i}")  # no requests: equal scores, the seeded tie-break decides
    cluster.run(2)
    return {f"p-{i}": cluster.node_of(f"p-{i}") for i in range(12)}


def test_the_same_seed_gives_the_same_bindings():
    first = _bindings(7)
    assert all(first.values())
    assert _bindings(7) == first


def test_the_decision_record_explains_each_node(cluster):
    cluster.add_node("small", cpu="1")
    cluster.add_node("tainted", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    cluster.add_node("roomy-1", cpu="8")
    cluster.add_node("roomy-2", cpu="4")
    scheduler = cluster.scheduler()
    cluster.add_pod("web", cpu="2")
    cluster.run(1)

    record = scheduler.decision(NAMESPACE, "web")
    assert record["outcome"] == "Scheduled" and record["scheduler"] == "default-scheduler"
    assert record["node"] == record["winner"] == cluster.node_of("web") == "roomy-1"
    assert record["attempt"] == 1 and record["feasible"] == 2 and record["nodes_total"] == 4
    by_node = {n["node"]: n for n in record["nodes"]}
    small = next(f for f in by_node["small"]["filters"] if f["plugin"] == "NodeResourcesFit")
    assert small["reasons"] == ["Insufficient cpu"]
    tainted = next(f for f in by_node["tainted"]["filters"] if f["plugin"] == "TaintToleration")
    assert tainted["reasons"] == ["node(s) had untolerated taint {dedicated: gpu}"]
    assert by_node["roomy-1"]["total"] == record["score"] > by_node["roomy-2"]["total"]
    assert {s["plugin"] for s in by_node["roomy-1"]["scores"]} >= {"NodeResourcesFit",
                                                                   "NodeResourcesBalancedAllocation"}
    assert scheduler.decision(NAMESPACE, "missing") is None
    json.dumps(record)  # served as is to the browser


def test_kept_decisions_are_bounded_in_count_and_in_detail(cluster, monkeypatch):
    monkeypatch.setattr(scheduler_module, "MAX_DECISIONS", 4)
    monkeypatch.setattr(scheduler_module, "DECISION_DETAIL_BUDGET", 2 * (2 + 20 * 2))  # two records' worth
    cluster.add_node("node-0")
    cluster.add_node("node-1")
    scheduler = cluster.scheduler()
    for i in range(6):
        cluster.add_pod(f"p-{i}")
    cluster.run(1)
    assert scheduler.decisions() == ["default/p-2", "default/p-3", "default/p-4", "default/p-5"]
    assert [scheduler.decision(NAMESPACE, f"p-{i}").get("detail_dropped", False) for i in range(2, 6)] == [
        True, True, False, False]
    summary = scheduler.decision(NAMESPACE, "p-2")
    assert summary["outcome"] == "Scheduled" and summary["winner"] == cluster.node_of("p-2")
    assert len(scheduler.decision(NAMESPACE, "p-5")["nodes"]) == 2


def test_services_replicasets_and_namespace_labels_reach_the_snapshot(cluster):
    scheduler = cluster.scheduler()
    cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"},
                                                                           "ports": [{"port": 80}]}}, NAMESPACE)
    cluster.admin.patch("namespaces", "", NAMESPACE, {"metadata": {"labels": {"team": "a"}}})
    cluster.run(1)
    snapshot = scheduler.cache.snapshot
    assert [s["metadata"]["name"] for s in snapshot.services] == ["kubernetes", "web"]
    assert list(snapshot.replica_sets) == []
    assert snapshot.namespace_labels[NAMESPACE]["team"] == "a"
    cluster.admin.delete("services", NAMESPACE, "web")
    cluster.run(1)
    assert [s["metadata"]["name"] for s in snapshot.services] == ["kubernetes"]


def test_pods_leave_the_active_queue_by_priority_then_arrival(cluster):
    cluster.add_node("node-0")
    scheduler = cluster.scheduler()
    cluster.run(1)
    scheduler.stop()
    cluster.add_pod("low-1")
    cluster.add_pod("low-2")
    cluster.add_pod("urgent", priorityClassName="system-cluster-critical")
    scheduler.start()
    cluster.run(1)
    order = [s.object["name"] for s in cluster.kernel.history if s.action == "schedule" and s.object]
    assert order == ["urgent", "low-1", "low-2"]


# ----------------------------------------------------------------------------- the cache alone
def test_cache_accounts_pods_of_a_node_it_learns_about_late_or_again():
    cache = SchedulerCache()
    cache.add_pod(pod("early", cpu="1", node_name="node-0"))
    assert cache.get_node("node-0") is None and cache.pod_count() == 1
    cache.add_node(node("node-0"))
    assert cache.get_node("node-0").requested["cpu"] == 1000
    cache.remove_node("node-0")
    cache.add_node(node("node-0"))  # the kubelet registers the node again
    assert cache.get_node("node-0").requested["cpu"] == 1000
    cache.remove_pod(pod("early", node_name="node-0"))
    assert cache.get_node("node-0").requested.get("cpu", 0) == 0 and cache.pod_count() == 0


def test_cache_assume_then_confirm_or_forget():
    cache = SchedulerCache()
    cache.add_node(node("node-0"))
    pending = pod("p", cpu="500m")
    cache.assume_pod(pending, "node-0")
    assert cache.is_assumed("default/p") and cache.get_node("node-0").requested["cpu"] == 500
    cache.forget_pod("default/p")
    assert cache.pod_count() == 0 and cache.get_node("node-0").requested["cpu"] == 0
    cache.assume_pod(pending, "node-0")
    cache.add_pod(pod("p", cpu="500m", node_name="node-0"))  # the binding's watch event
    assert not cache.is_assumed("default/p") and cache.assumed_count() == 0
    assert cache.get_node("node-0").requested["cpu"] == 500
    cache.forget_pod("default/p")  # only assumed pods can be forgotten
    assert cache.pod_count() == 1


# ----------------------------------------------------------------------------- the queue alone
def _queued(name: str, priority: int = 0) -> dict:
    return {"metadata": {"name": name, "namespace": NAMESPACE}, "spec": {"priority": priority}}


def test_queue_backoff_doubles_from_one_second_up_to_ten():
    kernel = Kernel()
    queue = SchedulingQueue(kernel, component="s")
    queue.add(_queued("p"))
    durations = []
    for _ in range(6):
        info = queue.pop()
        durations.append(queue.backoff_duration(info))
        queue.add_backoff(info)
        kernel.run_until_true(queue.has_active, timeout_seconds=60, check_every_seconds=0.1)
    assert durations == [1, 2, 4, 8, 10, 10]


def test_queue_a_status_only_update_leaves_a_parked_pod_parked_but_a_spec_change_moves_it():
    kernel = Kernel()
    queue = SchedulingQueue(kernel, component="s")
    old = _queued("p")
    queue.add(old)
    queue.add_unschedulable(queue.pop())
    status_only = {**old, "metadata": {**old["metadata"], "resourceVersion": "9"}, "status": {"phase": "Pending"}}
    queue.update(old, status_only)
    assert queue.where("default/p") == "unschedulable"
    relabelled = {**status_only, "metadata": {**status_only["metadata"], "labels": {"a": "b"}}}
    queue.update(status_only, relabelled)
    assert queue.where("default/p") == "backoff"
    kernel.run_for(1.5)
    assert queue.where("default/p") == "active"


def test_queue_events_only_move_pods_their_plugins_rejected():
    kernel = Kernel()
    queue = SchedulingQueue(kernel, component="s")
    for name in ("fit", "spread"):
        queue.add(_queued(name))
    queue.add_unschedulable(queue.pop(), {"NodeResourcesFit"})
    queue.add_unschedulable(queue.pop(), {"PodTopologySpread"})
    kernel.run_for(2)
    assert queue.move_all_to_active_or_backoff("AssignedPodAdd") == 1
    assert queue.where("default/spread") == "active" and queue.where("default/fit") == "unschedulable"
    assert queue.move_all_to_active_or_backoff(NODE_UPDATE) == 1
    assert queue.lengths() == {"active": 2, "backoff": 0, "unschedulable": 0}


@pytest.mark.parametrize(("change", "relevant"), [
    ({"status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "later"}]}}, False),
    ({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}, True),
    ({"spec": {"unschedulable": True}}, True),
    ({"metadata": {"name": "n", "labels": {"zone": "b"}}}, True),
    ({"status": {"allocatable": {"cpu": "8"}}}, True),
], ids=["heartbeat", "not-ready", "cordoned", "labels", "allocatable"])
def test_which_node_updates_can_make_a_pod_fit(change, relevant):
    old = {"metadata": {"name": "n", "labels": {"zone": "a"}}, "spec": {},
           "status": {"allocatable": {"cpu": "4"},
                      "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "earlier"}]}}
    new = {**old, **{k: {**old[k], **v} for k, v in change.items()}}
    assert node_scheduling_properties_changed(old, new) is relevant


def test_is_pod_updated_ignores_status_and_resource_version():
    old = {"metadata": {"name": "p", "resourceVersion": "1"}, "spec": {"a": 1}, "status": {}}
    assert not is_pod_updated(old, {**old, "metadata": {"name": "p", "resourceVersion": "2"}, "status": {"x": 1}})
    assert is_pod_updated(old, {**old, "spec": {"a": 2}})


def test_the_five_minute_flush_fires_once_per_parked_pod_and_never_spins():
    """Float rounding once made the flush find nobody old enough and re-arm at the same
    instant, millions of times (the timeline filled with no-op steps at 100x)."""
    from simulation.kernel import Kernel
    from simulation.scheduler.queue import SchedulingQueue

    kernel = Kernel(strict=True)
    kernel.now_seconds = 763.7746189766141  # parked then; the flush is armed at a later moment,
    queue = SchedulingQueue(kernel, component="kube-scheduler")
    pod = {"metadata": {"name": "big", "namespace": "default", "uid": "u1"}, "spec": {}}
    queue.add(pod)
    info = queue.pop()
    queue.add_unschedulable(info, {"NodeResourcesFit"})
    queue._flush_timer.cancel()
    queue._flush_timer = None
    kernel.now_seconds = 840.2953266984406  # from where parked + 300 is not reached exactly
    queue._ensure_flush_timer()

    kernel.run_for(400, max_steps=1000)

    flushes = [s for s in kernel.history if s.action == "flush-unschedulable"]
    assert len(flushes) <= 2 and any(s.extra.get("moved") == 1 for s in flushes), flushes


def test_a_failed_scheduling_note_is_cut_to_the_api_limit_as_upstream_truncates_it():
    assert scheduler_module.truncate_message("x" * 1024) == "x" * 1024
    cut = scheduler_module.truncate_message("0/3 nodes are available: " + "y" * 2000)
    assert len(cut.encode()) == 1024 and cut.endswith("y ...")
