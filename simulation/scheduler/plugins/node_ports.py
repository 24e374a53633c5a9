"""NodePorts: two pods cannot bind the same hostPort/protocol on one node; ``0.0.0.0`` (the
default hostIP) clashes with every address, as upstream's ``HostPortInfo.CheckConflict``."""
from __future__ import annotations

from ..framework.interface import SKIP, Code, CycleState, FilterPlugin, PreFilterPlugin, Status
from ..framework.node_info import DEFAULT_BIND_ALL_HOST_IP, NodeInfo, PodInfo

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"


def port_conflicts(used: dict[tuple[str, str, int], int], ip: str, protocol: str, port: int) -> bool:
    if ip == DEFAULT_BIND_ALL_HOST_IP:
        return any(p == port and proto == protocol for _, proto, p in used)
    return (DEFAULT_BIND_ALL_HOST_IP, protocol, port) in used or (ip, protocol, port) in used


class NodePorts(PreFilterPlugin, FilterPlugin):
    name = "NodePorts"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return None if pod.host_ports else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        used = node_info.used_ports
        if used and any(port_conflicts(used, *hp) for hp in pod.host_ports):
            return Status(Code.UNSCHEDULABLE, [ERR_REASON])
        return None
