"""The ingress add-on in a running cluster, headless: installing it runs the controller pod; the
simulated ingress-nginx serves the Ingresses of its class, records upstream's Sync Event, writes
its node's address to their status and keeps a routing table that follows the Services'
endpoints; without a running controller pod nothing is served."""
from __future__ import annotations

import pytest

from simulation.apimachinery.wellknown import INGRESS_NGINX_CONTROLLER, INGRESS_NGINX_NAMESPACE
from simulation.cluster import SimulationError

from tests.simulation.test_cluster import DEPLOYMENT, make_cluster, running_pods

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}}


def ingress(name: str, rules: list[dict], **spec) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": "default"},
            "spec": {"rules": rules, **spec}}


def rule(host: str, path: str, service: str, port: int = 80, path_type: str = "Prefix") -> dict:
    r = {"http": {"paths": [{"path": path, "pathType": path_type,
                             "backend": {"service": {"name": service, "port": {"number": port}}}}]}}
    if host:
        r["host"] = host
    return r


def controller_pod(admin) -> dict | None:
    items, _ = admin.list("pods", INGRESS_NGINX_NAMESPACE)
    return next((p for p in items if (p.get("status") or {}).get("phase") == "Running"), None)


@pytest.fixture(scope="module")
def cluster():
    cluster, admin = make_cluster()
    cluster.kernel.run_for(2)
    result = cluster.install_ingress_addon()
    assert "ingressclasses/nginx" in result["created"]
    admin.create("deployments", DEPLOYMENT, "default")
    admin.create("services", SERVICE, "default")
    assert cluster.kernel.run_until_true(lambda: len(running_pods(admin, "web")) == 3 and controller_pod(admin),
                                        timeout_seconds=90)
    admin.create("ingresses", ingress("web", [rule("web.example.com", "/", "web")]), "default")
    cluster.kernel.run_for(5)
    return cluster, admin


def test_a_new_ingress_gets_the_default_class_and_the_controller_nodes_address(cluster):
    cluster, admin = cluster
    ing = admin.get("ingresses", "default", "web")
    assert ing["spec"]["ingressClassName"] == "nginx"  # DefaultIngressClass admission
    pod = controller_pod(admin)
    node = admin.get("nodes", "", pod["spec"]["nodeName"])
    internal = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    assert ing["status"]["loadBalancer"] == {"ingress": [{"ip": internal}]}


def test_the_controller_records_sync_events_as_ingress_nginx(cluster):
    cluster, admin = cluster
    events, _ = admin.list("events", "default")
    sync = [e for e in events if e["involvedObject"].get("kind") == "Ingress" and e["involvedObject"]["name"] == "web"]
    assert [(e["type"], e["reason"], e["message"], e["source"]["component"]) for e in sync] == [
        ("Normal", "Sync", "Scheduled for sync", "nginx-ingress-controller")]


def test_the_routing_table_lists_the_ready_endpoints(cluster):
    cluster, admin = cluster
    table = cluster.ingress_controller().routing_table()
    ips = sorted(f"{p['status']['podIP']}:80" for p in running_pods(admin, "web"))
    assert [(r["host"], r["path"], r["path_type"], r["ingress"], r["backend"], sorted(r["endpoints"]))
            for r in table["routes"]] == [("web.example.com", "/", "Prefix", "default/web", "web:80", ips)]
    assert table["serving"] and table["address"]


def test_a_request_is_routed_by_host_and_path(cluster):
    cluster, _ = cluster
    controller = cluster.ingress_controller()
    assert controller.route("web.example.com", "/anything")["route"]["backend"] == "web:80"
    miss = controller.route("other.example.com", "/")
    assert miss["route"] is None and miss["status"] == 404


def test_a_routed_request_is_traced_from_the_controller_pod_to_a_backend(cluster):
    cluster, admin = cluster
    result = cluster.ingress_routes("http://web.example.com/")
    trace = result["match"]["trace"]
    pod = controller_pod(admin)
    assert trace["from_pod"] == f"{INGRESS_NGINX_NAMESPACE}/{pod['metadata']['name']}"
    assert f"{trace['to_ip']}:{trace['port']}" in result["match"]["route"]["endpoints"]
    assert trace["result"] == "delivered"


def test_a_client_outside_reaches_the_controller_through_its_node_port(cluster):
    """The first leg: a client sends to the node the Ingress's ADDRESS names, on the controller
    Service's NodePort; that node's kube-proxy takes it through KUBE-NODEPORTS and KUBE-EXT to
    KUBE-SVC, and DNATs it to the controller pod."""
    cluster, admin = cluster
    service = admin.get("services", INGRESS_NGINX_NAMESPACE, INGRESS_NGINX_CONTROLLER)
    node_port = next(p["nodePort"] for p in service["spec"]["ports"] if p["name"] == "http")
    pod = controller_pod(admin)
    leg = cluster.ingress_routes("http://web.example.com/")["match"]["client_trace"]
    assert (leg["to_ip"], leg["port"]) == (cluster.node_specs[pod["spec"]["nodeName"]].internal_ip, node_port)
    chains = [h["chain"] for h in leg["hops"] if h["kind"] == "iptables"]
    assert chains[:2] == ["KUBE-SERVICES", "KUBE-NODEPORTS"] and chains[2].startswith("KUBE-SVC-")
    assert leg["hops"][2]["rule"].startswith("-A KUBE-NODEPORTS -p tcp ") and f"--dport {node_port} -j KUBE-EXT-" in \
        leg["hops"][2]["rule"]
    assert leg["result"] == "delivered"
    assert leg["delivered_to"]["ip"] == pod["status"]["podIP"]
    assert leg["service"] == f"{INGRESS_NGINX_NAMESPACE}/{INGRESS_NGINX_CONTROLLER}:http"


def test_scaling_the_backend_updates_the_table(cluster):
    cluster, admin = cluster
    admin.patch("deployments", "default", "web", {"spec": {"replicas": 1}})
    assert cluster.kernel.run_until_true(
        lambda: len(cluster.ingress_controller().routing_table()["routes"][0]["endpoints"]) == 1, timeout_seconds=60)


def test_an_ingress_of_another_class_is_not_served(cluster):
    cluster, admin = cluster
    other = ingress("other", [rule("other.example.com", "/", "web")], ingressClassName="traefik")
    admin.create("ingresses", other, "default")
    cluster.kernel.run_for(5)
    assert "ingress" not in admin.get("ingresses", "default", "other")["status"]["loadBalancer"]
    assert all(r["ingress"] != "default/other" for r in cluster.ingress_controller().routing_table()["routes"])


def test_without_a_running_controller_pod_nothing_is_served_and_the_address_goes(cluster):
    cluster, admin = cluster
    admin.patch("deployments", INGRESS_NGINX_NAMESPACE, INGRESS_NGINX_CONTROLLER, {"spec": {"replicas": 0}})
    assert cluster.kernel.run_until_true(lambda: controller_pod(admin) is None, timeout_seconds=400)
    cluster.kernel.run_for(3)
    table = cluster.ingress_controller().routing_table()
    assert not table["serving"] and table["routes"] == []
    assert admin.get("ingresses", "default", "web")["status"] == {"loadBalancer": {}}  # ADDRESS empties


def test_the_controller_is_missing_until_the_addon_is_installed():
    bare, _ = make_cluster()
    with pytest.raises(SimulationError, match="the ingress add-on is not installed"):
        bare.ingress_controller()

