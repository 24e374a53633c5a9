"""io.k8s.api.core.v1.ReplicationController: the book's workload kind, with its equality selector
(a plain map, where apps/v1 has a ``LabelSelector``) and its template optional in the schema."""
from __future__ import annotations

from ._helpers import (
    CORE,
    arr,
    condition,
    int32,
    int64,
    kind,
    list_kind,
    obj,
    ref,
    strmap,
)

SCHEMAS = {
    CORE + "ReplicationController": kind(
        "ReplicationController represents the configuration of a replication controller.",
        "", "v1", "ReplicationController",
        meta_desc="If the Labels of a ReplicationController are empty, they are defaulted to be the same as "
                  "the Pod(s) that the replication controller manages.",
        spec=ref(CORE + "ReplicationControllerSpec", "Spec defines the specification of the desired behavior "
                 "of the replication controller."),
        status=ref(CORE + "ReplicationControllerStatus", "Status is the most recently observed status of the "
                   "replication controller.")),
    CORE + "ReplicationControllerList": list_kind("", "v1", "ReplicationControllerList",
                                                  CORE + "ReplicationController"),
    CORE + "ReplicationControllerSpec": obj(
        "ReplicationControllerSpec is the specification of a replication controller.",
        minReadySeconds=int32("Minimum number of seconds for which a newly created pod should be ready without "
                              "any of its container crashing, for it to be considered available. Defaults to 0."),
        replicas=int32("Replicas is the number of desired replicas. This is a pointer to distinguish between "
                       "explicit zero and unspecified. Defaults to 1."),
        selector=strmap("Selector is a label query over pods that should match the Replicas count. If Selector "
                        "is empty, it is defaulted to the labels present on the Pod template.")
        | {"x-kubernetes-map-type": "atomic"},
        template=ref(CORE + "PodTemplateSpec", "Template is the object that describes the pod that will be "
                     "created if insufficient replicas are detected.", struct=False),
    ),
    CORE + "ReplicationControllerStatus": obj(
        "ReplicationControllerStatus represents the current status of a replication controller.", ("replicas",),
        availableReplicas=int32("The number of available replicas (ready for at least minReadySeconds) for "
                                "this replication controller."),
        conditions=arr(CORE + "ReplicationControllerCondition", "Represents the latest available observations "
                       "of a replication controller's current state.", merge_key="type"),
        fullyLabeledReplicas=int32("The number of pods that have labels matching the labels of the pod "
                                   "template of the replication controller."),
        observedGeneration=int64("ObservedGeneration reflects the generation of the most recently observed "
                                 "replication controller."),
        readyReplicas=int32("The number of ready replicas for this replication controller."),
        replicas=int32("Replicas is the most recently observed number of replicas."),
    ),
    CORE + "ReplicationControllerCondition": condition(
        "ReplicationControllerCondition describes the state of a replication controller at a certain point."),
}
