"""io.k8s.api.scheduling.v1: PriorityClass, what the Priority admission plugin and the
scheduler's DefaultPreemption read."""
from __future__ import annotations

from ._helpers import boolean, int32, kind, list_kind, string

S = "io.k8s.api.scheduling.v1."

SCHEMAS = {
    S + "PriorityClass": kind(
        "PriorityClass defines mapping from a priority class name to the priority integer value. The value can "
        "be any valid integer.", "scheduling.k8s.io", "v1", "PriorityClass", ("value",),
        meta_desc="Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/"
                  "sig-architecture/api-conventions.md#metadata",
        description=string("description is an arbitrary string that usually provides guidelines on when this "
                           "priority class should be used."),
        globalDefault=boolean("globalDefault specifies whether this PriorityClass should be considered as the "
                              "default priority for pods that do not have any priority class. Only one "
                              "PriorityClass can be marked as `globalDefault`. However, if more than one "
                              "PriorityClasses exists with their `globalDefault` field set to true, the smallest "
                              "value of such global default PriorityClasses will be used as the default "
                              "priority."),
        preemptionPolicy=string("preemptionPolicy is the Policy for preempting pods with lower priority. One of "
                                "Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
                                enum=["Never", "PreemptLowerPriority"]),
        value=int32("value represents the integer value of this priority class. This is the actual priority "
                    "that pods receive when they have the name of this class in their pod spec."),
    ),
    S + "PriorityClassList": list_kind("scheduling.k8s.io", "v1", "PriorityClassList", S + "PriorityClass",
                                       "PriorityClassList is a collection of priority classes."),
}
