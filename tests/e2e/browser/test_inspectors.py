"""Live inspectors and honest time travel, in a real browser: an open inspector follows its
object as the cluster changes it (no refresh), without wiping what the user types; the API
server's stage inspector lists the recent requests through it; a past revision shows that
revision's pods, Events and etcd revision together, marks the components as "now", and goes
back to live."""
from __future__ import annotations

import time

import pytest
import yaml

from tests.e2e.conftest import DEPLOYMENT, unique

from .conftest import sim_post
from .test_cluster_page import ensure_nodes, pod

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def inspector_text(page) -> str:
    return page.locator("#panel-inspector .inspector").inner_text()


def test_a_pending_pods_inspector_shows_its_decision_and_running_state_without_a_refresh(
        cluster_page, control_plane, server, admin_api, shot) -> None:
    page = cluster_page
    scheduler = next(c["name"] for c in control_plane["components"]
                     if c["kind"] == "scheduler" and c.get("scheduler_name", "default-scheduler") == "default-scheduler")
    sim_post(server, admin_api, "play")
    sim_post(server, admin_api, f"components/{scheduler}/stop")
    try:
        name = unique("follow")
        assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(name)).status == 201
        page.click(f"svg .pod[data-pod='default/{name}']")
        page.wait_for_selector(f"[data-inspecting='pod:default/{name}'] [data-field=resourceVersion]")
        text = inspector_text(page)
        assert "status Pending" in text and "no decision recorded for this pod (yet)" in text, text
        loads = page.evaluate("performance.getEntriesByType('navigation').length")
    finally:
        sim_post(server, admin_api, f"components/{scheduler}/start")
    # nobody touches the page: the inspector follows the pod through its watch events
    page.wait_for_selector(f"[data-inspecting='pod:default/{name}'] .decision-table tr.winner", timeout=30000)
    page.wait_for_function(
        "document.querySelector('#panel-inspector .inspector').innerText.includes('status Running')", timeout=30000)
    text = inspector_text(page)
    winner = page.locator(".inspector .decision").get_attribute("data-winner")
    node = admin_api.get(f"/api/v1/namespaces/default/pods/{name}").json()["spec"]["nodeName"]
    assert winner == node and f"on {node}" in text, text
    # its Events, from the same watch: scheduled, then the kubelet's
    page.wait_for_function("[...document.querySelectorAll('.inspector [data-table=object-events] td')]"
                           ".some(td => td.textContent === 'Started')", timeout=30000)
    reasons = page.locator(".inspector [data-table=object-events] tr td:nth-child(2)").all_inner_texts()
    assert "Scheduled" in reasons and "Started" in reasons, reasons
    # the scheduler records through events.k8s.io/v1: no source, its reporter names it
    sources = page.locator(".inspector [data-table=object-events] tr td:nth-child(3)").all_inner_texts()
    assert sources[reasons.index("Scheduled")] == "default-scheduler", sources
    assert page.evaluate("performance.getEntriesByType('navigation').length") == loads
    assert page.locator(f"[data-inspecting='pod:default/{name}']").count() == 1
    shot(page, "inspector-followed-pending-pod")


def test_an_inspector_being_typed_in_waits_for_the_user_then_follows(cluster_page, admin_api) -> None:
    page = cluster_page
    name = unique("typing")
    body = yaml.safe_load(DEPLOYMENT.format(name=name, replicas=1))
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", body).status == 201
    page.evaluate(f"window.clusterviz.panels.inspect('object:Deployment:default:{name}')")
    field = f"[data-inspecting='object:Deployment:default:{name}'] input[data-field=replicas]"
    page.wait_for_selector(field)
    page.fill(field, "7")  # the teacher is typing a new replica count...
    path = f"/apis/apps/v1/namespaces/default/deployments/{name}"
    # ...while someone else changes the Deployment
    response = admin_api.request("PATCH", path, {"metadata": {"labels": {"touched": "later"}}},
                                 content_type="application/merge-patch+json")
    assert response.status == 200, response.body
    changed = response.json()["metadata"]["resourceVersion"]
    time.sleep(1.5)  # the watch event arrived and the follow delay passed
    assert page.input_value(field) == "7" and page.evaluate("document.activeElement.dataset.field") == "replicas"
    page.locator(field).blur()
    # once the field lets go, the inspector shows the Deployment as it is now
    page.wait_for_function(
        f"Number((document.querySelector(\"[data-inspecting='object:Deployment:default:{name}'] [data-field=resourceVersion]\")"
        f" || {{}}).textContent) >= {changed} && document.querySelector('.inspector pre.yaml').textContent.includes('touched: later')",
        timeout=10000)
    admin_api.request("DELETE", path)


def test_the_stage_inspector_lists_recent_requests_with_the_plugin_that_refused_them(cluster_page, admin_api) -> None:
    page = cluster_page
    good, bad = unique("first"), unique("Bad_Name")  # not a DNS-1123 name: validation refuses it
    assert admin_api.request("POST", "/api/v1/namespaces/default/configmaps",
                             {"metadata": {"name": good}, "data": {}}).status == 201
    assert admin_api.request("POST", "/api/v1/namespaces/default/configmaps",
                             {"metadata": {"name": bad}, "data": {}}).status == 422
    page.click("svg .stage[data-stage=validation]")
    page.wait_for_selector("[data-inspecting='stage:validation'] [data-list=stage-requests] li")
    page.wait_for_function(
        f"[...document.querySelectorAll('[data-list=stage-requests] li')].some(li => li.textContent.includes('{bad}'))",
        timeout=10000)
    refused = page.locator("[data-list=stage-requests] li", has_text=bad)
    assert refused.get_attribute("data-code") == "422" and refused.get_attribute("data-refused-by"), refused.inner_text()
    assert "create" in refused.inner_text() and "configmaps" in refused.inner_text()
    # a list, not the last request only; the page's own reads left out while the toggle is off
    assert page.locator("[data-list=stage-requests] li", has_text=good).count() == 1
    agents = page.evaluate("window.clusterviz.state.requests.filter(r => r.user_agent.startsWith('clusterviz-page/'))"
                           ".map(r => r.verb)")
    assert not [v for v in agents if v in ("get", "list", "watch")], agents
    # and it keeps following: a later request through the stage appears without a click
    later = unique("later")
    assert admin_api.request("POST", "/api/v1/namespaces/default/configmaps",
                             {"metadata": {"name": later}, "data": {}}).status == 201
    page.wait_for_function(
        f"[...document.querySelectorAll('[data-list=stage-requests] li')].some(li => li.textContent.includes('{later}'))",
        timeout=10000)


def test_time_travel_shows_one_revision_consistently_then_back_to_live(cluster_page, server, admin_api, shot) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    ns = unique("travel")
    assert admin_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201

    def event(name: str) -> int:
        body = {"metadata": {"name": name, "namespace": ns}, "reason": name.capitalize(), "type": "Normal",
                "message": f"the {name} event", "involvedObject": {"kind": "Pod", "namespace": ns, "name": "early"},
                "source": {"component": "test"}}
        created = admin_api.request("POST", f"/api/v1/namespaces/{ns}/events", body)
        assert created.status == 201, created.body
        return int(created.json()["metadata"]["resourceVersion"])

    assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/pods", pod("early", nodes[0], namespace=ns)).status == 201
    revision = event("before")
    assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/pods", pod("late", nodes[0], namespace=ns)).status == 201
    event("after")
    page.wait_for_selector(f"svg .pod[data-pod='{ns}/late']")
    page.click("#tabs button[data-tab=etcd]")
    page.evaluate(f"window.clusterviz.travel({revision})")
    page.wait_for_function(f"document.body.dataset.viewRevision === '{revision}'")
    # the diagram: that revision's pods, etcd at that revision, the components marked "now"
    page.wait_for_selector(f"svg .pod[data-pod='{ns}/late']", state="detached")
    assert page.locator(f"svg .pod[data-pod='{ns}/early']").count() == 1
    assert page.locator("#etcd-revision").text_content() == f"rev {revision}"
    assert "NOW" in page.locator("#past-note").text_content()
    # the banner says which revision and when, read-only
    banner = page.locator("#rev-note").inner_text()
    assert f"viewing revision {revision} (t=" in banner and "read-only" in banner, banner
    # the etcd panel reads its keys at that revision
    page.wait_for_selector(f"#panel-etcd[data-revision='{revision}']")
    keys = page.locator("#panel-etcd [data-table=etcd]").inner_text()
    assert f"/registry/pods/{ns}/early" in keys and f"/registry/pods/{ns}/late" not in keys
    # the Events list: that revision's Events only
    page.click("#tabs button[data-tab=events]")
    page.select_option("#ev-namespace", ns)
    page.wait_for_function("document.querySelector('#events tr[data-reason=Before]')")
    assert page.locator("#events tr[data-reason=After]").count() == 0, "the Event written later is not there yet"
    # an inspector opened in the past shows the object as it was, and says so
    page.click(f"svg .pod[data-pod='{ns}/early']")
    page.wait_for_selector(f"[data-inspecting='pod:{ns}/early'] .past-mark")
    shot(page, "time-travel-consistent")
    # back to live: everything of now again
    page.click("#rev-live")
    page.wait_for_selector(f"svg .pod[data-pod='{ns}/late']")
    assert page.locator("#past-note").count() == 0 and page.locator("#rev-note").inner_text() == ""
    assert page.locator("#etcd-revision").text_content() != f"rev {revision}"
    page.click("#tabs button[data-tab=events]")
    page.select_option("#ev-namespace", ns)
    # both of the test's Events again (the kubelet adds its own about the pods meanwhile)
    page.wait_for_function("['Before', 'After'].every(r => document.querySelector(`#events tr[data-reason=${r}]`))")
