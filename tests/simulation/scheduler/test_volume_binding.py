"""VolumeBinding in a whole cluster: a StatefulSet's pods wait for their claims, the scheduler picks
a node and the provisioner makes the local volume there; a pod whose local volume lives on a node
it cannot use stays Pending with upstream's reason."""
from __future__ import annotations

from tests.simulation.controllers.test_statefulset import stateful_set
from tests.simulation.test_cluster import make_cluster


def phase(admin, name: str) -> str:
    return (admin.get("pods", "default", name).get("status") or {}).get("phase", "")


def test_stateful_set_pods_get_provisioned_local_volumes_on_their_nodes():
    cluster, admin = make_cluster()
    admin.create("statefulsets", stateful_set(replicas=2), "default")
    assert cluster.kernel.run_until_true(
        lambda: all(p["status"].get("phase") == "Running" for p in admin.list("pods", "default")[0])
        and len(admin.list("pods", "default")[0]) == 2, timeout_seconds=120, check_every_seconds=0.5)
    for ordinal in (0, 1):
        pod = admin.get("pods", "default", f"web-{ordinal}")
        claim = admin.get("persistentvolumeclaims", "default", f"www-web-{ordinal}")
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["storageClassName"] == "standard"
        assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == pod["spec"]["nodeName"]
        volume = admin.get("persistentvolumes", "", claim["spec"]["volumeName"])
        terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert terms[0]["matchExpressions"][0]["values"] == [pod["spec"]["nodeName"]]


def test_local_volume_on_an_unusable_node_keeps_the_pod_pending():
    cluster, admin = make_cluster()
    admin.create("persistentvolumes", {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "gpu-disk"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                 "local": {"path": "/mnt/disks/1"},
                 "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                     {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-3"]}]}]}}}})
    admin.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
        "default")
    assert cluster.kernel.run_until_true(
        lambda: admin.get("persistentvolumeclaims", "default", "data")["status"]["phase"] == "Bound",
        timeout_seconds=30, check_every_seconds=0.5)
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "reader"},
                          "spec": {"containers": [{"name": "app", "image": "busybox"}],
                                   "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}},
                 "default")
    def failed() -> list[str]:
        return [e["message"] for e in admin.list("events", "default")[0]
                if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "reader"]
    assert cluster.kernel.run_until_true(lambda: bool(failed()), timeout_seconds=30, check_every_seconds=0.5)
    # (the preemption clause that follows upstream's message belongs to DefaultPreemption)
    assert failed()[0].startswith("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
                                  "2 node(s) had volume node affinity conflict.")
    assert phase(admin, "reader") == "Pending"


def test_pod_with_a_missing_claim_waits():
    cluster, admin = make_cluster()
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "orphan"},
                          "spec": {"containers": [{"name": "app", "image": "busybox"}],
                                   "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "nope"}}]}},
                 "default")
    def failed() -> list[str]:
        return [e["message"] for e in admin.list("events", "default")[0]
                if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "orphan"]
    assert cluster.kernel.run_until_true(lambda: bool(failed()), timeout_seconds=30, check_every_seconds=0.5)
    assert failed()[0].startswith('0/3 nodes are available: persistentvolumeclaim "nope" not found.')
