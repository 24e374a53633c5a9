"""Validation: the API server's last look at an object before validating admission and the store.

Entry points, called on the *defaulted* and *admitted* object (the server runs
decode -> ``apply_defaults`` -> mutating admission -> **validation** -> validating admission):

- :func:`validate_create` ``(rt, obj) -> causes``
- :func:`validate_update` ``(rt, obj, old, subresource="") -> causes``

Each cause is upstream's ``StatusCause`` (``{"reason", "message", "field"}``); an empty list
means valid. The server turns a non-empty list into ``errors.invalid(rt.kind, rt.group, name,
causes)``, i.e. ``Pod "p" is invalid: spec.containers[0].image: Required value``.

The dispatch table below names, for each kind, the module that knows its rules. Kinds with
no entry (ComponentStatus, the access reviews) get metadata checks only.
"""
from __future__ import annotations

from typing import Callable

from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.validation import name_is_dns_subdomain

from .. import eventsv1
from . import apps, batch, core, discovery, pod, policy, rbac, storage
from . import networking  # networking.k8s.io/v1 (ingress)
from .field import error_string
from .objectmeta import validate_object_meta, validate_object_meta_update

__all__ = ["validate_create", "validate_update", "validate_binding", "error_string"]

Validator = Callable[[dict, "dict | None"], list]

_CORE: dict[str, Validator] = {
    "Namespace": core.validate_namespace,
    "Service": core.validate_service,
    "ConfigMap": core.validate_config_map,
    "Secret": core.validate_secret,
    "ServiceAccount": core.validate_service_account,
    "Node": core.validate_node,
    "ResourceQuota": core.validate_resource_quota,
    "LimitRange": core.validate_limit_range,
    "Endpoints": core.validate_endpoints,
    "Lease": core.validate_lease,
    "Role": lambda obj, old: rbac.validate_role(obj, old, namespaced=True),
    "ClusterRole": lambda obj, old: rbac.validate_role(obj, old, namespaced=False),
    "RoleBinding": lambda obj, old: rbac.validate_binding(obj, old, namespaced=True),
    "ClusterRoleBinding": lambda obj, old: rbac.validate_binding(obj, old, namespaced=False),
    **storage.VALIDATORS,  # storage
    **batch.VALIDATORS,  # ReplicationController and batch/v1 (jobs)
    # scheduling.k8s.io/v1, policy/v1 (policy)
    "PriorityClass": policy.validate_priority_class,
    "PodDisruptionBudget": policy.validate_pod_disruption_budget,
    **discovery.VALIDATORS,  # discovery.k8s.io/v1 (slices)
    **networking.VALIDATORS,  # networking.k8s.io/v1 (ingress)
}
_APPS = ("Deployment", "ReplicaSet", "DaemonSet")


def _unique(causes: list[dict]) -> list[dict]:
    """Drop repeats (upstream revalidates metadata on update; its message dedups them too)."""
    seen: set[tuple] = set()
    out = []
    for cause in causes:
        key = (cause["reason"], cause["field"], cause["message"])
        if key not in seen:
            seen.add(key)
            out.append(cause)
    return out


def validate_create(rt: ResourceType, obj: dict) -> list[dict]:
    """Create-time validation of ``obj`` (already defaulted, generateName already resolved)."""
    if rt.kind == "Pod":
        causes = pod.validate_pod_create(obj)
    elif rt.kind in _APPS:
        causes = apps.validate_create(rt.kind, obj)
    elif rt.kind == "Event":
        causes = _validate_event(rt, obj, None)
    elif rt.kind in _CORE:
        causes = _CORE[rt.kind](obj, None)
    elif rt.virtual or rt.create_only:
        causes = []
    else:
        causes = validate_object_meta(obj.get("metadata"), rt.namespaced, name_is_dns_subdomain)
    return _unique(causes)


def validate_update(rt: ResourceType, obj: dict, old: dict, subresource: str = "") -> list[dict]:
    """Update-time validation. ``subresource`` selects upstream's status/finalize/scale rules:
    a ``status`` write is checked as a status update (a pod's node may not change there), a
    ``scale`` write with a ``Scale`` body only checks the replica count."""
    if subresource == "scale" and obj.get("kind") == "Scale":
        return apps.validate_scale(obj)
    if subresource == "status":
        if rt.kind == "Pod":
            causes = pod.validate_pod_status_update(obj, old)
        elif rt.kind == "Namespace":
            causes = core.validate_namespace_status(obj, old)
        elif rt.kind in _APPS:
            causes = apps.validate_status_update(rt.kind, obj, old)
        elif rt.kind == "ResourceQuota":
            causes = core.validate_resource_quota_status(obj, old)
        elif rt.kind in batch.VALIDATORS:  # ReplicationController and batch/v1 (jobs)
            causes = batch.validate_status(obj, old)
        elif rt.kind == "PodDisruptionBudget":  # policy
            causes = policy.validate_pod_disruption_budget_status(obj, old)
        elif rt.kind == "Ingress":  # networking.k8s.io/v1 (ingress)
            causes = networking.validate_ingress_status(obj, old)
        else:
            causes = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
        return _unique(causes)
    if subresource == "finalize" and rt.kind == "Namespace":
        return _unique(core.validate_namespace_finalize(obj, old))
    if rt.kind == "Pod":
        causes = pod.validate_pod_update(obj, old)
    elif rt.kind in _APPS:
        causes = apps.validate_update(rt.kind, obj, old)
    elif rt.kind == "Event":
        causes = _validate_event(rt, obj, old)
    elif rt.kind in _CORE:
        causes = _CORE[rt.kind](obj, old)
    else:
        causes = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    return _unique(causes)


def _validate_event(rt: ResourceType, obj: dict, old: dict | None) -> list[dict]:
    """Events are validated in their stored shape, with the rules of the API they were
    written through (upstream passes the request's group version to ``ValidateEventCreate``)."""
    if rt.group != eventsv1.GROUP:
        return core.validate_event(obj, old)
    return core.validate_event(eventsv1.to_core(obj), eventsv1.to_core(old) if old is not None else None,
                               strict=True)


def validate_binding(binding: dict) -> list[dict]:
    """``POST pods/<name>/binding`` body checks (``target.name`` required, ``target.kind`` Node)."""
    return pod.validate_binding(binding)
