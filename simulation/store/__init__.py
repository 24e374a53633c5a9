"""The etcd-like store contract that the API server writes through.

Promises, shared by every implementation (in memory here, Django models in
``clusterviz.clusters.store``) and checked by one contract test suite:

* One revision counter per store (per cluster). Every successful write bumps it by
  exactly one; an object's ``metadata.resourceVersion`` is the revision of its last
  write, as a string. Commit order equals revision order.
* ``create`` of an existing key raises :class:`KeyExistsError`; ``update`` or
  ``delete`` with an ``expected_revision`` that is not the key's current
  modification revision raises :class:`RevisionConflictError` and writes nothing.
* Every write is appended to a revision log, so ``events_since(R, prefix)`` returns
  every change after ``R`` under ``prefix``, in revision order, with no gap and no
  duplicate. The log is compacted; asking for a revision older than the compaction
  point raises :class:`CompactedError` (the API server turns it into 410 Expired).
* Objects go in and come out as plain JSON dicts; callers get their own copies and
  can never change what is stored by mutating a returned dict.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, Protocol, overload

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


class StoreError(Exception):
    """Base class of the store's refusals; each maps to one Kubernetes Status."""


class KeyExistsError(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key exists: {key}")
        self.key = key


class KeyNotFoundError(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class RevisionConflictError(StoreError):
    """The compare-and-set saw another revision than the caller expected."""

    def __init__(self, key: str, expected: int, actual: int | None) -> None:
        super().__init__(f"revision conflict on {key}: expected {expected}, found {actual}")
        self.key = key
        self.expected = expected
        self.actual = actual


class CompactedError(StoreError):
    """The requested revision is older than what the revision log still holds."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"required revision {requested} has been compacted (compacted to {compacted})")
        self.requested = requested
        self.compacted = compacted


@dataclass(frozen=True)
class WatchEvent:
    """One entry of the revision log, as a watcher sees it."""

    type: str
    key: str
    revision: int
    object: dict
    prev_object: dict | None = None
    #: Bytes of the stored JSON of both states: what a cache of events is bounded by.
    size: int = 0


#: Upstream's ``SpecialDefaultResourcePrefixes`` (pkg/kubeapiserver/default_storage_factory_builder.go):
#: the core resources etcd keeps under another name than their own. Every other resource's
#: keys start ``/registry/<resource>/``.
SPECIAL_PREFIXES = {
    "replicationcontrollers": "controllers",
    "endpoints": "services/endpoints",
    "nodes": "minions",
    "services": "services/specs",
}
_RESOURCE_BY_PREFIX = {prefix: resource for resource, prefix in SPECIAL_PREFIXES.items()}


def storage_prefix(resource: str) -> str:
    """The path under ``/registry/`` where ``resource`` lives: ``minions`` for nodes."""
    return SPECIAL_PREFIXES.get(resource, resource)


def registry_key(resource: str, namespace: str | None, name: str) -> str:
    """etcd's layout: ``/registry/<prefix>/<namespace>/<name>`` (no namespace for cluster-scoped)."""
    if namespace:
        return f"/registry/{storage_prefix(resource)}/{namespace}/{name}"
    return f"/registry/{storage_prefix(resource)}/{name}"


def registry_prefix(resource: str, namespace: str | None = None) -> str:
    """The prefix under which a list or watch of ``resource`` (in ``namespace``) reads; ends in ``/``."""
    if namespace:
        return f"/registry/{storage_prefix(resource)}/{namespace}/"
    return f"/registry/{storage_prefix(resource)}/"


def split_key(key: str) -> tuple[str, str]:
    """(resource, the rest) of a key or prefix: ``("services", "default/web")`` for
    ``/registry/services/specs/default/web``."""
    rest = key.removeprefix("/registry/")
    first, _, tail = rest.partition("/")
    if first == "services":
        second, _, tail2 = tail.partition("/")
        resource = _RESOURCE_BY_PREFIX.get(f"services/{second}")
        if resource is not None:
            return resource, tail2
    return _RESOURCE_BY_PREFIX.get(first, first), tail


def resource_of_key(key: str) -> str:
    """The resource a key (or prefix) belongs to: ``nodes`` for ``/registry/minions/node-1``."""
    return split_key(key)[0]


def set_resource_version(obj: dict, revision: int) -> dict:
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


class Store(Protocol):
    """What the API server needs from etcd. Nothing else may hold a Store."""

    def current_revision(self) -> int: ...

    def compacted_revision(self) -> int: ...

    def get(self, key: str) -> dict: ...

    def list(self, prefix: str, *, after_key: str | None = None, limit: int | None = None,
             min_revision: int | None = None) -> tuple[list[dict], int, str | None]:
        """Objects under ``prefix`` in key order, the revision they were read at, and the
        last key returned when ``limit`` cut the list short (else ``None``).

        ``min_revision`` older than the compaction point raises :class:`CompactedError`.
        """
        ...

    def create(self, key: str, obj: dict) -> dict: ...

    def update(self, key: str, obj: dict, expected_revision: int) -> dict: ...

    def delete(self, key: str, expected_revision: int | None = None) -> dict: ...

    def events_since(self, revision: int, prefix: str, limit: int | None = None) -> list[WatchEvent]: ...

    def compact(self, revision: int) -> None: ...

    def cached(self, key: str) -> dict | None:
        """A copy of ``key``'s object as this store last wrote it, if it remembers one, without
        reading; perhaps no longer current (another writer may have changed it since). Only
        for :func:`guaranteed_update`'s ``cached``, whose compare-and-set verifies it. A store
        whose reads cost no more than this (in memory) returns None."""
        ...


#: How many times :func:`guaranteed_update` reads again after losing a race before it gives
#: up with :class:`RevisionConflictError` (the API server answers 409). Upstream's etcd3 store
#: retries for as long as it takes; a bound turns a livelock into an error someone sees.
GUARANTEED_UPDATE_ATTEMPTS = 16


class Deletion(enum.Enum):
    """The type of :data:`DELETE` (an enum, so the one value is a typed singleton)."""

    DELETE = "delete"


#: What ``try_update`` returns to delete the object it was given rather than write a new
#: version, on the same condition as an update (nobody wrote since the read): upstream's
#: ``Store.Delete``, and ``Store.Update`` when an update removes the last finalizer.
DELETE = Deletion.DELETE


@overload
def guaranteed_update(store: Store, key: str, try_update: Callable[[dict], dict | Deletion | None], *,
                      attempts: int = GUARANTEED_UPDATE_ATTEMPTS, cached: dict | None = None) -> dict: ...


@overload
def guaranteed_update(store: Store, key: str, try_update: Callable[[dict], dict | Deletion | None], *,
                      try_create: Callable[[], dict | None] | None,
                      attempts: int = GUARANTEED_UPDATE_ATTEMPTS, cached: dict | None = None) -> dict | None: ...


def guaranteed_update(store: Store, key: str, try_update: Callable[[dict], dict | Deletion | None], *,
                      try_create: Callable[[], dict | None] | None = None,
                      attempts: int = GUARANTEED_UPDATE_ATTEMPTS, cached: dict | None = None) -> dict | None:
    """Read, transform, compare-and-set; read again and retry when someone else wrote first.

    Like upstream's ``GuaranteedUpdate``: ``try_update`` gets a fresh copy of the current
    object and returns the new one, :data:`DELETE`, or ``None`` to write nothing; the write
    is conditional on the revision read. A missing key raises :class:`KeyNotFoundError`,
    unless ``try_create`` is given (upstream's ``ignoreNotFound``): then the object it returns
    is created (``None``: nothing is), and should someone else create or delete the key first,
    the next try reads what they left. Errors either function raises propagate unchanged, so
    a validation failure aborts without writing.

    Returns what was written (for a delete, the last state at the deletion's revision) or,
    when nothing was, what was read (``None`` when nothing was there).

    ``cached`` (a copy the caller may have changed hands to ``try_update``, as upstream's
    cacher passes ``cachedExistingObject``): the object as a cache last saw it, tried first
    instead of a read. Its revision is not known to be current, only the compare-and-set
    proves it, so every other outcome of that try — ``try_update`` raising or writing
    nothing, the write refused or finding no key — reads the store and tries again, as
    upstream's etcd3 store does while ``origStateIsCurrent`` is false. That try is not
    counted in ``attempts``.
    """
    for _ in range(attempts + (cached is not None)):
        if cached is not None:
            current, cached, unverified = cached, None, True
        else:
            unverified = False
            try:
                current = store.get(key)
            except KeyNotFoundError:
                if try_create is None:
                    raise
                created = try_create()
                if created is None:
                    return None
                try:
                    return store.create(key, created)
                except KeyExistsError:
                    continue
        revision = int(current["metadata"]["resourceVersion"])
        try:
            updated = try_update(current)
        except Exception:
            if unverified:  # maybe refused for being stale: decide again on what is stored
                continue
            raise
        if updated is None:
            if unverified:  # "nothing to write" must be said of what is stored
                continue
            return current
        try:
            if updated is DELETE:
                return store.delete(key, revision)
            return store.update(key, updated, revision)
        except RevisionConflictError:
            continue
        except KeyNotFoundError:
            if try_create is None and not unverified:
                raise
    raise RevisionConflictError(key, -1, None)
