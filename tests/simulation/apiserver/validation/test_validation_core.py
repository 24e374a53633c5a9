"""Namespace, Service, ConfigMap, Secret, Node, quota, limits, Event, Endpoints, Lease."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.validation import validate_create, validate_update
from tests.simulation.apiserver.fakes import rt_for

LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
         "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
           "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
           "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def c(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "field": path, "message": message}


def obj(kind: str, name: str = "x", ns: str | None = "default", **body) -> dict:
    meta = {"name": name}
    if ns:
        meta["namespace"] = ns
    out = {"kind": kind, "metadata": meta, **body}
    apply_defaults(rt_for(kind), out)
    return out


CREATE = [
    ("namespace-ok", obj("Namespace", "team-a", None), []),
    ("namespace-label-name", obj("Namespace", "team.a", None),
     [c("FieldValueInvalid", "metadata.name", 'Invalid value: "team.a": must not contain dots')]),
    ("namespace-bad-name", obj("Namespace", "Team", None),
     [c("FieldValueInvalid", "metadata.name", 'Invalid value: "Team": ' + LABEL)]),
    ("namespace-finalizer", obj("Namespace", "n", None, spec={"finalizers": ["foo"]}), [c(
        "FieldValueInvalid", "spec.finalizers",
        'Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified')]),
    ("service-ok", obj("Service", "web", spec={"selector": {"app": "web"}, "ports": [{"port": 80}]}), []),
    ("service-dns1035-name", obj("Service", "1web", spec={"ports": [{"port": 80}]}),
     [c("FieldValueInvalid", "metadata.name", 'Invalid value: "1web": ' + DNS1035)]),
    ("service-ports-required", obj("Service", "web", spec={}), [c("FieldValueRequired", "spec.ports", "Required value")]),
    ("service-headless-without-ports", obj("Service", "web", spec={"clusterIP": "None"}), []),
    ("service-port-name-required", obj("Service", "web", spec={"ports": [{"port": 80}, {"port": 443, "name": "https"}]}),
     [c("FieldValueRequired", "spec.ports[0].name", "Required value")]),
    ("service-port-range", obj("Service", "web", spec={"ports": [{"port": 0, "targetPort": 80}]}), [c(
        "FieldValueInvalid", "spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive")]),
    ("service-type", obj("Service", "web", spec={"type": "Internal", "ports": [{"port": 80}]}), [c(
        "FieldValueNotSupported", "spec.type",
        'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')]),
    ("service-nodeport-on-clusterip", obj("Service", "web", spec={"ports": [{"port": 80, "nodePort": 30080}]}), [c(
        "FieldValueForbidden", "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'")]),
    ("service-duplicate-port", obj("Service", "web", spec={"ports": [{"port": 80, "name": "a"},
                                                                    {"port": 80, "name": "b"}]}), [c(
        "FieldValueDuplicate", "spec.ports[1]",
        'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, '
        'TargetPort:intstr.IntOrString{Type:0, IntVal:80, StrVal:""}, NodePort:0}')]),
    ("service-selector", obj("Service", "web", spec={"selector": {"app": "a b"}, "ports": [{"port": 80}]}), [c(
        "FieldValueInvalid", "spec.selector",
        "Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', "
        "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]),
    ("service-external-name-required", obj("Service", "web", spec={"type": "ExternalName"}),
     [c("FieldValueRequired", "spec.externalName", "Required value")]),
    ("configmap-key", obj("ConfigMap", "cm", data={"bad key": "v"}), [c(
        "FieldValueInvalid", "data[bad key]",
        "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
        "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")]),
    ("configmap-duplicate-binary-key", obj("ConfigMap", "cm", data={"a": "1"}, binaryData={"a": "MQ=="}), [c(
        "FieldValueInvalid", "data[a]", 'Invalid value: "a": duplicate of key present in binaryData')]),
    ("configmap-too-big", obj("ConfigMap", "cm", data={"a": "x" * (1024 * 1024 + 1)}),
     [c("FieldValueTooLong", "[]", "Too long: may not be more than 1048576 bytes")]),
    ("secret-ok", obj("Secret", "s", stringData={"password": "hunter2"}), []),
    ("secret-tls-keys", obj("Secret", "s", type="kubernetes.io/tls", data={}), [
        c("FieldValueRequired", "data[tls.crt]", "Required value"),
        c("FieldValueRequired", "data[tls.key]", "Required value")]),
    ("secret-sa-token", obj("Secret", "s", type="kubernetes.io/service-account-token"), [c(
        "FieldValueRequired", "metadata.annotations[kubernetes.io/service-account.name]", "Required value")]),
    ("serviceaccount-ok", obj("ServiceAccount", "builder"), []),
    ("node-ok", obj("Node", "node-1", None, status={"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}), []),
    ("node-taint", obj("Node", "node-1", None, spec={"taints": [{"key": "k", "effect": "NoRun"}]}), [c(
        "FieldValueNotSupported", "metadata.taints[0].effect",
        'Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"')]),
    ("node-duplicate-taint", obj("Node", "node-1", None, spec={"taints": [
        {"key": "k", "effect": "NoSchedule"}, {"key": "k", "value": "v", "effect": "NoSchedule"}]}), [c(
        "FieldValueDuplicate", "metadata.taints[1]",
        'Duplicate value: core.Taint{Key:"k", Value:"v", Effect:"NoSchedule", TimeAdded:<nil>}: taints must be '
        "unique by key and effect pair")]),
    ("node-negative-capacity", obj("Node", "node-1", None, status={"capacity": {"cpu": "-1"}}), [
        c("FieldValueInvalid", "status.capacity.cpu", 'Invalid value: "-1": must be greater than or equal to 0'),
        # allocatable defaults to capacity, so it is reported too
        c("FieldValueInvalid", "status.allocatable.cpu", 'Invalid value: "-1": must be greater than or equal to 0')]),
    ("quota-ok", obj("ResourceQuota", "q", spec={"hard": {"pods": "10", "requests.cpu": "4", "count/deployments.apps":
                                                          "2"}}), []),
    ("quota-resource-name", obj("ResourceQuota", "q", spec={"hard": {"gpus": "1"}}), [
        c("FieldValueInvalid", "spec.hard[gpus]", "Invalid value: gpus: must be a standard resource type or fully "
          "qualified"),
        c("FieldValueInvalid", "spec.hard[gpus]", "Invalid value: gpus: must be a standard resource for quota")]),
    ("quota-integer", obj("ResourceQuota", "q", spec={"hard": {"pods": "1.5"}}),
     [c("FieldValueInvalid", "spec.hard[pods]", "Invalid value: 1500m: must be an integer")]),
    ("quota-conflicting-scopes", obj("ResourceQuota", "q", spec={"hard": {"pods": "1"},
                                                                 "scopes": ["BestEffort", "NotBestEffort"]}),
     [c("FieldValueInvalid", "spec.scopes", 'Invalid value: []string{"BestEffort", "NotBestEffort"}: conflicting '
        "scopes")]),
    ("limitrange-ok", obj("LimitRange", "l", spec={"limits": [{"type": "Container", "default": {"cpu": "500m"}}]}), []),
    ("limitrange-min-above-max", obj("LimitRange", "l", spec={"limits": [{"type": "Container", "min": {"cpu": "2"},
                                                                           "max": {"cpu": "1"}}]}), [
        c("FieldValueInvalid", "spec.limits[0].min[cpu]", "Invalid value: 2: min value 2 is greater than max value 1"),
        c("FieldValueInvalid", "spec.limits[0].defaultRequest[cpu]",
          "Invalid value: 1: min value 2 is greater than default request value 1"),
        c("FieldValueInvalid", "spec.limits[0].default[cpu]",
          "Invalid value: 2: min value 2 is greater than default value 1")]),
    ("limitrange-pod-default", obj("LimitRange", "l", spec={"limits": [{"type": "Pod", "default": {"cpu": "1"}}]}),
     [c("FieldValueForbidden", "spec.limits[0].default", "Forbidden: may not be specified when `type` is 'Pod'")]),
    ("limitrange-duplicate-type", obj("LimitRange", "l", spec={"limits": [{"type": "Pod"}, {"type": "Pod"}]}),
     [c("FieldValueDuplicate", "spec.limits[1].type", 'Duplicate value: "Pod"')]),
    ("event-namespace-mismatch", obj("Event", "e.1", involvedObject={"kind": "Pod", "namespace": "other"}), [c(
        "FieldValueInvalid", "involvedObject.namespace", 'Invalid value: "other": does not match event.namespace')]),
    ("event-ok", obj("Event", "e.1", involvedObject={"kind": "Pod", "namespace": "default"}, reason="Pulled"), []),
    ("endpoints-ip", obj("Endpoints", "web", subsets=[{"addresses": [{"ip": "10.0.0.300"}], "ports": [{"port": 80}]}]),
     [c("FieldValueInvalid", "subsets[0].addresses[0].ip",
        'Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')]),
    ("lease-duration", obj("Lease", "kube-scheduler", spec={"leaseDurationSeconds": 0}),
     [c("FieldValueInvalid", "spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0")]),
    ("lease-ok", obj("Lease", "kube-scheduler", spec={"holderIdentity": "a", "leaseDurationSeconds": 15}), []),
]


@pytest.mark.parametrize("body,expected", [x[1:] for x in CREATE], ids=[x[0] for x in CREATE])
def test_validate_create(body, expected):
    assert validate_create(rt_for(body["kind"]), body) == expected


def change(body: dict, **top) -> dict:
    new = copy.deepcopy(body)
    new.update(top)
    return new


IMMUTABLE_CM = obj("ConfigMap", "cm", data={"a": "1"}, immutable=True)
IMMUTABLE_SECRET = obj("Secret", "s", data={"a": "MQ=="}, immutable=True)
SERVICE = obj("Service", "web", spec={"ports": [{"port": 80}], "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"]})
BINDING_SERVICE = change(SERVICE, spec={**SERVICE["spec"], "clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"]})

UPDATES = [
    ("configmap-immutable-data", IMMUTABLE_CM, change(IMMUTABLE_CM, data={"a": "2"}),
     [c("FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set")]),
    ("configmap-immutable-flag", IMMUTABLE_CM, change(IMMUTABLE_CM, immutable=False),
     [c("FieldValueForbidden", "immutable", "Forbidden: field is immutable when `immutable` is set")]),
    ("configmap-immutable-labels-ok", IMMUTABLE_CM, change(IMMUTABLE_CM, metadata={**IMMUTABLE_CM["metadata"],
                                                                                    "labels": {"a": "b"}}), []),
    ("configmap-mutable", obj("ConfigMap", "cm", data={"a": "1"}), obj("ConfigMap", "cm", data={"a": "2"}), []),
    ("secret-immutable-data", IMMUTABLE_SECRET, change(IMMUTABLE_SECRET, data={"a": "Mg=="}),
     [c("FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set")]),
    ("secret-type", obj("Secret", "s"), change(obj("Secret", "s"), type="kubernetes.io/basic-auth",
                                               data={"username": "YQ=="}),
     [c("FieldValueInvalid", "type", 'Invalid value: "kubernetes.io/basic-auth": field is immutable')]),
    ("service-cluster-ip", SERVICE, BINDING_SERVICE, [c(
        "FieldValueInvalid", "spec.clusterIPs[0]", 'Invalid value: []string{"10.96.0.11"}: may not change once set')]),
    ("quota-scopes", obj("ResourceQuota", "q", spec={"hard": {"pods": "1"}, "scopes": ["BestEffort"]}),
     obj("ResourceQuota", "q", spec={"hard": {"pods": "1"}, "scopes": ["NotBestEffort"]}),
     [c("FieldValueInvalid", "spec.scopes", 'Invalid value: []string{"NotBestEffort"}: field is immutable')]),
    ("node-provider-id", obj("Node", "n", None, spec={"providerID": "sim://n"}),
     obj("Node", "n", None, spec={"providerID": "sim://m"}), [c(
        "FieldValueForbidden", "spec.providerID",
        'Forbidden: node updates may not change providerID except from "" to valid')]),
    ("node-unschedulable-ok", obj("Node", "n", None), obj("Node", "n", None, spec={"unschedulable": True}), []),
]


@pytest.mark.parametrize("old,new,expected", [u[1:] for u in UPDATES], ids=[u[0] for u in UPDATES])
def test_validate_update(old, new, expected):
    assert validate_update(rt_for(new["kind"]), new, old) == expected


NAMESPACE_STATUS = [
    ("active", {}, "Active", []),
    ("terminating-needs-deletion", {}, "Terminating", [c(
        "FieldValueInvalid", "status.Phase", "Invalid value: \"Terminating\": may only be 'Active' if "
        "`deletionTimestamp` is empty")]),
    ("deleting", {"deletionTimestamp": "2024-01-01T00:00:00Z"}, "Terminating", []),
]


@pytest.mark.parametrize("meta,phase,expected", [n[1:] for n in NAMESPACE_STATUS], ids=[n[0] for n in NAMESPACE_STATUS])
def test_namespace_status(meta, phase, expected):
    old = obj("Namespace", "n", None)
    new = copy.deepcopy(old)
    new["metadata"].update(meta)
    new["status"] = {"phase": phase}
    assert validate_update(rt_for("Namespace"), new, old, subresource="status") == expected


def test_namespace_finalize_checks_each_finalizer():
    old = obj("Namespace", "n", None, spec={"finalizers": ["kubernetes"]})
    new = change(old, spec={"finalizers": ["bogus"]})
    assert validate_update(rt_for("Namespace"), new, old, subresource="finalize") == [c(
        "FieldValueInvalid", "spec.finalizers[0]",
        'Invalid value: "bogus": name is neither a standard finalizer name nor is it fully qualified')]


def test_quota_status_update():
    old = obj("ResourceQuota", "q", spec={"hard": {"pods": "2"}})
    new = change(old, status={"hard": {"pods": "2"}, "used": {"pods": "-1"}})
    assert validate_update(rt_for("ResourceQuota"), new, old, subresource="status") == [c(
        "FieldValueInvalid", "status.used[pods]", 'Invalid value: "-1": must be greater than or equal to 0')]


def test_event_update_through_the_core_api_checks_only_the_legacy_rules():
    """Upstream's ``ValidateEventUpdate`` for ``v1`` stops after ``legacyValidateEvent``: counts,
    times and even the reason may change; only the events.k8s.io API holds them immutable."""
    old = obj("Event", "e.1", involvedObject={"kind": "Pod", "namespace": "default"}, reason="Pulled", count=1)
    assert validate_update(rt_for("Event"), change(old, count=2, lastTimestamp="2024-01-01T00:00:01Z"), old) == []
    assert validate_update(rt_for("Event"), change(old, reason="Killing"), old) == []
    assert validate_update(rt_for("Event"), change(old, involvedObject={"kind": "Pod", "namespace": "other"}),
                           old) == [c("FieldValueInvalid", "involvedObject.namespace",
                                      'Invalid value: "other": does not match event.namespace')]
