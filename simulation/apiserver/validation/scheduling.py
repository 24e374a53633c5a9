"""Scheduling fields of a PodSpec: tolerations, node and pod affinity, topology spread.

These are what the scheduler's TaintToleration, NodeAffinity, InterPodAffinity and
PodTopologySpread plugins read, so a malformed one is refused here rather than silently
ignored there.
"""
from __future__ import annotations

from simulation.apimachinery.validation import is_qualified_name, is_valid_label_value

from . import field
from .objectmeta import validate_label_selector

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def validate_tolerations(tolerations: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    for i, tol in enumerate(tolerations or []):
        p = f"{path}[{i}]"
        key, op = tol.get("key", ""), tol.get("operator", "")
        effect, value = tol.get("effect", ""), tol.get("value", "")
        if key:
            errs += [field.invalid(f"{p}.key", key, m) for m in is_qualified_name(key)]
        if not key and op != "Exists":
            errs.append(field.invalid(f"{p}.operator", op, "operator must be Exists when `key` is empty, which "
                                      "means \"match all values and all keys\""))
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(field.invalid(f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` "
                                      "is set"))
        if op in ("Equal", ""):
            msgs = is_valid_label_value(str(value))
            if msgs:
                errs.append(field.invalid(f"{p}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(field.invalid(f"{p}.operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(field.not_supported(f"{p}.operator", op, ("Equal", "Exists")))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


def _validate_node_selector_requirement(req: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    op, values = req.get("operator", ""), req.get("values") or []
    if op in ("In", "NotIn"):
        if not values:
            errs.append(field.required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(field.forbidden(f"{path}.values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(field.required(f"{path}.values",
                                       "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errs.append(field.invalid(f"{path}.operator", op, "not a valid selector operator"))
    key = req.get("key", "")
    errs += [field.invalid(f"{path}.key", key, m) for m in is_qualified_name(key)]
    for j, value in enumerate(values):
        errs += [field.invalid(f"{path}.values[{j}]", value, m) for m in is_valid_label_value(str(value))]
    return errs


def _validate_node_selector_term(term: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    for j, req in enumerate(term.get("matchExpressions") or []):
        errs += _validate_node_selector_requirement(req, f"{path}.matchExpressions[{j}]")
    return errs


def _validate_pod_affinity_term(term: dict, path: str) -> list[dict]:
    errs = validate_label_selector(term.get("labelSelector"), f"{path}.labelSelector")
    key = term.get("topologyKey", "")
    if not key:
        errs.append(field.required(f"{path}.topologyKey", "can not be empty"))
    return errs + [field.invalid(f"{path}.topologyKey", key, m) for m in is_qualified_name(key)]


def validate_affinity(affinity: dict | None, path: str) -> list[dict]:
    if not affinity:
        return []
    errs: list[dict] = []
    node = affinity.get("nodeAffinity") or {}
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is not None:
        p = f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
        terms = required.get("nodeSelectorTerms") or []
        if not terms:
            errs.append(field.required(p, "must have at least one node selector term"))
        for i, term in enumerate(terms):
            errs += _validate_node_selector_term(term, f"{p}[{i}]")
    for i, pref in enumerate(node.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
        p = f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        weight = pref.get("weight", 0)
        if not 0 < weight <= 100:
            errs.append(field.invalid(f"{p}.weight", weight, "must be in the range 1-100"))
        errs += _validate_node_selector_term(pref.get("preference") or {}, f"{p}.preference")
    for kind in ("podAffinity", "podAntiAffinity"):
        pod_aff = affinity.get(kind) or {}
        base = f"{path}.{kind}"
        for i, term in enumerate(pod_aff.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
            errs += _validate_pod_affinity_term(term, f"{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
        for i, wt in enumerate(pod_aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
            p = f"{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            weight = wt.get("weight", 0)
            if not 0 < weight <= 100:
                errs.append(field.invalid(f"{p}.weight", weight, "must be in the range 1-100"))
            errs += _validate_pod_affinity_term(wt.get("podAffinityTerm") or {}, f"{p}.podAffinityTerm")
    return errs


def validate_topology_spread(constraints: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    constraints = constraints or []
    for i, c in enumerate(constraints):
        p = f"{path}[{i}]"
        skew = c.get("maxSkew", 0)
        if skew <= 0:
            errs.append(field.invalid(f"{p}.maxSkew", skew, "must be greater than zero"))
        if not c.get("topologyKey"):
            errs.append(field.required(f"{p}.topologyKey", "can not be empty"))
        action = c.get("whenUnsatisfiable", "")
        if action not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(field.not_supported(f"{p}.whenUnsatisfiable", action, ("DoNotSchedule", "ScheduleAnyway")))
        for other in constraints[i + 1:]:
            if (other.get("topologyKey"), other.get("whenUnsatisfiable")) == (c.get("topologyKey"), action):
                errs.append(field.duplicate(f"{p}.{{topologyKey, whenUnsatisfiable}}",
                                            f"{{{c.get('topologyKey', '')}, {action}}}"))
                break
        errs += validate_label_selector(c.get("labelSelector"), f"{p}.labelSelector")
    return errs
