"""Every in-tree plugin in one place, and upstream's default profile.

The profile lists plugins in upstream's order (``pkg/scheduler/apis/config/v1/default_plugins.go``)
so that Filter runs the cheap, decisive checks first and the FailedScheduling message counts the
same first failure a real cluster reports.
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME

from ..framework.interface import Plugin
from ..framework.runtime import Framework, Profile
from .default_preemption import DefaultPreemption
from .image_locality import ImageLocality
from .inter_pod_affinity import InterPodAffinity
from .node_affinity import NodeAffinity
from .node_name import NodeName
from .node_ports import NodePorts
from .node_unschedulable import NodeUnschedulable
from .noderesources.balanced_allocation import NodeResourcesBalancedAllocation
from .noderesources.fit import NodeResourcesFit
from .pod_topology_spread import PodTopologySpread
from .taint_toleration import TaintToleration
from .volume_binding import VolumeBinding

REGISTRY: dict[str, type[Plugin]] = {
    NodeUnschedulable.name: NodeUnschedulable,
    NodeName.name: NodeName,
    TaintToleration.name: TaintToleration,
    NodeAffinity.name: NodeAffinity,
    NodePorts.name: NodePorts,
    NodeResourcesFit.name: NodeResourcesFit,
    PodTopologySpread.name: PodTopologySpread,
    InterPodAffinity.name: InterPodAffinity,
    NodeResourcesBalancedAllocation.name: NodeResourcesBalancedAllocation,
    ImageLocality.name: ImageLocality,
    VolumeBinding.name: VolumeBinding,  # storage
    DefaultPreemption.name: DefaultPreemption,  # PostFilter (policy)
}

DEFAULT_PROFILE = Profile(
    scheduler_name=DEFAULT_SCHEDULER_NAME,
    plugins=(
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "VolumeBinding", "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality",
        "DefaultPreemption",
    ),
    score_weights={
        "TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2, "InterPodAffinity": 2,
        "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
    },
)


def default_framework(scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> Framework:
    """A framework running upstream's default plugins under ``scheduler_name``."""
    profile = Profile(scheduler_name, DEFAULT_PROFILE.plugins, DEFAULT_PROFILE.score_weights)
    return Framework.from_profile(profile, REGISTRY)
