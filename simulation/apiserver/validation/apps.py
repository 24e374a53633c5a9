"""Deployment, ReplicaSet and DaemonSet validation (``pkg/apis/apps/validation`` plus the
``spec.selector`` immutability that apps/v1's registry strategies add on update).

The selector rules are what a learner meets first: the selector is required, may not be
empty, must match the template's labels, and never changes after creation (a Deployment
owns its ReplicaSets and Pods through it).
"""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.validation import is_valid_percent, name_is_dns_subdomain

from . import field
from .common import nonnegative
from .field import GoRepr, go_label_selector, go_string_map
from .objectmeta import (selector_is_empty, selector_matches, validate_label_selector, validate_object_meta,
                         validate_object_meta_update)
from .pod import validate_pod_template_spec

FIELD_IMMUTABLE = "field is immutable"


def _selector_checks(spec: dict, kind: str, path: str) -> list[dict]:
    selector = spec.get("selector")
    if selector is None:
        return [field.required(f"{path}.selector")]
    errs = validate_label_selector(selector, f"{path}.selector")
    if selector_is_empty(selector):
        errs.append(field.invalid(f"{path}.selector", go_label_selector(selector), f"empty selector is invalid for {kind}"))
    return errs


def _template_for_replica_set(spec: dict, kind: str, path: str) -> list[dict]:
    """``ValidatePodTemplateSpecForReplicaSet``: the selector must match, pods must restart."""
    template = spec.get("template")
    if template is None:
        return [field.required(f"{path}.template")]
    errs: list[dict] = []
    selector = spec.get("selector")
    labels = (template.get("metadata") or {}).get("labels")
    if selector is not None and not selector_is_empty(selector) and not selector_matches(selector, labels):
        errs.append(field.invalid(f"{path}.template.metadata.labels", go_string_map(labels),
                                  "`selector` does not match template `labels`"))
    errs += validate_pod_template_spec(template, f"{path}.template")
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy", "")
    if restart != "Always":
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", restart, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(field.forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                                    f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _int_or_percent(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:-1]) if not is_valid_percent(value) else 0
    return value if isinstance(value, int) else 0


def intstr_repr(value: Any) -> GoRepr:
    """An ``intstr.IntOrString`` as a field error shows it: its ``String`` method has a pointer
    receiver, so the value falls back to ``%#v`` (``intstr.IntOrString{Type:1, IntVal:0,
    StrVal:"120%"}``)."""
    if isinstance(value, str):
        return GoRepr(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{field.go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoRepr(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')


def _positive_int_or_percent(value: Any, path: str) -> list[dict]:
    if isinstance(value, str):
        return [field.invalid(path, intstr_repr(value), m) for m in is_valid_percent(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return nonnegative(value, path)
    return [field.invalid(path, intstr_repr(value), "must be an integer or percentage (e.g '5%%')")]


def _not_more_than_100_percent(value: Any, path: str) -> list[dict]:
    if isinstance(value, str) and not is_valid_percent(value) and int(value[:-1]) > 100:
        return [field.invalid(path, intstr_repr(value), "must not be greater than 100%")]
    return []


def _go_strategy(strategy: dict, go_type: str, rolling_type: str) -> GoRepr:
    rolling = "nil" if strategy.get("rollingUpdate") is None else "0xc000010000"
    return GoRepr(f'apps.{go_type}{{Type:{field.go_quote(strategy.get("type", ""))}, '
                  f'RollingUpdate:(*apps.{rolling_type})({rolling})}}')


def _deployment_strategy(strategy: dict, path: str) -> list[dict]:
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [field.forbidden(f"{path}.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind == "RollingUpdate":
        if rolling is None:
            return [field.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        p = f"{path}.rollingUpdate"
        unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
        errs = _positive_int_or_percent(unavailable, f"{p}.maxUnavailable")
        errs += _positive_int_or_percent(surge, f"{p}.maxSurge")
        if _int_or_percent(unavailable) == 0 and _int_or_percent(surge) == 0:
            errs.append(field.invalid(f"{p}.maxUnavailable", intstr_repr(unavailable),
                                      "may not be 0 when `maxSurge` is 0"))
        return errs + _not_more_than_100_percent(unavailable, f"{p}.maxUnavailable")
    return [field.not_supported(path, _go_strategy(strategy, "DeploymentStrategy", "RollingUpdateDeployment"),
                                ("Recreate", "RollingUpdate"))]


def validate_deployment_spec(spec: dict, path: str = "spec") -> list[dict]:
    errs = nonnegative(spec.get("replicas", 0), f"{path}.replicas")
    errs += _selector_checks(spec, "deployment", path)
    errs += _template_for_replica_set(spec, "ReplicaSet", path)
    errs += _deployment_strategy(spec.get("strategy") or {}, f"{path}.strategy")
    min_ready = spec.get("minReadySeconds", 0)
    errs += nonnegative(min_ready, f"{path}.minReadySeconds")
    if spec.get("revisionHistoryLimit") is not None:
        errs += nonnegative(spec["revisionHistoryLimit"], f"{path}.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errs += nonnegative(deadline, f"{path}.progressDeadlineSeconds")
        if deadline <= min_ready:
            errs.append(field.invalid(f"{path}.progressDeadlineSeconds", deadline,
                                      "must be greater than minReadySeconds"))
    return errs


def validate_replica_set_spec(spec: dict, path: str = "spec") -> list[dict]:
    errs = nonnegative(spec.get("replicas", 0), f"{path}.replicas")
    errs += nonnegative(spec.get("minReadySeconds", 0), f"{path}.minReadySeconds")
    errs += _selector_checks(spec, "deployment", path)  # upstream's message says "deployment" here too
    return errs + _template_for_replica_set(spec, "ReplicaSet", path)


def _daemon_set_update_strategy(strategy: dict, path: str) -> list[dict]:
    kind = strategy.get("type", "")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [field.not_supported(path, _go_strategy(strategy, "DaemonSetUpdateStrategy", "RollingUpdateDaemonSet"),
                                    ("RollingUpdate", "OnDelete"))]
    rolling = strategy.get("rollingUpdate")
    if rolling is None:
        return [field.required(f"{path}.rollingUpdate")]
    p = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
    errs = _positive_int_or_percent(unavailable, f"{p}.maxUnavailable")
    errs += _positive_int_or_percent(surge, f"{p}.maxSurge")
    errs += _not_more_than_100_percent(unavailable, f"{p}.maxUnavailable")
    errs += _not_more_than_100_percent(surge, f"{p}.maxSurge")
    has_unavailable, has_surge = _int_or_percent(unavailable) != 0, _int_or_percent(surge) != 0
    if has_unavailable and has_surge:
        errs.append(field.invalid(f"{p}.maxSurge", intstr_repr(surge), "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(field.required(f"{p}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return errs


def validate_daemon_set_spec(spec: dict, path: str = "spec") -> list[dict]:
    selector = spec.get("selector")
    errs = validate_label_selector(selector, f"{path}.selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    if not selector_matches(selector, labels):
        errs.append(field.invalid(f"{path}.template.metadata.labels", go_string_map(labels),
                                  "`selector` does not match template `labels`"))
    if selector is not None and selector_is_empty(selector):
        errs.append(field.invalid(f"{path}.selector", go_label_selector(selector), "empty selector is invalid for daemonset"))
    errs += validate_pod_template_spec(template, f"{path}.template")
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy", "")
    if restart != "Always":
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", restart, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(field.forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                                    "activeDeadlineSeconds in DaemonSet is not Supported"))
    errs += nonnegative(spec.get("minReadySeconds", 0), f"{path}.minReadySeconds")
    errs += _daemon_set_update_strategy(spec.get("updateStrategy") or {}, f"{path}.updateStrategy")
    if spec.get("revisionHistoryLimit") is not None:
        errs += nonnegative(spec["revisionHistoryLimit"], f"{path}.revisionHistoryLimit")
    return errs


_SPEC_VALIDATORS = {
    "Deployment": validate_deployment_spec,
    "ReplicaSet": validate_replica_set_spec,
    "DaemonSet": validate_daemon_set_spec,
}


def validate_create(kind: str, obj: dict) -> list[dict]:
    errs = validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    return errs + _SPEC_VALIDATORS[kind](obj.get("spec") or {})


def validate_update(kind: str, obj: dict, old: dict) -> list[dict]:
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs += _SPEC_VALIDATORS[kind](obj.get("spec") or {})
    new_sel, old_sel = (obj.get("spec") or {}).get("selector"), (old.get("spec") or {}).get("selector")
    if _normalize_selector(new_sel) != _normalize_selector(old_sel):
        errs.append(field.invalid("spec.selector", go_label_selector(new_sel), FIELD_IMMUTABLE))
    return errs


def _normalize_selector(sel: dict | None) -> Any:
    if sel is None:
        return None
    return (sel.get("matchLabels") or {}, [
        (e.get("key"), e.get("operator"), tuple(e.get("values") or ())) for e in sel.get("matchExpressions") or []
    ])


def validate_status_update(kind: str, obj: dict, old: dict) -> list[dict]:
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    status = obj.get("status") or {}
    for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas",
                "fullyLabeledReplicas", "observedGeneration", "currentNumberScheduled", "numberMisscheduled",
                "desiredNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable",
                "numberUnavailable", "collisionCount"):
        errs += nonnegative(status.get(key, 0), f"status.{key}")
    if kind in ("Deployment", "ReplicaSet"):
        replicas = status.get("replicas", 0)
        for key in ("updatedReplicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
            if key in status and status[key] > replicas:
                errs.append(field.invalid(f"status.{key}", status[key], "cannot be greater than status.replicas"))
        if status.get("availableReplicas", 0) > status.get("readyReplicas", 0):
            errs.append(field.invalid("status.availableReplicas", status["availableReplicas"],
                                      "cannot be greater than readyReplicas"))
    return errs


def validate_scale(scale: dict) -> list[dict]:
    """``ValidateScale`` for the ``scale`` subresource."""
    return nonnegative((scale.get("spec") or {}).get("replicas", 0), "spec.replicas")
