"""The Node object a kubelet registers and the status it keeps posting (upstream's
``pkg/kubelet/nodestatus`` setters), built from the machine's :class:`NodeSpec`, and the loop
that writes them (``kubelet_node_status.go`` and the ``nodelease`` controller).

* Capacity is the machine; allocatable is what pods may use: capacity less the default hard
  eviction thresholds (``memory.available<100Mi``, ``nodefs.available<10%``), since no
  kube-reserved or system-reserved is configured.
* Conditions carry upstream's reasons and messages ("kubelet is posting ready status");
  ``lastTransitionTime`` moves only when a condition's status does.
* ``status.images`` lists every image present with its size (the scheduler's ImageLocality
  scores with it).
* :class:`NodeStatusReporter` registers the Node (or re-registers an existing one), then renews
  the node Lease every 10 s (the heartbeat the node lifecycle controller watches) and posts the
  full status every 5 minutes, or soon after the images on the node changed. It shares nothing
  with the pods but that nudge, so it is its own object with its own timers.
"""
from __future__ import annotations

import hashlib
import uuid
from fractions import Fraction

from simulation.apimachinery.quantity import BINARY_SI, Quantity, format_quantity
from simulation.apimachinery.timestamps import rfc3339, rfc3339_micro
from simulation.client.apiclient import APIClient, APIError, is_conflict, is_not_found
from simulation.client.events import NORMAL, EventRecorder
from simulation.kernel import Kernel, Timer

from . import events
from .node_spec import NodeSpec
from .runtime import ContainerRuntime

#: The default hard eviction thresholds the kubelet keeps back from pods.
EVICTION_HARD_MEMORY_BYTES = 100 * 2 ** 20
EVICTION_HARD_NODEFS_FRACTION = Fraction(1, 10)
KUBELET_PORT = 10250
NODE_LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
#: Upstream renews the node Lease every quarter of its duration.
LEASE_RENEW_SECONDS = LEASE_DURATION_SECONDS / 4
#: With Leases, the kubelet posts an unchanged node status only this often (nodeStatusReportFrequency).
NODE_STATUS_REPORT_SECONDS = 300.0
#: A registration that failed is tried again after this long.
REGISTER_RETRY_SECONDS = 7.0

#: (type, status, reason, message) of a healthy node, in the order the kubelet reports them.
HEALTHY_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
#: The Events a kubelet records about its node when it starts (after "Starting").
STARTUP_NODE_EVENTS = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady")


def capacity(spec: NodeSpec) -> dict:
    return {"cpu": str(Quantity.parse(spec.cpu)), "ephemeral-storage": str(Quantity.parse(spec.ephemeral_storage)),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": str(Quantity.parse(spec.memory)),
            "pods": str(spec.pods)}


def allocatable(spec: NodeSpec) -> dict:
    """Capacity less the eviction thresholds, unless the spec says what the machine reports."""
    out = capacity(spec)
    memory = Quantity.parse(spec.memory).value - EVICTION_HARD_MEMORY_BYTES
    out["memory"] = format_quantity(max(memory, 0), BINARY_SI)
    storage = Quantity.parse(spec.ephemeral_storage).value
    out["ephemeral-storage"] = format_quantity(int(storage * (1 - EVICTION_HARD_NODEFS_FRACTION)))
    out.update({name: str(Quantity.parse(value)) for name, value in spec.allocatable.items()})
    return out


def conditions(old_node: dict | None, now: str) -> list[dict]:
    previous = {c.get("type"): c for c in ((old_node or {}).get("status") or {}).get("conditions") or []}
    out = []
    for type_, status, reason, message in HEALTHY_CONDITIONS:
        before = previous.get(type_)
        since = before.get("lastTransitionTime") if before and before.get("status") == status else now
        out.append({"type": type_, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": since,
                    "reason": reason, "message": message})
    return out


def machine_id(spec: NodeSpec) -> str:
    return str(uuid.UUID(hex=hashlib.sha256(f"machine {spec.name}".encode()).hexdigest()[:32]))


def node_status(spec: NodeSpec, images: list[dict], old_node: dict | None, now: str) -> dict:
    """The whole ``status`` the kubelet posts; ``images`` as :meth:`ContainerRuntime.images` lists them."""
    system_uuid = machine_id(spec)
    return {"capacity": capacity(spec), "allocatable": allocatable(spec), "conditions": conditions(old_node, now),
            "addresses": [{"type": "InternalIP", "address": spec.internal_ip},
                          {"type": "Hostname", "address": spec.name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
            "nodeInfo": {"architecture": spec.architecture, "bootID": system_uuid,
                         "containerRuntimeVersion": spec.container_runtime_version,
                         "kernelVersion": spec.kernel_version, "kubeProxyVersion": spec.kubelet_version,
                         "kubeletVersion": spec.kubelet_version, "machineID": system_uuid.replace("-", ""),
                         "operatingSystem": "linux", "osImage": spec.os_image, "systemUUID": system_uuid},
            "images": [{"names": img["names"], "sizeBytes": img["size"]} for img in images]}


def new_node(spec: NodeSpec, images: list[dict], now: str) -> dict:
    """The Node the kubelet creates when it registers for the first time."""
    node_spec: dict = {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]}
    if spec.taints:
        node_spec["taints"] = [dict(t) for t in spec.taints]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": spec.name, "labels": spec.labels,
                         "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": node_spec, "status": node_status(spec, images, None, now)}


def reconciled_node(spec: NodeSpec, existing: dict) -> dict:
    """An existing Node re-registered: our labels added, the pod CIDR filled in if missing."""
    node = dict(existing)
    meta = existing["metadata"]
    node["metadata"] = {**meta, "labels": {**(meta.get("labels") or {}), **spec.labels}}
    node["spec"] = {**(existing.get("spec") or {})}
    node["spec"].setdefault("podCIDR", spec.pod_cidr)
    node["spec"].setdefault("podCIDRs", [spec.pod_cidr])
    return node


def _beyond_heartbeat(status: dict) -> dict:
    """A node status without what every heartbeat moves (the conditions' ``lastHeartbeatTime``)."""
    return {**status, "conditions": [{k: v for k, v in c.items() if k != "lastHeartbeatTime"}
                                     for c in status.get("conditions") or []]}


class NodeStatusReporter:
    """The kubelet's Node writes, on the kubelet's kernel timers (``component``): registration,
    the Lease heartbeat and node status posts. A stopped kubelet makes a new one: a restarted
    process registers again."""

    def __init__(self, kernel: Kernel, client: APIClient, recorder: EventRecorder, spec: NodeSpec,
                 runtime: ContainerRuntime, *, node: str, component: str) -> None:
        self.kernel, self.client, self.recorder = kernel, client, recorder
        self.spec, self.runtime = spec, runtime
        self.node, self.component = node, component
        self.node_uid = ""
        self.registered = False
        self._lease: dict | None = None
        self._status_timer: Timer | None = None

    def start(self) -> None:
        self.kernel.schedule(0.0, self.register_with_api_server, component=self.component, action="register-node")

    def _node_ref(self) -> dict:
        return {"kind": "Node", "apiVersion": "", "metadata": {"name": self.node, "uid": self.node}}

    def _node_status(self, old: dict | None) -> dict:
        return node_status(self.spec, self.runtime.images(), old, rfc3339(self.kernel.wall_time()))

    def _retry_registration(self) -> None:
        self.kernel.schedule(REGISTER_RETRY_SECONDS, self.register_with_api_server, component=self.component,
                             action="register-node")

    def register_with_api_server(self) -> dict:
        """Create the Node, or take over an existing one (our labels added), then start heartbeating."""
        s = self.spec
        try:
            existing = self.client.get("nodes", "", self.node)
        except APIError as exc:
            if not is_not_found(exc):
                self._retry_registration()
                return {"caption": f"kubelet on {self.node} cannot reach the API server to register: {exc}"}
            existing = None
        if existing is None:
            node = new_node(s, self.runtime.images(), rfc3339(self.kernel.wall_time()))
            try:
                created = self.client.create("nodes", node)
            except APIError as exc:
                self._retry_registration()
                return {"caption": f"kubelet on {self.node} failed to register its Node: {exc}"}
            verb, self.node_uid = "registers", created["metadata"]["uid"]
        else:
            node = reconciled_node(s, existing)
            try:
                updated = self.client.update("nodes", node)
                updated["status"] = self._node_status(existing)
                self.client.update_status("nodes", updated)
            except APIError as exc:
                self._retry_registration()
                return {"caption": f"kubelet on {self.node} failed to update its Node: {exc}"}
            verb, self.node_uid = "re-registers", existing["metadata"]["uid"]
        self.registered = True
        ref = self._node_ref()
        self.recorder.event(ref, NORMAL, events.STARTING_KUBELET, "Starting kubelet.")
        self.recorder.event(ref, NORMAL, events.SUCCESSFUL_NODE_ALLOCATABLE_ENFORCEMENT,
                            "Updated Node Allocatable limit across pods")
        for reason in STARTUP_NODE_EVENTS:
            self.recorder.event(ref, NORMAL, reason, f"Node {self.node} status is now: {reason}")
        self.kernel.schedule(0.0, self.renew_lease, component=self.component, action="heartbeat")
        self.schedule_update(NODE_STATUS_REPORT_SECONDS)
        return {"caption": f"kubelet on {self.node} {verb} its Node ({s.cpu} CPU, {s.memory} memory, "
                           f"{s.pods} pods, pod CIDR {s.pod_cidr}): Ready",
                "object": {"kind": "Node", "namespace": "", "name": self.node}}

    def renew_lease(self) -> dict:
        """The heartbeat: create the node Lease the first time, then move its ``renewTime``."""
        now = rfc3339_micro(self.kernel.wall_time())
        self.kernel.schedule(LEASE_RENEW_SECONDS, self.renew_lease, component=self.component, action="heartbeat")
        described = {"kind": "Lease", "namespace": NODE_LEASE_NAMESPACE, "name": self.node}
        try:
            if self._lease is None:
                try:
                    self._lease = self.client.get("leases", NODE_LEASE_NAMESPACE, self.node)
                except APIError as exc:
                    if not is_not_found(exc):
                        raise
                    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                             "metadata": {"name": self.node, "namespace": NODE_LEASE_NAMESPACE,
                                          "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": self.node,
                                                               "uid": self.node_uid}]},
                             "spec": {"holderIdentity": self.node, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                                      "renewTime": now}}
                    self._lease = self.client.create("leases", lease, NODE_LEASE_NAMESPACE)
                    return {"caption": f"kubelet on {self.node} creates its node Lease (heartbeat every "
                                       f"{LEASE_RENEW_SECONDS:g} s)", "object": described}
            lease = {**self._lease, "spec": {**self._lease.get("spec", {}), "holderIdentity": self.node,
                                            "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": now}}
            try:
                self._lease = self.client.update("leases", lease)
            except APIError as exc:
                if not is_conflict(exc):
                    raise
                fresh = self.client.get("leases", NODE_LEASE_NAMESPACE, self.node)
                fresh["spec"] = {**fresh.get("spec", {}), "holderIdentity": self.node, "renewTime": now,
                                 "leaseDurationSeconds": LEASE_DURATION_SECONDS}
                self._lease = self.client.update("leases", fresh)
        except APIError as exc:
            self._lease = None
            return {"caption": f"kubelet on {self.node} failed to renew its Lease: {exc}", "object": described}
        return {"caption": f"kubelet on {self.node} renews its Lease (heartbeat)", "object": described,
                "housekeeping": True}

    def schedule_update(self, delay: float) -> None:
        """Post the node status within ``delay`` seconds (an earlier post already planned stands)."""
        if self._status_timer is not None and not self._status_timer.cancelled and \
                self._status_timer.when <= self.kernel.now_seconds + delay:
            return
        if self._status_timer is not None:
            self._status_timer.cancel()
        self._status_timer = self.kernel.schedule(delay, self.update_node_status, component=self.component,
                                                  action="node-status")

    def update_node_status(self) -> dict:
        """Post the whole status: conditions heartbeat, and the images now present. A post that
        only moves the heartbeat times is housekeeping."""
        self._status_timer = None
        self.schedule_update(NODE_STATUS_REPORT_SECONDS)
        try:
            node = self.client.get("nodes", "", self.node)
            old = node.get("status") or {}
            node["status"] = {**old, **self._node_status(node)}
            self.client.update_status("nodes", node)
        except APIError as exc:
            return {"caption": f"kubelet on {self.node} failed to update its node status: {exc}"}
        return {"caption": f"kubelet on {self.node} posts its node status: Ready, "
                           f"{len(self.runtime.images())} images present",
                "object": {"kind": "Node", "namespace": "", "name": self.node},
                "housekeeping": _beyond_heartbeat(old) == _beyond_heartbeat(node["status"])}
