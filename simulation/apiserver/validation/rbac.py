"""RBAC validation (``pkg/apis/rbac/validation``): Roles, ClusterRoles and their bindings.

RBAC names are deliberately loose (anything usable as a URL path segment, so ``system:node``
is fine), rules must name verbs and either resources or non-resource URLs, and a binding's
``roleRef`` can never change: to point a binding at another role you delete and recreate it,
which is what keeps privilege escalation checks sound upstream.
"""
from __future__ import annotations

from simulation.apimachinery.validation import name_is_dns_subdomain, name_is_path_segment

from . import field
from .field import GoRepr, go_quote, go_string_slice
from .objectmeta import validate_object_meta, validate_object_meta_update

GROUP = "rbac.authorization.k8s.io"


def _policy_rule(rule: dict, namespaced: bool, path: str) -> list[dict]:
    errs: list[dict] = []
    if not rule.get("verbs"):
        errs.append(field.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = rule.get("nonResourceURLs") or []
    if urls:
        if namespaced:
            errs.append(field.invalid(f"{path}.nonResourceURLs", go_string_slice(urls),
                                      "namespaced rules cannot apply to non-resource URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.append(field.invalid(f"{path}.nonResourceURLs", go_string_slice(urls),
                                      "rules cannot apply to both regular resources and non-resource URLs"))
        return errs
    if not rule.get("apiGroups"):
        errs.append(field.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        errs.append(field.required(f"{path}.resources", "resource rules must supply at least one resource"))
    if rule.get("resourceNames") and len(rule.get("resources") or []) > 1:
        errs.append(field.required(f"{path}.resourceNames", "resource names cannot apply to multiple resources"))
    return errs


def validate_role(obj: dict, old: dict | None, namespaced: bool) -> list[dict]:
    errs = validate_object_meta(obj.get("metadata"), namespaced, name_is_path_segment)
    for i, rule in enumerate(obj.get("rules") or []):
        errs += _policy_rule(rule, namespaced, f"rules[{i}]")
    if old is not None:
        errs += validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    return errs


def _subject(subject: dict, namespaced: bool, path: str) -> list[dict]:
    errs: list[dict] = []
    name, kind, group = subject.get("name") or "", subject.get("kind") or "", subject.get("apiGroup") or ""
    if not name:
        errs.append(field.required(f"{path}.name"))
    if kind == "ServiceAccount":
        if name:
            errs += [field.invalid(f"{path}.name", name, m) for m in name_is_dns_subdomain(name)]
        if group:
            errs.append(field.not_supported(f"{path}.apiGroup", group, ("",)))
        if not namespaced and not subject.get("namespace"):
            errs.append(field.required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if not name:
            errs.append(field.invalid(f"{path}.name", name, f"{kind.lower()} name cannot be empty"))
        if group != GROUP:
            errs.append(field.not_supported(f"{path}.apiGroup", group, (GROUP,)))
    else:
        errs.append(field.not_supported(f"{path}.kind", kind, ("ServiceAccount", "User", "Group")))
    return errs


def _go_role_ref(ref: dict) -> GoRepr:
    return GoRepr(f'rbac.RoleRef{{APIGroup:{go_quote(ref.get("apiGroup", ""))}, Kind:{go_quote(ref.get("kind", ""))}, '
                  f'Name:{go_quote(ref.get("name", ""))}}}')


def validate_binding(obj: dict, old: dict | None, namespaced: bool) -> list[dict]:
    errs = validate_object_meta(obj.get("metadata"), namespaced, name_is_path_segment)
    ref = obj.get("roleRef") or {}
    if ref.get("apiGroup", "") != GROUP:
        errs.append(field.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), (GROUP,)))
    allowed = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if ref.get("kind", "") not in allowed:
        errs.append(field.not_supported("roleRef.kind", ref.get("kind", ""), allowed))
    name = ref.get("name") or ""
    if not name:
        errs.append(field.required("roleRef.name"))
    else:
        errs += [field.invalid("roleRef.name", name, m) for m in name_is_path_segment(name)]
    for i, subject in enumerate(obj.get("subjects") or []):
        errs += _subject(subject, namespaced, f"subjects[{i}]")
    if old is not None:
        errs += validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
        old_ref = old.get("roleRef") or {}
        if {k: ref.get(k, "") for k in ("apiGroup", "kind", "name")} != \
                {k: old_ref.get(k, "") for k in ("apiGroup", "kind", "name")}:
            errs.append(field.invalid("roleRef", _go_role_ref(ref), "cannot change roleRef"))
    return errs
