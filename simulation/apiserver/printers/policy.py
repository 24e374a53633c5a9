"""Printers of the policy part's kinds: scheduling.k8s.io/v1 PriorityClass and policy/v1
PodDisruptionBudget, with upstream's columns (``pkg/printers/internalversion/printers.go``)."""
from __future__ import annotations

from .columns import AGE, NAME, age_of, column, name_of

PRIORITYCLASS_COLUMNS = (
    NAME,
    column("Value", "value represents the integer value of this priority class. This is the actual priority that "
                    "pods receive when they have the name of this class in their pod spec.", "integer"),
    column("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default "
                             "priority for pods that do not have any priority class. Only one PriorityClass can be "
                             "marked as `globalDefault`. However, if more than one PriorityClasses exists with their "
                             "`globalDefault` field set to true, the smallest value of such global default "
                             "PriorityClasses will be used as the default priority.", "boolean"),
    AGE,
    column("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority. One of "
                               "Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
)


def print_priority_class(pc: dict, now: float) -> list:
    return [name_of(pc), pc.get("value", 0), bool(pc.get("globalDefault")), age_of(pc, now),
            pc.get("preemptionPolicy") or ""]


PODDISRUPTIONBUDGET_COLUMNS = (
    NAME,
    column("Min Available", "The minimum number of pods that must be available."),
    column("Max Unavailable", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", "integer"),
    AGE,
)


def print_pod_disruption_budget(pdb: dict, now: float) -> list:
    spec = pdb.get("spec") or {}
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    return [name_of(pdb), "N/A" if min_available is None else str(min_available),
            "N/A" if max_unavailable is None else str(max_unavailable),
            (pdb.get("status") or {}).get("disruptionsAllowed", 0), age_of(pdb, now)]
