"""Controller expectations, as upstream's ``ControllerExpectations`` and
``UIDTrackingControllerExpectations`` (``pkg/controller/controller_utils.go``).

Why they exist: a controller's informer cache lags the store. Right after a ReplicaSet
controller creates 3 pods, its cache may still show 0; syncing again then would create 3 more.
So before writing, the controller records what it expects to see ("3 adds for default/web"),
the pod event handlers count the expectations down as the informer delivers them, and a sync
touches pods only once the expectations are *satisfied*: fulfilled (nothing more expected),
expired (older than :data:`EXPECTATIONS_TIMEOUT_SECONDS`, so a lost event cannot wedge the
controller forever), or absent (a controller it has never seen).

The UID-tracking variant remembers *which* pods it deleted, so a deletion is counted once
even when it is observed twice (the update that sets ``deletionTimestamp``, then the delete).
Time is the kernel's virtual clock, passed in as ``clock``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: ``ExpectationsTimeout``: five minutes.
EXPECTATIONS_TIMEOUT_SECONDS = 5 * 60.0


@dataclass
class ControlleeExpectations:
    key: str
    add: int = 0
    delete: int = 0
    timestamp: float = 0.0

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0

    def get(self) -> tuple[int, int]:
        return self.add, self.delete


class ControllerExpectations:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._store: dict[str, ControlleeExpectations] = {}

    def get_expectations(self, key: str) -> ControlleeExpectations | None:
        return self._store.get(key)

    def delete_expectations(self, key: str) -> None:
        self._store.pop(key, None)

    def satisfied_expectations(self, key: str) -> bool:
        exp = self._store.get(key)
        if exp is None:
            return True  # a new controller, or one whose expectations were deleted
        return exp.fulfilled() or self._expired(exp)

    def _expired(self, exp: ControlleeExpectations) -> bool:
        return self.clock() - exp.timestamp > EXPECTATIONS_TIMEOUT_SECONDS

    def set_expectations(self, key: str, add: int, delete: int) -> None:
        self._store[key] = ControlleeExpectations(key, add, delete, self.clock())

    def expect_creations(self, key: str, adds: int) -> None:
        self.set_expectations(key, adds, 0)

    def expect_deletions(self, key: str, dels: int) -> None:
        self.set_expectations(key, 0, dels)

    def lower_expectations(self, key: str, add: int, delete: int) -> None:
        exp = self._store.get(key)
        if exp is not None:
            exp.add -= add
            exp.delete -= delete

    def raise_expectations(self, key: str, add: int, delete: int) -> None:
        exp = self._store.get(key)
        if exp is not None:
            exp.add += add
            exp.delete += delete

    def creation_observed(self, key: str) -> None:
        self.lower_expectations(key, 1, 0)

    def deletion_observed(self, key: str) -> None:
        self.lower_expectations(key, 0, 1)

    def describe(self, key: str) -> str:
        """Plain words for captions: ``2 creations and 0 deletions``."""
        exp = self._store.get(key)
        if exp is None:
            return "nothing"
        return f"{max(exp.add, 0)} pod creation(s) and {max(exp.delete, 0)} deletion(s)"


class UIDTrackingControllerExpectations(ControllerExpectations):
    """Deletions are tracked by pod key, so each deleted pod lowers the count once."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(clock)
        self._uids: dict[str, set[str]] = {}

    def get_uids(self, key: str) -> set[str] | None:
        return self._uids.get(key)

    def expect_deletions(self, key: str, deleted_keys: list[str]) -> None:  # type: ignore[override]
        expected = set(deleted_keys)
        self._uids[key] = expected
        super().expect_deletions(key, len(expected))

    def deletion_observed(self, key: str, deleted_key: str = "") -> None:  # type: ignore[override]
        uids = self._uids.get(key)
        if uids is not None and deleted_key in uids:
            super().deletion_observed(key)
            uids.discard(deleted_key)

    def delete_expectations(self, key: str) -> None:
        self._uids.pop(key, None)
        super().delete_expectations(key)
