"""The event correlator, as ``kubectl get events`` shows its work: repeats counted on one
Event, 10 similar Events combined into one "(combined from similar events)" Event, a flood
of Events about one object cut down by the spam filter, and a controller's SOURCE printed once."""
from __future__ import annotations

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.client.events import SPAM_BURST, WARNING, EventRecorder
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore

REPLICASET = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": "web-5d8f", "namespace": "default", "uid": "u-1"}}


def setup(component: str = "replicaset-controller", host: str = "") -> tuple[Kernel, APIClient, EventRecorder]:
    kernel = Kernel(seed=1)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=1)
    bootstrap(server)
    admin = APIClient(server, APISERVER, "kubectl")
    return kernel, admin, EventRecorder(kernel, admin, component, host=host)


def events(admin: APIClient) -> list[dict]:
    return sorted(admin.list("events", "default")[0], key=lambda e: int(e["metadata"]["resourceVersion"]))


def test_a_repeated_event_is_counted_on_one_event():
    kernel, admin, recorder = setup()
    for _ in range(3):
        recorder.event(REPLICASET, WARNING, "FailedCreate", "Error creating: pods \"web-5d8f-x\" is forbidden")
        kernel.run_for(1)
    [event] = events(admin)
    assert event["count"] == 3
    assert event["firstTimestamp"] != event["lastTimestamp"]


def test_ten_similar_events_are_combined_into_one_with_a_count():
    kernel, admin, recorder = setup()
    for i in range(13):
        recorder.event(REPLICASET, WARNING, "FailedCreate", f"Error creating: pods \"web-5d8f-{i}\" is forbidden")
        kernel.run_for(1)
    written = events(admin)
    assert len(written) == 10, "nine distinct Events, then one that combines the rest"
    combined = written[-1]
    assert combined["message"] == ("(combined from similar events): Error creating: pods \"web-5d8f-12\" is "
                                   "forbidden")
    assert combined["count"] == 4


def test_the_spam_filter_lets_a_burst_through_then_one_per_five_minutes():
    kernel, admin, recorder = setup(component="kubelet", host="node-1")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u-2"}}
    for i in range(SPAM_BURST + 5):
        recorder.event(pod, WARNING, f"Reason{i}", "same words")
    assert sum(e["count"] for e in events(admin)) == SPAM_BURST
    kernel.run_for(301)
    recorder.event(pod, WARNING, "Later", "same words")
    assert any(e["reason"] == "Later" for e in events(admin))


def test_a_controllers_event_names_its_source_once():
    _, admin, recorder = setup()
    recorder.event(REPLICASET, "Normal", "SuccessfulCreate", "Created pod: web-5d8f-abcde")
    [event] = events(admin)
    assert (event["source"], event["reportingComponent"], event["reportingInstance"]) == (
        {"component": "replicaset-controller"}, "replicaset-controller", "")
