"""``events.k8s.io/v1``: the stored Events, seen through the newer API's shape (as upstream
converts them), with the same ``kubectl get`` columns; ``events`` resolves by group; Events
written through it are stored as the one Event kind, validated as upstream's
``ValidateEventCreate`` / ``ValidateEventUpdate`` do for the new API."""
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


def test_a_watch_sees_new_events_in_the_new_shape(cluster):
    watcher = cluster.watch(V1, resourceVersion="0")
    second = {**CORE_EVENT, "metadata": {"name": "web-1.17a1"}, "reason": "Killing", "message": "Stopping container app"}
    cluster.create(collection_path("events", "default"), second)
    seen = [(e["type"], e["object"]["metadata"]["name"], e["object"].get("note")) for e in drain(watcher)]
    assert ("ADDED", "web-1.17a1", "Stopping container app") in seen
    assert ("ADDED", "web-1.17a0", CORE_EVENT["message"]) in seen


CORE = collection_path("events", "default")
#: What kube-scheduler's ``tools/events`` recorder sends for a bound pod.
NEW_EVENT = {
    "apiVersion": "events.k8s.io/v1", "kind": "Event",
    "metadata": {"name": "web-1.187f3a2b5c6d7e80", "namespace": "default"},
    "eventTime": "2024-01-01T00:00:01.250000Z", "reportingController": "default-scheduler",
    "reportingInstance": "default-scheduler-kind-control-plane", "action": "Binding", "reason": "Scheduled",
    "regarding": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u-1", "apiVersion": "v1"},
    "note": "Successfully assigned default/web-1 to node-1", "type": "Normal",
}


def test_an_event_written_through_the_new_api_is_the_one_stored_event_kind(cluster):
    created = cluster.create(V1, NEW_EVENT)
    assert (created["apiVersion"], created["note"], created["regarding"]["name"]) == (
        "events.k8s.io/v1", NEW_EVENT["note"], "web-1")
    assert created["deprecatedSource"] == {} and created["deprecatedFirstTimestamp"] is None
    assert cluster.store.get("/registry/events/default/web-1.187f3a2b5c6d7e80")["message"] == NEW_EVENT["note"]
    core = cluster.read(f"{CORE}/web-1.187f3a2b5c6d7e80")
    assert core["apiVersion"] == "v1"
    assert (core["involvedObject"]["name"], core["message"], core["reportingComponent"],
            core["reportingInstance"], core["eventTime"]) == (
        "web-1", NEW_EVENT["note"], "default-scheduler", "default-scheduler-kind-control-plane",
        "2024-01-01T00:00:01.250000Z")
    assert (core["source"], core["firstTimestamp"], core["lastTimestamp"], "count" in core) == ({}, None, None, False)
    # the core printer falls back to the reporter for SOURCE and to eventTime for the times
    table = cluster.get(CORE, accept=TABLE, query={"fieldSelector": "reason=Scheduled"}).body
    [cells] = [r["cells"] for r in table["rows"]]
    assert cells[1:9] == ["Normal", "Scheduled", "pod/web-1", "", "default-scheduler, default-scheduler-kind-control-plane",
                          NEW_EVENT["note"], cells[7], 1]


def test_a_series_patch_reaches_both_apis_and_delete_removes_the_one_object(cluster):
    path = f"{V1}/{NEW_EVENT['metadata']['name']}"
    cluster.create(V1, NEW_EVENT)
    series = {"series": {"count": 2, "lastObservedTime": "2024-01-01T00:00:09.000000Z"}}
    patched = cluster.patch(path, series, patch_type="strategic")
    assert patched.code == 200, patched.body
    assert patched.body["series"] == series["series"] and patched.body["note"] == NEW_EVENT["note"]
    core = cluster.read(f"{CORE}/{NEW_EVENT['metadata']['name']}")
    assert core["series"] == series["series"]
    row = cluster.get(CORE, accept=TABLE).body["rows"][-1]["cells"]
    assert row[8] == 2  # COUNT from the series
    assert cluster.delete(path).code == 200
    assert not cluster.exists(f"{CORE}/{NEW_EVENT['metadata']['name']}")


def test_an_update_through_the_new_api_may_not_change_what_was_observed(cluster):
    path = f"{V1}/{NEW_EVENT['metadata']['name']}"
    stored = cluster.create(V1, NEW_EVENT)
    changed = {**stored, "note": "something else", "action": "Scheduling"}
    refused = cluster.put(path, changed)
    assert refused.code == 422
    assert refused.body["message"] == (
        'Event.events.k8s.io "web-1.187f3a2b5c6d7e80" is invalid: '
        '[message: Invalid value: "something else": field is immutable, '
        'action: Invalid value: "Scheduling": field is immutable]')
    # through the core API only the legacy rules apply: the same change is let in
    core = cluster.read(f"{CORE}/{NEW_EVENT['metadata']['name']}")
    assert cluster.put(f"{CORE}/{NEW_EVENT['metadata']['name']}", {**core, "message": "something else"}).code == 200
    labelled = cluster.patch(path, {"metadata": {"labels": {"seen": "yes"}}})
    assert labelled.code == 200 and labelled.body["note"] == "something else"


@pytest.mark.parametrize("change,message", [
    ({"eventTime": None, "type": "Info"}, '[eventTime: Required value, type: Invalid value: "": has invalid value: Info]'),
    ({"reportingController": "", "reportingInstance": "", "action": "", "reason": ""},
     "[reportingController: Required value, "
     'reportingController: Invalid value: "": name part must be non-empty, '
     'reportingController: Invalid value: "": name part must consist of alphanumeric characters, \'-\', \'_\' '
     "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
     "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), "
     "reportingInstance: Required value, action: Required value, reason: Required value]"),
    ({"note": "x" * 1025, "action": "a" * 129},
     '[action: Invalid value: "": can have at most 128 characters, '
     'message: Invalid value: "": can have at most 1024 characters]'),
    ({"deprecatedCount": 3, "deprecatedSource": {"component": "kubelet"},
      "deprecatedFirstTimestamp": "2024-01-01T00:00:00Z"},
     '[firstTimestamp: Invalid value: "": needs to be unset, count: Invalid value: "": needs to be unset, '
     'source: Invalid value: "": needs to be unset]'),
    ({"series": {"count": 1}},
     '[series.count: Invalid value: "": should be at least 2, series.lastObservedTime: Required value]'),
    ({"regarding": {"kind": "Node", "name": "node-1"}, "metadata": {"name": "n.1", "namespace": "web"}},
     'involvedObject.namespace: Invalid value: "": does not match event.namespace'),
], ids=["time-and-type", "reporter-and-action", "lengths", "deprecated-fields", "series", "cluster-scoped-object"])
def test_the_new_api_refuses_what_upstream_refuses(cluster, change, message):
    cluster.create(collection_path("namespaces"), {"metadata": {"name": "web"}})
    event = {**NEW_EVENT, **change}
    namespace = event["metadata"]["namespace"]
    refused = cluster.post(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events", event)
    assert refused.code == 422, refused.body
    assert refused.body["message"] == f'Event.events.k8s.io "{event["metadata"]["name"]}" is invalid: {message}'


def test_the_core_api_keeps_the_legacy_rules_for_the_same_event(cluster):
    core_shaped = {**CORE_EVENT, "metadata": {"name": "web-1.17b0"}, "count": 2}
    assert cluster.post(CORE, core_shaped).code == 201
    refused = cluster.post(V1, {**NEW_EVENT, "deprecatedCount": 2})
    assert refused.code == 422
