"""Every controller the controller manager runs, in one literal table (upstream's
``NewControllerDescriptors``). Keys are upstream's ``--controllers`` names."""
from __future__ import annotations

from .base import Controller
from .cronjob import CronJobController
from .daemonset import DaemonSetController
from .deployment.deployment_controller import DeploymentController
from .disruption import DisruptionController  # policy
from .endpoints import EndpointController
from .endpointslice import EndpointSliceController  # slices
from .endpointslicemirroring import EndpointSliceMirroringController  # slices
from .garbagecollector import GarbageCollectorController
from .namespace import NamespaceController
from .nodelifecycle import NodeLifecycleController
from .job import JobController
from .replicaset import ReplicaSetController
from .replication import ReplicationManager
from .resourcequota import ResourceQuotaController  # quota
from .statefulset import StatefulSetController
from .tainteviction import TaintEvictionController
from .ttlafterfinished import TTLAfterFinishedController
from .volume.persistentvolume import PersistentVolumeController
from .volume.provisioner import LocalPathProvisioner

CONTROLLERS: dict[str, type[Controller]] = {
    "endpoint": EndpointController,
    "garbagecollector": GarbageCollectorController,
    "namespace": NamespaceController,
    "nodelifecycle": NodeLifecycleController,
    "taint-eviction-controller": TaintEvictionController,
    "replicaset": ReplicaSetController,
    "deployment": DeploymentController,
    "daemonset": DaemonSetController,
    # storage (storage); the provisioner is kind's storage addon, hosted here for the simulation
    "statefulset": StatefulSetController,
    "persistentvolume-binder": PersistentVolumeController,
    "local-path-provisioner": LocalPathProvisioner,
    # ReplicationController and batch/v1 (jobs)
    "replicationcontroller": ReplicationManager,
    "job": JobController,
    "ttl-after-finished-controller": TTLAfterFinishedController,
    "cronjob": CronJobController,
    # disruption (policy)
    "disruption": DisruptionController,
    # discovery.k8s.io/v1 (slices)
    "endpointslice": EndpointSliceController,
    "endpointslicemirroring": EndpointSliceMirroringController,
    # resource quota (quota)
    "resourcequota": ResourceQuotaController,
}
