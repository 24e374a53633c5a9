"""The cluster page in a real browser: the diagram, requests animated from audit records,
rejections stopping at their plugin, objects appearing, the websocket's rules (login,
sequence gaps), and — once the control plane answers — time controls and inspectors."""
from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from tests.e2e.conftest import DEPLOYMENT, ok, tmpfile

from .conftest import log_in, sim_get, sim_post, sim_status

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STAGES = ["authentication", "authorization", "mutating-admission", "validation", "validating-admission", "storage"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def ensure_nodes(server, api) -> list[str]:
    """The cluster's nodes; while no kubelet registers any (control plane not landed), register
    three the way a kubelet does, through the API server."""
    nodes = api.get("/api/v1/nodes").json()["items"]
    if nodes:
        return [n["metadata"]["name"] for n in nodes]
    names = []
    for i, zone in enumerate(["zone-a", "zone-b", "zone-b"], start=1):
        name = f"node-{i}"
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone}},
            "status": {"capacity": {"cpu": str(2 * i), "memory": f"{4 * i}Gi", "pods": "110"},
                       "allocatable": {"cpu": str(2 * i), "memory": f"{4 * i}Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}
        response = api.request("POST", "/api/v1/nodes", node)
        assert response.status in (201, 409), response.body
        names.append(name)
    return names


def pod(name: str, node: str | None = None, namespace: str = "default", **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def test_home_page_links_to_the_cluster_page_which_needs_a_login(browser, server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.http_url + "/")
    page.click("a[href='/clusters/demo/']")
    page.wait_for_url("**/accounts/login/?next=/clusters/demo/")
    assert page.locator("#id_username").is_visible()
    context.close()


def test_page_loads_with_the_architecture_diagram(cluster_page, server, admin_api, shot) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    for stage in STAGES:
        assert page.locator(f"svg .stage[data-stage='{stage}']").count() == 1
    assert page.locator("svg .etcd").count() == 1
    assert "etcd" in page.locator("svg .etcd").text_content()
    # scheduler and controller manager boxes, whether or not the control plane runs yet
    assert page.locator("svg .scheduler").count() >= 1
    assert page.locator("svg .manager .controller").count() >= 1
    # one box per node, each with kubelet and kube-proxy
    page.wait_for_function(f"document.querySelectorAll('svg .node').length >= {len(nodes)}", timeout=10000)
    first = page.locator(f"svg .node[data-node='{nodes[0]}']")
    assert "kubelet" in first.text_content() and "kube-proxy" in first.text_content()
    # the health strip is `kubectl get componentstatuses`, sent by the server over the websocket
    page.wait_for_selector("#health .cs[data-name='etcd-0'].healthy")
    assert page.locator("#health .cs[data-name='scheduler']").count() == 1
    # the websocket is up and the control plane's requests show as API requests
    page.wait_for_selector("#link.up")
    page.wait_for_selector("#requests li")
    shot(page, "01-diagram")


def test_without_the_control_plane_time_controls_are_off_with_a_note(browser, cluster_server_sqlite,
                                                                      tmp_path, shot) -> None:
    """An API-only server (CLUSTERVIZ_SIMULATION=off): the page still draws the cluster and
    animates requests; the time controls are disabled and say why."""
    state = log_in(browser, cluster_server_sqlite, tmp_path / "state.json")
    context = browser.new_context(storage_state=state, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{cluster_server_sqlite.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true][data-sim=unavailable]")
    assert page.locator("#play").is_disabled() and page.locator("#step").is_disabled()
    assert page.locator("#speed").is_disabled()
    assert "control API" in page.locator("#sim-note").inner_text()
    assert "state unknown" in page.locator("svg .scheduler").first.text_content()
    # no kernel: nobody runs the scheduler, as `kubectl get cs` says
    page.wait_for_selector("#health .cs[data-name='scheduler'].unhealthy")
    # nothing else makes requests here: the page's own are drawn once asked for
    page.check("#own-requests")
    page.evaluate("window.clusterviz.resync('manual')")
    page.wait_for_selector("#requests li")
    shot(page, "00-api-only")
    context.close()


def test_kubectl_apply_deployment_shows_the_request_and_its_objects(cluster_page, server, admin_api, kubectl,
                                                                     admin_kubeconfig_live, tmp_path, shot) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    name = unique("web")
    manifest = tmpfile(tmp_path, "deploy.yaml", DEPLOYMENT.format(name=name, replicas=2))
    ok(kubectl("apply", "-f", str(manifest), kubeconfig=admin_kubeconfig_live))
    # the create request crossed the diagram: it is listed with its user
    page.wait_for_function(
        f"[...document.querySelectorAll('#requests li')].some(li => li.textContent.includes('deployments default/{name}'))",
        timeout=10000)
    # the Deployment is in etcd, under its registry key, with its revision
    page.click("#tabs button[data-tab=etcd]")
    page.fill("#panel-etcd input", name)
    key = page.locator("#panel-etcd a", has_text=f"/registry/deployments/default/{name}")
    key.wait_for()
    key.click()
    page.wait_for_selector(f"[data-inspecting='object:Deployment:default:{name}'] [data-field=resourceVersion]")
    assert "replicas: 2" in page.locator(".inspector pre.yaml").inner_text()
    if sim_status(server, admin_api) is not None:
        # the controllers and the scheduler turn it into pods on nodes
        page.wait_for_function(
            f"[...document.querySelectorAll('svg .pod')].filter(p => p.dataset.pod.startsWith('default/{name}-') "
            "&& p.dataset.nodeName).length >= 2", timeout=30000)
        # a pod's inspector shows its owner chain and the Events of its journey
        page.locator(f"svg .pod[data-pod^='default/{name}-']").first.click()
        page.wait_for_selector(".inspector .owners a")
        owners = page.locator(".inspector .owners").inner_text()
        assert "ReplicaSet/" + name in owners and f"Deployment/{name}" in owners, owners
        page.wait_for_function("[...document.querySelectorAll('.inspector [data-table=object-events] td')]"
                               ".some(td => td.textContent === 'Scheduled')", timeout=20000)
    else:
        # no controllers yet: a pod bound directly to a node (what the scheduler would do) appears on it
        pod_name = f"{name}-direct"
        assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(pod_name, nodes[0])).status == 201
        page.wait_for_selector(f"svg .pod[data-pod='default/{pod_name}'][data-node-name='{nodes[0]}']")
        unscheduled = f"{name}-pending"
        assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(unscheduled)).status == 201
        page.wait_for_selector(f"svg .pod[data-pod='default/{unscheduled}'][data-status=Pending]")
    time.sleep(1)
    shot(page, "02-kubectl-apply")


def test_yaml_editor_creates_a_deployment(cluster_page, shot) -> None:
    page = cluster_page
    name = unique("editor")
    page.click("#tabs button[data-tab=create]")
    page.select_option("#example", label="Deployment (3 nginx pods)")
    text = page.input_value("#yaml").replace("name: web\n", f"name: {name}\n", 1)
    page.fill("#yaml", text)
    page.click("#create")
    page.wait_for_selector(f"#create-result.good:has-text('deployment/{name} created')")
    page.wait_for_function(
        f"[...document.querySelectorAll('#requests li')].some(li => li.textContent.includes('create deployments default/{name}')"
        " && li.textContent.includes('teacher'))", timeout=10000)
    shot(page, "03-yaml-editor")


def test_quota_rejection_stops_at_the_admission_plugin_with_its_reason(cluster_page, admin_api, shot) -> None:
    page = cluster_page
    ns = unique("quota")
    assert admin_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201
    quota = {"metadata": {"name": "compute-quota"}, "spec": {"hard": {"pods": "1"}}}
    assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/resourcequotas", quota).status == 201
    time.sleep(0.3)
    assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/pods", pod("first", namespace=ns)).status == 201
    rejected = admin_api.request("POST", f"/api/v1/namespaces/{ns}/pods", pod("second", namespace=ns))
    assert rejected.status == 403, rejected.body
    # the dot stops at the ResourceQuota plugin, which lights up, and the reason is shown
    page.wait_for_selector("svg .stage.rejected[data-rejected-by=ResourceQuota]", timeout=10000)
    stage = page.locator("svg .stage.rejected").get_attribute("data-stage")
    assert stage in ("mutating-admission", "validating-admission"), stage
    assert "ResourceQuota" in page.locator("svg .stage.rejected .verdict").text_content()
    reason = page.locator("#reject-reason").text_content()
    assert reason.startswith("403") and "exceeded quota" in reason and "compute-quota" in reason, reason
    # later stages did not run for it: the request list shows the refusal with its plugin
    page.wait_for_selector("#requests li.bad .reason:has-text('ResourceQuota')")
    shot(page, "04-quota-rejected")
    page.click("svg .stage.rejected")
    page.wait_for_selector(".inspector h4:has-text('Last rejection')")


def test_websocket_refuses_anonymous_users(browser, server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.http_url + "/")
    result = page.evaluate("""url => new Promise(resolve => {
        const ws = new WebSocket(url);
        let opened = false;
        ws.onopen = () => { opened = true; };
        ws.onmessage = ev => resolve({opened, message: ev.data});
        ws.onclose = ev => resolve({opened, code: ev.code});
        setTimeout(() => resolve({opened, timeout: true}), 8000);
    })""", server.http_url.replace("http:", "ws:") + "/ws/clusters/demo/")
    assert result.get("opened") is False and "message" not in result and not result.get("timeout"), result
    context.close()


def test_websocket_frames_carry_sequence_numbers_and_a_gap_triggers_a_resync(page, server, admin_api) -> None:
    drop = {"next": False, "dropped": 0, "seqs": []}

    def route(ws) -> None:  # noqa: ANN001 - a Playwright WebSocketRoute
        upstream = ws.connect_to_server()

        def from_server(message) -> None:  # noqa: ANN001
            frame = json.loads(message)
            drop["seqs"].append(frame["seq"])
            if drop["next"] and frame["seq"] > 1:
                drop["next"] = False
                drop["dropped"] += 1
                return  # lost, as a channel layer drops messages under load
            ws.send(message)

        upstream.on_message(from_server)
        ws.on_message(lambda message: upstream.send(message))

    page.route_web_socket(re.compile(r"/ws/clusters/demo/(\?.*)?$"), route)  # ?page=<the tab's id>
    page.goto(f"{server.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true]")
    page.wait_for_function("document.body.dataset.lastResync === 'connect'")
    before = int(page.evaluate("document.body.dataset.resyncs"))
    assert page.evaluate("document.body.dataset.gaps") is None
    # a write makes the server send a frame; this one is lost on the way
    drop["next"] = True
    name = unique("gap")
    assert admin_api.request("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": name}}).status == 201
    deadline = time.time() + 10
    while drop["next"] and time.time() < deadline:
        admin_api.request("GET", f"/api/v1/namespaces/default/configmaps/{name}")
        page.wait_for_timeout(200)
    assert drop["dropped"] == 1
    # the next frame shows the gap: the page relists from the API and restarts its watches
    page.wait_for_function("Number(document.body.dataset.gaps) >= 1", timeout=10000)
    page.wait_for_function(f"Number(document.body.dataset.resyncs) > {before}")
    page.wait_for_function("document.body.dataset.lastResync === 'gap'")
    seqs = drop["seqs"]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # the server itself never skips


def test_watch_events_keep_the_diagram_current(cluster_page, server, admin_api) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    name = unique("watched")
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(name, nodes[-1])).status == 201
    page.wait_for_selector(f"svg .pod[data-pod='default/{name}']")
    assert admin_api.request("DELETE", f"/api/v1/namespaces/default/pods/{name}?gracePeriodSeconds=0").status == 200
    # gone (a kubelet confirmed the deletion) or Terminating (bound pods wait for their kubelet)
    page.wait_for_function(f"""(() => {{
        const pod = document.querySelector("svg .pod[data-pod='default/{name}']");
        return !pod || pod.dataset.status === "Terminating";
    }})()""", timeout=30000)


def test_inspectors_for_a_pod_and_a_node(cluster_page, server, admin_api, shot) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    name = unique("inspect")
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(name, nodes[0])).status == 201
    page.click(f"svg .pod[data-pod='default/{name}']")
    page.wait_for_selector(f"[data-inspecting='pod:default/{name}'] [data-field=resourceVersion]")
    text = page.locator(".inspector").inner_text()
    assert f"/registry/pods/default/{name}" in text and "nodeName: " + nodes[0] in text
    shot(page, "05-pod-inspector")
    page.click(f"svg .node[data-node='{nodes[0]}'] .node-box")
    page.wait_for_selector(f"[data-inspecting='node:{nodes[0]}']")
    assert "crictl ps" in page.locator(".inspector").inner_text()
    shot(page, "06-node-inspector")


def test_events_panel_filters_by_namespace_kind_and_reason(cluster_page, admin_api) -> None:
    page = cluster_page
    ns = unique("events")
    assert admin_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201
    for reason in ("Scheduled", "Pulled"):
        event = {"metadata": {"name": f"ev-{reason.lower()}", "namespace": ns}, "reason": reason, "type": "Normal",
                 "message": f"test {reason}", "involvedObject": {"kind": "Pod", "namespace": ns, "name": "p"},
                 "source": {"component": "kubelet"}}
        assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/events", event).status == 201
    page.click("#tabs button[data-tab=events]")
    page.wait_for_selector(f"#ev-namespace option[value='{ns}']", state="attached")
    page.select_option("#ev-namespace", ns)
    page.wait_for_function("document.querySelectorAll('#events tr').length === 2")
    page.fill("#ev-reason", "pull")
    page.wait_for_function("document.querySelectorAll('#events tr').length === 1")
    assert page.locator("#events tr").get_attribute("data-reason") == "Pulled"
    page.select_option("#ev-kind", "Pod")
    assert page.locator("#events tr").count() == 1


def test_large_text_animation_switch_and_keyboard(cluster_page, shot) -> None:
    page = cluster_page
    page.set_viewport_size({"width": 1280, "height": 720})  # a laptop, or a projector's 720p
    shot(page, "18-laptop-1280x720")
    page.check("#large")
    assert "large" in page.evaluate("document.body.className")
    shot(page, "19-large-text-1280x720")
    page.uncheck("#animate")
    assert "no-animation" in page.evaluate("document.body.className")
    page.locator("#diagram").click(position={"x": 5, "y": 5})
    page.keyboard.press("a")
    assert "no-animation" not in page.evaluate("document.body.className")
    page.keyboard.press("l")
    assert "large" not in page.evaluate("document.body.className")


def test_many_nodes_are_grouped_by_zone(browser, login_state, server, admin_api, shot) -> None:
    """Past 50 nodes the diagram shows one box per zone with counts; a click expands one.
    Uses a cluster of its own so the demo keeps its few nodes."""
    cluster = unique("big")
    server.manage("shell", "-c", f"from clusterviz.clusters.bootstrap import create_cluster; create_cluster('{cluster}')")
    from tests.e2e.conftest import RawAPI

    api = RawAPI(server.kubeconfig(cluster))
    for i in range(56):
        node = {"metadata": {"name": f"n{i:02d}", "labels": {"topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}"}},
                "status": {"capacity": {"cpu": "4", "pods": "110"}, "conditions": [{"type": "Ready", "status": "True"}]}}
        assert api.request("POST", "/api/v1/nodes", node).status == 201
    context = browser.new_context(storage_state=login_state, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.http_url}/clusters/{cluster}/")
    page.wait_for_selector("body[data-synced=true]")
    page.wait_for_function("document.querySelectorAll('svg .zone').length === 3")
    assert page.locator("svg .node").count() == 0
    assert "19 nodes" in page.locator("svg .zone[data-zone='zone-a']").text_content()
    page.click("svg .zone[data-zone='zone-b']")
    page.wait_for_function("document.querySelectorAll('svg .node').length === 19")
    shot(page, "07-zones")
    context.close()


# ---------------------------------------------------------------------- with the control plane
def test_pause_and_step_advance_one_story_step_with_a_caption(cluster_page, control_plane, server, admin_api,
                                                              shot) -> None:
    page = cluster_page
    page.wait_for_selector("#play:not([disabled])")
    sim_post(server, admin_api, "pause")
    page.wait_for_function("document.body.dataset.clockMode === 'paused'", timeout=10000)
    # give the cluster something to do, then step once
    name = unique("step")
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments",
                             json.loads(json.dumps(__import__("yaml").safe_load(
                                 DEPLOYMENT.format(name=name, replicas=1))))).status == 201
    before = sim_status(server, admin_api)["clock"]["step"]
    page.wait_for_function(f"window.clusterviz.state.clock.step === {before}")
    page.locator("#diagram").click(position={"x": 5, "y": 5})
    page.keyboard.press("s")
    # one story step (housekeeping before it ran silently), and the caption says what it was
    page.wait_for_function(f"Number(document.getElementById('caption').dataset.seq) > {before}", timeout=10000)
    time.sleep(0.5)
    shown = int(page.locator("#caption").get_attribute("data-seq"))
    after = sim_status(server, admin_api)["clock"]["step"]
    assert shown == after, (before, shown, after)
    [step] = [s for s in sim_get(server, admin_api, f"steps?since={before}")["steps"] if not s["housekeeping"]]
    assert step["seq"] == shown and page.locator("#caption .text").inner_text().strip() == step["caption"]
    page.wait_for_selector("#timeline li.story")
    shot(page, "08-step")

    # with the story at rest and the clock at live, a step has nothing to run before the wall
    # clock gets there: the page says why rather than seeming to do nothing
    sim_post(server, admin_api, "play")
    wait_until_the_story_rests(server, admin_api)
    sim_post(server, admin_api, "live")
    sim_post(server, admin_api, "pause")
    page.wait_for_function("document.body.dataset.clockMode === 'paused'", timeout=10000)
    note = ""
    for _ in range(5):
        page.keyboard.press("s")
        try:
            page.wait_for_function("document.getElementById('sim-note').textContent.trim() !== ''", timeout=2000)
        except Exception:  # noqa: BLE001 - that step found a story step after all: step again
            continue
        note = page.locator("#sim-note").inner_text()
        break
    assert re.match(r"(At live: the next action is due in [\d.]+s of wall time|Only housekeeping is due in the next 60s)",
                    note), note
    shot(page, "08-step-at-live")
    sim_post(server, admin_api, "play")


def wait_until_the_story_rests(server, api, quiet_seconds: float = 3.0) -> None:
    """Until no story step happened for ``quiet_seconds`` (three hops at 1x): what other tests
    set going has finished, so the steps that follow are this test's own."""
    deadline = time.time() + 60
    while time.time() < deadline:
        before = sim_status(server, api)["clock"]["step"]
        time.sleep(quiet_seconds)
        if not [s for s in sim_get(server, api, f"steps?since={before}")["steps"] if not s["housekeeping"]]:
            return
    raise AssertionError("the control plane never came to rest")


#: What the page shows of the step in the caption: the step, the components and controller chips lit.
CAPTIONED = """() => {
  const seq = Number(document.getElementById("caption").dataset.seq);
  return {step: window.clusterviz.state.steps.find(s => s.seq === seq),
          caption: document.querySelector("#caption .text").textContent,
          lit: [...document.querySelectorAll("svg [data-component].lit")].map(n => n.dataset.component),
          chips: [...document.querySelectorAll("svg [data-controller].lit")].map(n => n.dataset.controller)};
}"""


def test_the_step_button_walks_the_deployment_chain_story_step_by_story_step_lighting_each_path(
        cluster_page, control_plane, server, admin_api, shot) -> None:
    page = cluster_page
    page.wait_for_selector("#play:not([disabled])")
    wait_until_the_story_rests(server, admin_api)
    sim_post(server, admin_api, "pause")
    page.wait_for_function("document.body.dataset.clockMode === 'paused'", timeout=10000)
    name = unique("chain")
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", __import__("yaml").safe_load(
        DEPLOYMENT.format(name=name, replicas=2))).status == 201

    def running() -> int:
        items = admin_api.get(f"/api/v1/namespaces/default/pods?labelSelector=app%3D{name}").json()["items"]
        return sum(1 for p in items if (p.get("status") or {}).get("phase") == "Running")

    walked: list[dict] = []
    try:
        for _ in range(40):
            seq = int(page.locator("#caption").get_attribute("data-seq") or 0)
            page.click("#step")
            page.wait_for_function(f"Number(document.getElementById('caption').dataset.seq) > {seq}", timeout=15000)
            shown = page.evaluate(CAPTIONED)
            walked.append(shown)
            step = shown["step"]
            assert not step["housekeeping"] and shown["caption"] == step["caption"], shown
            # everything the step names is lit, and nothing else
            on_diagram = set(page.evaluate("[...document.querySelectorAll('svg [data-component]')]"
                                           ".map(n => n.dataset.component)"))
            assert set(shown["lit"]) == set(step["highlight"]) & on_diagram, shown
            assert set(shown["chips"]) <= {step["controller"]}, shown
            if running() == 2:
                break
        shot(page, "09-story-steps")
    finally:
        sim_post(server, admin_api, "play")
    assert running() == 2, [w["caption"] for w in walked]

    def first(predicate) -> tuple[int, dict]:
        return next((i, w) for i, w in enumerate(walked) if predicate(w["step"], w["caption"]))

    made_rs, rs = first(lambda s, c: s["controller"] == "deployment" and "creates ReplicaSet" in c and name in c)
    made_pods, pods = first(lambda s, c: s["controller"] == "replicaset" and "creates pod" in c and name in c)
    bound, bind = first(lambda s, c: s["action"] == "schedule" and name in c)
    heard, hear = first(lambda s, c: s["action"] == "watch-delivery" and s["component"].startswith("kubelet/")
                        and name in c)
    started, start = first(lambda s, c: "starts container" in c and name in c)
    assert made_rs < made_pods < bound < heard < started, [w["caption"] for w in walked]
    for shown in (rs, pods):
        assert {"kube-controller-manager", "apiserver", "etcd"} <= set(shown["lit"]), shown
    assert rs["chips"] == ["deployment"] and pods["chips"] == ["replicaset"]
    node = bind["step"]["extra"]["node"]
    assert {"kube-scheduler", "apiserver", "etcd", f"kubelet/{node}"} <= set(bind["lit"]), bind
    assert set(hear["lit"]) == {"apiserver", hear["step"]["component"]}, hear
    assert {start["step"]["component"], "apiserver", "etcd"} <= set(start["lit"]), start
    assert page.locator("#timeline li.housekeeping").count() > 0, "housekeeping is in the timeline, hidden"
    assert not page.locator("#timeline li.housekeeping").first.is_visible()
    page.check("#show-housekeeping")
    assert page.locator("#timeline li.housekeeping").first.is_visible()


def test_stopping_the_scheduler_turns_it_red_and_pods_stay_pending(cluster_page, control_plane, server,
                                                                   admin_api, shot) -> None:
    page = cluster_page
    scheduler = next(c for c in control_plane["components"] if c["kind"] == "scheduler")["name"]
    sim_post(server, admin_api, "play")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    # through the page: the scheduler's inspector has the stop button (the control API, as the teacher)
    page.click(f"svg .scheduler[data-component='{scheduler}']")
    page.wait_for_selector(f"[data-inspecting='component:{scheduler}'] button:has-text('stop')")
    try:  # from the click on: whatever fails, the scheduler is started again for the next tests
        page.click(".inspector button:has-text('stop')")
        page.wait_for_selector(f"svg .scheduler.stopped[data-component='{scheduler}']", timeout=15000)
        page.wait_for_selector(".inspector .action-note.good")
        page.wait_for_selector("#health .cs[data-name='scheduler'].unhealthy", timeout=15000)
        assert not [url for url in asked if "componentstatuses" in url]  # the server told it
        name = unique("waiting")
        assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(name)).status == 201
        page.wait_for_selector(f"svg .pod[data-pod='default/{name}'][data-status=Pending]")
        time.sleep(2)
        assert page.locator(f"svg .pod[data-pod='default/{name}']").get_attribute("data-node-name") == ""
        shot(page, "09-scheduler-stopped")
    finally:
        sim_post(server, admin_api, f"components/{scheduler}/start")


def test_decision_table_of_an_unschedulable_pod_names_the_failing_plugins(cluster_page, control_plane, server,
                                                                          admin_api, shot) -> None:
    page = cluster_page
    name = unique("huge")
    big = pod(name)
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "640", "memory": "1Ti"}}
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods", big).status == 201
    page.wait_for_selector(f"svg .pod[data-pod='default/{name}']")
    deadline = time.time() + 20
    while time.time() < deadline:
        page.click(f"svg .pod[data-pod='default/{name}']")
        if page.locator(".inspector .decision-table").count():
            break
        page.wait_for_timeout(500)
    rows = page.locator(".inspector .decision-table tr[data-node]")
    assert rows.count() >= 1
    for i in range(rows.count()):
        # every node names the plugin that turned it down, with upstream's reason
        failing = rows.nth(i).locator("td.fail")
        assert failing.count() >= 1, rows.nth(i).inner_text()
        assert failing.first.get_attribute("data-plugin"), rows.nth(i).inner_text()
        assert "undefined" not in rows.nth(i).inner_text()
    fit = page.locator(".inspector .decision-table td.fail[data-plugin=NodeResourcesFit]")
    assert fit.count() >= 1 and "Insufficient cpu" in fit.first.inner_text()
    assert "0/" in page.locator(".inspector .decision").inner_text()  # upstream's "0/3 nodes are available: ..."
    shot(page, "10-decision-table")


def test_scale_and_delete_from_the_object_inspector(cluster_page, admin_api) -> None:
    page = cluster_page
    name = unique("scaled")
    import yaml

    body = yaml.safe_load(DEPLOYMENT.format(name=name, replicas=1))
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", body).status == 201
    page.evaluate(f"window.clusterviz.panels.inspect('object:Deployment:default:{name}')")
    page.wait_for_selector(f"[data-inspecting='object:Deployment:default:{name}'] input[data-field=replicas]")
    page.fill("input[data-field=replicas]", "4")
    page.click(".inspector button:has-text('scale')")
    page.wait_for_selector(".inspector .action-note.good:has-text('scaled')")
    assert admin_api.get(f"/apis/apps/v1/namespaces/default/deployments/{name}").json()["spec"]["replicas"] == 4
    page.wait_for_function(
        f"[...document.querySelectorAll('#requests li')].some(li => li.textContent.includes('patch deployments default/{name}')"
        " && li.textContent.includes('teacher'))", timeout=10000)
    page.click(".inspector button.danger:has-text('delete')")
    page.wait_for_selector(".inspector .action-note.good:has-text('deleted')")
    deadline = time.time() + 10
    while admin_api.get(f"/apis/apps/v1/namespaces/default/deployments/{name}").status != 404:
        assert time.time() < deadline, "the Deployment was not deleted"
        time.sleep(0.3)


def test_killing_the_pause_container_restarts_the_pods_containers(cluster_page, control_plane, server, admin_api,
                                                                   shot) -> None:
    page = cluster_page
    sim_post(server, admin_api, "play")
    name = unique("sandbox")
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(name)).status == 201
    page.wait_for_selector(f"svg .pod[data-pod='default/{name}'][data-status=Running]", timeout=30000)
    page.click(f"svg .pod[data-pod='default/{name}']")
    page.wait_for_selector(f"[data-inspecting='pod:default/{name}'] button:has-text('pause (sandbox)')")
    page.click(".inspector button:has-text('pause (sandbox)')")
    page.wait_for_selector(".inspector .action-note.good")
    # the kubelet recreates the sandbox and every container in it: the app container's restart count goes up
    page.wait_for_function(
        f"(document.querySelector(\"svg .pod[data-pod='default/{name}'] .container[data-container=app]\") || {{}})"
        ".textContent?.includes('↻')", timeout=30000)
    shot(page, "11-pause-killed")


def test_time_travel_shows_the_cluster_at_a_past_revision_read_only(cluster_page, server, admin_api, shot) -> None:
    page = cluster_page
    nodes = ensure_nodes(server, admin_api)
    before, after = unique("before"), unique("after")
    created = admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(before, nodes[0]))
    assert created.status == 201
    revision = int(created.json()["metadata"]["resourceVersion"])
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods", pod(after, nodes[0])).status == 201
    page.wait_for_selector(f"svg .pod[data-pod='default/{after}']")
    # pick the revision on the slider: the later pod is not there yet, the earlier one is
    page.evaluate(f"""() => {{ const s = document.getElementById('rev-slider');
        s.value = {revision}; s.dispatchEvent(new Event('change')); }}""")
    page.wait_for_function(f"document.body.dataset.viewRevision === '{revision}'")
    page.wait_for_selector(f"svg .pod[data-pod='default/{after}']", state="detached")
    assert page.locator(f"svg .pod[data-pod='default/{before}']").count() == 1
    assert "read-only" in page.locator("#rev-note").inner_text()
    shot(page, "13-time-travel")
    page.click("#rev-live")
    page.wait_for_selector(f"svg .pod[data-pod='default/{after}']")


def test_a_second_scheduler_started_from_the_page_schedules_its_pods(cluster_page, control_plane, server, admin_api,
                                                                     shot) -> None:
    page = cluster_page
    sim_post(server, admin_api, "play")
    scheduler_name = unique("my-scheduler")
    name = unique("picky")
    assert admin_api.request("POST", "/api/v1/namespaces/default/pods",
                             pod(name, schedulerName=scheduler_name)).status == 201
    page.wait_for_selector(f"svg .pod[data-pod='default/{name}'][data-status=Pending]")
    time.sleep(1.5)  # no running scheduler serves it: it waits
    assert page.locator(f"svg .pod[data-pod='default/{name}']").get_attribute("data-node-name") == ""
    default = next(c for c in control_plane["components"] if c["kind"] == "scheduler")["name"]
    page.click(f"svg .scheduler[data-component='{default}']")
    page.fill(".inspector input[size='14']", scheduler_name)
    page.click(".inspector button:has-text('start it')")
    page.wait_for_selector(f"svg .scheduler[data-component='{scheduler_name}']", timeout=15000)
    page.wait_for_function(f"""(document.querySelector("svg .pod[data-pod='default/{name}']") || {{dataset: {{}}}})
        .dataset.nodeName""", timeout=30000)
    shot(page, "14-second-scheduler")


def test_a_learner_acts_under_their_own_name_and_rbac_decides(browser, server) -> None:
    """A Django user who is not staff acts in the cluster as the user of the same name with no
    group: nothing is allowed until a RoleBinding grants it, and the page says so."""
    learner = unique("learner")
    server.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                  f"get_user_model().objects.create_user('{learner}', password='learn-k8s-2026')")
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.http_url}/clusters/demo/")
    page.fill("#id_username", learner)
    page.fill("#id_password", "learn-k8s-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-synced=true]")
    note = page.locator("#access-note").inner_text()
    assert learner in note and "pods" in note and "403" in note, note
    page.wait_for_function(
        f"[...document.querySelectorAll('#requests li.bad')].some(li => li.textContent.includes('{learner}'))")
    context.close()


def test_two_scheduler_replicas_elect_a_leader_and_the_standby_takes_over(cluster_page, control_plane, server,
                                                                          admin_api, shot) -> None:
    page = cluster_page
    sim_post(server, admin_api, "play")
    scheduler = next(c for c in control_plane["components"]
                     if c["kind"] == "scheduler" and c.get("scheduler_name", "default-scheduler") == "default-scheduler")
    page.click(f"svg .scheduler[data-component='{scheduler['name']}']")
    page.fill(".inspector input[data-field=replicas]", "2")
    page.click(".inspector button:has-text('set')")
    sim_post(server, admin_api, "speed", {"speed": 20})
    try:
        page.wait_for_function("document.querySelectorAll('svg .scheduler').length >= 2 && "
                               "document.querySelectorAll('svg .scheduler.standby').length >= 1", timeout=30000)
        page.wait_for_function("window.clusterviz.state.components.some(c => c.kind === 'scheduler' && c.leader === true)",
                               timeout=30000)
        leader = page.evaluate("window.clusterviz.state.components.find(c => c.kind === 'scheduler' && c.leader === true).name")
        page.wait_for_selector(f"svg .scheduler[data-component='{leader}']:not(.standby)")
        shot(page, "15-scheduler-replicas")
        # the leader stops; once its lease expires the standby wins it
        sim_post(server, admin_api, f"components/{leader}/stop")
        page.wait_for_function(f"window.clusterviz.state.components.some(c => c.kind === 'scheduler' && "
                               f"c.leader === true && c.name !== '{leader}' && c.state === 'running')", timeout=40000)
        sim_post(server, admin_api, f"components/{leader}/start")
    finally:
        sim_post(server, admin_api, "speed", {"speed": 1})
        sim_post(server, admin_api, "replicas", {"component": "scheduler", "count": 1})


def test_a_failed_node_turns_not_ready_on_the_diagram(cluster_page, control_plane, server, admin_api, shot) -> None:
    """The node inspector's fault: the kubelet stops posting status, the node lifecycle
    controller marks the Node NotReady after its grace period, the box turns red."""
    page = cluster_page
    node = sorted(n["metadata"]["name"] for n in admin_api.get("/api/v1/nodes").json()["items"])[-1]
    sim_post(server, admin_api, "play")
    page.click(f"svg .node[data-node='{node}'] .node-box")
    page.wait_for_selector(f"[data-inspecting='node:{node}'] button:has-text('fail this node')")
    page.click(".inspector button:has-text('fail this node')")
    page.wait_for_selector(".inspector .action-note.good:has-text('failed')")
    sim_post(server, admin_api, "speed", {"speed": 50})
    try:
        page.wait_for_selector(f"svg .node.not-ready[data-node='{node}']", timeout=40000)
        shot(page, "16-node-failed")
    finally:
        sim_post(server, admin_api, "speed", {"speed": 1})
        sim_post(server, admin_api, f"components/kubelet/{node}/start")


def test_websocket_refuses_pages_from_other_origins(login_state, server) -> None:
    """A logged-in user's cookie sent from someone else's page (cross-site websocket hijacking)."""
    websocket = pytest.importorskip("websocket")
    cookies = json.loads(open(login_state).read())["cookies"]
    session = next(c["value"] for c in cookies if c["name"] == "sessionid")
    url = server.http_url.replace("http:", "ws:") + "/ws/clusters/demo/"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, cookie=f"sessionid={session}", origin="http://evil.example", timeout=10)
    assert refused.value.status_code == 403
    # the same cookie from the page's own origin is welcome
    ws = websocket.create_connection(url, cookie=f"sessionid={session}", origin=server.http_url, timeout=10)
    try:
        frame = json.loads(ws.recv())
        assert frame["seq"] == 1 and frame["messages"][0]["type"] == "hello"
        assert frame["messages"][0]["user"] == "teacher"
    finally:
        ws.close()


def test_with_the_controller_manager_stopped_a_deployment_makes_no_pods(cluster_page, control_plane, server,
                                                                        admin_api, shot) -> None:
    """The API server does nothing more than store: without the controller manager a
    Deployment stays without ReplicaSet and pods; started again, it catches up."""
    page = cluster_page
    import yaml

    manager = next(c for c in control_plane["components"] if c["kind"] == "controller-manager")["name"]
    sim_post(server, admin_api, "play")
    page.locator(f"svg .manager[data-component='{manager}'] > rect").click(position={"x": 30, "y": 80})
    page.wait_for_selector(f"[data-inspecting='component:{manager}'] button:has-text('stop')")
    page.click(".inspector button:has-text('stop')")
    page.wait_for_selector(f"svg .manager.stopped[data-component='{manager}']", timeout=10000)
    page.wait_for_selector("#health .cs[data-name='controller-manager'].unhealthy", timeout=15000)
    name = unique("idle")
    body = yaml.safe_load(DEPLOYMENT.format(name=name, replicas=2))
    try:
        assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", body).status == 201
        time.sleep(3)
        assert page.locator(f"svg .pod[data-pod^='default/{name}-']").count() == 0
        shot(page, "17-controller-manager-stopped")
    finally:
        sim_post(server, admin_api, f"components/{manager}/start")
    page.wait_for_function(f"document.querySelectorAll(\"svg .pod[data-pod^='default/{name}-']\").length === 2",
                           timeout=30000)


def test_dropping_watch_events_is_a_fault_the_page_can_inject(cluster_page, control_plane) -> None:
    page = cluster_page
    manager = next(c for c in control_plane["components"] if c["kind"] == "controller-manager")["name"]
    page.locator(f"svg .manager[data-component='{manager}'] > rect").click(position={"x": 30, "y": 80})
    page.wait_for_selector(f"[data-inspecting='component:{manager}'] button:has-text('drop')")
    page.fill(".inspector input[type=number]:near(:text('drop the next'))", "2")
    page.click(".inspector button:has-text('drop')")
    page.wait_for_selector(".inspector .action-note.good")


def test_time_controls_say_how_far_behind_live_and_jump_to_live(cluster_page, control_plane, server, admin_api,
                                                                shot) -> None:
    """The cluster's clock never runs ahead of the wall clock (kubectl would print <invalid>):
    paused, the cluster falls behind live and the time controls say how far; the jump-to-live
    button fast-forwards it to the wall clock and plays. Last: it spends the head-room."""
    page = cluster_page
    sim_post(server, admin_api, "pause")
    try:
        page.wait_for_function("Number(document.body.dataset.behindLive) >= 2", timeout=10000)
        assert page.locator("#behind-live").inner_text().endswith("behind live")
        assert page.locator("#jump-live").is_enabled()
        shot(page, "18-behind-live")
        page.click("#jump-live")
        page.wait_for_function("document.body.dataset.clockMode === 'live' && "
                               "Number(document.body.dataset.behindLive) === 0", timeout=30000)
        assert page.locator("#behind-live").inner_text() == "at live" and page.locator("#jump-live").is_disabled()
        assert sim_status(server, admin_api)["clock"]["behind_live_seconds"] < 1
    finally:
        sim_post(server, admin_api, "play")
