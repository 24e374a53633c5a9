"""A highly available cluster's page in a real browser: etcd's members drawn inside its cylinder
with the Raft leader marked, the API servers behind the load balancer in the API server's box,
and the picture following a member and an API server being stopped."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CLUSTER = "ha-page"


@pytest.fixture(scope="module")
def ha_cluster(server) -> str:
    server.manage("createcluster", CLUSTER, "--ha")
    return CLUSTER


def leader(page) -> str:
    return page.eval_on_selector("svg .ha-member.leader", "e => e.dataset.member")


def test_the_members_their_leader_and_the_api_servers_are_drawn(page, server, ha_cluster, shot) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.http_url}/clusters/{ha_cluster}/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    page.wait_for_function("document.querySelectorAll('svg .ha-member').length === 3 && "
                           "document.querySelectorAll('svg .ha-member.leader').length === 1 && "
                           "document.querySelectorAll('svg .ha-api.up').length === 3", timeout=60000)
    assert page.locator("svg [data-quorum=yes]").text_content().startswith("term ")
    page.wait_for_function("document.querySelectorAll('svg .pod.static').length === 12", timeout=90000)
    labels = page.locator("svg .region-label").all_text_contents()
    assert "NODES (3 control plane, 3 workers)" in labels, labels
    # requests spread over the API servers: each chip flashes as it serves one
    page.wait_for_function("(() => { window.__served = window.__served || new Set();"
                           " document.querySelectorAll('svg .ha-api.serving').forEach(e => "
                           "window.__served.add(e.dataset.apiserver)); return window.__served.size >= 2; })()",
                           polling=50, timeout=30000)
    shot(page, "ha-control-plane")
    page.click("svg .ha-member.leader")  # the component inspector of the leading member
    page.evaluate("window.clusterviz.panels.show('etcd')")
    page.wait_for_selector("[data-table=etcd-members] tr[data-member]")
    roles = page.eval_on_selector_all("[data-table=etcd-members] tr[data-member] td:last-child",
                                      "els => els.map(e => e.textContent)")
    assert sorted(roles) == ["follower", "follower", "leader"]

    first = leader(page)
    server.manage("sim", "stop", f"etcd/{first}", "--cluster", ha_cluster)
    page.wait_for_selector(f"svg .ha-member.down[data-member='{first}']", timeout=15000)
    page.wait_for_function(f"(e => e && e.dataset.member !== {json.dumps(first)})"
                           "(document.querySelector('svg .ha-member.leader'))", timeout=15000)
    second = leader(page)
    server.manage("sim", "stop", f"etcd/{second}", "--cluster", ha_cluster)
    page.wait_for_selector("svg [data-quorum=no]", timeout=15000)
    assert page.locator("svg [data-quorum=no]").text_content() == "no quorum: writes fail"
    shot(page, "ha-no-quorum")
    server.manage("sim", "start", f"etcd/{second}", "--cluster", ha_cluster)
    server.manage("sim", "start", f"etcd/{first}", "--cluster", ha_cluster)
    page.wait_for_selector("svg [data-quorum=yes]", timeout=120000)

    server.manage("sim", "stop", "kube-apiserver/kind-control-plane", "--cluster", ha_cluster)
    page.wait_for_selector("svg .ha-api.down[data-apiserver='kube-apiserver-kind-control-plane']", timeout=15000)
    server.manage("sim", "start", "kube-apiserver/kind-control-plane", "--cluster", ha_cluster)
    assert errors == []
