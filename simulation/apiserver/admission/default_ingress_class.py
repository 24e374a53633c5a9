"""DefaultIngressClass (upstream ``plugin/pkg/admission/network/defaultingressclass``): a new
Ingress that names no class gets the cluster's default IngressClass.

Why it exists: an ingress controller serves only the Ingresses of its own class, so an Ingress
without one would be served by nobody. The IngressClass annotated
``ingressclass.kubernetes.io/is-default-class: "true"`` is the default; when several are, the
newest wins (ties: the smaller name), as upstream's ``getDefaultClass`` sorts them. An Ingress that sets
``spec.ingressClassName`` or the deprecated ``kubernetes.io/ingress.class`` annotation is left
alone, and so is every update.
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import INGRESS_CLASS_ANNOTATION, INGRESS_CLASS_DEFAULT_ANNOTATION

from . import CREATE, AdmissionAttributes, MutatingPlugin

PLUGIN_NAME = "DefaultIngressClass"


def default_ingress_class(classes: list[dict]) -> dict | None:
    """``getDefaultClass``: the newest IngressClass marked default, None when none is."""
    defaults = [c for c in classes
                if ((c.get("metadata") or {}).get("annotations") or {}).get(INGRESS_CLASS_DEFAULT_ANNOTATION) == "true"]
    if not defaults:
        return None
    defaults.sort(key=lambda c: c["metadata"]["name"])
    defaults.sort(key=lambda c: c["metadata"].get("creationTimestamp") or "", reverse=True)
    return defaults[0]


class DefaultIngressClass(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        rt = attrs.resource_type
        return (attrs.operation == CREATE and rt.group == "networking.k8s.io" and rt.name == "ingresses"
                and not attrs.subresource)

    def admit(self, attrs: AdmissionAttributes) -> None:
        spec = attrs.object.setdefault("spec", {})
        annotations = (attrs.object.get("metadata") or {}).get("annotations") or {}
        if spec.get("ingressClassName") is not None or INGRESS_CLASS_ANNOTATION in annotations:
            return
        default = default_ingress_class(attrs.reader.list("ingressclasses"))
        if default is not None:
            spec["ingressClassName"] = default["metadata"]["name"]
