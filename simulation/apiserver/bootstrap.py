"""What kube-apiserver's bootstrapping gives a fresh cluster: system namespaces with their
default service accounts, the default RBAC policy and the ``kubernetes`` Service — plus the
default ``standard`` StorageClass a kind cluster's storage addon installs.

Everything is written through the API server itself as ``system:apiserver``, so it shows up
in the revision log and the audit trail like any other write. Django's cluster creation and
headless runs (tests, benchmarks) both call :func:`bootstrap`.
"""
from __future__ import annotations

import json

from simulation.apimachinery.resources import by_name
from simulation.apimachinery.wellknown import (APISERVER_USER, DEFAULT_STORAGE_CLASS, LOCAL_PATH_PROVISIONER,
                                               NAMESPACE_DEFAULT, NAMESPACE_NODE_LEASE, NAMESPACE_PUBLIC,
                                               NAMESPACE_SYSTEM, SYSTEM_MASTERS)

from .admission.priority import system_priority_classes
from .authorization.bootstrap_policy import default_objects
from .endpointreconciler import reconcile as reconcile_kubernetes_endpoints
from .ipallocator import KUBERNETES_SERVICE_IP
from .request import APIRequest, UserInfo

APISERVER = UserInfo(APISERVER_USER, (SYSTEM_MASTERS,))
SYSTEM_NAMESPACES = (NAMESPACE_DEFAULT, NAMESPACE_SYSTEM, NAMESPACE_PUBLIC, NAMESPACE_NODE_LEASE)


class BootstrapError(RuntimeError):
    pass


def collection_path(resource: str, namespace: str = "") -> str:
    rt = by_name(resource)
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    return f"{base}/namespaces/{namespace}/{resource}" if rt.namespaced and namespace else f"{base}/{resource}"


def system_create(server, resource: str, obj: dict, namespace: str = "") -> dict:
    """Create ``obj`` as ``system:apiserver``; one that exists already is fine."""
    response = server.handle(APIRequest("POST", collection_path(resource, namespace), obj=obj, user=APISERVER))
    if response.code not in (200, 201) and response.body.get("reason") != "AlreadyExists":
        raise BootstrapError(f"creating {resource} {json.dumps(obj)[:200]}: {response.body.get('message')}")
    return response.body


def bootstrap(server, *, https_port: int = 6443) -> None:
    for namespace in SYSTEM_NAMESPACES:
        system_create(server, "namespaces", {"metadata": {"name": namespace}})
        # What the ServiceAccount controller does for every namespace.
        system_create(server, "serviceaccounts", {"metadata": {"name": "default"}}, namespace)
    for resource, obj in default_objects():
        system_create(server, resource, obj)
    # The scheduling REST storage's post-start hook (policy).
    for obj in system_priority_classes():
        system_create(server, "priorityclasses", obj)
    # The API server's own Service, as kube-apiserver's bootstrap controller creates it.
    system_create(server, "services", {"metadata": {"name": "kubernetes", "labels": {
        "component": "apiserver", "provider": "kubernetes"}}, "spec": {
        "clusterIP": KUBERNETES_SERVICE_IP, "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                       "targetPort": https_port}]}}, "default")
    # Its endpoints, as the endpoint reconciler writes them (slices).
    reconcile_kubernetes_endpoints(server, APISERVER, port=https_port)
    # The cluster's default StorageClass, as kind's storage addon installs it (storage).
    system_create(server, "storageclasses", {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": DEFAULT_STORAGE_CLASS, "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": LOCAL_PATH_PROVISIONER, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"})
