"""The page makes no traffic it then animates: component health comes over the websocket
(no page lists componentstatuses), a page's own reads are drawn only with "show this page's
requests", other pages' reads never, and a viewer never sees another viewer's 403s.
Measured against the server's audit trail and the records each page receives."""
from __future__ import annotations

import json
import time
import uuid

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PAGE_AGENT = "clusterviz-page/"
LEARNER_PASSWORD = "learn-k8s-2026"


def audit_trail(server, after: int = 0) -> list[dict]:  # noqa: ANN001 - the live server
    """The demo cluster's audit records after id ``after``, read from the server's database."""
    script = ("import json; from clusterviz.clusters.models import AuditRecord; print(json.dumps(list("
              f"AuditRecord.objects.filter(cluster__name='demo', id__gt={after}).order_by('id')"
              ".values('id', 'user', 'user_agent', 'verb', 'resource', 'code'))))")
    return json.loads(server.manage("shell", "--no-imports", "-c", script).stdout)


def last_audit_id(server) -> int:  # noqa: ANN001
    script = ("from clusterviz.clusters.models import AuditRecord; "
              "print(AuditRecord.objects.order_by('-id').values_list('id', flat=True).first() or 0)")
    return int(server.manage("shell", "--no-imports", "-c", script).stdout)


def record_frames(page) -> list[dict]:  # noqa: ANN001 - a Playwright page
    """Every audit record the page's websocket delivers from now on (what it animates and lists)."""
    records: list[dict] = []

    def on_frame(payload) -> None:  # noqa: ANN001 - str for text frames
        for message in json.loads(payload).get("messages", []):
            if message["type"] == "audit.records":
                records.extend(message["records"])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return records


def open_as_learner(browser, server, name: str):  # noqa: ANN001, ANN201 - Playwright objects
    """The demo cluster's page for a Django user who is not staff (no group: RBAC decides)."""
    server.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                  f"get_user_model().objects.create_user('{name}', password='{LEARNER_PASSWORD}')")
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.http_url}/clusters/demo/")
    page.fill("#id_username", name)
    page.fill("#id_password", LEARNER_PASSWORD)
    page.click("button[type=submit]")
    return context, page


def test_six_pages_open_for_a_minute_add_no_requests_of_their_own(browser, login_state, server) -> None:
    start = last_audit_id(server)
    contexts, received = [], []
    for _ in range(6):
        context = browser.new_context(storage_state=login_state, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        received.append(record_frames(page))
        page.goto(f"{server.http_url}/clusters/demo/")
        contexts.append((context, page))
    try:
        for _, page in contexts:
            page.wait_for_selector("body[data-synced=true]", timeout=30000)
            page.wait_for_selector("#health .cs[data-name='etcd-0'].healthy")  # from the websocket
        time.sleep(2)  # the watches the last page asked for are open
        loaded = last_audit_id(server)
        time.sleep(60)
        trail = audit_trail(server, start)
    finally:
        for context, _ in contexts:
            context.close()
    mine = [r for r in trail if r["user_agent"].startswith(PAGE_AGENT)]
    # loading: each page listed and watched what it draws, once, and nothing but reads
    assert len({r["user_agent"] for r in mine}) == 6, mine
    assert {r["verb"] for r in mine} <= {"get", "list", "watch"}, mine
    # then a minute of nothing: no polling, componentstatuses least of all
    assert [r for r in mine if r["id"] > loaded] == []
    assert [r for r in trail if r["resource"] == "componentstatuses"] == []
    # and no page was sent a page's request to animate: not its own reads, not the others'
    assert [[r for r in records if r["user_agent"].startswith(PAGE_AGENT)] for records in received] == [[]] * 6
    # while the cluster's own traffic kept coming
    assert all(records for records in received)


def test_this_pages_requests_are_drawn_only_with_the_toggle_which_is_remembered(cluster_page, browser,
                                                                              login_state, server) -> None:
    page = cluster_page
    assert not page.is_checked("#own-requests")
    other = browser.new_context(storage_state=login_state, viewport={"width": 1280, "height": 800})
    other_page = other.new_page()
    other_received = record_frames(other_page)
    other_page.goto(f"{server.http_url}/clusters/demo/")
    other_page.wait_for_selector("body[data-synced=true]")
    other_page.check("#own-requests")
    try:
        page.check("#own-requests")
        page.evaluate("window.clusterviz.resync('manual')")
        # the lists this page just made are drawn and listed, under the page's own User-Agent
        page.wait_for_function(f"window.clusterviz.state.requests.some(r => r.user_agent.startsWith('{PAGE_AGENT}')"
                               " && r.verb === 'list' && r.resource === 'pods')", timeout=10000)
        agents = page.evaluate(f"[...new Set(window.clusterviz.state.requests.map(r => r.user_agent)"
                               f".filter(a => a.startsWith('{PAGE_AGENT}')))]")
        assert len(agents) == 1, agents  # its own, never the other page's
        # another page, its own toggle on, is not shown this page's reads
        time.sleep(1)
        assert [r["user_agent"] for r in other_received if r["user_agent"].startswith(PAGE_AGENT)
                and r["user_agent"] in agents] == []
        page.reload()
        page.wait_for_selector("body[data-synced=true]")
        assert page.is_checked("#own-requests")  # remembered by this browser
    finally:
        other.close()


def test_a_student_page_shows_no_403_from_another_user(browser, server, shot) -> None:
    suffix = uuid.uuid4().hex[:6]
    watcher, refused = f"ada-{suffix}", f"bob-{suffix}"
    start = last_audit_id(server)
    watcher_context, watcher_page = open_as_learner(browser, server, watcher)
    received = record_frames(watcher_page)
    watcher_page.wait_for_selector("body[data-synced=true]")
    # a student's own refusals show (they teach RBAC): its lists were refused as it synced;
    # looked for now, before the cluster's traffic pushes them off the 100-line list
    watcher_page.wait_for_selector(f'#requests li.bad:has-text("{watcher}")', timeout=10000)
    refused_context, refused_page = open_as_learner(browser, server, refused)
    try:
        refused_page.wait_for_selector("body[data-synced=true]")
        # the second student's page is refused its lists and, from the create form, a write
        refused_page.click("#tabs button[data-tab=create]")
        refused_page.select_option("#example", label="Deployment (3 nginx pods)")
        refused_page.click("#create")
        refused_page.wait_for_selector("#create-result.bad")
        refused_page.wait_for_function(
            f"[...document.querySelectorAll('#requests li.bad')].some(li => li.textContent.includes('{refused}'))")
        time.sleep(1.5)
        # the server refused them, but the other student's page was never sent them
        assert any(r["user"] == refused and r["code"] == 403 and r["verb"] == "create"
                   for r in audit_trail(server, start))
        assert [r for r in received if r["user"] == refused] == []
        assert not watcher_page.locator("#requests li.bad", has_text=refused).count()
        assert refused not in (watcher_page.locator("#reject-reason").text_content() or "")
        assert any(r["user"] == watcher and r["code"] == 403 for r in received)
        shot(watcher_page, "20-no-403-from-another-student")
    finally:
        refused_context.close()
        watcher_context.close()
