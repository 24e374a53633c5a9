"""ResourceQuota: counting, charging and refusing, with upstream's messages."""
from __future__ import annotations

import pytest

from simulation.apiserver.admission import CREATE, DELETE, UPDATE
from simulation.apiserver.admission.resource_quota import ResourceQuota
from simulation.apiserver.errors import StatusError
from tests.simulation.apiserver.fakes import FakeReader, attrs, namespace, pod

PLUGIN = ResourceQuota()


def quota(name: str, hard: dict, **spec) -> dict:
    return {"kind": "ResourceQuota", "metadata": {"name": name, "namespace": "default"}, "spec": {"hard": hard, **spec}}


def cm(name: str) -> dict:
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}


def svc(name: str, type_: str = "ClusterIP", ports: int = 1) -> dict:
    return {"kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"type": type_, "ports": [{"port": 80 + i} for i in range(ports)]}}


def deploy(name: str) -> dict:
    return {"kind": "Deployment", "metadata": {"name": name, "namespace": "default"}, "spec": {}}


SMALL = {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}

REFUSED = [
    ("pods-count", [quota("q1", {"pods": "2"}), pod("a"), pod("b")], pod("web"),
     'pods "web" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2'),
    ("count-pods", [quota("q1", {"count/pods": "1"}), pod("a", phase="Succeeded")], pod("web"),
     'pods "web" is forbidden: exceeded quota: q1, requested: count/pods=1, used: count/pods=1, limited: count/pods=1'),
    ("requests-cpu", [quota("compute", {"requests.cpu": "1"}), pod("a", requests={"cpu": "500m"})],
     pod("web", requests={"cpu": "600m"}),
     'pods "web" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, '
     "limited: requests.cpu=1"),
    ("several-resources-sorted", [quota("compute", {"limits.memory": "1Gi", "requests.memory": "1Gi", "pods": "9"}),
                                  pod("a", **SMALL)],
     pod("web", requests={"memory": "1Gi"}, limits={"memory": "1Gi"}),
     'pods "web" is forbidden: exceeded quota: compute, requested: limits.memory=1Gi,requests.memory=1Gi, used: '
     "limits.memory=512Mi,requests.memory=256Mi, limited: limits.memory=1Gi,requests.memory=1Gi"),
    ("cpu-alias", [quota("q", {"cpu": "1"})], pod("web", requests={"cpu": "2"}),
     'pods "web" is forbidden: exceeded quota: q, requested: cpu=2, used: cpu=0, limited: cpu=1'),
    ("must-specify", [quota("q1", {"requests.cpu": "1", "limits.memory": "1Gi"})], pod("web", requests={"cpu": "100m"}),
     'pods "web" is forbidden: failed quota: q1: must specify limits.memory for: app'),
    ("must-specify-several", [quota("q1", {"cpu": "1", "memory": "1Gi"})],
     pod("web", initContainers=[{"name": "init", "image": "busybox"}]),
     'pods "web" is forbidden: failed quota: q1: must specify cpu for: app,init; memory for: app,init'),
    ("second-quota-refuses", [quota("a-roomy", {"pods": "10"}), quota("b-tight", {"pods": "1"}), pod("a")], pod("web"),
     'pods "web" is forbidden: exceeded quota: b-tight, requested: pods=1, used: pods=1, limited: pods=1'),
    ("configmaps", [quota("objects", {"configmaps": "1"}), cm("one")], cm("two"),
     'configmaps "two" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, '
     "limited: configmaps=1"),
    ("count-deployments", [quota("objects", {"count/deployments.apps": "1"}), deploy("one")], deploy("two"),
     'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: '
     "count/deployments.apps=1, limited: count/deployments.apps=1"),
    ("node-ports", [quota("svc", {"services.nodeports": "2"}), svc("one", "NodePort")], svc("two", "NodePort", 2),
     'services "two" is forbidden: exceeded quota: svc, requested: services.nodeports=2, used: services.nodeports=1, '
     "limited: services.nodeports=2"),
]


@pytest.mark.parametrize("objects,obj,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(objects, obj, message):
    reader = FakeReader(*objects)
    a = attrs(CREATE, obj, reader)
    assert PLUGIN.handles(a)
    with pytest.raises(StatusError) as info:
        PLUGIN.validate(a)
    assert (info.value.code, info.value.reason, info.value.plugin) == (403, "Forbidden", "ResourceQuota")
    assert info.value.message == message
    assert reader.writes == []


ADMITTED = [
    ("no-quota", [pod("a")], pod("web"), {}),
    ("pods-charged", [quota("q1", {"pods": "2"}), pod("a")], pod("web"),
     {"q1": {"hard": {"pods": "2"}, "used": {"pods": "2"}}}),
    ("terminal-pods-free", [quota("q1", {"pods": "1"}), pod("a", phase="Failed")], pod("web"),
     {"q1": {"hard": {"pods": "1"}, "used": {"pods": "1"}}}),
    ("compute-charged", [quota("compute", {"requests.cpu": "2", "limits.memory": "2Gi", "pods": "5"}),
                         pod("a", **SMALL)], pod("web", **SMALL),
     {"compute": {"hard": {"requests.cpu": "2", "limits.memory": "2Gi", "pods": "5"},
                  "used": {"requests.cpu": "1", "limits.memory": "1Gi", "pods": "2"}}}),
    ("untracked-quota-untouched", [quota("objects", {"configmaps": "3"})], pod("web"), {}),
    ("best-effort-scope-skips-burstable", [quota("be", {"pods": "0"}, scopes=["BestEffort"])],
     pod("web", requests={"cpu": "100m"}), {}),
    ("not-best-effort-scope-counts-only-matching", [quota("nbe", {"pods": "1"}, scopes=["NotBestEffort"]), pod("a")],
     pod("web", requests={"cpu": "100m"}), {"nbe": {"hard": {"pods": "1"}, "used": {"pods": "1"}}}),
    ("configmaps-charged", [quota("objects", {"configmaps": "2", "count/configmaps": "5"}), cm("one")], cm("two"),
     {"objects": {"hard": {"configmaps": "2", "count/configmaps": "5"},
                  "used": {"configmaps": "2", "count/configmaps": "2"}}}),
]


@pytest.mark.parametrize("objects,obj,statuses", [a[1:] for a in ADMITTED], ids=[a[0] for a in ADMITTED])
def test_admitted_and_charged(objects, obj, statuses):
    reader = FakeReader(*objects)
    PLUGIN.validate(attrs(CREATE, obj, reader))
    assert [w[2] for w in reader.writes] == list(statuses)
    for name, status in statuses.items():
        assert reader.get("resourcequotas", "default", name)["status"] == status


def test_dry_run_checks_without_charging():
    reader = FakeReader(quota("q1", {"pods": "1"}))
    PLUGIN.validate(attrs(CREATE, pod("web"), reader, dry_run=True))
    assert reader.writes == []
    reader.add(pod("a"))
    with pytest.raises(StatusError):
        PLUGIN.validate(attrs(CREATE, pod("web"), reader, dry_run=True))


def test_usage_recounted_from_objects_not_trusted_from_status():
    stale = quota("q1", {"pods": "1"})
    stale["status"] = {"hard": {"pods": "1"}, "used": {"pods": "1"}}  # the pod it counted was deleted since
    reader = FakeReader(stale)
    PLUGIN.validate(attrs(CREATE, pod("web"), reader))
    assert reader.get("resourcequotas", "default", "q1")["status"]["used"] == {"pods": "1"}


def test_update_without_growth_charges_nothing():
    reader = FakeReader(quota("q1", {"pods": "1"}), pod("web"))
    new = pod("web")
    new["metadata"]["labels"] = {"a": "b"}
    PLUGIN.validate(attrs(UPDATE, new, reader, old=pod("web")))
    assert reader.writes == []


def test_update_that_grows_is_charged_against_the_others():
    reader = FakeReader(quota("q", {"services.loadbalancers": "1"}), svc("lb", "LoadBalancer"), svc("web"))
    a = attrs(UPDATE, svc("web", "LoadBalancer"), reader, old=svc("web"))
    with pytest.raises(StatusError) as info:
        PLUGIN.validate(a)
    assert info.value.message == ('services "web" is forbidden: exceeded quota: q, requested: services.loadbalancers=1, '
                                  "used: services.loadbalancers=1, limited: services.loadbalancers=1")


def test_quota_deleted_meanwhile_is_not_an_error():
    class Vanishing(FakeReader):
        def guaranteed_update(self, resource, namespace, name, try_update):
            self.objects["resourcequotas"].clear()
            return super().guaranteed_update(resource, namespace, name, try_update)

    reader = Vanishing(quota("q1", {"pods": "3"}))
    PLUGIN.validate(attrs(CREATE, pod("web"), reader))


def test_limit_rechecked_inside_the_compare_and_swap():
    """Someone lowered ``spec.hard`` between our read and our write: the write re-checks and refuses."""
    class Racing(FakeReader):
        def guaranteed_update(self, resource, namespace, name, try_update):
            self.add(quota("q1", {"pods": "0"}))
            return super().guaranteed_update(resource, namespace, name, try_update)

    reader = Racing(quota("q1", {"pods": "3"}))
    with pytest.raises(StatusError) as info:
        PLUGIN.validate(attrs(CREATE, pod("web"), reader))
    assert info.value.message == 'pods "web" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=0, ' \
                                 "limited: pods=0"


NOT_HANDLED = [
    ("delete", attrs(DELETE, None, kind="Pod", namespace="default", name="web")),
    ("subresource", attrs(UPDATE, pod(), old=pod(), subresource="status")),
    ("namespace", attrs(CREATE, namespace("x"), namespace="")),
    ("cluster-scoped", attrs(CREATE, {"kind": "Node", "metadata": {"name": "n"}})),
]


@pytest.mark.parametrize("a", [n[1] for n in NOT_HANDLED], ids=[n[0] for n in NOT_HANDLED])
def test_not_handled(a):
    assert not PLUGIN.handles(a)
