"""client-go's promises, in virtual time: list then watch, one delivery per event in order,
relist repairing dropped events, a watcher of a quiet resource still catching up, work
queues that never hand out one key twice at once, and Events aggregated into counts."""
from __future__ import annotations

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient
from simulation.client.events import EventRecorder
from simulation.client.informer import Informer
from simulation.client.workqueue import RateLimitingQueue
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore


@pytest.fixture
def env():
    kernel = Kernel(seed=3, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time)
    bootstrap(server)
    admin = APIClient(server, APISERVER, "test")
    kernel.set_change_probe(admin.current_revision, admin.changed_topics)
    client = APIClient(server, UserInfo("system:kube-controller-manager"), "kcm")
    return kernel, admin, client


def cm(name: str, value: str = "1") -> dict:
    return {"metadata": {"name": name, "namespace": "default"}, "data": {"v": value}}


def watched(kernel, client, resource="configmaps", **kwargs):
    informer = Informer(kernel, client, resource, component="kube-controller-manager", **kwargs)
    seen: list[tuple] = []
    informer.add_event_handler(lambda o: seen.append(("add", o["metadata"]["name"])),
                               lambda old, new: seen.append(("update", new["metadata"]["name"])),
                               lambda o: seen.append(("delete", o["metadata"]["name"])))
    informer.start()
    return informer, seen


def test_list_then_watch_delivers_each_change_once_in_order_one_action_each(env):
    kernel, admin, client = env
    admin.create("configmaps", cm("before"), "default")
    informer, seen = watched(kernel, client)
    assert seen == [("add", "before")], "the initial list"
    admin.create("configmaps", cm("a"), "default")
    admin.patch("configmaps", "default", "a", {"data": {"v": "2"}})
    admin.delete("configmaps", "default", "before")

    steps = kernel.run_for(1)

    assert seen[1:] == [("add", "a"), ("update", "a"), ("delete", "before")]
    assert steps == 3 and [s.action for s in kernel.history] == ["watch-delivery"] * 3
    assert informer.lister.get("default", "a")["data"] == {"v": "2"} and informer.lister.get("default", "before") is None


def test_dropped_events_leave_the_cache_wrong_until_the_relist(env):
    kernel, admin, client = env
    informer, seen = watched(kernel, client, relist_period_seconds=30)
    informer.drops.arm(1, "configmaps")
    admin.create("configmaps", cm("lost"), "default")
    kernel.run_for(5)
    assert informer.lister.get("default", "lost") is None and seen == []

    kernel.run_for(30)

    assert informer.lister.get("default", "lost") is not None and seen == [("add", "lost")]
    relist = [s for s in kernel.history if s.action == "relist"][0]
    assert "1 change(s) it had missed" in relist.caption


def test_a_watcher_of_a_quiet_resource_catches_up_past_a_flood_of_others(env):
    kernel, admin, client = env
    informer, seen = watched(kernel, client)
    for i in range(700):  # more than one poll batch of other resources' events
        admin.create("secrets", {"metadata": {"name": f"s{i}", "namespace": "default"}}, "default")
    kernel.run_for(1)
    admin.create("configmaps", cm("after-the-flood"), "default")

    kernel.run_for(1)

    assert seen == [("add", "after-the-flood")]


def test_field_selected_watch_sees_only_its_node(env):
    kernel, admin, client = env
    informer, seen = watched(kernel, client, "pods", field_selector="spec.nodeName=node-1")
    for name, node in [("elsewhere", "node-2"), ("here", "node-1")]:
        admin.create("pods", {"metadata": {"name": name, "namespace": "default"},
                              "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]}}, "default")

    kernel.run_for(1)

    assert seen == [("add", "here")]


def test_work_queue_is_stingy_and_never_hands_out_a_key_twice_at_once():
    kernel, ready = Kernel(), []
    queue = RateLimitingQueue(kernel, component="c", name="q", on_ready=lambda: ready.append(1))
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert queue.get() == "a"
    queue.add("a")  # while processing: marked dirty, not handed out
    assert queue.get() == "b" and queue.get() is None
    queue.done("a")
    assert queue.get() == "a"


def test_rate_limited_requeue_backs_off_exponentially_until_forgotten():
    kernel = Kernel(strict=True)
    queue = RateLimitingQueue(kernel, component="c", name="q")
    delays = []
    for _ in range(4):
        queue.add_rate_limited("k")
        start = kernel.now_seconds
        kernel.run_for(100)
        delays.append(round(kernel.history[-1].time_seconds - start, 3))
        assert queue.get() == "k"
        queue.done("k")
    assert delays == [0.005, 0.01, 0.02, 0.04]
    queue.forget("k")
    assert queue.num_requeues("k") == 0


def test_repeated_events_are_aggregated_into_a_count(env):
    kernel, admin, client = env
    pod = admin.create("pods", {"metadata": {"name": "p", "namespace": "default"},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}, "default")
    recorder = EventRecorder(kernel, client, "kubelet", host="node-1")
    for _ in range(3):
        recorder.event(pod, "Warning", "BackOff", "Back-off restarting failed container c")

    events, _ = admin.list("events", "default")

    assert len(events) == 1
    assert (events[0]["count"], events[0]["source"], events[0]["involvedObject"]["name"]) == (
        3, {"component": "kubelet", "host": "node-1"}, "p")


# ---------------------------------------------------------------------- story or housekeeping
def test_a_delivery_is_story_only_when_a_handler_queues_work_for_it(env):
    kernel, admin, client = env
    informer = Informer(kernel, client, "configmaps", component="kube-controller-manager")
    queue = RateLimitingQueue(kernel, component="kube-controller-manager", name="test")
    informer.add_event_handler(lambda o: None, lambda old, new: queue.add(new["metadata"]["name"]) if
                               new["data"] != old["data"] else None)
    informer.start()
    admin.create("configmaps", cm("a"), "default")                       # cached, nobody acts
    admin.patch("configmaps", "default", "a", {"data": {"v": "2"}})      # queued
    admin.patch("configmaps", "default", "a", {"metadata": {"labels": {"x": "y"}}})  # filtered out
    admin.patch("configmaps", "default", "a", {"data": {"v": "3"}})      # its key is queued already

    kernel.run_for(1)

    deliveries = [(s.event_type, s.housekeeping) for s in kernel.history if s.action == "watch-delivery"]
    assert deliveries == [("ADDED", True), ("MODIFIED", False), ("MODIFIED", True), ("MODIFIED", True)]
    assert all(s.highlight == ["apiserver", "kube-controller-manager"] for s in kernel.history)


def test_a_relist_is_housekeeping_unless_a_handler_acts_on_what_it_found(env):
    kernel, admin, client = env
    informer, seen = watched(kernel, client, relist_period_seconds=30)
    kernel.run_for(35)
    quiet = [s for s in kernel.history if s.action == "relist"]
    assert quiet and all(s.housekeeping and "its cache was right" in s.caption for s in quiet)

    queue = RateLimitingQueue(kernel, component="kube-controller-manager", name="test")
    informer.add_event_handler(lambda o: queue.add(o["metadata"]["name"]))
    informer.drops.arm(1, "configmaps")
    admin.create("configmaps", cm("lost"), "default")
    kernel.run_for(40)
    repaired = [s for s in kernel.history if s.action == "relist" and "missed" in s.caption]
    assert len(repaired) == 1 and not repaired[0].housekeeping
    dropped = next(s for s in kernel.history if s.extra.get("dropped"))
    assert not dropped.housekeeping, "a lost event is part of the fault's story"
