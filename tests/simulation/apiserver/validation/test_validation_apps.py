"""Deployment, ReplicaSet and DaemonSet validation (apps/v1)."""
from __future__ import annotations

import copy
from typing import Callable

import pytest

from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.errors import invalid
from simulation.apiserver.validation import validate_create, validate_update
from tests.simulation.apiserver.fakes import rt_for


def workload(kind: str) -> dict:
    obj = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    apply_defaults(rt_for(kind), obj)
    return obj


def c(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "field": path, "message": message}


def edit(kind: str, fn: Callable[[dict], None]) -> Callable[[], dict]:
    def build() -> dict:
        obj = workload(kind)
        fn(obj)
        return obj
    return build


def spec(obj: dict) -> dict:
    return obj["spec"]


MISMATCH = c("FieldValueInvalid", "spec.template.metadata.labels",
             'Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`')

CREATE = [
    ("deployment-valid", "Deployment", edit("Deployment", lambda d: None), []),
    ("deployment-selector-required", "Deployment", edit("Deployment", lambda d: spec(d).pop("selector")),
     [c("FieldValueRequired", "spec.selector", "Required value")]),
    ("deployment-selector-mismatch", "Deployment",
     edit("Deployment", lambda d: spec(d)["template"]["metadata"].update(labels={"app": "api"})), [MISMATCH]),
    ("deployment-empty-selector", "Deployment", edit("Deployment", lambda d: spec(d).update(selector={"matchLabels": {}})),
     [c("FieldValueInvalid", "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment")]),
    ("deployment-negative-replicas", "Deployment", edit("Deployment", lambda d: spec(d).update(replicas=-1)),
     [c("FieldValueInvalid", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0")]),
    ("deployment-restart-policy", "Deployment",
     edit("Deployment", lambda d: spec(d)["template"]["spec"].update(restartPolicy="Never")),
     [c("FieldValueNotSupported", "spec.template.spec.restartPolicy",
        'Unsupported value: "Never": supported values: "Always"')]),
    ("deployment-template-container", "Deployment",
     edit("Deployment", lambda d: spec(d)["template"]["spec"]["containers"][0].update(image="")),
     [c("FieldValueRequired", "spec.template.spec.containers[0].image", "Required value")]),
    ("deployment-template-label-format", "Deployment",
     edit("Deployment", lambda d: spec(d)["template"]["metadata"]["labels"].update({"tier": "a b"})), [c(
        "FieldValueInvalid", "spec.template.labels",
        "Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', "
        "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]),
    ("deployment-zero-surge-and-unavailable", "Deployment", edit("Deployment", lambda d: spec(d)["strategy"].update(
        rollingUpdate={"maxSurge": 0, "maxUnavailable": "0%"})),
     [c("FieldValueInvalid", "spec.strategy.rollingUpdate.maxUnavailable",
        'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0')]),
    ("deployment-bad-percent", "Deployment", edit("Deployment", lambda d: spec(d)["strategy"]["rollingUpdate"].update(
        maxSurge="25")), [c(
        "FieldValueInvalid", "spec.strategy.rollingUpdate.maxSurge",
        'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"25"}: a valid percent string must be a numeric '
        "string followed by an ending '%' (e.g. '1%',  "
        "or '93%', regex used for validation is '[0-9]+%')")]),
    ("deployment-unavailable-over-100", "Deployment", edit("Deployment", lambda d: spec(d)["strategy"][
        "rollingUpdate"].update(maxUnavailable="120%")),
     [c("FieldValueInvalid", "spec.strategy.rollingUpdate.maxUnavailable",
        'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%')]),
    ("deployment-recreate-with-rolling", "Deployment", edit("Deployment", lambda d: spec(d)["strategy"].update(
        type="Recreate")), [c("FieldValueForbidden", "spec.strategy.rollingUpdate",
                              "Forbidden: may not be specified when strategy `type` is 'Recreate'")]),
    ("deployment-unknown-strategy", "Deployment", edit("Deployment", lambda d: spec(d).update(
        strategy={"type": "BlueGreen"})), [c(
        "FieldValueNotSupported", "spec.strategy", 'Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", '
        'RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"')]),
    ("deployment-progress-deadline", "Deployment", edit("Deployment", lambda d: spec(d).update(
        minReadySeconds=600)), [c("FieldValueInvalid", "spec.progressDeadlineSeconds",
                                  "Invalid value: 600: must be greater than minReadySeconds")]),
    ("deployment-template-deadline", "Deployment", edit("Deployment", lambda d: spec(d)["template"]["spec"].update(
        activeDeadlineSeconds=10)), [c("FieldValueForbidden", "spec.template.spec.activeDeadlineSeconds",
                                       "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported")]),
    ("replicaset-valid", "ReplicaSet", edit("ReplicaSet", lambda r: None), []),
    ("replicaset-mismatch", "ReplicaSet",
     edit("ReplicaSet", lambda r: spec(r)["template"]["metadata"].update(labels={"app": "api"})), [MISMATCH]),
    ("replicaset-expression-selector", "ReplicaSet", edit("ReplicaSet", lambda r: spec(r).update(selector={
        "matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]})), []),
    ("daemonset-valid", "DaemonSet", edit("DaemonSet", lambda d: None), []),
    ("daemonset-mismatch", "DaemonSet",
     edit("DaemonSet", lambda d: spec(d)["template"]["metadata"].update(labels={"app": "api"})), [MISMATCH]),
    ("daemonset-surge-and-unavailable", "DaemonSet", edit("DaemonSet", lambda d: spec(d)["updateStrategy"][
        "rollingUpdate"].update(maxSurge=1)), [c(
        "FieldValueInvalid", "spec.updateStrategy.rollingUpdate.maxSurge",
        'Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero')]),
    ("daemonset-neither", "DaemonSet", edit("DaemonSet", lambda d: spec(d)["updateStrategy"][
        "rollingUpdate"].update(maxUnavailable=0)), [c(
        "FieldValueRequired", "spec.updateStrategy.rollingUpdate.maxUnavailable",
        "Required value: cannot be 0 when maxSurge is 0")]),
]


@pytest.mark.parametrize("kind,build,expected", [x[1:] for x in CREATE], ids=[x[0] for x in CREATE])
def test_validate_create(kind, build, expected):
    assert validate_create(rt_for(kind), build()) == expected


def test_invalid_message_for_deployment():
    d = workload("Deployment")
    d["spec"]["template"]["metadata"]["labels"] = {"app": "api"}
    causes = validate_create(rt_for("Deployment"), d)
    assert invalid("Deployment", "apps", "web", causes).message == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"api"}: `selector` does not match template `labels`')


UPDATES = [
    ("deployment-scale", "Deployment", lambda d: spec(d).update(replicas=5), []),
    ("deployment-new-image", "Deployment",
     lambda d: spec(d)["template"]["spec"]["containers"][0].update(image="nginx:1.28"), []),
    ("deployment-selector-immutable", "Deployment", lambda d: (
        spec(d)["selector"]["matchLabels"].update(app="api"),
        spec(d)["template"]["metadata"]["labels"].update(app="api")), [c(
        "FieldValueInvalid", "spec.selector",
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")]),
    ("replicaset-selector-immutable", "ReplicaSet", lambda r: spec(r)["selector"].update(
        matchExpressions=[{"key": "app", "operator": "Exists"}]), [c(
        "FieldValueInvalid", "spec.selector",
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, '
        'MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Exists", '
        "Values:[]string(nil)}}}: field is immutable")]),
    ("daemonset-selector-immutable", "DaemonSet", lambda d: (
        spec(d)["selector"]["matchLabels"].update(app="api"),
        spec(d)["template"]["metadata"]["labels"].update(app="api")), [c(
        "FieldValueInvalid", "spec.selector",
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")]),
]


@pytest.mark.parametrize("kind,fn,expected", [u[1:] for u in UPDATES], ids=[u[0] for u in UPDATES])
def test_validate_update(kind, fn, expected):
    old = workload(kind)
    new = copy.deepcopy(old)
    fn(new)
    assert validate_update(rt_for(kind), new, old) == expected


STATUS = [
    ("ok", {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2}, []),
    ("ready-above-replicas", {"replicas": 1, "readyReplicas": 2, "availableReplicas": 1}, [
        c("FieldValueInvalid", "status.readyReplicas", "Invalid value: 2: cannot be greater than status.replicas")]),
    ("negative", {"replicas": -1}, [
        c("FieldValueInvalid", "status.replicas", "Invalid value: -1: must be greater than or equal to 0")]),
]


@pytest.mark.parametrize("status,expected", [s[1:] for s in STATUS], ids=[s[0] for s in STATUS])
def test_status_update(status, expected):
    old = workload("Deployment")
    new = copy.deepcopy(old)
    new["status"] = status
    assert validate_update(rt_for("Deployment"), new, old, subresource="status") == expected


@pytest.mark.parametrize("replicas,expected", [
    (3, []), (-2, [c("FieldValueInvalid", "spec.replicas", "Invalid value: -2: must be greater than or equal to 0")])],
    ids=["ok", "negative"])
def test_scale_subresource(replicas, expected):
    scale = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"}, "spec": {"replicas": replicas}}
    assert validate_update(rt_for("Deployment"), scale, workload("Deployment"), subresource="scale") == expected
