"""The in-memory store keeps its keys sorted per resource: lists must still see every key
that starts with the prefix, in key order, page by page, whatever the prefix reaches."""
from __future__ import annotations

import random

import pytest

from simulation.store.memory import MemoryStore

KEYS = ["/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c",
        "/registry/podsx/default/a", "/registry/pod/default/z", "/registry/minions/node-1",
        "/registry/events/default/a.1", "/registry/x", "/other"]


@pytest.mark.parametrize("prefix", ["/registry/pods/", "/registry/pods/default/", "/registry/pods",
                                    "/registry/pod", "/registry/", "/registry/x", "/", "/nothing/"])
@pytest.mark.parametrize("limit", [None, 1, 2])
def test_lists_page_through_exactly_the_keys_under_the_prefix(prefix: str, limit: int | None) -> None:
    store = MemoryStore()
    for key in random.Random(prefix).sample(KEYS, len(KEYS)):
        store.create(key, {"metadata": {"name": key}})
    store.delete("/registry/pods/default/b")
    expected = sorted(k for k in KEYS if k.startswith(prefix) and k != "/registry/pods/default/b")
    seen, after = [], None
    while True:
        items, _, after = store.list(prefix, after_key=after, limit=limit)
        seen += [o["metadata"]["name"] for o in items]
        if after is None:
            break
    assert seen == expected
