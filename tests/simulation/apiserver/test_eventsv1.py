"""``events.k8s.io/v1``: the stored Events, seen through the newer API's shape (as upstream
converts them), with the same ``kubectl get`` columns; ``events`` resolves by group."""
from __future__ import annotations

import pytest

from simulation.apimachinery import resources
from tests.simulation.apiserver.server_fixtures import Cluster, collection_path, drain

V1 = "/apis/events.k8s.io/v1/namespaces/default/events"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"

CORE_EVENT = {
    "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-1.17a0"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u-1",
                       "fieldPath": "spec.containers{app}"},
    "reason": "Pulled", "message": "Container image \"nginx\" already present on machine", "type": "Normal",
    "source": {"component": "kubelet", "host": "node-1"}, "count": 3,
    "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:05:00Z",
    "reportingComponent": "kubelet", "reportingInstance": "node-1",
}


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    c.create(collection_path("events", "default"), dict(CORE_EVENT))
    return c


def test_events_resolve_by_group_and_the_core_group_is_preferred():
    assert resources.by_name("events").group == ""
    assert resources.by_name("events", "events.k8s.io").group_version == "events.k8s.io/v1"
    assert resources.by_name("deployments").group == "apps"
    with pytest.raises(KeyError):
        resources.by_name("deployments", "")


def test_a_stored_event_reads_in_the_events_k8s_io_shape(cluster):
    response = cluster.get(f"{V1}/web-1.17a0")
    assert response.code == 200, response.body
    event = response.body
    assert (event["apiVersion"], event["kind"]) == ("events.k8s.io/v1", "Event")
    assert event["regarding"] == CORE_EVENT["involvedObject"]
    assert event["note"] == CORE_EVENT["message"]
    assert event["deprecatedSource"] == {"component": "kubelet", "host": "node-1"}
    assert (event["deprecatedCount"], event["deprecatedFirstTimestamp"], event["deprecatedLastTimestamp"]) == (
        3, "2024-01-01T00:00:00Z", "2024-01-01T00:05:00Z")
    assert (event["reportingController"], event["reportingInstance"]) == ("kubelet", "node-1")
    assert event["eventTime"] is None
    for core_only in ("involvedObject", "message", "source", "count", "firstTimestamp", "reportingComponent"):
        assert core_only not in event
    # the same object is still the core Event through v1
    assert cluster.get(collection_path("events", "default") + "/web-1.17a0").body["message"] == CORE_EVENT["message"]


def test_list_field_selectors_and_the_table_match_the_core_api(cluster):
    listed = cluster.get(V1, query={"fieldSelector": "involvedObject.name=web-1"}).body
    assert (listed["kind"], listed["apiVersion"]) == ("EventList", "events.k8s.io/v1")
    assert [e["note"] for e in listed["items"]] == [CORE_EVENT["message"]]
    core_table = cluster.get(collection_path("events", "default"), accept=TABLE).body
    table = cluster.get(V1, accept=TABLE).body
    assert [c["name"] for c in table["columnDefinitions"]] == [c["name"] for c in core_table["columnDefinitions"]]
    assert [r["cells"] for r in table["rows"]] == [r["cells"] for r in core_table["rows"]]
    assert table["rows"][0]["cells"][1:4] == ["Normal", "Pulled", "pod/web-1"]


def test_a_watch_sees_new_events_in_the_new_shape_and_writes_are_not_served(cluster):
    watcher = cluster.watch(V1, resourceVersion="0")
    second = {**CORE_EVENT, "metadata": {"name": "web-1.17a1"}, "reason": "Killing", "message": "Stopping container app"}
    cluster.create(collection_path("events", "default"), second)
    seen = [(e["type"], e["object"]["metadata"]["name"], e["object"].get("note")) for e in drain(watcher)]
    assert ("ADDED", "web-1.17a1", "Stopping container app") in seen
    assert ("ADDED", "web-1.17a0", CORE_EVENT["message"]) in seen
    refused = cluster.post(V1, {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "x"}})
    assert refused.code == 405 and refused.body["reason"] == "MethodNotAllowed"
