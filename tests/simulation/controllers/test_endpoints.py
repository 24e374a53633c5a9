"""The endpoints controller, as ``kubectl get endpoints -o yaml`` shows it: ready pods in
``addresses``, the others in ``notReadyAddresses``, ports resolved, following readiness."""
from __future__ import annotations

import pytest

from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import is_not_found
from simulation.controllers.endpoints import repack_subsets

NS = "default"



def maybe_get(c, resource: str, name: str, namespace: str = NS) -> dict | None:
    try:
        return c.admin.get(resource, namespace, name)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise


def service(name: str = "web", selector: dict | None = None, ports: list | None = None, **spec) -> dict:
    spec = {"ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": "http"}], **spec}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
            "spec": spec}


def pod(name: str, labels: dict | None = None, node: str = "node-1") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}},
            "spec": {"nodeName": node, "containers": [{"name": "nginx", "image": "nginx:1.27",
                                                       "ports": [{"name": "http", "containerPort": 8080},
                                                                 {"name": "metrics", "containerPort": 9090}]}]}}


def report(c, name: str, ip: str, ready: bool) -> None:
    """What the pod's kubelet posts: Running with an IP, Ready or not."""
    now = rfc3339(c.kernel.wall_time())
    conditions = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now}]
    c.admin.patch("pods", NS, name, {"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                                                "conditions": conditions}}, subresource="status")


def subsets(c, name: str = "web") -> list[dict]:
    endpoints = maybe_get(c, "endpoints", name)
    return None if endpoints is None else endpoints.get("subsets") or []


def ips(subset_list: list[dict], field: str) -> list[str]:
    return [a["ip"] for s in subset_list for a in s.get(field) or []]


def test_ready_and_not_ready_pods_with_named_target_port(cluster):
    c = cluster(("endpoint",))
    for name in ("web-a", "web-b", "web-c"):
        c.admin.create("pods", pod(name), NS)
    c.admin.create("pods", pod("other", {"app": "db"}), NS)
    report(c, "web-a", "10.244.1.5", True)
    report(c, "web-b", "10.244.1.6", False)
    report(c, "other", "10.244.1.9", True)  # web-c has no IP yet: left out
    created = c.admin.create("services", service(selector={"app": "web"}), NS)
    c.settle(1)
    endpoints = c.admin.get("endpoints", NS, "web")
    assert endpoints["metadata"]["labels"] == {"tier": "front"}
    assert endpoints["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": created["metadata"]["creationTimestamp"]}
    uid_a = c.admin.get("pods", NS, "web-a")["metadata"]["uid"]
    assert endpoints["subsets"] == [{
        "addresses": [{"ip": "10.244.1.5", "nodeName": "node-1",
                       "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-a", "uid": uid_a}}],
        "notReadyAddresses": [{"ip": "10.244.1.6", "nodeName": "node-1",
                               "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-b",
                                             "uid": c.admin.get("pods", NS, "web-b")["metadata"]["uid"]}}],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]


def test_endpoints_follow_readiness_ip_and_deletion(cluster):
    c = cluster(("endpoint",))
    c.admin.create("services", service(selector={"app": "web"}, ports=[{"port": 80, "targetPort": 8080}]), NS)
    c.admin.create("pods", pod("web-a"), NS)
    c.settle(1)
    assert subsets(c) == []  # no IP yet: an Endpoints object with no subsets
    report(c, "web-a", "10.244.1.5", False)
    assert c.run_until(lambda: ips(subsets(c), "notReadyAddresses") == ["10.244.1.5"])
    report(c, "web-a", "10.244.1.5", True)
    assert c.run_until(lambda: ips(subsets(c), "addresses") == ["10.244.1.5"] and
                       ips(subsets(c), "notReadyAddresses") == [])
    c.admin.create("pods", pod("web-b", node="node-2"), NS)
    report(c, "web-b", "10.244.2.7", True)
    assert c.run_until(lambda: ips(subsets(c), "addresses") == ["10.244.1.5", "10.244.2.7"])
    c.admin.patch("pods", NS, "web-a", {"metadata": {"labels": {"app": "retired"}}})  # leaves the selector
    assert c.run_until(lambda: ips(subsets(c), "addresses") == ["10.244.2.7"])
    c.admin.delete("pods", NS, "web-b", grace_period_seconds=30)  # bound: terminating, not gone
    assert c.run_until(lambda: subsets(c) == [])
    assert not c.failed_syncs()


def test_publish_not_ready_addresses_lists_every_pod_as_ready(cluster):
    c = cluster(("endpoint",))
    c.admin.create("services", service(selector={"app": "web"}, publishNotReadyAddresses=True,
                                       ports=[{"port": 80, "targetPort": 8080}]), NS)
    c.admin.create("pods", pod("web-a"), NS)
    report(c, "web-a", "10.244.1.5", False)
    assert c.run_until(lambda: ips(subsets(c) or [], "addresses") == ["10.244.1.5"])


def test_service_without_selector_is_left_alone(cluster):
    c = cluster(("endpoint",))
    c.admin.create("services", service("external", ports=[{"port": 5432}]), NS)
    manual = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "external"},
              "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 5432}]}]}
    c.admin.create("endpoints", manual, NS)
    c.settle(2)
    assert ips(subsets(c, "external"), "addresses") == ["192.0.2.10"]


def test_endpoints_go_when_the_service_goes_and_come_back_if_deleted_by_hand(cluster):
    c = cluster(("endpoint",))
    c.admin.create("services", service(selector={"app": "web"}), NS)
    assert c.run_until(lambda: maybe_get(c, "endpoints", "web") is not None)
    c.admin.delete("endpoints", NS, "web")
    assert c.run_until(lambda: maybe_get(c, "endpoints", "web") is not None)  # recreated
    c.admin.delete("services", NS, "web")
    assert c.run_until(lambda: maybe_get(c, "endpoints", "web") is None)


def test_leftover_endpoints_of_a_service_deleted_while_the_controller_was_down(cluster):
    c = cluster(("endpoint",))
    c.admin.create("services", service(selector={"app": "web"}), NS)
    assert c.run_until(lambda: maybe_get(c, "endpoints", "web") is not None)
    c.manager.stop()
    c.admin.delete("services", NS, "web")
    c.settle(1)
    c.manager.start()
    assert c.run_until(lambda: maybe_get(c, "endpoints", "web") is None)


def test_the_kubernetes_service_endpoints_are_the_api_servers_own(cluster):
    """No selector: the controller leaves them to the API server's endpoint reconciler, which
    lists its own address and secure port, in Endpoints and in an EndpointSlice alike."""
    c = cluster(("endpoint", "endpointslice"))
    before = c.admin.get("endpoints", NS, "kubernetes")
    c.settle(2)
    after = c.admin.get("endpoints", NS, "kubernetes")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert after["subsets"] == [{"addresses": [{"ip": "172.18.0.2"}],
                                 "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
    eps = c.admin.get("endpointslices", NS, "kubernetes")
    assert eps["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert (eps["addressType"], eps["endpoints"], eps["ports"]) == (
        "IPv4", [{"addresses": ["172.18.0.2"], "conditions": {"ready": True}}],
        [{"name": "https", "port": 6443, "protocol": "TCP"}])


A = {"ip": "10.0.0.1", "targetRef": {"uid": "a"}}
B = {"ip": "10.0.0.2", "targetRef": {"uid": "b"}}
HTTP = {"name": "http", "port": 8080, "protocol": "TCP"}
METRICS = {"name": "metrics", "port": 9090, "protocol": "TCP"}


@pytest.mark.parametrize("given,expected", [
    ([{"addresses": [A], "ports": [HTTP]}, {"addresses": [B], "ports": [HTTP]}],
     [{"addresses": [A, B], "ports": [HTTP]}]),
    ([{"addresses": [A], "ports": [HTTP]}, {"addresses": [A], "ports": [METRICS]},
      {"addresses": [B], "ports": [HTTP]}],
     [{"addresses": [A, B], "ports": [HTTP]}, {"addresses": [A], "ports": [METRICS]}]),
    ([{"addresses": [A], "ports": [HTTP]}, {"addresses": [A], "ports": [METRICS]},
      {"addresses": [B], "ports": [HTTP]}, {"addresses": [B], "ports": [METRICS]}],
     [{"addresses": [A, B], "ports": [HTTP, METRICS]}]),
    ([{"addresses": [A], "ports": [HTTP]}, {"notReadyAddresses": [B], "ports": [HTTP]}],
     [{"addresses": [A], "notReadyAddresses": [B], "ports": [HTTP]}]),
    ([{"addresses": [A], "ports": []}], [{"addresses": [A]}]),
], ids=["same-port-one-subset", "ports-with-different-addresses-split", "same-addresses-share-a-subset", "ready-and-not-ready-together", "headless-no-ports"])
def test_repack_subsets_groups_addresses_by_their_ports(given, expected):
    assert repack_subsets(given) == expected
