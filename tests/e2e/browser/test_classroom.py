"""A class in real browsers: a teacher and five students, each a browser context of its own.

The teacher opens a class session from the classroom page; five students join with its code
and a name (no account), one downloads the kubeconfig and uses the real kubectl in their own
namespace (and is refused elsewhere with upstream's 403); every student's page draws the 3
nodes and the health strip, hides the clock's controls, follows the teacher through the
Deployment-chain lesson, answers its prediction (the teacher's tally counts the answers); a
student's exercise done in their namespace turns green on the teacher's roster; the CSV
export lists everyone; closing the class revokes the tokens (kubectl: 401)."""
from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request

import pytest

from tests.e2e.browser.test_lessons import set_speed
from tests.e2e.conftest import RawAPI

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CLUSTER = "classtest"
STUDENTS = ["Ada", "Alan", "Grace", "Edsger", "Barbara"]


def wait_hosted(server, cluster: str, timeout: float = 30) -> None:
    """Until the running server simulates ``cluster`` (its control API answers)."""
    token = RawAPI(server.kubeconfig(cluster)).token
    deadline = time.time() + timeout
    while True:
        try:
            request = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/",
                                             headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)


def new_page(browser, storage_state=None, *, animate: bool = False):
    context = browser.new_context(storage_state=storage_state, viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)
    # five pages animating on two cores would starve the teacher's: the students' animation is off
    if not animate:
        context.add_init_script("localStorage.setItem('clusterviz.animate', '0')")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def test_a_teacher_and_five_students_through_a_lesson(browser, server, login_state, kubectl, tmp_path, shot) -> None:
    server.manage("createcluster", CLUSTER)
    wait_hosted(server, CLUSTER)
    set_speed(server, CLUSTER, 20)  # the class's 1x, twenty times faster for the test

    # the teacher opens the class from the browser
    teacher = new_page(browser, login_state, animate=True)
    teacher.goto(f"{server.http_url}/classroom/")
    teacher.fill("#id_name", "period-3")
    teacher.select_option("#id_cluster", CLUSTER)
    teacher.click("#new-session button[type=submit]")
    teacher.wait_for_url("**/classroom/period-3/")
    code = teacher.inner_text("#join-code").strip()
    assert re.fullmatch(r"\d{6}", code), code
    assert teacher.locator(".qr svg").count() == 1
    roster_page = teacher.context.new_page()
    roster_page.errors = []
    roster_page.on("pageerror", lambda exc: roster_page.errors.append(str(exc)))
    roster_page.goto(teacher.url)

    # five students join with the code and a name; the same name again is refused plainly
    students = []
    for name in STUDENTS:
        page = new_page(browser)
        page.goto(f"{server.http_url}/join/{code}/")
        assert page.input_value("#id_code") == code
        page.fill("#id_name", name)
        page.click(".join button[type=submit]")
        page.wait_for_url("**/classroom/period-3/me/")
        students.append(page)
    intruder = new_page(browser)
    intruder.goto(f"{server.http_url}/join/")
    intruder.fill("#id_code", code)
    intruder.fill("#id_name", "ada")
    intruder.click(".join button[type=submit]")
    assert "already joined as “Ada”" in intruder.inner_text(".errors")
    intruder.context.close()

    # Ada's kubeconfig, downloaded from her page, works with the real kubectl in her namespace
    ada = students[0]
    with ada.expect_download() as download:
        ada.click("#kubeconfig")
    config = tmp_path / "ada.kubeconfig"
    download.value.save_as(config)
    rc, out, err = kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=5", kubeconfig=config)
    assert rc == 0 and "deployment.apps/web created" in out, err
    rc, out, err = kubectl("get", "nodes", kubeconfig=config)
    assert rc == 0 and len(out.strip().splitlines()) == 4, (out, err)
    rc, out, err = kubectl("create", "deployment", "web", "--image=nginx:1.27", "-n", "default", kubeconfig=config)
    assert rc == 1
    assert err.strip() == ('error: failed to create deployment: deployments.apps is forbidden: User "ada@period-3" '
                           'cannot create resource "deployments" in API group "apps" in the namespace "default"'), err

    # every student's page draws the 3 nodes and the health strip; the class's clock is not theirs
    for page in students:
        page.click("#open-cluster")
        page.wait_for_selector("body[data-synced=true]", timeout=20000)
    for page in students:
        page.wait_for_function("document.querySelectorAll('svg .node').length === 3", timeout=15000)
        page.wait_for_selector("#health .cs[data-name='scheduler'].healthy", timeout=15000)
        page.wait_for_selector("body.sim-read-only", timeout=10000)
        assert not page.locator("#play").is_visible() and not page.locator("#step").is_visible()
        assert page.input_value("#create-namespace").startswith("student-")
        assert page.inner_text("#access-note") == ""
    shot(students[0], "classroom-student")

    # the teacher starts the lesson for the class on this cluster; the students follow
    teacher.goto(f"{server.http_url}/clusters/{CLUSTER}/")
    teacher.wait_for_selector("body[data-synced=true]", timeout=20000)
    teacher.wait_for_selector("#classroom .class-code", timeout=10000)
    teacher.click('#tabs button[data-tab="lessons"]')
    teacher.locator('.lesson-item[data-lesson="deployment-chain"] button.start-here').click()
    teacher.wait_for_selector('.lesson[data-position="0"]', timeout=90000)
    set_speed(server, CLUSTER, 20)  # the lesson's setup set its own speed
    for page in students:
        page.click('#tabs button[data-tab="lessons"]')
        page.wait_for_selector('.lesson[data-position="0"] .follow-note', timeout=15000)
        assert page.locator(".lesson button.run").count() == 0

    total = int(teacher.locator(".lesson-progress").get_attribute("aria-valuemax"))
    for index in range(total):
        teacher.wait_for_selector(f'.lesson[data-position="{index}"]', timeout=30000)
        for page in students:
            page.wait_for_selector(f'.lesson[data-position="{index}"]', timeout=15000)
        title = teacher.inner_text(".lesson .step-title")
        assert all(page.inner_text(".lesson .step-title") == title for page in students)
        if teacher.locator(".lesson-predict").count():
            for i, page in enumerate(students):
                page.locator(".lesson-predict .choice").nth(i % 2).click()
            teacher.wait_for_function(
                "document.querySelector('.lesson-predict .tally-total')?.textContent.includes('5 of 5 answered')",
                timeout=15000)
            shot(teacher, "classroom-tally")
        if teacher.locator(".lesson button.run").count():
            teacher.click(".lesson button.run")
            teacher.wait_for_selector(".lesson-output", timeout=30000)
        if teacher.locator(".lesson-wait").count():
            teacher.wait_for_selector(".lesson-wait.ok", timeout=60000)
        if teacher.locator(".lesson-predict").count():
            # the answer waits for the teacher, however fast the cluster found it
            teacher.locator(".lesson-predict button.reveal").click(timeout=30000)
            teacher.locator(".lesson-predict .answer").wait_for(timeout=30000)
            for page in students:  # the answer reaches every student, with their own verdict
                page.locator(".lesson-predict .answer").wait_for(timeout=15000)
        if index < total - 1:
            teacher.click(".lesson button.next")

    # the teacher opens the Deployment on the diagram: every following student's inspector shows it
    teacher.click('#diagram .object[data-kind="Deployment"][data-key="default/web"]')
    for page in students:
        page.wait_for_selector("[data-inspecting='object:Deployment:default:web']", timeout=15000)
        page.click('#tabs button[data-tab="lessons"]')
    teacher.click('#tabs button[data-tab="lessons"]')

    # a student steps out and comes back to the teacher
    grace = students[2]
    grace.click(".lesson button.step-out")
    grace.click(".lesson button.back")
    grace.wait_for_selector(f'.lesson[data-position="{total - 2}"]', timeout=10000)
    grace.click(".lesson button.back-to-teacher")
    grace.wait_for_selector(f'.lesson[data-position="{total - 1}"] .follow-note', timeout=10000)

    # the last step's exercise (five web pods) turns green on the roster for Ada, who did it
    roster_page.wait_for_selector("#roster tr[data-student='ada'] .exercise.passed", timeout=90000)
    assert roster_page.locator("#roster tr[data-student='alan'] .exercise.pending").count() == 1
    assert roster_page.locator("#roster tbody tr").count() == 5
    assert "5 joined" in roster_page.inner_text("#roster-summary")
    shot(roster_page, "classroom-roster")
    csv_text = roster_page.evaluate("fetch('/classroom/period-3/roster.csv').then(r => r.text())")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert sorted(r["display name"] for r in rows) == sorted(STUDENTS)
    ada_row = next(r for r in rows if r["name"] == "ada")
    assert ada_row["exercise deployment-chain:6"] == "passed" and int(ada_row["pods Running"]) == 5
    assert all(r["answer lesson:deployment-chain:4"] for r in rows)

    # closing the class revokes the tokens: Ada's kubectl is turned away at the door
    roster_page.on("dialog", lambda dialog: dialog.accept())
    roster_page.click("form.close button[type=submit]")
    roster_page.wait_for_selector(".join-code.closed")
    rc, out, err = kubectl("get", "pods", kubeconfig=config)
    assert rc == 1 and "error: You must be logged in to the server (Unauthorized)" in err, err
    for page in [teacher, roster_page, *students]:
        assert not page.errors, page.errors
    for page in [teacher, *students]:
        page.context.close()


def join_as(browser, server, code: str, name: str, tmp_path):
    """A student joins through the join page; their page and their downloaded kubeconfig."""
    page = new_page(browser)
    page.goto(f"{server.http_url}/join/{code}/")
    page.fill("#id_name", name)
    page.click(".join button[type=submit]")
    page.wait_for_url("**/me/")
    with page.expect_download() as download:
        page.click("#kubeconfig")
    path = tmp_path / f"{name}.kubeconfig"
    download.value.save_as(path)
    return page, path


def test_per_student_clusters_a_stopped_scheduler_strands_only_its_own_pods(browser, server, kubectl,
                                                                             tmp_path) -> None:
    made = server.manage("classroom", "create", "lab", "--cluster", "demo", "--mode", "per-student", "-o", "json")
    code = json.loads(made.stdout)["code"]
    (linus, linus_config), (margaret, margaret_config) = (join_as(browser, server, code, n, tmp_path)
                                                          for n in ("Linus", "Margaret"))
    for config, cluster in ((linus_config, "lab-linus"), (margaret_config, "lab-margaret")):
        assert f"/clusters/{cluster}" in config.read_text()
        wait_hosted(server, cluster)
    # Linus stops the scheduler of his own cluster (he may: it is his), as the page's button would
    token = RawAPI(linus_config).token
    request = urllib.request.Request(f"{server.http_url}/clusters/lab-linus/sim/components/kube-scheduler/stop",
                                     method="POST", data=b"{}", headers={"Authorization": f"Bearer {token}",
                                                                         "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    for config in (linus_config, margaret_config):
        ok = kubectl("run", "web", "--image=nginx:1.27", kubeconfig=config)
        assert ok[0] == 0, ok
    deadline = time.time() + 60
    while time.time() < deadline:
        phases = {name: kubectl("get", "pod", "web", "-o", "jsonpath={.status.phase}", kubeconfig=config)[1]
                  for name, config in (("linus", linus_config), ("margaret", margaret_config))}
        if phases["margaret"] == "Running":
            break
        time.sleep(0.5)
    assert phases == {"linus": "Pending", "margaret": "Running"}, phases
    # the teacher's lesson on demo reaches Linus's page on his own cluster, step by step
    admin = RawAPI(server.kubeconfig("demo")).token

    def lesson(path: str, body: dict | None = None) -> None:
        call = urllib.request.Request(f"{server.http_url}/clusters/demo/sim/lesson/{path}", method="POST",
                                      data=json.dumps(body or {}).encode(),
                                      headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
        with urllib.request.urlopen(call, timeout=120) as answer:
            assert answer.status in (200, 201)

    linus.goto(f"{server.http_url}/clusters/lab-linus/")
    linus.wait_for_selector("body[data-synced=true]", timeout=20000)
    linus.click('#tabs button[data-tab="lessons"]')
    lesson("start", {"scenario": "control-plane-components"})
    try:
        linus.wait_for_selector('.lesson[data-position="0"] .follow-note', timeout=30000)
        lesson("next")
        linus.wait_for_selector('.lesson[data-position="1"] .follow-note', timeout=30000)
        assert linus.locator(".lesson button.run").count() == 0, "a follower runs nothing"
    finally:
        lesson("stop")
    # and nobody else's cluster: Margaret's token means nothing in Linus's
    rc, _, err = kubectl("--server", RawAPI(linus_config).server, "get", "pods", kubeconfig=margaret_config)
    assert rc == 1 and "Unauthorized" in err, err
    closed = server.manage("classroom", "close", "lab", "--delete-namespaces")
    assert "class lab closed: 2 tokens revoked" in closed.stdout
    for page in (linus, margaret):
        page.context.close()
