"""The garbage collector, as a user sees it: ``kubectl delete`` with each propagation policy
and what is left afterwards; dependents of owners that never existed or were replaced."""
from __future__ import annotations

import pytest

NS = "default"




def ref(owner: dict, *, controller: bool = True, block: bool = True) -> dict:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": controller, "blockOwnerDeletion": block}


def deployment(name: str) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def replica_set(name: str, owner: dict | None = None, **ref_kwargs) -> dict:
    labels = {"app": name}
    obj = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
           "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    if owner is not None:
        obj["metadata"]["ownerReferences"] = [ref(owner, **ref_kwargs)]
    return obj


def pod(name: str, *owners: dict, block: bool = True) -> dict:
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
    if owners:
        obj["metadata"]["ownerReferences"] = [ref(o, controller=i == 0, block=block) for i, o in enumerate(owners)]
    return obj


def web_tree(c) -> tuple[dict, dict, list[dict]]:
    """Deployment web → ReplicaSet web-7d9 → Pods web-7d9-a, web-7d9-b (as the workload controllers make them)."""
    deploy = c.admin.create("deployments", deployment("web"), NS)
    rs = c.admin.create("replicasets", replica_set("web-7d9", deploy), NS)
    pods = [c.admin.create("pods", pod(f"web-7d9-{s}", rs), NS) for s in ("a", "b")]
    c.settle(1)
    return deploy, rs, pods


@pytest.mark.parametrize("policy", [None, "Background"], ids=["default", "background"])
def test_background_deletion_collects_the_whole_tree(cluster, policy):
    c = cluster(("garbagecollector",))
    web_tree(c)
    c.admin.delete("deployments", NS, "web", propagation_policy=policy)
    assert not c.exists("deployments", "web")  # gone at once; the collector follows
    assert c.run_until(lambda: not c.exists("replicasets", "web-7d9") and not c.pods(include_terminating=True))
    assert any("The garbage collector sees ReplicaSet web-7d9's owner Deployment web is gone: it deletes the "
               "ReplicaSet (background)" == s for s in c.captions())
    assert not c.failed_syncs()


def test_foreground_deletion_removes_dependents_first_then_the_owner(cluster):
    c = cluster(("garbagecollector",))
    web_tree(c)
    order: list[str] = []
    c.kernel.step_listeners.append(lambda step: order.extend(
        n for n in ("web-7d9-a", "web-7d9-b", "web-7d9", "web") if n not in order and not c.exists(
            {"web": "deployments", "web-7d9": "replicasets"}.get(n, "pods"), n)))
    c.admin.delete("deployments", NS, "web", propagation_policy="Foreground")
    deploy = c.get("deployments", "web")
    assert deploy["metadata"]["finalizers"] == ["foregroundDeletion"] and deploy["metadata"]["deletionTimestamp"]
    assert c.run_until(lambda: not c.exists("deployments", "web"))
    assert not c.exists("replicasets", "web-7d9") and not c.pods(include_terminating=True)
    # The owner waits for its blocking dependents: pods, then their ReplicaSet, then the Deployment.
    assert order.index("web") == 3 and order.index("web-7d9") == 2
    assert not c.failed_syncs()


def test_orphan_deletion_keeps_dependents_without_the_owner_reference(cluster):
    c = cluster(("garbagecollector",))
    web_tree(c)
    c.admin.delete("replicasets", NS, "web-7d9", propagation_policy="Orphan")
    assert c.run_until(lambda: not c.exists("replicasets", "web-7d9"))
    c.settle(1)
    pods = c.pods()
    assert [p["metadata"]["name"] for p in pods] == ["web-7d9-a", "web-7d9-b"]
    assert all(not p["metadata"].get("ownerReferences") for p in pods)
    assert c.exists("deployments", "web")  # the owner's owner is untouched
    assert any("orphans 2 dependent(s) of ReplicaSet web-7d9" in s for s in c.captions())
    assert not c.failed_syncs()


def test_orphan_of_an_owner_without_dependents_just_goes(cluster):
    c = cluster(("garbagecollector",))
    c.admin.create("deployments", deployment("lonely"), NS)
    c.settle(1)
    c.admin.delete("deployments", NS, "lonely", propagation_policy="Orphan")
    assert c.run_until(lambda: not c.exists("deployments", "lonely"))


def test_dependent_of_an_owner_that_never_existed_is_collected(cluster):
    c = cluster(("garbagecollector",))
    ghost = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "ghost", "uid": "no-such-uid"}}
    c.admin.create("pods", pod("stray", ghost), NS)
    assert c.run_until(lambda: not c.exists("pods", "stray"))
    assert any("asks the API server for ReplicaSet ghost and finds it does not exist" in s for s in c.captions())


def test_owner_replaced_under_the_same_name_does_not_keep_old_dependents(cluster):
    c = cluster(("garbagecollector",))
    old = c.admin.create("replicasets", replica_set("web"), NS)
    c.admin.delete("replicasets", NS, "web", propagation_policy="Orphan")  # no dependents yet: gone
    c.settle(1)
    c.admin.create("replicasets", replica_set("web"), NS)  # same name, new uid
    c.admin.create("pods", pod("old-pod", old), NS)
    assert c.run_until(lambda: not c.exists("pods", "old-pod"))
    assert c.exists("replicasets", "web")


def test_a_solid_owner_keeps_the_dependent_and_dangling_references_are_removed(cluster):
    c = cluster(("garbagecollector",))
    keeper = c.admin.create("replicasets", replica_set("keeper"), NS)
    ghost = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "ghost", "uid": "gone-uid"}}
    c.admin.create("pods", pod("shared", keeper, ghost), NS)
    assert c.run_until(lambda: [r["name"] for r in c.get("pods", "shared")["metadata"].get("ownerReferences", [])]
                       == ["keeper"])
    c.settle(2)
    assert c.exists("pods", "shared")


def test_non_blocking_dependents_do_not_hold_a_foreground_owner(cluster):
    c = cluster(("garbagecollector",))
    rs = c.admin.create("replicasets", replica_set("rs"), NS)
    c.admin.create("pods", pod("loose", rs, block=False), NS)
    c.settle(1)
    c.admin.delete("replicasets", NS, "rs", propagation_policy="Foreground")
    assert c.run_until(lambda: not c.exists("replicasets", "rs") and not c.exists("pods", "loose"))


def test_restarted_collector_finds_orphans_left_while_it_was_down(cluster):
    c = cluster(("garbagecollector",))
    web_tree(c)
    c.manager.stop()
    c.admin.delete("deployments", NS, "web")
    c.settle(5)
    assert c.exists("replicasets", "web-7d9")  # nobody collects while the controller manager is down
    c.manager.start()
    assert c.run_until(lambda: not c.exists("replicasets", "web-7d9") and not c.pods(include_terminating=True))


def test_a_node_lease_goes_with_its_node(cluster):
    """A namespaced dependent of a cluster-scoped owner: the kubelet's Lease names its Node."""
    c = cluster(("garbagecollector",))
    node = c.admin.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-9"}})
    c.admin.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                              "metadata": {"name": "node-9", "ownerReferences": [
                                  {"apiVersion": "v1", "kind": "Node", "name": "node-9",
                                   "uid": node["metadata"]["uid"]}]},
                              "spec": {"holderIdentity": "node-9"}}, "kube-node-lease")
    c.settle(1)
    assert c.exists("leases", "node-9", "kube-node-lease")
    c.admin.delete("nodes", "", "node-9")
    assert c.run_until(lambda: not c.exists("leases", "node-9", "kube-node-lease"))
    assert not c.failed_syncs()
