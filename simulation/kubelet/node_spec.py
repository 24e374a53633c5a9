"""What a simulated machine is: the facts a kubelet reads from its host and its flags
(``--node-labels``, ``--register-with-taints``, the pod CIDR the cluster hands it) before it
registers its Node. One :class:`NodeSpec` per node; the cluster builder makes them.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

#: The sandbox image every node has (kubeadm pre-pulls it; ``--pod-infra-container-image``).
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
KUBELET_VERSION = "v1.33.1"
CONTAINER_RUNTIME_VERSION = "containerd://2.0.5"
KERNEL_VERSION = "6.8.0-49-generic"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"

#: Images a kubeadm node holds before any pod runs, with their (compressed) sizes in bytes.
DEFAULT_IMAGES: tuple[tuple[str, int], ...] = (
    (PAUSE_IMAGE, 320_368),
    (f"registry.k8s.io/kube-proxy:{KUBELET_VERSION}", 31_889_564),
)


@dataclass
class NodeSpec:
    name: str
    cpu: str = "2"
    memory: str = "4Gi"
    pods: int = 110
    ephemeral_storage: str = "100Gi"
    #: Extra labels (``--node-labels``); :attr:`labels` adds the well-known ones.
    extra_labels: dict[str, str] = field(default_factory=dict)
    zone: str = ""
    #: Node taints as API dicts: ``{"key": ..., "value": ..., "effect": "NoSchedule"}``.
    taints: list[dict] = field(default_factory=list)
    #: This node's slice of the cluster's pod network, e.g. ``10.244.1.0/24``.
    pod_cidr: str = "10.244.1.0/24"
    #: The node's own address (``InternalIP``); derived from the pod CIDR when empty.
    internal_ip: str = ""
    #: Extra images present before any pod runs: references, or ``(reference, size_bytes)`` pairs
    #: (a bare reference gets the runtime's size for it).
    images: list = field(default_factory=list)
    kubelet_version: str = KUBELET_VERSION
    kernel_version: str = KERNEL_VERSION
    os_image: str = OS_IMAGE
    container_runtime_version: str = CONTAINER_RUNTIME_VERSION
    architecture: str = "amd64"
    #: Download speed of the node's image pulls (bytes per virtual second).
    pull_bandwidth_bytes_per_second: float = 30_000_000.0
    #: Allocatable resources the machine reports where they differ from capacity less the
    #: eviction thresholds: a real node's kube-reserved and system-reserved, as recorded in a
    #: dump (``{"cpu": "1930m"}``). Empty: nothing reserved, as a kind node.
    allocatable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.internal_ip:
            self.internal_ip = node_ip_for(self.pod_cidr)

    @classmethod
    def numbered(cls, index: int, name: str = "", **kwargs) -> "NodeSpec":
        """Node ``index`` (1-based) of a cluster: ``node-<index>`` with pod CIDR ``10.244.<index>.0/24``."""
        kwargs.setdefault("pod_cidr", f"10.244.{index}.0/24")
        return cls(name or f"node-{index}", **kwargs)

    @property
    def labels(self) -> dict[str, str]:
        """Every label the kubelet puts on its Node: the well-known ones and :attr:`extra_labels`."""
        labels = {"beta.kubernetes.io/arch": self.architecture, "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": self.architecture, "kubernetes.io/hostname": self.name,
                  "kubernetes.io/os": "linux"}
        if self.zone:
            labels["topology.kubernetes.io/zone"] = self.zone
        labels.update(self.extra_labels)
        return labels

    def preloaded_images(self) -> list[tuple[str, int | None]]:
        """``(reference, size_bytes or None)`` for every image present at start, the defaults first."""
        extra = [(img, None) if isinstance(img, str) else (img[0], img[1]) for img in self.images]
        seen = {ref for ref, _ in extra}
        return [img for img in DEFAULT_IMAGES if img[0] not in seen] + extra


def node_ip_for(pod_cidr: str) -> str:
    """A node address in kind's 172.18.0.0/16 derived from the node's pod CIDR:
    ``10.244.N.0/24`` -> ``172.18.0.<N+2>``; other CIDRs spread over the /16."""
    packed = ipaddress.ip_network(pod_cidr, strict=False).network_address.packed
    offset = (((packed[1] - 244) % 256) * 256 + packed[2]) % 65534 + 2
    return str(ipaddress.ip_address("172.18.0.0") + offset)
