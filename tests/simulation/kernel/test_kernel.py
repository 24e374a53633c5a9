"""The kernel's promises: one action per step in (time, order) order, cancelled actions
skipped uncounted, pumps woken only for their topics, story steps with housekeeping run
silently in between, and the path a step lights (pacing: ``test_pacing.py``)."""
from __future__ import annotations

import pytest

from simulation.kernel import Kernel, Pacer
from simulation.kernel.kernel import STORY_HORIZON_SECONDS


def recorder(kernel: Kernel, log: list, name: str, delay: float, component: str = "c"):
    kernel.schedule(delay, lambda: log.append(name) or f"did {name}", component=component, action=name)


def test_actions_run_in_time_order_then_in_the_order_they_were_scheduled():
    kernel, log = Kernel(), []
    recorder(kernel, log, "late", 2.0)
    recorder(kernel, log, "first", 1.0)
    recorder(kernel, log, "second", 1.0)

    steps = [kernel.step() for _ in range(3)]

    assert log == ["first", "second", "late"]
    assert [(s.seq, s.time_seconds, s.caption) for s in steps] == [(1, 1.0, "did first"), (2, 1.0, "did second"),
                                                                  (3, 2.0, "did late")]
    assert kernel.step() is None


def test_a_stopped_components_actions_are_dropped_without_a_step():
    kernel, log = Kernel(), []
    recorder(kernel, log, "scheduler-work", 1.0, component="kube-scheduler")
    recorder(kernel, log, "kubelet-work", 2.0, component="kubelet/node-1")
    kernel.cancel_component("kube-scheduler")

    assert kernel.run_for(5) == 1
    assert log == ["kubelet-work"] and kernel.steps_taken == 1


@pytest.mark.parametrize("strict", [True, False], ids=["strict-raises", "hosted-records"])
def test_a_failing_action(strict):
    kernel = Kernel(strict=strict)
    kernel.schedule(0, lambda: 1 / 0, component="kube-controller-manager", action="sync")
    if strict:
        with pytest.raises(ZeroDivisionError):
            kernel.step()
    else:
        step = kernel.step()
        assert "kube-controller-manager failed during sync" in step.caption and "ZeroDivisionError" in step.caption


def test_a_write_wakes_only_the_pumps_of_its_topics_in_registration_order():
    kernel, woken = Kernel(), []
    revision = {"now": 1}
    written: dict[int, set] = {}
    kernel.set_change_probe(lambda: revision["now"], lambda since: written.get(since))
    for name, topic in [("kubelet-2", ("pods", "node-2")), ("scheduler", "pods"), ("kubelet-1", ("pods", "node-1")),
                        ("proxy", "services"), ("always", None)]:
        kernel.add_pump(lambda name=name: woken.append(name) or 1, topic)
    kernel.pump()
    woken.clear()

    written[1] = {"pods", ("pods", "node-1")}
    revision["now"] = 2
    kernel.pump()

    assert woken == ["scheduler", "kubelet-1", "always"]
    woken.clear()
    revision["now"] = 3  # the feed cannot tell what changed: everyone is woken
    kernel.pump()
    assert woken == ["kubelet-2", "scheduler", "kubelet-1", "proxy", "always"]


# ---------------------------------------------------------------------- story steps and housekeeping
@pytest.mark.parametrize("result,housekeeping", [
    ("a caption", False),
    (None, False),
    ({"caption": "renews"}, False),
    ({"caption": "renews", "housekeeping": True}, True),
], ids=["caption", "nothing", "unsaid", "said"])
def test_a_step_is_story_unless_its_component_says_housekeeping(result, housekeeping):
    kernel = Kernel()
    kernel.schedule(1, lambda: result, component="c", action="a")
    assert kernel.step().housekeeping is housekeeping


def test_step_story_runs_housekeeping_silently_up_to_the_next_story_step():
    kernel, log = Kernel(), []
    for i, kind in enumerate(["heartbeat", "heartbeat", "bind", "heartbeat", "start"]):
        kernel.schedule(i + 1, lambda kind=kind: log.append(kind) or {"caption": kind,
                                                                      "housekeeping": kind == "heartbeat"},
                        component="c", action=kind)

    assert [s.action for s in kernel.step_story()] == ["heartbeat", "heartbeat", "bind"]
    assert [s.action for s in Pacer(kernel, mode="paused").step(1)] == ["heartbeat", "start"]
    assert log == ["heartbeat", "heartbeat", "bind", "heartbeat", "start"] and kernel.steps_taken == 5


def test_step_story_stops_at_until_when_only_housekeeping_is_due():
    kernel = Kernel()

    def heartbeat() -> dict:
        kernel.schedule(10, heartbeat, component="kubelet/node-1", action="heartbeat")
        return {"caption": "renews its Lease", "housekeeping": True}

    kernel.schedule(0, heartbeat, component="kubelet/node-1", action="heartbeat")
    ran = Pacer(kernel, mode="paused").step(3)
    assert ran and all(s.housekeeping for s in ran) and kernel.now_seconds <= STORY_HORIZON_SECONDS
    assert len(Pacer(kernel, mode="paused").step(3, every_action=True)) == 3


def test_a_write_lights_the_component_the_api_server_etcd_and_the_watchers_of_what_it_wrote():
    kernel = Kernel()
    revision = {"now": 1}
    written: dict[int, set] = {}
    kernel.set_change_probe(lambda: revision["now"], lambda since: written.get(since))
    for owner, topic in [("kube-scheduler", "pods"), ("kubelet/node-1", ("pods", "node-1")),
                         ("kubelet/node-2", ("pods", "node-2")), ("kube-proxy/node-1", "services")]:
        kernel.add_pump(lambda: 1, topic, owner)
    kernel.pump()

    def bind() -> str:
        written[1] = {"pods", ("pods", "node-1")}
        revision["now"] = 2
        return "binds the pod to node-1"

    kernel.schedule(1, bind, component="kube-scheduler", action="schedule")
    kernel.schedule(2, lambda: "looks", component="kube-scheduler", action="schedule")

    bound = kernel.step()
    assert bound.highlight == ["kube-scheduler", "apiserver", "etcd", "kubelet/node-1"]
    # the scheduler's own pods informer hears its binding too: a branch of the fan-out back to it
    assert bound.watchers == ["kube-scheduler", "kubelet/node-1"]
    looked = kernel.step()
    assert looked.highlight == ["kube-scheduler"] and looked.watchers == []


@pytest.mark.parametrize("feed_tells", [True, False], ids=["topics-known", "feed-cannot-tell"])
def test_only_pumps_that_pulled_an_event_are_watchers_of_a_write(feed_tells):
    """A pump woken by its topic whose watch filters the write out (a namespace, a label or
    field selector) pulled nothing: it is no watcher, and no branch of the fan-out goes there."""
    kernel = Kernel()
    revision = {"now": 1}
    written: dict[int, set] = {}
    kernel.set_change_probe(lambda: revision["now"], lambda since: written.get(since) if feed_tells else None)
    pulls = {"kube-controller-manager": 2, "kube-scheduler": 0, "kubelet/node-1": 1, "kubelet/node-2": 0}
    for owner, topic in [("kube-controller-manager", "leases"), ("kube-scheduler", "leases"),
                         ("kubelet/node-1", ("pods", "node-1")), ("kubelet/node-2", ("pods", "node-2"))]:
        kernel.add_pump(lambda owner=owner: pulls[owner], topic, owner)
    kernel.add_pump(lambda: 1, "leases", "kube-controller-manager")  # a second informer of one component
    kernel.pump()

    def write() -> str:
        written[1] = {"leases", "pods", ("pods", "node-1")}
        revision["now"] = 2
        return "writes"

    kernel.schedule(1, write, component="kubelet/node-1", action="sync-pod")
    step = kernel.step()
    assert step.watchers == ["kube-controller-manager", "kubelet/node-1"]
    assert step.highlight == ["kubelet/node-1", "apiserver", "etcd", "kube-controller-manager"]


def test_work_queued_counts_scheduled_actions_and_noted_work():
    kernel = Kernel()
    before = kernel.work_queued
    kernel.schedule(1, lambda: None, component="c", action="a")
    kernel.note_work()
    assert kernel.work_queued == before + 2
