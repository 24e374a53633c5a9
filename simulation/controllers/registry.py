"""Every controller the controller manager runs, in one literal table (upstream's
``NewControllerDescriptors``). Keys are upstream's ``--controllers`` names."""
from __future__ import annotations

from .replicaset import ReplicaSetController

CONTROLLERS: dict[str, type] = {
    "replicaset": ReplicaSetController,
}
