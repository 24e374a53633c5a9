"""Priority (upstream ``plugin/pkg/admission/priority``): a new pod's ``spec.priority`` and
``spec.preemptionPolicy`` come from its PriorityClass, never from the user; PriorityClasses
themselves are guarded (one ``globalDefault``, the two system classes cannot be deleted).

A pod without ``priorityClassName`` gets the ``globalDefault`` class (the lowest value if
several claim it) or, with none, priority 0 and ``PreemptLowerPriority``. The scheduler's
queue and its DefaultPreemption plugin read the resulting ``spec.priority``.

On update, a body that omits the two fields keeps the stored values (validation forbids
changing them, so a PUT of the original manifest would otherwise fail).
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import SYSTEM_PRIORITY_CLASSES

from . import CREATE, DELETE, UPDATE, AdmissionAttributes, MutatingPlugin
from .helpers import admission_forbidden, is_pod

PLUGIN_NAME = "Priority"
SYSTEM_PRIORITY_CLASS_DESCRIPTIONS = {
    "system-node-critical": "Used for system critical pods that must not be moved from their current node.",
    "system-cluster-critical": "Used for system critical pods that must run in the cluster, but can be moved to "
                               "another node if necessary.",
}
DEFAULT_PRIORITY = 0
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"


def system_priority_classes() -> list[dict]:
    """The objects the API server's bootstrap writes (``schedulingapiv1.SystemPriorityClasses()``)."""
    return [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
             "value": value, "description": SYSTEM_PRIORITY_CLASS_DESCRIPTIONS[name]}
            for name, value in SYSTEM_PRIORITY_CLASSES.items()]


def _is_priority_class(attrs: AdmissionAttributes) -> bool:
    rt = attrs.resource_type
    return rt.group == "scheduling.k8s.io" and rt.name == "priorityclasses" and not attrs.subresource


def _default_class(attrs: AdmissionAttributes) -> dict | None:
    """``getDefaultPriorityClass``: the ``globalDefault`` class with the lowest value, if any."""
    defaults = [pc for pc in attrs.reader.list("priorityclasses") if pc.get("globalDefault")]
    return min(defaults, key=lambda pc: pc.get("value", 0)) if defaults else None


class Priority(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        if is_pod(attrs):
            return attrs.operation in (CREATE, UPDATE)
        return _is_priority_class(attrs)

    def admit(self, attrs: AdmissionAttributes) -> None:
        if _is_priority_class(attrs):
            self._guard_priority_class(attrs)
            return
        spec = attrs.object.setdefault("spec", {})
        if attrs.operation == UPDATE:
            old_spec = (attrs.old_object or {}).get("spec") or {}
            for key in ("priority", "preemptionPolicy"):
                if spec.get(key) is None and old_spec.get(key) is not None:
                    spec[key] = old_spec[key]
            return
        class_name = spec.get("priorityClassName") or ""
        if not class_name:
            pc = _default_class(attrs)
            if pc is not None:
                spec["priorityClassName"] = pc["metadata"]["name"]
        else:
            pc = attrs.reader.get("priorityclasses", "", class_name)
            if pc is None:
                raise admission_forbidden(attrs, f"no PriorityClass with name {class_name} was found", PLUGIN_NAME)
        priority = pc.get("value", 0) if pc is not None else DEFAULT_PRIORITY
        policy = (pc or {}).get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
        given = spec.get("priority")
        if given is not None and given != priority:
            raise admission_forbidden(attrs, f"the integer value of priority ({given}) must not be provided in pod "
                                      f"spec; priority admission controller computed {priority} from the given "
                                      "PriorityClass name", PLUGIN_NAME)
        spec["priority"] = priority
        given_policy = spec.get("preemptionPolicy")
        if given_policy is not None and given_policy != policy:
            raise admission_forbidden(attrs, f"the string value of PreemptionPolicy ({given_policy}) must not be "
                                      f"provided in pod spec; priority admission controller computed {policy} "
                                      "from the given PriorityClass name", PLUGIN_NAME)
        spec["preemptionPolicy"] = policy

    @staticmethod
    def _guard_priority_class(attrs: AdmissionAttributes) -> None:
        """``validatePriorityClass``: only one class may be the global default; and, as the
        registry's REST ``Delete``, the system classes stay."""
        if attrs.operation == DELETE:
            if attrs.name in SYSTEM_PRIORITY_CLASSES:
                raise admission_forbidden(attrs, "this is a system priority class and cannot be deleted", PLUGIN_NAME)
            return
        if attrs.operation not in (CREATE, UPDATE) or not isinstance(attrs.object, dict):
            return
        if not attrs.object.get("globalDefault"):
            return
        name = (attrs.object.get("metadata") or {}).get("name", "")
        current = _default_class(attrs)
        if current is not None and current["metadata"]["name"] != name:
            raise admission_forbidden(attrs, f"PriorityClass {current['metadata']['name']} is already marked as "
                                      "default. Only one default can exist", PLUGIN_NAME)
