"""The ReplicationController, as the book's kubia-rc.yaml drives it: the API server defaults its
labels from the template, the manager keeps three pods owned by it (Events from
replication-controller), scaling works through the scale subresource, and deleting it with the
orphan policy leaves the pods for the next RC to adopt."""
from __future__ import annotations

import pytest

from simulation.client.apiclient import APIError

KUBIA_RC = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "kubia"},
            "spec": {"replicas": 3, "selector": {"app": "kubia"},
                     "template": {"metadata": {"labels": {"app": "kubia"}},
                                  "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia",
                                                           "ports": [{"containerPort": 8080}]}]}}}}

CONTROLLERS = ("replicationcontroller", "garbagecollector")


def kubia_rc(**spec) -> dict:
    rc = {**KUBIA_RC, "spec": {**KUBIA_RC["spec"], **spec}}
    return rc


def test_kubia_rc_creates_three_owned_pods_with_events(cluster):
    c = cluster(controllers=CONTROLLERS)
    rc = c.create("replicationcontrollers", kubia_rc())
    assert rc["metadata"]["labels"] == {"app": "kubia"}  # defaulted from the template
    c.settle()
    pods = c.pods()
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["name"].startswith("kubia-")
        assert pod["metadata"]["ownerReferences"] == [{
            "apiVersion": "v1", "kind": "ReplicationController", "name": "kubia", "uid": rc["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}]
    events = c.events("SuccessfulCreate")
    assert sorted(e["message"] for e in events) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert {(e["source"]["component"], e["involvedObject"]["kind"]) for e in events} == {
        ("replication-controller", "ReplicationController")}
    assert c.get("replicationcontrollers", "kubia")["status"] == {
        "replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
    assert not c.failed_syncs()


def test_scale_subresource_and_a_deleted_pod_replaced(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("replicationcontrollers", kubia_rc())
    c.settle()
    scale = c.admin.get("replicationcontrollers", "default", "kubia", subresource="scale")
    assert scale["status"] == {"replicas": 3, "selector": "app=kubia"}
    c.patch("replicationcontrollers", "kubia", {"spec": {"replicas": 5}}, subresource="scale")
    c.settle()
    assert len(c.pods()) == 5
    victim = c.pod_names()[0]
    c.admin.delete("pods", "default", victim)
    c.settle()
    assert len(c.pods()) == 5 and victim not in c.pod_names()


def test_delete_with_orphan_policy_leaves_pods_that_a_new_rc_adopts(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("replicationcontrollers", kubia_rc())
    c.settle()
    names = c.pod_names()
    c.admin.delete("replicationcontrollers", "default", "kubia", propagation_policy="Orphan")
    c.settle(5)
    assert not c.exists("replicationcontrollers", "kubia")
    assert c.pod_names() == names
    assert all("ownerReferences" not in p["metadata"] for p in c.pods())
    new = c.create("replicationcontrollers", kubia_rc())
    c.settle()
    assert c.pod_names() == names  # adopted, not replaced
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in c.pods()} == {new["metadata"]["uid"]}


@pytest.mark.parametrize("spec, message", [
    ({"selector": {"app": "other"}},
     ('spec.template.metadata.labels: Invalid value: map[string]string{"app":"kubia"}: '
      '`selector` does not match template `labels`')),
    ({"replicas": -1}, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ({"template": {**KUBIA_RC["spec"]["template"], "spec": {**KUBIA_RC["spec"]["template"]["spec"],
                                                            "restartPolicy": "Never"}}},
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
], ids=["selector-mismatch", "negative-replicas", "restart-never"])
def test_invalid_rc_is_refused_with_upstream_message(cluster, spec, message):
    c = cluster(controllers=CONTROLLERS)
    with pytest.raises(APIError) as err:
        c.create("replicationcontrollers", kubia_rc(**spec))
    assert message in str(err.value)
    assert str(err.value).startswith('ReplicationController "kubia" is invalid: ')
