"""The site's own pages as a first impression: a styled login page that says what went wrong,
the icon on every page, and a teacher creating a second cluster from the home page — which
then runs like the demo (kubectl sees its nodes; a Deployment's pods run)."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.e2e.conftest import ok, rows, unique

ACCENT = "rgb(50, 108, 229)"  # --accent in static/css/site.css


def icon_of(page) -> str:
    """The page's icon URL, checked to be served as an image."""
    href = page.eval_on_selector("link[rel=icon]", "link => link.href")
    with urllib.request.urlopen(href, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert b"<svg" in response.read()
    return href


def test_the_login_page_is_styled_says_what_went_wrong_and_how_to_get_an_account(browser, server, shot) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.http_url + "/clusters/demo/")
    page.wait_for_url("**/accounts/login/?next=/clusters/demo/")

    # the site's stylesheet is loaded and applied (not the browser's defaults)
    sheets = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
    assert any(href.endswith("/static/css/site.css") and count > 20 for href, count in sheets), sheets
    style = page.eval_on_selector("button[type=submit]", "b => getComputedStyle(b).backgroundColor")
    assert style == ACCENT
    assert page.eval_on_selector("header.site", "h => getComputedStyle(h).backgroundColor") == ACCENT
    assert "python manage.py createsuperuser" in page.inner_text(".hint")
    assert icon_of(page).endswith("/static/favicon.svg")

    page.fill("#id_username", "teacher")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    alert = page.locator(".errors[role=alert]")
    alert.wait_for()
    assert "Please enter a correct username and password." in alert.inner_text()
    assert page.eval_on_selector(".errors", "e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
    assert page.input_value("#id_username") == "teacher"
    shot(page, "site-login-error")
    context.close()


def test_every_page_names_the_icon(browser, login_state, server) -> None:
    context = browser.new_context(storage_state=login_state)
    page = context.new_page()
    for path in ("/", "/clusters/demo/", "/admin/"):
        page.goto(server.http_url + path)
        assert icon_of(page).endswith("/static/favicon.svg"), path
    context.close()


@pytest.fixture
def new_cluster_name(server):
    """A fresh cluster name; the cluster is deleted afterwards (``up`` then stops simulating it)."""
    name = unique("class")
    yield name
    server.manage("shell", "-c", "from clusterviz.clusters.models import Cluster; "
                                 f"Cluster.objects.filter(name={name!r}).delete()")


def wait_for(check, timeout: float = 90, every: float = 0.5):
    """``check()``'s first truthy answer, polled; fails with the last answer after ``timeout`` s."""
    deadline = time.time() + timeout
    while True:
        answer = check()
        if answer or time.time() > deadline:
            assert answer, f"not within {timeout} s; last answer: {answer!r}"
            return answer
        time.sleep(every)


def test_a_teacher_creates_a_cluster_on_the_home_page_and_it_is_simulated(browser, login_state, server, kubectl,
                                                                            new_cluster_name, shot) -> None:
    context = browser.new_context(storage_state=login_state, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.http_url + "/")
    # prefilled with the demo's three nodes (and two blank rows): keep the first, resized,
    # remove the others, and add a tainted one in a row of its own
    assert page.input_value("#id_nodes-2-name") == "node-3"
    page.fill("#id_name", new_cluster_name)
    page.fill("#id_speed", "10")
    page.fill("#id_nodes-0-name", "worker-a")
    page.fill("#id_nodes-0-cpu", "6")
    page.fill("#id_nodes-0-memory", "12Gi")
    page.check("#id_nodes-1-DELETE")
    page.check("#id_nodes-2-DELETE")
    page.click("#add-node")
    page.fill("#id_nodes-5-name", "worker-b")
    page.fill("#id_nodes-5-cpu", "3")
    page.fill("#id_nodes-5-memory", "6Gi")
    page.fill("#id_nodes-5-taints", "dedicated=batch:NoSchedule")
    # first a mistake, shown in the form, nothing created
    page.fill("#id_nodes-0-memory", "12 Gi")
    page.click("button:has-text('Create cluster')")
    page.locator(".new-cluster .errors").wait_for()
    assert "quantities must match the regular expression" in page.inner_text("table.nodes")
    shot(page, "site-new-cluster-error")
    page.fill("#id_nodes-0-memory", "12Gi")
    page.click("button:has-text('Create cluster')")
    page.locator("ul.messages .success").wait_for()
    assert f"Cluster '{new_cluster_name}' created with 2 nodes" in page.inner_text("ul.messages")
    assert "2 simulated" in page.inner_text(f"#cluster-{new_cluster_name}")
    shot(page, "site-new-cluster-created")
    context.close()

    kubeconfig = server.kubeconfig(new_cluster_name)

    def nodes_ready() -> dict | None:
        rc, out, _ = kubectl("get", "nodes", "-o", "custom-columns=NAME:.metadata.name,CPU:.status.capacity.cpu,"
                             "MEMORY:.status.capacity.memory,TAINTS:.spec.taints[*].key,"
                             "READY:.status.conditions[?(@.type=='Ready')].status", kubeconfig=kubeconfig)
        table = rows(out)[1] if rc == 0 and out.strip() else {}
        return table if len(table) == 2 and all(r[-1] == "True" for r in table.values()) else None

    nodes = wait_for(nodes_ready)
    assert nodes == {"worker-a": ["worker-a", "6", "12Gi", "<none>", "True"],
                     "worker-b": ["worker-b", "3", "6Gi", "dedicated", "True"]}
    taints = json.loads(ok(kubectl("get", "node", "worker-b", "-o", "jsonpath={.spec.taints}", kubeconfig=kubeconfig)))
    assert taints == [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]

    ok(kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", kubeconfig=kubeconfig))

    def pods_running() -> list | None:
        pods = json.loads(ok(kubectl("get", "pods", "-l", "app=web", "-o", "json", kubeconfig=kubeconfig)))["items"]
        running = [(p["spec"].get("nodeName"), p["status"].get("phase")) for p in pods]
        return running if len(running) == 2 and all(phase == "Running" for _, phase in running) else None

    # both on the untainted node: the scheduler of this cluster honours the taint asked for
    assert wait_for(pods_running) == [("worker-a", "Running"), ("worker-a", "Running")]
