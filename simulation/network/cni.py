"""One node's pod network as containerd's default CNI configuration builds it
(``10-containerd-net.conflist``: the ``bridge`` plugin on ``cni0``, ``host-local`` IPAM over the
node's podCIDR), called by the container runtime when a pod sandbox starts (CNI ADD) and when
it goes (CNI DEL).

Promises:

* :class:`HostLocalIPAM` hands out the podCIDR's addresses as upstream's ``host-local`` does:
  the range is the subnet's first to last host address (``10.244.1.1-10.244.1.254``), the
  gateway (the bridge's address, ``.1``) is never given out, and each allocation continues
  after the last one reserved, wrapping around, so a released address is not reused at once.
  An exhausted range fails with host-local's words ("failed to allocate for range 0: no IP
  addresses available in range set: …"). No address is ever held twice.
* :meth:`BridgeNetwork.add` is the bridge plugin's ADD: an address from the IPAM, a veth pair
  whose host end is named as upstream's ``ip.RandomVethName`` names it (``veth`` + 8 hex digits
  of entropy, here from the kernel's seeded random source, retried on a clash) and enslaved to
  ``cni0``, its peer ``eth0`` (ifindex 2, after ``lo``) in the sandbox's network namespace.
  A failure is a :class:`CNIError` carrying libcni's ``plugin type="bridge" failed (add): …``,
  and nothing stays allocated.
* :meth:`BridgeNetwork.delete` is DEL: the veth pair goes and its address is released; as the
  CNI spec asks, deleting what is not there succeeds.

What a learner reads from this state (``ip addr``, ``ip route``) is rendered by :mod:`.iproute`;
how a packet crosses it, by :mod:`.path`.
"""
from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Callable
from dataclasses import dataclass

#: The plugin and bridge of containerd's default CNI configuration.
PLUGIN_TYPE = "bridge"
BRIDGE_NAME = "cni0"
#: The interface the pod sees, and its index in the pod's namespace (``lo`` is 1).
POD_IFNAME = "eth0"
POD_IFINDEX = 2
#: The node's own interfaces come first: ``lo`` (1), ``eth0`` (2), ``cni0`` (3).
FIRST_VETH_IFINDEX = 4
MTU = 1500


class CNIError(RuntimeError):
    """A plugin failed; the message is libcni's (``plugin type="bridge" failed (add): …``)."""


def mac_address(seed: str) -> str:
    """A stable, locally administered unicast MAC for an interface (the kernel picks a random one)."""
    b = bytearray(hashlib.sha256(seed.encode()).digest()[:6])
    b[0] = (b[0] & 0xFE) | 0x02
    return ":".join(f"{x:02x}" for x in b)


class HostLocalIPAM:
    """``host-local`` over one subnet (a single range, ``range 0``)."""

    def __init__(self, subnet: str) -> None:
        self.subnet = ipaddress.ip_network(subnet, strict=False)
        self.gateway = self.subnet.network_address + 1
        self.range_start = self.subnet.network_address + 1
        self.range_end = self.subnet.broadcast_address - 1
        self._allocated: dict[str, str] = {}  # ip -> container id
        self._last_reserved = self.gateway

    def range_set(self) -> str:
        return f"{self.range_start}-{self.range_end}"

    def allocate(self, container_id: str) -> str:
        """The next free address after the last one reserved (wrapping), never the gateway."""
        size = int(self.range_end) - int(self.range_start) + 1
        candidate = self._last_reserved
        for _ in range(size):
            candidate = candidate + 1 if candidate < self.range_end else self.range_start
            ip = str(candidate)
            if candidate != self.gateway and ip not in self._allocated:
                self._allocated[ip] = container_id
                self._last_reserved = candidate
                return ip
        raise CNIError(f"failed to allocate for range 0: no IP addresses available in range set: {self.range_set()}")

    def reserve(self, ip: str, container_id: str) -> None:
        """Take an address known to be in use (a runtime rebuilt from the pods' status)."""
        self._allocated[ip] = container_id

    def release(self, container_id: str) -> None:
        for ip in [ip for ip, owner in self._allocated.items() if owner == container_id]:
            del self._allocated[ip]

    def allocated(self) -> dict[str, str]:
        return dict(self._allocated)


@dataclass
class VethPair:
    """A pod's link to the node: ``host_ifname`` on the bridge, ``eth0`` in the pod's namespace."""

    host_ifname: str
    ifindex: int
    mac: str
    peer_mac: str
    netns: str
    container_id: str
    pod_namespace: str
    pod_name: str
    pod_uid: str
    ip: str

    @property
    def pod(self) -> str:
        return f"{self.pod_namespace}/{self.pod_name}"


class BridgeNetwork:
    """The bridge plugin's state on one node: ``cni0`` and the veth pairs of the live sandboxes.

    ``entropy(bits)`` is the random source for veth names (the kernel's ``rng.getrandbits``)."""

    def __init__(self, node: str, pod_cidr: str, entropy: Callable[[int], int]) -> None:
        self.node = node
        self.ipam = HostLocalIPAM(pod_cidr)
        self.bridge_ip = str(self.ipam.gateway)
        self.bridge_mac = mac_address(f"{node}/{BRIDGE_NAME}")
        self._entropy = entropy
        self._veths: dict[str, VethPair] = {}  # container (sandbox) id -> pair
        self._next_ifindex = FIRST_VETH_IFINDEX

    @property
    def prefix_length(self) -> int:
        return self.ipam.subnet.prefixlen

    def add(self, container_id: str, pod_namespace: str, pod_name: str, pod_uid: str, ip: str = "") -> VethPair:
        """CNI ADD for a sandbox: an address (``ip`` if it is already known to be the pod's), a veth pair."""
        try:
            if ip:
                self.ipam.reserve(ip, container_id)
            else:
                ip = self.ipam.allocate(container_id)
        except CNIError as exc:
            raise CNIError(f'plugin type="{PLUGIN_TYPE}" failed (add): {exc}') from None
        names = {v.host_ifname for v in self._veths.values()}
        host = self._random_veth_name()
        while host in names:  # the plugin retries when the name exists
            host = self._random_veth_name()
        pair = VethPair(host, self._next_ifindex, mac_address(f"{self.node}/{host}"),
                        mac_address(f"{container_id}/{POD_IFNAME}"),
                        f"cni-{uuid.UUID(bytes=hashlib.sha256(container_id.encode()).digest()[:16], version=4)}",
                        container_id, pod_namespace, pod_name, pod_uid, ip)
        self._next_ifindex += 1
        self._veths[container_id] = pair
        return pair

    def delete(self, container_id: str) -> VethPair | None:
        """CNI DEL: the pair goes and its address is released; nothing to delete is no error."""
        self.ipam.release(container_id)
        return self._veths.pop(container_id, None)

    def _random_veth_name(self) -> str:
        return f"veth{self._entropy(32):08x}"

    def veths(self) -> list[VethPair]:
        """The live pairs, in the order they were created (their ifindex)."""
        return sorted(self._veths.values(), key=lambda v: v.ifindex)

    def veth_of(self, container_id: str) -> VethPair | None:
        return self._veths.get(container_id)

    def by_ip(self, ip: str) -> VethPair | None:
        return next((v for v in self._veths.values() if v.ip == ip), None)
