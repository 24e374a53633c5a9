"""Decode-time defaults and create-time status match what a v1.32 API server stores."""
from __future__ import annotations

import copy
import re

import pytest

from simulation.apiserver.defaults import (apply_defaults, default_pull_policy, pod_qos_class, prepare_for_create)
from simulation.apiserver.errors import StatusError
from tests.simulation.apiserver.fakes import rt_for

MISSING = object()


def dig(obj, path: str):
    """``spec.containers[0].name`` -> value, or MISSING."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(obj, list) or index >= len(obj):
                return MISSING
            obj = obj[index]
        else:
            if not isinstance(obj, dict) or part not in obj:
                return MISSING
            obj = obj[part]
    return obj


def pod(**container):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx", **container}]}}


def template(**spec):
    return {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}],
                                                          **spec}}


CASES = [
    ("pod-spec-defaults", "Pod", pod(), {
        "spec.restartPolicy": "Always", "spec.dnsPolicy": "ClusterFirst", "spec.schedulerName": "default-scheduler",
        "spec.terminationGracePeriodSeconds": 30, "spec.securityContext": {}, "spec.enableServiceLinks": True,
        "status.phase": "Pending", "spec.priority": MISSING, "spec.tolerations": MISSING}),
    ("pod-container-defaults", "Pod", pod(ports=[{"containerPort": 80}]), {
        "spec.containers[0].imagePullPolicy": "Always",
        "spec.containers[0].terminationMessagePath": "/dev/termination-log",
        "spec.containers[0].terminationMessagePolicy": "File",
        "spec.containers[0].resources": {}, "spec.containers[0].ports[0].protocol": "TCP",
        "spec.containers[0].ports[0].hostPort": MISSING}),
    ("pull-policy-tagged", "Pod", pod(image="nginx:1.27"), {"spec.containers[0].imagePullPolicy": "IfNotPresent"}),
    ("pull-policy-latest", "Pod", pod(image="nginx:latest"), {"spec.containers[0].imagePullPolicy": "Always"}),
    ("pull-policy-kept", "Pod", pod(imagePullPolicy="Never"), {"spec.containers[0].imagePullPolicy": "Never"}),
    ("user-values-kept", "Pod", {**pod(), "spec": {**pod()["spec"], "restartPolicy": "Never",
                                                   "terminationGracePeriodSeconds": 0}},
     {"spec.restartPolicy": "Never", "spec.terminationGracePeriodSeconds": 0}),
    ("requests-default-to-limits", "Pod", pod(resources={"limits": {"cpu": "0.5", "memory": "1024Mi"},
                                                         "requests": {"cpu": "100m"}}), {
        "spec.containers[0].resources.limits": {"cpu": "500m", "memory": "1Gi"},
        "spec.containers[0].resources.requests": {"cpu": "100m", "memory": "1Gi"}}),
    ("quantities-rounded-to-milli", "Pod", pod(resources={"requests": {"cpu": "0.0001"}}),
     {"spec.containers[0].resources.requests.cpu": "1m"}),
    ("host-network-host-ports", "Pod", {**pod(ports=[{"containerPort": 8080}]),
                                         "spec": {**pod(ports=[{"containerPort": 8080}])["spec"], "hostNetwork": True}},
     {"spec.containers[0].ports[0].hostPort": 8080}),
    ("probe-defaults", "Pod", pod(livenessProbe={"httpGet": {"port": 80}}), {
        "spec.containers[0].livenessProbe.timeoutSeconds": 1, "spec.containers[0].livenessProbe.periodSeconds": 10,
        "spec.containers[0].livenessProbe.successThreshold": 1,
        "spec.containers[0].livenessProbe.failureThreshold": 3,
        "spec.containers[0].livenessProbe.httpGet.path": "/", "spec.containers[0].livenessProbe.httpGet.scheme": "HTTP"}),
    ("volume-defaults", "Pod", {**pod(), "spec": {**pod()["spec"], "volumes": [
        {"name": "a"}, {"name": "b", "configMap": {"name": "cm"}}]}}, {
        "spec.volumes[0].emptyDir": {}, "spec.volumes[1].configMap.defaultMode": 420}),
    ("deployment", "Deployment", {"metadata": {"name": "d"}, "spec": {"template": template()}}, {
        "spec.replicas": 1, "spec.strategy.type": "RollingUpdate", "spec.strategy.rollingUpdate.maxSurge": "25%",
        "spec.strategy.rollingUpdate.maxUnavailable": "25%", "spec.revisionHistoryLimit": 10,
        "spec.progressDeadlineSeconds": 600, "spec.template.spec.restartPolicy": "Always",
        "spec.template.spec.containers[0].imagePullPolicy": "IfNotPresent",
        "spec.template.spec.enableServiceLinks": MISSING, "status": MISSING}),
    ("deployment-recreate", "Deployment", {"metadata": {"name": "d"}, "spec": {"strategy": {"type": "Recreate"},
                                                                               "replicas": 0}},
     {"spec.strategy": {"type": "Recreate"}, "spec.replicas": 0}),
    ("replicaset", "ReplicaSet", {"metadata": {"name": "r"}, "spec": {"template": template()}}, {
        "spec.replicas": 1, "spec.template.spec.dnsPolicy": "ClusterFirst"}),
    ("daemonset", "DaemonSet", {"metadata": {"name": "ds"}, "spec": {"template": template()}}, {
        "spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "spec.revisionHistoryLimit": 10}),
    ("service", "Service", {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}, {
        "spec.type": "ClusterIP", "spec.sessionAffinity": "None", "spec.ports[0].protocol": "TCP",
        "spec.ports[0].targetPort": 80, "spec.internalTrafficPolicy": "Cluster", "spec.ipFamilies": ["IPv4"],
        "spec.ipFamilyPolicy": "SingleStack", "spec.externalTrafficPolicy": MISSING}),
    ("service-named-target-port", "Service", {"metadata": {"name": "s"}, "spec": {"ports": [
        {"port": 80, "targetPort": "http"}]}}, {"spec.ports[0].targetPort": "http"}),
    ("service-nodeport", "Service", {"metadata": {"name": "s"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}},
     {"spec.externalTrafficPolicy": "Cluster"}),
    ("service-loadbalancer", "Service", {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}},
     {"spec.allocateLoadBalancerNodePorts": True, "spec.externalTrafficPolicy": "Cluster"}),
    ("service-client-ip", "Service", {"metadata": {"name": "s"}, "spec": {"sessionAffinity": "ClientIP"}},
     {"spec.sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}),
    ("service-external-name", "Service", {"metadata": {"name": "s"}, "spec": {"type": "ExternalName",
                                                                             "externalName": "example.com"}},
     {"spec.ipFamilies": MISSING, "spec.internalTrafficPolicy": MISSING}),
    ("namespace", "Namespace", {"metadata": {"name": "team-a"}}, {
        "metadata.labels": {"kubernetes.io/metadata.name": "team-a"}, "status.phase": "Active",
        "spec.finalizers": MISSING}),
    ("secret", "Secret", {"metadata": {"name": "s"}, "stringData": {"user": "admin"}}, {
        "type": "Opaque", "data.user": "YWRtaW4=", "stringData": MISSING}),
    ("node", "Node", {"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "4", "memory": "8192Mi"}}}, {
        "status.allocatable": {"cpu": "4", "memory": "8Gi"}}),
    ("resource-quota", "ResourceQuota", {"metadata": {"name": "q"}, "spec": {"hard": {"cpu": "1.5", "pods": "10"}}},
     {"spec.hard": {"cpu": "1500m", "pods": "10"}}),
    ("limit-range", "LimitRange", {"metadata": {"name": "l"}, "spec": {"limits": [
        {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}},
        {"type": "Pod", "max": {"cpu": "4"}}]}}, {
        "spec.limits[0].default": {"cpu": "2"}, "spec.limits[0].defaultRequest": {"cpu": "2", "memory": "64Mi"},
        "spec.limits[1].default": MISSING}),
    ("role-binding", "RoleBinding", {"metadata": {"name": "rb"}, "roleRef": {"kind": "Role", "name": "r"},
                                     "subjects": [{"kind": "User", "name": "alice"},
                                                  {"kind": "ServiceAccount", "name": "sa", "namespace": "x"}]}, {
        "roleRef.apiGroup": "rbac.authorization.k8s.io", "subjects[0].apiGroup": "rbac.authorization.k8s.io",
        "subjects[1].apiGroup": MISSING}),
    ("endpoints", "Endpoints", {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 80}]}]},
     {"subsets[0].ports[0].protocol": "TCP"}),
    ("configmap-untouched", "ConfigMap", {"metadata": {"name": "c"}}, {"data": MISSING}),
]


@pytest.mark.parametrize("kind,obj,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_apply_defaults(kind, obj, expected):
    obj = copy.deepcopy(obj)
    apply_defaults(rt_for(kind), obj)
    for path, value in expected.items():
        assert dig(obj, path) == value, path


@pytest.mark.parametrize("kind,obj", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_apply_defaults_is_idempotent(kind, obj):
    once = copy.deepcopy(obj)
    apply_defaults(rt_for(kind), once)
    twice = copy.deepcopy(once)
    apply_defaults(rt_for(kind), twice)
    assert twice == once


def test_bad_quantity_is_a_decode_error():
    obj = pod(resources={"limits": {"cpu": "two"}})
    with pytest.raises(StatusError) as info:
        apply_defaults(rt_for("Pod"), obj)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    assert info.value.message == ('Pod in version "v1" cannot be handled as a Pod: quantities must match the regular '
                                  "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


PULL = [("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
        ("registry:5000/team/app", "Always"), ("registry:5000/team/app:v2", "IfNotPresent"),
        ("nginx@sha256:abcd", "IfNotPresent"), ("nginx:latest@sha256:abcd", "Always")]


@pytest.mark.parametrize("image,policy", PULL, ids=[p[0] for p in PULL])
def test_default_pull_policy(image, policy):
    assert default_pull_policy(image) == policy


def res(requests=None, limits=None):
    out = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


QOS = [
    ("best-effort", [{}], "BestEffort"),
    ("guaranteed", [res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
    ("guaranteed-equal-values-different-spelling", [res({"cpu": "1000m", "memory": "1Gi"},
                                                        {"cpu": "1", "memory": "1024Mi"})], "Guaranteed"),
    ("burstable-requests-only", [res({"cpu": "100m"})], "Burstable"),
    ("burstable-lower-request", [res({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Burstable"),
    ("burstable-one-container-without-limits", [res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}),
                                                {}], "Burstable"),
    ("zero-requests-are-best-effort", [res({"cpu": "0"})], "BestEffort"),
    ("other-resources-ignored", [res({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "1"})], "BestEffort"),
]


@pytest.mark.parametrize("containers,qos", [q[1:] for q in QOS], ids=[q[0] for q in QOS])
def test_pod_qos_class(containers, qos):
    obj = {"spec": {"containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(containers)]}}
    assert pod_qos_class(obj) == qos


PREPARE = [
    ("pod-status-reset", "Pod", {**pod(resources={"limits": {"cpu": "1", "memory": "1Gi"},
                                                  "requests": {"cpu": "1", "memory": "1Gi"}}),
                                 "status": {"phase": "Running", "podIP": "10.0.0.1"}},
     {"status": {"phase": "Pending", "qosClass": "Guaranteed"}}),
    ("namespace-finalizer", "Namespace", {"metadata": {"name": "n"}},
     {"spec.finalizers": ["kubernetes"], "status": {"phase": "Active"}}),
    ("namespace-finalizer-appended", "Namespace", {"metadata": {"name": "n"}, "spec": {"finalizers": ["x.io/y"]}},
     {"spec.finalizers": ["x.io/y", "kubernetes"]}),
    ("other-kinds-untouched", "ConfigMap", {"metadata": {"name": "c"}}, {"status": MISSING}),
]


@pytest.mark.parametrize("kind,obj,expected", [p[1:] for p in PREPARE], ids=[p[0] for p in PREPARE])
def test_prepare_for_create(kind, obj, expected):
    obj = copy.deepcopy(obj)
    prepare_for_create(rt_for(kind), obj)
    for path, value in expected.items():
        assert dig(obj, path) == value, path


def test_namespace_finalizer_is_not_a_decode_default():
    """The namespace controller removes ``kubernetes`` through /finalize; decoding must not re-add it."""
    obj = {"metadata": {"name": "n"}, "spec": {"finalizers": []}}
    apply_defaults(rt_for("Namespace"), obj)
    assert obj["spec"]["finalizers"] == []
