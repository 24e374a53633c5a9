"""Ingress through the real kubectl (1.29, 1.31, 1.33) on one live demo cluster with the ingress
add-on installed by ``manage.py sim ingress install``: ``kubectl create ingress`` and upstream's
columns for Ingresses and IngressClasses, the default class set by admission, the controller
filling ADDRESS, ``kubectl describe ingress`` listing backends with their endpoints and the
controller's Sync Event, upstream's validation message, and the routing table in ``manage.py sim``."""
from __future__ import annotations

import functools
import json

import pytest
import yaml

from simulation.scenarios import LIBRARY
from tests.e2e.conftest import get_json, ok, rows, unique, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

BAD_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  rules:
    - host: bad.example.com
      http:
        paths:
          - path: /
            backend: {service: {name: web, port: {number: 80}}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("ingress")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def kc(kubectl, server):
    return functools.partial(kubectl, kubeconfig=server.kubeconfig("demo"))


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "ingress-")


@pytest.fixture(scope="module")
def addon(server, kc):
    """The add-on installed from the terminal, its controller pod Ready; the node it runs on's IP."""
    out = server.manage("sim", "ingress", "install").stdout
    assert "created namespaces/ingress-nginx" in out and "ingressclasses/nginx" in out

    def ready_pod():
        pods = get_json(kc, "pods", "-n", "ingress-nginx")["items"]
        return next((p for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                            for c in p["status"].get("conditions") or [])), None)
    pod = wait_for(ready_pod, timeout=120)
    node = get_json(kc, "node", pod["spec"]["nodeName"])
    return next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")


@pytest.fixture(scope="module")
def web(kc):
    """A two-replica Deployment behind a Service, both endpoints ready."""
    app = unique("web")
    ok(kc("create", "deployment", app, "--image=nginx:1.27", "--replicas=2", "--port=80"))
    ok(kc("expose", "deployment", app, "--port=80"))

    def ready():
        items = get_json(kc, "endpointslices", "-l", f"kubernetes.io/service-name={app}")["items"]
        endpoints = [e for s in items for e in s.get("endpoints") or []]
        return len(endpoints) == 2 and all(e["conditions"]["ready"] for e in endpoints)
    wait_for(ready, timeout=90)
    return app


def pod_ips(kc, app: str) -> list[str]:
    return sorted(p["status"]["podIP"] for p in get_json(kc, "pods", "-l", f"app={app}")["items"])


def test_get_ingressclass_shows_the_addons_class(kv, addon):
    header, table = rows(ok(kv("get", "ingressclass")))
    assert header == ["NAME", "CONTROLLER", "PARAMETERS", "AGE"]
    assert table["nginx"][1:3] == ["k8s.io/ingress-nginx", "<none>"]


def test_create_ingress_gets_the_default_class_and_the_controllers_address(kv, kc, addon, web):
    name = unique(f"ing{kv.minor}")
    out = ok(kv("create", "ingress", name, f"--rule={name}.example.com/*={web}:80",
                "--rule=secure.example.com/app=pay:8443,tls=pay-cert"))
    assert out.strip() == f"ingress.networking.k8s.io/{name} created"
    ing = get_json(kc, "ingress", name)
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert [p["pathType"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]] == ["Prefix", "Exact"]
    header, _ = rows(ok(kv("get", "ingress", name)))
    assert header == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]

    def address():
        return rows(ok(kv("get", "ingress", name)))[1][name][3] == addon
    wait_for(address, timeout=60)
    cells = rows(ok(kv("get", "ingress", name)))[1][name]
    assert cells[1:5] == ["nginx", f"{name}.example.com,secure.example.com", addon, "80, 443"]


def test_describe_ingress_lists_backends_endpoints_and_the_sync_event(kv, kc, addon, web):
    name = unique(f"desc{kv.minor}")
    ok(kv("create", "ingress", name, f"--rule=shop.example.com/*={web}:80", "--rule=shop.example.com/gone=nope:80"))
    wait_for(lambda: "Scheduled for sync" in ok(kv("describe", "ingress", name)), timeout=60)
    out = ok(kv("describe", "ingress", name))
    lines = [line.rstrip() for line in out.splitlines()]
    assert f"Name:             {name}" in lines
    assert "Ingress Class:    nginx" in lines
    assert "Default backend:  <default>" in lines
    assert "Rules:" in lines and "  Host              Path  Backends" in lines
    assert any(line.split() == ["shop.example.com"] for line in lines)
    backend = next(line for line in lines if f"{web}:80 (" in line)
    assert backend.split()[0] == "/" and all(f"{ip}:80" in backend for ip in pod_ips(kc, web))
    # kubectl 1.29 read the backend's core Endpoints; 1.31 and 1.33 list its EndpointSlices, then get the Service.
    missing = 'endpoints "nope" not found' if kv.minor < 31 else 'services "nope" not found'
    assert any(line.split()[:2] == ["/gone", "nope:80"] and line.endswith(f"(<error: {missing}>)") for line in lines)
    assert any(line.split()[:2] == ["Normal", "Sync"] and line.endswith("nginx-ingress-controller  Scheduled for sync")
               for line in lines), out


def test_a_path_without_path_type_is_refused_in_upstreams_words(kv, tmp_path):
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(BAD_INGRESS)
    rc, _, err = kv("create", "-f", str(manifest))
    assert rc == 1
    assert err.strip() == ('The Ingress "bad" is invalid: spec.rules[0].http.paths[0].pathType: '
                           'Required value: pathType must be specified')


def test_manage_py_sim_prints_the_routing_table_and_a_requests_route(server, kc, addon, web):
    name = unique("routes")
    ok(kc("create", "ingress", name, f"--rule={name}.example.com/api*={web}:80"))
    host = f"{name}.example.com"

    def listed():
        table = json.loads(server.manage("sim", "ingress", "-o", "json").stdout)
        return next((r for r in table["routes"] if r["host"] == host), None)
    route = wait_for(listed, timeout=60)
    assert (route["path"], route["path_type"], route["backend"]) == ("/api", "Prefix", f"{web}:80")
    assert sorted(e.split(":")[0] for e in route["endpoints"]) == pod_ips(kc, web)
    printed = server.manage("sim", "ingress").stdout
    assert printed.startswith(f"ingress-nginx-controller: serving at {addon}")
    row = next(line for line in printed.splitlines() if line.startswith(host))
    assert row.split()[:5] == [host, "/api", "Prefix", f"default/{name}", f"{web}:80"]
    matched = server.manage("sim", "ingress", f"http://{host}/api/items").stdout
    assert f"http://{host}/api/items → {web}:80 (" in matched
    missed = server.manage("sim", "ingress", f"http://{host}/other").stdout
    assert f"http://{host}/other → 404 from the default backend (404)" in missed


def test_the_ingress_lesson_runs_on_a_hosted_cluster_over_http(server, addon, tmp_path):
    """The lesson's ingress actions reach the hosted cluster through the control API (installing
    again keeps what is there)."""
    lesson = yaml.safe_load((LIBRARY / "ingress.yaml").read_text())
    lesson["setup"]["speed"] = 20
    path = tmp_path / "ingress-fast.yaml"
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    done = server.manage("scenario", "run", str(path), "--cluster", "demo", check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    out = done.stdout
    assert "ingress add-on: created nothing new (already installed)" in out
    assert "http://shop.example.com/kubia/items → kubia:80 (" in out
    assert "http://other.example.com/ → 404 from the default backend (404)" in out
    assert "result: delivered: delivered to default/kubia-" in out
    assert out.rstrip().splitlines()[-1].startswith("✓ ingress: 6 steps passed")


def test_a_default_backend_is_described_with_its_endpoints_and_explained(kv, kc, addon, web):
    name = unique(f"def{kv.minor}")
    ok(kv("create", "ingress", name, f"--default-backend={web}:80", f"--rule={name}.example.com/*={web}:80"))
    try:
        out = ok(kv("describe", "ingress", name))
        line = next(x for x in out.splitlines() if x.startswith("Default backend:"))
        assert line.startswith(f"Default backend:  {web}:80 (") and all(f"{ip}:80" in line for ip in pod_ips(kc, web))
    finally:
        # its defaultBackend would answer every host without rules of its own, in other tests too
        ok(kv("delete", "ingress", name))
    explained = ok(kv("explain", "ingress.spec.rules.http.paths.pathType"))
    assert "pathType determines the interpretation of the path matching." in explained
