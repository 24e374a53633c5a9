"""The Table machinery of server-side printing (upstream's ``pkg/printers`` table generator and
the registry's ``TableConvertor``): when a request wants a ``meta.k8s.io/v1`` Table, which
printer a kind has, and the Table and watch events built from its rows.

* Negotiation follows the ``Accept`` header: the first acceptable clause decides, and only a
  JSON Table of ``meta.k8s.io`` ``v1``/``v1beta1`` is served.
* :data:`PRINTERS` names every kind's printer in one place; the columns and cells live with
  their API group (:mod:`.core`, :mod:`.apps`, :mod:`.rbac`, :mod:`.coordination`). The server
  always prints *wide* (upstream's ``TableConvertor`` passes ``Wide: true``); columns with
  ``priority: 1`` are the ones kubectl shows only with ``-o wide``.
* Kinds without a printer upstream (Role, ClusterRole, LimitRange, ...) get the generic
  registry's default convertor: ``Name`` and ``Created At`` (an RFC 3339 date).
* Each row carries the object as ``includeObject`` asks (PartialObjectMetadata by default),
  which kubectl needs for ``-A``, ``--show-labels`` and sorting.

Number cells are JSON numbers, as upstream's ``int64`` cells are; kubectl prints cells verbatim.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from simulation.apimachinery.resources import ResourceType

from .. import errors, eventsv1
from . import apps, batch, coordination, core, discovery, policy, rbac, storage
from . import networking  # networking.k8s.io/v1 (ingress)
from .columns import AGE_DOC, NAME, column, meta_of, name_of

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

# --------------------------------------------------------------------------------------------
# Accept negotiation
# --------------------------------------------------------------------------------------------

#: Media types a Table can be sent as (JSON only: the server never answers protobuf).
_TABLE_MEDIA_TYPES = ("application/json", "application/*", "*/*")
_TABLE_VERSIONS = ("v1", "v1beta1")


def _accept_clauses(accept_header: str) -> list[tuple[str, dict[str, str]]]:
    """``(media type, params)`` in preference order: q descending, then concrete before wildcard.

    Clauses with ``q=0`` (or an unreadable q) are not acceptable and are dropped.
    """
    clauses: list[tuple[float, int, int, str, dict[str, str]]] = []
    for index, clause in enumerate((accept_header or "").split(",")):
        parts = [p.strip() for p in clause.split(";")]
        media_type = parts[0].lower()
        if not media_type:
            continue
        params: dict[str, str] = {}
        for part in parts[1:]:
            key, _, value = part.partition("=")
            if key:
                params[key.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q <= 0:
            continue
        wildcards = media_type.count("*")
        clauses.append((-q, wildcards, index, media_type, params))
    clauses.sort()
    return [(media_type, params) for _, _, _, media_type, params in clauses]


def wants_table(accept_header: str) -> bool:
    """True when the first acceptable media type in ``Accept`` asks for a ``meta.k8s.io`` Table.

    kubectl sends ``application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;
    v=v1beta1;g=meta.k8s.io,application/json``. A clause asking for a conversion the server
    cannot do (``as=PartialObjectMetadata``, a Table of another group/version, protobuf) is
    skipped, as upstream's negotiation skips it; a plain JSON clause means "no Table".
    """
    for media_type, params in _accept_clauses(accept_header):
        if media_type not in _TABLE_MEDIA_TYPES:
            continue
        conversion = params.get("as")
        if conversion is None:
            return False
        if conversion == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in _TABLE_VERSIONS:
            return True
    return False


# --------------------------------------------------------------------------------------------
# The printers
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Printer:
    """One kind's printer: its column definitions, and the function from an object (and the time
    now, for ages) to the cells of its row."""

    columns: tuple[dict, ...]
    row: Callable[[dict, float], list]
    #: Optional ``TableRow.conditions`` (only pods have them upstream).
    conditions: Callable[[dict], list[dict]] | None = None


PRINTERS: dict[str, Printer] = {
    "Pod": Printer(core.POD_COLUMNS, core.print_pod, core.pod_row_conditions),
    "Node": Printer(core.NODE_COLUMNS, core.print_node),
    "Namespace": Printer(core.NAMESPACE_COLUMNS, core.print_namespace),
    "Deployment": Printer(apps.DEPLOYMENT_COLUMNS, apps.print_deployment),
    "ReplicaSet": Printer(apps.REPLICASET_COLUMNS, apps.print_replicaset),
    "DaemonSet": Printer(apps.DAEMONSET_COLUMNS, apps.print_daemonset),
    "Service": Printer(core.SERVICE_COLUMNS, core.print_service),
    "Endpoints": Printer(core.ENDPOINTS_COLUMNS, core.print_endpoints),
    "Event": Printer(core.EVENT_COLUMNS, core.print_event),
    "ConfigMap": Printer(core.CONFIGMAP_COLUMNS, core.print_configmap),
    "Secret": Printer(core.SECRET_COLUMNS, core.print_secret),
    "ServiceAccount": Printer(core.SERVICEACCOUNT_COLUMNS, core.print_serviceaccount),
    "ResourceQuota": Printer(core.RESOURCEQUOTA_COLUMNS, core.print_resourcequota),
    "ComponentStatus": Printer(core.COMPONENTSTATUS_COLUMNS, core.print_componentstatus),
    "Lease": Printer(coordination.LEASE_COLUMNS, coordination.print_lease),
    "RoleBinding": Printer(rbac.ROLEBINDING_COLUMNS, rbac.print_binding),
    "ClusterRoleBinding": Printer(rbac.CLUSTERROLEBINDING_COLUMNS, rbac.print_binding),
    # storage (storage)
    "PersistentVolume": Printer(storage.PERSISTENTVOLUME_COLUMNS, storage.print_persistent_volume),
    "PersistentVolumeClaim": Printer(storage.PERSISTENTVOLUMECLAIM_COLUMNS, storage.print_persistent_volume_claim),
    "StorageClass": Printer(storage.STORAGECLASS_COLUMNS, storage.print_storage_class),
    "StatefulSet": Printer(storage.STATEFULSET_COLUMNS, storage.print_stateful_set),
    "ControllerRevision": Printer(storage.CONTROLLERREVISION_COLUMNS, storage.print_controller_revision),
    # ReplicationController and batch/v1 (jobs)
    "ReplicationController": Printer(batch.REPLICATIONCONTROLLER_COLUMNS, batch.print_replicationcontroller),
    "Job": Printer(batch.JOB_COLUMNS, batch.print_job),
    "CronJob": Printer(batch.CRONJOB_COLUMNS, batch.print_cronjob),
    # scheduling.k8s.io/v1, policy/v1 (policy)
    "PriorityClass": Printer(policy.PRIORITYCLASS_COLUMNS, policy.print_priority_class),
    "PodDisruptionBudget": Printer(policy.PODDISRUPTIONBUDGET_COLUMNS, policy.print_pod_disruption_budget),
    # discovery.k8s.io/v1 (slices)
    "EndpointSlice": Printer(discovery.ENDPOINTSLICE_COLUMNS, discovery.print_endpoint_slice),
    # networking.k8s.io/v1 (ingress)
    "Ingress": Printer(networking.INGRESS_COLUMNS, networking.print_ingress),
    "IngressClass": Printer(networking.INGRESSCLASS_COLUMNS, networking.print_ingress_class),
    # No printer upstream: Role, ClusterRole, LimitRange and the reviews use DEFAULT_PRINTER.
}


def _parse_datetime(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _rfc3339_utc(value: Any) -> str:
    """The default convertor's ``Created At`` cell; Go's zero time when missing."""
    at = _parse_datetime(value)
    if at is None:
        return "0001-01-01T00:00:00Z"
    at = at.astimezone(timezone.utc)
    return f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}Z"


def _print_default(obj: dict, now: float) -> list:
    return [name_of(obj), _rfc3339_utc(meta_of(obj).get("creationTimestamp"))]


#: The generic registry's default convertor, for kinds without a printer (Role, LimitRange, ...).
DEFAULT_COLUMNS = (NAME, column("Created At", AGE_DOC, "date"))
DEFAULT_PRINTER = Printer(DEFAULT_COLUMNS, _print_default)


#: Printers of a kind served under a second group in another shape, by (group, kind).
# events.k8s.io/v1 (quota): upstream prints it from the internal Event, so the same columns
GROUP_PRINTERS: dict[tuple[str, str], Printer] = {
    (eventsv1.GROUP, "Event"): Printer(core.EVENT_COLUMNS, lambda e, now: core.print_event(eventsv1.to_core(e), now)),
}


def printer_for(rt: ResourceType) -> Printer:
    return GROUP_PRINTERS.get((rt.group, rt.kind)) or PRINTERS.get(rt.kind, DEFAULT_PRINTER)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

def _embedded_object(rt: ResourceType, obj: dict, include_object: str) -> dict | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        full = {"kind": rt.kind, "apiVersion": rt.group_version}
        full.update(obj)
        return full
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION,
            "metadata": copy.deepcopy(meta_of(obj))}


def to_table(rt: ResourceType, objects: list[dict], *, now: float, include_object: str = "Metadata",
             list_meta: dict | None = None, with_column_definitions: bool = True) -> dict:
    """A ``meta.k8s.io/v1`` Table of ``objects`` (a list, or a one-item list for a single GET).

    ``include_object`` is the ``includeObject`` query parameter: ``Metadata`` (the default, a
    PartialObjectMetadata per row, which kubectl needs for ``-A``, ``--show-labels`` and
    sorting), ``Object`` (the full object, sent by ``--sort-by``) or ``None``. Anything else
    is upstream's 400. ``list_meta`` supplies ``resourceVersion``/``continue``.
    """
    include_object = include_object or "Metadata"
    if include_object not in INCLUDE_OBJECT_VALUES:
        raise errors.bad_request(f'unrecognized includeObject value: "{include_object}"')
    printer = printer_for(rt)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer.row(obj, now)}
        conditions = printer.conditions(obj) if printer.conditions else []
        if conditions:
            row["conditions"] = conditions
        embedded = _embedded_object(rt, obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    metadata = {k: v for k, v in (list_meta or {}).items()
                if k in ("resourceVersion", "continue", "remainingItemCount") and v not in (None, "")}
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": metadata,
        "columnDefinitions": [dict(c) for c in printer.columns] if with_column_definitions else [],
        "rows": rows,
    }


_ROW_EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")


def table_row_event(event: dict, rt: ResourceType, now: float, include_object: str = "Metadata") -> dict:
    """A watch event whose object becomes a one-row Table without column definitions.

    kubectl reuses the headers of the list it printed first (wire doc §4.2). ERROR and
    BOOKMARK events pass through unchanged.
    """
    if event.get("type") not in _ROW_EVENT_TYPES:
        return event
    obj = event.get("object") or {}
    if obj.get("kind") == "Table" and obj.get("apiVersion", "").startswith("meta.k8s.io/"):
        return event
    resource_version = meta_of(obj).get("resourceVersion")
    table = to_table(rt, [obj], now=now, include_object=include_object,
                     list_meta={"resourceVersion": resource_version}, with_column_definitions=False)
    return {"type": event["type"], "object": table}
