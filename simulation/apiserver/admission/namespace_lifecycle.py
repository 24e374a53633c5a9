"""NamespaceLifecycle: nothing is created in a namespace that does not exist or is being
deleted, and the system namespaces cannot be deleted.

Upstream registers it as a *mutating* plugin (it implements ``Admit``) and runs it first, so
a create into a missing namespace answers ``404 namespaces "x" not found`` before the body is
even validated; we keep that placement (see :mod:`.registry`). Namespaces themselves, and
cluster-scoped kinds, are always allowed; deletes of namespaced objects too (cleaning up a
terminating namespace is the point).
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import NAMESPACE_DEFAULT, NAMESPACE_PUBLIC, NAMESPACE_SYSTEM

from ..errors import StatusError, not_found, qualified
from . import CREATE, DELETE, UPDATE, AdmissionAttributes, MutatingPlugin
from .helpers import admission_forbidden

PLUGIN_NAME = "NamespaceLifecycle"
IMMORTAL_NAMESPACES = (NAMESPACE_DEFAULT, NAMESPACE_SYSTEM, NAMESPACE_PUBLIC)
#: Resources that only reveal permissions; answering "namespace not found" would leak names.
_ACCESS_REVIEWS = (("authorization.k8s.io", "localsubjectaccessreviews"),)


class NamespaceLifecycle(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        return attrs.operation in (CREATE, UPDATE, DELETE)

    def admit(self, attrs: AdmissionAttributes) -> None:
        rt = attrs.resource_type
        is_namespace = rt.group == "" and rt.kind == "Namespace"
        if attrs.operation == DELETE and is_namespace and attrs.name in IMMORTAL_NAMESPACES:
            message = f'{qualified(rt.name, rt.group)} "{attrs.name}" is forbidden: this namespace may not be deleted'
            raise StatusError(403, "Forbidden", message, {"name": attrs.name, "kind": rt.name}, PLUGIN_NAME)
        if is_namespace or not attrs.namespace:
            return
        if attrs.operation == DELETE or (rt.group, rt.name) in _ACCESS_REVIEWS:
            return
        namespace = attrs.reader.get("namespaces", "", attrs.namespace)
        if namespace is None:
            err = not_found("namespaces", "", attrs.namespace)
            err.plugin = PLUGIN_NAME
            raise err
        if attrs.operation == CREATE and (namespace.get("status") or {}).get("phase") == "Terminating":
            err = admission_forbidden(attrs, f"unable to create new content in namespace {attrs.namespace} because "
                                      "it is being terminated", PLUGIN_NAME)
            err.details = {**(err.details or {}), "causes": [{
                "reason": "NamespaceTerminating",
                "message": f"namespace {attrs.namespace} is being terminated",
                "field": "metadata.namespace",
            }]}
            raise err

    # Upstream's plugin is mutating only; ``validate`` lets a chain that wants it late reuse it.
    validate = admit
