"""Pod networking where a teacher looks, in real headless Chromium: a node's inspector shows its
interfaces (lo, eth0, cni0, a veth per pod on cni0) and routes (the other nodes' podCIDRs via
their InternalIPs); a pod's inspector traces a packet to a Service and the diagram draws its
path, naming the KUBE-SVC rule that chose the backend and its probability; ``manage.py sim
trace`` prints the same path in a terminal, and the pod IPs real kubectl shows are the veths' own."""
from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import yaml

from tests.e2e.conftest import DEPLOYMENT, unique, wait_for

from .conftest import sim_get, sim_post

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]}}


@pytest.fixture
def web(control_plane, server, admin_api) -> tuple[str, list[dict]]:
    """A 3-replica Deployment and its Service, running, with kube-proxy's rules in place."""
    sim_post(server, admin_api, "play")
    name = unique("net")
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments",
                             yaml.safe_load(DEPLOYMENT.format(name=name, replicas=3))).status == 201
    assert admin_api.request("POST", "/api/v1/namespaces/default/services", service(name)).status == 201

    def running() -> list[dict]:
        items = admin_api.get(f"/api/v1/namespaces/default/pods?labelSelector=app%3D{name}").json()["items"]
        up = [p for p in items if (p.get("status") or {}).get("podIP") and p["status"].get("phase") == "Running"]
        return up if len(up) == 3 else []

    pods = wait_for(running, timeout=90)
    sender = pods[0]["metadata"]["name"]
    query = urllib.parse.urlencode({"from": f"default/{sender}", "to": name})
    wait_for(lambda: sim_get(server, admin_api, f"trace?{query}")["result"] == "delivered", timeout=30)
    return name, pods


def test_node_inspector_shows_interfaces_and_routes_and_a_traced_packet_is_drawn(cluster_page, server, admin_api,
                                                                                 web, shot) -> None:
    page = cluster_page
    name, pods = web
    node = pods[0]["spec"]["nodeName"]
    page.click(f"svg g.node[data-node='{node}'] text.strong")
    page.wait_for_selector(f"[data-inspecting='node:{node}'] [data-table=ip-addr]", timeout=15000)
    addr = page.locator(f"[data-inspecting='node:{node}'] [data-table=ip-addr]").inner_text()
    routes = page.locator(f"[data-inspecting='node:{node}'] [data-table=ip-route]").inner_text()
    nodes = admin_api.get("/api/v1/nodes").json()["items"]
    own = next(n for n in nodes if n["metadata"]["name"] == node)
    internal = next(a["address"] for a in own["status"]["addresses"] if a["type"] == "InternalIP")
    bridge = own["spec"]["podCIDR"].rsplit(".", 1)[0] + ".1"
    assert "1: lo: " in addr and f"inet {internal}/16" in addr and f"inet {bridge}/24" in addr and "3: cni0: " in addr
    veths = [line for line in addr.splitlines() if "@if2: " in line]
    local = [p for p in pods if p["spec"]["nodeName"] == node]
    assert len(veths) >= len(local) and all("master cni0" in line for line in veths), addr
    pairs = page.locator(f"[data-inspecting='node:{node}'] [data-table=veths] tr[data-veth]")
    rows = [r.split("\t") for r in pairs.all_inner_texts()]
    assert {(f"default/{p['metadata']['name']}", p["status"]["podIP"]) for p in local} <= {(r[2], r[3]) for r in rows}
    assert all(f"{r[1]}: {r[0]}@if2: " in addr for r in rows), rows
    for other in nodes:
        if other["metadata"]["name"] != node:
            ip = next(a["address"] for a in other["status"]["addresses"] if a["type"] == "InternalIP")
            assert f"{other['spec']['podCIDR']} via {ip} dev eth0" in routes, routes
    assert "*nat" in page.locator(f"[data-inspecting='node:{node}'] pre.rules").last.inner_text()
    shot(page, "node-network-inspector")

    sender = pods[0]["metadata"]["name"]
    page.click(f"svg .pod[data-pod='default/{sender}']")
    field = f"[data-inspecting='pod:default/{sender}'] [data-field=trace-to]"
    page.wait_for_selector(field, timeout=15000)
    inside = page.locator(f"[data-inspecting='pod:default/{sender}'] [data-table=pod-ip-addr]").inner_text()
    assert "2: eth0@if" in inside and f"inet {pods[0]['status']['podIP']}/24" in inside, inside
    page.fill(field, name)
    page.click(f"[data-inspecting='pod:default/{sender}'] [data-action=trace]")
    page.wait_for_selector("svg g.packet-path[data-result=delivered]", timeout=15000)
    drawn = page.locator("svg g.packet-path")
    assert drawn.get_attribute("data-from") == f"default/{sender}"
    receiver = drawn.get_attribute("data-to")
    assert receiver in {f"default/{p['metadata']['name']}" for p in pods}
    rule = " ".join(drawn.locator(".path-rule").all_text_contents())
    assert f"default/{name}: KUBE-SVC-" in rule and "KUBE-SEP-" in rule, rule
    assert "probability 0." in rule or "the last rule" in rule, rule
    assert "DNAT " in rule and "→ 10.244." in rule, rule
    assert drawn.locator("circle.path-hop").count() >= 4 and drawn.locator("polyline.path-line").count() == 1
    assert page.locator(f"svg .pod.on-path[data-pod='{receiver}']").count() == 1
    assert page.locator(f"svg .pod.on-path[data-pod='default/{sender}']").count() == 1
    # the inspector lists the hops and the rules tried, the one taken marked
    taken = page.locator("[data-table=trace-choices] tr.winner td").all_inner_texts()
    assert taken and taken[0].startswith("KUBE-SEP-") and taken[-1] == "taken", taken
    hops = page.locator(".trace-result ol.hops li").evaluate_all("items => items.map(li => li.dataset.hop)")
    assert hops[:3] == ["pod", "veth", "bridge"] and "dnat" in hops and hops[-1] == "pod", hops
    shot(page, "packet-path-to-service")
    # to a pod on another node, by its IP: out of eth0, into the other node's, across its bridge
    other = next((p for p in pods if p["spec"]["nodeName"] != node), None)
    if other is not None:
        page.fill(field, f"{other['status']['podIP']}:80")
        page.click(f"[data-inspecting='pod:default/{sender}'] [data-action=trace]")
        page.wait_for_selector(f"svg g.packet-path[data-to='default/{other['metadata']['name']}']", timeout=15000)
        assert page.locator("svg g.packet-path circle[data-hop=node]").get_attribute("data-node") == \
            other["spec"]["nodeName"]
        assert page.locator("svg g.node.on-path").count() == 2
        assert page.locator("svg g.packet-path .path-rule").count() == 0  # no Service, no rule to name
        shot(page, "packet-path-across-nodes")
    page.click("text=clear path")
    page.wait_for_selector("svg g.packet-path", state="detached")


def test_manage_py_sim_trace_and_network_print_the_path_and_the_nodes_tables(server, web, kubectl,
                                                                             admin_kubeconfig_live) -> None:
    name, pods = web
    # the IPs real kubectl shows are the ones CNI ADD gave the pods' veths on their nodes
    rc, out, err = kubectl("get", "pods", "-o", "wide", "-l", f"app={name}", kubeconfig=admin_kubeconfig_live)
    assert rc == 0, err
    header, *rows = out.splitlines()
    at_ip, at_node = header.index("IP"), header.index("NODE")
    shown = {row.split()[0]: (row[at_ip:].split()[0], row[at_node:].split()[0]) for row in rows}
    for pod_name, (ip, node) in shown.items():
        veths = json.loads(server.manage("sim", "network", node, "-o", "json").stdout)["veths"]
        assert {"pod": f"default/{pod_name}", "ip": ip} in [{"pod": v["pod"], "ip": v["ip"]} for v in veths], veths
    sender = pods[0]["metadata"]["name"]
    text = server.manage("sim", "trace", "--from", f"default/{sender}", "--to", f"{name}:80").stdout
    assert text.startswith(f"packet from default/{sender} ") and f"to service default/{name} (" in text, text
    assert " 1. [pod] " in text and "[dnat]" in text and "TAKEN" in text and "result: delivered" in text, text
    data = json.loads(server.manage("sim", "trace", "--from", f"default/{sender}", "--to", name, "-o", "json").stdout)
    assert data["result"] == "delivered" and data["service"] == f"default/{name}" and data["port"] == 80
    assert sum(c["taken"] for c in data["choices"]) == 1
    network = server.manage("sim", "network", pods[0]["spec"]["nodeName"]).stdout
    assert "$ ip addr" in network and "3: cni0: " in network and "$ ip route" in network and "default via " in network
    inside = server.manage("sim", "network", f"default/{sender}").stdout
    assert f"$ ip addr   # in pod default/{sender}" in inside and "2: eth0@if" in inside, inside
    refused = server.manage("sim", "trace", "--from", "default/no-such-pod", "--to", name, check=False)
    assert refused.returncode != 0 and 'pods "no-such-pod" not found' in refused.stderr, refused.stderr


def test_the_pod_networking_lesson_draws_the_packets_its_steps_follow(page, server, shot) -> None:
    page.goto(f"{server.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    page.click('#tabs button[data-tab="lessons"]')
    item = page.locator('.lesson-item[data-lesson="pod-networking"]')
    item.wait_for(timeout=15000)
    assert "pending" not in (item.get_attribute("class") or "")
    item.locator("button").click()
    page.wait_for_url(re.compile(r".*/clusters/pod-networking(-\d+)?/.*"), timeout=30000)
    page.wait_for_selector('.lesson[data-position="0"]', timeout=120000)
    for index in range(5):  # up to "To a Service: the rules pick a backend"
        page.locator(f'.lesson[data-position="{index}"]').wait_for(timeout=30000)
        if page.locator(".lesson button.run").count():
            page.click(".lesson button.run")
            page.wait_for_selector(f'.lesson[data-position="{index}"] .lesson-output', timeout=60000)
        if index == 3:  # pod to pod across nodes: drawn from client to kubia-b
            page.wait_for_selector("svg g.packet-path[data-from='default/client'][data-to='default/kubia-b']",
                                   timeout=10000)
        if index < 4:
            page.click(".lesson button.next")
    page.wait_for_selector("svg g.packet-path[data-from='default/client'][data-result=delivered]", timeout=10000)
    rule = " ".join(page.locator("svg g.packet-path .path-rule").all_text_contents())
    assert "default/kubia: KUBE-SVC-" in rule and ("probability 0.5" in rule or "the last rule" in rule), rule
    shot(page, "lesson-packet-path")
