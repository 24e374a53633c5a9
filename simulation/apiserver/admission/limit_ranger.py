"""LimitRanger: a namespace's LimitRanges give containers default requests/limits (mutating
phase) and bound them with min, max and max limit/request ratio (validating phase).

One plugin object serves both phases, as upstream's does, so it appears in both
``MUTATING`` and ``VALIDATING``. Defaults are applied before validation on purpose: a pod
without limits in a namespace with ``default: {cpu: 500m}`` is stored with ``limits.cpu:
500m`` and a ``kubernetes.io/limit-ranger`` annotation saying so.

Pod *updates* are skipped (container resources are immutable, so there is nothing to
default or re-check), as upstream does. Map iteration in Go is random; we iterate in the
LimitRange's own order so refusals are reproducible.
"""
from __future__ import annotations

from simulation.apimachinery.quantity import Quantity

from . import CREATE, AdmissionAttributes, MutatingPlugin, ValidatingPlugin
from .helpers import admission_forbidden, aggregate, pod_limits, pod_requests

PLUGIN_NAME = "LimitRanger"
ANNOTATION = "kubernetes.io/limit-ranger"


def _resources(ctr: dict, key: str) -> dict[str, Quantity]:
    return {n: Quantity.parse(v) for n, v in ((ctr.get("resources") or {}).get(key) or {}).items()}


def _cmp_values(req: Quantity | None, lim: Quantity | None, enforced: Quantity) -> tuple[int, int, int]:
    """``requestLimitEnforcedValues``: compare in millis unless that would overflow int64."""
    values = [q or Quantity.parse(0) for q in (req, lim)] + [enforced]
    max_milli = 2 ** 63 // 1000
    if all(q.int_value() <= max_milli for q in values):
        return tuple(q.milli_value() for q in values)  # type: ignore[return-value]
    return tuple(q.int_value() for q in values)  # type: ignore[return-value]


def min_constraint(kind: str, name: str, enforced: Quantity, req: dict, lim: dict) -> str | None:
    r, l, e = _cmp_values(req.get(name), lim.get(name), enforced)
    if name not in req:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    if r < e:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {req[name]}"
    if name in lim and l < e:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {lim[name]}"
    return None


def max_constraint(kind: str, name: str, enforced: Quantity, req: dict, lim: dict) -> str | None:
    r, l, e = _cmp_values(req.get(name), lim.get(name), enforced)
    if name not in lim:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    if l > e:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {lim[name]}"
    if name in req and r > e:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req[name]}"
    return None


def ratio_constraint(kind: str, name: str, enforced: Quantity, req: dict, lim: dict) -> str | None:
    r, l, _ = _cmp_values(req.get(name), lim.get(name), enforced)
    if name not in req or r == 0:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, but no request is specified or "
                "request is 0")
    if name not in lim or l == 0:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, but no limit is specified or "
                "limit is 0")
    observed = l / r
    if observed > float(enforced.value):
        return f"{name} max limit to request ratio per {kind} is {enforced}, but provided ratio is {observed:f}"
    return None


_CHECKS = (("min", min_constraint), ("max", max_constraint), ("maxLimitRequestRatio", ratio_constraint))


def _check(item: dict, kind: str, req: dict, lim: dict) -> list[str]:
    errors = []
    for section, check in _CHECKS:
        for name, raw in (item.get(section) or {}).items():
            message = check(kind, name, Quantity.parse(raw), req, lim)
            if message:
                errors.append(message)
    return errors


class LimitRanger(MutatingPlugin, ValidatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        rt = attrs.resource_type
        return (rt.group == "" and rt.name == "pods" and attrs.operation == CREATE and not attrs.subresource
                and isinstance(attrs.object, dict))

    def _limit_ranges(self, attrs: AdmissionAttributes) -> list[dict]:
        return attrs.reader.list("limitranges", attrs.namespace)

    def admit(self, attrs: AdmissionAttributes) -> None:
        """Fill each container's missing requests/limits from ``type: Container`` defaults."""
        pod = attrs.object
        for limit_range in self._limit_ranges(attrs):
            notes: list[str] = []
            default_limits: dict[str, str] = {}
            default_requests: dict[str, str] = {}
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                if item.get("type") == "Container":
                    default_requests.update({n: str(Quantity.parse(v)) for n, v in (item.get("defaultRequest")
                                                                                  or {}).items()})
                    default_limits.update({n: str(Quantity.parse(v)) for n, v in (item.get("default") or {}).items()})
            spec = pod.setdefault("spec", {})
            for key, label in (("containers", "container"), ("initContainers", "init container")):
                for ctr in spec.get(key) or []:
                    notes += _merge(ctr, default_requests, default_limits, label)
            if notes:  # per LimitRange, as upstream: a later range's note replaces an earlier one
                annotations = pod.setdefault("metadata", {}).setdefault("annotations", {})
                annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)

    def validate(self, attrs: AdmissionAttributes) -> None:
        """Refuse containers (or the pod as a whole) outside a LimitRange's min/max/ratio."""
        pod = attrs.object
        spec = pod.get("spec") or {}
        for limit_range in self._limit_ranges(attrs):
            errors: list[str] = []
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                if item.get("type") == "Container":
                    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                        errors += _check(item, "Container", _resources(ctr, "requests"), _resources(ctr, "limits"))
                elif item.get("type") == "Pod":
                    errors += _check(item, "Pod", pod_requests(pod), pod_limits(pod))
            if errors:
                raise admission_forbidden(attrs, aggregate(errors), PLUGIN_NAME)


def _merge(ctr: dict, requests: dict[str, str], limits: dict[str, str], label: str) -> list[str]:
    resources = ctr.get("resources")
    if not isinstance(resources, dict):
        resources = ctr["resources"] = {}
    set_limits = [n for n in limits if n not in (resources.get("limits") or {})]
    set_requests = [n for n in requests if n not in (resources.get("requests") or {})]
    if set_limits:
        resources.setdefault("limits", {}).update({n: limits[n] for n in set_limits})
    if set_requests:
        resources.setdefault("requests", {}).update({n: requests[n] for n in set_requests})
    notes = []
    name = ctr.get("name", "")
    if set_requests:
        notes.append(", ".join(sorted(set_requests)) + f" request for {label} {name}")
    if set_limits:
        notes.append(", ".join(sorted(set_limits)) + f" limit for {label} {name}")
    return notes
