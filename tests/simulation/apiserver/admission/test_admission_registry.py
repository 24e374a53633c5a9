"""The plugin list, and the whole write path a pod takes through it."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.admission import CREATE
from simulation.apiserver.admission.registry import MUTATING, PLUGINS, VALIDATING
from simulation.apiserver.defaults import apply_defaults, prepare_for_create
from simulation.apiserver.errors import StatusError, invalid
from simulation.apiserver.validation import validate_create
from tests.simulation.apiserver.fakes import FakeReader, attrs, namespace, pod, rt_for


def test_upstream_order():
    assert [p.name for p in MUTATING] == ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "AlwaysPullImages",
                                          "Priority", "DefaultTolerationSeconds", "DefaultIngressClass"]
    assert [p.name for p in VALIDATING] == ["LimitRanger", "ResourceQuota"]
    assert PLUGINS["LimitRanger"] is MUTATING[1] is VALIDATING[0]


@pytest.mark.parametrize("plugin", MUTATING, ids=[p.name for p in MUTATING])
def test_mutating_plugins_implement_admit(plugin):
    assert callable(plugin.handles) and callable(plugin.admit)


@pytest.mark.parametrize("plugin", VALIDATING, ids=[p.name for p in VALIDATING])
def test_validating_plugins_implement_validate(plugin):
    assert callable(plugin.handles) and callable(plugin.validate)


def create_pod(obj: dict, reader: FakeReader, options: dict | None = None) -> dict:
    """decode -> defaults -> mutating admission -> prepare -> validation -> validating admission, as the server does."""
    rt = rt_for("Pod")
    obj = copy.deepcopy(obj)
    apply_defaults(rt, obj)
    a = attrs(CREATE, obj, reader, options=options)
    for plugin in MUTATING:
        if plugin.handles(a):
            plugin.admit(a)
    prepare_for_create(rt, obj)
    causes = validate_create(rt, obj)
    if causes:
        raise invalid("Pod", "", obj["metadata"]["name"], causes)
    for plugin in VALIDATING:
        if plugin.handles(a):
            plugin.validate(a)
    return obj


def cluster() -> FakeReader:
    return FakeReader(
        namespace("default"),
        {"kind": "LimitRange", "metadata": {"name": "defaults", "namespace": "default"},
         "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                              "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}},
        {"kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": "default"},
         "spec": {"hard": {"pods": "2", "requests.cpu": "1", "limits.memory": "1Gi"}}},
    )


def test_a_plain_pod_comes_out_like_a_real_clusters():
    reader = cluster()
    stored = create_pod(pod("web"), reader)
    spec = stored["spec"]
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "256Mi"},
                                                  "requests": {"cpu": "100m", "memory": "128Mi"}}
    assert spec["serviceAccountName"] == "default"
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert [t["key"] for t in spec["tolerations"]] == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
    assert stored["status"] == {"phase": "Pending", "qosClass": "Burstable"}
    assert reader.get("resourcequotas", "default", "compute")["status"] == {
        "hard": {"pods": "2", "requests.cpu": "1", "limits.memory": "1Gi"},
        "used": {"pods": "1", "requests.cpu": "100m", "limits.memory": "256Mi"}}


def test_missing_namespace_answers_before_validation():
    with pytest.raises(StatusError) as info:
        create_pod({"kind": "Pod", "metadata": {"name": "x", "namespace": "nope"}, "spec": {}}, cluster())
    assert (info.value.code, info.value.message) == (404, 'namespaces "nope" not found')


def test_invalid_pod_is_refused_by_validation_not_quota():
    bad = pod("web")
    bad["spec"]["containers"][0]["image"] = ""
    with pytest.raises(StatusError) as info:
        create_pod(bad, cluster())
    assert (info.value.code, info.value.message) == (422, 'Pod "web" is invalid: spec.containers[0].image: '
                                                          "Required value")


def test_quota_refuses_the_third_pod():
    reader = cluster()
    for name in ("a", "b"):
        reader.add(create_pod(pod(name), reader))
    with pytest.raises(StatusError) as info:
        create_pod(pod("c"), reader)
    assert info.value.message == ('pods "c" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, '
                                  "limited: pods=2")
