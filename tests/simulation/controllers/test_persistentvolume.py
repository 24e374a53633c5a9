"""The PersistentVolume binder and the local-path provisioner, against a real API server: what
``kubectl get pv,pvc`` and ``kubectl describe pvc`` show a learner."""
from __future__ import annotations

import pytest

from tests.simulation.controllers.conftest import Cluster

CONTROLLERS = ("persistentvolume-binder", "local-path-provisioner")


def pv(name: str, size: str = "1Gi", modes: tuple = ("ReadWriteOnce",), class_name: str | None = "", **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": list(modes), "hostPath": {"path": f"/data/{name}"},
                     **spec}}
    if class_name is not None:
        body["spec"]["storageClassName"] = class_name
    return body


def pvc(name: str, size: str = "1Gi", modes: tuple = ("ReadWriteOnce",), class_name: str | None = "", **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, **spec}}
    if class_name is not None:
        body["spec"]["storageClassName"] = class_name
    return body


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(controllers=CONTROLLERS)


def events_for(c: Cluster, name: str) -> list[tuple[str, str, str]]:
    return [(e["reason"], e["message"], e["source"]["component"]) for e in c.list("events")
            if e["involvedObject"]["name"] == name]


def test_static_volume_binds_to_the_smallest_claim_that_fits(cluster):
    c = cluster
    for name, size in (("big", "10Gi"), ("small", "2Gi"), ("tiny", "500Mi")):
        c.admin.create("persistentvolumes", pv(name, size))
    c.admin.create("persistentvolumeclaims", pvc("data", "1Gi"), "default")
    assert c.run_until(lambda: c.get("persistentvolumeclaims", "data")["status"]["phase"] == "Bound")
    claim = c.get("persistentvolumeclaims", "data")
    assert claim["spec"]["volumeName"] == "small"
    assert claim["status"]["capacity"] == {"storage": "2Gi"}
    assert claim["status"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert c.run_until(lambda: c.get("persistentvolumes", "small", "")["status"]["phase"] == "Bound")
    volume = c.get("persistentvolumes", "small", "")
    assert volume["spec"]["claimRef"]["name"] == "data"
    assert volume["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    assert c.get("persistentvolumes", "big", "")["status"]["phase"] == "Available"


def test_claim_without_class_and_no_volume_waits_with_failed_binding(cluster):
    c = cluster
    c.admin.create("persistentvolumeclaims", pvc("lonely"), "default")
    assert c.run_until(lambda: any(r == "FailedBinding" for r, _, _ in events_for(c, "lonely")))
    assert ("FailedBinding", "no persistent volumes available for this claim and no storage class is set",
            "persistentvolume-controller") in events_for(c, "lonely")
    assert c.get("persistentvolumeclaims", "lonely")["status"]["phase"] == "Pending"
    c.admin.create("persistentvolumes", pv("late", "5Gi"))
    assert c.run_until(lambda: c.get("persistentvolumeclaims", "lonely")["status"]["phase"] == "Bound")


def test_access_modes_and_class_must_match(cluster):
    c = cluster
    c.admin.create("persistentvolumes", pv("rox", modes=("ReadOnlyMany",)))
    c.admin.create("persistentvolumes", pv("other-class", class_name="slow"))
    c.admin.create("persistentvolumeclaims", pvc("rwo"), "default")
    c.settle(3)
    assert c.get("persistentvolumeclaims", "rwo")["status"]["phase"] == "Pending"


def test_deleting_the_claim_releases_a_retained_volume(cluster):
    c = cluster
    c.admin.create("persistentvolumes", pv("keep"))
    c.admin.create("persistentvolumeclaims", pvc("data"), "default")
    assert c.run_until(lambda: c.get("persistentvolumes", "keep", "")["status"]["phase"] == "Bound")
    c.admin.delete("persistentvolumeclaims", "default", "data")
    assert c.run_until(lambda: c.get("persistentvolumes", "keep", "")["status"]["phase"] == "Released")
    assert c.get("persistentvolumes", "keep", "")["spec"]["persistentVolumeReclaimPolicy"] == "Retain"


def test_default_class_is_assigned_and_waits_for_first_consumer(cluster):
    c = cluster
    c.admin.create("persistentvolumeclaims", pvc("www", class_name=None), "default")
    assert c.run_until(lambda: c.get("persistentvolumeclaims", "www")["spec"].get("storageClassName") == "standard")
    assert c.run_until(lambda: any(r == "WaitForFirstConsumer" for r, _, _ in events_for(c, "www")))
    assert ("WaitForFirstConsumer", "waiting for first consumer to be created before binding",
            "persistentvolume-controller") in events_for(c, "www")


def test_selected_node_makes_the_provisioner_create_a_local_volume(cluster):
    """What the scheduler's VolumeBinding plugin sets off: the claim names a node, the binder
    asks the provisioner, the provisioner makes a volume there, the binder binds it."""
    c = cluster
    claim = c.admin.create("persistentvolumeclaims", pvc("www", "1Gi", class_name="standard"), "default")
    c.settle(1)
    claim = c.get("persistentvolumeclaims", "www")
    claim["metadata"].setdefault("annotations", {})["volume.kubernetes.io/selected-node"] = "node-1"
    c.admin.update("persistentvolumeclaims", claim)
    assert c.run_until(lambda: c.get("persistentvolumeclaims", "www")["status"]["phase"] == "Bound")
    claim = c.get("persistentvolumeclaims", "www")
    name = f"pvc-{claim['metadata']['uid']}"
    assert claim["spec"]["volumeName"] == name
    volume = c.get("persistentvolumes", name, "")
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert volume["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "rancher.io/local-path"
    events = events_for(c, "www")
    reasons = [r for r, _, _ in events]
    assert "ExternalProvisioning" in reasons
    assert ("ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner "
            "'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please "
            "verify that the provisioner is running and correctly registered.", "persistentvolume-controller") in events
    provisioner = sorted((r, m) for r, m, s in events if s.startswith("rancher.io/local-path_"))
    assert provisioner == [("Provisioning", 'External provisioner is provisioning volume for claim "default/www"'),
                           ("ProvisioningSucceeded", f"Successfully provisioned volume {name}")]
    # Reclaim policy Delete: the released volume goes away with its claim.
    c.admin.delete("persistentvolumeclaims", "default", "www")
    assert c.run_until(lambda: not c.list("persistentvolumes", ""))
