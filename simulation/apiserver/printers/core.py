"""Printers of the core/v1 kinds (pods, nodes, namespaces, services, endpoints, events,
configmaps, secrets, service accounts, resource quotas, component statuses): their columns and
one small function per kind from an object to its cells, as upstream's
``pkg/printers/internalversion/printers.go`` prints them."""
from __future__ import annotations

import ipaddress
from typing import Any

from simulation.apimachinery import quantity
from simulation.apimachinery.timestamps import human_duration, parse_time, translate_timestamp_since

from .columns import AGE, NAME, NAME_DOC, age_of, column, format_labels, meta_of, name_of, selector_column

# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

POD_COLUMNS = (
    NAME,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column("Restarts", "The number of times the containers in this pod have been restarted and when the last "
                       "container in this pod has restarted."),
    AGE,
    column("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
                 "allocated.", priority=1),
    column("Node", "NodeName indicates in which node this pod is scheduled.", priority=1),
    column("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
                             "cannot be scheduled right away as preemption victims receive their graceful "
                             "termination periods.", priority=1),
    column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", priority=1),
)

NODE_COLUMNS = (
    NAME,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    AGE,
    column("Version", "Kubelet Version reported by the node."),
    column("Internal-IP", "List of addresses reachable to the node.", priority=1),
    column("External-IP", "List of addresses reachable to the node.", priority=1),
    column("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
         priority=1),
    column("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
         priority=1),
    column("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API "
                                "(e.g. containerd://1.4.2).", priority=1),
)

NAMESPACE_COLUMNS = (NAME, column("Status", "The status of the namespace"), AGE)

SERVICE_COLUMNS = (
    NAME,
    column("Type", "type determines how the Service is exposed."),
    column("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
    column("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
                          "traffic for this service."),
    column("Port(s)", "The list of ports that are exposed by this service."),
    AGE,
    selector_column("Route service traffic to pods with label keys and values matching this selector."),
)

ENDPOINTS_COLUMNS = (
    NAME,
    column("Endpoints", "The set of all endpoints is the union of all subsets."),
    AGE,
)

EVENT_COLUMNS = (
    column("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
    column("Reason", "This should be a short, machine understandable string that gives the reason for the "
                     "transition into the object's current status."),
    column("Object", "The object that this event is about."),
    column("Subobject", "If referring to a piece of an object instead of an entire object, this string should "
                        "contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
         priority=1),
    column("Source", "The component reporting this event. Should be a short machine understandable string.",
         priority=1),
    column("Message", "A human-readable description of the status of this operation."),
    column("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
         priority=1),
    column("Count", "The number of times this event has occurred.", priority=1),
    column("Name", NAME_DOC, fmt="name", priority=1),
)

CONFIGMAP_COLUMNS = (NAME, column("Data", "Data contains the configuration data."), AGE)

SECRET_COLUMNS = (
    NAME,
    column("Type", "Used to facilitate programmatic handling of secret data."),
    column("Data", "Data contains the secret data."),
    AGE,
)

SERVICEACCOUNT_COLUMNS = (
    NAME,
    column("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this "
                      "ServiceAccount are allowed to use."),
    AGE,
)

RESOURCEQUOTA_COLUMNS = (
    NAME,
    column("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
    column("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of "
                    "contention on the node."),
    AGE,
)

COMPONENTSTATUS_COLUMNS = (
    NAME,
    column("Status", "Status of the component conditions"),
    column("Message", "Message of the component conditions"),
    column("Error", "Error of the component conditions"),
)


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
    meta, spec, status = meta_of(pod), pod.get("spec") or {}, pod.get("status") or {}
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


def print_pod(pod: dict, now: float) -> list:
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
    return [name_of(pod), f"{ready}/{total}", reason, restarts_cell, age_of(pod, now),
            pod_ip, spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", readiness_gates]


def pod_row_conditions(pod: dict) -> list[dict]:
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


def print_node(node: dict, now: float) -> list:
    status = node.get("status") or {}
    states = []
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [name_of(node), ",".join(states), _node_roles(meta_of(node).get("labels") or {}), age_of(node, now),
            info.get("kubeletVersion", ""),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def print_namespace(ns: dict, now: float) -> list:
    return [name_of(ns), (ns.get("status") or {}).get("phase", ""), age_of(ns, now)]


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


def print_service(svc: dict, now: float) -> list:
    spec = svc.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [name_of(svc), spec.get("type", "ClusterIP"), cluster_ips[0] if cluster_ips else "<none>",
            _service_external_ip(svc), _service_ports(spec.get("ports") or []), age_of(svc, now),
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


def print_endpoints(ep: dict, now: float) -> list:
    return [name_of(ep), format_endpoints(ep), age_of(ep, now)]


def _event_source(event: dict) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def print_event(event: dict, now: float) -> list:
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
            _event_source(event), (event.get("message") or "").strip(), first_seen, count, name_of(event)]


def print_configmap(cm: dict, now: float) -> list:
    return [name_of(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), age_of(cm, now)]


def print_secret(secret: dict, now: float) -> list:
    return [name_of(secret), secret.get("type") or "Opaque", len(secret.get("data") or {}), age_of(secret, now)]


def print_serviceaccount(sa: dict, now: float) -> list:
    return [name_of(sa), len(sa.get("secrets") or []), age_of(sa, now)]


def _canonical_quantity(value: Any) -> str:
    try:
        return quantity.canonical(value)
    except (quantity.QuantityError, ValueError, TypeError):
        return str(value)


def print_resourcequota(quota: dict, now: float) -> list:
    """``pods: 1/10, requests.cpu: 500m/2``; resources named ``limits.*`` go to the Limit column."""
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for resource in sorted(hard):
        cells = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        cells.append(f"{resource}: {_canonical_quantity(used.get(resource, '0'))}/"
                     f"{_canonical_quantity(hard[resource])}")
    return [name_of(quota), ", ".join(requests), ", ".join(limits), age_of(quota, now)]


def print_componentstatus(cs: dict, now: float) -> list:
    status, message, error = "Unknown", "", ""
    for condition in cs.get("conditions") or []:
        if condition.get("type") == "Healthy":
            status = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            message, error = condition.get("message", ""), condition.get("error", "")
            break
    return [name_of(cs), status, message, error]
