"""EndpointSlices through the real kubectl (1.29, 1.31, 1.33) on one live demo cluster: the
endpointslice controller's slices with upstream's columns and labels, the ``kubernetes``
Service's own slice (so no node REJECTs 10.96.0.1), kube-proxy's rules following the slices,
and 1.33's deprecation warning on core Endpoints; etcd-0's health message as 1.33 prints it."""
from __future__ import annotations

import functools

import pytest

from tests.e2e.conftest import get_json, ok, rows, sim_api, unique, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

DEPRECATION = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("slices")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def kc(kubectl, server):
    return functools.partial(kubectl, kubeconfig=server.kubeconfig("demo"))


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "slices-")


@pytest.fixture(scope="module")
def web(kc):
    """A two-replica Deployment behind a ClusterIP Service, both pods Ready."""
    app = unique("web")
    ok(kc("create", "deployment", app, "--image=nginx:1.27", "--replicas=2", "--port=80"))
    ok(kc("expose", "deployment", app, "--port=8080", "--target-port=80"))

    def ready_slice():
        items = get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={app}")["items"]
        endpoints = [e for s in items for e in s.get("endpoints") or []]
        return items if len(endpoints) == 2 and all(e["conditions"]["ready"] for e in endpoints) else None
    wait_for(ready_slice, timeout=90)
    return app




def test_get_endpointslices_shows_upstream_columns(kv, kc, web):
    header, table = rows(ok(kv("get", "endpointslices", "-l", f"kubernetes.io/service-name={web}")))
    assert header == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    [(name, cells)] = table.items()
    assert name.startswith(f"{web}-") and cells[1:3] == ["IPv4", "80"]
    pods = get_json(kc, "pods", "-l", f"app={web}")["items"]
    assert sorted(cells[3].split(",")) == sorted(p["status"]["podIP"] for p in pods)


def test_a_slice_is_labelled_owned_and_lists_each_pod(kc, web):
    [eps] = get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={web}")["items"]
    assert eps["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    [owner] = eps["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Service", web, True)
    assert eps["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    pods = {p["metadata"]["name"]: p for p in get_json(kc, "pods", "-l", f"app={web}")["items"]}
    for endpoint in eps["endpoints"]:
        pod = pods[endpoint["targetRef"]["name"]]
        assert endpoint["addresses"] == [pod["status"]["podIP"]]
        assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert endpoint["nodeName"] == pod["spec"]["nodeName"]
        assert endpoint["zone"] in ("zone-a", "zone-b")


def test_scaling_down_updates_the_slice_and_kube_proxy(kc, web, server):
    ok(kc("scale", "deployment", web, "--replicas=1"))

    def one_endpoint():
        items = get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={web}")["items"]
        endpoints = [e for s in items for e in s.get("endpoints") or [] if e["conditions"]["ready"]]
        return endpoints if len(endpoints) == 1 else None
    [endpoint] = wait_for(one_endpoint)
    sim = sim_api(server, server.kubeconfig("demo"))

    def dnat_targets():
        _, body = sim("GET", "nodes/node-1/iptables")
        return [r.rsplit(" ", 1)[-1] for r in body["rules"] if "DNAT" in r and f"default/{web}" in r]
    assert wait_for(lambda: dnat_targets() == [f"{endpoint['addresses'][0]}:80"])


def test_the_kubernetes_service_has_its_endpoint_and_no_reject_rule(kv, kc, server):
    port = get_json(kc, "service", "kubernetes")["spec"]["ports"][0]["targetPort"]  # the server's secure port
    _, table = rows(ok(kv("get", "endpointslice", "kubernetes")))
    assert table["kubernetes"][1:4] == ["IPv4", str(port), "172.18.0.2"]
    sim = sim_api(server, server.kubeconfig("demo"))
    _, body = sim("GET", "nodes/node-1/iptables")
    assert not any("default/kubernetes:https has no endpoints" in r for r in body["rules"])
    assert any("default/kubernetes:https" in r and f"--to-destination 172.18.0.2:{port}" in r for r in body["rules"])


def test_reading_core_endpoints_warns_as_1_33_does(kv, web):
    rc, out, err = kv("get", "endpoints", web)
    assert rc == 0 and err.strip() == DEPRECATION, err
    header, table = rows(out)
    assert header == ["NAME", "ENDPOINTS", "AGE"] and web in table


def test_a_service_without_pods_keeps_an_empty_slice(kv, kc):
    name = unique("empty")
    ok(kc("create", "service", "clusterip", name, "--tcp=80:8080"))
    def listed():
        out = ok(kv("get", "endpointslices", "-l", f"kubernetes.io/service-name={name}"))
        return out if name in out else None
    _, table = rows(wait_for(listed))
    [cells] = table.values()
    assert cells[1:4] == ["IPv4", "<unset>", "<unset>"]
    ok(kc("delete", "service", name))
    wait_for(lambda: not get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={name}")["items"])


def test_etcd_health_reads_as_1_33_prints_it(kv):
    """Since the etcd probe became the storage health check, etcd-0's message is a bare ``ok``."""
    rc, out, err = kv("get", "componentstatuses")
    assert rc == 0 and "v1 ComponentStatus is deprecated in v1.19+" in err
    header, table = rows(out)
    assert header == ["NAME", "STATUS", "MESSAGE", "ERROR"]
    assert table["etcd-0"][1:] == ["Healthy", "ok"]


EXTERNAL = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: Endpoints
metadata:
  name: {name}
subsets:
- addresses:
  - ip: 11.11.11.11
  - ip: 22.22.22.22
  ports:
  - port: 80
"""


def test_hand_written_endpoints_are_mirrored_and_routed(kc, server):
    """The book's external service (a Service without selector, Endpoints by hand): the mirroring
    controller writes the slice, kube-proxy routes to both addresses."""
    name = unique("external")
    rc, _, err = kc("create", "-f", "-", input=EXTERNAL.format(name=name))
    assert rc == 0 and DEPRECATION in err, err  # writing Endpoints warns too
    [eps] = wait_for(lambda: get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={name}")["items"])
    assert eps["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    sim = sim_api(server, server.kubeconfig("demo"))

    def dnat_targets():
        _, body = sim("GET", "nodes/node-2/iptables")
        return sorted(r.rsplit(" ", 1)[-1] for r in body["rules"] if "DNAT" in r and f"default/{name}" in r)
    assert wait_for(lambda: dnat_targets() == ["11.11.11.11:80", "22.22.22.22:80"])
    ok(kc("delete", "service,endpoints", name))
