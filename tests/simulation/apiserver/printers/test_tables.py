"""Server-side printing: column headers and cells as kube-apiserver's printers produce them."""
from __future__ import annotations

import pytest

from simulation.apimachinery.resources import RESOURCES, ResourceType
from simulation.apimachinery.timestamps import rfc3339
from simulation.apiserver import errors
from simulation.apiserver.printers.tables import PRINTERS, table_row_event, to_table, wants_table

NOW = 1_772_366_400.0  # 2026-03-01T12:00:00Z
KINDS = {r.kind: r for r in RESOURCES}


def ago(seconds: float) -> str:
    return rfc3339(NOW - seconds)


def rt(kind: str) -> ResourceType:
    return KINDS[kind]


def meta(name: str, age: float = 600, **extra) -> dict:
    return {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": "42",
            "creationTimestamp": ago(age), **extra}


# --------------------------------------------------------------------------------------------
# Accept negotiation
# --------------------------------------------------------------------------------------------

KUBECTL_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                  "g=meta.k8s.io,application/json")

ACCEPT_CASES = [
    ("kubectl-get", KUBECTL_ACCEPT, True),
    ("plain-json", "application/json", False),
    ("empty", "", False),
    ("wildcard", "*/*", False),
    ("v1beta1-only", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", True),
    ("spaces", "application/json; as=Table; v=v1; g=meta.k8s.io", True),
    ("wildcard-table", "*/*;as=Table;v=v1;g=meta.k8s.io", True),
    ("wrong-group", "application/json;as=Table;v=v1;g=example.com,application/json", False),
    ("wrong-version", "application/json;as=Table;v=v2;g=meta.k8s.io", False),
    ("partial-metadata-then-json",
     "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json", False),
    ("protobuf-table-skipped",
     "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;"
     "g=meta.k8s.io", True),
    ("protobuf-then-json", "application/vnd.kubernetes.protobuf,application/json", False),
    ("lower-q-loses", "application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5,application/json", False),
    ("higher-q-wins", "application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", True),
    ("q-zero-not-acceptable", "application/json;as=Table;v=v1;g=meta.k8s.io;q=0", False),
    ("yaml-only", "application/yaml", False),
]


@pytest.mark.parametrize("accept, expected", [c[1:] for c in ACCEPT_CASES], ids=[c[0] for c in ACCEPT_CASES])
def test_wants_table(accept, expected):
    assert wants_table(accept) is expected


# --------------------------------------------------------------------------------------------
# Column headers
# --------------------------------------------------------------------------------------------

HEADER_CASES = [
    # (kind, columns shown by default, columns added by -o wide)
    ("Pod", ["Name", "Ready", "Status", "Restarts", "Age"], ["IP", "Node", "Nominated Node", "Readiness Gates"]),
    ("Node", ["Name", "Status", "Roles", "Age", "Version"],
     ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"]),
    ("Namespace", ["Name", "Status", "Age"], []),
    ("Deployment", ["Name", "Ready", "Up-to-date", "Available", "Age"], ["Containers", "Images", "Selector"]),
    ("ReplicaSet", ["Name", "Desired", "Current", "Ready", "Age"], ["Containers", "Images", "Selector"]),
    ("DaemonSet", ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"],
     ["Containers", "Images", "Selector"]),
    ("Service", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"], ["Selector"]),
    ("Endpoints", ["Name", "Endpoints", "Age"], []),
    ("Event", ["Last Seen", "Type", "Reason", "Object", "Message"],
     ["Subobject", "Source", "First Seen", "Count", "Name"]),
    ("ConfigMap", ["Name", "Data", "Age"], []),
    ("Secret", ["Name", "Type", "Data", "Age"], []),
    ("ServiceAccount", ["Name", "Secrets", "Age"], []),
    ("ResourceQuota", ["Name", "Request", "Limit", "Age"], []),
    ("ComponentStatus", ["Name", "Status", "Message", "Error"], []),
    ("Lease", ["Name", "Holder", "Age"], []),
    ("RoleBinding", ["Name", "Role", "Age"], ["Users", "Groups", "ServiceAccounts"]),
    ("ClusterRoleBinding", ["Name", "Role", "Age"], ["Users", "Groups", "ServiceAccounts"]),
    ("Role", ["Name", "Created At"], []),
    ("ClusterRole", ["Name", "Created At"], []),
    ("LimitRange", ["Name", "Created At"], []),
]


@pytest.mark.parametrize("kind, default, wide", HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
def test_column_headers(kind, default, wide):
    columns = to_table(rt(kind), [], now=NOW)["columnDefinitions"]
    assert [c["name"] for c in columns if c["priority"] == 0] == default
    assert [c["name"] for c in columns if c["priority"] == 1] == wide
    name_columns = [c for c in columns if c["name"] == "Name"]
    assert [c["format"] for c in name_columns] == ["name"]
    assert all(set(c) == {"name", "type", "format", "description", "priority"} for c in columns)
    assert all(c["description"] for c in columns)


def test_wide_columns_follow_default_ones_except_events():
    """kubectl prints columns in definition order, so cells must line up with it."""
    for kind, printer in PRINTERS.items():
        priorities = [c["priority"] for c in printer.columns]
        if kind != "Event":
            assert priorities == sorted(priorities), kind


def test_created_at_is_a_date_column():
    columns = to_table(rt("Role"), [], now=NOW)["columnDefinitions"]
    assert columns[1]["type"] == "date"


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------

def container_status(name="web", *, ready=True, restarts=0, state=None, last_finished=None, started=None):
    status = {"name": name, "ready": ready, "restartCount": restarts, "image": "nginx",
              "state": state if state is not None else {"running": {"startedAt": ago(3000)}}}
    if last_finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(last_finished)}}
    if started is not None:
        status["started"] = started
    return status


def pod(name="web-1", *, phase="Running", statuses=None, init_statuses=None, init_containers=None,
        containers=("web",), node="node-1", conditions=None, age=3 * 3600, deleting=False, reason=None,
        readiness_gates=None):
    spec = {"containers": [{"name": c, "image": "nginx"} for c in containers]}
    if node:
        spec["nodeName"] = node
    if init_containers:
        spec["initContainers"] = init_containers
    if readiness_gates:
        spec["readinessGates"] = [{"conditionType": g} for g in readiness_gates]
    status = {"phase": phase}
    if node and phase == "Running":
        status.update(podIP="10.0.0.5", podIPs=[{"ip": "10.0.0.5"}])
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    if reason:
        status["reason"] = reason
    metadata = meta(name, age)
    if deleting:
        metadata.update(deletionTimestamp=ago(-30), deletionGracePeriodSeconds=30)
    return {"kind": "Pod", "apiVersion": "v1", "metadata": metadata, "spec": spec, "status": status}


READY = [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
         {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}]
WAITING = {"waiting": {"reason": "ContainerCreating"}}
CONNECTION_REFUSED = ('Get "https://127.0.0.1:10259/healthz": dial tcp 127.0.0.1:10259: connect: '
                      'connection refused')

CELL_CASES = [
    # (id, kind, object, cells including the wide ones)
    ("pod-running-2-restarts", "Pod",
     pod(statuses=[container_status(restarts=2, last_finished=300)], conditions=READY),
     ["web-1", "1/1", "Running", "2 (5m ago)", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-pending-unscheduled", "Pod",
     pod("p", phase="Pending", node=None, age=10,
         conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]),
     ["p", "0/1", "Pending", "0", "10s", "<none>", "<none>", "<none>", "<none>"]),
    ("pod-container-creating", "Pod",
     pod(phase="Pending", statuses=[container_status(ready=False, state=WAITING)], age=5),
     ["web-1", "0/1", "ContainerCreating", "0", "5s", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-terminating", "Pod",
     pod(statuses=[container_status()], conditions=READY, deleting=True),
     ["web-1", "1/1", "Terminating", "0", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-succeeded-while-deleting-is-not-terminating", "Pod",
     pod(phase="Succeeded", deleting=True, statuses=[container_status(
         ready=False, state={"terminated": {"exitCode": 0, "reason": "Completed"}})]),
     ["web-1", "0/1", "Completed", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-node-lost", "Pod",
     pod(statuses=[container_status()], deleting=True, reason="NodeLost"),
     ["web-1", "1/1", "Unknown", "0", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-crashloop", "Pod",
     pod(statuses=[container_status(ready=False, restarts=4, last_finished=90,
                                    state={"waiting": {"reason": "CrashLoopBackOff"}})]),
     ["web-1", "0/1", "CrashLoopBackOff", "4 (90s ago)", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-err-image-pull", "Pod",
     pod(phase="Pending", statuses=[container_status(ready=False, state={"waiting": {"reason": "ErrImagePull"}})]),
     ["web-1", "0/1", "ErrImagePull", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-error-exit-code", "Pod",
     pod(phase="Failed", statuses=[container_status(ready=False, state={"terminated": {"exitCode": 137}})]),
     ["web-1", "0/1", "ExitCode:137", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-init-0-of-2", "Pod",
     pod(phase="Pending", init_containers=[{"name": "a"}, {"name": "b"}],
         init_statuses=[container_status("a", ready=False, state={"waiting": {"reason": "PodInitializing"}}),
                        container_status("b", ready=False, state={"waiting": {"reason": "PodInitializing"}})],
         statuses=[container_status(ready=False, state={"waiting": {"reason": "PodInitializing"}})]),
     ["web-1", "0/1", "Init:0/2", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-init-1-of-2", "Pod",
     pod(phase="Pending", init_containers=[{"name": "a"}, {"name": "b"}],
         init_statuses=[container_status("a", ready=False, state={"terminated": {"exitCode": 0}}),
                        container_status("b", ready=False, state={"running": {}})]),
     ["web-1", "0/1", "Init:1/2", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-init-err-image-pull", "Pod",
     pod(phase="Pending", init_containers=[{"name": "a"}],
         init_statuses=[container_status("a", ready=False, state={"waiting": {"reason": "ErrImagePull"}})]),
     ["web-1", "0/1", "Init:ErrImagePull", "0", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-init-crashloop-restarts", "Pod",
     pod(phase="Pending", init_containers=[{"name": "a"}],
         init_statuses=[container_status("a", ready=False, restarts=3, last_finished=20,
                                         state={"terminated": {"exitCode": 1, "reason": "Error"}})]),
     ["web-1", "0/1", "Init:Error", "3 (20s ago)", "3h", "<none>", "node-1", "<none>", "<none>"]),
    ("pod-sidecar-counts-as-container", "Pod",
     pod(init_containers=[{"name": "proxy", "restartPolicy": "Always"}], conditions=READY,
         init_statuses=[container_status("proxy", started=True, restarts=1, last_finished=600)],
         statuses=[container_status(restarts=5, last_finished=60)]),
     ["web-1", "2/2", "Running", "6 (60s ago)", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-completed-container-but-another-running", "Pod",
     pod(containers=("job", "web"), conditions=READY, statuses=[
         container_status("job", ready=False, state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
         container_status("web")]),
     ["web-1", "1/2", "Running", "0", "3h", "10.0.0.5", "node-1", "<none>", "<none>"]),
    ("pod-scheduling-gated", "Pod",
     pod(phase="Pending", node=None,
         conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     ["web-1", "0/1", "SchedulingGated", "0", "3h", "<none>", "<none>", "<none>", "<none>"]),
    ("pod-readiness-gates", "Pod",
     pod(statuses=[container_status()], readiness_gates=["example.com/lb", "example.com/dns"],
         conditions=READY + [{"type": "example.com/lb", "status": "True"}]),
     ["web-1", "1/1", "Running", "0", "3h", "10.0.0.5", "node-1", "<none>", "1/2"]),

    ("node-cordoned-control-plane", "Node",
     {"metadata": {"name": "node-1", "creationTimestamp": ago(5 * 86400),
                   "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "node-1"}},
      "spec": {"unschedulable": True},
      "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                 "addresses": [{"type": "InternalIP", "address": "10.0.0.10"},
                               {"type": "Hostname", "address": "node-1"}],
                 "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Ubuntu 22.04.4 LTS",
                              "kernelVersion": "5.15.0-1057-aws", "containerRuntimeVersion": "containerd://1.7.2"}}},
     ["node-1", "Ready,SchedulingDisabled", "control-plane", "5d", "v1.32.0",
      "10.0.0.10", "<none>", "Ubuntu 22.04.4 LTS", "5.15.0-1057-aws", "containerd://1.7.2"]),
    ("node-not-ready-worker", "Node",
     {"metadata": {"name": "node-2", "creationTimestamp": ago(3600),
                   "labels": {"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "gpu"}},
      "status": {"conditions": [{"type": "Ready", "status": "Unknown"}],
                 "addresses": [{"type": "ExternalIP", "address": "203.0.113.7"}]}},
     ["node-2", "NotReady", "gpu,worker", "60m", "", "<none>", "203.0.113.7", "<unknown>", "<unknown>", "<unknown>"]),
    ("node-without-ready-condition", "Node",
     {"metadata": {"name": "node-3"}, "status": {}},
     ["node-3", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]),

    ("namespace-terminating", "Namespace",
     {"metadata": {"name": "dev", "creationTimestamp": ago(86400)}, "status": {"phase": "Terminating"}},
     ["dev", "Terminating", "24h"]),

    ("deployment-2-of-3", "Deployment",
     {"metadata": meta("web", 600),
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
               "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                                    {"name": "log", "image": "busybox"}]}}},
      "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}},
     ["web", "2/3", 3, 2, "10m", "web,log", "nginx:1.27,busybox", "app=web"]),
    ("deployment-fresh-defaults", "Deployment",
     {"metadata": meta("api", 1),
      "spec": {"selector": {"matchLabels": {"app": "api", "tier": "be"}},
               "template": {"spec": {"containers": [{"name": "api", "image": "api:v1"}]}}}},
     ["api", "0/1", 0, 0, "1s", "api", "api:v1", "app=api,tier=be"]),

    ("replicaset", "ReplicaSet",
     {"metadata": meta("web-5d8f9c", 3600),
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d8f9c"}},
               "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
      "status": {"replicas": 3, "readyReplicas": 2}},
     ["web-5d8f9c", 3, 3, 2, "60m", "web", "nginx", "app=web,pod-template-hash=5d8f9c"]),
    ("replicaset-no-selector", "ReplicaSet",
     {"metadata": meta("bare", 60), "spec": {"replicas": 0, "template": {"spec": {"containers": []}}}},
     ["bare", 0, 0, 0, "60s", "", "", "<none>"]),

    ("daemonset", "DaemonSet",
     {"metadata": meta("kube-proxy", 7200),
      "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
               "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                     "containers": [{"name": "kube-proxy", "image": "kube-proxy:v1.32.0"}]}}},
      "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                 "updatedNumberScheduled": 3, "numberAvailable": 2}},
     ["kube-proxy", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "120m", "kube-proxy", "kube-proxy:v1.32.0",
      "k8s-app=kube-proxy"]),

    ("service-cluster-ip", "Service",
     {"metadata": meta("web", 120),
      "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
               "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
               "selector": {"app": "web"}}},
     ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "2m", "app=web"]),
    ("service-node-port", "Service",
     {"metadata": meta("np", 120),
      "spec": {"type": "NodePort", "clusterIPs": ["10.96.0.11"], "externalIPs": ["198.51.100.1"],
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}},
     ["np", "NodePort", "10.96.0.11", "198.51.100.1", "80:30080/TCP", "2m", "<none>"]),
    ("service-load-balancer-pending", "Service",
     {"metadata": meta("lb", 120),
      "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.12"], "ports": [{"port": 443, "nodePort": 31443,
                                                                                 "protocol": "TCP"}]}},
     ["lb", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "2m", "<none>"]),
    ("service-load-balancer-ingress", "Service",
     {"metadata": meta("lb", 120),
      "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.12"], "ports": []},
      "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}}},
     ["lb", "LoadBalancer", "10.96.0.12", "203.0.113.9,lb.example.com", "<none>", "2m", "<none>"]),
    ("service-headless-external-name", "Service",
     {"metadata": meta("ext", 120), "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
     ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "2m", "<none>"]),

    ("endpoints-more", "Endpoints",
     {"metadata": meta("web", 30),
      "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
                   "ports": [{"port": 80, "protocol": "TCP"}]}]},
     ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "30s"]),
    ("endpoints-two-ports", "Endpoints",
     {"metadata": meta("dns", 30),
      "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}],
                   "ports": [{"name": "dns", "port": 53}, {"name": "metrics", "port": 9153}]}]},
     ["dns", "10.0.0.1:53,[fd00::1]:53,10.0.0.1:9153 + 1 more...", "30s"]),
    ("endpoints-headless-no-ports", "Endpoints",
     {"metadata": meta("h", 30), "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]},
     ["h", "10.0.0.1", "30s"]),
    ("endpoints-empty", "Endpoints", {"metadata": meta("none", 30)}, ["none", "<none>", "30s"]),

    ("event-core", "Event",
     {"metadata": meta("web-1.17a2b3c4d5e6f708", 300),
      "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1",
                         "fieldPath": "spec.containers{web}"},
      "reason": "Pulled", "message": "Successfully pulled image \"nginx\"\n", "type": "Normal",
      "source": {"component": "kubelet", "host": "node-1"},
      "firstTimestamp": ago(300), "lastTimestamp": ago(30), "count": 3},
     ["30s", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node-1",
      'Successfully pulled image "nginx"', "5m", 3, "web-1.17a2b3c4d5e6f708"]),
    ("event-new-api-singleton", "Event",
     {"metadata": meta("web-1.17a2", 20),
      "involvedObject": {"kind": "Pod", "name": "web-1"}, "reason": "Scheduled", "type": "Normal",
      "message": "Successfully assigned default/web-1 to node-1", "eventTime": "2026-03-01T11:59:40.123456Z",
      "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-cp-1"},
     # 19.88s ago: Go truncates to whole seconds
     ["19s", "Normal", "Scheduled", "pod/web-1", "", "default-scheduler, default-scheduler-cp-1",
      "Successfully assigned default/web-1 to node-1", "19s", 1, "web-1.17a2"]),
    ("event-series", "Event",
     {"metadata": meta("n.1", 600), "involvedObject": {"kind": "Node"}, "type": "Warning", "reason": "Rebooted",
      "message": "m", "eventTime": ago(600), "series": {"count": 7, "lastObservedTime": ago(5)}},
     ["5s", "Warning", "Rebooted", "node", "", "", "m", "10m", 7, "n.1"]),

    ("configmap", "ConfigMap",
     {"metadata": meta("cfg", 86400 * 3), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}},
     ["cfg", 3, "3d"]),
    ("secret", "Secret",
     {"metadata": meta("tls", 60), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}},
     ["tls", "kubernetes.io/tls", 2, "60s"]),
    ("serviceaccount", "ServiceAccount", {"metadata": meta("default", 60)}, ["default", 0, "60s"]),
    ("resourcequota", "ResourceQuota",
     {"metadata": meta("compute", 60),
      "status": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "1Gi", "limits.memory": "2048Mi"},
                 "used": {"pods": "1", "requests.cpu": "0.5", "limits.memory": "512Mi"}}},
     ["compute", "pods: 1/10, requests.cpu: 500m/2, requests.memory: 0/1Gi", "limits.memory: 512Mi/2Gi", "60s"]),
    ("resourcequota-no-status", "ResourceQuota", {"metadata": meta("q", 60)}, ["q", "", "", "60s"]),

    ("componentstatus-healthy", "ComponentStatus",
     {"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]},
     ["etcd-0", "Healthy", "ok", ""]),
    ("componentstatus-unhealthy-connection-refused", "ComponentStatus",
     {"metadata": {"name": "scheduler"},
      "conditions": [{"type": "Healthy", "status": "False", "message": CONNECTION_REFUSED}]},
     ["scheduler", "Unhealthy", CONNECTION_REFUSED, ""]),
    ("componentstatus-no-conditions", "ComponentStatus", {"metadata": {"name": "x"}}, ["x", "Unknown", "", ""]),

    ("lease", "Lease",
     {"metadata": meta("kube-scheduler", 3600), "spec": {"holderIdentity": "cp-1_7f3e", "leaseDurationSeconds": 15}},
     ["kube-scheduler", "cp-1_7f3e", "60m"]),
    ("lease-unheld", "Lease", {"metadata": meta("free", 10), "spec": {}}, ["free", "", "10s"]),

    ("rolebinding", "RoleBinding",
     {"metadata": meta("dev-edit", 3600), "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                                       "kind": "ClusterRole", "name": "edit"},
      "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                   {"kind": "Group", "name": "devs"},
                   {"kind": "ServiceAccount", "namespace": "ci", "name": "builder"}]},
     ["dev-edit", "ClusterRole/edit", "60m", "alice, bob", "devs", "ci/builder"]),
    ("clusterrolebinding-no-subjects", "ClusterRoleBinding",
     {"metadata": {"name": "cluster-admin", "creationTimestamp": ago(86400 * 30)},
      "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}},
     ["cluster-admin", "ClusterRole/cluster-admin", "30d", "", "", ""]),

    ("role-default-convertor", "Role",
     {"metadata": meta("pod-reader", 3600), "rules": []}, ["pod-reader", "2026-03-01T11:00:00Z"]),
    ("clusterrole-offset-timestamp", "ClusterRole",
     {"metadata": {"name": "view", "creationTimestamp": "2026-03-01T13:00:00+02:00"}},
     ["view", "2026-03-01T11:00:00Z"]),
    ("limitrange-no-timestamp", "LimitRange", {"metadata": {"name": "limits"}},
     ["limits", "0001-01-01T00:00:00Z"]),
]


@pytest.mark.parametrize("kind, obj, cells", [c[1:] for c in CELL_CASES], ids=[c[0] for c in CELL_CASES])
def test_cells(kind, obj, cells):
    table = to_table(rt(kind), [obj], now=NOW)
    (row,) = table["rows"]
    assert row["cells"] == cells
    assert len(row["cells"]) == len(table["columnDefinitions"])


def test_age_in_the_future_is_invalid():
    (row,) = to_table(rt("ConfigMap"), [{"metadata": meta("c", -60)}], now=NOW)["rows"]
    assert row["cells"][2] == "<invalid>"


# --------------------------------------------------------------------------------------------
# The Table around the rows
# --------------------------------------------------------------------------------------------

def test_table_envelope_and_partial_object_metadata():
    p = pod(statuses=[container_status()], conditions=READY)
    p["metadata"]["labels"] = {"app": "web"}
    table = to_table(rt("Pod"), [p], now=NOW, list_meta={"resourceVersion": "1005", "continue": ""})
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "1005"}
    (row,) = table["rows"]
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": p["metadata"]}
    assert row["object"]["metadata"] is not p["metadata"]
    assert "conditions" not in row


INCLUDE_CASES = [
    ("default-metadata", None, "PartialObjectMetadata"),
    ("metadata", "Metadata", "PartialObjectMetadata"),
    ("object", "Object", "Pod"),
    ("none", "None", None),
]


@pytest.mark.parametrize("include, object_kind", [c[1:] for c in INCLUDE_CASES], ids=[c[0] for c in INCLUDE_CASES])
def test_include_object(include, object_kind):
    p = pod()
    del p["kind"], p["apiVersion"]  # list items may come without type meta
    kwargs = {} if include is None else {"include_object": include}
    (row,) = to_table(rt("Pod"), [p], now=NOW, **kwargs)["rows"]
    if object_kind is None:
        assert "object" not in row
    else:
        assert row["object"]["kind"] == object_kind
    if object_kind == "Pod":
        assert row["object"]["apiVersion"] == "v1"
        assert row["object"]["spec"] == p["spec"]


def test_unknown_include_object_is_bad_request():
    with pytest.raises(errors.StatusError) as caught:
        to_table(rt("Pod"), [pod()], now=NOW, include_object="Everything")
    assert caught.value.code == 400
    assert caught.value.message == 'unrecognized includeObject value: "Everything"'


ROW_CONDITION_CASES = [
    ("succeeded", "Succeeded", [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                 "message": "The pod has completed successfully."}]),
    ("failed", "Failed", [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]),
    ("running", "Running", None),
]


@pytest.mark.parametrize("phase, conditions", [c[1:] for c in ROW_CONDITION_CASES],
                         ids=[c[0] for c in ROW_CONDITION_CASES])
def test_finished_pods_carry_row_conditions(phase, conditions):
    (row,) = to_table(rt("Pod"), [pod(phase=phase)], now=NOW)["rows"]
    assert row.get("conditions") == conditions


def test_list_keeps_order_and_drops_headers_on_request():
    pods = [pod("a"), pod("b"), pod("c")]
    table = to_table(rt("Pod"), pods, now=NOW, with_column_definitions=False)
    assert table["columnDefinitions"] == []
    assert [r["cells"][0] for r in table["rows"]] == ["a", "b", "c"]


def test_empty_list():
    table = to_table(rt("Deployment"), [], now=NOW, list_meta={"resourceVersion": "7"})
    assert table["rows"] == []
    assert table["metadata"] == {"resourceVersion": "7"}
    assert len(table["columnDefinitions"]) == 8


# --------------------------------------------------------------------------------------------
# Watch events
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("event_type", ["ADDED", "MODIFIED", "DELETED"])
def test_watch_event_becomes_one_row_table(event_type):
    p = pod(statuses=[container_status()], conditions=READY)
    event = table_row_event({"type": event_type, "object": p}, rt("Pod"), NOW)
    assert event["type"] == event_type
    table = event["object"]
    assert table["kind"] == "Table"
    assert table["columnDefinitions"] == []
    assert table["metadata"] == {"resourceVersion": "42"}
    (row,) = table["rows"]
    assert row["cells"][:3] == ["web-1", "1/1", "Running"]
    assert row["object"]["kind"] == "PartialObjectMetadata"


def test_watch_event_honours_include_object():
    event = table_row_event({"type": "ADDED", "object": pod()}, rt("Pod"), NOW, include_object="Object")
    assert event["object"]["rows"][0]["object"]["kind"] == "Pod"


PASS_THROUGH_CASES = [
    ("error", {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                           "reason": "Expired", "code": 410, "message": "too old"}}),
    ("bookmark", {"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1",
                                                 "metadata": {"resourceVersion": "99"}}}),
]


@pytest.mark.parametrize("event", [c[1] for c in PASS_THROUGH_CASES], ids=[c[0] for c in PASS_THROUGH_CASES])
def test_error_and_bookmark_events_pass_through(event):
    assert table_row_event(event, rt("Pod"), NOW) is event
