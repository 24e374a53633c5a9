"""Object keys as client-go's ``cache.MetaNamespaceKeyFunc`` writes them, the one key every
informer cache, work queue, expectation and scheduler queue uses, so keys written by one
component match those read by another."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def object_key(obj: Mapping[str, Any]) -> str:
    """``namespace/name``, or ``name`` for cluster-scoped objects."""
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


def split_key(key: str) -> tuple[str, str]:
    """``cache.SplitMetaNamespaceKey``: ``("", name)`` for a cluster-scoped key."""
    namespace, _, name = key.rpartition("/")
    return namespace, name
