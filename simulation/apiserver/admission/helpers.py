"""What several admission plugins share: upstream's ``admission.NewForbidden`` message shape
and the pod resource arithmetic (``resourcehelper.PodRequests``/``PodLimits``).

Why one place: every plugin refusal reads ``pods "web-1" is forbidden: <reason>``, and
LimitRanger and ResourceQuota must add up a pod's requests exactly the same way the
scheduler will, or a pod admitted by one is refused by the other.
"""
from __future__ import annotations

from simulation.apimachinery.quantity import Quantity

from ..errors import StatusError, forbidden, qualified
from . import AdmissionAttributes


def object_name(attrs: AdmissionAttributes) -> str:
    """The name upstream puts in refusals: the request's, the object's, its generateName, or
    ``Unknown`` (names are generated after admission)."""
    if attrs.name:
        return attrs.name
    obj = attrs.object if isinstance(attrs.object, dict) else {}
    meta = obj.get("metadata") or {}
    return meta.get("name") or meta.get("generateName") or "Unknown"


def admission_forbidden(attrs: AdmissionAttributes, reason: str, plugin: str) -> StatusError:
    """``admission.NewForbidden(a, err)``: ``<resource> "<name>" is forbidden: <reason>`` (403)."""
    rt = attrs.resource_type
    name = object_name(attrs)
    message = f'{qualified(rt.name, rt.group)} "{name}" is forbidden: {reason}'
    return forbidden(message, rt.name, rt.group, name, plugin=plugin)


def aggregate(messages: list[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message as is, several as ``[a, b]``."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def is_pod(attrs: AdmissionAttributes) -> bool:
    rt = attrs.resource_type
    return rt.group == "" and rt.name == "pods" and not attrs.subresource and isinstance(attrs.object, dict)


def _container_resources(ctr: dict, key: str) -> dict[str, Quantity]:
    return {name: Quantity.parse(raw) for name, raw in ((ctr.get("resources") or {}).get(key) or {}).items()}


def _pod_aggregate(pod: dict, key: str) -> dict[str, Quantity]:
    """Sum over app containers, then the max with each init container (sidecars aside)."""
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for ctr in spec.get("containers") or []:
        for name, q in _container_resources(ctr, key).items():
            total[name] = total[name] + q if name in total else q
    for ctr in spec.get("initContainers") or []:
        for name, q in _container_resources(ctr, key).items():
            if name not in total or q > total[name]:
                total[name] = q
    return total


def pod_requests(pod: dict) -> dict[str, Quantity]:
    """A pod's effective requests: ``max(sum(containers), max(initContainers))`` per resource."""
    return _pod_aggregate(pod, "requests")


def pod_limits(pod: dict) -> dict[str, Quantity]:
    """A pod's effective limits, aggregated like :func:`pod_requests`."""
    return _pod_aggregate(pod, "limits")
