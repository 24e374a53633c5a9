"""io.k8s.api.apps.v1 and io.k8s.api.autoscaling.v1.Scale (the scale subresource's kind)."""
from __future__ import annotations

from ._helpers import CORE, META, arr, boolean, condition, int32, int64, intstr, kind, list_kind, obj, ref, string

A = "io.k8s.api.apps.v1."
AS = "io.k8s.api.autoscaling.v1."

_selector = ref(META + "LabelSelector", "Label selector for pods. Existing pods whose labels match it are "
                "the ones affected by this object. It must match the pod template's labels.", struct=False)
_template = ref(CORE + "PodTemplateSpec", "An object that describes the pod that will be created.")
_min_ready = int32("Minimum number of seconds for which a newly created pod should be ready without any of "
                   "its container crashing, for it to be considered available. Defaults to 0.")
_revision_limit = int32("The number of old history to retain to allow rollback. Defaults to 10.")
_conditions = ("Represents the latest available observations of its current state.")


def _cond(kind_name: str) -> dict:
    return arr(A + kind_name + "Condition", _conditions, merge_key="type")


SCHEMAS = {
    A + "Deployment": kind(
        "Deployment enables declarative updates for Pods and ReplicaSets.", "apps", "v1", "Deployment",
        spec=ref(A + "DeploymentSpec", "Specification of the desired behavior of the Deployment."),
        status=ref(A + "DeploymentStatus", "Most recently observed status of the Deployment.")),
    A + "DeploymentList": list_kind("apps", "v1", "DeploymentList", A + "Deployment"),
    A + "DeploymentSpec": obj(
        "DeploymentSpec is the specification of the desired behavior of the Deployment.",
        ("selector", "template"),
        minReadySeconds=_min_ready,
        paused=boolean("Indicates that the deployment is paused."),
        progressDeadlineSeconds=int32("The maximum time in seconds for a deployment to make progress before "
                                      "it is considered to be failed. Defaults to 600s."),
        replicas=int32("Number of desired pods. Defaults to 1."),
        revisionHistoryLimit=_revision_limit,
        selector=_selector,
        strategy=ref(A + "DeploymentStrategy", "The deployment strategy to use to replace existing pods with "
                     "new ones.", ) | {"x-kubernetes-patch-strategy": "retainKeys"},
        template=_template,
    ),
    A + "DeploymentStrategy": obj(
        "DeploymentStrategy describes how to replace existing pods with new ones.",
        rollingUpdate=ref(A + "RollingUpdateDeployment", "Rolling update config params. Present only if "
                          "DeploymentStrategyType = RollingUpdate.", struct=False),
        type=string("Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate.",
                    enum=["Recreate", "RollingUpdate"]),
    ),
    A + "RollingUpdateDeployment": obj(
        "Spec to control the desired behavior of rolling update.",
        maxSurge=intstr("The maximum number of pods that can be scheduled above the desired number of pods: "
                        "an absolute number or a percentage of desired pods. Defaults to 25%."),
        maxUnavailable=intstr("The maximum number of pods that can be unavailable during the update: an "
                              "absolute number or a percentage of desired pods. Defaults to 25%."),
    ),
    A + "DeploymentStatus": obj(
        "DeploymentStatus is the most recently observed status of the Deployment.",
        availableReplicas=int32("Total number of available non-terminating pods (ready for at least "
                                "minReadySeconds) targeted by this deployment."),
        collisionCount=int32("Count of hash collisions for the Deployment, used to avoid name collisions "
                             "when creating the newest ReplicaSet."),
        conditions=_cond("Deployment"),
        observedGeneration=int64("The generation observed by the deployment controller."),
        readyReplicas=int32("Total number of non-terminating pods targeted by this Deployment with a Ready "
                            "Condition."),
        replicas=int32("Total number of non-terminating pods targeted by this deployment (their labels match "
                       "the selector)."),
        terminatingReplicas=int32("Total number of terminating pods targeted by this deployment."),
        unavailableReplicas=int32("Total number of unavailable pods targeted by this deployment."),
        updatedReplicas=int32("Total number of non-terminating pods targeted by this deployment that have "
                              "the desired template spec."),
    ),
    A + "ReplicaSet": kind(
        "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
        "apps", "v1", "ReplicaSet",
        meta_desc="If the Labels of a ReplicaSet are empty, they are defaulted to be the same as the Pod(s) "
                  "that the ReplicaSet manages.",
        spec=ref(A + "ReplicaSetSpec", "Spec defines the specification of the desired behavior of the "
                 "ReplicaSet."),
        status=ref(A + "ReplicaSetStatus", "Status is the most recently observed status of the ReplicaSet.")),
    A + "ReplicaSetList": list_kind("apps", "v1", "ReplicaSetList", A + "ReplicaSet"),
    A + "ReplicaSetSpec": obj(
        "ReplicaSetSpec is the specification of a ReplicaSet.", ("selector",),
        minReadySeconds=_min_ready,
        replicas=int32("Replicas is the number of desired pods. Defaults to 1."),
        selector=_selector,
        template=_template,
    ),
    A + "ReplicaSetStatus": obj(
        "ReplicaSetStatus represents the current status of a ReplicaSet.", ("replicas",),
        availableReplicas=int32("The number of available non-terminating pods (ready for at least "
                                "minReadySeconds) for this replica set."),
        conditions=_cond("ReplicaSet"),
        fullyLabeledReplicas=int32("The number of non-terminating pods that have labels matching the labels "
                                   "of the pod template of the replicaset."),
        observedGeneration=int64("Reflects the generation of the most recently observed ReplicaSet."),
        readyReplicas=int32("The number of non-terminating pods targeted by this ReplicaSet with a Ready "
                            "Condition."),
        replicas=int32("Replicas is the most recently observed number of non-terminating pods."),
        terminatingReplicas=int32("The number of terminating pods for this replica set."),
    ),
    A + "DaemonSet": kind(
        "DaemonSet represents the configuration of a daemon set.", "apps", "v1", "DaemonSet",
        spec=ref(A + "DaemonSetSpec", "The desired behavior of this daemon set."),
        status=ref(A + "DaemonSetStatus", "The current status of this daemon set.")),
    A + "DaemonSetList": list_kind("apps", "v1", "DaemonSetList", A + "DaemonSet"),
    A + "DaemonSetSpec": obj(
        "DaemonSetSpec is the specification of a daemon set.", ("selector", "template"),
        minReadySeconds=_min_ready,
        revisionHistoryLimit=_revision_limit,
        selector=_selector,
        template=ref(CORE + "PodTemplateSpec", "An object that describes the pod that will be created. The "
                     "DaemonSet will create exactly one copy of this pod on every node that matches the "
                     "template's node selector."),
        updateStrategy=ref(A + "DaemonSetUpdateStrategy", "An update strategy to replace existing DaemonSet "
                           "pods with new pods."),
    ),
    A + "DaemonSetUpdateStrategy": obj("DaemonSetUpdateStrategy is a struct used to control the update strategy "
                                       "for a DaemonSet.",
                           rollingUpdate=obj("Spec to control the desired behavior of daemon set rolling "
                                             "update.",
                                             maxSurge=intstr("The maximum number of nodes with an existing "
                                                             "available DaemonSet pod that can have an updated "
                                                             "pod during an update. Defaults to 0."),
                                             maxUnavailable=intstr("The maximum number of DaemonSet pods that "
                                                                   "can be unavailable during the update. "
                                                                   "Defaults to 1.")),
                           type=string("Type of daemon set update. Can be \"RollingUpdate\" or "
                                       "\"OnDelete\". Default is RollingUpdate.",
                                       enum=["OnDelete", "RollingUpdate"])),
    A + "DaemonSetStatus": obj(
        "DaemonSetStatus represents the current status of a daemon set.",
        ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"),
        collisionCount=int32("Count of hash collisions for the DaemonSet."),
        conditions=_cond("DaemonSet"),
        currentNumberScheduled=int32("The number of nodes that are running at least 1 daemon pod and are "
                                     "supposed to run the daemon pod."),
        desiredNumberScheduled=int32("The total number of nodes that should be running the daemon pod."),
        numberAvailable=int32("The number of nodes that should be running the daemon pod and have one or "
                              "more of the daemon pod running and available."),
        numberMisscheduled=int32("The number of nodes that are running the daemon pod, but are not supposed "
                                 "to run the daemon pod."),
        numberReady=int32("The number of nodes that should be running the daemon pod and have one or more of "
                          "the daemon pod running with a Ready Condition."),
        numberUnavailable=int32("The number of nodes that should be running the daemon pod and have none of "
                                "the daemon pod running and available."),
        observedGeneration=int64("The most recent generation observed by the daemon set controller."),
        updatedNumberScheduled=int32("The total number of nodes that are running updated daemon pod."),
    ),
    AS + "Scale": kind(
        "Scale represents a scaling request for a resource.", "autoscaling", "v1", "Scale",
        spec=ref(AS + "ScaleSpec", "spec defines the behavior of the scale."),
        status=ref(AS + "ScaleStatus", "status is the current status of the scale. Read-only.", struct=False)),
    AS + "ScaleSpec": obj("ScaleSpec describes the attributes of a scale subresource.",
                          replicas=int32("The desired number of instances for the scaled object.")),
    AS + "ScaleStatus": obj("ScaleStatus represents the current status of a scale subresource.", ("replicas",),
                            replicas=int32("The actual number of observed instances of the scaled object."),
                            selector=string("Label query over pods that should match the replicas count, in "
                                            "the serialized string form of a label selector.")),
}
for _k in ("Deployment", "ReplicaSet", "DaemonSet"):
    SCHEMAS[A + _k + "Condition"] = condition(
        f"{_k}Condition describes the state of a {_k.lower()} at a certain point.",
        update_time=_k == "Deployment")
