"""Small helpers the garbage collector, namespace, endpoints and node lifecycle controllers
share: what "discovery" tells a controller about the served resources, timestamps in
virtual time, conditions, owner references, taints and tolerations.

Discovery here reads the API server's resource table (what ``/api`` and ``/apis`` are
generated from) instead of making discovery requests: the answer is the same, and reading
it needs no round trip the diagram would have to draw.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from simulation.apimachinery import resources
from simulation.apimachinery.corev1 import tolerates_taint
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import (parse_time,  # noqa: F401 - the controllers' helpers, in one place
                                                rfc3339)


# ----------------------------------------------------------------------------- discovery
def deletable_resources(*, namespaced: bool | None = None) -> list[ResourceType]:
    """Resources that support delete, list and watch (upstream's ``GetDeletableResources``)."""
    out = []
    for rt in resources.RESOURCES:
        if rt.virtual or rt.create_only:
            continue
        if not {"delete", "list", "watch"} <= set(rt.verbs):
            continue
        if namespaced is not None and rt.namespaced != namespaced:
            continue
        out.append(rt)
    return out


def resource_for(api_version: str, kind: str) -> ResourceType | None:
    """The REST mapping of an ownerReference's apiVersion and kind; None when not served."""
    group, _, version = api_version.rpartition("/")
    for rt in resources.RESOURCES:
        if rt.kind == kind and rt.group == group and rt.version == version and not rt.virtual:
            return rt
    return None


def group_resource(rt: ResourceType) -> str:
    """``pods`` / ``replicasets.apps``: how upstream names a resource in messages."""
    return f"{rt.name}.{rt.group}" if rt.group else rt.name


# ----------------------------------------------------------------------------- conditions
def get_condition(conditions: Iterable[dict] | None, type_: str) -> dict | None:
    for condition in conditions or ():
        if condition.get("type") == type_:
            return condition
    return None


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    condition = get_condition((pod.get("status") or {}).get("conditions"), "Ready")
    return bool(condition) and condition.get("status") == "True"


def update_pod_condition(status: dict, condition: dict, now: str) -> bool:
    """Upstream's ``UpdatePodCondition``: set ``condition``; the transition time moves only
    when the status does. True when anything changed."""
    conditions = status.setdefault("conditions", [])
    new = dict(condition)
    old = get_condition(conditions, new["type"])
    if old is None:
        new.setdefault("lastTransitionTime", now)
        conditions.append(new)
        return True
    new["lastTransitionTime"] = now if old.get("status") != new.get("status") else old.get("lastTransitionTime", now)
    new.setdefault("lastProbeTime", old.get("lastProbeTime"))
    if new.get("lastProbeTime") is None:
        new.pop("lastProbeTime", None)
    changed = any(old.get(k) != new.get(k) for k in ("status", "reason", "message", "lastTransitionTime",
                                                       "lastProbeTime"))
    old.clear()
    old.update(new)
    return changed


# ----------------------------------------------------------------------------- owners
def owner_references(obj: Mapping[str, Any]) -> list[dict]:
    return list((obj.get("metadata") or {}).get("ownerReferences") or [])


def has_finalizer(obj: Mapping[str, Any], finalizer: str) -> bool:
    return finalizer in ((obj.get("metadata") or {}).get("finalizers") or [])


def being_deleted(obj: Mapping[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def describe(obj_or_ref: Mapping[str, Any]) -> str:
    """``ReplicaSet web-7d9``: how captions name an object or a reference."""
    if "metadata" in obj_or_ref:
        return f"{obj_or_ref.get('kind', '')} {obj_or_ref['metadata'].get('name', '')}".strip()
    return f"{obj_or_ref.get('kind', '')} {obj_or_ref.get('name', '')}".strip()


# ----------------------------------------------------------------------------- selectors
def selector_matches(selector: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> bool:
    """A Service's equality selector against an object's labels (an empty one selects all)."""
    labels = labels or {}
    return all(labels.get(k) == v for k, v in (selector or {}).items())


# ----------------------------------------------------------------------------- taints
def matching_tolerations(taints: list[dict], tolerations: list[dict]) -> tuple[bool, list[dict]]:
    """Upstream's ``GetMatchingTolerations``: whether every taint is tolerated, and by what."""
    used = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates_taint(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def taint_matches(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Upstream's ``Taint.MatchTaint``: same key and effect."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")
