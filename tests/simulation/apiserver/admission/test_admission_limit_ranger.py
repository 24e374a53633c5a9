"""LimitRanger: defaults in the mutating phase, min/max/ratio in the validating phase."""
from __future__ import annotations

import pytest

from simulation.apiserver.admission import CREATE, UPDATE
from simulation.apiserver.admission.limit_ranger import LimitRanger
from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.errors import StatusError
from tests.simulation.apiserver.fakes import FakeReader, attrs, pod, rt_for

PLUGIN = LimitRanger()


def limit_range(*items: dict, name: str = "limits") -> dict:
    obj = {"kind": "LimitRange", "metadata": {"name": name, "namespace": "default"}, "spec": {"limits": list(items)}}
    apply_defaults(rt_for("LimitRange"), obj)
    return obj


def admit_and_validate(obj: dict, *ranges: dict) -> dict:
    a = attrs(CREATE, obj, FakeReader(*ranges))
    assert PLUGIN.handles(a)
    PLUGIN.admit(a)
    PLUGIN.validate(a)
    return a.object


def admit_only(obj: dict, *ranges: dict) -> dict:
    a = attrs(CREATE, obj, FakeReader(*ranges))
    PLUGIN.admit(a)
    return a.object


def resources(obj: dict, index: int = 0) -> dict:
    return obj["spec"]["containers"][index]["resources"]


DEFAULTS = [
    ("no-limit-ranges", [], {}, {}, None),
    ("default-request-and-limit", [limit_range({"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                                                "defaultRequest": {"cpu": "100m"}})],
     {"cpu": "100m", "memory": "256Mi"}, {"cpu": "500m", "memory": "256Mi"},
     "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app"),
    ("default-from-max", [limit_range({"type": "Container", "max": {"cpu": "1"}})], {"cpu": "1"}, {"cpu": "1"},
     "LimitRanger plugin set: cpu request for container app; cpu limit for container app"),
    ("pod-limits-ignored-for-defaults", [limit_range({"type": "Pod", "max": {"cpu": "4"}})], {}, {}, None),
]


@pytest.mark.parametrize("ranges,requests,limits,annotation", [d[1:] for d in DEFAULTS], ids=[d[0] for d in DEFAULTS])
def test_defaults(ranges, requests, limits, annotation):
    out = admit_only(pod(), *ranges)
    assert resources(out).get("requests", {}) == requests
    assert resources(out).get("limits", {}) == limits
    assert (out["metadata"].get("annotations") or {}).get("kubernetes.io/limit-ranger") == annotation


def test_explicit_values_win():
    obj = pod(requests={"cpu": "50m"}, limits={"cpu": "200m"})
    out = admit_and_validate(obj, limit_range({"type": "Container", "default": {"cpu": "500m", "memory": "1Gi"},
                                               "defaultRequest": {"cpu": "100m", "memory": "512Mi"}}))
    assert resources(out) == {"requests": {"cpu": "50m", "memory": "512Mi"}, "limits": {"cpu": "200m", "memory": "1Gi"}}
    assert out["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: memory request for container app; memory limit for container app")


REFUSALS = [
    ("max-limit", {"type": "Container", "max": {"cpu": "1"}}, {"cpu": "500m"}, {"cpu": "2"},
     "maximum cpu usage per Container is 1, but limit is 2"),
    ("max-no-limit", {"type": "Container", "max": {"memory": "1Gi"}, "default": {}}, {}, {},
     "maximum memory usage per Container is 1Gi.  No limit is specified"),
    ("min-request", {"type": "Container", "min": {"cpu": "100m"}}, {"cpu": "50m"}, {"cpu": "1"},
     "minimum cpu usage per Container is 100m, but request is 50m"),
    ("ratio", {"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}, {"cpu": "100m"}, {"cpu": "1"},
     "cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000"),
    ("pod-max", {"type": "Pod", "max": {"cpu": "1"}}, {"cpu": "1"}, {"cpu": "3"},
     "maximum cpu usage per Pod is 1, but limit is 3"),
    ("two-errors", {"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}}, {"cpu": "2", "memory": "2Gi"},
     {"cpu": "2", "memory": "2Gi"},
     "[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is "
     "2Gi]"),
]


@pytest.mark.parametrize("item,requests,limits,reason", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(item, requests, limits, reason):
    lr = {"kind": "LimitRange", "metadata": {"name": "limits", "namespace": "default"}, "spec": {"limits": [item]}}
    a = attrs(CREATE, pod(requests=requests, limits=limits), FakeReader(lr))
    PLUGIN.admit(a)
    with pytest.raises(StatusError) as info:
        PLUGIN.validate(a)
    assert (info.value.code, info.value.plugin) == (403, "LimitRanger")
    assert info.value.message == f'pods "web" is forbidden: {reason}'


def test_pod_updates_and_other_kinds_are_ignored():
    assert not PLUGIN.handles(attrs(UPDATE, pod(), FakeReader(), old=pod()))
    assert not PLUGIN.handles(attrs(CREATE, {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}))
    assert not PLUGIN.handles(attrs(CREATE, pod(), FakeReader(), subresource="binding"))
