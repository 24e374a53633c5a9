"""The policy part of the control plane through the real kubectl (1.29, 1.31, 1.33) on one live
demo cluster: PriorityClasses, PodDisruptionBudgets with the disruption controller, and a
high-priority pod preempting a low-priority one on a full node, with upstream's FailedScheduling
``preemption: …`` clause for the pod that cannot preempt.

Demo nodes: node-2 has 2 CPUs; the pods here pin themselves to it with a nodeSelector, so the
other nodes fail Filter for a reason preemption cannot cure.
"""
from __future__ import annotations

import functools

import pytest

from tests.e2e.conftest import get_json, ok, rows, unique, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

CLASSES = """\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: {prefix}-high
value: 100000
description: "Pods that must run."
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: {prefix}-low
value: 10
preemptionPolicy: Never
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: {app}
spec:
  priorityClassName: {priority_class}
  terminationGracePeriodSeconds: 1
  nodeSelector:
    kubernetes.io/hostname: node-2
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests:
        cpu: {cpu}
"""

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: {app}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("policy")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def kc(kubectl, server):
    return functools.partial(kubectl, kubeconfig=server.kubeconfig("demo"))


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "policy-")


@pytest.fixture(scope="module")
def classes(kc):
    prefix = unique("pc")
    out = ok(kc("create", "-f", "-", input=CLASSES.format(prefix=prefix)))
    assert out.splitlines() == [f"priorityclass.scheduling.k8s.io/{prefix}-high created",
                                f"priorityclass.scheduling.k8s.io/{prefix}-low created"]
    return prefix




def test_get_priorityclasses_lists_the_system_classes_with_upstream_columns(kv, classes):
    header, table = rows(ok(kv("get", "priorityclasses")))
    assert header == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert table["system-node-critical"][1:3] == ["2000001000", "false"]
    assert table["system-cluster-critical"][1:3] == ["2000000000", "false"]
    assert table[f"{classes}-low"][-1] == "Never"
    rc, _, err = kv("delete", "pc", "system-node-critical")
    assert rc == 1 and err.strip() == ('Error from server (Forbidden): priorityclasses.scheduling.k8s.io '
                                       '"system-node-critical" is forbidden: this is a system priority class and '
                                       'cannot be deleted')


def test_a_pod_gets_its_priority_from_its_class(kc, classes):
    name = unique("prio")
    ok(kc("create", "-f", "-", input=POD.format(name=name, app=name, priority_class=f"{classes}-high", cpu="10m")))
    spec = get_json(kc, "pod", name)["spec"]
    assert (spec["priority"], spec["preemptionPolicy"]) == (100000, "PreemptLowerPriority")
    rc, _, err = kc("run", unique("nope"), "--image=nginx", "--overrides",
                    '{"spec": {"priorityClassName": "gold"}}')
    assert rc == 1 and "is forbidden: no PriorityClass with name gold was found" in err, err
    ok(kc("delete", "pod", name, "--wait=false"))


def test_pdb_status_follows_its_pods(kv, kc):
    app = unique("pdb")
    ok(kc("create", "deployment", app, "--image=nginx:1.27", "--replicas=2"))
    ok(kc("create", "-f", "-", input=PDB.format(name=app, app=app)))
    wait_for(lambda: get_json(kc, "pdb", app)["status"].get("currentHealthy") == 2)
    header, table = rows(ok(kv("get", "pdb", app)))
    assert header == ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]
    assert table[app][1:4] == ["1", "N/A", "1"]
    described = ok(kv("describe", "pdb", app))
    for line in ("Min available:  1", f"Selector:       app={app}", "Allowed disruptions:  1", "Current:              2",
                 "Desired:              1", "Total:                2"):
        assert line in described, described
    ok(kc("delete", "deployment", app, "--wait=false"))
    ok(kc("delete", "pdb", app))


def test_a_high_priority_pod_preempts_a_low_priority_one_on_a_full_node(kc, classes):
    victim, waiting, urgent = unique("victim"), unique("waiting"), unique("urgent")
    ok(kc("create", "-f", "-", input=POD.format(name=victim, app=victim, priority_class=f"{classes}-low",
                                               cpu="1500m")))
    wait_for(lambda: get_json(kc, "pod", victim)["status"].get("phase") == "Running")

    # Same priority and preemptionPolicy Never: nothing to preempt, and upstream's clause says why.
    ok(kc("create", "-f", "-", input=POD.format(name=waiting, app=waiting, priority_class=f"{classes}-low",
                                               cpu="1")))
    expected = ("0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, "
                "1 node(s) had untolerated taint {dedicated: gpu}. preemption: not eligible due to "
                "preemptionPolicy=Never.")

    def failed_message():
        for event in get_json(kc, "events", "--field-selector", f"involvedObject.name={waiting}")["items"]:
            if event["reason"] == "FailedScheduling":
                return event["message"]
        return None
    assert wait_for(failed_message) == expected

    ok(kc("create", "-f", "-", input=POD.format(name=urgent, app=urgent, priority_class=f"{classes}-high",
                                               cpu="1")))
    wait_for(lambda: get_json(kc, "pod", urgent)["spec"].get("nodeName") == "node-2", timeout=90)
    events = get_json(kc, "events", "--field-selector", f"involvedObject.name={victim}")["items"]
    [preempted] = [e for e in events if e["reason"] == "Preempted"]
    uid = get_json(kc, "pod", urgent)["metadata"]["uid"]
    assert preempted["message"] == f"Preempted by pod {uid} on node node-2"
    out = ok(kc("get", "events", "--field-selector", f"involvedObject.name={victim},reason=Preempted"))
    assert f"pod/{victim}" in out and "Preempted" in out
    ok(kc("delete", "pod", waiting, urgent, "--wait=false"))
