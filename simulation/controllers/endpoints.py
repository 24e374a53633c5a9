"""The endpoints controller, as upstream's ``pkg/controller/endpoint``.

For every Service with a selector it keeps an Endpoints object of the same name listing the
pods the selector picks: ready pods' IPs in ``addresses``, the others in
``notReadyAddresses`` (all in ``addresses`` when the Service publishes not-ready addresses),
each with its ``nodeName`` and a ``targetRef`` to the pod. Ports come from the Service's ports,
``targetPort`` resolved against the pod's container ports when it is a name. Addresses
offering the same ports share a subset (upstream's ``RepackSubsets``).

Pods that finished (Succeeded/Failed), have no IP yet, or are being deleted are left out.
Services without a selector are left alone (their Endpoints are written by hand), as are
ExternalName Services. When a Service goes, its Endpoints go too.

A pod change re-syncs only the Services whose selector picks the pod (before or after the
change) and only when something an endpoint shows changed: readiness, IPs, deletion,
labels, hostname/subdomain.
"""
from __future__ import annotations

from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import get_condition, is_pod_ready, selector_matches

#: Upstream's ``maxCapacity``: addresses beyond it are truncated.
MAX_CAPACITY = 1000
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"
LAST_CHANGE_TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS_SERVICE_LABEL = "service.kubernetes.io/headless"
LEADER_ELECTION_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"


def should_pod_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """Upstream's ``ShouldPodBeInEndpoints``."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def find_port(pod: dict, service_port: dict) -> int | None:
    """Upstream's ``podutil.FindPort``: a numeric targetPort as it is, a named one looked up
    among the containers' ports with the same protocol."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def endpoint_address(pod: dict, service: dict) -> dict:
    meta = pod["metadata"]
    status = pod.get("status") or {}
    ip = status.get("podIP") or ((status.get("podIPs") or [{}])[0]).get("ip", "")
    address: dict = {"ip": ip}
    spec = pod.get("spec") or {}
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"] and \
            meta.get("namespace") == service["metadata"].get("namespace"):
        address["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta["name"],
                            "uid": meta.get("uid", "")}
    return address


def _port_key(port: dict) -> tuple:
    return (port.get("name", ""), port.get("port"), port.get("protocol", ""), port.get("appProtocol", ""))


def _address_key(address: dict) -> tuple:
    return (address.get("ip", ""), (address.get("targetRef") or {}).get("uid", ""))


def repack_subsets(subsets: list[dict]) -> list[dict]:
    """Upstream's ``RepackSubsets``: group addresses by the exact set of ports they offer; an
    address not ready on any port is not ready. Sorted by address, then port (upstream sorts
    by hashes, an order no reader relies on)."""
    addresses: dict[tuple, dict] = {}
    port_to_ready: dict[tuple, dict[tuple, bool]] = {}
    ports_by_key: dict[tuple, dict] = {}
    for subset in subsets:
        ports = subset.get("ports") or [{"port": -1}]  # a sentinel keeps port-less addresses
        for port in ports:
            pk = _port_key(port)
            ports_by_key.setdefault(pk, port)
            for ready_field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in subset.get(ready_field) or []:
                    ak = _address_key(address)
                    addresses.setdefault(ak, address)
                    seen = port_to_ready.setdefault(pk, {})
                    if ak not in seen or seen[ak]:
                        seen[ak] = ready
    groups: dict[tuple, list[tuple]] = {}
    for pk, ready_by_address in port_to_ready.items():
        signature = tuple(sorted(ready_by_address.items()))
        groups.setdefault(signature, [])
        if ports_by_key[pk].get("port", 0) > 0:
            groups[signature].append(pk)
    out = []
    for signature, port_keys in groups.items():
        subset: dict = {}
        ready = [addresses[ak] for ak, r in signature if r]
        not_ready = [addresses[ak] for ak, r in signature if not r]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if port_keys:
            subset["ports"] = [ports_by_key[pk] for pk in sorted(port_keys, key=lambda k: tuple(map(str, k)))]
        out.append(subset)

    def by_ip(address: dict) -> tuple:
        return tuple(int(x) if x.isdigit() else 0 for x in address.get("ip", "").split("."))

    for subset in out:
        for key in ("addresses", "notReadyAddresses"):
            if key in subset:
                subset[key].sort(key=lambda a: (by_ip(a), _address_key(a)))
    out.sort(key=lambda s: (by_ip((s.get("addresses") or s.get("notReadyAddresses") or [{}])[0]),
                            [tuple(map(str, _port_key(p))) for p in s.get("ports") or []]))
    return out


def _without_target_ref_version(subsets: list[dict]) -> list[dict]:
    out = []
    for subset in subsets or []:
        copy = dict(subset)
        for key in ("addresses", "notReadyAddresses"):
            if key in copy:
                copy[key] = [dict(a, targetRef={k: v for k, v in (a.get("targetRef") or {}).items()
                                                if k != "resourceVersion"}) if "targetRef" in a else a
                             for a in copy[key]]
        out.append(copy)
    return out


class EndpointController(Controller):
    name = "endpoint"
    event_source = "endpoint-controller"

    def setup(self) -> None:
        self.services = self.manager.informer("services")
        self.pods = self.manager.informer("pods")
        self.endpoints = self.manager.informer("endpoints")
        self.services.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_event_handler(self._add_pod, self._update_pod, self._delete_pod)
        self.endpoints.add_event_handler(self._check_leftover, None, self._endpoints_deleted)
        self.trigger_times = TriggerTimeTracker()

    # ----------------------------------------------------------------- handlers
    def _services_for(self, pod: dict) -> set[str]:
        namespace = pod["metadata"].get("namespace", "")
        labels = pod["metadata"].get("labels") or {}
        out = set()
        for service in self.services.lister.list(namespace):
            selector = (service.get("spec") or {}).get("selector")
            if selector is None:
                continue
            if selector_matches(selector, labels):
                out.add(f"{namespace}/{service['metadata']['name']}")
        return out

    def _add_pod(self, pod: dict) -> None:
        for key in self._services_for(pod):
            self.queue.add(key)

    def _update_pod(self, old: dict, new: dict) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return  # a resync: nothing changed
        labels_changed = (old["metadata"].get("labels") or {}) != (new["metadata"].get("labels") or {}) or \
            [(p.get("spec") or {}).get(f) for p in (old,) for f in ("hostname", "subdomain")] != \
            [(p.get("spec") or {}).get(f) for p in (new,) for f in ("hostname", "subdomain")]
        old_status, new_status = old.get("status") or {}, new.get("status") or {}
        pod_changed = (old["metadata"].get("deletionTimestamp") != new["metadata"].get("deletionTimestamp")
                       or is_pod_ready(old) != is_pod_ready(new)
                       or old_status.get("podIP") != new_status.get("podIP")
                       or [i.get("ip") for i in old_status.get("podIPs") or []]
                       != [i.get("ip") for i in new_status.get("podIPs") or []]
                       or old_status.get("phase") != new_status.get("phase"))
        if not pod_changed and not labels_changed:
            return
        services = self._services_for(new)
        if labels_changed:
            before = self._services_for(old)
            services = (services | before) if pod_changed else (services ^ before)
        for key in sorted(services):
            self.queue.add(key)

    def _delete_pod(self, pod: dict) -> None:
        for key in self._services_for(pod):
            self.queue.add(key)

    def _check_leftover(self, endpoints: dict) -> None:
        """Upstream's ``checkLeftoverEndpoints``: Endpoints whose Service is gone get a sync
        (and are deleted); leader-election records are not ours."""
        if LEADER_ELECTION_ANNOTATION in (endpoints["metadata"].get("annotations") or {}):
            return
        key = f"{endpoints['metadata'].get('namespace', '')}/{endpoints['metadata']['name']}"
        if self.services.lister.get_by_key(key) is None:
            self.queue.add(key)

    def _endpoints_deleted(self, endpoints: dict) -> None:
        key = f"{endpoints['metadata'].get('namespace', '')}/{endpoints['metadata']['name']}"
        if self.services.lister.get_by_key(key) is not None:
            self.queue.add(key)

    # ----------------------------------------------------------------- the worker
    def sync_handler(self, key: str) -> str | None:
        namespace, name = key.split("/", 1)
        service = self.services.lister.get(namespace, name)
        if service is None:
            self.trigger_times.forget(key)
            try:
                self.client.delete("endpoints", namespace, name)
            except APIError as exc:
                if is_not_found(exc):
                    return f"The endpoints controller sees Service {name} gone, and no Endpoints left: nothing to do"
                raise
            return f"The endpoints controller sees Service {name} gone: it deletes its Endpoints"
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return f"The endpoints controller leaves ExternalName Service {name} alone"
        if spec.get("selector") is None:
            return (f"The endpoints controller leaves Service {name} alone: it has no selector, so its Endpoints are "
                    "managed by hand")
        selector = spec["selector"]
        pods = sorted(self.pods.lister.list(namespace, lambda p: selector_matches(
            selector, p["metadata"].get("labels"))), key=lambda p: p["metadata"]["name"])
        trigger_time = self.trigger_times.compute(key, service, pods)
        publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
        subsets: list[dict] = []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, publish_not_ready):
                continue
            address = endpoint_address(pod, service)
            ready = publish_not_ready or is_pod_ready(pod)
            field = "addresses" if ready else "notReadyAddresses"
            service_ports = spec.get("ports") or []
            if not service_ports:
                if spec.get("clusterIP") == "None":
                    subsets.append({field: [address], "ports": []})
                continue
            for service_port in service_ports:
                number = find_port(pod, service_port)
                if number is None:
                    continue
                port = {"port": number, "protocol": service_port.get("protocol") or "TCP"}
                if service_port.get("name"):
                    port = {"name": service_port["name"], **port}
                if service_port.get("appProtocol"):
                    port["appProtocol"] = service_port["appProtocol"]
                subsets.append({field: [address], "ports": [port]})
        subsets = repack_subsets(subsets)
        ready_count = len({_address_key(a) for s in subsets for a in s.get("addresses") or []})
        not_ready_count = len({_address_key(a) for s in subsets for a in s.get("notReadyAddresses") or []})
        current = self.endpoints.lister.get(namespace, name)
        labels = dict(service["metadata"].get("labels") or {})
        if current is not None:
            current_labels = {k: v for k, v in (current["metadata"].get("labels") or {}).items()
                              if k != HEADLESS_SERVICE_LABEL}
            annotations = current["metadata"].get("annotations") or {}
            capacity_ok = (OVER_CAPACITY_ANNOTATION in annotations) == (
                sum(len(s.get("addresses") or []) + len(s.get("notReadyAddresses") or [])
                    for s in current.get("subsets") or []) > MAX_CAPACITY)
            if _without_target_ref_version(current.get("subsets") or []) == subsets and current_labels == labels \
                    and capacity_ok:
                return (f"The endpoints controller checks Service {name}: its Endpoints already list "
                        f"{_count(ready_count, not_ready_count)}")
            new = self.copy(current)
        else:
            new = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        new["subsets"] = subsets
        meta = new["metadata"]
        annotations = dict(meta.get("annotations") or {})
        if trigger_time is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = rfc3339(trigger_time)
        else:
            annotations.pop(LAST_CHANGE_TRIGGER_TIME_ANNOTATION, None)
        if _truncate(new):
            annotations[OVER_CAPACITY_ANNOTATION] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY_ANNOTATION, None)
        meta["annotations"] = annotations
        if not spec.get("clusterIP") or spec.get("clusterIP") == "None":
            labels[HEADLESS_SERVICE_LABEL] = ""
        meta["labels"] = labels
        try:
            if current is None:
                self.client.create("endpoints", new, namespace)
            else:
                self.client.update("endpoints", new)
        except APIError as exc:
            if current is None and exc.code == 403 and any(
                    c.get("reason") == "NamespaceTerminating"
                    for c in (exc.status.get("details") or {}).get("causes") or []):
                return f"The endpoints controller cannot create Endpoints {name}: namespace {namespace} is terminating"
            if current is None:
                self.recorder.event(new, "Warning", "FailedToCreateEndpoint",
                                    f"Failed to create endpoint for service {namespace}/{name}: {exc}")
            else:
                self.recorder.event(new, "Warning", "FailedToUpdateEndpoint",
                                    f"Failed to update endpoint {namespace}/{name}: {exc}")
            raise
        verb = "creates" if current is None else "updates"
        return f"The endpoints controller {verb} Endpoints {name}: {_count(ready_count, not_ready_count)}"


class TriggerTimeTracker:
    """Upstream's ``TriggerTimeTracker`` (shared by the endpoints and endpointslice controllers):
    per Service, the trigger times last seen, so each sync can say what triggered it."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[dict[str, float], float]] = {}

    def forget(self, key: str) -> None:
        self._state.pop(key, None)

    def compute(self, key: str, service: dict, pods: list[dict]) -> float | None:
        """Upstream's ``ComputeEndpointLastChangeTriggerTime``: the Service's creation for a new
        Service, else the earliest of the trigger times (Ready transitions) that changed."""
        pod_times: dict[str, float] = {}
        earliest: float | None = None
        state = self._state.get(key)
        last_pods, last_service = state if state else ({}, 0.0)
        for pod in pods:
            condition = get_condition((pod.get("status") or {}).get("conditions"), "Ready")
            when = parse_time(condition.get("lastTransitionTime")) if condition else None
            if when is None:
                continue
            pod_times[pod["metadata"]["name"]] = when
            if when > last_pods.get(pod["metadata"]["name"], 0.0):
                earliest = when if earliest is None else min(earliest, when)
        created = parse_time(service["metadata"].get("creationTimestamp")) or 0.0
        if created > last_service:
            earliest = created if earliest is None else min(earliest, created)
        self._state[key] = (pod_times, created)
        if state is None:
            return created or None
        return earliest


def _truncate(endpoints: dict) -> bool:
    """Upstream's ``truncateEndpoints``: keep at most MAX_CAPACITY addresses, ready first."""
    subsets = endpoints.get("subsets") or []
    total = sum(len(s.get("addresses") or []) + len(s.get("notReadyAddresses") or []) for s in subsets)
    if total <= MAX_CAPACITY:
        return False
    budget = MAX_CAPACITY
    for field in ("addresses", "notReadyAddresses"):
        for subset in subsets:
            kept = (subset.get(field) or [])[:budget]
            budget -= len(kept)
            if field in subset:
                subset[field] = kept
    return True


def _count(ready: int, not_ready: int) -> str:
    return f"{ready} ready pod address(es), {not_ready} not ready"
