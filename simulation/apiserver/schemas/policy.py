"""io.k8s.api.policy.v1: PodDisruptionBudget, which the disruption controller keeps and the
scheduler's preemption respects."""
from __future__ import annotations

from ._helpers import META, arr, int32, int64, intstr, kind, list_kind, mapof, obj, ref, string, time

P = "io.k8s.api.policy.v1."

SCHEMAS = {
    P + "PodDisruptionBudget": kind(
        "PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of "
        "pods", "policy", "v1", "PodDisruptionBudget",
        spec=ref(P + "PodDisruptionBudgetSpec", "Specification of the desired behavior of the "
                 "PodDisruptionBudget."),
        status=ref(P + "PodDisruptionBudgetStatus", "Most recently observed status of the PodDisruptionBudget.")),
    P + "PodDisruptionBudgetList": list_kind("policy", "v1", "PodDisruptionBudgetList", P + "PodDisruptionBudget",
                                             "PodDisruptionBudgetList is a collection of PodDisruptionBudgets."),
    P + "PodDisruptionBudgetSpec": obj(
        "PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.",
        maxUnavailable=intstr("An eviction is allowed if at most \"maxUnavailable\" pods selected by "
                              "\"selector\" are unavailable after the eviction, i.e. even in absence of the "
                              "evicted pod. For example, one can prevent all voluntary evictions by specifying 0. "
                              "This is a mutually exclusive setting with \"minAvailable\"."),
        minAvailable=intstr("An eviction is allowed if at least \"minAvailable\" pods selected by \"selector\" "
                            "will still be available after the eviction, i.e. even in the absence of the evicted "
                            "pod.  So for example you can prevent all voluntary evictions by specifying \"100%\"."),
        selector=ref(META + "LabelSelector", "Label query over pods whose evictions are managed by the disruption "
                     "budget. A null selector will match no pods, while an empty ({}) selector will select all "
                     "pods within the namespace.", struct=False) | {"x-kubernetes-patch-strategy": "replace"},
        unhealthyPodEvictionPolicy=string("UnhealthyPodEvictionPolicy defines the criteria for when unhealthy "
                                          "pods should be considered for eviction.",
                                          enum=["AlwaysAllow", "IfHealthyBudget"]),
    ),
    P + "PodDisruptionBudgetStatus": obj(
        "PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget. Status may "
        "trail the actual state of a system.",
        ("currentHealthy", "desiredHealthy", "disruptionsAllowed", "expectedPods"),
        conditions=arr(META + "Condition", "Conditions contain conditions for PDB. The disruption controller "
                       "sets the DisruptionAllowed condition.", merge_key="type"),
        currentHealthy=int32("current number of healthy pods"),
        desiredHealthy=int32("minimum desired number of healthy pods"),
        disruptedPods=mapof(time(""), "DisruptedPods contains information about pods whose eviction was "
                            "processed by the API server eviction subresource handler but has not yet been "
                            "observed by the PodDisruptionBudget controller."),
        disruptionsAllowed=int32("Number of pod disruptions that are currently allowed."),
        expectedPods=int32("total number of pods counted by this disruption budget"),
        observedGeneration=int64("Most recent generation observed when updating this PDB status. "
                                 "DisruptionsAllowed and other status information is valid only if "
                                 "observedGeneration equals to PDB's object generation."),
    ),
}
