"""The endpointslice controller, as ``kubectl get endpointslices -o yaml`` shows it: one slice
per Service and port set, every pod an endpoint with ready/serving/terminating, nodeName,
zone and targetRef, an empty placeholder when nothing matches, slices owned by the Service."""
from __future__ import annotations

from simulation.controllers.endpointslice import (
    CONTROLLER_NAME,
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
)
from tests.simulation.controllers.test_endpoints import NS, pod, report, service


def slices(c, name: str = "web") -> list[dict]:
    return c.admin.list("endpointslices", NS, label_selector=f"{LABEL_SERVICE_NAME}={name}")[0]


def add_node(c, name: str, zone: str) -> None:
    c.admin.create("nodes", {"metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone}}})


def test_one_slice_lists_every_pod_with_its_conditions_node_zone_and_ports(cluster):
    c = cluster(("endpointslice",))
    add_node(c, "node-1", "zone-a")
    for name in ("web-a", "web-b", "web-c"):
        c.admin.create("pods", pod(name), NS)
    report(c, "web-a", "10.244.1.5", True)
    report(c, "web-b", "10.244.1.6", False)  # web-c has no IP: left out
    svc = c.admin.create("services", service(selector={"app": "web"}), NS)
    c.settle(1)
    [eps] = slices(c)
    assert eps["metadata"]["name"].startswith("web-") and len(eps["metadata"]["name"]) == len("web-") + 5
    assert eps["metadata"]["labels"] == {"tier": "front", LABEL_SERVICE_NAME: "web", LABEL_MANAGED_BY: CONTROLLER_NAME}
    assert eps["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                                   "uid": svc["metadata"]["uid"], "controller": True,
                                                   "blockOwnerDeletion": True}]
    assert eps["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": svc["metadata"]["creationTimestamp"]}
    assert eps["addressType"] == "IPv4"
    assert eps["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    uid = {n: c.admin.get("pods", NS, n)["metadata"]["uid"] for n in ("web-a", "web-b")}
    assert eps["endpoints"] == [
        {"addresses": ["10.244.1.5"], "conditions": {"ready": True, "serving": True, "terminating": False},
         "nodeName": "node-1", "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-a", "uid": uid["web-a"]},
         "zone": "zone-a"},
        {"addresses": ["10.244.1.6"], "conditions": {"ready": False, "serving": False, "terminating": False},
         "nodeName": "node-1", "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-b", "uid": uid["web-b"]},
         "zone": "zone-a"}]


def test_readiness_and_termination_update_the_same_slice(cluster):
    c = cluster(("endpointslice",))
    c.admin.create("pods", pod("web-a"), NS)
    report(c, "web-a", "10.244.1.5", False)
    c.admin.create("services", service(selector={"app": "web"}), NS)
    c.settle(1)
    [before] = slices(c)
    report(c, "web-a", "10.244.1.5", True)
    c.settle(1)
    [after] = slices(c)
    assert after["metadata"]["name"] == before["metadata"]["name"]
    assert after["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    ready = next(c for c in c.admin.get("pods", NS, "web-a")["status"]["conditions"] if c["type"] == "Ready")
    assert after["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == \
        ready["lastTransitionTime"]
    c.admin.patch("pods", NS, "web-a", {"metadata": {"finalizers": ["example.com/hold"]}})
    c.admin.delete("pods", NS, "web-a")
    c.settle(1)
    [terminating] = slices(c)
    assert terminating["endpoints"][0]["conditions"] == {"ready": False, "serving": True, "terminating": True}


def test_a_service_with_no_pods_keeps_an_empty_placeholder_slice(cluster):
    c = cluster(("endpointslice",))
    c.admin.create("services", service(selector={"app": "none"}), NS)
    c.settle(1)
    [eps] = slices(c)
    assert eps.get("endpoints") is None and eps.get("ports") is None


def test_pods_with_different_ports_get_separate_slices(cluster):
    c = cluster(("endpointslice",))
    other = pod("web-b")
    other["spec"]["containers"][0]["ports"][0]["containerPort"] = 8081
    c.admin.create("pods", pod("web-a"), NS)
    c.admin.create("pods", other, NS)
    report(c, "web-a", "10.244.1.5", True)
    report(c, "web-b", "10.244.1.6", True)
    c.admin.create("services", service(selector={"app": "web"}), NS)
    c.settle(1)
    by_port = {s["ports"][0]["port"]: [e["addresses"][0] for e in s["endpoints"]] for s in slices(c)}
    assert by_port == {8080: ["10.244.1.5"], 8081: ["10.244.1.6"]}


def test_services_without_selector_are_left_alone(cluster):
    c = cluster(("endpointslice",))
    c.admin.create("services", service(), NS)
    c.settle(1)
    assert slices(c) == []


def test_hand_written_endpoints_of_a_selectorless_service_are_mirrored(cluster):
    """The book's external service: Endpoints written by hand become a slice kube-proxy reads."""
    c = cluster(("endpointslicemirroring",))
    c.admin.create("services", service("external", ports=[{"port": 80}]), NS)
    ep = c.admin.create("endpoints", {"metadata": {"name": "external", "labels": {"app": "ext"}}, "subsets": [
        {"addresses": [{"ip": "11.11.11.11"}], "notReadyAddresses": [{"ip": "22.22.22.22"}],
         "ports": [{"port": 80, "protocol": "TCP"}]}]}, NS)
    c.settle(1)
    [eps] = slices(c, "external")
    assert eps["metadata"]["labels"] == {"app": "ext", LABEL_SERVICE_NAME: "external",
                                         LABEL_MANAGED_BY: "endpointslicemirroring-controller.k8s.io"}
    assert eps["metadata"]["ownerReferences"][0]["kind"] == "Endpoints"
    assert eps["metadata"]["ownerReferences"][0]["uid"] == ep["metadata"]["uid"]
    assert eps["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    assert eps["endpoints"] == [{"addresses": ["11.11.11.11"], "conditions": {"ready": True}},
                                {"addresses": ["22.22.22.22"], "conditions": {"ready": False}}]
    c.admin.delete("endpoints", NS, "external")
    c.settle(1)
    assert slices(c, "external") == []


def test_the_api_servers_own_endpoints_and_selector_services_are_not_mirrored(cluster):
    c = cluster(("endpointslicemirroring",))
    c.admin.create("services", service(selector={"app": "web"}), NS)
    c.admin.create("endpoints", {"metadata": {"name": "web"}, "subsets": [
        {"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80, "protocol": "TCP"}]}]}, NS)
    c.settle(1)
    assert slices(c) == []
    managed = [s for s in c.admin.list("endpointslices", NS)[0]
               if (s["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY)]
    assert managed == []  # the kubernetes Service's slice is the API server's, unmanaged
