"""Snapshots, headless: a cluster exported and restored is the same cluster (objects modulo
what servers set, settings, node layout, clock); a real cluster's dump replays its Pending pod
to the FailedScheduling message the real scheduler printed; a bad file is refused naming the
object, the field and the reason, before anything is created."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulation.apimachinery.resources import RESOURCES
from simulation.apiserver.bootstrap import APISERVER
from simulation.client.apiclient import APIClient
from simulation.kernel.pacing import PAUSED
from simulation.snapshot import (SnapshotError, dump_snapshot, export_snapshot, parse_snapshot, rehearse, settings_of,
                                 simulate)
from simulation.snapshot.export import export_objects
from simulation.snapshot.parse import SKIPPED_KINDS
from simulation.snapshot.restore import RESTORE_ORDER
from tests.simulation.test_cluster import DEPLOYMENT, make_cluster, running_pods

DUMP = Path(__file__).parent / "fixtures" / "kind-pending.yaml"


def populated_cluster():
    """The demo cluster with a little of everything a teacher makes: a Deployment, a Service,
    configuration, RBAC, a quota, a labelled node, a stopped and an extra component."""
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    admin.create("namespaces", {"metadata": {"name": "team-a", "labels": {"team": "a"}}})
    admin.create("deployments", DEPLOYMENT, "default")
    admin.create("services", {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"},
                                                                      "ports": [{"port": 80}]}}, "default")
    admin.create("configmaps", {"metadata": {"name": "settings"}, "data": {"color": "blue"}}, "team-a")
    admin.create("secrets", {"metadata": {"name": "token"}, "stringData": {"token": "s3cr3t"}}, "team-a")
    admin.create("roles", {"metadata": {"name": "reader"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}, "team-a")
    admin.create("rolebindings", {"metadata": {"name": "alice-reads"}, "subjects": [
        {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}],
        "roleRef": {"kind": "Role", "name": "reader", "apiGroup": "rbac.authorization.k8s.io"}}, "team-a")
    admin.create("resourcequotas", {"metadata": {"name": "small"}, "spec": {"hard": {"pods": "5"}}}, "team-a")
    admin.patch("nodes", "", "node-2", {"metadata": {"labels": {"disk": "ssd"}}})
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 3, timeout_seconds=60)
    cluster.add_scheduler("my-scheduler", scheduler_name="my-scheduler").start()
    cluster.stop("kube-proxy/node-3")
    cluster.kernel.run_for(5)
    return cluster, admin


def test_round_trip_gives_the_same_objects_settings_nodes_and_clock():
    original, admin = populated_cluster()
    snapshot = export_snapshot(original.server, settings_of(original), original.kernel.wall_time(), "demo")

    read = parse_snapshot(dump_snapshot(snapshot), "snap.yaml")
    copy = simulate(read)

    assert copy.kernel.wall_time() == pytest.approx(original.kernel.wall_time(), abs=1e-6)
    assert settings_of(copy) == settings_of(original)
    assert [n.name for n in read.settings.nodes] == ["node-1", "node-2", "node-3"]
    assert export_objects(copy.server) == export_objects(original.server)
    # and it lives on as the original did: the same pods run on the same nodes, none replaced
    copy.kernel.run_for(30)
    copy_admin = APIClient(copy.server, APISERVER, "kubectl/v1.33.0")
    assert sorted((p["metadata"]["name"], p["spec"]["nodeName"]) for p in running_pods(copy_admin, "web")) == \
        sorted((p["metadata"]["name"], p["spec"]["nodeName"]) for p in running_pods(admin, "web"))
    assert export_objects(copy.server) == export_objects(original.server)
    quota = copy_admin.get("resourcequotas", "team-a", "small")
    assert quota["status"] == admin.get("resourcequotas", "team-a", "small")["status"]


def test_the_file_is_readable_yaml_without_history_or_server_set_fields():
    original, _ = populated_cluster()
    text = dump_snapshot(export_snapshot(original.server, settings_of(original), original.kernel.wall_time(), "demo"))
    document = yaml.safe_load(text)

    assert (document["kind"], document["version"], document["cluster"]) == ("ClusterSnapshot", 1, "demo")
    assert document["simulation"]["stopped"] == ["kube-proxy/node-3"]
    assert document["simulation"]["schedulers"] == [{"name": "my-scheduler", "schedulerName": "my-scheduler"}]
    kinds = {o["kind"] for o in document["objects"]}
    assert not kinds & {"Event", "Lease", "Endpoints"}
    assert {"Namespace", "Node", "Deployment", "ReplicaSet", "Pod", "Service", "ConfigMap", "Secret", "Role",
            "RoleBinding", "ResourceQuota"} <= kinds
    assert not any(k in o["metadata"] for o in document["objects"]
                   for k in ("uid", "resourceVersion", "creationTimestamp", "managedFields"))
    # what every new cluster has anyway is left out (default RBAC, system namespaces)
    assert not [o for o in document["objects"] if o["kind"] == "ClusterRole"]
    assert [o["metadata"]["name"] for o in document["objects"] if o["kind"] == "Namespace"] == ["team-a"]


def test_a_real_clusters_dump_replays_its_pending_pod_to_the_same_failed_scheduling_message():
    recorded = yaml.safe_load(DUMP.read_text())
    pending = next(p for p in recorded["items"] if p["kind"] == "Pod" and p["status"]["phase"] == "Pending")
    message = next(c["message"] for c in pending["status"]["conditions"] if c["type"] == "PodScheduled")

    snapshot = parse_snapshot(DUMP.read_text(), DUMP.name)
    copy = simulate(snapshot)
    admin = APIClient(copy.server, APISERVER, "kubectl/v1.33.0")
    name = pending["metadata"]["name"]

    def failed_scheduling() -> list[str]:
        return [e["message"] for e in admin.list("events", "default")[0]
                if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == name]

    assert copy.kernel.run_until_true(lambda: failed_scheduling(), timeout_seconds=30)
    assert failed_scheduling()[0] == message
    condition = next(c for c in admin.get("pods", "default", name)["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (condition["status"], condition["reason"], condition["message"]) == ("False", "Unschedulable", message)
    # the recorded machines, as their simulated kubelets registered them
    nodes = {n["metadata"]["name"]: n for n in admin.list("nodes")[0]}
    assert sorted(nodes) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert nodes["kind-worker"]["status"]["allocatable"]["cpu"] == "1900m"
    assert nodes["kind-control-plane"]["spec"]["taints"] == [
        {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    # the running pods stay on their recorded nodes, owned by the restored ReplicaSet
    assert copy.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 2, timeout_seconds=60)
    recorded_nodes = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in recorded["items"] if p["kind"] == "Pod"}
    for pod in running_pods(admin, "web"):
        assert pod["spec"]["nodeName"] == recorded_nodes[pod["metadata"]["name"]]
        owner = pod["metadata"]["ownerReferences"][0]
        assert owner["uid"] == admin.get("replicasets", "default", owner["name"])["metadata"]["uid"]


def test_a_dumps_server_set_fields_are_the_new_servers():
    snapshot = parse_snapshot(DUMP.read_text(), DUMP.name)
    copy = simulate(snapshot)
    admin = APIClient(copy.server, APISERVER, "kubectl/v1.33.0")
    recorded = {o["metadata"]["name"]: o for o in yaml.safe_load(DUMP.read_text())["items"]}
    deployment = admin.get("deployments", "default", "web")
    assert deployment["metadata"]["uid"] != recorded["web"]["metadata"]["uid"]
    assert deployment["metadata"]["generation"] == 1
    assert all(m["manager"] != "kubelet" for m in admin.get("pods", "default", "web-6d8f7c9b5d-2xkqp")["metadata"]
               ["managedFields"])


def settings_snapshot(settings: str) -> str:
    return f"kind: ClusterSnapshot\nversion: 1\nsimulation:\n{settings}\nobjects: []\n"


def object_snapshot(obj: str) -> str:
    return "kind: ClusterSnapshot\nversion: 1\nsimulation:\n  nodes:\n  - name: node-1\nobjects:\n" + obj


BAD_FILES = [
    ("malformed-yaml", "kind: ClusterSnapshot\nobjects: [\n  {kind: Pod\n", ["snap.yaml", "line 4", "expected ',' or '}'"]),
    ("not-a-snapshot", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", ["kind", "ClusterSnapshot", "'Pod'"]),
    ("unknown-kind", object_snapshot("- apiVersion: example.com/v1\n  kind: Frobnicator\n  metadata:\n"
                                     "    name: widget\n    namespace: default\n"),
     ["snap.yaml:7", "Frobnicator default/widget", 'no matches for kind "Frobnicator" in version "example.com/v1"']),
    ("wrong-field-type", object_snapshot("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings\n"
                                         "  data:\n    replicas: 3\n"),
     ["snap.yaml:7", "ConfigMap default/settings", "cannot unmarshal number", "ConfigMap.data of type string"]),
    ("wrong-type-deep", object_snapshot("- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n"
                                        "  spec:\n    replicas: three\n"),
     ["snap.yaml:7", "Deployment default/web", "DeploymentSpec.spec.replicas of type int32"]),
    ("missing-name", object_snapshot("- apiVersion: v1\n  kind: Pod\n  metadata:\n    namespace: default\n"
                                     "  spec:\n    containers:\n    - name: c\n      image: nginx\n"),
     ["snap.yaml:7", "Pod default/<no name>", "metadata.name: Required value"]),
    ("invalid-field", object_snapshot("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web\n"
                                      "  spec:\n    containers:\n    - name: c\n"),
     ["snap.yaml:7", "Pod default/web", "spec.containers[0].image: Required value"]),
    ("bad-node-quantity", settings_snapshot("  nodes:\n  - name: node-1\n    cpu: four"),
     ["simulation.nodes[0].cpu", "'four'", "quantities must match the regular expression"]),
    ("bad-node-taint", settings_snapshot("  nodes:\n  - name: node-1\n    taints:\n    - {key: k, effect: Sometimes}"),
     ["simulation.nodes[0]: Node node-1", "taints[0].effect", 'Unsupported value: "Sometimes"']),
    ("unknown-component", settings_snapshot("  stopped: [kube-scheduler-9]"),
     ["simulation.stopped[0]", "no component named 'kube-scheduler-9'"]),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_bad_files_are_refused_naming_the_object_field_and_reason(text, expected):
    with pytest.raises(SnapshotError) as refused:
        rehearse(parse_snapshot(text, "snap.yaml"))
    for part in expected:
        assert part in str(refused.value)


def test_every_stored_kind_is_restored_in_order_or_skipped_for_a_reason():
    stored = {rt.kind for rt in RESOURCES if not rt.virtual and not rt.create_only}
    assert stored <= set(RESTORE_ORDER) | set(SKIPPED_KINDS)


def test_events_and_leases_in_a_dump_are_skipped_and_said_so():
    text = ("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n"
            "- apiVersion: v1\n  kind: Event\n  metadata: {name: web.1, namespace: default}\n"
            "- apiVersion: coordination.k8s.io/v1\n  kind: Lease\n  metadata: {name: node-1, namespace: kube-node-lease}\n")
    snapshot = parse_snapshot(text, "dump.yaml")
    assert snapshot.objects == []
    assert [line.split(":")[0] for line in snapshot.skipped] == ["Event default/web.1", "Lease kube-node-lease/node-1"]


def test_a_paused_snapshot_restores_paused():
    original, _ = make_cluster()
    original.pacer.set_mode(PAUSED)
    read = parse_snapshot(dump_snapshot(export_snapshot(original.server, settings_of(original),
                                                        original.kernel.wall_time())), "snap.yaml")
    assert read.settings.mode == PAUSED
