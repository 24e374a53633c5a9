"""The controllers' pod indexes: always what walking the informer's cache would give."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.controllers.podindex import PodNodeIndex, PodOwnerIndex, facts_of

OWNERS = ["", "uid-a", "uid-b"]
NODES = ["", "node-1", "node-2"]


def pod(name: str, owner: str, labels: dict, phase: str, ready: bool, deleting: bool, node: str) -> dict:
    meta: dict = {"name": name, "namespace": "default", "uid": f"pod-{name}", "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": owner,
                                    "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = "2026-12-07T00:00:00Z"
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


operation = st.tuples(
    st.sampled_from(["add", "update", "delete"]), st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(OWNERS),
    st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["web", "db"]), max_size=2),
    st.sampled_from(["Pending", "Running", "Succeeded", "Failed"]), st.booleans(), st.booleans(),
    st.sampled_from(NODES))


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, max_size=30))
def test_the_indexes_follow_the_cache_after_any_events(operations):
    index, by_node, cached = PodOwnerIndex(), PodNodeIndex(), {}
    for verb, name, owner, labels, phase, ready, deleting, node in operations:
        obj = pod(name, owner, labels, phase, ready, deleting, node)
        for each in (index, by_node):
            if verb == "delete" and name in cached:
                each.delete(cached[name])
            elif verb == "update" and name in cached:
                each.update(cached[name], obj)
            elif verb == "add" and name not in cached:
                each.add(obj)
        if verb == "delete":
            cached.pop(name, None)
        elif (verb == "update") == (name in cached):
            cached[name] = obj
    for node in NODES[1:]:
        assert sorted(p["metadata"]["name"] for p in by_node.on(node)) == sorted(
            n for n, p in cached.items() if p["spec"].get("nodeName") == node)
    for owner in OWNERS:
        owned = index.owned("default", owner)
        assert sorted(p["metadata"]["name"] for p in owned) == sorted(
            n for n, p in cached.items() if (p["metadata"].get("ownerReferences") or [{}])[0].get("uid", "") == owner)
        assert index.tally("default", owner) == dict(Counter(facts_of(p) for p in owned))
