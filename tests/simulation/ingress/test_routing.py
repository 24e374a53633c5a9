"""The routing table and matcher: host (exact, one-label wildcard, catch-all), longest path,
Exact before Prefix, element-wise Prefix, the older Ingress keeping a contested path, default
backends, and the endpoints of the Service port each row names."""
from __future__ import annotations

import pytest

from simulation.ingress.routing import build_table, host_matches, match, path_matches, split_url


def svc(name: str, ports: list[tuple[str, int]]) -> dict:
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"ports": [{"name": n, "port": p} for n, p in ports]}}


def eps(service: str, port_name: str, port: int, ips: list[str], ready: bool = True) -> dict:
    return {"metadata": {"name": f"{service}-x", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": service}},
            "ports": [{"name": port_name, "port": port}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip in ips]}


def ing(name: str, rules: list[tuple[str, str, str, str]], created: str = "2026-01-01T00:00:00Z",
        default: str = "") -> dict:
    by_host: dict[str, list] = {}
    for host, p, path_type, service in rules:
        by_host.setdefault(host, []).append({"path": p, "pathType": path_type,
                                             "backend": {"service": {"name": service, "port": {"number": 80}}}})
    spec: dict = {"rules": [{**({"host": h} if h else {}), "http": {"paths": paths}} for h, paths in by_host.items()]}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return {"metadata": {"name": name, "namespace": "default", "creationTimestamp": created}, "spec": spec}


SERVICES = [svc("api", [("http", 80)]), svc("web", [("", 80)]), svc("exact", [("", 80)]), svc("wild", [("", 80)])]
SLICES = [eps("api", "http", 8080, ["10.244.1.5", "10.244.2.3"]), eps("web", "", 80, ["10.244.1.7"]),
          eps("exact", "", 80, ["10.244.3.1"]), eps("wild", "", 80, ["10.244.3.2"], ready=False)]
INGRESSES = [
    ing("shop", [("shop.example.com", "/", "Prefix", "web"), ("shop.example.com", "/api", "Prefix", "api"),
                 ("shop.example.com", "/api/v1/status", "Exact", "exact"), ("*.example.com", "/", "Prefix", "wild"),
                 ("", "/", "Prefix", "web")]),
]
ROUTES, DEFAULTS = build_table(INGRESSES, SERVICES, SLICES)


@pytest.mark.parametrize("url,backend", [
    ("http://shop.example.com/", "web:80"),
    ("http://shop.example.com/api", "api:80"),
    ("http://shop.example.com/api/", "api:80"),
    ("http://shop.example.com/api/orders", "api:80"),
    ("http://shop.example.com/apiary", "web:80"),
    ("http://shop.example.com/api/v1/status", "exact:80"),
    ("http://shop.example.com/api/v1/status/x", "api:80"),
    ("http://blog.example.com/", "wild:80"),
    ("http://a.blog.example.com/", "web:80"),
    ("http://example.com/", "web:80"),
    ("SHOP.example.com:8080/api?q=1", "api:80"),
], ids=["root", "prefix", "prefix trailing slash", "prefix below", "not element-wise", "exact", "exact is exact",
        "wildcard one label", "wildcard not two labels", "wildcard not zero labels", "port, query and case"])
def test_match(url, backend):
    assert match(ROUTES, DEFAULTS, *split_url(url)).route.backend == backend


def test_endpoints_are_the_ready_ones_of_the_named_service_port():
    rows = {(r.host, r.path): r for r in ROUTES}
    assert rows[("shop.example.com", "/api")].endpoints == ["10.244.1.5:8080", "10.244.2.3:8080"]
    assert rows[("*.example.com", "/")].endpoints == [] and rows[("*.example.com", "/")].problem == "no ready endpoints"


def test_rows_list_named_hosts_first_longest_path_first():
    assert [(r.host, r.path) for r in ROUTES] == [
        ("*.example.com", "/"), ("shop.example.com", "/api/v1/status"), ("shop.example.com", "/api"),
        ("shop.example.com", "/"), ("_", "/")]


def test_a_missing_service_is_a_row_without_endpoints():
    routes, _ = build_table([ing("x", [("x.com", "/", "Prefix", "nope")])], [], [])
    assert (routes[0].endpoints, routes[0].problem) == ([], 'services "nope" not found')


def test_the_older_ingress_keeps_a_contested_path():
    older = ing("older", [("a.com", "/", "Prefix", "web")], created="2026-01-01T00:00:00Z")
    newer = ing("newer", [("a.com", "/", "Prefix", "api")], created="2026-01-02T00:00:00Z")
    routes, _ = build_table([newer, older], SERVICES, SLICES)
    assert [(r.ingress, r.backend) for r in routes] == [("default/older", "web:80")]


def test_unmatched_requests_go_to_a_default_backend():
    routes, defaults = build_table([ing("d", [("a.com", "/app", "Exact", "api")], default="web")], SERVICES, SLICES)
    miss = match(routes, defaults, "a.com", "/other")
    assert miss.route is None and miss.as_dict()["route"]["backend"] == "web:80"
    none = match(routes, [], "a.com", "/other").as_dict()
    assert none["route"] is None and none["status"] == 404


@pytest.mark.parametrize("rule,host,want", [("*.foo.com", "bar.foo.com", True), ("*.foo.com", "foo.com", False),
                                            ("*.foo.com", "a.b.foo.com", False), ("foo.com", "foo.com", True)])
def test_host_matches(rule, host, want):
    assert host_matches(rule, host) is want


@pytest.mark.parametrize("rule,path_type,path,want", [
    ("/foo", "Prefix", "/foo/bar", True), ("/foo/", "Prefix", "/foo", True), ("/foo", "Prefix", "/foobar", False),
    ("/", "Prefix", "/anything", True), ("/foo", "Exact", "/foo/", False),
    ("/foo", "ImplementationSpecific", "/foobar", True)])
def test_path_matches(rule, path_type, path, want):
    assert path_matches(rule, path_type, path) is want


def test_another_ingress_default_backend_serves_only_hosts_without_rules_of_their_own():
    """ingress-nginx: an Ingress's defaultBackend is the root of the servers it defines and, for
    the first such Ingress, of the catch-all server — never of another Ingress's host."""
    routes, defaults = build_table([ing("own", [("a.com", "/app", "Exact", "api")], created="2026-01-01T00:00:00Z"),
                                    ing("catchall", [], created="2026-01-02T00:00:00Z", default="web")],
                                   SERVICES, SLICES)
    own_host = match(routes, defaults, "a.com", "/other").as_dict()
    assert own_host["route"] is None and own_host["status"] == 404
    elsewhere = match(routes, defaults, "b.com", "/").as_dict()
    assert elsewhere["route"]["backend"] == "web:80"
