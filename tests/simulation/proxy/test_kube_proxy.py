"""kube-proxy: the rules, checked against upstream's chain names, and the component headless."""
from __future__ import annotations

import pytest

from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient
from simulation.proxy import KubeProxy
from simulation.proxy import iptables
from tests.simulation.kubelet.harness import Cluster


@pytest.mark.parametrize("name, protocol, chain", [
    ("default/kubernetes:https", "tcp", "KUBE-SVC-NPX46M4PTMTKRN6Y"),
    ("kube-system/kube-dns:dns", "udp", "KUBE-SVC-TCOU7JCQXEZGVUNU"),
    ("kube-system/kube-dns:dns-tcp", "tcp", "KUBE-SVC-ERIFXISQEP7F7OF4"),
], ids=["kubernetes", "kube-dns-udp", "kube-dns-tcp"])
def test_service_chain_names_match_upstream(name, protocol, chain):
    assert iptables.service_chain(name, protocol) == chain


@pytest.mark.parametrize("n, printed", [(2, "0.50000000000"), (3, "0.33333333349"), (4, "0.25000000000"),
                                        (5, "0.20000000019")], ids=["2", "3", "4", "5"])
def test_probability_as_iptables_save_prints_it(n, printed):
    assert iptables.probability(n) == printed


@pytest.mark.parametrize("text, quoted", [("default/web", '"default/web"'), ("plain-word_1", "plain-word_1"),
                                          ("a b", '"a b"')], ids=["slash", "safe", "space"])
def test_comment_quoting(text, quoted):
    assert iptables.quote(text) == quoted


@pytest.fixture
def cluster():
    c = Cluster(seed=3)
    proxy = KubeProxy("kube-proxy/node-2", c.kernel, APIClient(c.server, UserInfo("system:kube-proxy"), "kube-proxy"),
                      node="node-2")
    proxy.start()
    c.proxy = proxy
    return c


def endpoint_slice(service: str, ips: list[str], port: int = 8080, port_name: str = "",
                   ready: bool = True) -> dict:
    """A slice of ``service`` as the endpointslice controller writes it (kube-proxy reads only slices)."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{service}-abcde", "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready, "serving": ready, "terminating": False}}
                          for ip in ips]}


def svc_rules(rules: list[str], chain: str) -> list[str]:
    return [r for r in rules if r.startswith(f"-A {chain} ")]


def test_three_endpoints_get_statistic_rules_and_a_final_unconditional_one(cluster):
    svc = cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}, "default")
    cluster.admin.create("endpointslices", endpoint_slice("web", ["10.244.3.5", "10.244.1.2", "10.244.2.7"]), "default")
    cluster.kernel.run_for(2)
    rules = cluster.proxy.rules()
    vip = svc["spec"]["clusterIP"]
    chain = iptables.service_chain("default/web", "tcp")
    assert (f'-A KUBE-SERVICES -d {vip}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 '
            f'-j {chain}') in rules
    jumps = [r for r in svc_rules(rules, chain) if "KUBE-SEP-" in r]
    assert len(jumps) == 3
    assert "--probability 0.33333333349" in jumps[0] and '"default/web -> 10.244.1.2:8080"' in jumps[0]
    assert "--probability 0.50000000000" in jumps[1]
    assert "statistic" not in jumps[2] and jumps[2].endswith(iptables.endpoint_chain("default/web", "tcp",
                                                                                     "10.244.3.5:8080"))
    sep = iptables.endpoint_chain("default/web", "tcp", "10.244.1.2:8080")
    assert svc_rules(rules, sep) == [
        f'-A {sep} -s 10.244.1.2/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ',
        f'-A {sep} -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.1.2:8080']
    assert svc_rules(rules, chain)[0].startswith(f"-A {chain} ! -s 10.244.0.0/16 -d {vip}/32")
    assert svc_rules(rules, "KUBE-SERVICES")[-1].startswith(
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports;')
    assert "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000" in rules
    assert rules.count("COMMIT") == 2 and rules[0] == "*filter"
    [view] = [s for s in cluster.proxy.services() if s["name"] == "default/web"]
    assert [e["probability"] for e in view["endpoints"]] == ["0.33333333349", "0.50000000000", None]


def test_endpoint_changes_rewrite_the_rules_in_one_step(cluster):
    cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"port": 80}]}}, "default")
    cluster.admin.create("endpointslices", endpoint_slice("web", ["10.244.1.2", "10.244.2.2", "10.244.3.2"], 80), "default")
    cluster.kernel.run_for(2)
    assert "service default/web added with 3 endpoints" in cluster.kernel.history[-1].caption
    eps = cluster.admin.get("endpointslices", "default", "web-abcde")
    eps["endpoints"] = eps["endpoints"][:2]
    cluster.admin.update("endpointslices", eps)
    cluster.kernel.run_for(2)
    syncs = [s for s in cluster.kernel.history if s.action == "sync-rules"]
    assert syncs[-1].caption == "kube-proxy on node-2 rewrites its iptables rules: service default/web now has 2 endpoints"
    chain = iptables.service_chain("default/web", "tcp")
    assert len([r for r in svc_rules(cluster.proxy.rules(), chain) if "KUBE-SEP-" in r]) == 2


def test_not_ready_endpoints_are_skipped_unless_only_terminating_ones_serve(cluster):
    cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"port": 80}]}}, "default")
    eps = endpoint_slice("web", ["10.244.1.2", "10.244.1.3"], 80)
    eps["endpoints"][1]["conditions"] = {"ready": False, "serving": False, "terminating": False}
    cluster.admin.create("endpointslices", eps, "default")
    cluster.kernel.run_for(2)
    dnat = [r.rsplit(" ", 1)[-1] for r in cluster.proxy.rules() if "DNAT" in r and "default/web" in r]
    assert dnat == ["10.244.1.2:80"]
    eps = cluster.admin.get("endpointslices", "default", "web-abcde")
    eps["endpoints"] = [{"addresses": ["10.244.1.4"],
                         "conditions": {"ready": False, "serving": True, "terminating": True}}]
    cluster.admin.update("endpointslices", eps)
    cluster.kernel.run_for(2)
    dnat = [r.rsplit(" ", 1)[-1] for r in cluster.proxy.rules() if "DNAT" in r and "default/web" in r]
    assert dnat == ["10.244.1.4:80"]


def test_service_without_endpoints_is_rejected(cluster):
    svc = cluster.admin.create("services", {"metadata": {"name": "empty"}, "spec": {
        "selector": {"app": "none"}, "ports": [{"port": 80}]}}, "default")
    cluster.kernel.run_for(2)
    vip = svc["spec"]["clusterIP"]
    assert (f'-A KUBE-SERVICES -d {vip}/32 -p tcp -m comment --comment "default/empty has no endpoints" -m tcp '
            '--dport 80 -j REJECT --reject-with icmp-port-unreachable') in cluster.proxy.rules()


def test_node_port_and_named_ports(cluster):
    cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {"type": "NodePort", "selector": {"a": "b"},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080},
                  {"name": "metrics", "port": 9090, "nodePort": 30090}]}}, "default")
    eps = endpoint_slice("web", ["10.244.1.2"], 8080, "http")
    eps["ports"].append({"name": "metrics", "port": 9090, "protocol": "TCP"})
    cluster.admin.create("endpointslices", eps, "default")
    cluster.kernel.run_for(2)
    rules = cluster.proxy.rules()
    ext = iptables.external_chain("default/web:http", "tcp")
    assert (f'-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j {ext}'
            in rules)
    assert f"-A {ext} -j {iptables.service_chain('default/web:http', 'tcp')}" in rules
    assert any("--to-destination 10.244.1.2:9090" in r for r in rules)
    assert any("--to-destination 10.244.1.2:8080" in r for r in rules)


def test_stopped_proxy_keeps_its_rules_and_resyncs_on_start(cluster):
    cluster.kernel.run_for(1)
    before = cluster.proxy.rules()
    cluster.proxy.stop()
    cluster.admin.create("services", {"metadata": {"name": "late"}, "spec": {"ports": [{"port": 80}]}}, "default")
    cluster.kernel.run_for(2)
    assert cluster.proxy.rules() == before
    cluster.proxy.start()
    cluster.kernel.run_for(2)
    assert any("default/late has no endpoints" in r for r in cluster.proxy.rules())


def test_rules_point_at_the_pods_kubelets_run(cluster):
    from simulation.kubelet import NodeSpec

    for i in (1, 2):
        cluster.add_node(NodeSpec.numbered(i))
    cluster.kernel.run_for(1)
    for name, node in (("web-a", "node-1"), ("web-b", "node-2"), ("web-c", "node-1")):
        cluster.create_pod(name, node)
    assert cluster.run_until(lambda: all(cluster.phase(n) == "Running" for n in ("web-a", "web-b", "web-c")), 30)
    ips = sorted(cluster.pod(n)["status"]["podIP"] for n in ("web-a", "web-b", "web-c"))
    assert ips == ["10.244.1.2", "10.244.1.3", "10.244.2.2"]
    cluster.admin.create("services", {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}, "default")
    cluster.admin.create("endpointslices", endpoint_slice("web", ips, 80), "default")
    cluster.kernel.run_for(2)
    dnat = [r.rsplit(" ", 1)[-1] for r in cluster.proxy.rules() if "DNAT" in r and "default/web" in r]
    assert sorted(dnat) == [f"{ip}:80" for ip in ips]


def test_a_started_kube_proxy_records_starting_on_its_node_through_the_new_events_api(cluster):
    [event] = [e for e in cluster.admin.list("events", "default")[0] if e["reason"] == "Starting"]
    assert event["involvedObject"] == {"kind": "Node", "name": "node-2", "uid": "node-2"}
    assert (event["type"], event["action"], event["reportingComponent"], event["reportingInstance"]) == (
        "Normal", "StartKubeProxy", "kube-proxy", "kube-proxy-node-2")
    assert event["source"] == {} and event["eventTime"] and "message" not in event
    cluster.proxy.stop()
    cluster.proxy.start()  # a new process cries again
    assert sum(e["reason"] == "Starting" for e in cluster.admin.list("events", "default")[0]) == 2
