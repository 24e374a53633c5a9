"""Helpers for the end-to-end tests: a server started with ``manage.py up``, the real kubectl,
the ``kubernetes`` Python client and raw HTTPS, all with the kubeconfigs ``manage.py kubeconfig``
writes (so the tests use exactly what a user is told to use)."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import http.client
import pytest
import yaml

from tests.support.liveserver import API_ONLY, LiveServer

#: Seconds one kubectl invocation may take before the test fails (the server answers in ms).
KUBECTL_TIMEOUT = 60


@pytest.fixture(scope="session")
def compacting_server(tmp_path_factory):
    """A server whose revision log keeps only 20 revisions, so old watches get 410 quickly."""
    server = LiveServer(tmp_path_factory.mktemp("e2e-compacting"),
                       extra_env={"CLUSTERVIZ_COMPACTION_WINDOW": "20", **API_ONLY}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def admin_kubeconfig(cluster_server_sqlite) -> Path:
    return cluster_server_sqlite.kubeconfig("demo")


@pytest.fixture(scope="session")
def student_kubeconfig(cluster_server_sqlite) -> Path:
    return cluster_server_sqlite.kubeconfig("demo", user="student")


def wait_for(predicate, timeout: float = 60.0, every: float = 0.3):  # noqa: ANN001
    """``predicate()``'s first truthy answer, polled every ``every`` s; fails with the last
    answer after ``timeout`` s."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out; last value: {last!r}")


def unique(prefix: str) -> str:
    """A fresh DNS-1123 name, so tests sharing one server never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------ kubectl
@pytest.fixture(scope="session")
def kubectl_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("kubectl-cache")


@pytest.fixture(scope="session")
def kubectl_binary() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl is not installed (the gcloud SDK's /usr/bin/kubectl is what these tests drive)")
    return path


@pytest.fixture(scope="session")
def kubectl(kubectl_binary, kubectl_cache, tmp_path_factory):
    """``kubectl(*args, kubeconfig=..., input=...) -> (rc, stdout, stderr)``, sharing one discovery
    cache per session (pass ``cache_dir`` for a cold one)."""
    home = tmp_path_factory.mktemp("kubectl-home")

    def run(*args: str, kubeconfig: Path, input: str | None = None,
            timeout: float = KUBECTL_TIMEOUT, cache_dir: Path | None = None) -> tuple[int, str, str]:
        env = {**os.environ, "HOME": str(home)}
        env.pop("KUBECONFIG", None)
        proc = subprocess.run([kubectl_binary, "--kubeconfig", str(kubeconfig),
                               "--cache-dir", str(cache_dir or kubectl_cache),
                               *args], input=input, capture_output=True, text=True, timeout=timeout, env=env)
        return proc.returncode, proc.stdout, proc.stderr

    run.binary = kubectl_binary  # type: ignore[attr-defined]
    run.cache_dir = kubectl_cache  # type: ignore[attr-defined]
    run.env = {**os.environ, "HOME": str(home)}  # type: ignore[attr-defined]
    return run


def kubectl_popen(kubectl, *args: str, kubeconfig: Path) -> subprocess.Popen:
    """A long-running kubectl (``get --watch``), its stdout a pipe read line by line."""
    env = dict(kubectl.env)
    env.pop("KUBECONFIG", None)
    return subprocess.Popen([kubectl.binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(kubectl.cache_dir),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1, env=env)


# ------------------------------------------------------------------ Python client
@pytest.fixture(scope="session")
def api_client_factory():
    """``factory(kubeconfig) -> kubernetes.client.ApiClient`` (closed at the end of the session)."""
    kubernetes = pytest.importorskip("kubernetes")
    clients = []

    def make(kubeconfig: Path):
        client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
        clients.append(client)
        return client

    yield make
    for client in clients:
        try:
            client.close()
        except Exception:
            pass


# ------------------------------------------------------------------ raw HTTPS
@dataclass
class RawResponse:
    status: int
    headers: dict
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self):
        return json.loads(self.body)


class RawAPI:
    """Plain ``http.client`` over TLS against one cluster, trusting only the kubeconfig's CA."""

    def __init__(self, kubeconfig: Path) -> None:
        config = yaml.safe_load(Path(kubeconfig).read_text())
        cluster = config["clusters"][0]["cluster"]
        self.server = cluster["server"]
        url = urlparse(self.server)
        self.host, self.port, self.prefix = url.hostname, url.port, url.path.rstrip("/")
        self.token = config["users"][0]["user"]["token"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self.context = ssl.create_default_context(cadata=ca)

    def request(self, method: str, path: str, body: bytes | str | dict | None = None,
                content_type: str | None = "application/json", token: str | None = None,
                absolute: bool = False, timeout: float = 30, headers: dict | None = None) -> RawResponse:
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        send = {"Accept": "application/json", **(headers or {})}
        send["Authorization"] = f"Bearer {token if token is not None else self.token}"
        if body is not None and content_type:
            send["Content-Type"] = content_type
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)
        try:
            conn.request(method, path if absolute else self.prefix + path, body=body, headers=send)
            response = conn.getresponse()
            data = response.read()
            return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> RawResponse:
        return self.request("GET", path, **kwargs)


@pytest.fixture(scope="session")
def raw_api(admin_kubeconfig) -> RawAPI:
    return RawAPI(admin_kubeconfig)


def assert_status(response: RawResponse, code: int, reason: str | None = None) -> dict:
    """The answer is a JSON metav1 Status with this code (and reason): what kubectl needs to print it."""
    assert response.status == code, (response.status, response.body[:1000])
    assert response.content_type.split(";")[0].strip() == "application/json", (response.content_type,
                                                                                 response.body[:300])
    status = response.json()
    assert status.get("kind") == "Status" and status.get("apiVersion") == "v1", status
    assert status.get("status") == "Failure", status
    assert status.get("code") == code, status
    assert isinstance(status.get("message"), str) and status["message"], status
    if reason is not None:
        assert status.get("reason") == reason, status
    return status


def tmpfile(directory: Path, name: str, text: str) -> Path:
    path = Path(directory) / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------ the simulation control API
def sim_api(server: LiveServer, kubeconfig: Path, cluster: str = "demo"):
    """``call(method, path, body=None) -> (status, json)`` against ``/clusters/CLUSTER/sim/``
    with the kubeconfig's bearer token, as ``manage.py sim`` and the page use it."""
    token = yaml.safe_load(Path(kubeconfig).read_text())["users"][0]["user"]["token"]

    def call(method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        request = urllib.request.Request(f"{server.http_url}/clusters/{cluster}/sim/{path}", method=method,
                                         data=json.dumps(body or {}).encode() if method == "POST" else None,
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)
    return call


# ------------------------------------------------------------------ output helpers
def ok(result: tuple[int, str, str]) -> str:
    """stdout of a kubectl run that must succeed (the failure message shows everything)."""
    rc, out, err = result
    assert rc == 0, f"rc={rc}\nstdout:\n{out}\nstderr:\n{err}"
    return out


def get_json(run, *args: str) -> dict:
    return json.loads(ok(run("get", *args, "-o", "json")))


def rows(out: str) -> tuple[list[str], dict[str, list[str]]]:
    """(header columns, {first cell: row cells}) of a kubectl table (columns split on 2+ spaces)."""
    lines = [line for line in out.splitlines() if line.strip()]
    split = [re.split(r"\s{2,}", line.strip()) for line in lines]
    return split[0], {cells[0]: cells for cells in split[1:]}


# ------------------------------------------------------------------ manifests
#: A one-container Deployment; ``.format(name=..., replicas=...)``.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""
