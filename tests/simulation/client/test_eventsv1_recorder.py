"""Recording through ``events.k8s.io/v1`` as client-go's ``tools/events`` does, seen through the
API as ``kubectl get events`` reads it: one Event, a series on the first repeat, later repeats
counted in memory and written when the series ends (6 quiet minutes) or on the 30-minute
heartbeat."""
from __future__ import annotations

from simulation.apimachinery.timestamps import rfc3339_micro
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.client.eventsv1 import FINISH_SECONDS, REFRESH_SECONDS, EventsV1Recorder
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big", "namespace": "default", "uid": "u-1",
                                                       "resourceVersion": "7"}}


def setup() -> tuple[Kernel, APIClient, EventsV1Recorder]:
    kernel = Kernel(seed=1, strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time, seed=1)
    bootstrap(server)
    admin = APIClient(server, APISERVER, "kubectl")
    return kernel, admin, EventsV1Recorder(kernel, admin, "default-scheduler", "kind-control-plane",
                                           component="kube-scheduler")


def events(admin: APIClient) -> list[dict]:
    return admin.list("events", "default")[0]


def fail(recorder: EventsV1Recorder, note: str = "0/1 nodes are available: 1 Insufficient cpu.") -> None:
    recorder.eventf(POD, None, "Warning", "FailedScheduling", "Scheduling", note)


def test_an_event_names_its_reporter_action_and_time_and_nothing_legacy():
    kernel, admin, recorder = setup()
    kernel.run_for(1.5)
    fail(recorder)
    [event] = events(admin)
    assert (event["reportingComponent"], event["reportingInstance"], event["action"], event["type"]) == (
        "default-scheduler", "default-scheduler-kind-control-plane", "Scheduling", "Warning")
    assert event["eventTime"].endswith(".500000Z"), "a MicroTime"
    assert (event["source"], event["firstTimestamp"], event["lastTimestamp"], "count" in event) == (
        {}, None, None, False)
    assert event["involvedObject"]["name"] == "big" and event["metadata"]["name"].startswith("big.")


def test_repeats_become_a_series_written_on_the_first_repeat_and_when_it_ends():
    kernel, admin, recorder = setup()
    fail(recorder)
    kernel.run_for(10)
    fail(recorder, "a different note is still the same Event")
    [event] = events(admin)
    assert event["series"]["count"] == 2
    assert event["message"] == "0/1 nodes are available: 1 Insufficient cpu.", "the first note stays"
    for _ in range(3):
        kernel.run_for(10)
        fail(recorder)
    assert events(admin)[0]["series"]["count"] == 2, "later repeats are only counted in memory"
    last_seen = kernel.wall_time()
    kernel.run_for(2 * FINISH_SECONDS)
    [event] = events(admin)
    assert event["series"]["count"] == 5, "the finished series is written with its final count"
    assert event["series"]["lastObservedTime"] == rfc3339_micro(last_seen)
    fail(recorder)
    assert len(events(admin)) == 2, "a finished series is forgotten: the next one is a new Event"


def test_a_long_series_is_written_every_thirty_minutes():
    kernel, admin, recorder = setup()
    fail(recorder)
    fail(recorder)
    for _ in range(REFRESH_SECONDS // 60 + 1):  # a repeat every minute: the series never ends
        kernel.run_for(60)
        fail(recorder)
    [event] = events(admin)
    assert event["series"]["count"] >= 30, "the heartbeat wrote the count so far"


def test_a_different_action_or_object_is_its_own_event():
    kernel, admin, recorder = setup()
    fail(recorder)
    recorder.eventf(POD, None, "Normal", "Scheduled", "Binding", "Successfully assigned default/big to node-1")
    recorder.eventf({**POD, "metadata": {**POD["metadata"], "name": "small", "uid": "u-2"}}, None, "Warning",
                    "FailedScheduling", "Scheduling", "0/1 nodes are available: 1 Insufficient cpu.")
    assert sorted((e["involvedObject"]["name"], e["reason"]) for e in events(admin)) == [
        ("big", "FailedScheduling"), ("big", "Scheduled"), ("small", "FailedScheduling")]
    assert all("series" not in e for e in events(admin))
