"""``manage.py sim``'s human output, verb by verb: kubectl's and crictl's layouts, the words a
learner reads (the decision's winner and message, a paused cluster said to be paused)."""
from __future__ import annotations

import pytest

from clusterviz.sim import printers

STATE = {"clock": {"mode": "paused", "speed": 1.0, "now_seconds": 101.2064, "step": 212, "seed": 1, "pending": 57},
         "components": [], "nodes": []}
LIVE = {**STATE, "clock": {**STATE["clock"], "mode": "live", "speed": 10.0}}
PAUSED_FAST = {**STATE, "clock": {**STATE["clock"], "speed": 10.0}}
BIND = {"seq": 46, "time_seconds": 8.022, "component": "kube-scheduler", "controller": None, "action": "schedule",
        "caption": "The scheduler filters 3 nodes for pod web-1: 2 fit; it binds the pod to node-2",
        "housekeeping": False}
SYNC = {"seq": 212, "time_seconds": 101.2064, "component": "kube-controller-manager", "controller": "replicaset",
        "action": "sync", "caption": "", "housekeeping": False}


@pytest.mark.parametrize("render,given,expected", [
    (printers.state_line, STATE, "paused at 1m41.206s, step 212, speed 1x"),
    (printers.state_line, LIVE, "live at 1m41.206s, step 212, speed 10x"),
    (printers.speed_result, LIVE, "live at 1m41.206s, step 212, speed 10x"),
    (printers.speed_result, PAUSED_FAST,
     'paused at 1m41.206s, step 212, speed 10x\nstill paused: "manage.py sim play" runs it at 10x'),
    (printers.steps_table, [], "No steps."),
    (printers.steps_table, [BIND, SYNC],
     "SEQ   TIME        COMPONENT                            CAPTION\n"
     "46    8.022s      kube-scheduler                       The scheduler filters 3 nodes for pod web-1: 2 fit; "
     "it binds the pod to node-2\n"
     "212   1m41.206s   kube-controller-manager/replicaset   sync"),
    (printers.step_result, {"steps": [BIND], "housekeeping": 3, **STATE},
     "SEQ   TIME     COMPONENT        CAPTION\n"
     "46    8.022s   kube-scheduler   The scheduler filters 3 nodes for pod web-1: 2 fit; it binds the pod to node-2\n"
     "(3 housekeeping actions ran in between: heartbeats, lease renewals, relists and checks that changed nothing; "
     "--all lists every action)\n"
     "paused at 1m41.206s, step 212, speed 1x"),
    (printers.step_result, {"steps": [], "housekeeping": 0, **STATE, "stopped": {
        "reason": "live-edge", "due_in_seconds": 4.2,
        "message": "At live: the next action is due in 4.2s of wall time (the cluster's clock never runs ahead of "
                   "the wall clock); step again then."}},
     "No steps.\n"
     "At live: the next action is due in 4.2s of wall time (the cluster's clock never runs ahead of the wall clock); "
     "step again then.\n"
     "paused at 1m41.206s, step 212, speed 1x"),
    (printers.component_lines, {"name": "kube-scheduler", "state": "stopped", "leader": None},
     "kube-scheduler: stopped"),
    (printers.component_lines, [{"name": "kube-scheduler", "state": "running", "leader": True},
                                {"name": "kube-scheduler-2", "state": "running", "leader": False}],
     "kube-scheduler: running (leader)\nkube-scheduler-2: running (standby)"),
    (printers.iptables, {"rules": ["*nat", ":KUBE-SERVICES - [0:0]", "COMMIT"]}, "*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT"),
    (printers.component_lines, {"name": "kube-scheduler", "state": "stopped", "leader": None, "held_down": True},
     "kube-scheduler: stopped (its container crashes each time the kubelet restarts it: CrashLoopBackOff)"),
    (printers.component_lines, {"name": "kube-scheduler", "state": "stopped", "leader": None, "held_down": False},
     "kube-scheduler: stopped (runs in a kube-system pod: starts when the kubelet restarts its container)"),
    (printers.manifests, {"node": "kind-control-plane", "path": "/etc/kubernetes/manifests", "files": [
        {"name": "etcd.yaml", "pod": "kube-system/etcd-kind-control-plane", "kubeadm": True},
        {"name": "kube-scheduler.yaml", "pod": "kube-system/kube-scheduler-kind-control-plane", "kubeadm": False}],
        "removed": ["kube-apiserver.yaml"]},
     "/etc/kubernetes/manifests on kind-control-plane:\n"
     "FILE                             STATIC POD                                         AS KUBEADM WROTE IT\n"
     "etcd.yaml                        kube-system/etcd-kind-control-plane                yes\n"
     "kube-scheduler.yaml              kube-system/kube-scheduler-kind-control-plane      no (edited)\n"
     "kube-apiserver.yaml              -                                                  removed "
     "(manifest restore kube-apiserver)"),
], ids=["paused", "live", "speed-live", "speed-while-paused", "no-steps", "steps", "step", "step-at-live", "component",
        "replicas", "iptables", "held-down", "hosted-starting", "manifests"])
def test_human_output(render, given, expected):
    assert render(given) == expected


def filters(*codes: tuple[str, str, list[str]]) -> list[dict]:
    return [{"plugin": plugin, "code": code, "reasons": reasons} for plugin, code, reasons in codes]


SCHEDULED = {
    "pod": "default/web-1", "scheduler": "default-scheduler", "outcome": "Scheduled", "attempt": 1, "winner": "node-2",
    "feasible": 2, "evaluated": 3, "message": "Successfully assigned default/web-1 to node-2",
    "nodes": [
        {"node": "node-1", "total": 150, "filters": filters(("NodeName", "Success", []), ("NodePorts", "Skip", []),
                                                            ("TaintToleration", "Success", []))},
        {"node": "node-2", "total": 187, "filters": filters(("NodeName", "Success", []), ("NodePorts", "Skip", []),
                                                            ("TaintToleration", "Success", []))},
        {"node": "node-3", "total": None, "filters": filters(
            ("NodeName", "Success", []), ("NodePorts", "Skip", []),
            ("TaintToleration", "UnschedulableAndUnresolvable", ["node(s) had untolerated taint {dedicated: gpu}"]))},
    ]}
FAILED = {
    "pod": "default/huge", "scheduler": "default-scheduler", "outcome": "Unschedulable", "attempt": 2, "winner": None,
    "feasible": 0, "evaluated": 2,
    "message": "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}.",
    "nodes": [
        {"node": "node-1", "total": None, "filters": filters(("TaintToleration", "Success", []),
                                                             ("NodeResourcesFit", "Unschedulable", ["Insufficient cpu"]))},
        {"node": "node-3", "total": None, "filters": filters(
            ("TaintToleration", "UnschedulableAndUnresolvable", ["node(s) had untolerated taint {dedicated: gpu}"]),
            ("NodeResourcesFit", "NotRun", []))},
    ]}
DROPPED = {"pod": "default/old", "scheduler": "default-scheduler", "outcome": "Scheduled", "attempt": 1,
           "winner": "node-1", "feasible": 1, "evaluated": 3, "nodes": [], "detail_dropped": True,
           "message": "Successfully assigned default/old to node-1"}


@pytest.mark.parametrize("record,expected", [
    (SCHEDULED,
     "default/web-1: Scheduled on node-2 by default-scheduler (attempt 1, 2 of 3 nodes evaluated feasible)\n"
     "NODE       NodeName   NodePorts   TaintToleration                                  SCORE\n"
     "node-1     ok         skip        ok                                               150\n"
     "node-2 *   ok         skip        ok                                               187\n"
     "node-3     ok         skip        node(s) had untolerated taint {dedicated: gpu}   \n"
     "Successfully assigned default/web-1 to node-2"),
    (FAILED,
     "default/huge: Unschedulable by default-scheduler (attempt 2, 0 of 2 nodes evaluated feasible)\n"
     "NODE     TaintToleration                                  NodeResourcesFit   SCORE\n"
     "node-1   ok                                               Insufficient cpu   \n"
     "node-3   node(s) had untolerated taint {dedicated: gpu}   -                  \n"
     "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."),
    (DROPPED,
     "default/old: Scheduled on node-1 by default-scheduler (attempt 1, 1 of 3 nodes evaluated feasible)\n"
     "(per-node detail no longer kept for this pod; -o json shows the summary)\n"
     "Successfully assigned default/old to node-1"),
], ids=["scheduled", "fits-nowhere", "detail-dropped"])
def test_decision(record, expected):
    assert printers.decision(record) == expected


def container(id_: str, name: str, state: str, created: float, attempt: int = 0, image: str = "nginx") -> dict:
    return {"id": id_ * 64, "name": name, "pod": "web-1", "namespace": "default", "pod_id": "b" * 64,
            "state": state, "image": image, "attempt": attempt, "created": created, "pause": name == "POD"}


def test_containers_as_crictl_ps_a_prints_them():
    rows = [container("c", "nginx", "Running", 170.0, attempt=1), container("a", "nginx", "Exited", 100.0),
            container("9", "POD", "Running", 99.5, image="registry.k8s.io/pause:3.10")]
    assert printers.containers(rows, now_seconds=230.0).splitlines() == [
        "CONTAINER           IMAGE                        CREATED              STATE               NAME    "
        "            ATTEMPT             POD ID              POD",
        "ccccccccccccc       nginx                        About a minute ago   Running             nginx   "
        "            1                   bbbbbbbbbbbbb       web-1",
        "aaaaaaaaaaaaa       nginx                        2 minutes ago        Exited              nginx   "
        "            0                   bbbbbbbbbbbbb       web-1",
        "9999999999999       registry.k8s.io/pause:3.10   2 minutes ago        Running             POD     "
        "            0                   bbbbbbbbbbbbb       web-1",
    ]


@pytest.mark.parametrize("seconds,expected", [
    (0.4, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"), (119, "About a minute"),
    (120, "2 minutes"), (3599, "59 minutes"), (3600, "About an hour"), (5400, "2 hours"), (47 * 3600, "47 hours"),
    (48 * 3600, "2 days"), (15 * 86400, "2 weeks"), (61 * 86400, "2 months"), (800 * 86400, "2 years"),
], ids=lambda v: str(v))
def test_units_human_duration(seconds, expected):
    assert printers.units_human_duration(seconds) == expected
