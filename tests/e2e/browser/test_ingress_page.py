"""The ingress controller where a teacher looks, in real headless Chromium: with the add-on
installed through the control API, an Ingress's inspector shows its rows of the controller's
routing table (host, path, backend Service:port and the pods' endpoints) and answers where a
request goes; the controller pod's inspector shows the whole table. On the diagram's objects band
an Ingress card links to the Services it routes to, and the ingress lesson's highlight lights that
card and the controller (its pods)."""
from __future__ import annotations

import re

import pytest
import yaml

from simulation.scenarios import shipped
from tests.e2e.conftest import DEPLOYMENT, unique, wait_for

from .conftest import sim_get, sim_post

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def ingress(name: str, host: str, service: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": "default"},
            "spec": {"rules": [{"host": host, "http": {"paths": [
                {"path": "/shop", "pathType": "Prefix",
                 "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}]}}


@pytest.fixture
def routed(control_plane, server, admin_api) -> tuple[str, str, list[str]]:
    """The add-on, a 2-replica Deployment behind a Service, and an Ingress to it the controller routes."""
    sim_post(server, admin_api, "play")
    sim_post(server, admin_api, "ingress/install")
    name = unique("shop")
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments",
                             yaml.safe_load(DEPLOYMENT.format(name=name, replicas=2))).status == 201
    assert admin_api.request("POST", "/api/v1/namespaces/default/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]}}).status == 201
    host = f"{name}.example.com"
    assert admin_api.request("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
                             ingress(name, host, name)).status == 201

    def row() -> list[str] | None:
        table = sim_get(server, admin_api, "ingress")
        found = next((r for r in table["routes"] if r["host"] == host), None)
        return found["endpoints"] if found and len(found["endpoints"]) == 2 else None

    def controller_ready() -> bool | None:
        """The client's leg goes through the controller's Service: its pod must be an endpoint."""
        slices = admin_api.get("/apis/discovery.k8s.io/v1/namespaces/ingress-nginx/endpointslices").json()["items"]
        return any((e.get("conditions") or {}).get("ready") for s in slices for e in s.get("endpoints") or []) or None
    endpoints = wait_for(row, timeout=120)
    wait_for(controller_ready, timeout=120)
    return name, host, endpoints


def test_an_ingress_inspector_shows_its_routes_and_routes_a_request(cluster_page, server, admin_api, routed, shot):
    page = cluster_page
    name, host, endpoints = routed
    # the controller's Sync Event is in the Events tab; its object link opens the Ingress's inspector
    page.click("button[data-tab=events]")
    link = f"ingress/{name}"
    opener = ("([link]) => { const a = [...document.querySelectorAll('#events tr[data-reason=Sync] a')]"
              ".find(x => x.textContent.replace(/[\\u200b\\s]/g, '') === link); if (a) a.click(); return !!a; }")
    wait_for(lambda: page.evaluate(opener, [link]) or None, timeout=30)
    inspector = f"[data-inspecting='object:Ingress:default:{name}']"
    page.wait_for_selector(f"{inspector} [data-table=ingress-routes] tr[data-route]", timeout=15000)
    cells = page.locator(f"{inspector} [data-table=ingress-routes] tr[data-route] td").all_inner_texts()
    assert cells[:5] == [host, "/shop", "Prefix", f"default/{name}", f"{name}:80"]
    assert sorted(cells[5].split(", ")) == sorted(endpoints)
    page.fill(f"{inspector} [data-field=ingress-url]", f"http://{host}/shop/cart")
    page.click(f"{inspector} button:has-text('route it')")
    answer = page.locator(f"{inspector} [data-field=ingress-match]")
    wait_for(lambda: answer.inner_text().strip() or None, timeout=10)
    first_leg, _, routed = answer.inner_text().partition("; ")
    assert re.fullmatch(r"client → 172\.18\.0\.\d+:3\d{4} \(NodePort, [-\w]+\) → controller pod "
                        r"ingress-nginx/ingress-nginx-controller-[-\w]+", first_leg), first_leg
    assert routed.startswith(f"http://{host}/shop/cart → {name}:80 (")
    page.fill(f"{inspector} [data-field=ingress-url]", f"http://{host}/elsewhere")
    page.click(f"{inspector} button:has-text('route it')")
    wait_for(lambda: "404" in answer.inner_text() or None, timeout=10)
    shot(page, "ingress-inspector")

    pods = admin_api.get("/api/v1/namespaces/ingress-nginx/pods").json()["items"]
    controller = next(p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running")
    page.click(f"svg .pod[data-pod='ingress-nginx/{controller}']")
    pod_inspector = f"[data-inspecting='pod:ingress-nginx/{controller}']"
    page.wait_for_selector(f"{pod_inspector} [data-table=ingress-routes] tr[data-route='{host}/shop']", timeout=15000)


def test_the_ingress_card_links_to_its_services_and_the_lesson_lights_it_and_the_controller(
        cluster_page, admin_api, routed, shot):
    page = cluster_page
    console_errors: list[str] = []
    # (the page's poll for a running lesson answers 404 on a cluster without one: not a script error)
    page.on("console", lambda m: console_errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    name, host, _ = routed
    # the Ingress's card says its class and host, and links down to the Service it names
    card = f"svg .object.ingress[data-kind=Ingress][data-key='default/{name}']"
    page.wait_for_selector(card, timeout=15000)
    assert page.get_attribute(card, "data-class") == "nginx"  # DefaultIngressClass set it
    assert page.get_attribute(card, "data-hosts") == host
    assert page.get_attribute(card, "data-services") == name
    assert host in page.text_content(card)
    link = f"svg path.ingress-link[data-from='Ingress:default/{name}'][data-to='Service:default/{name}']"
    assert page.locator(link).count() == 1
    assert page.locator(f"svg .object.service[data-key='default/{name}']").count() == 1
    # pointing at the Ingress lights its chain: the Service, its EndpointSlice and the pods
    page.hover(card)
    wait_for(lambda: page.locator(f"{link}.lit").count() == 1 or None, timeout=10)
    assert page.locator(f"svg .object.service.related[data-key='default/{name}']").count() == 1
    assert page.locator("svg .object.endpointslice.related").count() >= 1
    wait_for(lambda: page.locator(f"svg .pod.related[data-pod^='default/{name}-']").count() == 2 or None, timeout=10)
    # clicking it opens its inspector with its rows of the routing table
    page.click(card)
    page.wait_for_selector(f"[data-inspecting='object:Ingress:default:{name}'] [data-table=ingress-routes] "
                           f"tr[data-route='{host}/shop']", timeout=15000)

    # the ingress lesson's step "One Ingress, two hosts, two Services", its Ingress named as ours
    lesson = next(s for s in shipped() if s.id == "ingress")
    step = next(st for st in lesson.steps if st.highlight.objects)
    assert step.highlight.objects == ["ingresses/default/shop"]
    highlight = {"components": step.highlight.components, "stages": step.highlight.stages,
                 "objects": [f"ingresses/default/{name}"]}
    pods = admin_api.get("/api/v1/namespaces/ingress-nginx/pods?labelSelector=app.kubernetes.io/component%3Dcontroller"
                         ).json()["items"]
    controller = [f"ingress-nginx/{p['metadata']['name']}" for p in pods if p["spec"].get("nodeName")]
    assert controller
    page.wait_for_selector(f"svg .pod[data-pod='{controller[0]}'][data-component=ingress-nginx-controller]", timeout=15000)
    lit = page.evaluate("""async highlight => {
        const main = document.querySelector("script[type=module]").src;
        const {Lessons} = await import(new URL("lessons.js", main).href);
        Lessons.prototype.highlight.call({lesson: {steps: [{highlight}]}, viewing: 0});
        return [...document.querySelectorAll("#diagram .lesson-lit")]
          .map(n => n.dataset.pod || (n.dataset.kind ? `${n.dataset.kind}:${n.dataset.key}` : n.dataset.component || n.dataset.stage));
    }""", highlight)
    assert f"Ingress:default/{name}" in lit
    assert set(controller) <= set(lit), lit
    shot(page, "ingress-card-lesson-lit")
    assert not console_errors, console_errors
