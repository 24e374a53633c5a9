"""PriorityClass and PodDisruptionBudget validation in upstream's words and order
(``pkg/apis/scheduling/validation/validation.go``, ``pkg/apis/core/validation``'s
``ValidatePreemptionPolicy``, ``pkg/apis/policy/validation/validation.go``)."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.validation import validate_create, validate_update
from tests.simulation.apiserver.fakes import rt_for


def c(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "field": path, "message": message}


def priority_class(name: str = "high", **body) -> dict:
    out = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
           "value": 1000, **body}
    apply_defaults(rt_for("PriorityClass"), out)
    return out


def pdb(**spec) -> dict:
    out = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}
    apply_defaults(rt_for("PodDisruptionBudget"), out)
    return out


PRIORITY_CREATE = [
    ("ok", priority_class(), []),
    ("above-user-range", priority_class(value=1_000_000_001), [c(
        "FieldValueForbidden", "value", "Forbidden: maximum allowed value of a user defined priority is 1000000000")]),
    ("unknown-system-name", priority_class("system-high", value=10), [c(
        "FieldValueForbidden", "metadata.name", "Forbidden: priority class names with 'system-' prefix are reserved "
        "for system use only. error: system-high is not a known system priority class")]),
    ("system-class-value", priority_class("system-node-critical", value=10), [c(
        "FieldValueForbidden", "metadata.name", "Forbidden: priority class names with 'system-' prefix are reserved "
        "for system use only. error: value of system-node-critical PriorityClass must be 2000001000")]),
    ("empty-preemption-policy", priority_class(preemptionPolicy=""), [c(
        "FieldValueRequired", "preemptionPolicy", "Required value")]),
    ("unknown-preemption-policy", priority_class(preemptionPolicy="Sometimes"), [c(
        "FieldValueNotSupported", "preemptionPolicy",
        'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"')]),
]


@pytest.mark.parametrize("obj,expected", [case[1:] for case in PRIORITY_CREATE], ids=[case[0] for case in PRIORITY_CREATE])
def test_priority_class_create(obj, expected):
    assert validate_create(rt_for("PriorityClass"), obj) == expected


def test_priority_class_value_and_preemption_policy_are_immutable():
    old = priority_class()
    old["metadata"]["resourceVersion"] = "1"
    new = copy.deepcopy(old)
    new.update(value=2000, preemptionPolicy="Never", description="updated")
    assert validate_update(rt_for("PriorityClass"), new, old) == [
        c("FieldValueForbidden", "value", "Forbidden: may not be changed in an update."),
        c("FieldValueInvalid", "preemptionPolicy", 'Invalid value: "Never": field is immutable')]


def test_pod_preemption_policy_uses_the_same_rule():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "app", "image": "nginx"}], "preemptionPolicy": ""}}
    apply_defaults(rt_for("Pod"), pod)
    assert c("FieldValueRequired", "spec.preemptionPolicy", "Required value") in validate_create(rt_for("Pod"), pod)


PDB_CREATE = [
    ("ok", pdb(minAvailable=1), []),
    ("negative", pdb(minAvailable=-1), [c(
        "FieldValueInvalid", "spec.minAvailable", "Invalid value: -1: must be greater than or equal to 0")]),
    ("over-100-percent", pdb(maxUnavailable="120%"), [c(
        "FieldValueInvalid", "spec.maxUnavailable",
        'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%')]),
    ("both-set", pdb(minAvailable=1, maxUnavailable=1), [c(
        "FieldValueInvalid", "spec", "Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)"
        "(0xc000010000), Selector:(*v1.LabelSelector)(0xc000010008), MaxUnavailable:(*intstr.IntOrString)"
        "(0xc000010010), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: "
        "minAvailable and maxUnavailable cannot be both set")]),
    ("selector-before-eviction-policy",
     pdb(minAvailable=1, unhealthyPodEvictionPolicy="Never",
         selector={"matchExpressions": [{"key": "app", "operator": "Within", "values": ["web"]}]}),
     [c("FieldValueInvalid", "spec.selector.matchExpressions[0].operator",
        'Invalid value: "Within": not a valid selector operator'),
      c("FieldValueNotSupported", "spec.unhealthyPodEvictionPolicy",
        'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"')]),
]


@pytest.mark.parametrize("obj,expected", [case[1:] for case in PDB_CREATE], ids=[case[0] for case in PDB_CREATE])
def test_pod_disruption_budget_create(obj, expected):
    assert validate_create(rt_for("PodDisruptionBudget"), obj) == expected


def test_pod_disruption_budget_status_counts_are_not_negative():
    old = pdb(minAvailable=1)
    old["metadata"]["resourceVersion"] = "1"
    new = copy.deepcopy(old)
    new["status"] = {"disruptionsAllowed": -1, "currentHealthy": 0, "desiredHealthy": 1, "expectedPods": 1}
    assert validate_update(rt_for("PodDisruptionBudget"), new, old, subresource="status") == [c(
        "FieldValueInvalid", "status.disruptionsAllowed", "Invalid value: -1: must be greater than or equal to 0")]
