"""Creating clusters and users: what ``kube-apiserver`` bootstrapping and an administrator's
token file would give a fresh cluster.

Everything a new cluster starts with (namespaces, default service accounts, the default
RBAC roles) is written through the cluster's own API server as ``system:apiserver``, so it
shows up in the revision log and the audit trail like any other write.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction

from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver import bootstrap as apiserver_bootstrap
from simulation.apiserver.bootstrap import APISERVER
from simulation.apiserver.endpointreconciler import reconcile as reconcile_kubernetes_endpoints

from . import apiservers
from .models import Cluster, TokenRecord

ADMIN_USER = "admin"


def system_create(cluster_name: str, resource: str, obj: dict, namespace: str = "") -> dict:
    """Create ``obj`` through the cluster's API server as ``system:apiserver``; existing is fine."""
    return apiserver_bootstrap.system_create(apiservers.get(cluster_name), resource, obj, namespace)


def create_cluster(name: str, *, anonymous_enabled: bool = False, always_pull_images: bool = False,
                   sim_state: dict | None = None) -> Cluster:
    """A new, empty cluster with its admin token, system namespaces and default RBAC: the one
    way every cluster is made (``up``'s demo, the home page's form, the admin,
    ``manage.py createcluster``).

    ``sim_state`` (a simulated cluster's, :mod:`.topology`) is saved first, as its clock stamps
    the bootstrap objects; it is marked ``enabled`` only once they are written, so a running
    ``up`` or ``simworker`` (which host every enabled cluster they see) never starts kubelets
    in a cluster without its namespaces."""
    state = dict(sim_state or {})
    enabled = state.pop("enabled", False)
    with transaction.atomic():
        cluster = Cluster.objects.create(name=name, anonymous_enabled=anonymous_enabled,
                                         always_pull_images=always_pull_images, sim_state=state)
        TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=ADMIN_USER,
                                   groups=[SYSTEM_MASTERS])
    apiservers.forget(name)
    apiserver_bootstrap.bootstrap(apiservers.get(name), https_port=settings.CLUSTERVIZ_HTTPS_PORT)
    if enabled:
        cluster.sim_state = {**state, "enabled": True}
        cluster.save(update_fields=["sim_state"])
    return cluster


def ensure_cluster(name: str, sim_state: dict | None = None) -> Cluster:
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        return create_cluster(name, sim_state=sim_state)
    # A cluster made before the API server wrote its own endpoints gets them now, as upstream's
    # endpoint reconciler would on its next pass.
    reconcile_kubernetes_endpoints(apiservers.get(name), APISERVER, port=settings.CLUSTERVIZ_HTTPS_PORT)
    return cluster


def user_token(cluster: Cluster, user: str | None = None) -> TokenRecord:
    """The token of ``user`` (created with no groups, hence no permissions, if missing);
    without ``user``, the cluster's admin token."""
    if user is None:
        record = next((t for t in TokenRecord.objects.filter(cluster=cluster, user=ADMIN_USER)
                       if SYSTEM_MASTERS in t.groups), None)
        if record is None:
            record = TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=ADMIN_USER,
                                                groups=[SYSTEM_MASTERS])
        return record
    record = TokenRecord.objects.filter(cluster=cluster, user=user).first()
    return record or TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=user,
                                                groups=[])
