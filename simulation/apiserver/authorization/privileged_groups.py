"""The authorizer kube-apiserver puts in front of all others: members of ``system:masters``
may do anything, whatever RBAC objects exist (upstream's ``NewPrivilegedGroups``). It is
what lets the API server write the bootstrap RBAC policy before any binding exists, and
what keeps an administrator from locking themselves out by deleting ``cluster-admin``."""
from __future__ import annotations

from simulation.apimachinery.wellknown import SYSTEM_MASTERS

from . import ALLOW, NO_OPINION, Attributes


class PrivilegedGroups:
    name = "SystemMasters"

    def __init__(self, groups: tuple[str, ...] = (SYSTEM_MASTERS,)) -> None:
        self.groups = groups

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        if any(g in self.groups for g in attrs.user.groups):
            return ALLOW, ""
        return NO_OPINION, ""
