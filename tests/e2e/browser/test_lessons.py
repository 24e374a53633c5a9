"""The Lessons panel in a real browser: a teacher starts the Deployment-chain lesson from the
demo cluster's page, which makes a fresh cluster for it, and walks it with Next from the first
step to the last — narration and highlights changing at each step, the steps' kubectl drawn on
the diagram, a prediction answered from the run, Back showing an earlier step through time
travel, and the exercise check turning green by itself when the class does the exercise."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.e2e.conftest import RawAPI

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def set_speed(server, cluster: str, speed: float) -> None:
    token = RawAPI(server.kubeconfig(cluster)).token
    request = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/speed", method="POST",
                                     data=json.dumps({"speed": speed}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def lit(page) -> list[str]:
    """What the lesson lights on the diagram, as the elements' names."""
    return sorted(page.eval_on_selector_all(
        "#diagram .lesson-lit",
        "ns => ns.map(n => n.dataset.component || n.dataset.stage || n.dataset.controller"
        " || (n.dataset.kind ? `${n.dataset.kind}:${n.dataset.key}` : n.dataset.pod))"))


def test_the_deployment_chain_lesson_walked_from_start_to_end(page, server, shot) -> None:
    page.goto(f"{server.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    page.click('#tabs button[data-tab="lessons"]')
    item = page.locator('.lesson-item[data-lesson="deployment-chain"]')
    item.wait_for(timeout=15000)
    assert page.locator('.lesson-item.pending').count() == 0, "every shipped lesson runs"
    item.locator("button").click()

    # a fresh cluster for the lesson; its page sets the lesson up (nodes Ready) and opens step 1
    page.wait_for_url(re.compile(r".*/clusters/deployment-chain(-\d+)?/.*"), timeout=30000)
    cluster = re.search(r"/clusters/([^/]+)/", page.url).group(1)
    page.wait_for_selector('.lesson[data-position="0"]', timeout=90000)
    set_speed(server, cluster, 20)  # the class's 1x, twenty times faster for the test
    shot(page, "lesson-step-1")

    narrations, highlights = [], []
    total = page.locator(".lesson-progress").get_attribute("aria-valuemax")
    for index in range(int(total)):
        lesson = page.locator(f'.lesson[data-position="{index}"]')
        lesson.wait_for(timeout=30000)
        narrations.append(page.inner_text(".lesson .narration"))
        page.wait_for_function("document.querySelectorAll('#diagram .lesson-lit').length > 0", timeout=10000)
        highlights.append(lit(page))
        if page.locator(".lesson-predict").count():
            page.locator(".lesson-predict .choice").first.click()
        if page.locator(".lesson button.run").count():
            page.click(".lesson button.run")
            page.wait_for_selector(".lesson-output", timeout=30000)
        if page.locator(".lesson-wait").count():
            page.wait_for_selector(".lesson-wait.ok", timeout=60000)
        if page.locator(".lesson-predict").count():
            answer = page.locator(".lesson-predict .answer")
            answer.wait_for(timeout=30000)
            # the answer is read from the run (the pods' spec.nodeName), the verdict against the choice
            assert re.match(r"Answer: node-\d(, node-\d)* — (✓ as predicted|you predicted .+)$", answer.inner_text()), \
                answer.inner_text()
            shot(page, "lesson-prediction")
        if index == 1:
            # step 2 created the Deployment: its card on the diagram is what the step lights
            assert page.locator(".lesson-output", has_text="deployment.apps/web created").count() == 1
            page.wait_for_selector('#diagram .lesson-lit[data-kind="Deployment"][data-key="default/web"]',
                                   timeout=10000)
            highlights[-1] = lit(page)
        if index == 2:
            # Back: step 2 again, the cluster as it stood when step 3 began (time travel)
            page.click(".lesson button.back")
            page.wait_for_selector(".lesson-past", timeout=10000)
            page.wait_for_selector("body.past", timeout=90000)  # reads every kind (18) at that revision
            assert page.locator('.lesson[data-position="1"]').count() == 1
            page.click(".lesson button.next")
            page.wait_for_selector(f'.lesson[data-position="{index}"]:not(:has(.lesson-past))', timeout=10000)
            page.wait_for_function("!document.body.classList.contains('past')", timeout=30000)
        if index < int(total) - 1:
            page.click(".lesson button.next")

    # the last step is the class's exercise: not passed until someone scales the Deployment
    check = page.locator(".lesson-check")
    assert "passed" not in (check.get_attribute("class") or "")
    api = RawAPI(server.kubeconfig(cluster))
    answer = api.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale",
                         {"spec": {"replicas": 5}}, content_type="application/merge-patch+json")
    assert answer.status == 200, answer.body
    page.wait_for_selector(".lesson-check.passed", timeout=90000)
    shot(page, "lesson-exercise-passed")

    assert len(set(narrations)) == len(narrations), "every step reads its own narration"
    assert all(a != b for a, b in zip(highlights, highlights[1:])), f"each step lights something else: {highlights}"
    assert "deployment" in highlights[2] and "replicaset" in highlights[3], highlights
    assert {"authentication", "storage", "Deployment:default/web"} <= set(highlights[1]), highlights[1]
