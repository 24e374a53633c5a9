"""Validation of networking.k8s.io/v1 Ingress and IngressClass (upstream
``pkg/apis/networking/validation/validation.go``, v1.33).

Why these rules matter to a controller: every path an Ingress carries must say how it is matched
(``pathType``) and be an absolute path an HTTP request can have, and every backend must name
exactly one target — a Service port (by name or number) or another resource — so an ingress
controller never has to guess where a request goes.
"""
from __future__ import annotations

import re

from simulation.apimachinery.validation import (
    is_dns1035_label,
    is_dns1123_subdomain,
    is_valid_ip,
    is_valid_path_segment_name,
    is_valid_port_name,
    is_valid_port_num,
    is_wildcard_dns1123_subdomain,
    name_is_dns_label,
    name_is_dns_subdomain,
    regex_error,
)
from simulation.apimachinery.wellknown import INGRESS_CLASS_ANNOTATION

from . import field
from .field import GoRepr
from .objectmeta import validate_object_meta, validate_object_meta_update

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
PARAMETERS_SCOPES = ("Cluster", "Namespace")
INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_PATH_SUFFIXES = ("/..", "/.")
MAX_LEN_INGRESS_CLASS_CONTROLLER = 250
_HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
_http_path = re.compile(f"^{_HTTP_PATH_FMT}$")


def _host_errors(host: str, path: str) -> list[dict]:
    check = is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
    return [field.invalid(path, host, msg) for msg in check(host)]


def validate_backend(backend: dict, path: str) -> list[dict]:
    """``validateIngressBackend``: a Service (name plus port name *or* number) or a resource."""
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [field.invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        return _typed_reference(resource, f"{path}.resource")
    if service is None:
        return [field.invalid(path, "", "resource or service backend is required")]
    errs: list[dict] = []
    name = service.get("name") or ""
    if not name:
        errs.append(field.required(f"{path}.service.name"))
    else:
        errs += [field.invalid(f"{path}.service.name", name, msg) for msg in is_dns1035_label(name)]
    port = service.get("port") or {}
    port_name, number = port.get("name") or "", port.get("number") or 0
    if port_name and number:
        errs.append(field.invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errs += [field.invalid(f"{path}.service.port.name", port_name, msg) for msg in is_valid_port_name(port_name)]
    elif number:
        errs += [field.invalid(f"{path}.service.port.number", number, msg) for msg in is_valid_port_num(number)]
    else:
        errs.append(field.required(path, "port name or number is required"))
    return errs


def _typed_reference(ref: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    if ref.get("apiGroup") is not None:
        errs += [field.invalid(f"{path}.apiGroup", ref["apiGroup"], msg) for msg in is_dns1123_subdomain(ref["apiGroup"])]
    for key in ("kind", "name"):
        value = ref.get(key) or ""
        if not value:
            errs.append(field.required(f"{path}.{key}"))
        else:
            errs += [field.invalid(f"{path}.{key}", value, msg) for msg in is_valid_path_segment_name(value)]
    return errs


def _validate_path(http_path: dict, path: str) -> list[dict]:
    """``validateHTTPIngressPath``."""
    path_type = http_path.get("pathType")
    if path_type is None:
        return [field.required(f"{path}.pathType", "pathType must be specified")]
    value = http_path.get("path") or ""
    errs: list[dict] = []
    if path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.append(field.invalid(f"{path}.path", value, "must be an absolute path"))
        if value:
            errs += [field.invalid(f"{path}.path", value, f"must not contain '{seq}'")
                     for seq in INVALID_PATH_SEQUENCES if seq in value]
            errs += [field.invalid(f"{path}.path", value, f"cannot end with '{suffix}'")
                     for suffix in INVALID_PATH_SUFFIXES if value.endswith(suffix)]
    elif path_type == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.append(field.invalid(f"{path}.path", value, "must be an absolute path"))
    else:
        errs.append(field.not_supported(f"{path}.pathType", path_type, PATH_TYPES))
    return errs + validate_backend(http_path.get("backend") or {}, f"{path}.backend")


def _validate_rules(rules: list[dict], path: str) -> list[dict]:
    errs: list[dict] = []
    for i, rule in enumerate(rules):
        host = rule.get("host") or ""
        if host:
            if is_valid_ip(host):
                errs.append(field.invalid(f"{path}[{i}].host", host, "must be a DNS name, not an IP address"))
            errs += _host_errors(host, f"{path}[{i}].host")
        http = rule.get("http")
        if http is not None:
            paths = http.get("paths") or []
            if not paths:
                errs.append(field.required(f"{path}[{i}].http.paths"))
            for j, http_path in enumerate(paths):
                errs += _validate_path(http_path, f"{path}[{i}].http.paths[{j}]")
    return errs


def _validate_tls(tls: list[dict], path: str) -> list[dict]:
    errs: list[dict] = []
    for i, entry in enumerate(tls):
        for j, host in enumerate(entry.get("hosts") or []):
            errs += _host_errors(host, f"{path}[{i}].hosts[{j}]")
        secret = entry.get("secretName") or ""
        if secret:
            errs += [field.invalid(f"{path}[{i}].secretName", secret, msg) for msg in name_is_dns_subdomain(secret)]
    return errs


def validate_ingress_spec(spec: dict) -> list[dict]:
    """``ValidateIngressSpec``: rules or a default backend, each well formed."""
    errs: list[dict] = []
    rules = spec.get("rules") or []
    if not rules and spec.get("defaultBackend") is None:
        errs.append(field.invalid("spec", GoRepr("[]networking.IngressRule(nil)"),
                                  "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        errs += validate_backend(spec["defaultBackend"], "spec.defaultBackend")
    errs += _validate_rules(rules, "spec.rules")
    errs += _validate_tls(spec.get("tls") or [], "spec.tls")
    class_name = spec.get("ingressClassName")
    if class_name is not None:
        errs += [field.invalid("spec.ingressClassName", class_name, msg) for msg in name_is_dns_subdomain(class_name)]
    return errs


def validate_ingress(ing: dict, old: dict | None) -> list[dict]:
    """``ValidateIngressCreate`` / ``ValidateIngressUpdate``. On create only, the deprecated class
    annotation must agree with ``spec.ingressClassName`` when both are set."""
    meta = ing.get("metadata") or {}
    if old is not None:
        errs = validate_object_meta_update(meta, old.get("metadata"))
    else:
        errs = []
    errs += validate_object_meta(meta, True, name_is_dns_subdomain)
    errs += validate_ingress_spec(ing.get("spec") or {})
    annotation = (meta.get("annotations") or {}).get(INGRESS_CLASS_ANNOTATION)
    class_name = (ing.get("spec") or {}).get("ingressClassName")
    if old is None and annotation is not None and class_name is not None and annotation != class_name:
        errs.append(field.invalid(f"annotations.{INGRESS_CLASS_ANNOTATION}", annotation,
                                  "must match `ingressClassName` when both are specified"))
    return errs


def validate_ingress_status(ing: dict, old: dict) -> list[dict]:
    """``ValidateIngressStatusUpdate``: each load-balancer point an IP, or a DNS name that is not one."""
    errs = validate_object_meta_update(ing.get("metadata"), old.get("metadata"))
    points = (((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress")) or []
    for i, point in enumerate(points):
        path = f"status.loadBalancer.ingress[{i}]"
        ip, hostname = point.get("ip") or "", point.get("hostname") or ""
        if ip and not is_valid_ip(ip):
            errs.append(field.invalid(f"{path}.ip", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        if hostname:
            errs += [field.invalid(f"{path}.hostname", hostname, msg) for msg in is_dns1123_subdomain(hostname)]
            if is_valid_ip(hostname):
                errs.append(field.invalid(f"{path}.hostname", hostname, "must be a DNS name, not an IP address"))
    return errs


def _domain_prefixed_path(value: str, path: str) -> list[dict]:
    """``IsDomainPrefixedPath``: ``acme.io/foo``."""
    host, sep, rest = value.partition("/")
    if not sep or not host or not rest:
        return [field.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
    errs = [field.invalid(path, host, msg) for msg in is_dns1123_subdomain(host)]
    if not _http_path.match(rest):
        errs.append(field.invalid(path, rest, regex_error("Invalid path", _HTTP_PATH_FMT)))
    return errs


def _parameters(params: dict | None, path: str) -> list[dict]:
    """``validateIngressClassParametersReference``."""
    if params is None:
        return []
    errs = _typed_reference(params, path)
    scope = params.get("scope")
    if scope is None:
        return errs + [field.required(f"{path}.scope")]
    if scope not in PARAMETERS_SCOPES:
        return errs + [field.not_supported(f"{path}.scope", scope, PARAMETERS_SCOPES)]
    namespace = params.get("namespace")
    if scope == "Namespace":
        if namespace is None:
            errs.append(field.required(f"{path}.namespace", "`parameters.scope` is set to 'Namespace'"))
        else:
            errs += [field.invalid(f"{path}.namespace", namespace, msg) for msg in name_is_dns_label(namespace)]
    elif namespace is not None:
        errs.append(field.forbidden(f"{path}.namespace", "`parameters.scope` is set to 'Cluster'"))
    return errs


def validate_ingress_class(ic: dict, old: dict | None) -> list[dict]:
    """``ValidateIngressClass`` / ``ValidateIngressClassUpdate`` (the controller is immutable)."""
    spec = ic.get("spec") or {}
    errs: list[dict] = []
    if old is not None:
        errs += validate_object_meta_update(ic.get("metadata"), old.get("metadata"))
        old_controller = (old.get("spec") or {}).get("controller") or ""
        if (spec.get("controller") or "") != old_controller:
            errs.append(field.invalid("spec.controller", spec.get("controller") or "", "field is immutable"))
    errs += validate_object_meta(ic.get("metadata"), False, name_is_dns_subdomain)
    controller = spec.get("controller") or ""
    if not controller:
        errs.append(field.required("spec.controller"))
    else:
        if len(controller) > MAX_LEN_INGRESS_CLASS_CONTROLLER:
            errs.append(field.too_long("spec.controller", MAX_LEN_INGRESS_CLASS_CONTROLLER))
        errs += _domain_prefixed_path(controller, "spec.controller")
    return errs + _parameters(spec.get("parameters"), "spec.parameters")


VALIDATORS = {"Ingress": validate_ingress, "IngressClass": validate_ingress_class}
