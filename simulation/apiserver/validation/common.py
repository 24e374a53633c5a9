"""Field checks shared by several kinds: non-negative integers, DNS labels, port numbers or
names, and resource quantities (``ValidateResourceQuantityValue`` and resource names).

Kept apart so pods, services, quotas and limit ranges report the same thing the same way.
"""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import (is_dns1123_label, is_qualified_name, is_valid_port_name,
                                                is_valid_port_num)

from . import field
from .field import GoRepr

NEGATIVE = "must be greater than or equal to 0"
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_STANDARD_RESOURCES = _STANDARD_CONTAINER_RESOURCES + (
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage")


def nonnegative(value: Any, path: str) -> list[dict]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [field.invalid(path, value, NEGATIVE)]
    return []


def dns1123_label(value: str, path: str) -> list[dict]:
    return [field.invalid(path, value, m) for m in is_dns1123_label(value)]


def port_num_or_name(port: Any, path: str) -> list[dict]:
    if isinstance(port, int) and not isinstance(port, bool):
        return [field.invalid(path, port, m) for m in is_valid_port_num(port)]
    if isinstance(port, str):
        return [field.invalid(path, port, m) for m in is_valid_port_name(port)]
    return [field.invalid(path, port, "must be an int or a string")]


def _is_standard_resource(name: str) -> bool:
    return name in _STANDARD_RESOURCES or name.startswith("hugepages-") or name.startswith("requests.hugepages-")


def _is_integer_resource(name: str) -> bool:
    native = "/" not in name or name.split("/")[0].endswith("kubernetes.io")
    return (name in ("pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                     "persistentvolumeclaims", "services.loadbalancers", "services.nodeports")
            or name.startswith("count/") or not native or name.startswith("requests.") and "/" in name)


def validate_container_resource_name(name: str, path: str) -> list[dict]:
    value = GoRepr(name)  # core.ResourceName prints through its String() method
    errs = [field.invalid(path, value, m) for m in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if not _is_standard_resource(name):
            errs.append(field.invalid(path, value, "must be a standard resource type or fully qualified"))
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.append(field.invalid(path, value, "must be a standard resource for containers"))
    return errs


def validate_quantity_value(resource: str, raw: Any, path: str) -> list[dict]:
    """``ValidateResourceQuantityValue``: not negative, integral for countable resources."""
    try:
        q = Quantity.parse(raw)
    except QuantityError as err:
        return [field.invalid(path, str(raw), str(err))]
    errs = []
    if q.value < 0:
        errs.append(field.invalid(path, str(q), NEGATIVE))
    if _is_integer_resource(resource) and q.milli_value() % 1000 != 0:
        errs.append(field.invalid(path, GoRepr(str(q)), "must be an integer"))
    return errs



#: ``PreemptLowerPriority`` and ``Never``, in the order upstream's message lists them.
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")


def validate_preemption_policy(policy: Any, path: str) -> list[dict]:
    """``ValidatePreemptionPolicy`` (a pod's or a PriorityClass's, when set): an empty string is
    missing, anything else unknown is not supported."""
    if policy is None or policy in PREEMPTION_POLICIES:
        return []
    if policy == "":
        return [field.required(path)]
    return [field.not_supported(path, policy, PREEMPTION_POLICIES)]
