"""The kernel's promises: one action per step in (time, order) order, cancelled actions
skipped uncounted, pumps woken only for their topics (pacing: ``test_pacing.py``)."""
from __future__ import annotations

import pytest

from simulation.kernel import Kernel


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
        kernel.add_pump(lambda name=name: woken.append(name), topic)
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
