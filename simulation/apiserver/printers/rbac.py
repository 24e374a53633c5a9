"""Printers of the rbac.authorization.k8s.io/v1 bindings: the role a binding grants, and who it
grants it to in the wide columns. Roles and ClusterRoles have no printer upstream."""
from __future__ import annotations

from .columns import AGE, NAME, age_of, column, name_of


def binding_columns(what: str) -> tuple[dict, ...]:
    return (
        NAME,
        column("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
                       "namespace."),
        AGE,
        column("Users", f"Users in the {what}", priority=1),
        column("Groups", f"Groups in the {what}", priority=1),
        column("ServiceAccounts", f"ServiceAccounts in the {what}", priority=1),
    )


ROLEBINDING_COLUMNS = binding_columns("roleBinding")
CLUSTERROLEBINDING_COLUMNS = binding_columns("clusterRoleBinding")


def print_binding(binding: dict, now: float) -> list:
    """RoleBinding and ClusterRoleBinding: ``ClusterRole/edit``, then wide subject lists."""
    role_ref = binding.get("roleRef") or {}
    users, groups, service_accounts = [], [], []
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "ServiceAccount":
            service_accounts.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
        elif kind == "User":
            users.append(subject.get("name", ""))
        elif kind == "Group":
            groups.append(subject.get("name", ""))
    return [name_of(binding), f"{role_ref.get('kind', '')}/{role_ref.get('name', '')}", age_of(binding, now),
              ", ".join(users), ", ".join(groups), ", ".join(service_accounts)]
