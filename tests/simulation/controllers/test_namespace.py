"""The namespace controller, as a user sees it: ``kubectl delete namespace`` turns it
``Terminating``, its content goes, then the namespace itself; conditions say what is left."""
from __future__ import annotations

import pytest

from simulation.controllers.namespace import NAMESPACE_DELETION_GRACE_SECONDS

NS = "team"




def conditions(namespace: dict) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"])
            for c in (namespace.get("status") or {}).get("conditions") or []}


def configmap(name: str, **meta) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}, "data": {"k": "v"}}


def deployment(name: str) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}


def pod(name: str, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec}}


CONTENT = [
    ("configmaps", configmap("settings")),
    ("deployments", deployment("web")),
    ("services", service("web")),
    ("pods", pod("solo")),
    ("secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}, "stringData": {"a": "b"}}),
]


def make_namespace(c, content=CONTENT) -> None:
    c.admin.create("namespaces", {"metadata": {"name": NS}})
    c.admin.create("serviceaccounts", {"metadata": {"name": "default"}}, NS)
    for resource, obj in content:
        c.admin.create(resource, obj, NS)
    c.settle(1)


def test_a_terminating_namespace_loses_its_content_then_goes(cluster):
    c = cluster(("namespace",))
    make_namespace(c)
    terminating = c.admin.delete("namespaces", "", NS)
    assert terminating["status"]["phase"] == "Terminating"
    assert terminating["spec"]["finalizers"] == ["kubernetes"]
    c.run(NAMESPACE_DELETION_GRACE_SECONDS - 0.5)
    assert c.exists("configmaps", "settings", NS)  # the controller waits out its grace period first
    assert c.run_until(lambda: not c.exists("namespaces", NS), timeout_seconds=30)
    for resource, obj in CONTENT:
        assert c.admin.list(resource, NS)[0] == [], resource
    assert any("finds namespace team empty: it removes the 'kubernetes' finalizer" in s for s in c.captions())
    assert not c.failed_syncs()


def test_content_held_by_a_finalizer_keeps_the_namespace_terminating_with_conditions(cluster):
    c = cluster(("namespace",))
    make_namespace(c, [("configmaps", configmap("held", finalizers=["example.com/keep"]))])
    c.admin.delete("namespaces", "", NS)
    c.run(NAMESPACE_DELETION_GRACE_SECONDS + 1)
    ns = c.admin.get("namespaces", "", NS)
    assert ns["status"]["phase"] == "Terminating"
    assert conditions(ns) == {
        "NamespaceDeletionDiscoveryFailure": ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure": ("False", "ParsedGroupVersions",
                                                        "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure": ("False", "ContentDeleted",
                                            "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining": ("True", "SomeResourcesRemain",
                                      "Some resources are remaining: configmaps. has 1 resource instances"),
        "NamespaceFinalizersRemaining": ("True", "SomeFinalizersRemain",
                                         ("Some content in the namespace has finalizers remaining: example.com/keep "
                                          "in 1 resource instances")),
    }
    # Whoever owns the finalizer finishes; the controller's next look (after 15 s / 2) finalizes the namespace.
    c.admin.patch("configmaps", NS, "held", {"metadata": {"finalizers": None}})
    assert c.run_until(lambda: not c.exists("namespaces", NS), timeout_seconds=20)


def test_pods_being_deleted_gracefully_are_waited_for(cluster):
    c = cluster(("namespace",))
    make_namespace(c, [("pods", pod("bound", nodeName="node-1", terminationGracePeriodSeconds=30))])
    c.admin.delete("namespaces", "", NS)
    c.run(NAMESPACE_DELETION_GRACE_SECONDS + 1)
    held = c.admin.get("pods", NS, "bound")
    assert held["metadata"]["deletionTimestamp"]  # its kubelet (none here) would stop the containers
    assert conditions(c.admin.get("namespaces", "", NS))["NamespaceContentRemaining"][0] == "True"
    c.admin.delete("pods", NS, "bound", grace_period_seconds=0)  # what the kubelet does when they stopped
    assert c.run_until(lambda: not c.exists("namespaces", NS), timeout_seconds=30)


def test_a_namespace_that_is_not_deleted_is_left_alone(cluster):
    c = cluster(("namespace",))
    make_namespace(c)
    c.run(NAMESPACE_DELETION_GRACE_SECONDS * 3)
    assert c.exists("configmaps", "settings", NS)
    assert c.admin.get("namespaces", "", NS)["status"]["phase"] == "Active"


def test_a_namespace_deleted_while_the_controller_manager_was_down_is_cleaned_up_when_it_returns(cluster):
    c = cluster(("namespace",))
    make_namespace(c)
    c.manager.stop()
    c.admin.delete("namespaces", "", NS)
    c.run(30)
    assert c.exists("namespaces", NS)
    c.manager.start()
    assert c.run_until(lambda: not c.exists("namespaces", NS), timeout_seconds=30)


@pytest.mark.parametrize("controllers", [("namespace", "garbagecollector")], ids=["with-gc"])
def test_namespace_and_garbage_collector_together(cluster, controllers):
    c = cluster(controllers)
    make_namespace(c)
    dep = c.admin.get("deployments", NS, "web")
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "web-1", "ownerReferences": [
              {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": dep["metadata"]["uid"],
               "controller": True, "blockOwnerDeletion": True}]},
          "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    c.admin.create("replicasets", rs, NS)
    c.admin.delete("namespaces", "", NS, propagation_policy="Foreground")
    assert c.run_until(lambda: not c.exists("namespaces", NS), timeout_seconds=40)


def test_an_empty_namespace_goes_too(cluster):
    c = cluster(("namespace",))
    c.admin.create("namespaces", {"metadata": {"name": "empty"}})
    c.admin.delete("namespaces", "", "empty")
    assert c.run_until(lambda: not c.exists("namespaces", "empty"), timeout_seconds=NAMESPACE_DELETION_GRACE_SECONDS + 5)
