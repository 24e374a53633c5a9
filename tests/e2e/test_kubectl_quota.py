"""Quota usage, ``kubectl auth whoami`` and ``events.k8s.io/v1`` through the real kubectl (1.29,
1.31, 1.33) on one live demo cluster: ``kubectl describe quota`` shows Used against Hard as the
resourcequota controller keeps them, usage is given back when objects go, whoami prints
upstream's ATTRIBUTE/VALUE table, the Events read the same through both Event APIs, the
scheduler's Events (recorded through ``events.k8s.io/v1``, as 1.33's scheduler does) print in
``get events -o wide``, ``kubectl events`` and ``describe pod`` as upstream prints them, repeats
as a series, and an Event can be created through the new API.
"""
from __future__ import annotations

import functools
import re
import time

import pytest

from tests.e2e.conftest import get_json, ok, rows, unique
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests: {{cpu: 250m, memory: 64Mi}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("quota")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def kc(kubectl, server):
    return functools.partial(kubectl, kubeconfig=server.kubeconfig("demo"))


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "quota-")


def wait_for(predicate, timeout: float = 60.0, every: float = 0.3):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out; last value: {last!r}")


@pytest.fixture(scope="module")
def namespace(kc):
    """A namespace with a ConfigMap and a pod, then a quota over it: the controller counts them."""
    ns = unique("quota")
    ok(kc("create", "namespace", ns))
    ok(kc("create", "configmap", "settings", "-n", ns, "--from-literal=k=v"))
    ok(kc("create", "-n", ns, "-f", "-", input=POD.format(name="app")))
    ok(kc("create", "quota", "compute", "-n", ns,
          "--hard=pods=4,requests.cpu=1,requests.memory=1Gi,configmaps=3,count/deployments.apps=2"))
    wait_for(lambda: (get_json(kc, "quota", "compute", "-n", ns).get("status") or {}).get("used", {}).get("pods")
             == "1")
    return ns


def describe_rows(out: str) -> dict[str, list[str]]:
    """The Resource/Used/Hard rows of ``kubectl describe quota``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == ["Resource", "Used", "Hard"])
    assert lines[start + 1].split() == ["--------", "----", "----"]
    return {cells[0]: cells[1:] for cells in (line.split() for line in lines[start + 2:] if line.strip())}


def table_lines(out: str) -> list[list[str]]:
    """Every line of a kubectl table, split into cells (columns are 2+ spaces apart)."""
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines() if line.strip()]


def test_describe_quota_shows_used_against_hard(kv, namespace):
    out = ok(kv("describe", "quota", "compute", "-n", namespace))
    assert re.search(r"^Name:\s+compute$", out, re.MULTILINE) and re.search(rf"^Namespace:\s+{namespace}$", out, re.MULTILINE)
    assert describe_rows(out) == {"configmaps": ["1", "3"], "count/deployments.apps": ["0", "2"],
                                  "pods": ["1", "4"], "requests.cpu": ["250m", "1"],
                                  "requests.memory": ["64Mi", "1Gi"]}


def test_usage_is_given_back_when_objects_go_and_admission_refuses_beyond_hard(kc, namespace):
    ok(kc("create", "-n", namespace, "-f", "-", input=POD.format(name="second")))
    ok(kc("create", "-n", namespace, "-f", "-", input=POD.format(name="third")))
    ok(kc("create", "-n", namespace, "-f", "-", input=POD.format(name="fourth")))
    rc, _, err = kc("create", "-n", namespace, "-f", "-", input=POD.format(name="fifth"))
    assert rc == 1 and ('Error from server (Forbidden): error when creating "STDIN": pods "fifth" is forbidden: '
                        "exceeded quota: compute, requested: pods=1,requests.cpu=250m, used: pods=4,requests.cpu=1, "
                        "limited: pods=4,requests.cpu=1") in err, err
    ok(kc("delete", "pod", "second", "third", "fourth", "-n", namespace, "--wait=false"))
    ok(kc("delete", "configmap", "settings", "-n", namespace))

    def used() -> dict:
        return describe_rows(ok(kc("describe", "quota", "compute", "-n", namespace)))
    wait_for(lambda: used()["configmaps"] == ["0", "3"] and used()["pods"] == ["1", "4"], timeout=90)
    assert used()["requests.cpu"] == ["250m", "1"]
    header, table = rows(ok(kc("get", "quota", "-n", namespace)))
    assert header == ["NAME", "REQUEST", "LIMIT", "AGE"]
    assert table["compute"][1] == ("configmaps: 0/3, count/deployments.apps: 0/2, pods: 1/4, requests.cpu: 250m/1, "
                                   "requests.memory: 64Mi/1Gi")


def test_auth_whoami_prints_the_callers_user_info(kv):
    out = ok(kv("auth", "whoami"))
    lines = table_lines(out)
    assert lines[0] == ["ATTRIBUTE", "VALUE"]
    attributes = dict(lines[1:])
    assert attributes["Username"] == "admin"
    assert attributes["Groups"] == "[system:masters system:authenticated]"
    assert set(attributes) <= {"Username", "UID", "Groups"}
    review = ok(kv("auth", "whoami", "-o", "json"))
    assert '"apiVersion": "authentication.k8s.io/v1"' in review and '"kind": "SelfSubjectReview"' in review


def test_events_read_the_same_through_both_event_apis(kv, namespace):
    header, _ = rows(ok(kv("events", "-n", namespace)))
    assert header == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    new = table_lines(ok(kv("get", "events.v1.events.k8s.io", "-n", namespace)))
    core = table_lines(ok(kv("get", "events", "-n", namespace)))  # read second: it may hold newer Events
    assert new[0] == core[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert {tuple(r[1:]) for r in new[1:]} <= {tuple(r[1:]) for r in core[1:]}
    assert ("Normal", "Scheduled", "pod/app") in {tuple(r[1:4]) for r in new[1:]}
    [event] = [e for e in get_json(kv, "events.events.k8s.io", "-n", namespace)["items"]
               if e["regarding"]["name"] == "app" and e["reason"] == "Scheduled"]
    assert event["apiVersion"] == "events.k8s.io/v1"
    assert event["note"].startswith(f"Successfully assigned {namespace}/app to ")
    assert "message" not in event and "involvedObject" not in event
    resources = ok(kv("api-resources", "--api-group=events.k8s.io"))
    assert re.search(r"^events\s+ev\s+events.k8s.io/v1\s+true\s+Event$", resources, re.MULTILINE), resources


#: How the demo's scheduler names itself: ``<schedulerName>-<hostname>`` (client-go tools/events).
SCHEDULER_SOURCE = "default-scheduler, default-scheduler-kind-control-plane"
BIG = """\
apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests: {cpu: "64"}
"""


@pytest.fixture(scope="module")
def pending(kc):
    """A pod no node fits, retried twice (a node's label changes each time): its first
    FailedScheduling is one Event, the retries of the pod as it then stands a series of two."""
    ns = unique("pending")
    ok(kc("create", "namespace", ns))
    ok(kc("create", "-n", ns, "-f", "-", input=BIG))

    def failed() -> list[dict]:
        return [e for e in get_json(kc, "events", "-n", ns)["items"] if e["reason"] == "FailedScheduling"]
    wait_for(failed)
    node = get_json(kc, "nodes")["items"][0]["metadata"]["name"]
    for attempt in (1, 2):
        ok(kc("label", "node", node, f"{ns}=try-{attempt}", "--overwrite"))
        wait_for(lambda: attempt == 1 and len(failed()) == 2 or
                 any((e.get("series") or {}).get("count") == 2 for e in failed()), timeout=60)
    ok(kc("label", "node", node, f"{ns}-"))
    return ns


def test_the_scheduler_events_print_with_their_reporter_as_source(kv, namespace):
    header, _ = rows(ok(kv("get", "events", "-n", namespace, "-o", "wide")))
    assert header == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN",
                      "COUNT", "NAME"]
    [row] = [r for r in table_lines(ok(kv("get", "events", "-n", namespace, "-o", "wide")))[1:]
             if r[1:3] == ["Normal", "Scheduled"] and r[3] == "pod/app"]
    # no SUBOBJECT: the cell is blank, so the row has one cell fewer than the header
    assert row[4:] == [SCHEDULER_SOURCE, row[5], row[6], "1", row[8]], row
    assert row[5].startswith(f"Successfully assigned {namespace}/app to ") and row[8].startswith("app.")
    assert re.fullmatch(r"(\d+[smhd])+", row[6]), row

    [line] = [r for r in table_lines(ok(kv("events", "-n", namespace, "--for", "pod/app")))[1:] if r[2] == "Scheduled"]
    assert line[1:4] == ["Normal", "Scheduled", "Pod/app"] and line[4] == row[5], line  # kubectl events: Kind/name

    [event] = [e for e in get_json(kv, "events.events.k8s.io", "-n", namespace)["items"]
               if e["regarding"]["name"] == "app" and e["reason"] == "Scheduled"]
    assert (event["reportingController"], event["reportingInstance"], event["action"], event["type"]) == (
        "default-scheduler", "default-scheduler-kind-control-plane", "Binding", "Normal")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", event["eventTime"]), event
    assert event["deprecatedSource"] == {} and event["deprecatedFirstTimestamp"] is None
    assert "deprecatedCount" not in event


def test_describe_pod_names_the_scheduler_in_the_from_column(kv, namespace):
    out = ok(kv("describe", "pod", "app", "-n", namespace))
    lines = out.splitlines()
    start = lines.index("Events:")
    section = [re.split(r"\s{2,}", line.strip()) for line in lines[start + 1:] if line.startswith("  ")]
    assert section[0] == ["Type", "Reason", "Age", "From", "Message"], out
    [scheduled] = [cells for cells in section[2:] if cells[1] == "Scheduled"]
    assert (scheduled[0], scheduled[3]) == ("Normal", "default-scheduler"), out
    assert scheduled[4].startswith(f"Successfully assigned {namespace}/app to "), out


def test_repeated_failed_scheduling_is_a_series(kv, pending):
    failed = [r for r in table_lines(ok(kv("get", "events", "-n", pending, "-o", "wide")))[1:]
              if r[2] == "FailedScheduling"]
    assert sorted(r[-2] for r in failed) == ["1", "2"], failed
    assert {r[4] for r in failed} == {SCHEDULER_SOURCE}, failed
    [message] = {r[5] for r in failed}
    assert message.startswith("0/3 nodes are available: ") and " preemption: 0/3 nodes are available: " in message
    out = ok(kv("describe", "pod", "big", "-n", pending))
    lines = out.splitlines()
    section = [re.split(r"\s{2,}", line.strip()) for line in lines[lines.index("Events:") + 1:]
               if line.startswith("  ")]
    ages = [cells[2] for cells in section[2:] if cells[1] == "FailedScheduling"]
    assert len(ages) == 2 and sum(bool(re.fullmatch(r"\S+ \(x2 over \S+\)", a)) for a in ages) == 1, out


EVENT = """\
apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: {name}
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: example.com/teacher
reportingInstance: teacher-1
action: Explaining
reason: Lesson
type: Normal
note: The scheduler records its Events like this one.
regarding: {{kind: Pod, name: app, namespace: {namespace}}}
"""


def test_an_event_is_created_through_the_new_api_and_bad_ones_are_refused(kv, namespace):
    name = unique("lesson")
    out = ok(kv("create", "-n", namespace, "-f", "-", input=EVENT.format(name=name, namespace=namespace)))
    assert out.strip() == f"event.events.k8s.io/{name} created"
    core = get_json(kv, "events", name, "-n", namespace)
    assert (core["message"], core["reportingComponent"], core["involvedObject"]["name"]) == (
        "The scheduler records its Events like this one.", "example.com/teacher", "app")
    bad = EVENT.format(name=name + "-bad", namespace=namespace).replace("action: Explaining\n", "")
    rc, _, err = kv("create", "-n", namespace, "-f", "-", input=bad)
    assert rc == 1 and f'The Event "{name}-bad" is invalid: action: Required value' in err, err
    ok(kv("delete", "events.events.k8s.io", name, "-n", namespace))
    rc, _, err = kv("get", "events", name, "-n", namespace)
    assert rc == 1 and "NotFound" in err, err


def test_describe_node_shows_kube_proxy_starting_from_the_new_events_api(kv):
    out = ok(kv("describe", "node", "node-1"))
    lines = out.splitlines()
    section = [re.split(r"\s{2,}", line.strip()) for line in lines[lines.index("Events:") + 1:] if line.startswith("  ")]
    assert section[0] == ["Type", "Reason", "Age", "From", "Message"], out
    assert [cells[:2] + cells[3:] for cells in section[2:] if cells[3:4] == ["kube-proxy"]] == [
        ["Normal", "Starting", "kube-proxy"]], out
