"""Every controller the controller manager runs, in one literal table (upstream's
``NewControllerDescriptors``). Keys are upstream's ``--controllers`` names."""
from __future__ import annotations

from .base import Controller
from .daemonset import DaemonSetController
from .deployment.deployment_controller import DeploymentController
from .disruption import DisruptionController  # policy
from .endpoints import EndpointController
from .garbagecollector import GarbageCollectorController
from .namespace import NamespaceController
from .nodelifecycle import NodeLifecycleController
from .replicaset import ReplicaSetController
from .tainteviction import TaintEvictionController

CONTROLLERS: dict[str, type[Controller]] = {
    "endpoint": EndpointController,
    "garbagecollector": GarbageCollectorController,
    "namespace": NamespaceController,
    "nodelifecycle": NodeLifecycleController,
    "taint-eviction-controller": TaintEvictionController,
    "replicaset": ReplicaSetController,
    "deployment": DeploymentController,
    "daemonset": DaemonSetController,
    # disruption (policy)
    "disruption": DisruptionController,
}
