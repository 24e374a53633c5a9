"""The diagram explains itself (issue 12): Deployments and ReplicaSets with owner links to their
pods, a rollout's new ReplicaSet taking over, Services with their endpoint pods, a story step's
writes fanning out to exactly the components that watch them, pod names that keep their
distinguishing suffix, and dot labels that never overlap — in real Chromium, on the demo
cluster `manage.py up` runs."""
from __future__ import annotations

import concurrent.futures
import time
import uuid

import pytest

from tests.e2e.conftest import RawAPI, ok

from .conftest import sim_get, sim_post

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def replicasets_of(api, name: str) -> list[dict]:
    items = api.get("/apis/apps/v1/namespaces/default/replicasets").json()["items"]
    return [rs for rs in items if any(ref.get("name") == name for ref in rs["metadata"].get("ownerReferences") or [])]


#: Every visible object card, owner link and pod the page draws for one Deployment.
CHAIN = """(name) => {
  const deploy = document.querySelector(`svg .object.deployment[data-key="default/${name}"]`);
  const sets = [...document.querySelectorAll(`svg .object.replicaset[data-owner="Deployment:default/${name}"]`)];
  const links = [...document.querySelectorAll("svg path.owner-link")].map(p => [p.dataset.from, p.dataset.to]);
  return {
    deploy: deploy && {ready: deploy.dataset.ready, desired: deploy.dataset.desired},
    sets: sets.map(s => ({key: s.dataset.key, desired: Number(s.dataset.desired), ready: Number(s.dataset.ready),
                          revision: s.dataset.revision, scaledDown: s.classList.contains("scaled-down"),
                          text: s.textContent})),
    links: links.filter(([from]) => from === `Deployment:default/${name}` ||
                        sets.some(s => from === `ReplicaSet:${s.dataset.key}`)),
    pods: [...document.querySelectorAll(`svg .pod[data-pod^="default/${name}-"]`)].map(p => ({
      key: p.dataset.pod, owner: p.dataset.owner || "", node: p.dataset.nodeName})),
  };
}"""


def chain(page, name: str) -> dict:
    return page.evaluate(CHAIN, name)


def wait_for_chain(page, name: str, predicate, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    shown = chain(page, name)
    while time.time() < deadline:
        if predicate(shown):
            return shown
        time.sleep(0.25)
        shown = chain(page, name)
    raise AssertionError(f"the diagram never showed it: {shown}")


def test_a_deployment_created_with_kubectl_appears_as_deployment_replicaset_pods_with_links(
        cluster_page, control_plane, server, admin_api, kubectl, admin_kubeconfig_live, shot) -> None:
    page = cluster_page
    name = unique("web")
    ok(kubectl("create", "deployment", name, "--image=nginx:1.27", "--replicas=2", kubeconfig=admin_kubeconfig_live))
    shown = wait_for_chain(page, name, lambda c: c["deploy"] and c["deploy"]["ready"] == "2" and len(c["sets"]) == 1
                           and c["sets"][0]["ready"] == 2
                           and sum(1 for p in c["pods"] if p["node"]) == 2 and len(c["links"]) == 3)
    [rs] = replicasets_of(admin_api, name)
    rs_key = f"default/{rs['metadata']['name']}"
    assert shown["sets"][0]["key"] == rs_key and shown["deploy"] == {"ready": "2", "desired": "2"}
    # Deployment → ReplicaSet → each of its pods, as their ownerReferences say
    pods = {p["key"] for p in shown["pods"]}
    assert sorted(shown["links"]) == sorted([[f"Deployment:default/{name}", f"ReplicaSet:{rs_key}"],
                                             *([f"ReplicaSet:{rs_key}", f"Pod:{p}"] for p in pods)])
    assert {p["owner"] for p in shown["pods"]} == {f"ReplicaSet:{rs_key}"}
    # pointing at the Deployment lights its whole chain, and nothing of other objects
    page.hover(f"svg .object.deployment[data-key='default/{name}']")
    lit = page.evaluate("[...document.querySelectorAll('svg path.lit')].map(p => [p.dataset.from, p.dataset.to])")
    assert sorted(lit) == sorted(shown["links"]), lit
    assert page.locator("svg .pod.related").count() == 2
    shot(page, "20-deployment-replicaset-pods")
    # clicking an object opens its inspector
    page.click(f"svg .object.replicaset[data-key='{rs_key}']")
    page.wait_for_selector(f"[data-inspecting='object:ReplicaSet:default:{rs['metadata']['name']}']")
    page.mouse.move(5, 5)
    page.wait_for_function("document.querySelectorAll('svg .pod.related').length === 2")  # the click keeps it lit
    # a pod card keeps the suffix that tells replicas apart; the full name is on hover
    for key in pods:
        card = page.locator(f"svg .pod[data-pod='{key}']")
        label = card.locator("text.pod-name").text_content()
        pod_name = key.split("/")[1]
        assert label.endswith(pod_name.rsplit("-", 1)[1]) and label.startswith(name[:3]), (label, pod_name)
        assert pod_name in card.locator("title").first.text_content()
        inside = page.evaluate("""(key) => {
            const g = document.querySelector(`svg .pod[data-pod="${key}"]`);
            const box = g.querySelector(".pod-box").getBoundingClientRect();
            return [...g.querySelectorAll("text")].every(t => { const r = t.getBoundingClientRect();
              return r.left >= box.left - 0.5 && r.right <= box.right + 0.5; });
        }""", key)
        assert inside, f"a label of {key} runs past its card"
    ok(kubectl("delete", "deployment", name, kubeconfig=admin_kubeconfig_live))


def test_kubectl_set_image_shows_the_new_replicaset_taking_over_and_the_old_one_at_zero(
        cluster_page, control_plane, server, admin_api, kubectl, admin_kubeconfig_live, shot) -> None:
    page = cluster_page
    name = unique("roll")
    ok(kubectl("create", "deployment", name, "--image=nginx:1.27", "--replicas=2", kubeconfig=admin_kubeconfig_live))
    wait_for_chain(page, name, lambda c: len(c["sets"]) == 1 and c["sets"][0]["ready"] == 2)
    sim_post(server, admin_api, "speed", {"speed": 4})
    try:
        ok(kubectl("set", "image", f"deployment/{name}", "nginx=nginx:1.28", kubeconfig=admin_kubeconfig_live))
        shown = wait_for_chain(page, name, lambda c: len(c["sets"]) == 2 and any(
            s["revision"] == "2" and s["ready"] == 2 for s in c["sets"]) and any(
            s["revision"] == "1" and s["desired"] == 0 and s["scaledDown"] for s in c["sets"]), timeout=90)
    finally:
        sim_post(server, admin_api, "speed", {"speed": 1})
    new = next(s for s in shown["sets"] if s["revision"] == "2")
    old = next(s for s in shown["sets"] if s["revision"] == "1")
    assert "desired 0" in old["text"] and "desired 2" in new["text"]
    # newest first, next to its Deployment; the Deployment links both
    assert [s["revision"] for s in shown["sets"]] == ["2", "1"]
    assert [f"Deployment:default/{name}", f"ReplicaSet:{old['key']}"] in shown["links"]
    wait_for_chain(page, name, lambda c: {p["owner"] for p in c["pods"] if p["node"]} == {f"ReplicaSet:{new['key']}"}
                   and not any(f"ReplicaSet:{old['key']}" == link[0] for link in c["links"]))
    shot(page, "21-rollout")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(300)
    shot(page, "21-rollout-1280x720")
    ok(kubectl("delete", "deployment", name, kubeconfig=admin_kubeconfig_live))


def test_a_service_shows_its_endpointslice_and_endpoints_and_links_to_the_endpoint_pods(
        cluster_page, control_plane, admin_api, kubectl, admin_kubeconfig_live) -> None:
    page = cluster_page
    name = unique("svc")
    ok(kubectl("create", "deployment", name, "--image=nginx:1.27", "--replicas=2", kubeconfig=admin_kubeconfig_live))
    ok(kubectl("expose", "deployment", name, "--port=80", kubeconfig=admin_kubeconfig_live))
    page.wait_for_selector(f"svg .object.service[data-key='default/{name}']")
    page.wait_for_selector(f"svg .object.endpointslice[data-service='Service:default/{name}'][data-ready='2']",
                           timeout=60000)
    page.wait_for_selector(f"svg .object.endpoints[data-key='default/{name}'][data-ready='2']", timeout=30000)
    [eps] = admin_api.get(f"/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector="
                          f"kubernetes.io%2Fservice-name%3D{name}").json()["items"]
    slice_key = f"EndpointSlice:default/{eps['metadata']['name']}"
    # the links to the pods start at the slice (what kube-proxy reads), not at the Endpoints copy;
    # they are drawn with the pods' places, on a frame after the slice's card
    pods = admin_api.get(f"/api/v1/namespaces/default/pods?labelSelector=app%3D{name}").json()["items"]
    page.wait_for_function("([key, n]) => document.querySelectorAll("
                           "`svg path.endpoint-link[data-from=\"${key}\"]`).length === n",
                           arg=[slice_key, len(pods)], timeout=30000)
    links = page.evaluate(f"""[...document.querySelectorAll('svg path.endpoint-link[data-from="{slice_key}"]')]
        .map(p => p.dataset.to)""")
    assert sorted(links) == sorted(f"Pod:default/{p['metadata']['name']}" for p in pods)
    assert page.locator(f'svg path.endpoint-link[data-from="Endpoints:default/{name}"]').count() == 0
    assert page.locator(f'svg path.endpoint-link.static[data-from="Service:default/{name}"][data-to="{slice_key}"]').count() == 1
    page.click(f"svg .object.service[data-key='default/{name}']")
    page.wait_for_selector(f"[data-inspecting='object:Service:default:{name}']")
    ok(kubectl("delete", "service,deployment", name, kubeconfig=admin_kubeconfig_live))


#: The caption's step, what is lit, and the fan-out drawn for it.
TOLD = """() => {
  const seq = Number(document.getElementById("caption").dataset.seq);
  const fan = document.querySelector("svg .fanout");
  return {step: window.clusterviz.state.steps.find(s => s.seq === seq),
          lit: [...document.querySelectorAll("svg [data-component].lit")].map(n => n.dataset.component),
          drawn: [...document.querySelectorAll("svg [data-component]")].map(n => n.dataset.component),
          fan: fan && {seq: Number(fan.dataset.seq), watchers: fan.dataset.watchers.split(" "),
                       branches: [...fan.querySelectorAll(".fan-branch")].map(b => b.dataset.target)}};
}"""


@pytest.fixture
def fresh_cluster(page, server):
    """A new cluster's page, its nodes Ready, its clock with the head-room of a new cluster: the
    session's demo cluster may stand at the live edge by now (earlier tests ran it at 20x and
    50x), where no story step can run ahead of the wall clock."""
    name = unique("fanout")
    server.manage("createcluster", name)
    api = RawAPI(server.kubeconfig(name))
    deadline = time.time() + 60
    while time.time() < deadline:
        nodes = api.get("/api/v1/nodes").json().get("items", [])
        if len(nodes) == 3 and all(any(c["type"] == "Ready" and c["status"] == "True"
                                       for c in n["status"].get("conditions", [])) for n in nodes):
            break
        time.sleep(0.5)
    page.goto(f"{server.http_url}/clusters/{name}/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    return page, name, api


def test_a_pod_writes_watch_fan_out_reaches_exactly_the_components_that_watch_it(fresh_cluster, server, shot) -> None:
    page, cluster, admin_api = fresh_cluster
    page.wait_for_selector("#play:not([disabled])")
    sim_post(server, admin_api, "pause", cluster=cluster)
    page.wait_for_function("document.body.dataset.clockMode === 'paused'", timeout=10000)
    name = unique("fan")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                           "template": {"metadata": {"labels": {"app": name}},
                                        "spec": {"containers": [{"name": "nginx", "image": f"nginx:{name}"}]}}}}  # pulled: new
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment).status == 201
    nodes = [n["metadata"]["name"] for n in admin_api.get("/api/v1/nodes").json()["items"]]
    told: list[dict] = []
    try:
        for _ in range(40):
            seq = int(page.locator("#caption").get_attribute("data-seq") or 0)
            page.click("#step")
            page.wait_for_function(f"Number(document.getElementById('caption').dataset.seq) > {seq}", timeout=15000)
            shown = page.evaluate(TOLD)
            step = shown["step"]
            told.append(shown)
            # the fan is the told step's, its branches are the kernel's watchers, and the lit
            # path is the step's highlight: the writer, the API server, etcd and those watchers
            if step["watchers"]:
                assert shown["fan"]["seq"] == step["seq"], shown
                assert shown["fan"]["watchers"] == step["watchers"], shown
                on_diagram = [w for w in step["watchers"] if w in shown["drawn"]]
                assert sorted(shown["fan"]["branches"]) == sorted(on_diagram), shown
                assert set(step["highlight"]) == {step["component"], "apiserver", "etcd", *step["watchers"]}
            else:
                assert shown["fan"] is None, shown
            assert set(shown["lit"]) == set(step["highlight"]) & set(shown["drawn"]), shown
            if step["action"] == "schedule" and name in step["caption"]:
                bind = shown
                shot(page, "22-watch-fan-out")
            if "starts container" in step["caption"] and name in step["caption"]:
                break
    finally:
        sim_post(server, admin_api, "play", cluster=cluster)
    node = bind["step"]["extra"]["node"]
    # the binding reaches the kubelet of the pod's node — and no other kubelet —, the
    # scheduler's own pods informer and the controller manager's
    assert set(bind["fan"]["branches"]) == {f"kubelet/{node}", "kube-scheduler", "kube-controller-manager"}, bind
    assert not {f"kubelet/{n}" for n in nodes if n != node} & set(bind["fan"]["branches"])
    # a step whose only write is an Event reaches no component: no fan
    pulls = [t for t in told if "pulls image" in t["step"]["caption"] and name in t["step"]["caption"]]
    assert pulls and all(t["fan"] is None and t["step"]["watchers"] == [] for t in pulls), pulls
    # the steps the page told are the control API's
    steps = {s["seq"]: s for s in sim_get(server, admin_api, f"steps?since={told[0]['step']['seq'] - 1}",
                                          cluster=cluster)["steps"]}
    assert all(steps[t["step"]["seq"]]["watchers"] == t["step"]["watchers"] for t in told)


def test_dot_labels_never_overlap_each_other_or_the_stage_names(cluster_page, admin_api, shot) -> None:
    page = cluster_page
    ns = unique("labels")
    assert admin_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201
    sample = """() => {
      const rect = n => n.getBoundingClientRect();
      const labels = [...document.querySelectorAll("svg .token-label")].filter(t => t.getAttribute("visibility") !== "hidden")
        .map(rect).filter(r => r.width > 0);
      const stages = [...document.querySelectorAll("svg .stage rect")].map(rect);
      const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      const clashes = [];
      labels.forEach((a, i) => labels.slice(i + 1).forEach(b => { if (hit(a, b)) clashes.push(["label", a, b]); }));
      labels.forEach(a => stages.forEach(s => { if (hit(a, s)) clashes.push(["stage", a, s]); }));
      return {visible: labels.length, clashes};
    }"""

    def burst(i: int) -> int:
        body = {"metadata": {"name": f"cm-{i}"}, "data": {"i": str(i)}}
        return admin_api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body).status

    seen = 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(burst, i) for i in range(40)]
        deadline = time.time() + 6
        while time.time() < deadline:
            result = page.evaluate(sample)
            assert not result["clashes"], result["clashes"]
            seen = max(seen, result["visible"])
            if seen >= 2 and all(f.done() for f in futures):
                break
            time.sleep(0.05)
        assert all(f.result() == 201 for f in futures)
    assert seen >= 2, "no two labels were ever shown at once: the test saw nothing to compare"
    shot(page, "23-labels")
    admin_api.request("DELETE", f"/api/v1/namespaces/{ns}")


def test_pod_names_shorten_from_the_middle_and_show_their_namespace(cluster_page, admin_api) -> None:
    page = cluster_page
    short = page.evaluate("""async () => {
      const {shortName} = await import("/static/viz/names.js");
      return [shortName("web-7d4b9c8f6-5nttf", 14), shortName("web-7d4b9c8f6-5nttf", 30), shortName("averyveryverylongname", 9), shortName("web-7d4b9c8f6-5nttf", 8)];
    }""")
    assert short == ["web-7d4…-5nttf", "web-7d4b9c8f6-5nttf", "aver…name", "w…-5nttf"]
    ns = unique("team")
    assert admin_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}).status == 201
    node = admin_api.get("/api/v1/nodes").json()["items"][0]["metadata"]["name"]
    name = f"a-rather-long-generated-name-{uuid.uuid4().hex[:5]}"
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}]}}
    assert admin_api.request("POST", f"/api/v1/namespaces/{ns}/pods", body).status == 201
    card = page.locator(f"svg .pod[data-pod='{ns}/{name}']")
    card.wait_for()
    label = card.locator("text.pod-name").text_content()
    assert "…" in label and label.endswith(name.rsplit("-", 1)[1]), label
    assert card.locator("text.namespace").text_content() in (ns, ns[:13] + "…")
    assert f"{ns}/{name}" in card.locator("title").first.text_content()
    admin_api.request("DELETE", f"/api/v1/namespaces/{ns}")
