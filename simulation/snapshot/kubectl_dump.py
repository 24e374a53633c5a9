"""A real cluster's Nodes as simulated machines: what a ``kubectl get nodes -o yaml`` dump says
about each machine, turned into the :class:`NodeSpec` its simulated kubelet registers from.

The kubelet reports from its machine and its flags, so that is what is read back: capacity
(cpu, memory, pods, ephemeral storage) and allocatable where it is less than the simulated
kubelet would compute (the real node's kube-reserved and system-reserved — what makes
"Insufficient cpu" come out the same), the labels it registered with (the well-known ones
are the kubelet's own, the zone is ``topology.kubernetes.io/zone``), the taints it registered
with (not the ``node.kubernetes.io/*`` ones the node lifecycle controller adds and removes),
its pod CIDR and address, its versions, and the images it holds (ImageLocality scores them).
"""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.kubelet.node_spec import NodeSpec
from simulation.kubelet.node_status import allocatable

from .model import Settings

ZONE_LABEL = "topology.kubernetes.io/zone"
#: Taints the node lifecycle controller manages; the restored cluster's controller decides them again.
CONTROLLER_TAINT_PREFIX = "node.kubernetes.io/"
#: Capacity names a NodeSpec models, with the NodeSpec field of each.
_CAPACITY_FIELDS = {"cpu": "cpu", "memory": "memory", "ephemeral-storage": "ephemeral_storage"}


def settings_from_nodes(nodes: list[dict]) -> Settings:
    """Default pacing and components, and one simulated machine per Node of the dump."""
    return Settings(nodes=[node_spec_from_node(node, index) for index, node in enumerate(nodes, start=1)])


def node_spec_from_node(node: dict, index: int) -> NodeSpec:
    """The machine behind ``node``; what the dump leaves out keeps NodeSpec's defaults (a
    node without a pod CIDR gets ``10.244.<index>.0/24``)."""
    meta, spec, status = (_mapping(node.get(k)) for k in ("metadata", "spec", "status"))
    name = str(meta.get("name") or f"node-{index}")
    capacity, reported = _mapping(status.get("capacity")), _mapping(status.get("allocatable"))
    fields: dict[str, Any] = {k: str(capacity[c]) for c, k in _CAPACITY_FIELDS.items() if _quantity(capacity.get(c))}
    if str(capacity.get("pods", "")).isdigit():
        fields["pods"] = int(capacity["pods"])
    labels = {str(k): str(v) for k, v in _mapping(meta.get("labels")).items()}
    fields["zone"] = labels.get(ZONE_LABEL, "")
    if isinstance(spec.get("podCIDR"), str) and spec["podCIDR"]:
        fields["pod_cidr"] = spec["podCIDR"]
    else:
        fields["pod_cidr"] = f"10.244.{index % 256}.0/24"
    address = next((a.get("address") for a in status.get("addresses") or []
                    if isinstance(a, dict) and a.get("type") == "InternalIP"), "")
    if isinstance(address, str) and address:
        fields["internal_ip"] = address
    info = _mapping(status.get("nodeInfo"))
    for key, field in (("kubeletVersion", "kubelet_version"), ("kernelVersion", "kernel_version"),
                       ("osImage", "os_image"), ("containerRuntimeVersion", "container_runtime_version"),
                       ("architecture", "architecture")):
        if isinstance(info.get(key), str) and info[key]:
            fields[field] = info[key]
    fields["taints"] = [dict(t) for t in spec.get("taints") or []
                        if isinstance(t, dict) and not str(t.get("key", "")).startswith(CONTROLLER_TAINT_PREFIX)]
    fields["images"] = [[_image_name(img), img["sizeBytes"]] for img in status.get("images") or []
                        if isinstance(img, dict) and _image_name(img) and isinstance(img.get("sizeBytes"), int)]
    machine = NodeSpec(name=name, **fields)
    machine.extra_labels = {k: v for k, v in labels.items() if machine.labels.get(k) != v}
    computed = allocatable(machine)
    machine.allocatable = {name: str(value) for name, value in reported.items()
                           if name in computed and _quantity(value) and _differs(value, computed[name])}
    return machine


def _differs(a: Any, b: Any) -> bool:
    return Quantity.parse(str(a)).value != Quantity.parse(str(b)).value


def _quantity(value: Any) -> bool:
    try:
        Quantity.parse(str(value))
    except (QuantityError, TypeError):
        return False
    return value is not None


def _image_name(image: dict) -> str:
    """The image's first tagged name (``names`` lists the digest reference first on containerd)."""
    names = [n for n in image.get("names") or [] if isinstance(n, str)]
    return next((n for n in names if "@" not in n), names[0] if names else "")


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}
