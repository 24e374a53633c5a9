"""Browser tests: real headless Chromium (Debian's ``chromium`` package, driven by Playwright)
against a server started with ``manage.py up``. Screenshots go to
``$CLUSTERVIZ_ARTIFACTS_DIR/browser/`` (a temporary folder unless set); the path is printed at
the end of the run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import RawAPI
from tests.support.liveserver import ROOT, LiveServer

CHROMIUM = os.environ.get("CLUSTERVIZ_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ["CLUSTERVIZ_ARTIFACTS_DIR"]) / "browser"
TEACHER = ("teacher", "projector-2026")
_shots: list[Path] = []


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    if _shots:
        terminalreporter.write_line(f"browser screenshots ({len(_shots)}): {ARTIFACTS}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium)")
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Per module, not per session: Playwright's sync API keeps an event loop running in the
    main thread while it lives, and with test files spread over workers (pytest-xdist) a worker's
    next module may be one that uses Django's database or ``async_to_sync`` there, which refuse to
    run beside a running loop."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """``python manage.py up`` as the README runs it: the API server and the control plane."""
    live = LiveServer(tmp_path_factory.mktemp("browser-live")).start()
    yield live
    live.stop()


def create_teacher(live) -> tuple[str, str]:
    """A Django superuser on ``live``: in the cluster a member of system:masters."""
    env = {**live.env, "DJANGO_SUPERUSER_PASSWORD": TEACHER[1]}
    result = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", TEACHER[0],
                             "--email", "teacher@example.com"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 or "already taken" in result.stderr, result.stderr
    return TEACHER


def log_in(browser, live, path: Path) -> str:  # noqa: ANN001
    """Log the teacher in through the login form; the storage state (session cookie) is saved to ``path``."""
    teacher = create_teacher(live)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.http_url}/clusters/demo/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", teacher[0])
    page.fill("#id_password", teacher[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/clusters/demo/")
    context.storage_state(path=str(path))
    context.close()
    return str(path)


@pytest.fixture(scope="session")
def admin_kubeconfig_live(server) -> Path:
    return server.kubeconfig("demo")


@pytest.fixture(scope="session")
def admin_api(admin_kubeconfig_live) -> RawAPI:
    return RawAPI(admin_kubeconfig_live)


@pytest.fixture(scope="module")
def login_state(browser, server, tmp_path_factory) -> str:
    return log_in(browser, server, tmp_path_factory.mktemp("browser") / "state.json")


@pytest.fixture
def page(browser, login_state):
    context = browser.new_context(storage_state=login_state, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.on("console", lambda message: print(f"console {message.type}: {message.text}"))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def cluster_page(page, server):
    """The demo cluster's page, loaded and synchronised from the API."""
    page.goto(f"{server.http_url}/clusters/demo/")
    page.wait_for_selector("body[data-synced=true]", timeout=15000)
    return page


@pytest.fixture
def shot(request):
    """``shot(page, "name")`` saves a screenshot under ARTIFACTS and returns its path."""
    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        _shots.append(path)
        print(f"screenshot: {path}")
        return path
    return take


def sim_get(server, api: RawAPI, path: str = "", cluster: str = "demo") -> dict:
    """``GET /clusters/CLUSTER/sim/PATH`` with the admin token."""
    req = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/{path}",
                                 headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return json.loads(response.read())


def sim_status(server, api: RawAPI) -> dict | None:
    """The control API's answer for demo, or None while the control plane has not landed."""
    try:
        data = sim_get(server, api)
    except (urllib.error.URLError, ValueError, OSError):
        return None
    return data if isinstance(data, dict) and "clock" in data else None


def sim_post(server, api: RawAPI, path: str, body: dict | None = None, cluster: str = "demo") -> dict:
    req = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/{path}", method="POST",
                                 data=json.dumps(body or {}).encode(),
                                 headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text else {}


@pytest.fixture
def control_plane(server, admin_api) -> dict:
    """Skips a test that needs the simulation's control API until it answers."""
    status = sim_status(server, admin_api)
    if status is None:
        pytest.skip("the simulation control API (/clusters/demo/sim/) does not answer yet")
    return status
