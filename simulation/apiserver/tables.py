"""Server-side printing: the ``meta.k8s.io/v1`` Tables that ``kubectl get`` prints.

kubectl has no column printers of its own: unless the server answers an
``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` request with a Table, it prints
only ``NAME AGE`` (wire doc §3). kube-apiserver builds those Tables with the printers in
``pkg/printers/internalversion/printers.go``; this module reproduces their columns and
cells for the kinds served here:

* :data:`PRINTERS` maps a kind to its column definitions and a small row function. The
  server always prints *wide* (upstream's ``TableConvertor`` passes ``Wide: true``); columns
  with ``priority: 1`` are the ones kubectl shows only with ``-o wide``.
* Kinds without a printer upstream (Role, ClusterRole, LimitRange, ...) get the generic
  registry's default convertor: ``Name`` and ``Created At`` (an RFC 3339 date).
* Ages are upstream's ``duration.HumanDuration`` of ``now - timestamp``: ``90s``, ``3m12s``,
  ``60m``, ``5h10m``, ``2d3h``; ``<unknown>`` when the timestamp is missing and
  ``<invalid>`` when it is more than a second in the future.

Number cells are JSON numbers, as upstream's ``int64`` cells are; kubectl prints cells verbatim.
"""
from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from simulation.apimachinery import quantity, selectors
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import parse_time

from . import errors

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
# Time and small formatters (upstream's duration.HumanDuration, labels.FormatLabels, ...)
# --------------------------------------------------------------------------------------------

def _parse_datetime(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def human_duration(seconds: float) -> str:
    """Upstream's ``duration.HumanDuration``: about two significant figures of a duration."""
    whole = int(seconds)  # Go's int(d.Seconds()) truncates toward zero
    if whole < -1:
        return "<invalid>"  # more than a second in the future: clock skew beyond tolerance
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def translate_timestamp_since(value: Any, now: float) -> str:
    """An age cell: ``human_duration(now - value)``, or ``<unknown>`` without a timestamp."""
    at = parse_time(value)
    if at is None:
        return "<unknown>"
    return human_duration(now - at)


def _rfc3339_utc(value: Any) -> str:
    """The default convertor's ``Created At`` cell; Go's zero time when missing."""
    at = _parse_datetime(value)
    if at is None:
        return "0001-01-01T00:00:00Z"
    at = at.astimezone(timezone.utc)
    return f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}Z"


def format_labels(labels: dict | None) -> str:
    """``labels.FormatLabels``: ``k=v,k2=v2`` sorted by key, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_label_selector(selector: dict | None) -> str:
    """``metav1.FormatLabelSelector``: the selector's text, ``<none>`` when empty."""
    try:
        text = str(selectors.from_label_selector_object(selector))
    except ValueError:
        return "<error>"
    return text or "<none>"


def _container_cells(pod_spec: dict | None) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, each comma-joined."""
    containers = (pod_spec or {}).get("containers") or []
    return (",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers))


def _template_spec(obj: dict) -> dict:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _name(obj: dict) -> str:
    return _meta(obj).get("name", "")


def _age(obj: dict, now: float) -> str:
    return translate_timestamp_since(_meta(obj).get("creationTimestamp"), now)


# --------------------------------------------------------------------------------------------
# Column definitions
# --------------------------------------------------------------------------------------------

def _col(name: str, description: str, type_: str = "string", *, fmt: str = "", priority: int = 0) -> dict:
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


_NAME_DOC = ("Name must be unique within a namespace. Is required when creating resources, although some "
             "resources may allow a client to request the generation of a name automatically. Name is primarily "
             "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
             "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_AGE_DOC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is "
            "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
            "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. "
            "Null for lists. More info: "
            "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")

NAME = _col("Name", _NAME_DOC, fmt="name")
AGE = _col("Age", _AGE_DOC)
CONTAINERS = _col("Containers", "Names of each container in the template.", priority=1)
IMAGES = _col("Images", "Images referenced by each container in the template.", priority=1)


def _selector(doc: str) -> dict:
    return _col("Selector", doc, priority=1)


POD_COLUMNS = (
    NAME,
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "The aggregate status of the containers in this pod."),
    _col("Restarts", "The number of times the containers in this pod have been restarted and when the last "
                     "container in this pod has restarted."),
    AGE,
    _col("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
               "allocated.", priority=1),
    _col("Node", "NodeName indicates in which node this pod is scheduled.", priority=1),
    _col("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
                           "cannot be scheduled right away as preemption victims receive their graceful "
                           "termination periods.", priority=1),
    _col("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", priority=1),
)

NODE_COLUMNS = (
    NAME,
    _col("Status", "The status of the node"),
    _col("Roles", "The roles of the node"),
    AGE,
    _col("Version", "Kubelet Version reported by the node."),
    _col("Internal-IP", "List of addresses reachable to the node.", priority=1),
    _col("External-IP", "List of addresses reachable to the node.", priority=1),
    _col("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
         priority=1),
    _col("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
         priority=1),
    _col("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API "
                              "(e.g. containerd://1.4.2).", priority=1),
)

NAMESPACE_COLUMNS = (NAME, _col("Status", "The status of the namespace"), AGE)

DEPLOYMENT_COLUMNS = (
    NAME,
    _col("Ready", "Number of the pod with ready state"),
    _col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired "
                       "template spec."),
    _col("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this "
                      "deployment."),
    AGE,
    CONTAINERS,
    IMAGES,
    _selector("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones "
              "affected by this deployment."),
)

REPLICASET_COLUMNS = (
    NAME,
    _col("Desired", "Replicas is the number of desired replicas.", "integer"),
    _col("Current", "Replicas is the most recently observed number of replicas.", "integer"),
    _col("Ready", "The number of ready replicas for this replica set.", "integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    _selector("Selector is a label query over pods that should match the replica count."),
)

DAEMONSET_COLUMNS = (
    NAME,
    _col("Desired", "The total number of nodes that should be running the daemon pod (including nodes "
                    "correctly running the daemon pod).", "integer"),
    _col("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
                    "daemon pod.", "integer"),
    _col("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon "
                  "pod running and ready.", "integer"),
    _col("Up-to-date", "The total number of nodes that are running updated daemon pod", "integer"),
    _col("Available", "The number of nodes that should be running the daemon pod and have one or more of the "
                      "daemon pod running and available (ready for at least spec.minReadySeconds)", "integer"),
    _col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
    AGE,
    CONTAINERS,
    IMAGES,
    _selector("A label query over pods that are managed by the daemon set."),
)

SERVICE_COLUMNS = (
    NAME,
    _col("Type", "type determines how the Service is exposed."),
    _col("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
    _col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
                        "traffic for this service."),
    _col("Port(s)", "The list of ports that are exposed by this service."),
    AGE,
    _selector("Route service traffic to pods with label keys and values matching this selector."),
)

ENDPOINTS_COLUMNS = (
    NAME,
    _col("Endpoints", "The set of all endpoints is the union of all subsets."),
    AGE,
)

EVENT_COLUMNS = (
    _col("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
    _col("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
    _col("Reason", "This should be a short, machine understandable string that gives the reason for the "
                   "transition into the object's current status."),
    _col("Object", "The object that this event is about."),
    _col("Subobject", "If referring to a piece of an object instead of an entire object, this string should "
                      "contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
         priority=1),
    _col("Source", "The component reporting this event. Should be a short machine understandable string.",
         priority=1),
    _col("Message", "A human-readable description of the status of this operation."),
    _col("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
         priority=1),
    _col("Count", "The number of times this event has occurred.", priority=1),
    _col("Name", _NAME_DOC, fmt="name", priority=1),
)

CONFIGMAP_COLUMNS = (NAME, _col("Data", "Data contains the configuration data."), AGE)

SECRET_COLUMNS = (
    NAME,
    _col("Type", "Used to facilitate programmatic handling of secret data."),
    _col("Data", "Data contains the secret data."),
    AGE,
)

SERVICEACCOUNT_COLUMNS = (
    NAME,
    _col("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this "
                    "ServiceAccount are allowed to use."),
    AGE,
)

RESOURCEQUOTA_COLUMNS = (
    NAME,
    _col("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
    _col("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of "
                  "contention on the node."),
    AGE,
)

COMPONENTSTATUS_COLUMNS = (
    NAME,
    _col("Status", "Status of the component conditions"),
    _col("Message", "Message of the component conditions"),
    _col("Error", "Error of the component conditions"),
)

LEASE_COLUMNS = (
    NAME,
    _col("Holder", "holderIdentity contains the identity of the holder of a current lease."),
    AGE,
)


def _binding_columns(what: str) -> tuple[dict, ...]:
    return (
        NAME,
        _col("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
                     "namespace."),
        AGE,
        _col("Users", f"Users in the {what}", priority=1),
        _col("Groups", f"Groups in the {what}", priority=1),
        _col("ServiceAccounts", f"ServiceAccounts in the {what}", priority=1),
    )


#: The generic registry's default convertor, for kinds without a printer (Role, LimitRange, ...).
DEFAULT_COLUMNS = (NAME, _col("Created At", _AGE_DOC, "date"))


# --------------------------------------------------------------------------------------------
# Rows, one small function per kind: (object, now) -> cells
# --------------------------------------------------------------------------------------------

def _is_sidecar(container: dict | None) -> bool:
    """An init container with ``restartPolicy: Always`` runs for the pod's life (a sidecar)."""
    return bool(container) and container.get("restartPolicy") == "Always"


def _last_termination(status: dict) -> float | None:
    terminated = (status.get("lastState") or {}).get("terminated")
    return parse_time(terminated.get("finishedAt")) if terminated is not None else None


def _later(current: float | None, candidate: float | None) -> float | None:
    if candidate is not None and (current is None or current < candidate):
        return candidate
    return current


def _exit_reason(terminated: dict, prefix: str = "") -> str:
    """A terminated container's reason, else ``Signal:N`` / ``ExitCode:N``."""
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _first_condition_true(conditions: list[dict], condition_type: str) -> bool:
    for condition in conditions:
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


def pod_status_reason(pod: dict) -> tuple[str, int, int, int, float | None]:
    """Upstream ``printPod``'s computed status: ``(reason, ready, total, restarts, last restart)``."""
    meta, spec, status = _meta(pod), pod.get("spec") or {}, pod.get("status") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_containers = spec.get("initContainers") or []
    init_specs = {c.get("name"): c for c in init_containers}
    total = len(spec.get("containers") or []) + sum(1 for c in init_containers if _is_sidecar(c))
    ready = 0
    restarts, last_restart = 0, None
    sidecar_restarts, last_sidecar_restart = 0, None

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount") or 0
        last_restart = _later(last_restart, _last_termination(cs))
        sidecar = _is_sidecar(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += cs.get("restartCount") or 0
            last_sidecar_restart = _later(last_sidecar_restart, _last_termination(cs))
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and (terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = _exit_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_containers)}"
        initializing = True
        break

    if not initializing or _first_condition_true(conditions, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount") or 0
            last_restart = _later(last_restart, _last_termination(cs))
            state = cs.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _exit_reason(terminated)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A container that completed while another still runs: the pod is still running.
        if reason == "Completed" and has_running:
            ready_condition = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
            reason = "Running" if ready_condition else "NotReady"

    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def _pod_row(pod: dict, now: float) -> list:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason, ready, total, restarts, last_restart = pod_status_reason(pod)
    restarts_cell = str(restarts)
    if restarts and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration(now - last_restart)} ago)"

    pod_ips = status.get("podIPs") or []
    pod_ip = (pod_ips[0].get("ip") if pod_ips else status.get("podIP")) or "<none>"
    gates = spec.get("readinessGates") or []
    readiness_gates = "<none>"
    if gates:
        conditions = status.get("conditions") or []
        met = sum(1 for g in gates if _first_condition_true(conditions, g.get("conditionType")))
        readiness_gates = f"{met}/{len(gates)}"
    return [_name(pod), f"{ready}/{total}", reason, restarts_cell, _age(pod, now),
            pod_ip, spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", readiness_gates]


def _pod_conditions(pod: dict) -> list[dict]:
    """Row conditions upstream attaches to finished pods (kubectl uses them to tell completed rows)."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded",
                 "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    return []


def _node_roles(labels: dict) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/"):]:
            roles.add(key[len("node-role.kubernetes.io/"):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: dict, address_type: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == address_type:
            return address.get("address", "")
    return "<none>"


def _node_row(node: dict, now: float) -> list:
    status = node.get("status") or {}
    states = []
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [_name(node), ",".join(states), _node_roles(_meta(node).get("labels") or {}), _age(node, now),
            info.get("kubeletVersion", ""),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _namespace_row(ns: dict, now: float) -> list:
    return [_name(ns), (ns.get("status") or {}).get("phase", ""), _age(ns, now)]


def _replicas(spec: dict) -> int:
    """``spec.replicas``, which API defaulting sets to 1 when unset."""
    replicas = spec.get("replicas")
    return 1 if replicas is None else replicas


def _deployment_row(deploy: dict, now: float) -> list:
    spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
    desired = _replicas(spec)
    names, images = _container_cells(_template_spec(deploy))
    try:  # upstream prints selector.String() here, not FormatLabelSelector
        selector = str(selectors.from_label_selector_object(spec.get("selector")))
    except ValueError:
        selector = "<invalid>"
    return [_name(deploy), f"{status.get('readyReplicas', 0)}/{desired}", status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), _age(deploy, now), names, images, selector]


def _replicaset_row(rs: dict, now: float) -> list:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _container_cells(_template_spec(rs))
    return [_name(rs), _replicas(spec), status.get("replicas", 0), status.get("readyReplicas", 0),
            _age(rs, now), names, images, format_label_selector(spec.get("selector"))]


def _daemonset_row(ds: dict, now: float) -> list:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    pod_spec = _template_spec(ds)
    names, images = _container_cells(pod_spec)
    return [_name(ds), status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0), status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0), format_labels(pod_spec.get("nodeSelector")), _age(ds, now),
            names, images, format_label_selector(spec.get("selector"))]


def _load_balancer_ips(svc: dict) -> list[str]:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})


def _service_external_ip(svc: dict) -> str:
    spec = svc.get("spec") or {}
    svc_type = spec.get("type", "ClusterIP")
    external_ips = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if svc_type == "LoadBalancer":
        return ",".join(_load_balancer_ips(svc) + external_ips) or "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _service_ports(ports: list[dict]) -> str:
    pieces = []
    for port in ports:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces) or "<none>"


def _service_row(svc: dict, now: float) -> list:
    spec = svc.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [_name(svc), spec.get("type", "ClusterIP"), cluster_ips[0] if cluster_ips else "<none>",
            _service_external_ip(svc), _service_ports(spec.get("ports") or []), _age(svc, now),
            format_labels(spec.get("selector"))]


def _join_host_port(host: str, port: Any) -> str:
    """Go's ``net.JoinHostPort``: IPv6 hosts are bracketed."""
    try:
        is_v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        is_v6 = ":" in host
    return f"[{host}]:{port}" if is_v6 else f"{host}:{port}"


def format_endpoints(endpoints: dict, limit: int = 3) -> str:
    """``formatEndpoints``: up to three ``ip:port`` entries, then ``+ N more...``."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        # Headless services may have no ports: list bare addresses.
        for port in ports or [None]:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    break
                shown.append(ip if port is None else _join_host_port(ip, port.get("port")))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if count > limit else text


def _endpoints_row(ep: dict, now: float) -> list:
    return [_name(ep), format_endpoints(ep), _age(ep, now)]


def _event_source(event: dict) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def _event_row(event: dict, now: float) -> list:
    if parse_time(event.get("firstTimestamp")) is not None:
        first_seen = translate_timestamp_since(event.get("firstTimestamp"), now)
    else:
        first_seen = translate_timestamp_since(event.get("eventTime"), now)
    last_seen = first_seen
    if parse_time(event.get("lastTimestamp")) is not None:
        last_seen = translate_timestamp_since(event.get("lastTimestamp"), now)
    count = event.get("count") or 0
    series = event.get("series")
    if series is not None:
        last_seen = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        count = 1  # singleton events from the events.k8s.io API carry no count
    involved = event.get("involvedObject") or {}
    target = (involved.get("kind") or "").lower()
    if involved.get("name"):
        target = f"{target}/{involved['name']}"
    return [last_seen, event.get("type", ""), event.get("reason", ""), target, involved.get("fieldPath", ""),
            _event_source(event), (event.get("message") or "").strip(), first_seen, count, _name(event)]


def _configmap_row(cm: dict, now: float) -> list:
    return [_name(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), _age(cm, now)]


def _secret_row(secret: dict, now: float) -> list:
    return [_name(secret), secret.get("type") or "Opaque", len(secret.get("data") or {}), _age(secret, now)]


def _serviceaccount_row(sa: dict, now: float) -> list:
    return [_name(sa), len(sa.get("secrets") or []), _age(sa, now)]


def _canonical_quantity(value: Any) -> str:
    try:
        return quantity.canonical(value)
    except (quantity.QuantityError, ValueError, TypeError):
        return str(value)


def _resourcequota_row(quota: dict, now: float) -> list:
    """``pods: 1/10, requests.cpu: 500m/2``; resources named ``limits.*`` go to the Limit column."""
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for resource in sorted(hard):
        column = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        column.append(f"{resource}: {_canonical_quantity(used.get(resource, '0'))}/"
                      f"{_canonical_quantity(hard[resource])}")
    return [_name(quota), ", ".join(requests), ", ".join(limits), _age(quota, now)]


def _componentstatus_row(cs: dict, now: float) -> list:
    status, message, error = "Unknown", "", ""
    for condition in cs.get("conditions") or []:
        if condition.get("type") == "Healthy":
            status = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            message, error = condition.get("message", ""), condition.get("error", "")
            break
    return [_name(cs), status, message, error]


def _lease_row(lease: dict, now: float) -> list:
    return [_name(lease), (lease.get("spec") or {}).get("holderIdentity") or "", _age(lease, now)]


def _binding_row(binding: dict, now: float) -> list:
    """RoleBinding and ClusterRoleBinding: ``ClusterRole/edit``, then wide subject lists."""
    role_ref = binding.get("roleRef") or {}
    users, groups, service_accounts = [], [], []
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "ServiceAccount":
            service_accounts.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
        elif kind == "User":
            users.append(subject.get("name", ""))
        elif kind == "Group":
            groups.append(subject.get("name", ""))
    return [_name(binding), f"{role_ref.get('kind', '')}/{role_ref.get('name', '')}", _age(binding, now),
            ", ".join(users), ", ".join(groups), ", ".join(service_accounts)]


def _default_row(obj: dict, now: float) -> list:
    return [_name(obj), _rfc3339_utc(_meta(obj).get("creationTimestamp"))]


# --------------------------------------------------------------------------------------------
# The printer table
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Printer:
    columns: tuple[dict, ...]
    row: Callable[[dict, float], list]
    #: Optional ``TableRow.conditions`` (only pods have them upstream).
    conditions: Callable[[dict], list[dict]] | None = None


PRINTERS: dict[str, Printer] = {
    "Pod": Printer(POD_COLUMNS, _pod_row, _pod_conditions),
    "Node": Printer(NODE_COLUMNS, _node_row),
    "Namespace": Printer(NAMESPACE_COLUMNS, _namespace_row),
    "Deployment": Printer(DEPLOYMENT_COLUMNS, _deployment_row),
    "ReplicaSet": Printer(REPLICASET_COLUMNS, _replicaset_row),
    "DaemonSet": Printer(DAEMONSET_COLUMNS, _daemonset_row),
    "Service": Printer(SERVICE_COLUMNS, _service_row),
    "Endpoints": Printer(ENDPOINTS_COLUMNS, _endpoints_row),
    "Event": Printer(EVENT_COLUMNS, _event_row),
    "ConfigMap": Printer(CONFIGMAP_COLUMNS, _configmap_row),
    "Secret": Printer(SECRET_COLUMNS, _secret_row),
    "ServiceAccount": Printer(SERVICEACCOUNT_COLUMNS, _serviceaccount_row),
    "ResourceQuota": Printer(RESOURCEQUOTA_COLUMNS, _resourcequota_row),
    "ComponentStatus": Printer(COMPONENTSTATUS_COLUMNS, _componentstatus_row),
    "Lease": Printer(LEASE_COLUMNS, _lease_row),
    "RoleBinding": Printer(_binding_columns("roleBinding"), _binding_row),
    "ClusterRoleBinding": Printer(_binding_columns("clusterRoleBinding"), _binding_row),
    # No printer upstream: Role, ClusterRole, LimitRange and the reviews use DEFAULT_PRINTER.
}
DEFAULT_PRINTER = Printer(DEFAULT_COLUMNS, _default_row)


def printer_for(rt: ResourceType) -> Printer:
    return PRINTERS.get(rt.kind, DEFAULT_PRINTER)


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
            "metadata": copy.deepcopy(_meta(obj))}


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
    resource_version = _meta(obj).get("resourceVersion")
    table = to_table(rt, [obj], now=now, include_object=include_object,
                     list_meta={"resourceVersion": resource_version}, with_column_definitions=False)
    return {"type": event["type"], "object": table}
