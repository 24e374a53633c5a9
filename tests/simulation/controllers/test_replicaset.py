"""The ReplicaSet controller, as a user sees it: pods named after the set, owned by it, no
duplicates while the controller's cache lags, Events from replicaset-controller."""
from __future__ import annotations

import re

import pytest

from simulation.controllers.controller_utils import SAFE_ALPHABET, rank_pods_for_deletion

from tests.simulation.controllers.manifests import orphan_pod, replica_set

POD_NAME = re.compile(rf"^web-[{SAFE_ALPHABET}]{{5}}$")


def pods_cache(cluster):
    return next(inf for key, inf in cluster.manager.informers.items() if key[0] == "pods").lister


def test_creates_pods_with_owner_references_names_and_events(cluster):
    c = cluster()
    rs = c.create("replicasets", replica_set("web", 3))
    c.settle()
    pods = c.pods()
    assert len(pods) == 3
    for pod in pods:
        meta = pod["metadata"]
        assert POD_NAME.match(meta["name"]), meta["name"]
        assert meta["generateName"] == "web-"
        assert meta["labels"] == {"app": "web"}
        assert meta["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                                            "uid": rs["metadata"]["uid"], "controller": True,
                                            "blockOwnerDeletion": True}]
    events = c.events("SuccessfulCreate")
    assert sorted(e["message"] for e in events) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert {(e["source"]["component"], e["involvedObject"]["kind"], e["involvedObject"]["name"], e["type"])
            for e in events} == {("replicaset-controller", "ReplicaSet", "web", "Normal")}
    status = c.get("replicasets", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
    created = [s for s in c.captions() if "creates pods" in s]
    assert created and created[0].startswith("The ReplicaSet controller sees ReplicaSet web wants 3 pods and has 0: "
                                             "it creates pods ")
    assert all(p["metadata"]["name"] in created[0] for p in pods)


@pytest.mark.parametrize("start, scale_to, reason", [
    (2, 5, "SuccessfulCreate"),
    (4, 1, "SuccessfulDelete"),
    (3, 0, "SuccessfulDelete"),
], ids=["scale-up", "scale-down", "scale-to-zero"])
def test_scale(cluster, start, scale_to, reason):
    c = cluster()
    c.create("replicasets", replica_set("web", start))
    c.settle()
    before = set(c.pod_names())
    c.patch("replicasets", "web", {"spec": {"replicas": scale_to}})
    c.settle()
    after = set(c.pod_names())
    assert len(after) == scale_to
    assert after >= before if scale_to > start else after <= before
    changed = (after - before) | (before - after)
    verb = "Created" if reason == "SuccessfulCreate" else "Deleted"
    messages = {e["message"] for e in c.events(reason)}
    assert {f"{verb} pod: {name}" for name in changed} <= messages
    status = c.get("replicasets", "web")["status"]
    assert status["replicas"] == scale_to and status["observedGeneration"] == 2


def test_scale_down_deletes_not_ready_pods_first(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 3))
    c.settle()
    names = c.pod_names()
    c.make_ready(names[0])
    c.make_ready(names[2])
    c.settle()
    c.patch("replicasets", "web", {"spec": {"replicas": 2}})
    c.settle()
    assert c.pod_names() == [names[0], names[2]]
    assert c.get("replicasets", "web")["status"]["readyReplicas"] == 2


def _pod(name, node="", phase="Pending", ready=False, cost=None, restarts=0, created="2023-11-14T22:00:00Z",
         ready_since="2023-11-14T22:00:00Z"):
    meta = {"name": name, "uid": name, "creationTimestamp": created}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    status = {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready_since}]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


NOW = 1_700_000_000.0 + 3600  # an hour after the pods above were made


@pytest.mark.parametrize("first, second", [
    (_pod("a"), _pod("b", node="n1")),
    (_pod("a", node="n1"), _pod("b", node="n1", phase="Running")),
    (_pod("a", node="n1", phase="Running"), _pod("b", node="n1", phase="Running", ready=True)),
    (_pod("a", node="n1", phase="Running", ready=True, cost=-5),
     _pod("b", node="n1", phase="Running", ready=True)),
    (_pod("a", node="n1", phase="Running", ready=True, ready_since="2023-11-14T22:59:00Z"),
     _pod("b", node="n1", phase="Running", ready=True, ready_since="2023-11-14T22:00:00Z")),
    (_pod("a", node="n1", phase="Running", ready=True, restarts=4),
     _pod("b", node="n1", phase="Running", ready=True)),
    (_pod("a", node="n1", created="2023-11-14T22:59:00Z"), _pod("b", node="n1", created="2023-11-14T20:00:00Z")),
], ids=["unscheduled-first", "pending-first", "not-ready-first", "lower-deletion-cost-first",
        "recently-ready-first", "more-restarts-first", "newer-first"])
def test_deletion_ranking(first, second):
    assert [p["metadata"]["name"] for p in rank_pods_for_deletion([second, first], [], NOW)] == ["a", "b"]


def test_doubled_up_pods_are_deleted_first():
    related = [_pod("x", node="n1"), _pod("y", node="n1"), _pod("z", node="n2")]
    pods = [_pod("on-n2", node="n2"), _pod("on-n1", node="n1")]
    assert [p["metadata"]["name"] for p in rank_pods_for_deletion(pods, related, NOW)] == ["on-n1", "on-n2"]


def test_no_duplicates_while_watch_events_are_lost(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 3))
    while len(c.pods()) < 3:  # step until the sync that creates the pods has run
        c.kernel.step()
    c.manager.drops.remaining = 4  # the pods' ADDED events (and the status write) never arrive
    c.settle(1)
    assert len(pods_cache(c)) < 3, "the controller's cache should lag the store"
    c.patch("replicasets", "web", {"metadata": {"labels": {"tier": "front"}}})  # wakes the controller
    c.settle(2)
    assert len(c.pods()) == 3
    assert any("it waits rather than act twice" in s for s in c.captions())
    c.run(40)  # past the informers' relist period
    assert len(pods_cache(c)) == 3
    assert len(c.pods()) == 3
    assert any("re-lists pods: " in s and "missed" in s for s in c.captions())
    c.patch("replicasets", "web", {"spec": {"replicas": 4}})
    c.settle()
    assert len(c.pods()) == 4


def test_a_lost_delete_event_leaves_the_cluster_short_until_the_relist(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 2))
    c.settle()
    gone = c.pod_names()[0]
    c.manager.drops.remaining = 1
    c.admin.delete("pods", "default", gone)
    c.settle(5)
    assert len(c.pods()) == 1, "the controller never heard of the deletion"
    c.run(40)
    names = c.pod_names()
    assert len(names) == 2 and gone not in names


def test_adopts_matching_orphans_and_releases_pods_that_stop_matching(cluster):
    c = cluster()
    c.create("pods", orphan_pod("stray", {"app": "web"}))
    rs = c.create("replicasets", replica_set("web", 2))
    c.settle()
    pods = c.pods()
    assert len(pods) == 2 and "stray" in [p["metadata"]["name"] for p in pods]
    stray = c.get("pods", "stray")
    assert stray["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
    assert any("adopts orphan pod stray" in s for s in c.captions())
    c.patch("pods", "stray", {"metadata": {"labels": {"app": "debug"}}})
    c.settle()
    assert "ownerReferences" not in c.get("pods", "stray")["metadata"]
    assert len(c.pods("app=web")) == 2


def test_terminating_pods_do_not_count(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 2))
    c.settle()
    victim = c.pod_names()[0]
    c.admin.bind("default", victim, "node-1")  # a bound pod is deleted gracefully
    c.admin.delete("pods", "default", victim)
    assert c.get("pods", victim)["metadata"].get("deletionTimestamp")
    c.settle()
    assert len(c.pods()) == 2 and victim not in c.pod_names()
    assert len(c.pods(include_terminating=True)) == 3
    assert c.get("replicasets", "web")["status"]["replicas"] == 2


def test_failed_create_is_reported_and_retried(cluster):
    c = cluster()
    c.create("resourcequotas", {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods"},
                                "spec": {"hard": {"pods": "1"}}})
    c.create("replicasets", replica_set("web", 3))
    c.settle()
    assert len(c.pods()) == 1
    failed = c.events("FailedCreate")
    assert failed and failed[0]["type"] == "Warning"
    assert failed[0]["message"].startswith('Error creating: pods "web-')
    assert "exceeded quota: pods" in failed[0]["message"]
    status = c.get("replicasets", "web")["status"]
    assert [(x["type"], x["reason"]) for x in status["conditions"]] == [("ReplicaFailure", "FailedCreate")]
    c.admin.delete("resourcequotas", "default", "pods")
    c.run(10)
    assert len(c.pods()) == 3
    assert "conditions" not in c.get("replicasets", "web")["status"]


def test_slow_start_batches_are_named_in_the_caption(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 7))
    c.settle()
    assert len(c.pods()) == 7
    assert any("(slow start: batches of 1, 2, 4)" in s for s in c.captions())


def test_available_replicas_wait_for_min_ready_seconds(cluster):
    c = cluster()
    c.create("replicasets", replica_set("web", 2, minReadySeconds=10))
    c.settle()
    c.make_all_ready()
    c.settle()
    status = c.get("replicasets", "web")["status"]
    assert status["readyReplicas"] == 2 and "availableReplicas" not in status
    c.run(12)
    assert c.get("replicasets", "web")["status"]["availableReplicas"] == 2


def test_same_seed_same_names(cluster):
    def names(seed):
        c = cluster(seed=seed)
        c.create("replicasets", replica_set("web", 4))
        c.settle()
        return c.pod_names(), [(s.time_seconds, s.caption) for s in c.kernel.history]

    first, second, other = names(7), names(7), names(8)
    assert first == second
    assert first[0] != other[0]


def test_status_counts_every_claimed_pod_whatever_its_state(cluster):
    """The counts come from the pod index's tally, kept as the informer delivers each pod;
    they must be what ``calculateStatus`` gives walking every claimed pod: here ready and
    not ready pods, one without the template's second label, one finished, one adopted."""
    c = cluster()
    labels = {"app": "web", "tier": "front"}
    rs = replica_set("web", 5, {"app": "web"})
    rs["spec"]["template"]["metadata"]["labels"] = labels
    c.create("replicasets", rs)
    c.settle()
    first, second, third, *_ = sorted(c.pod_names())
    c.make_ready(first)
    c.make_ready(second)
    c.patch("pods", second, {"metadata": {"labels": {"tier": None}}})  # still selected, not fully labelled
    c.patch("pods", third, {"status": {"phase": "Succeeded"}}, subresource="status")  # no longer active
    c.create("pods", orphan_pod("stray", {"app": "web", "tier": "front"}))
    c.make_ready("stray")
    c.settle()

    pods = [p for p in c.pods() if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    ready = [p for p in pods if any(x["type"] == "Ready" and x["status"] == "True"
                                    for x in (p.get("status") or {}).get("conditions") or [])]
    fully = [p for p in pods if labels.items() <= (p["metadata"].get("labels") or {}).items()]
    assert "stray" in [p["metadata"]["name"] for p in pods]
    assert c.get("replicasets", "web")["status"] == {
        "replicas": 5, "fullyLabeledReplicas": len(fully), "readyReplicas": len(ready),
        "availableReplicas": len(ready), "observedGeneration": 1}
    assert (len(pods), len(fully), len(ready)) == (5, 4, 3)
