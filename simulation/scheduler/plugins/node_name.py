"""NodeName: a pod that names its node (``spec.nodeName`` set before scheduling) fits only there."""
from __future__ import annotations

from ..framework.interface import Code, CycleState, FilterPlugin, Status
from ..framework.node_info import NodeInfo, PodInfo

ERR_REASON = "node(s) didn't match the requested node name"


class NodeName(FilterPlugin):
    name = "NodeName"

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not pod.node_name or pod.node_name == node_info.name:
            return None
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON])

    def filter_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> dict[str, Status]:
        wanted = pod.node_name
        if not wanted:
            return {}
        return {ni.name: Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON]) for ni in nodes
                if ni.name != wanted}
