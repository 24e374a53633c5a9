"""Creating clusters and users: what ``kube-apiserver`` bootstrapping and an administrator's
token file would give a fresh cluster.

Everything a new cluster starts with (namespaces, default service accounts, the default
RBAC roles) is written through the cluster's own API server as ``system:apiserver``, so it
shows up in the revision log and the audit trail like any other write.
"""
from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.db import transaction

from simulation.apiserver.authorization.bootstrap_policy import default_objects
from simulation.apiserver.ipallocator import KUBERNETES_SERVICE_IP
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.apiserver.resources import RESOURCES

from . import apiservers
from .models import Cluster, TokenRecord

ADMIN_USER = "admin"
MASTERS = "system:masters"
APISERVER = UserInfo("system:apiserver", (MASTERS,))
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class BootstrapError(RuntimeError):
    pass


def _path(resource: str, namespace: str = "") -> str:
    rt = next(r for r in RESOURCES if r.name == resource)
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    return f"{base}/namespaces/{namespace}/{resource}" if rt.namespaced and namespace else f"{base}/{resource}"


def system_create(cluster_name: str, resource: str, obj: dict, namespace: str = "") -> dict:
    """Create ``obj`` through the cluster's API server as ``system:apiserver``; existing is fine."""
    server = apiservers.get(cluster_name)
    response = server.handle(APIRequest("POST", _path(resource, namespace), obj=obj, user=APISERVER))
    if response.code not in (200, 201) and response.body.get("reason") != "AlreadyExists":
        raise BootstrapError(f"creating {resource} {json.dumps(obj)[:200]}: {response.body.get('message')}")
    return response.body


def create_cluster(name: str, *, anonymous_enabled: bool = False, always_pull_images: bool = False) -> Cluster:
    """A new, empty cluster with its admin token, system namespaces and default RBAC."""
    with transaction.atomic():
        cluster = Cluster.objects.create(name=name, anonymous_enabled=anonymous_enabled,
                                         always_pull_images=always_pull_images)
        TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=ADMIN_USER,
                                   groups=[MASTERS])
    apiservers.forget(name)
    for namespace in SYSTEM_NAMESPACES:
        system_create(name, "namespaces", {"metadata": {"name": namespace}})
        # What the ServiceAccount controller does for every namespace.
        system_create(name, "serviceaccounts", {"metadata": {"name": "default"}}, namespace)
    for resource, obj in default_objects():
        system_create(name, resource, obj)
    # The API server's own Service, as kube-apiserver's bootstrap controller creates it.
    system_create(name, "services", {"metadata": {"name": "kubernetes", "labels": {
        "component": "apiserver", "provider": "kubernetes"}}, "spec": {
        "clusterIP": KUBERNETES_SERVICE_IP, "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                       "targetPort": settings.CLUSTERVIZ_HTTPS_PORT}]}}, "default")
    return cluster


def ensure_cluster(name: str) -> Cluster:
    cluster = Cluster.objects.filter(name=name).first()
    return cluster or create_cluster(name)


def user_token(cluster: Cluster, user: str | None = None) -> TokenRecord:
    """The token of ``user`` (created with no groups, hence no permissions, if missing);
    without ``user``, the cluster's admin token."""
    if user is None:
        record = next((t for t in TokenRecord.objects.filter(cluster=cluster, user=ADMIN_USER)
                       if MASTERS in t.groups), None)
        if record is None:
            record = TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=ADMIN_USER,
                                                groups=[MASTERS])
        return record
    record = TokenRecord.objects.filter(cluster=cluster, user=user).first()
    return record or TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=user,
                                                groups=[])
