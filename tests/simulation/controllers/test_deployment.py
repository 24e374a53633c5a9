"""The Deployment controller, as a user sees it: ReplicaSets named by the template hash,
revision annotations, rollouts that respect maxSurge/maxUnavailable, status conditions and
ScalingReplicaSet Events from deployment-controller."""
from __future__ import annotations

import re

import pytest

from simulation.controllers.controller_utils import SAFE_ALPHABET, compute_hash, fnv32a
from simulation.controllers.deployment.util import resolve_fenceposts
from tests.simulation.controllers.manifests import deployment

BOTH = ("deployment", "replicaset")
ROLLING_1_0 = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def replica_sets(c) -> dict[str, dict]:
    return {rs["metadata"]["name"]: rs for rs in c.list("replicasets")}


def scaling_messages(c) -> list[str]:
    return [e["message"] for e in c.events("ScalingReplicaSet")]


def ready_web(c) -> None:
    """Play the kubelets: every pod that exists becomes Running and Ready."""
    c.make_all_ready()


def steady(c, d: dict) -> None:
    """Create the Deployment and let its first rollout finish (pods made ready)."""
    c.create("deployments", d)
    c.settle()
    ready_web(c)
    c.settle()


def roll(c, rounds: int = 12) -> None:
    for _ in range(rounds):
        c.settle(1)
        ready_web(c)
    c.settle(1)


def test_creates_a_replica_set_named_by_the_template_hash(cluster):
    c = cluster(BOTH)
    d = c.create("deployments", deployment("web", 3))
    c.settle()
    [(name, rs)] = replica_sets(c).items()
    hash_ = rs["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(rf"[{SAFE_ALPHABET}]+", hash_)
    assert name == f"web-{hash_}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": hash_}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": hash_}
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1",
                                             "deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4"}
    assert rs["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                                  "uid": d["metadata"]["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]
    assert len(c.pods(f"pod-template-hash={hash_}")) == 3
    [event] = c.events("ScalingReplicaSet")
    assert event["message"] == f"Scaled up replica set {name} from 0 to 3"
    assert event["source"]["component"] == "deployment-controller"
    assert event["involvedObject"]["kind"] == "Deployment"
    assert (f"The Deployment controller sees Deployment web has no ReplicaSet for its template: "
            f"it creates ReplicaSet {name} and scales it to 3") in "\n".join(c.captions())
    # The chain a learner reads in `kubectl get events`: ScalingReplicaSet, then SuccessfulCreate x3.
    reasons = [e["reason"] for e in c.events()]
    assert reasons == ["ScalingReplicaSet"] + ["SuccessfulCreate"] * 3


def test_hash_is_deterministic_and_moves_with_template_and_collision_count():
    template = deployment("web", 1)["spec"]["template"]
    other = deployment("web", 1, image="nginx:1.26")["spec"]["template"]
    assert compute_hash(template) == compute_hash(dict(reversed(list(template.items()))))
    assert len({compute_hash(template), compute_hash(other), compute_hash(template, 1)}) == 3
    assert fnv32a(b"") == 0x811C9DC5 and fnv32a(b"a") == 0xE40C292C


@pytest.mark.parametrize("replicas, surge, unavailable, expected", [
    (10, "25%", "25%", (3, 2)),
    (3, "25%", "25%", (1, 0)),
    (3, 0, 0, (0, 1)),
    (4, "50%", 1, (2, 1)),
    (10, "33%", "33%", (4, 3)),
    (1, "25%", "25%", (1, 0)),
    (5, 2, "10%", (2, 0)),
], ids=["defaults-10", "defaults-3", "both-zero-means-one-unavailable", "mixed", "percent-rounding",
        "defaults-1", "int-surge"])
def test_fenceposts_round_surge_up_and_unavailable_down(replicas, surge, unavailable, expected):
    d = deployment("web", replicas, strategy={"type": "RollingUpdate",
                                              "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}})
    assert resolve_fenceposts(d) == expected


def test_status_and_conditions_follow_the_pods(cluster):
    c = cluster(BOTH)
    c.create("deployments", deployment("web", 3, strategy=ROLLING_1_0))
    c.settle()
    status = c.get("deployments", "web")["status"]
    rs_name = next(iter(replica_sets(c)))
    assert status["replicas"] == 3 and status["updatedReplicas"] == 3 and status["unavailableReplicas"] == 3
    conditions = {x["type"]: x for x in status["conditions"]}
    assert (conditions["Available"]["status"], conditions["Available"]["reason"], conditions["Available"]["message"]) \
        == ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
    assert conditions["Progressing"]["status"] == "True"
    assert conditions["Progressing"]["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    ready_web(c)
    c.settle()
    status = c.get("deployments", "web")["status"]
    assert {k: status.get(k) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                                       "unavailableReplicas", "observedGeneration")} == {
        "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "unavailableReplicas": None, "observedGeneration": 1}
    conditions = {x["type"]: x for x in status["conditions"]}
    assert (conditions["Available"]["status"], conditions["Available"]["reason"], conditions["Available"]["message"]) \
        == ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert (conditions["Progressing"]["reason"], conditions["Progressing"]["message"]) \
        == ("NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.')


def test_first_progressing_condition_says_the_replica_set_was_created(cluster):
    c = cluster(BOTH)
    c.create("deployments", deployment("web", 2))
    while not c.list("replicasets"):
        c.kernel.step()
    c.kernel.step()
    rs_name = next(iter(replica_sets(c)))
    progressing = [x for x in c.get("deployments", "web")["status"]["conditions"] if x["type"] == "Progressing"]
    assert [(x["reason"], x["message"]) for x in progressing] == [
        ("NewReplicaSetCreated", f'Created new replica set "{rs_name}"')]


def test_rolling_update_with_surge_one_keeps_every_replica_available(cluster):
    c = cluster(BOTH)
    steady(c, deployment("web", 3, strategy=ROLLING_1_0))
    [old] = replica_sets(c)
    seen = []

    def check(step):
        pods = c.pods()
        ready = [p for p in pods if any(x["type"] == "Ready" and x["status"] == "True"
                                        for x in (p.get("status") or {}).get("conditions") or [])]
        seen.append((len(pods), len(ready)))

    c.kernel.step_listeners.append(check)
    c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                  "image": "nginx:1.26"}]}}}})
    roll(c)
    c.kernel.step_listeners.remove(check)
    sets = replica_sets(c)
    [new] = [n for n in sets if n != old]
    assert sets[new]["spec"]["replicas"] == 3 and sets[old]["spec"]["replicas"] == 0
    assert sets[new]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert min(r for _, r in seen) >= 3, "maxUnavailable=0: never fewer than 3 ready pods"
    assert max(n for n, _ in seen) <= 4, "maxSurge=1: never more than 4 pods"
    assert scaling_messages(c) == [
        f"Scaled up replica set {old} from 0 to 3",
        f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 3 to 2",
        f"Scaled up replica set {new} from 1 to 2",
        f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 2 to 3",
        f"Scaled down replica set {old} from 1 to 0",
    ]
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in c.pods()} == {new.rsplit("-", 1)[1]}
    status = c.get("deployments", "web")["status"]
    assert (status["updatedReplicas"], status["availableReplicas"], status["observedGeneration"]) == (3, 3, 2)
    assert any(x["reason"] == "NewReplicaSetAvailable" and new in x["message"] for x in status["conditions"])


def test_recreate_removes_old_pods_before_starting_new_ones(cluster):
    c = cluster(BOTH)
    steady(c, deployment("web", 2, strategy={"type": "Recreate"}))
    [old] = replica_sets(c)
    mixed = []
    c.kernel.step_listeners.append(
        lambda step: mixed.append(len({p["metadata"]["labels"]["pod-template-hash"] for p in c.pods()}) > 1))
    c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                  "image": "nginx:1.26"}]}}}})
    roll(c, 4)
    [new] = [n for n in replica_sets(c) if n != old]
    assert not any(mixed), "old and new pods never run side by side"
    assert scaling_messages(c)[1:] == [f"Scaled down replica set {old} from 2 to 0",
                                       f"Scaled up replica set {new} from 0 to 2"]
    assert len(c.pods(f"pod-template-hash={new.rsplit('-', 1)[1]}")) == 2


@pytest.mark.parametrize("start, to", [(3, 5), (4, 1)], ids=["up", "down"])
def test_scaling_a_deployment_scales_its_replica_set(cluster, start, to):
    c = cluster(BOTH)
    steady(c, deployment("web", start))
    c.patch("deployments", "web", {"spec": {"replicas": to}})
    c.settle()
    [(name, rs)] = replica_sets(c).items()
    assert rs["spec"]["replicas"] == to
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == str(to)
    assert scaling_messages(c)[-1] == f"Scaled {'up' if to > start else 'down'} replica set {name} from {start} to {to}"
    assert len(c.pods()) == to


def test_scaling_mid_rollout_is_proportional(cluster):
    c = cluster(BOTH)
    c.create("deployments", deployment("web", 10, strategy={"type": "RollingUpdate",
                                                            "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    c.settle()
    ready_web(c)
    c.settle()
    [old] = replica_sets(c)
    c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                  "image": "nginx:1.26"}]}}}})
    c.settle()  # new pods never become ready: the rollout is stuck at 8 old + 5 new
    sets = replica_sets(c)
    [new] = [n for n in sets if n != old]
    assert (sets[old]["spec"]["replicas"], sets[new]["spec"]["replicas"]) == (8, 5)
    c.patch("deployments", "web", {"spec": {"replicas": 20}})
    c.settle()
    sets = replica_sets(c)
    # 23 allowed (20 + surge 3): the 10 extra split 8:5 -> old +6, new +4 (rounding leftovers to the largest).
    assert (sets[old]["spec"]["replicas"], sets[new]["spec"]["replicas"]) == (14, 9)
    assert sum(rs["spec"]["replicas"] for rs in sets.values()) == 23


def test_revision_history_limit_deletes_the_oldest_empty_replica_sets(cluster):
    c = cluster(BOTH)
    c.create("deployments", deployment("web", 2, strategy=ROLLING_1_0, revisionHistoryLimit=1))
    c.settle()
    ready_web(c)
    first = set(replica_sets(c))
    for image in ("nginx:1.26", "nginx:1.27"):
        c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                      "image": image}]}}}})
        roll(c)
    sets = replica_sets(c)
    assert len(sets) == 2 and not first & set(sets)
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in sets.values())
    assert revisions == ["2", "3"]
    assert any("deletes old ReplicaSet" in s and "revisionHistoryLimit 1" in s for s in c.captions())


def test_a_paused_deployment_does_not_roll_out_until_resumed(cluster):
    c = cluster(BOTH)
    steady(c, deployment("web", 2))
    c.patch("deployments", "web", {"spec": {"paused": True}})
    c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                  "image": "nginx:1.26"}]}}}})
    c.settle(3)
    assert len(replica_sets(c)) == 1
    progressing = [x for x in c.get("deployments", "web")["status"]["conditions"] if x["type"] == "Progressing"]
    assert [(x["status"], x["reason"], x["message"]) for x in progressing] == [
        ("Unknown", "DeploymentPaused", "Deployment is paused")]
    c.patch("deployments", "web", {"spec": {"paused": False}})
    roll(c)
    assert len(replica_sets(c)) == 2
    assert c.get("deployments", "web")["status"]["updatedReplicas"] == 2


def test_rollout_restart_makes_a_new_replica_set_and_rolls(cluster):
    c = cluster(BOTH)
    steady(c, deployment("web", 2, strategy=ROLLING_1_0))
    before = set(c.pod_names())
    # What `kubectl rollout restart deployment/web` sends.
    c.patch("deployments", "web", {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": "2023-11-14T22:15:00Z"}}}}}, patch_type="strategic")
    roll(c)
    sets = replica_sets(c)
    assert len(sets) == 2
    new = next(rs for rs in sets.values() if rs["spec"]["replicas"] == 2)
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert new["spec"]["template"]["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/restartedAt": "2023-11-14T22:15:00Z"}
    after = set(c.pod_names())
    assert len(after) == 2 and not before & after


def test_adopts_an_orphan_replica_set_that_matches(cluster):
    c = cluster(BOTH + ("garbagecollector",))  # the collector orphans the set
    c.create("deployments", deployment("web", 2))
    c.settle()
    [name] = replica_sets(c)
    c.admin.delete("deployments", "default", "web", propagation_policy="Orphan")
    c.settle()
    assert "ownerReferences" not in c.get("replicasets", name)["metadata"]
    d = c.create("deployments", deployment("web", 2))
    c.settle()
    sets = replica_sets(c)
    assert list(sets) == [name]
    assert sets[name]["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]


def test_same_seed_same_history(cluster):
    def run(seed):
        c = cluster(BOTH, seed=seed)
        c.create("deployments", deployment("web", 3))
        c.settle()
        return sorted(replica_sets(c)), c.pod_names(), [s.caption for s in c.kernel.history]

    assert run(3) == run(3)


def test_rollback_reuses_the_old_replica_set_with_a_new_revision(cluster):
    c = cluster(BOTH)
    steady(c, deployment("web", 2, strategy=ROLLING_1_0))
    [first] = replica_sets(c)
    original = c.get("deployments", "web")["spec"]["template"]
    c.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                                  "image": "nginx:1.26"}]}}}})
    roll(c)
    # What `kubectl rollout undo` does: put the old template back.
    d = c.get("deployments", "web")
    d["spec"]["template"] = original
    c.admin.update("deployments", d)
    roll(c)
    sets = replica_sets(c)
    assert len(sets) == 2 and sets[first]["spec"]["replicas"] == 2
    annotations = sets[first]["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "3"
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"


def test_the_controller_manager_needs_no_more_than_its_role(cluster):
    c = cluster(BOTH + ("daemonset",))
    c.admin.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"}})
    c.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "agent"}},
                      "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})
    c.create("daemonsets", {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
                            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                                     "template": {"metadata": {"labels": {"app": "agent"}},
                                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})
    steady(c, deployment("web", 2, strategy=ROLLING_1_0))
    c.patch("deployments", "web", {"spec": {"replicas": 0}})
    roll(c, 2)
    mine = [r for r in c.audit if r.user == "system:kube-controller-manager"]
    verbs = {(r.verb, r.resource, r.subresource) for r in mine}
    assert {("create", "replicasets", ""), ("update", "replicasets", ""), ("update", "deployments", "status"),
            ("create", "pods", ""), ("delete", "pods", ""), ("patch", "pods", ""),
            ("update", "daemonsets", "status"), ("create", "events", "")} <= verbs
    assert [(r.verb, r.path, r.message) for r in mine if r.code == 403] == []


def test_a_rollout_without_progress_times_out(cluster):
    c = cluster(BOTH)
    c.create("deployments", deployment("web", 2, progressDeadlineSeconds=10))
    c.settle()
    [name] = replica_sets(c)
    c.run(15)  # the pods never become ready
    progressing = [x for x in c.get("deployments", "web")["status"]["conditions"] if x["type"] == "Progressing"]
    assert [(x["status"], x["reason"], x["message"]) for x in progressing] == [
        ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{name}" has timed out progressing.')]
