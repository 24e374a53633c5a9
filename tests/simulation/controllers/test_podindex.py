"""The controllers' pod index: its tally must always be what counting its pods gives."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.controllers.podindex import PodOwnerIndex, facts_of

OWNERS = ["", "uid-a", "uid-b"]


def pod(name: str, owner: str, labels: dict, phase: str, ready: bool, deleting: bool) -> dict:
    meta: dict = {"name": name, "namespace": "default", "uid": f"pod-{name}", "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": owner,
                                    "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = "2026-12-07T00:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


operation = st.tuples(
    st.sampled_from(["add", "update", "delete"]), st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(OWNERS),
    st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["web", "db"]), max_size=2),
    st.sampled_from(["Pending", "Running", "Succeeded", "Failed"]), st.booleans(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, max_size=30))
def test_the_tally_is_the_count_of_the_indexed_pods_after_any_events(operations):
    index, cached = PodOwnerIndex(), {}
    for verb, name, owner, labels, phase, ready, deleting in operations:
        obj = pod(name, owner, labels, phase, ready, deleting)
        if verb == "delete":
            if name in cached:
                index.delete(cached.pop(name))
        elif verb == "update" and name in cached:
            index.update(cached[name], obj)
            cached[name] = obj
        elif verb == "add" and name not in cached:
            index.add(obj)
            cached[name] = obj
    for owner in OWNERS:
        owned = index.owned("default", owner)
        assert sorted(p["metadata"]["name"] for p in owned) == sorted(
            n for n, p in cached.items() if (p["metadata"].get("ownerReferences") or [{}])[0].get("uid", "") == owner)
        assert index.tally("default", owner) == dict(Counter(facts_of(p) for p in owned))
