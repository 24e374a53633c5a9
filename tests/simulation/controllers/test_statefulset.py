"""The StatefulSet controller: stable names and claims, order, scale-down from the top, rolling
update by ordinal, Parallel — read as ``kubectl get pods,pvc`` and the set's Events show them."""
from __future__ import annotations

from tests.simulation.controllers.conftest import Cluster


def stateful_set(name: str = "web", replicas: int = 3, image: str = "nginx:1.27", **spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                         "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
                     **spec}}


def pod_names(c: Cluster) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.list("pods") if not p["metadata"].get("deletionTimestamp"))


def messages(c: Cluster) -> list[str]:
    events = sorted(c.list("events"), key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [e["message"] for e in events if e["source"]["component"] == "statefulset-controller"]


def ready_all(c: Cluster) -> None:
    for pod in c.list("pods"):
        if (pod.get("status") or {}).get("phase") != "Running" and not pod["metadata"].get("deletionTimestamp"):
            c.make_ready(pod)


def test_ordered_creation_waits_for_each_pod_to_be_ready():
    c = Cluster(controllers=("statefulset",))
    c.admin.create("statefulsets", stateful_set(), "default")
    assert c.run_until(lambda: pod_names(c) == ["web-0"])
    c.settle(3)
    assert pod_names(c) == ["web-0"], "web-1 waits until web-0 is Running and Ready"
    pod = c.get("pods", "web-0")
    assert pod["spec"]["hostname"] == "web-0" and pod["spec"]["subdomain"] == "nginx"
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "0"
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in pod["spec"]["volumes"]
    claim = c.get("persistentvolumeclaims", "www-web-0")
    assert claim["metadata"]["labels"] == {"app": "nginx"}
    c.make_ready("web-0")
    assert c.run_until(lambda: pod_names(c) == ["web-0", "web-1"])
    c.make_ready("web-1")
    assert c.run_until(lambda: pod_names(c) == ["web-0", "web-1", "web-2"])
    c.make_ready("web-2")
    assert c.run_until(lambda: c.get("statefulsets", "web")["status"].get("readyReplicas") == 3)
    assert messages(c)[:4] == ["create Claim www-web-0 Pod web-0 in StatefulSet web success",
                               "create Pod web-0 in StatefulSet web successful",
                               "create Claim www-web-1 Pod web-1 in StatefulSet web success",
                               "create Pod web-1 in StatefulSet web successful"]
    status = c.get("statefulsets", "web")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["updateRevision"].startswith("web-")
    revisions = c.list("controllerrevisions")
    assert [r["metadata"]["name"] for r in revisions] == [status["updateRevision"]]

    # Scale down: the highest ordinal goes first (these pods have no kubelet, so they go at once); claims stay.
    c.admin.patch("statefulsets", "default", "web", {"spec": {"replicas": 1}})
    assert c.run_until(lambda: pod_names(c) == ["web-0"])
    deletes = [m for m in messages(c) if m.startswith("delete")]
    assert deletes == ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]
    assert len(c.list("persistentvolumeclaims")) == 3


def test_rolling_update_replaces_pods_from_the_highest_ordinal():
    c = Cluster(controllers=("statefulset",))
    c.admin.create("statefulsets", stateful_set(replicas=2, podManagementPolicy="Parallel"), "default")
    assert c.run_until(lambda: pod_names(c) == ["web-0", "web-1"]), "Parallel creates without waiting"
    ready_all(c)
    assert c.run_until(lambda: c.get("statefulsets", "web")["status"].get("readyReplicas") == 2)
    old = c.get("statefulsets", "web")["status"]["updateRevision"]
    c.admin.patch("statefulsets", "default", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}},
                  patch_type="strategic")
    assert c.run_until(lambda: "delete Pod web-1 in StatefulSet web successful" in messages(c))
    assert "delete Pod web-0 in StatefulSet web successful" not in messages(c), "web-1 goes first"
    assert c.run_until(lambda: "web-1" in pod_names(c))
    new = c.get("statefulsets", "web")["status"]["updateRevision"]
    assert new != old
    assert c.get("pods", "web-1")["metadata"]["labels"]["controller-revision-hash"] == new
    assert c.get("pods", "web-1")["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert len(c.list("controllerrevisions")) == 2
