"""Ingress and IngressClass validation in upstream's words (``pkg/apis/networking/validation``),
the IngressClass default, and DefaultIngressClass admission."""
from __future__ import annotations

import copy

import pytest

from simulation.apiserver.admission import CREATE, UPDATE
from simulation.apiserver.admission.default_ingress_class import DefaultIngressClass
from simulation.apiserver.defaults import apply_defaults
from simulation.apiserver.validation import error_string, validate_create, validate_update
from tests.simulation.apiserver.fakes import FakeReader, attrs, rt_for


def ingress(paths: list[dict] | None = None, host: str = "web.example.com", **spec) -> dict:
    rules = [] if paths is None else [{"host": host, "http": {"paths": paths}}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "default"}, "spec": {"rules": rules, **spec}}


def path(p: str = "/", path_type: str | None = "Prefix", backend: dict | None = None) -> dict:
    out = {"path": p, "backend": backend if backend is not None else {"service": {"name": "web", "port": {"number": 80}}}}
    if path_type is not None:
        out["pathType"] = path_type
    return out


def errors(obj: dict) -> list[str]:
    return [error_string(c) for c in validate_create(rt_for(obj["kind"]), obj)]


P0 = "spec.rules[0].http.paths[0]"
CASES = [
    ("valid", ingress([path()]), []),
    ("neither rules nor default backend", ingress(),
     ["spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"]),
    ("pathType required", ingress([path(path_type=None)]),
     [f"{P0}.pathType: Required value: pathType must be specified"]),
    ("Prefix path must be absolute", ingress([path("api")]),
     [f'{P0}.path: Invalid value: "api": must be an absolute path']),
    ("Exact path must not contain //", ingress([path("/a//b", "Exact")]),
     [f"{P0}.path: Invalid value: \"/a//b\": must not contain '//'"]),
    ("path must not end with /..", ingress([path("/a/..")]),
     [f"{P0}.path: Invalid value: \"/a/..\": cannot end with '/..'"]),
    ("ImplementationSpecific may be empty", ingress([path("", "ImplementationSpecific")]), []),
    ("unknown pathType", ingress([path(path_type="Regex")]),
     [f'{P0}.pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']),
    ("backend needs a target", ingress([path(backend={})]),
     [f'{P0}.backend: Invalid value: "": resource or service backend is required']),
    ("backend with both", ingress([path(backend={"service": {"name": "web", "port": {"number": 80}},
                                                 "resource": {"kind": "Bucket", "name": "b"}})]),
     [f'{P0}.backend: Invalid value: "": cannot set both resource and service backends']),
    ("port name or number", ingress([path(backend={"service": {"name": "web", "port": {}}})]),
     [f"{P0}.backend: Required value: port name or number is required"]),
    ("not both port name and number", ingress([path(backend={"service": {"name": "web",
                                                                         "port": {"name": "http", "number": 80}}})]),
     [f'{P0}.backend: Invalid value: "": cannot set both port name & port number']),
    ("port number range", ingress([path(backend={"service": {"name": "web", "port": {"number": 70000}}})]),
     [f"{P0}.backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    ("host is not an IP", ingress([path()], host="10.0.0.1"),
     ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']),
    ("wildcard host", ingress([path()], host="*.example.com"), []),
    ("bad wildcard host", ingress([path()], host="a.*.com"),
     ["spec.rules[0].host: Invalid value: \"a.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed "
      "by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with "
      "an alphanumeric character (e.g. '*.example.com', regex used for validation is "
      "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]),
    ("empty paths", ingress([]), ["spec.rules[0].http.paths: Required value"]),
]


@pytest.mark.parametrize("obj,want", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_ingress_validation(obj, want):
    assert errors(obj) == want


def test_class_annotation_must_match_ingress_class_name_on_create_only():
    obj = ingress([path()], ingressClassName="nginx")
    obj["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "traefik"}
    assert errors(obj) == ['annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match '
                           '`ingressClassName` when both are specified']
    old = copy.deepcopy(obj)
    old["metadata"].update(resourceVersion="1", uid="u")
    obj["metadata"].update(resourceVersion="1", uid="u")
    assert validate_update(rt_for("Ingress"), obj, old) == []


def ingress_class(name: str = "nginx", controller: str = "k8s.io/ingress-nginx", **spec) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": name},
            "spec": {"controller": controller, **spec}}


CLASS_CASES = [
    ("valid", ingress_class(), []),
    ("controller required", ingress_class(controller=""), ["spec.controller: Required value"]),
    ("controller is a domain-prefixed path", ingress_class(controller="nginx"),
     ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']),
    ("parameters scope", ingress_class(parameters={"kind": "Config", "name": "c", "scope": "Galaxy"}),
     ['spec.parameters.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespace"']),
    ("namespace scope needs a namespace", ingress_class(parameters={"kind": "Config", "name": "c",
                                                                    "scope": "Namespace"}),
     ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]),
]


@pytest.mark.parametrize("obj,want", [(c[1], c[2]) for c in CLASS_CASES], ids=[c[0] for c in CLASS_CASES])
def test_ingress_class_validation(obj, want):
    assert errors(obj) == want


def test_ingress_class_parameters_default_to_cluster_scope():
    obj = ingress_class(parameters={"kind": "Config", "name": "c"})
    apply_defaults(rt_for("IngressClass"), obj)
    assert obj["spec"]["parameters"]["scope"] == "Cluster"
    assert errors(obj) == []


def test_ingress_class_controller_is_immutable():
    old = ingress_class()
    old["metadata"].update(resourceVersion="1", uid="u")
    new = copy.deepcopy(old)
    new["spec"]["controller"] = "example.com/other"
    assert [error_string(c) for c in validate_update(rt_for("IngressClass"), new, old)] == [
        'spec.controller: Invalid value: "example.com/other": field is immutable']


def default_class(name: str, created: str, default: str = "true") -> dict:
    obj = ingress_class(name)
    obj["metadata"].update(creationTimestamp=created,
                           annotations={"ingressclass.kubernetes.io/is-default-class": default})
    return obj


@pytest.mark.parametrize("classes,ingress_spec,annotations,want", [
    ([default_class("nginx", "2026-01-01T00:00:00Z")], {}, {}, "nginx"),
    ([], {}, {}, None),
    ([default_class("nginx", "2026-01-01T00:00:00Z", default="false")], {}, {}, None),
    ([default_class("old", "2026-01-01T00:00:00Z"), default_class("new", "2026-02-01T00:00:00Z")], {}, {}, "new"),
    ([default_class("b", "2026-01-01T00:00:00Z"), default_class("a", "2026-01-01T00:00:00Z")], {}, {}, "a"),
    ([default_class("nginx", "2026-01-01T00:00:00Z")], {"ingressClassName": "mine"}, {}, "mine"),
    ([default_class("nginx", "2026-01-01T00:00:00Z")], {}, {"kubernetes.io/ingress.class": "traefik"}, None),
], ids=["the default", "no class", "annotated false", "newest default wins", "tie: smaller name",
        "class given", "legacy annotation given"])
def test_default_ingress_class_admission(classes, ingress_spec, annotations, want):
    obj = ingress([path()], **ingress_spec)
    if annotations:
        obj["metadata"]["annotations"] = annotations
    plugin = DefaultIngressClass()
    a = attrs(CREATE, obj, FakeReader(*classes))
    assert plugin.handles(a)
    plugin.admit(a)
    assert obj["spec"].get("ingressClassName") == want


def test_default_ingress_class_leaves_updates_alone():
    obj = ingress([path()])
    assert not DefaultIngressClass().handles(attrs(UPDATE, obj, FakeReader(), old=obj))
