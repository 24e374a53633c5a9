"""Priority: a new pod's ``spec.priority`` is computed from its ``priorityClassName`` and may
not be chosen by the user; ``preemptionPolicy`` defaults to ``PreemptLowerPriority``.

This API server serves no PriorityClass objects, so only the two built-in classes exist
(``system-cluster-critical``, ``system-node-critical``); a pod without a class gets priority
0, as in a cluster without a ``globalDefault`` class. The scheduler's preemption reads these.

On update, a body that omits the two fields keeps the stored values (validation forbids
changing them, so a PUT of the original manifest would otherwise fail).
"""
from __future__ import annotations

from . import CREATE, UPDATE, AdmissionAttributes, MutatingPlugin
from .helpers import admission_forbidden, is_pod

PLUGIN_NAME = "Priority"
SYSTEM_PRIORITY_CLASSES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}
DEFAULT_PRIORITY = 0
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"


class Priority(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        return attrs.operation in (CREATE, UPDATE) and is_pod(attrs)

    def admit(self, attrs: AdmissionAttributes) -> None:
        spec = attrs.object.setdefault("spec", {})
        if attrs.operation == UPDATE:
            old_spec = (attrs.old_object or {}).get("spec") or {}
            for key in ("priority", "preemptionPolicy"):
                if spec.get(key) is None and old_spec.get(key) is not None:
                    spec[key] = old_spec[key]
            return
        class_name = spec.get("priorityClassName") or ""
        if not class_name:
            priority = DEFAULT_PRIORITY
        elif class_name in SYSTEM_PRIORITY_CLASSES:
            priority = SYSTEM_PRIORITY_CLASSES[class_name]
        else:
            raise admission_forbidden(attrs, f"no PriorityClass with name {class_name} was found", PLUGIN_NAME)
        given = spec.get("priority")
        if given is not None and given != priority:
            raise admission_forbidden(attrs, f"the integer value of priority ({given}) must not be provided in pod "
                                      f"spec; priority admission controller computed {priority} from the given "
                                      "PriorityClass name", PLUGIN_NAME)
        spec["priority"] = priority
        policy = spec.get("preemptionPolicy")
        if policy is not None and policy != DEFAULT_PREEMPTION_POLICY:
            raise admission_forbidden(attrs, f"the string value of PreemptionPolicy ({policy}) must not be provided in "
                                      f"pod spec; priority admission controller computed {DEFAULT_PREEMPTION_POLICY} "
                                      "from the given PriorityClass name", PLUGIN_NAME)
        spec["preemptionPolicy"] = DEFAULT_PREEMPTION_POLICY
