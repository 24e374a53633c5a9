"""The kubelet of each node and the simulated container runtime it drives."""
from .kubelet import Kubelet
from .node_spec import NodeSpec
from .runtime import ContainerRuntime

__all__ = ["ContainerRuntime", "Kubelet", "NodeSpec"]
