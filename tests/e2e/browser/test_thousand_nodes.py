"""1,000 nodes and 10,000 pods on the cluster page: grouped by zone, pods folded under their
owners, filtered by namespace and by label selector, a zone opened — and the page keeps
drawing under a stream of pod writes without a JS error. The cluster is filled as
``manage.py bench frames --nodes 1000 --pods 10000`` fills it (KWOK-style nodes, Deployments
whose pods the real scheduler places); how fast the page draws is that benchmark's business."""
from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from clusterviz.benchmarks import frames

NODES, PODS = 1000, 10000
MEASURE_MS = 2000


def numbers(text: str, unit: str) -> int:
    """The number before ``unit`` in a zone's header ("334 nodes · 3,340 pods")."""
    return int(re.search(rf"([\d,]+) {unit}\b", text).group(1).replace(",", ""))


@pytest.fixture(scope="module")
def big(server) -> tuple[str, frames.Load]:
    cluster = f"big-{uuid.uuid4().hex[:6]}"
    return cluster, frames.prepare(server, cluster, NODES, PODS, running=False)  # ContainerCreating: a minute less


def test_a_thousand_nodes_are_grouped_filtered_and_folded_and_keep_drawing(page, server, big, shot) -> None:
    cluster, load = big
    console_errors: list[str] = []
    # a 404 the page expects (no lesson running) is a network answer, not a script error
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and console_errors.append(m.text))
    frames.open_cluster(page, server.http_url, cluster, load)
    count = page.locator("#diagram-filter-count")
    expect(count).to_have_text("10,000 pods on 1,000 nodes")

    # zoomed out: one box per zone, no node and no pod drawn one by one
    zones = page.locator("svg .zone")
    expect(zones).to_have_count(3)
    headers = [zones.nth(i).locator("text").nth(1).text_content() for i in range(3)]
    assert sum(numbers(h, "nodes") for h in headers) == NODES, headers
    assert sum(numbers(h, "pods") for h in headers) == PODS, headers
    assert "NotReady" not in " ".join(headers), headers
    assert page.locator("svg .node").count() == 0
    assert page.locator("svg .pod").count() == 0
    # each zone folds its pods under their owners, largest first: "web-0-5f7c… ×34"
    zone_a = page.locator("svg .zone[data-zone='zone-a']")
    chips = zone_a.locator(".owner-group:not(.more)")
    assert chips.count() >= 10
    assert re.fullmatch(r".+ ×\d+", " ".join(chips.first.locator("text").all_text_contents()))
    assert "ReplicaSet team-" in chips.first.locator("title").text_content()
    expect(zone_a.locator(".owner-group.more")).to_contain_text("more owners")

    with frames.streaming(load) as writes:
        time.sleep(1)
        result = frames.measure(page, MEASURE_MS)
    assert writes[0] > 0 and result["frames"] > 1, result  # kept drawing while the writes streamed
    shot(page, "13-thousand-nodes")

    # by namespace: a tenth of the pods, and only that namespace's owners
    page.select_option("#filter-namespace", "team-3")
    expect(count).to_have_text("1,000 of 10,000 pods on 1,000 nodes")
    headers = [zones.nth(i).locator("text").nth(1).text_content() for i in range(3)]
    assert sum(numbers(h, "pods") for h in headers) == 1000, headers
    titles = chips.locator("title").all_text_contents()
    assert titles and all(" team-3/" in t for t in titles), titles

    # by label: team-3's two frontend Deployments (web-32, web-36)
    page.fill("#filter-selector", "tier=frontend")
    expect(count).to_have_text("200 of 10,000 pods on 1,000 nodes")
    titles = chips.locator("title").all_text_contents()
    assert {re.search(r"/(web-\d+)-", t).group(1) for t in titles} == {"web-32", "web-36"}, titles
    # a selector that does not parse says why, and the diagram keeps the last one that did
    page.fill("#filter-selector", "tier in (frontend,")
    expect(page.locator("#filter-error")).to_contain_text("invalid label selector")
    expect(count).to_have_text("200 of 10,000 pods on 1,000 nodes")
    page.fill("#filter-selector", "tier in (frontend, backend), app!=web-32")
    expect(page.locator("#filter-error")).to_have_text("")
    expect(count).to_have_text("600 of 10,000 pods on 1,000 nodes")  # web-36 and team-3's five backends

    # zoomed in on zone-a: its nodes, and the filtered pods on them one by one
    in_zone_a = numbers(zone_a.locator("text").nth(1).text_content(), "pods")
    zone_a.locator("text").first.click()
    expect(page.locator("svg .node")).to_have_count(334)
    expect(page.locator("svg .pod")).to_have_count(in_zone_a)
    shot(page, "14-zone-filtered")

    # without a filter the open zone holds too many pods to draw one by one: each node counts its own
    page.fill("#filter-selector", "")
    page.select_option("#filter-namespace", "")
    expect(count).to_have_text("10,000 pods on 1,000 nodes")
    expect(page.locator("svg .pod")).to_have_count(0)
    expect(zone_a).to_contain_text("too many pods to draw one by one")
    expect(page.locator("svg .node").first).to_contain_text(re.compile(r"\d+ pods"))
    with frames.streaming(load) as writes:
        time.sleep(1)
        result = frames.measure(page, MEASURE_MS)
    assert result["frames"] > 1, result

    # zoomed out again
    zone_a.locator("text").first.click()
    expect(page.locator("svg .node")).to_have_count(0)
    assert not console_errors, console_errors
