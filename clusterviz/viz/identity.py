"""Who the logged-in Django user is inside a cluster.

The page talks to the same Kubernetes API (and simulation control API) as kubectl, with a
bearer token of the cluster's static token list (:class:`~clusterviz.clusters.models.TokenRecord`):

- a Django superuser or staff member acts as the user of the same name in group
  ``system:masters`` (a cluster administrator, like ``manage.py kubeconfig``'s admin);
- any other Django user acts as the user of the same name with no group, so RBAC decides,
  exactly as for ``manage.py kubeconfig --user NAME``: the same RoleBindings apply to the
  learner's kubectl and to their browser.
"""
from __future__ import annotations

import secrets

from clusterviz.clusters.models import Cluster, TokenRecord
from simulation.apimachinery.wellknown import SYSTEM_MASTERS


def cluster_identity(user) -> tuple[str, list[str]]:  # noqa: ANN001 - a Django user
    groups = [SYSTEM_MASTERS] if (user.is_superuser or user.is_staff) else []
    return user.get_username(), groups


def token_for(cluster: Cluster, user) -> TokenRecord:  # noqa: ANN001 - a Django user
    """The token the page uses for ``user`` in ``cluster`` (created on first use)."""
    name, groups = cluster_identity(user)
    for record in TokenRecord.objects.filter(cluster=cluster, user=name):
        if sorted(record.groups) == sorted(groups):
            return record
    return TokenRecord.objects.create(cluster=cluster, token=secrets.token_urlsafe(32), user=name, groups=groups)
