"""A simulated cluster: one kernel hosting the control-plane components and the nodes, each
handed an API client for the same API server, as its own user, and nothing else.

:mod:`.sim` holds :class:`SimCluster` (the topology and the control API's verbs), with its
parts in mixins: :mod:`.kubeadm` (static pods), :mod:`.addons` (CoreDNS, ingress),
:mod:`.ha` (three control-plane nodes), :mod:`.inspection` (networks, traces, exec). What other packages use is named here.
"""
from .addons import COREDNS_RBAC
from .errors import SimulationError
from .ha import control_plane_nodes, ha_members
from .ha import install as install_ha
from .kubeadm import CONTROL_PLANE_HOST, MANIFEST_ACTIONS, control_plane_node
from .sim import (FAULTS, MAX_REPLICAS, REPLICATED, VERSION, SimCluster, connection_refused, demo_nodes, node_user,
                  standard_cluster)

__all__ = ["COREDNS_RBAC", "CONTROL_PLANE_HOST", "FAULTS", "MANIFEST_ACTIONS", "MAX_REPLICAS", "REPLICATED", "VERSION", "SimCluster",
           "SimulationError", "connection_refused", "control_plane_node", "control_plane_nodes", "demo_nodes", "ha_members", "install_ha", "node_user",
           "standard_cluster"]
