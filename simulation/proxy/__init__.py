"""kube-proxy: Services and EndpointSlices turned into each node's iptables rules."""
from .kube_proxy import KubeProxy

__all__ = ["KubeProxy"]
