"""kube-proxy: Services and Endpoints turned into each node's iptables rules."""
from .kube_proxy import KubeProxy

__all__ = ["KubeProxy"]
