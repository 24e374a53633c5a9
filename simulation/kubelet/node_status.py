"""The Node object a kubelet registers and the status it keeps posting (upstream's
``pkg/kubelet/nodestatus`` setters), built from the machine's :class:`NodeSpec`.

* Capacity is the machine; allocatable is what pods may use: capacity less the default hard
  eviction thresholds (``memory.available<100Mi``, ``nodefs.available<10%``), since no
  kube-reserved or system-reserved is configured.
* Conditions carry upstream's reasons and messages ("kubelet is posting ready status");
  ``lastTransitionTime`` moves only when a condition's status does.
* ``status.images`` lists every image present with its size (the scheduler's ImageLocality
  scores with it).
"""
from __future__ import annotations

import hashlib
import uuid
from fractions import Fraction

from simulation.apimachinery.quantity import BINARY_SI, Quantity, format_quantity

from .node_spec import NodeSpec

#: The default hard eviction thresholds the kubelet keeps back from pods.
EVICTION_HARD_MEMORY_BYTES = 100 * 2 ** 20
EVICTION_HARD_NODEFS_FRACTION = Fraction(1, 10)
KUBELET_PORT = 10250

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
    out = capacity(spec)
    memory = Quantity.parse(spec.memory).value - EVICTION_HARD_MEMORY_BYTES
    out["memory"] = format_quantity(max(memory, 0), BINARY_SI)
    storage = Quantity.parse(spec.ephemeral_storage).value
    out["ephemeral-storage"] = format_quantity(int(storage * (1 - EVICTION_HARD_NODEFS_FRACTION)))
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
