"""ControllerExpectations: a controller acts only once its cache has shown what it wrote."""
from __future__ import annotations

import pytest

from simulation.controllers.expectations import (EXPECTATIONS_TIMEOUT_SECONDS, ControllerExpectations,
                                                  UIDTrackingControllerExpectations)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("steps, satisfied", [
    ([], True),
    ([("expect_creations", 3)], False),
    ([("expect_creations", 3), ("creation_observed",), ("creation_observed",)], False),
    ([("expect_creations", 2), ("creation_observed",), ("creation_observed",)], True),
    ([("expect_creations", 1), ("creation_observed",), ("creation_observed",)], True),
    ([("expect_deletions", 2), ("deletion_observed",)], False),
    ([("expect_deletions", 2), ("deletion_observed",), ("deletion_observed",)], True),
    ([("set_expectations", 1, 1), ("creation_observed",)], False),
    ([("set_expectations", 1, 1), ("lower_expectations", 1, 1)], True),
    ([("expect_creations", 1), ("raise_expectations", 1, 0), ("creation_observed",)], False),
    ([("expect_creations", 5), ("delete_expectations",)], True),
    ([("expect_creations", 5), ("advance", EXPECTATIONS_TIMEOUT_SECONDS - 1)], False),
    ([("expect_creations", 5), ("advance", EXPECTATIONS_TIMEOUT_SECONDS + 1)], True),
], ids=["unknown-controller", "pending-creations", "partly-observed", "all-observed", "over-observed",
        "pending-deletion", "all-deleted", "mixed-pending", "mixed-lowered", "raised", "deleted",
        "not-yet-expired", "expired"])
def test_satisfied_expectations(steps, satisfied):
    clock = Clock()
    exp = ControllerExpectations(clock)
    for name, *args in steps:
        if name == "advance":
            clock.now += args[0]
        else:
            getattr(exp, name)("default/web", *args)
    assert exp.satisfied_expectations("default/web") is satisfied
    assert exp.satisfied_expectations("default/other")


def test_uid_tracking_counts_each_deleted_pod_once():
    exp = UIDTrackingControllerExpectations(Clock())
    exp.expect_deletions("default/web", ["default/web-a", "default/web-b"])
    assert not exp.satisfied_expectations("default/web")
    exp.deletion_observed("default/web", "default/web-a")
    exp.deletion_observed("default/web", "default/web-a")  # deletionTimestamp set, then deleted
    exp.deletion_observed("default/web", "default/unrelated")
    assert exp.get_expectations("default/web").get() == (0, 1)
    exp.deletion_observed("default/web", "default/web-b")
    assert exp.satisfied_expectations("default/web")
    exp.delete_expectations("default/web")
    assert exp.get_uids("default/web") is None
