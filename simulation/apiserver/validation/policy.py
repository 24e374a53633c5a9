"""Validation of the policy part's kinds (upstream ``pkg/apis/scheduling/validation`` and
``pkg/apis/policy/validation``): PriorityClass and PodDisruptionBudget.

Why the ``system-`` rule: the two system classes carry the priorities that keep a cluster's own
pods (kube-proxy, DNS) ahead of every workload; a user may neither forge nor out-rank them.
"""
from __future__ import annotations

from simulation.apimachinery.validation import name_is_dns_subdomain
from simulation.apimachinery.wellknown import (
    SYSTEM_PRIORITY_CLASS_PREFIX,
    SYSTEM_PRIORITY_CLASSES,
)

from . import field
from .apps import _not_more_than_100_percent, _positive_int_or_percent
from .common import validate_preemption_policy
from .field import GoRepr
from .objectmeta import (
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)

#: ``scheduling.HighestUserDefinablePriority``: one billion; the system classes sit above it.
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000


def _known_system_class(name: str, value: int, global_default: bool) -> str:
    """``scheduling.IsKnownSystemPriorityClass``: "" when it is one, else why not."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if SYSTEM_PRIORITY_CLASSES[name] != value:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return ""


def validate_priority_class(pc: dict, old: dict | None) -> list[dict]:
    if old is not None:
        errs = validate_object_meta_update(pc.get("metadata"), old.get("metadata"))
        if pc.get("value") != old.get("value"):
            errs.append(field.forbidden("value", "may not be changed in an update."))
        if pc.get("preemptionPolicy") != old.get("preemptionPolicy"):
            errs.append(field.invalid("preemptionPolicy", pc.get("preemptionPolicy"), "field is immutable"))
        return errs
    errs = validate_object_meta(pc.get("metadata"), False, name_is_dns_subdomain)
    name = (pc.get("metadata") or {}).get("name") or ""
    value = pc.get("value", 0)
    if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        why = _known_system_class(name, value, bool(pc.get("globalDefault")))
        if why:
            errs.append(field.forbidden("metadata.name", f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}'"
                                        f" prefix are reserved for system use only. error: {why}"))
    elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(field.forbidden("value", "maximum allowed value of a user defined priority is "
                                    f"{HIGHEST_USER_DEFINABLE_PRIORITY}"))
    return errs + validate_preemption_policy(pc.get("preemptionPolicy"), "preemptionPolicy")


def _go_pdb_spec(spec: dict) -> GoRepr:
    """The internal ``policy.PodDisruptionBudgetSpec`` as Go's ``%#v`` prints it in a field error:
    its fields are pointers, shown by address (a placeholder here, as upstream's differ per run)."""
    fields = (("MinAvailable", "minAvailable", "intstr.IntOrString"), ("Selector", "selector", "v1.LabelSelector"),
              ("MaxUnavailable", "maxUnavailable", "intstr.IntOrString"),
              ("UnhealthyPodEvictionPolicy", "unhealthyPodEvictionPolicy", "policy.UnhealthyPodEvictionPolicyType"))
    shown = [f"{go}:(*{typ})({'nil' if spec.get(key) is None else f'0xc0000100{8 * i:02x}'})"
             for i, (go, key, typ) in enumerate(fields)]
    return GoRepr("policy.PodDisruptionBudgetSpec{" + ", ".join(shown) + "}")


def _validate_pdb_spec(spec: dict) -> list[dict]:
    errs: list[dict] = []
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        errs.append(field.invalid("spec", _go_pdb_spec(spec), "minAvailable and maxUnavailable cannot be both set"))
    for key, value in (("minAvailable", min_available), ("maxUnavailable", max_unavailable)):
        if value is not None:
            errs += _positive_int_or_percent(value, f"spec.{key}")
            errs += _not_more_than_100_percent(value, f"spec.{key}")
    errs += validate_label_selector(spec.get("selector"), "spec.selector")
    # after the selector, as upstream's ValidatePodDisruptionBudgetSpec checks them
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("IfHealthyBudget", "AlwaysAllow"):
        errs.append(field.not_supported("spec.unhealthyPodEvictionPolicy", policy, ("AlwaysAllow", "IfHealthyBudget")))
    return errs


def validate_pod_disruption_budget(pdb: dict, old: dict | None) -> list[dict]:
    if old is None:
        errs = validate_object_meta(pdb.get("metadata"), True, name_is_dns_subdomain)
    else:
        errs = validate_object_meta_update(pdb.get("metadata"), old.get("metadata"))
    return errs + _validate_pdb_spec(pdb.get("spec") or {})


def validate_pod_disruption_budget_status(pdb: dict, old: dict) -> list[dict]:
    errs = validate_object_meta_update(pdb.get("metadata"), old.get("metadata"))
    status = pdb.get("status") or {}
    for key in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
        value = status.get(key, 0)
        if isinstance(value, int) and value < 0:
            errs.append(field.invalid(f"status.{key}", value, "must be greater than or equal to 0"))
    return errs
