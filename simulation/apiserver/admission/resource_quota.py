"""ResourceQuota: a namespace's quotas cap how many objects it holds and how much compute its
pods request; a create (or growing update) that would exceed any quota is refused with 403.

Why admission writes the quota: upstream charges a quota *inside* admission, by a
compare-and-swap on the ResourceQuota's ``status.used``, so two racing creates cannot both
take the last slot. We do the same through ``reader.guaranteed_update`` (the store's
optimistic concurrency, retried on conflict) and re-check the limit inside that update.

Where ``used`` comes from: upstream trusts ``status.used``, kept current by the quota
controller (``simulation/controllers/resourcequota.py``, which recounts with these same
evaluators). Here admission recounts the namespace's objects on every request too (terminal
pods don't count), so a request admitted before the controller's first sync, or just after a
delete it has not yet replenished, is judged on the true usage; the result is recorded in
``status.used`` with ``status.hard`` mirroring ``spec.hard``. Dry runs check but never write.

Tracked: ``pods``, ``count/pods``, ``cpu``/``requests.cpu``, ``memory``/``requests.memory``,
``limits.cpu``, ``limits.memory``, ephemeral storage; ``services`` (plus ``services.nodeports``
and ``services.loadbalancers``), ``configmaps``, ``secrets``, ``resourcequotas``; and
``count/<resource>[.<group>]`` for every served kind. Pod scopes: Terminating,
NotTerminating, BestEffort, NotBestEffort and the PriorityClass scope selector.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable

from simulation.apimachinery.quantity import Quantity
from simulation.apimachinery.resources import ResourceType

from ...store import KeyNotFoundError
from ..defaults import pod_qos_class
from . import CREATE, UPDATE, AdmissionAttributes, ValidatingPlugin
from .helpers import admission_forbidden, pod_limits, pod_requests

PLUGIN_NAME = "ResourceQuota"
Usage = dict[str, Quantity]

_POD_COMPUTE = ("cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage")
_REQUIRED_ON_CONTAINERS = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
_LEGACY_COUNTED = ("services", "configmaps", "secrets", "resourcequotas", "persistentvolumeclaims",
                   "replicationcontrollers")


def _one() -> Quantity:
    return Quantity(Fraction(1))


def object_count_name(rt: ResourceType) -> str:
    """``count/pods``, ``count/deployments.apps``: the generic object-count quota key."""
    return f"count/{rt.name}" + (f".{rt.group}" if rt.group else "")


def _compute_usage(requests: dict[str, Quantity], limits: dict[str, Quantity]) -> Usage:
    """``podComputeUsageHelper``: which quota keys a set of requests and limits charges."""
    result: Usage = {"pods": _one()}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            result[name] = requests[name]
            result[f"requests.{name}"] = requests[name]
        if name in limits:
            result[f"limits.{name}"] = limits[name]
    for name, value in requests.items():
        if name.startswith("hugepages-"):
            result[name] = value
            result[f"requests.{name}"] = value
        elif "/" in name and not name.startswith("kubernetes.io/"):
            result[f"requests.{name}"] = value
    return result


def pod_usage(pod: dict) -> Usage:
    """``PodUsageFunc``: every stored pod counts in ``count/pods``; only live ones use compute."""
    usage: Usage = {"count/pods": _one()}
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return usage
    usage.update(_compute_usage(pod_requests(pod), pod_limits(pod)))
    return usage


def _tracks_pod_resource(name: str) -> bool:
    return (name in ("pods", "count/pods") or name in _POD_COMPUTE or name.startswith("hugepages-")
            or name.startswith("requests.hugepages-") or (name.startswith("requests.") and "/" in name))


def pod_constraints(pod: dict, required: list[str]) -> str | None:
    """Quota on cpu/memory obliges every container to state them (upstream's old promise)."""
    needed = sorted(set(required) & set(_REQUIRED_ON_CONTAINERS))
    if not needed:
        return None
    missing: dict[str, set[str]] = {}
    spec = pod.get("spec") or {}
    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = ctr.get("resources") or {}
        have = _compute_usage({n: Quantity.parse(v) for n, v in (resources.get("requests") or {}).items()},
                              {n: Quantity.parse(v) for n, v in (resources.get("limits") or {}).items()})
        for name in needed:
            if name not in have:
                missing.setdefault(name, set()).add(ctr.get("name", ""))
    if not missing:
        return None
    return "must specify " + "; ".join(f"{r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


def _service_usage(svc: dict) -> Usage:
    spec = svc.get("spec") or {}
    ports = spec.get("ports") or []
    usage: Usage = {"count/services": _one(), "services": _one(), "services.loadbalancers": Quantity(Fraction(0)),
                    "services.nodeports": Quantity(Fraction(0))}
    if spec.get("type") == "NodePort":
        usage["services.nodeports"] = Quantity(Fraction(len(ports)))
    elif spec.get("type") == "LoadBalancer":
        if spec.get("allocateLoadBalancerNodePorts") is False:
            usage["services.nodeports"] = Quantity(Fraction(sum(1 for p in ports if p.get("nodePort"))))
        else:
            usage["services.nodeports"] = Quantity(Fraction(len(ports)))
        usage["services.loadbalancers"] = _one()
    return usage


class Evaluator:
    """What one resource charges: its usage, the quota keys it tracks, scopes and constraints."""

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt
        self.count_name = object_count_name(rt)

    def tracks(self, name: str) -> bool:
        if self.rt.group == "" and self.rt.name == "pods":
            return _tracks_pod_resource(name)
        if self.rt.group == "" and self.rt.name == "services":
            return name in ("services", "count/services", "services.nodeports", "services.loadbalancers")
        if self.rt.group == "" and self.rt.name in _LEGACY_COUNTED:
            return name in (self.rt.name, self.count_name)
        return name == self.count_name

    def usage(self, obj: dict) -> Usage:
        if self.rt.group == "" and self.rt.name == "pods":
            return pod_usage(obj)
        if self.rt.group == "" and self.rt.name == "services":
            return _service_usage(obj)
        usage: Usage = {self.count_name: _one()}
        if self.rt.group == "" and self.rt.name in _LEGACY_COUNTED:
            usage[self.rt.name] = _one()
        return usage

    def matches_scopes(self, quota: dict, obj: dict) -> bool:
        spec = quota.get("spec") or {}
        selectors = [{"scopeName": s, "operator": "Exists"} for s in spec.get("scopes") or []]
        selectors += (spec.get("scopeSelector") or {}).get("matchExpressions") or []
        if not selectors:
            return True
        if not (self.rt.group == "" and self.rt.name == "pods"):
            return False
        return all(_pod_matches_scope(obj, sel) for sel in selectors)

    def constraints(self, obj: dict, required: list[str]) -> str | None:
        if self.rt.group == "" and self.rt.name == "pods":
            return pod_constraints(obj, required)
        return None


def _pod_matches_scope(pod: dict, selector: dict) -> bool:
    spec = pod.get("spec") or {}
    scope = selector.get("scopeName")
    deadline = spec.get("activeDeadlineSeconds")
    terminating = deadline is not None and deadline >= 0
    if scope == "Terminating":
        return terminating
    if scope == "NotTerminating":
        return not terminating
    if scope == "BestEffort":
        return pod_qos_class(pod) == "BestEffort"
    if scope == "NotBestEffort":
        return pod_qos_class(pod) != "BestEffort"
    if scope == "PriorityClass":
        name, op, values = spec.get("priorityClassName") or "", selector.get("operator"), selector.get("values") or []
        return {"In": name in values, "NotIn": name not in values, "Exists": bool(name),
                "DoesNotExist": not name}.get(op, False)
    if scope == "CrossNamespacePodAffinity":
        affinity = spec.get("affinity") or {}
        terms = []
        for kind in ("podAffinity", "podAntiAffinity"):
            a = affinity.get(kind) or {}
            terms += a.get("requiredDuringSchedulingIgnoredDuringExecution") or []
            terms += [w.get("podAffinityTerm") or {} for w in a.get("preferredDuringSchedulingIgnoredDuringExecution")
                      or []]
        return any(t.get("namespaces") or t.get("namespaceSelector") is not None for t in terms)
    return False


def _hard(quota: dict) -> dict[str, Quantity]:
    return {k: Quantity.parse(v) for k, v in ((quota.get("spec") or {}).get("hard") or {}).items()}


def pretty(usage: Usage) -> str:
    """``prettyPrint``: ``k=v`` pairs sorted by resource name, comma separated."""
    return ",".join(f"{k}={usage[k]}" for k in sorted(usage))


def _add(a: Usage, b: Usage) -> Usage:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return out


class _Charge:
    """One quota's verdict for one request: what it tracks, what is used, what it would become."""

    def __init__(self, quota: dict, tracked: list[str], used: Usage, requested: Usage) -> None:
        self.quota = quota
        self.tracked = tracked
        self.used = used
        self.requested = requested
        self.new_usage = _add(used, requested)

    def exceeded(self, hard: dict[str, Quantity]) -> list[str]:
        return sorted(k for k, v in self.new_usage.items() if k in self.requested and k in hard and v > hard[k])


class ResourceQuota(ValidatingPlugin):
    name = PLUGIN_NAME

    def __init__(self, evaluator_for: Callable[[ResourceType], Evaluator] = Evaluator) -> None:
        self.evaluator_for = evaluator_for

    def handles(self, attrs: AdmissionAttributes) -> bool:
        rt = attrs.resource_type
        return (attrs.operation in (CREATE, UPDATE) and not attrs.subresource and bool(attrs.namespace)
                and rt.namespaced and isinstance(attrs.object, dict) and not rt.create_only)

    def validate(self, attrs: AdmissionAttributes) -> None:
        quotas = attrs.reader.list("resourcequotas", attrs.namespace)
        if not quotas:
            return
        ev = self.evaluator_for(attrs.resource_type)
        obj = attrs.object
        interesting: list[tuple[dict, list[str]]] = []
        for quota in quotas:
            hard = _hard(quota)
            tracked = [k for k in hard if ev.tracks(k)]
            if not tracked or not ev.matches_scopes(quota, obj):
                continue
            problem = ev.constraints(obj, tracked)
            if problem:
                raise admission_forbidden(attrs, f"failed quota: {quota['metadata']['name']}: {problem}", PLUGIN_NAME)
            interesting.append((quota, tracked))
        if not interesting:
            return
        delta = ev.usage(obj)
        if attrs.operation == UPDATE and isinstance(attrs.old_object, dict):
            old = ev.usage(attrs.old_object)
            delta = {k: v - old[k] if k in old else v for k, v in delta.items()}
            delta = {k: v for k, v in delta.items() if v.value > 0}
        delta = {k: v for k, v in delta.items() if not v.is_zero()}
        if not delta:
            return
        others = self._others(attrs)
        charges = []
        for quota, tracked in interesting:
            used = self._used(ev, quota, tracked, others)
            requested = {k: v for k, v in delta.items() if k in tracked}
            charge = _Charge(quota, tracked, used, requested)
            self._check(attrs, charge, _hard(quota))
            charges.append(charge)
        if not attrs.dry_run:
            for charge in charges:
                self._record(attrs, charge)

    def _others(self, attrs: AdmissionAttributes) -> list[dict]:
        """The namespace's objects of this resource, without the one being written."""
        name = attrs.name or ((attrs.object.get("metadata") or {}).get("name"))
        items = attrs.reader.list(attrs.resource_type.name, attrs.namespace)
        return [o for o in items if (o.get("metadata") or {}).get("name") != name]

    @staticmethod
    def _used(ev: Evaluator, quota: dict, tracked: list[str], others: list[dict]) -> Usage:
        used: Usage = {k: Quantity(Fraction(0)) for k in tracked}
        for other in others:
            if not ev.matches_scopes(quota, other):
                continue
            for k, v in ev.usage(other).items():
                if k in used:
                    used[k] = used[k] + v
        return used

    def _check(self, attrs: AdmissionAttributes, charge: _Charge, hard: dict[str, Quantity]) -> None:
        exceeded = charge.exceeded(hard)
        if exceeded:
            name = charge.quota["metadata"]["name"]
            pick = lambda u: {k: u[k] for k in exceeded if k in u}  # noqa: E731
            raise admission_forbidden(attrs, f"exceeded quota: {name}, requested: {pretty(pick(charge.requested))}, "
                                      f"used: {pretty(pick(charge.used))}, limited: {pretty(pick(hard))}",
                                      PLUGIN_NAME)

    def _record(self, attrs: AdmissionAttributes, charge: _Charge) -> None:
        """Compare-and-swap the new usage into the quota, re-checking against its current spec."""
        def try_update(current: dict) -> dict:
            hard = _hard(current)
            self._check(attrs, charge, hard)
            status = current.setdefault("status", {})
            status["hard"] = {k: str(v) for k, v in hard.items()}
            used = dict(status.get("used") or {})
            for k in charge.tracked:
                if k in hard:
                    used[k] = str(charge.new_usage.get(k, Quantity(Fraction(0))))
            status["used"] = {k: v for k, v in used.items() if k in hard}
            return current

        try:
            attrs.reader.guaranteed_update("resourcequotas", attrs.namespace, charge.quota["metadata"]["name"],
                                           try_update)
        except KeyNotFoundError:
            return  # the quota was deleted meanwhile: nothing left to charge
