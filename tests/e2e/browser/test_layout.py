"""The cluster page on a projector: at 1280×720 and 1920×1080, with and without large text,
nothing is cut off — no panel wider than its box, every tab and control inside the window,
the worker nodes on screen without scrolling the page, the Events list's messages readable,
the pod inspector's decision table inside its panel. Screenshots of the lesson-ready page at
each size land in $CLUSTERVIZ_ARTIFACTS_DIR/browser/ for review."""
from __future__ import annotations

import time

import pytest
import yaml

from tests.e2e.conftest import DEPLOYMENT, unique

from .conftest import sim_post

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SIZES = [(1280, 720), (1920, 1080)]

#: Everything that must fit, measured in the page: boxes that overflow their own width,
#: controls outside the window, worker nodes outside the window or the diagram's box.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const rect = el => el.getBoundingClientRect();
  const name = el => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}` +
    (el.dataset.tab ? `[${el.dataset.tab}]` : "");
  const wide = [...document.querySelectorAll("header.bar, .caption, .travel, .layout, section.stage, aside.side, #tabs, .side .panel.active")]
    .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => `${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
  const shown = el => el.offsetParent !== null && !el.closest("[hidden]");
  const out = r => r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5;
  // the page's controls, and the create form's (its manifest takes the height left): in the window
  const outside = [...document.querySelectorAll("header button, header input, header label, header select, #tabs button, " +
    ".travel button, .travel input, #panel-create.active button, #panel-create.active select, #panel-create.active input")]
    .filter(shown).filter(el => out(rect(el))).map(el => `${name(el)} ${JSON.stringify(rect(el))}`);
  // a panel's other controls scroll with it, up and down, never sideways out of it
  const panel = document.querySelector(".side .panel.active");
  const box = panel.getBoundingClientRect();
  outside.push(...[...panel.querySelectorAll("button, select, input")].filter(shown)
    .filter(el => { const r = rect(el); return r.left < box.left - 0.5 || r.right > Math.min(box.right, vw) + 0.5; })
    .map(el => `${name(el)} ${JSON.stringify(rect(el))}`));
  const side = rect(document.querySelector("aside.side"));
  const tabsOutsideSide = [...document.querySelectorAll("#tabs button")]
    .filter(el => { const r = rect(el); return r.left < side.left - 0.5 || r.right > side.right + 0.5; }).map(name);
  const stage = rect(document.querySelector("section.stage"));
  const nodes = [...document.querySelectorAll("svg#diagram .node .node-box")].map(rect);
  const nodesOffScreen = nodes.filter(r => r.top < stage.top - 0.5 || r.bottom > Math.min(vh, stage.bottom) + 0.5 ||
    r.left < stage.left - 0.5 || r.right > Math.min(vw, stage.right) + 0.5).length;
  return {wide, outside, tabsOutsideSide, nodes: nodes.length, nodesOffScreen,
    pageScroll: [document.documentElement.scrollWidth - vw, document.documentElement.scrollHeight - vh]};
}"""

#: The Events list's message cells: inside their panel and the window, wide enough to read.
MESSAGES = """() => {
  const panel = document.getElementById("panel-events").getBoundingClientRect();
  const cells = [...document.querySelectorAll("#events tr")].slice(0, 8).map(tr => tr.lastElementChild);
  return cells.map(td => { const r = td.getBoundingClientRect();
    return {text: td.textContent, left: r.left, right: r.right, width: r.width,
            inside: r.left >= panel.left - 0.5 && r.right <= Math.min(panel.right, innerWidth) + 0.5}; });
}"""


@pytest.fixture(scope="module")
def lesson(server, admin_api) -> str:
    """A Deployment of three pods running (the lesson's picture), one pod its decision table names."""
    sim_post(server, admin_api, "play")
    name = unique("lesson")
    body = yaml.safe_load(DEPLOYMENT.format(name=name, replicas=3))
    assert admin_api.request("POST", "/apis/apps/v1/namespaces/default/deployments", body).status == 201
    deadline = time.time() + 60
    while time.time() < deadline:
        pods = [p for p in admin_api.get("/api/v1/namespaces/default/pods").json()["items"]
                if p["metadata"]["name"].startswith(name) and p["status"].get("phase") == "Running"]
        if len(pods) == 3:
            return pods[0]["metadata"]["name"]
        time.sleep(0.5)
    pytest.fail(f"the Deployment {name} did not run its three pods")


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_is_cut_off_and_the_worker_nodes_stay_in_view(cluster_page, lesson, shot, width, height,
                                                               large) -> None:
    page = cluster_page
    page.set_viewport_size({"width": width, "height": height})
    if large:
        page.check("#large")
    page.wait_for_selector(f"svg .pod[data-pod='default/{lesson}'][data-status=Running]", timeout=15000)
    for tab in ("steps", "events", "etcd", "create"):
        page.click(f"#tabs button[data-tab={tab}]")
        page.wait_for_timeout(150)  # the diagram refits on a resize observer's next frame
        m = page.evaluate(MEASURE)
        assert m["wide"] == [] and m["outside"] == [] and m["tabsOutsideSide"] == [], (tab, m)
        assert m["pageScroll"][0] <= 0, (tab, m)
        assert m["nodes"] >= 3 and m["nodesOffScreen"] == 0, (tab, m)
    # the Events list: every message on screen, inside its panel, wide enough to read
    page.click("#tabs button[data-tab=events]")
    page.wait_for_selector("#events tr")
    messages = page.evaluate(MESSAGES)
    assert messages and all(c["inside"] and c["width"] >= 150 and c["text"] for c in messages), messages
    # the pod inspector: its decision table scrolls inside the panel, the panel itself fits
    page.click(f"svg .pod[data-pod='default/{lesson}']")
    page.wait_for_selector(f"[data-inspecting='pod:default/{lesson}'] .decision-table")
    m = page.evaluate(MEASURE)
    assert m["wide"] == [] and m["outside"] == [] and m["nodesOffScreen"] == 0, m
    page.click("#tabs button[data-tab=steps]")
    shot(page, f"layout-{width}x{height}-{'large' if large else 'normal'}")


def test_the_splitter_gives_the_side_panel_more_room_and_the_diagram_refits(cluster_page, lesson) -> None:
    page = cluster_page
    page.set_viewport_size({"width": 1280, "height": 720})
    before = page.evaluate("[document.querySelector('aside.side').clientWidth, "
                           "document.querySelector('.diagram-wrap').clientWidth]")
    box = page.locator("#splitter").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] - 200, box["y"] + 100, steps=5)
    page.mouse.up()
    page.wait_for_timeout(150)
    after = page.evaluate("[document.querySelector('aside.side').clientWidth, "
                          "document.querySelector('.diagram-wrap').clientWidth]")
    assert after[0] >= before[0] + 150 and after[1] < before[1], (before, after)
    assert page.evaluate(MEASURE)["nodesOffScreen"] == 0
    page.reload()  # remembered by this browser
    page.wait_for_selector("body[data-synced=true]")
    assert abs(page.evaluate("document.querySelector('aside.side').clientWidth") - after[0]) <= 2
    page.dblclick("#splitter")  # back to the default
    page.wait_for_timeout(100)
    assert abs(page.evaluate("document.querySelector('aside.side').clientWidth") - before[0]) <= 2
