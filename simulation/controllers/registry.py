"""Every controller the controller manager runs, in one literal table (upstream's
``NewControllerDescriptors``). Keys are upstream's ``--controllers`` names."""
from __future__ import annotations

from .garbagecollector import GarbageCollectorController
from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .replicaset import ReplicaSetController

CONTROLLERS: dict[str, type] = {
    "garbagecollector": GarbageCollectorController,
    "replicaset": ReplicaSetController,
    "deployment": DeploymentController,
    "daemonset": DaemonSetController,
}
