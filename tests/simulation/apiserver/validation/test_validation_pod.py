"""Pod validation: create, update and status update, with upstream's causes."""
from __future__ import annotations

import copy
from typing import Callable

import pytest

from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.validation import validate_binding, validate_create, validate_update
from simulation.apiserver.validation.pod import POD_UPDATE_FORBIDDEN
from tests.simulation.apiserver.fakes import rt_for

POD = rt_for("Pod")
LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
         "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def base_pod() -> dict:
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}
    apply_defaults(POD, obj)
    return obj


def c(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "field": path, "message": message}


def edit(fn: Callable[[dict], None]) -> Callable[[], dict]:
    def build() -> dict:
        obj = base_pod()
        fn(obj)
        return obj
    return build


def ctr(obj: dict) -> dict:
    return obj["spec"]["containers"][0]


CREATE = [
    ("valid", edit(lambda p: None), []),
    ("no-containers", edit(lambda p: p["spec"].update(containers=[])),
     [c("FieldValueRequired", "spec.containers", "Required value")]),
    ("container-name-and-image-required", edit(lambda p: ctr(p).update(name="", image="")), [
        c("FieldValueRequired", "spec.containers[0].name", "Required value"),
        c("FieldValueRequired", "spec.containers[0].image", "Required value")]),
    ("container-name-format", edit(lambda p: ctr(p).update(name="App_1")),
     [c("FieldValueInvalid", "spec.containers[0].name", 'Invalid value: "App_1": ' + LABEL)]),
    ("duplicate-container-name", edit(lambda p: p["spec"]["containers"].append(
        {**copy.deepcopy(ctr(p)), "ports": []})),
     [c("FieldValueDuplicate", "spec.containers[1].name", 'Duplicate value: "app"')]),
    ("image-whitespace", edit(lambda p: ctr(p).update(image=" nginx")), [c(
        "FieldValueInvalid", "spec.containers[0].image", 'Invalid value: " nginx": must not have leading or trailing '
        "whitespace")]),
    ("restart-policy", edit(lambda p: p["spec"].update(restartPolicy="Sometimes")), [c(
        "FieldValueNotSupported", "spec.restartPolicy",
        'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')]),
    ("restart-policy-empty", edit(lambda p: p["spec"].update(restartPolicy="")),
     [c("FieldValueRequired", "spec.restartPolicy", "Required value")]),
    ("dns-policy", edit(lambda p: p["spec"].update(dnsPolicy="Google")), [c(
        "FieldValueNotSupported", "spec.dnsPolicy", 'Unsupported value: "Google": supported values: '
        '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"')]),
    ("pull-policy", edit(lambda p: ctr(p).update(imagePullPolicy="Sometimes")), [c(
        "FieldValueNotSupported", "spec.containers[0].imagePullPolicy",
        'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"')]),
    ("port-range", edit(lambda p: ctr(p)["ports"][0].update(containerPort=70000)), [c(
        "FieldValueInvalid", "spec.containers[0].ports[0].containerPort",
        "Invalid value: 70000: must be between 1 and 65535, inclusive")]),
    ("port-required", edit(lambda p: ctr(p)["ports"][0].update(containerPort=0)),
     [c("FieldValueRequired", "spec.containers[0].ports[0].containerPort", "Required value")]),
    ("port-protocol", edit(lambda p: ctr(p)["ports"][0].update(protocol="HTTP")), [c(
        "FieldValueNotSupported", "spec.containers[0].ports[0].protocol",
        'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"')]),
    ("host-port-conflict", edit(lambda p: p["spec"]["containers"].append(
        {**copy.deepcopy(ctr(p)), "name": "b", "ports": [{"containerPort": 81, "hostPort": 8080, "protocol": "TCP"}]})
        or ctr(p)["ports"][0].update(hostPort=8080)),
     [c("FieldValueDuplicate", "spec.containers[1].ports[0].hostPort", 'Duplicate value: "TCP//8080"')]),
    ("request-above-limit", edit(lambda p: ctr(p).update(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})),
     [c("FieldValueInvalid", "spec.containers[0].resources.requests",
        'Invalid value: "2": must be less than or equal to cpu limit of 1')]),
    ("negative-request", edit(lambda p: ctr(p).update(resources={"requests": {"memory": "-1"}})), [c(
        "FieldValueInvalid", "spec.containers[0].resources.requests[memory]",
        'Invalid value: "-1": must be greater than or equal to 0')]),
    ("unknown-resource", edit(lambda p: ctr(p).update(resources={"limits": {"gpu": "1"}})), [
        c("FieldValueInvalid", "spec.containers[0].resources.limits[gpu]",
          "Invalid value: gpu: must be a standard resource type or fully qualified"),
        c("FieldValueInvalid", "spec.containers[0].resources.limits[gpu]",
          "Invalid value: gpu: must be a standard resource for containers")]),
    ("extended-resource-whole", edit(lambda p: ctr(p).update(resources={"limits": {"nvidia.com/gpu": "500m"}})), [
        c("FieldValueInvalid", "spec.containers[0].resources.limits[nvidia.com/gpu]",
          "Invalid value: 500m: must be an integer")]),
    ("env-name", edit(lambda p: ctr(p).update(env=[{"name": "A=B", "value": "1"}])), [c(
        "FieldValueInvalid", "spec.containers[0].env[0].name",
        'Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters '
        "other than '='")]),
    ("env-value-from-empty", edit(lambda p: ctr(p).update(env=[{"name": "A", "valueFrom": {}}])), [c(
        "FieldValueInvalid", "spec.containers[0].env[0].valueFrom",
        'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`')]),
    ("volume-mount-not-found", edit(lambda p: ctr(p).update(volumeMounts=[{"name": "data", "mountPath": "/d"}])),
     [c("FieldValueNotFound", "spec.containers[0].volumeMounts[0].name", 'Not found: "data"')]),
    ("volume-without-source-name", edit(lambda p: p["spec"].update(volumes=[{"name": "", "emptyDir": {}}])),
     [c("FieldValueRequired", "spec.volumes[0].name", "Required value")]),
    ("volume-two-sources", edit(lambda p: p["spec"].update(volumes=[{"name": "v", "emptyDir": {},
                                                                      "hostPath": {"path": "/x"}}])),
     [c("FieldValueForbidden", "spec.volumes[0].emptyDir", "Forbidden: may not specify more than 1 volume type")]),
    ("volume-configmap-name", edit(lambda p: p["spec"].update(volumes=[{"name": "v", "configMap": {}}])),
     [c("FieldValueRequired", "spec.volumes[0].configMap.name", "Required value")]),
    ("probe-without-handler", edit(lambda p: ctr(p).update(livenessProbe={"periodSeconds": 10})),
     [c("FieldValueRequired", "spec.containers[0].livenessProbe", "Required value: must specify a handler type")]),
    ("liveness-success-threshold", edit(lambda p: ctr(p).update(livenessProbe={
        "tcpSocket": {"port": 80}, "successThreshold": 2})),
     [c("FieldValueInvalid", "spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1")]),
    ("init-container-probe", edit(lambda p: p["spec"].update(initContainers=[{
        "name": "init", "image": "busybox", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File",
        "readinessProbe": {"exec": {"command": ["true"]}}}])),
     [c("FieldValueForbidden", "spec.initContainers[0].readinessProbe",
        "Forbidden: may not be set for init containers without restartPolicy=Always")]),
    ("init-container-same-name", edit(lambda p: p["spec"].update(initContainers=[{
        "name": "app", "image": "busybox", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"}])),
     [c("FieldValueDuplicate", "spec.initContainers[0].name", 'Duplicate value: "app"')]),
    ("toleration-operator", edit(lambda p: p["spec"].update(tolerations=[{"key": "k", "operator": "Equals"}])), [c(
        "FieldValueNotSupported", "spec.tolerations[0].operator",
        'Unsupported value: "Equals": supported values: "Equal", "Exists"')]),
    ("toleration-seconds-needs-noexecute", edit(lambda p: p["spec"].update(tolerations=[{
        "key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}])), [c(
        "FieldValueInvalid", "spec.tolerations[0].effect",
        "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set")]),
    ("toleration-empty-key", edit(lambda p: p["spec"].update(tolerations=[{"operator": "Equal", "value": "x"}])), [c(
        "FieldValueInvalid", "spec.tolerations[0].operator",
        'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all '
        'keys"')]),
    ("active-deadline", edit(lambda p: p["spec"].update(activeDeadlineSeconds=0)), [c(
        "FieldValueInvalid", "spec.activeDeadlineSeconds", "Invalid value: 0: must be between 1 and 2147483647, "
        "inclusive")]),
    ("node-name", edit(lambda p: p["spec"].update(nodeName="Node_1")), [c(
        "FieldValueInvalid", "spec.nodeName",
        'Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
        "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]),
    ("node-selector", edit(lambda p: p["spec"].update(nodeSelector={"disk": "fast ssd"})), [c(
        "FieldValueInvalid", "spec.nodeSelector",
        "Invalid value: \"fast ssd\": a valid label must be an empty string or consist of alphanumeric characters, "
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]),
    ("node-affinity-terms", edit(lambda p: p["spec"].update(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}})), [c(
        "FieldValueRequired",
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
        "Required value: must have at least one node selector term")]),
    ("topology-spread", edit(lambda p: p["spec"].update(topologySpreadConstraints=[{
        "maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "Maybe"}])), [
        c("FieldValueInvalid", "spec.topologySpreadConstraints[0].maxSkew", "Invalid value: 0: must be greater than zero"),
        c("FieldValueNotSupported", "spec.topologySpreadConstraints[0].whenUnsatisfiable",
          'Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"')]),
    ("host-network-port-mismatch", edit(lambda p: p["spec"].update(hostNetwork=True)
                                        or ctr(p)["ports"][0].update(hostPort=81)), [c(
        "FieldValueInvalid", "spec.containers[0].ports[0].hostPort",
        "Invalid value: 81: must match `containerPort` when `hostNetwork` is true")]),
    ("grace-period-required", edit(lambda p: p["spec"].pop("terminationGracePeriodSeconds")),
     [c("FieldValueRequired", "spec.terminationGracePeriodSeconds", "Required value")]),
    ("ephemeral-on-create", edit(lambda p: p["spec"].update(ephemeralContainers=[{"name": "dbg"}])),
     [c("FieldValueForbidden", "spec.ephemeralContainers", "Forbidden: cannot be set on create")]),
]


@pytest.mark.parametrize("build,expected", [x[1:] for x in CREATE], ids=[x[0] for x in CREATE])
def test_validate_pod_create(build, expected):
    assert validate_create(POD, build()) == expected


def updated(fn: Callable[[dict], None]) -> Callable[[], tuple[dict, dict]]:
    def build() -> tuple[dict, dict]:
        old = base_pod()
        old["spec"]["tolerations"] = [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                       "effect": "NoExecute", "tolerationSeconds": 300}]
        new = copy.deepcopy(old)
        fn(new)
        return new, old
    return build


UPDATE = [
    ("unchanged", updated(lambda p: None), []),
    ("image-may-change", updated(lambda p: ctr(p).update(image="nginx:1.28")), []),
    ("labels-may-change", updated(lambda p: p["metadata"].update(labels={"a": "b"})), []),
    ("deadline-may-be-set", updated(lambda p: p["spec"].update(activeDeadlineSeconds=30)), []),
    ("toleration-may-be-added", updated(lambda p: p["spec"]["tolerations"].append({"key": "x", "operator": "Exists"})),
     []),
    ("toleration-seconds-may-change", updated(lambda p: p["spec"]["tolerations"][0].update(tolerationSeconds=10)), []),
    ("toleration-may-not-be-removed", updated(lambda p: p["spec"].update(tolerations=[])), [c(
        "FieldValueForbidden", "spec.tolerations",
        "Forbidden: existing toleration can not be modified except its tolerationSeconds")]),
    ("containers-may-not-be-added", updated(lambda p: p["spec"]["containers"].append(
        {**copy.deepcopy(ctr(p)), "name": "b", "ports": []})),
     [c("FieldValueForbidden", "spec.containers", "Forbidden: pod updates may not add or remove containers")]),
    # reported twice upstream (spec validation and the image-update check); we drop the repeat
    ("image-may-not-be-emptied", updated(lambda p: ctr(p).update(image="")),
     [c("FieldValueRequired", "spec.containers[0].image", "Required value")]),
]


@pytest.mark.parametrize("build,expected", [x[1:] for x in UPDATE], ids=[x[0] for x in UPDATE])
def test_validate_pod_update(build, expected):
    new, old = build()
    assert validate_update(POD, new, old) == expected


FORBIDDEN_UPDATES = [
    ("port", lambda p: ctr(p)["ports"][0].update(containerPort=8080), "containers[0].ports[0].containerPort"),
    ("node-name-only-through-binding", lambda p: p["spec"].update(nodeName="node-1"), "nodeName"),
    ("env", lambda p: ctr(p).update(env=[{"name": "A", "value": "1"}]), "containers[0].env"),
    ("grace-period", lambda p: p["spec"].update(terminationGracePeriodSeconds=5), "terminationGracePeriodSeconds"),
]


@pytest.mark.parametrize("fn,changed", [f[1:] for f in FORBIDDEN_UPDATES], ids=[f[0] for f in FORBIDDEN_UPDATES])
def test_other_spec_changes_are_forbidden(fn, changed):
    new, old = updated(fn)()
    [cause] = validate_update(POD, new, old)
    assert cause["reason"] == "FieldValueForbidden"
    assert cause["field"] == "spec"
    assert cause["message"].startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
        "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n")
    assert changed in cause["message"]
    assert POD_UPDATE_FORBIDDEN in cause["message"]


def test_negative_grace_period_may_become_one():
    old = base_pod()
    old["spec"]["terminationGracePeriodSeconds"] = -1
    new = copy.deepcopy(old)
    new["spec"]["terminationGracePeriodSeconds"] = 1
    assert validate_update(POD, new, old) == []


def test_deadline_may_only_shrink():
    old = base_pod()
    old["spec"]["activeDeadlineSeconds"] = 30
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 60
    assert validate_update(POD, new, old) == [
        c("FieldValueInvalid", "spec.activeDeadlineSeconds", "Invalid value: 60: must be less than or equal to "
          "previous value")]


STATUS = [
    ("phase-may-change", lambda p: p["status"].update(phase="Running", podIP="10.244.0.5"), []),
    ("node-name-not-via-status", lambda p: p["spec"].update(nodeName="node-1"),
     [c("FieldValueForbidden", "status.nodeName", "Forbidden: may not be changed directly")]),
    ("qos-immutable", lambda p: p["status"].update(qosClass="Guaranteed"),
     [c("FieldValueInvalid", "status.qosClass", 'Invalid value: "Guaranteed": field is immutable')]),
]


@pytest.mark.parametrize("fn,expected", [s[1:] for s in STATUS], ids=[s[0] for s in STATUS])
def test_validate_pod_status_update(fn, expected):
    old = base_pod()
    old["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    new = copy.deepcopy(old)
    fn(new)
    assert validate_update(POD, new, old, subresource="status") == expected


def test_terminated_container_stays_terminated_without_restart():
    old = base_pod()
    old["spec"]["restartPolicy"] = "Never"
    old["status"] = {"phase": "Running", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 0}}}]}
    new = copy.deepcopy(old)
    new["status"]["containerStatuses"][0]["state"] = {"running": {}}
    assert validate_update(POD, new, old, subresource="status") == [c(
        "FieldValueForbidden", "status.containerStatuses[0].state",
        "Forbidden: may not be transitioned to non-terminated state")]


BINDINGS = [
    ("ok", {"target": {"kind": "Node", "name": "n1"}}, []),
    ("no-name", {"target": {"kind": "Node"}}, [c("FieldValueRequired", "target.name", "Required value")]),
    ("bad-kind", {"target": {"kind": "Pod", "name": "x"}}, [c(
        "FieldValueNotSupported", "target.kind", 'Unsupported value: "Pod": supported values: "Node", "<empty>"')]),
]


@pytest.mark.parametrize("binding,expected", [b[1:] for b in BINDINGS], ids=[b[0] for b in BINDINGS])
def test_validate_binding(binding, expected):
    assert validate_binding(binding) == expected
