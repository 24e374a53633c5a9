"""What asked for the pods, for every workload kind (issues 12 and 16): a StatefulSet with its
pods in ordinal order, each pod → its PersistentVolumeClaim → the PersistentVolume bound to
it; a Job with its completions and state; a ReplicationController; a Service → EndpointSlice →
pods — on the objects band, with owner links, inspectors on click, the band legible at
1280×720 and the same chain drawn at a past revision. Real Chromium, a fresh cluster of
`manage.py up`."""
from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import ok

from .test_diagram_objects import fresh_cluster, unique  # noqa: F401 (a fixture)
from .conftest import sim_post
from .test_lessons import set_speed

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STATEFULSET = """
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  clusterIP: None
  selector: {{app: {name}}}
  ports: [{{port: 80, name: web}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}}}
spec:
  serviceName: {name}
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: nginx
          image: registry.k8s.io/nginx-slim:0.24
          volumeMounts: [{{name: www, mountPath: /usr/share/nginx/html}}]
  volumeClaimTemplates:
    - metadata: {{name: www}}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {{requests: {{storage: 1Gi}}}}
"""

#: The band as drawn: cards by kind, static links between cards, links to pods, pods' owners.
BAND = """() => {
  const cards = [...document.querySelectorAll("svg .objects .object")].map(g => {
    const r = g.querySelector(".object-box").getBoundingClientRect();
    return {kind: g.dataset.kind, key: g.dataset.key, data: {...g.dataset}, text: g.textContent,
            box: [r.left, r.top, r.right, r.bottom]};
  });
  const links = cls => [...document.querySelectorAll(`svg path.${cls}`)].map(p => [p.dataset.from, p.dataset.to]);
  const pods = [...document.querySelectorAll("svg .pod")].map(p => ({key: p.dataset.pod, owner: p.dataset.owner || "",
    node: p.dataset.nodeName, status: p.dataset.status}));
  const nodesLabel = [...document.querySelectorAll("svg .nodes .region-label")].map(t => t.getBoundingClientRect().top)[0];
  return {cards, owner: links("owner-link"), claim: links("claim-link"), endpoint: links("endpoint-link"), pods,
          header: document.querySelector("svg .objects text.small.muted").textContent, nodesTop: nodesLabel};
}"""


def band(page) -> dict:
    return page.evaluate(BAND)


def wait_for_band(page, predicate, timeout: float = 90) -> dict:
    deadline = time.time() + timeout
    shown = band(page)
    while time.time() < deadline:
        if predicate(shown):
            return shown
        time.sleep(0.3)
        shown = band(page)
    raise AssertionError(f"the band never showed it: {shown}")


def card(shown: dict, kind: str, key: str) -> dict | None:
    return next((c for c in shown["cards"] if c["kind"] == kind and c["key"] == key), None)


def no_overlap(shown: dict) -> list:
    boxes = [(c["kind"], c["key"], c["box"]) for c in shown["cards"]]
    return [(a[:2], b[:2]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[2][0] < b[2][2] - 0.5 and b[2][0] < a[2][2] - 0.5 and a[2][1] < b[2][3] - 0.5 and b[2][1] < a[2][3] - 0.5]


def test_statefulset_job_and_rc_show_what_asked_for_their_pods(fresh_cluster, server, kubectl, shot) -> None:  # noqa: F811
    page, cluster, api = fresh_cluster
    page.set_viewport_size({"width": 1280, "height": 720})
    kubeconfig = server.kubeconfig(cluster)
    name = unique("web")
    ok(kubectl("apply", "-f", "-", kubeconfig=kubeconfig, input=STATEFULSET.format(name=name)))
    claims = [f"www-{name}-0", f"www-{name}-1"]

    def chain_complete(s: dict) -> bool:
        sts = card(s, "StatefulSet", f"default/{name}")
        pvcs = [card(s, "PersistentVolumeClaim", f"default/{c}") for c in claims]
        return bool(sts and sts["data"]["ready"] == "2" and all(p and p["data"]["phase"] == "Bound" for p in pvcs)
                    and all(card(s, "PersistentVolume", f"/{p['data']['volume']}") for p in pvcs)
                    and sum(1 for link in s["claim"] if link[0].startswith("PersistentVolumeClaim:")) == 4)

    shown = wait_for_band(page, chain_complete, timeout=120)
    sts_key = f"StatefulSet:default/{name}"
    pods = [f"default/{name}-0", f"default/{name}-1"]
    # StatefulSet → its pods, in ordinal order, each with the set's stripe
    assert sorted(to for frm, to in shown["owner"] if frm == sts_key) == [f"Pod:{p}" for p in pods]
    assert {p["owner"] for p in shown["pods"] if p["key"] in pods} == {sts_key}
    pvcs = [card(shown, "PersistentVolumeClaim", f"default/{c}") for c in claims]
    assert [p["data"]["ordinal"] for p in pvcs] == ["0", "1"] and pvcs[0]["box"][0] < pvcs[1]["box"][0]
    # each pod → its claim → the volume bound to it, both ways round
    for pod, pvc in zip(pods, pvcs):
        pv = card(shown, "PersistentVolume", f"/{pvc['data']['volume']}")
        assert pv["data"] == {**pv["data"], "phase": "Bound", "claim": pvc["key"]}
        assert "Bound" in pvc["text"] and "Bound" in pv["text"]
        assert [f"PersistentVolumeClaim:{pvc['key']}", f"Pod:{pod}"] in shown["claim"]
        assert [f"PersistentVolumeClaim:{pvc['key']}", f"PersistentVolume:{pv['key']}"] in shown["claim"]
        assert pv["box"][3] <= pvc["box"][1], "the volume is drawn over its claim"
    # the headless Service's slice names both pods
    [eps] = api.get(f"/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector="
                    f"kubernetes.io%2Fservice-name%3D{name}").json()["items"]
    shown = wait_for_band(page, lambda s: sorted(to for frm, to in s["endpoint"]
                                                 if frm == f"EndpointSlice:default/{eps['metadata']['name']}")
                          == [f"Pod:{p}" for p in pods])
    assert not no_overlap(shown), no_overlap(shown)
    # pointing at the StatefulSet lights its pods, their claims and volumes
    page.hover(f"svg .object.statefulset[data-key='default/{name}']")
    lit = page.evaluate("[...document.querySelectorAll('svg path.lit')].map(p => p.dataset.from + ' ' + p.dataset.to)")
    assert {f"{sts_key} Pod:{p}" for p in pods} | {f"PersistentVolumeClaim:default/{c} Pod:default/{c[4:]}"
                                                   for c in claims} <= set(lit), lit
    assert page.locator("svg .object.persistentvolume.related").count() == 2
    shot(page, "24-statefulset-claims-volumes-1280x720")
    revision = page.evaluate("window.clusterviz.state.lastRevision")
    # clicking a claim, a volume opens its inspector
    page.click(f"svg .object.persistentvolumeclaim[data-key='default/{claims[0]}']")
    page.wait_for_selector(f"[data-inspecting='object:PersistentVolumeClaim:default:{claims[0]}']")
    volume = pvcs[0]["data"]["volume"]
    page.click(f"svg .object.persistentvolume[data-key='/{volume}']")
    page.wait_for_selector(f"[data-inspecting='object:PersistentVolume::{volume}']")

    # a Job of three completions and a ReplicationController, through the API
    job, rc = unique("batch"), unique("kubia")
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": job},
            "spec": {"completions": 3, "parallelism": 3, "template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "work", "image": "busybox:1.36", "command": ["sh", "-c", "echo working; sleep 2"]}]}}}}
    assert api.request("POST", "/apis/batch/v1/namespaces/default/jobs", body).status == 201
    body = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": rc},
            "spec": {"replicas": 2, "selector": {"app": rc}, "template": {"metadata": {"labels": {"app": rc}},
                     "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}}}}
    assert api.request("POST", "/api/v1/namespaces/default/replicationcontrollers", body).status == 201
    job_key, rc_key = f"Job:default/{job}", f"ReplicationController:default/{rc}"
    shown = wait_for_band(page, lambda s: (card(s, "Job", f"default/{job}") or {}).get("data", {}).get("state") == "Complete"
                          and (card(s, "ReplicationController", f"default/{rc}") or {}).get("data", {}).get("ready") == "2"
                          and sum(1 for frm, _ in s["owner"] if frm == job_key) == 3
                          and sum(1 for frm, _ in s["owner"] if frm == rc_key) == 2, timeout=120)
    job_card = card(shown, "Job", f"default/{job}")
    assert job_card["data"]["succeeded"] == "3" and "3/3 · Complete" in job_card["text"]
    for owner in (job_key, rc_key):
        linked = {to[4:] for frm, to in shown["owner"] if frm == owner}
        assert {p["key"] for p in shown["pods"] if p["owner"] == owner} == linked
    # three rows of workloads at most: the StatefulSet, now the oldest change, keeps one row and
    # says its claims are not drawn
    sts = card(shown, "StatefulSet", f"default/{name}")
    assert sts["data"]["claimsHidden"] == "2" and card(shown, "PersistentVolumeClaim", f"default/{claims[0]}") is None
    assert not no_overlap(shown), no_overlap(shown)
    assert max(c["box"][3] for c in shown["cards"]) < shown["nodesTop"], "the band runs into the worker nodes"
    shot(page, "25-job-rc-1280x720")
    page.click(f"svg .object.job[data-key='default/{job}']")
    page.wait_for_selector(f"[data-inspecting='object:Job:default:{job}']")
    page.click(f"svg .object.replicationcontroller[data-key='default/{rc}']")
    page.wait_for_selector(f"[data-inspecting='object:ReplicationController:default:{rc}']")

    # at the revision the StatefulSet's chain was complete, the band draws it again
    page.evaluate(f"window.clusterviz.travel({revision})")
    page.wait_for_function(f"document.body.dataset.viewRevision === '{revision}'", timeout=15000)
    past = wait_for_band(page, chain_complete, timeout=15)
    assert card(past, "Job", f"default/{job}") is None and card(past, "ReplicationController", f"default/{rc}") is None
    shot(page, "26-statefulset-at-a-past-revision")
    page.evaluate("window.clusterviz.travel(0)")


def test_a_cronjob_shows_its_jobs_a_daemonset_one_pod_per_node_and_a_job_failed(
        fresh_cluster, server, shot) -> None:  # noqa: F811
    page, cluster, api = fresh_cluster
    sim_post(server, api, "speed", {"speed": 20}, cluster=cluster)
    ds, cj, failing = unique("agent"), unique("hello"), unique("flaky")
    body = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": ds},
            "spec": {"selector": {"matchLabels": {"app": ds}}, "template": {"metadata": {"labels": {"app": ds}},
                     "spec": {"containers": [{"name": "agent", "image": "busybox:1.36",
                                              "command": ["sh", "-c", "while true; do sleep 60; done"]}]}}}}
    assert api.request("POST", "/apis/apps/v1/namespaces/default/daemonsets", body).status == 201
    body = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": cj},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure", "containers": [{"name": "hello", "image": "busybox:1.28",
                                                              "command": ["sh", "-c", "echo hello"]}]}}}}}}
    assert api.request("POST", "/apis/batch/v1/namespaces/default/cronjobs", body).status == 201
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": failing},
            "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "work", "image": "busybox:1.36", "command": ["sh", "-c", "echo oops; exit 1"]}]}}}}
    assert api.request("POST", "/apis/batch/v1/namespaces/default/jobs", body).status == 201
    ds_key, cj_key = f"DaemonSet:default/{ds}", f"CronJob:default/{cj}"

    def shown_all(s: dict) -> bool:
        ds_card, cj_card = card(s, "DaemonSet", f"default/{ds}"), card(s, "CronJob", f"default/{cj}")
        jobs = [c for c in s["cards"] if c["kind"] == "Job" and c["data"]["owner"] == cj_key]
        return bool(ds_card and ds_card["data"]["desired"] != "0" and ds_card["data"]["ready"] == ds_card["data"]["desired"]
                    and sum(1 for frm, _ in s["owner"] if frm == ds_key) == int(ds_card["data"]["desired"])
                    and cj_card and cj_card["data"]["lastSchedule"] and jobs
                    and any(frm == f"Job:{jobs[0]['key']}" for frm, _ in s["owner"])
                    and (card(s, "Job", f"default/{failing}") or {}).get("data", {}).get("state") == "Failed")
    try:
        shown = wait_for_band(page, shown_all, timeout=120)
    finally:
        sim_post(server, api, "speed", {"speed": 1}, cluster=cluster)
    # one pod per node the DaemonSet may run on, each linked, each with the set's stripe
    status = api.get(f"/apis/apps/v1/namespaces/default/daemonsets/{ds}").json()["status"]
    linked = {to[4:] for frm, to in shown["owner"] if frm == ds_key}
    nodes = [p["node"] for p in shown["pods"] if p["key"] in linked]
    assert len(nodes) == len(set(nodes)) == status["desiredNumberScheduled"], (nodes, status)
    assert {p["owner"] for p in shown["pods"] if p["key"] in linked} == {ds_key}
    # CronJob → its Jobs (drawn beside it, linked) → their pods; its card tells the last schedule
    jobs = [c for c in shown["cards"] if c["kind"] == "Job" and c["data"]["owner"] == cj_key]
    assert all([cj_key, f"Job:{j['key']}"] in shown["owner"] for j in jobs)
    assert jobs[0]["key"].startswith(f"default/{cj}-")
    cj_card = card(shown, "CronJob", f"default/{cj}")
    assert cj_card["data"]["schedule"] == "* * * * *" and f"active {cj_card['data']['active']}" in cj_card["text"]
    assert f"last {cj_card['data']['lastSchedule'][11:19]}" in cj_card["text"], cj_card
    # the Job whose only pod failed (backoffLimit 0): Failed, 0 of 1 done, its pod still linked
    failed = card(shown, "Job", f"default/{failing}")
    assert "0/1 · Failed · 1 failed" in failed["text"] and failed["data"]["failed"] == "1", failed
    assert any(frm == f"Job:default/{failing}" for frm, _ in shown["owner"])
    assert not no_overlap(shown), no_overlap(shown)
    shot(page, "29-cronjob-jobs-daemonset-failed-job")
    page.click(f"svg .object.cronjob[data-key='default/{cj}']")
    page.wait_for_selector(f"[data-inspecting='object:CronJob:default:{cj}']")
    page.click(f"svg .object.daemonset[data-key='default/{ds}']")
    page.wait_for_selector(f"[data-inspecting='object:DaemonSet:default:{ds}']")


def start_lesson(page, server, lesson: str) -> str:
    """Start a shipped lesson from the demo cluster's Lessons tab (a fresh cluster of its own,
    at twenty times the class's speed); returns that cluster's name once step 1 is open."""
    page.goto(f"{server.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    page.click('#tabs button[data-tab="lessons"]')
    item = page.locator(f'.lesson-item[data-lesson="{lesson}"]')
    item.wait_for(timeout=15000)
    item.locator("button").click()
    page.wait_for_url(re.compile(rf".*/clusters/{lesson}(-\d+)?/.*"), timeout=30000)
    cluster = re.search(r"/clusters/([^/]+)/", page.url).group(1)
    page.wait_for_selector('.lesson[data-position="0"]', timeout=90000)
    set_speed(server, cluster, 20)
    return cluster


def test_the_statefulset_lesson_lights_the_set_and_its_claim(page, server, shot) -> None:
    start_lesson(page, server, "statefulset-volumes")
    page.click(".lesson button.run")
    page.wait_for_selector(".lesson-wait.ok", timeout=90000)
    page.wait_for_selector('#diagram .lesson-lit[data-kind="StatefulSet"][data-key="default/web"]', timeout=15000)
    page.wait_for_selector('#diagram .lesson-lit[data-kind="PersistentVolumeClaim"][data-key="default/www-web-0"]',
                           timeout=15000)
    shot(page, "27-lesson-statefulset-lit")


def test_the_quota_lesson_lights_the_quota_with_what_it_counted(page, server, shot) -> None:
    start_lesson(page, server, "resource-quota")
    quota = page.locator('#diagram .lesson-lit[data-kind="ResourceQuota"][data-key="default/compute"]')
    quota.wait_for(timeout=15000)
    page.click(".lesson button.run")
    page.wait_for_selector(".lesson-output", timeout=30000)
    page.click(".lesson button.next")
    page.wait_for_selector('.lesson[data-position="1"]', timeout=15000)
    page.click(".lesson button.run")
    page.wait_for_selector(".lesson-wait.ok", timeout=90000)
    # the quota's card says what the resourcequota controller counted: two pods of 400m
    page.wait_for_function("""() => { const q = document.querySelector(
        '#diagram .object.resourcequota[data-key="default/compute"]');
        return q && JSON.parse(q.dataset.used)["requests.cpu"] === "800m"; }""", timeout=30000)
    assert "requests.cpu 800m/1" in page.locator('#diagram .object.resourcequota[data-key="default/compute"]').text_content()
    page.wait_for_selector('#diagram .lesson-lit[data-kind="Deployment"][data-key="default/web"]', timeout=15000)
    shot(page, "28-lesson-quota-lit")
