"""The storage kinds: io.k8s.api.core.v1 PersistentVolume and PersistentVolumeClaim,
io.k8s.api.storage.v1 StorageClass, and io.k8s.api.apps.v1 StatefulSet and ControllerRevision
(the StatefulSet's history). Deep where a learner writes fields (claims, capacities, access
modes, node affinity, claim templates); volume sources other than ``hostPath`` and ``local``
are accepted without being described."""
from __future__ import annotations

from ._helpers import (CORE as C, META, arr, boolean, condition, free, int32, int64, intstr, kind, list_kind, mapof, obj,
                       quantity, ref, string, strings, strmap, time)

A = "io.k8s.api.apps.v1."
S = "io.k8s.api.storage.v1."

_ACCESS_MODES = strings("accessModes contains all ways the volume can be mounted. More info: "
                        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes")
_VOLUME_MODE = string("volumeMode defines what type of volume is required by the claim. Value of Filesystem is "
                      "implied when not included in claim spec.", enum=["Block", "Filesystem"])
_CLASS = string("storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value "
                "means that this volume does not belong to any StorageClass.")
_PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
               "flocker", "gcePersistentDisk", "glusterfs", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume",
               "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume")

_node_selector = obj(
    "A node selector represents the union of the results of one or more label queries over a set of nodes.",
    ("nodeSelectorTerms",),
    nodeSelectorTerms=arr(free("A null or empty node selector term matches no objects. The requirements of them "
                               "are ANDed."), "Required. A list of node selector terms. The terms are ORed.",
                          list_type="atomic"))

SCHEMAS = {
    C + "PersistentVolume": kind(
        "PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node. "
        "More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes", "", "v1", "PersistentVolume",
        spec=ref(C + "PersistentVolumeSpec", "spec defines a specification of a persistent volume owned by the "
                 "cluster. Provisioned by an administrator."),
        status=ref(C + "PersistentVolumeStatus", "status represents the current information/status for the "
                   "persistent volume. Populated by the system. Read-only.")),
    C + "PersistentVolumeList": list_kind("", "v1", "PersistentVolumeList", C + "PersistentVolume"),
    C + "PersistentVolumeSpec": obj(
        "PersistentVolumeSpec is the specification of a persistent volume.",
        props={s: free(f"The {s} volume source; not described here.") for s in _PV_SOURCES},
        accessModes=_ACCESS_MODES,
        capacity=mapof(quantity(), "capacity is the description of the persistent volume's resources and "
                       "capacity."),
        claimRef=ref(C + "ObjectReference", "claimRef is part of a bi-directional binding between PersistentVolume "
                     "and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the "
                     "authoritative bind between PV and PVC.", struct=False) | {"x-kubernetes-map-type": "granular"},
        hostPath=obj("Represents a host path mapped into a pod.", ("path",),
                     path=string("path of the directory on the host."),
                     type=string("type for HostPath Volume. Defaults to \"\".")),
        local=obj("Local represents directly-attached storage with node affinity.", ("path",),
                  fsType=string("fsType is the filesystem type to mount."),
                  path=string("path of the full path to the volume on the node.")),
        mountOptions=strings("mountOptions is the list of mount options, e.g. [\"ro\", \"soft\"]. Not validated - "
                             "mount will simply fail if one is invalid."),
        nodeAffinity=obj("VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed "
                         "from.", required=ref(C + "NodeSelector", "required specifies hard node constraints that "
                                               "must be met.", struct=False)),
        persistentVolumeReclaimPolicy=string(
            "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. "
            "Valid options are Retain (default for manually created PersistentVolumes), Delete (default for "
            "dynamically provisioned PersistentVolumes), and Recycle (deprecated).",
            enum=["Delete", "Recycle", "Retain"]),
        storageClassName=_CLASS,
        volumeAttributesClassName=string("Name of VolumeAttributesClass to which this persistent volume belongs."),
        volumeMode=string("volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
                          "remain in raw block state. Value of Filesystem is implied when not included in spec.",
                          enum=["Block", "Filesystem"]),
    ),
    C + "NodeSelector": _node_selector,
    C + "PersistentVolumeStatus": obj(
        "PersistentVolumeStatus is the current status of a persistent volume.",
        lastPhaseTransitionTime=time("lastPhaseTransitionTime is the time the phase transitioned from one to "
                                     "another and automatically resets to current time everytime a volume phase "
                                     "transitions."),
        message=string("message is a human-readable message indicating details about why the volume is in this "
                       "state."),
        phase=string("phase indicates if a volume is available, bound to a claim, or released by a claim.",
                      enum=["Available", "Bound", "Failed", "Pending", "Released"]),
        reason=string("reason is a brief CamelCase string that describes any failure and is meant for machine "
                      "parsing and tidy display in the CLI."),
    ),
    C + "PersistentVolumeClaim": kind(
        "PersistentVolumeClaim is a user's request for and claim to a persistent volume", "", "v1",
        "PersistentVolumeClaim",
        spec=ref(C + "PersistentVolumeClaimSpec", "spec defines the desired characteristics of a volume requested "
                 "by a pod author."),
        status=ref(C + "PersistentVolumeClaimStatus", "status represents the current information/status of a "
                   "persistent volume claim. Read-only.")),
    C + "PersistentVolumeClaimList": list_kind("", "v1", "PersistentVolumeClaimList", C + "PersistentVolumeClaim"),
    C + "PersistentVolumeClaimSpec": obj(
        "PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for "
        "provider-specific attributes",
        accessModes=_ACCESS_MODES,
        dataSource=free("dataSource field can be used to specify an existing VolumeSnapshot or PVC."),
        dataSourceRef=free("dataSourceRef specifies the object from which to populate the volume with data."),
        resources=ref(C + "VolumeResourceRequirements", "resources represents the minimum resources the volume "
                      "should have."),
        selector=ref(META + "LabelSelector", "selector is a label query over volumes to consider for binding.",
                     struct=False),
        storageClassName=string("storageClassName is the name of the StorageClass required by the claim."),
        volumeAttributesClassName=string("volumeAttributesClassName may be used to set the VolumeAttributesClass "
                                         "used by this claim."),
        volumeMode=_VOLUME_MODE,
        volumeName=string("volumeName is the binding reference to the PersistentVolume backing this claim."),
    ),
    C + "VolumeResourceRequirements": obj(
        "VolumeResourceRequirements describes the storage resource requirements for a volume.",
        limits=mapof(quantity(), "Limits describes the maximum amount of compute resources allowed."),
        requests=mapof(quantity(), "Requests describes the minimum amount of compute resources required."),
    ),
    C + "PersistentVolumeClaimStatus": obj(
        "PersistentVolumeClaimStatus is the current status of a persistent volume claim.",
        accessModes=_ACCESS_MODES,
        allocatedResourceStatuses=strmap("allocatedResourceStatuses stores status of resource being resized for "
                                         "the given PVC."),
        allocatedResources=mapof(quantity(), "allocatedResources tracks the resources allocated to a PVC."),
        capacity=mapof(quantity(), "capacity represents the actual resources of the underlying volume."),
        conditions=arr(C + "PersistentVolumeClaimCondition", "conditions is the current Condition of persistent "
                       "volume claim.", merge_key="type"),
        currentVolumeAttributesClassName=string("currentVolumeAttributesClassName is the current name of the "
                                                "VolumeAttributesClass the PVC is using."),
        modifyVolumeStatus=free("ModifyVolumeStatus represents the status object of ControllerModifyVolume "
                                "operation."),
        phase=string("phase represents the current phase of PersistentVolumeClaim.",
                     enum=["Bound", "Lost", "Pending"]),
    ),
    C + "PersistentVolumeClaimCondition": condition(
        "PersistentVolumeClaimCondition contains details about state of pvc", probe_time=True),
    S + "StorageClass": kind(
        "StorageClass describes the parameters for a class of storage for which PersistentVolumes can be "
        "dynamically provisioned.", "storage.k8s.io", "v1", "StorageClass", ("provisioner",),
        allowVolumeExpansion=boolean("allowVolumeExpansion shows whether the storage class allow volume expand."),
        allowedTopologies=arr(free("A topology selector term."), "allowedTopologies restrict the node topologies "
                              "where volumes can be dynamically provisioned.", list_type="atomic"),
        mountOptions=strings("mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes "
                             "of this storage class."),
        parameters=strmap("parameters holds the parameters for the provisioner that should create volumes of this "
                          "storage class."),
        provisioner=string("provisioner indicates the type of the provisioner."),
        reclaimPolicy=string("reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                             "PersistentVolumes of this storage class. Defaults to Delete.",
                             enum=["Delete", "Recycle", "Retain"]),
        volumeBindingMode=string("volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and "
                                 "bound. When unset, VolumeBindingImmediate is used.",
                                 enum=["Immediate", "WaitForFirstConsumer"]),
    ),
    S + "StorageClassList": list_kind("storage.k8s.io", "v1", "StorageClassList", S + "StorageClass"),
    A + "StatefulSet": kind(
        "StatefulSet represents a set of pods with consistent identities.", "apps", "v1", "StatefulSet",
        spec=ref(A + "StatefulSetSpec", "Spec defines the desired identities of pods in this set."),
        status=ref(A + "StatefulSetStatus", "Status is the current status of Pods in this StatefulSet.")),
    A + "StatefulSetList": list_kind("apps", "v1", "StatefulSetList", A + "StatefulSet"),
    A + "StatefulSetSpec": obj(
        "A StatefulSetSpec is the specification of a StatefulSet.", ("selector", "template"),
        minReadySeconds=int32("Minimum number of seconds for which a newly created pod should be ready without any "
                              "of its container crashing for it to be considered available. Defaults to 0."),
        ordinals=obj("StatefulSetOrdinals describes the policy used for replica ordinal assignment in this "
                     "StatefulSet.", start=int32("start is the number representing the first replica's index.")),
        persistentVolumeClaimRetentionPolicy=obj(
            "StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the "
            "StatefulSet VolumeClaimTemplates.",
            whenDeleted=string("WhenDeleted specifies what happens to PVCs created from StatefulSet "
                               "VolumeClaimTemplates when the StatefulSet is deleted. The default policy of `Retain` "
                               "causes PVCs to not be affected by StatefulSet deletion."),
            whenScaled=string("WhenScaled specifies what happens to PVCs created from StatefulSet "
                              "VolumeClaimTemplates when the StatefulSet is scaled down. The default policy of "
                              "`Retain` causes PVCs to not be affected by a scaledown.")),
        podManagementPolicy=string("podManagementPolicy controls how pods are created during initial scale up, when "
                                   "replacing pods on nodes, or when scaling down. The default policy is "
                                   "`OrderedReady`.", enum=["OrderedReady", "Parallel"]),
        replicas=int32("replicas is the desired number of replicas of the given Template. Defaults to 1."),
        revisionHistoryLimit=int32("revisionHistoryLimit is the maximum number of revisions that will be maintained "
                                   "in the StatefulSet's revision history. It defaults to 10."),
        selector=ref(META + "LabelSelector", "selector is a label query over pods that should match the replica "
                     "count. It must match the pod template's labels.", struct=False),
        serviceName=string("serviceName is the name of the service that governs this StatefulSet. This service must "
                           "exist before the StatefulSet, and is responsible for the network identity of the set."),
        template=ref(C + "PodTemplateSpec", "template is the object that describes the pod that will be created if "
                     "insufficient replicas are detected."),
        updateStrategy=ref(A + "StatefulSetUpdateStrategy", "updateStrategy indicates the StatefulSetUpdateStrategy "
                           "that will be employed to update Pods in the StatefulSet when a revision is made to "
                           "Template."),
        volumeClaimTemplates=arr(C + "PersistentVolumeClaim", "volumeClaimTemplates is a list of claims that pods "
                                 "are allowed to reference.", list_type="atomic"),
    ),
    A + "StatefulSetUpdateStrategy": obj(
        "StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform "
        "updates.",
        rollingUpdate=obj("RollingUpdateStatefulSetStrategy is used to communicate parameter for "
                          "RollingUpdateStatefulSetStrategyType.",
                          maxUnavailable=intstr("The maximum number of pods that can be unavailable during "
                                                 "the update."),
                          partition=int32("Partition indicates the ordinal at which the StatefulSet should be "
                                          "partitioned for updates.")),
        type=string("Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.",
                    enum=["OnDelete", "RollingUpdate"]),
    ),
    A + "StatefulSetStatus": obj(
        "StatefulSetStatus represents the current state of a StatefulSet.", ("replicas",),
        availableReplicas=int32("Total number of available pods (ready for at least minReadySeconds) targeted by "
                                "this statefulset."),
        collisionCount=int32("collisionCount is the count of hash collisions for the StatefulSet."),
        conditions=arr(A + "StatefulSetCondition", "Represents the latest available observations of a statefulset's "
                       "current state.", merge_key="type"),
        currentReplicas=int32("currentReplicas is the number of Pods created by the StatefulSet controller from the "
                              "StatefulSet version indicated by currentRevision."),
        currentRevision=string("currentRevision, if not empty, indicates the version of the StatefulSet used to "
                               "generate Pods in the sequence [0,currentReplicas)."),
        observedGeneration=int64("observedGeneration is the most recent generation observed for this StatefulSet."),
        readyReplicas=int32("readyReplicas is the number of pods created for this StatefulSet with a Ready "
                            "Condition."),
        replicas=int32("replicas is the number of Pods created by the StatefulSet controller."),
        updateRevision=string("updateRevision, if not empty, indicates the version of the StatefulSet used to "
                              "generate Pods in the sequence [replicas-updatedReplicas,replicas)"),
        updatedReplicas=int32("updatedReplicas is the number of Pods created by the StatefulSet controller from the "
                              "StatefulSet version indicated by updateRevision."),
    ),
    A + "StatefulSetCondition": condition("StatefulSetCondition describes the state of a statefulset at a certain "
                                          "point."),
    A + "ControllerRevision": kind(
        "ControllerRevision implements an immutable snapshot of state data.", "apps", "v1", "ControllerRevision",
        ("revision",),
        data=free("Data is the serialized representation of the state."),
        revision=int64("Revision indicates the revision of the state represented by Data.")),
    A + "ControllerRevisionList": list_kind("apps", "v1", "ControllerRevisionList", A + "ControllerRevision"),
}
