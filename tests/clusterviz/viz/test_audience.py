"""What one viewer is shown of the cluster's audit records: everything but the pages' own
business — their reads (this page's only on request) and other users' refusals at the door."""
from __future__ import annotations

import pytest

from clusterviz.clusters.pageagent import user_agent
from clusterviz.viz.audience import Viewer

KUBECTL = "kubectl/v1.33.0 (linux/amd64) kubernetes/abc"
PASSED = [{"stage": "authentication", "result": "passed"}, {"stage": "authorization", "result": "passed"}]
RBAC_403 = [{"stage": "authentication", "result": "passed"},
            {"stage": "authorization", "result": "rejected", "plugin": "RBAC"}]
NO_CREDENTIALS_401 = [{"stage": "authentication", "result": "rejected", "plugin": ""}]
QUOTA_403 = [*PASSED, {"stage": "validating-admission", "result": "rejected", "plugin": "ResourceQuota"}]


def record(verb: str, user: str, agent: str, stages: list[dict] = PASSED) -> dict:
    code = next((403 if s["stage"] != "authentication" else 401 for s in stages if s["result"] == "rejected"), 200)
    return {"verb": verb, "user": user, "user_agent": agent, "stages": stages, "code": code,
            "rejected_by": next((s["plugin"] for s in stages if s["result"] == "rejected"), "")}


ME, MY_TAB, MY_OTHER_TAB, THEIR_TAB = "alice", "a1", "a2", "b1"
CASES = [
    # (record, own reads on, seen)
    (record("list", "bob", KUBECTL), False, True),
    (record("update", "system:kube-scheduler", "kube-scheduler/v1.33.0"), False, True),
    (record("list", ME, user_agent(MY_TAB)), False, False),
    (record("list", ME, user_agent(MY_TAB)), True, True),
    (record("watch", ME, user_agent(MY_TAB)), True, True),
    (record("get", ME, user_agent(MY_OTHER_TAB)), True, False),
    (record("list", "bob", user_agent(THEIR_TAB)), True, False),
    (record("list", "bob", user_agent(THEIR_TAB), RBAC_403), True, False),
    (record("create", "bob", user_agent(THEIR_TAB), RBAC_403), False, False),
    (record("list", "", user_agent(THEIR_TAB), NO_CREDENTIALS_401), False, False),
    (record("list", ME, user_agent(MY_TAB), RBAC_403), False, True),
    (record("list", "", user_agent(MY_TAB), NO_CREDENTIALS_401), False, True),
    (record("create", ME, user_agent(MY_OTHER_TAB), RBAC_403), False, True),
    (record("list", "bob", KUBECTL, RBAC_403), False, True),
    (record("create", "bob", user_agent(THEIR_TAB), QUOTA_403), False, True),
    (record("create", "bob", user_agent(THEIR_TAB)), False, True),
    (record("patch", ME, user_agent(MY_TAB)), False, True),
    (record("list", "bob", "clusterviz-page/not a page id"), False, True),
]
IDS = [
    "kubectl's read", "a component's write", "this page's read, own reads off", "this page's read, own reads on",
    "this page's watch, own reads on", "my other tab's read", "another user's page read",
    "another user's page read refused by RBAC", "another user's page write refused by RBAC",
    "another page's 401", "this page's read refused by RBAC, own reads off", "this page's 401",
    "my other tab's refusal", "another user's kubectl refused by RBAC",
    "another user's page write refused by an admission plugin", "another user's page write",
    "this page's write, own reads off", "a user agent that only looks like a page's",
]


@pytest.mark.parametrize(("record", "own_reads", "seen"), CASES, ids=IDS)
def test_a_viewer_sees_the_class_and_only_its_own_page_business(record: dict, own_reads: bool, seen: bool) -> None:
    viewer = Viewer(user=ME, page_id=MY_TAB, own_reads=own_reads)

    assert viewer.sees(record) is seen
