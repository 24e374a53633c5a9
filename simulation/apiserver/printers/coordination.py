"""Printer of the coordination.k8s.io/v1 Lease: who holds it (a node's heartbeat, a leader)."""
from __future__ import annotations

from .columns import AGE, NAME, age_of, column, name_of


LEASE_COLUMNS = (
    NAME,
    column("Holder", "holderIdentity contains the identity of the holder of a current lease."),
    AGE,
)


def print_lease(lease: dict, now: float) -> list:
    return [name_of(lease), (lease.get("spec") or {}).get("holderIdentity") or "", age_of(lease, now)]
