"""The worker every controller shares: a sync that wrote is a story step, one that only looked
is housekeeping, and of a run of failures only the first is told."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from simulation.client.apiclient import APIError
from simulation.controllers.base import Controller
from simulation.kernel import Kernel


class Scripted(Controller):
    """A controller whose sync for a key does what the key says: ``write``, ``look`` or ``fail``."""

    name = "scripted"

    def __init__(self, manager) -> None:  # noqa: ANN001 - the ControllerHost protocol
        super().__init__(manager)
        self.failures_left = 0

    def sync_handler(self, key: str) -> str | None:
        if key == "write":
            self.client.writes += 1
            return "creates something"
        if key == "fail" and self.failures_left:
            self.failures_left -= 1
            self.client.writes += 1
            raise APIError(409, {"reason": "AlreadyExists", "message": "already exists"})
        if key == "fail":
            self.client.writes += 1
            return "creates it at last"
        return None


@pytest.fixture
def controller() -> Scripted:
    host = SimpleNamespace(name="kube-controller-manager", kernel=Kernel(), client=SimpleNamespace(writes=0),
                           leading=True)
    return Scripted(host)


@pytest.mark.parametrize("key,housekeeping", [("write", False), ("look", True)], ids=["wrote", "only-looked"])
def test_a_sync_is_housekeeping_when_it_sent_no_write(controller, key, housekeeping):
    controller.queue.add(key)
    step = controller.kernel.step()
    assert step.action == "sync" and step.housekeeping is housekeeping


def test_of_a_run_of_failures_the_first_and_the_success_are_the_story(controller):
    controller.failures_left = 3
    controller.queue.add("fail")
    syncs = [s for s in (controller.kernel.step() for _ in range(20)) if s is not None and s.action == "sync"]
    assert [s.housekeeping for s in syncs] == [False, True, True, False]
    assert "failed to sync" in syncs[0].caption and syncs[-1].caption == "creates it at last"
