"""An update that starts from a cached object instead of a read (``guaranteed_update``'s
``cached``, upstream's ``cachedExistingObject``), and the Django store's index of what it
wrote (:meth:`DjangoStore.cached`): a cached object is only a guess, so every test here has
someone else write in between and checks that the outcome is the one a fresh read gives."""
from __future__ import annotations

import pytest

from simulation.store import DELETE, KeyNotFoundError, Store, guaranteed_update, registry_key
from simulation.store.recent import RecentWrites

from tests.simulation.store.test_contract import StoreFactory, pod, pod_key, rv


def test_a_current_cached_object_is_updated_without_another_try(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a", n=0))
    seen: list[dict] = []

    def increment(obj: dict) -> dict:
        seen.append(obj)
        return {**obj, "spec": {"n": obj["spec"]["n"] + 1}}

    cached = store.get(pod_key("a"))
    written = guaranteed_update(store, pod_key("a"), increment, cached=cached)
    assert seen == [cached] and seen[0] is cached
    assert written["spec"] == {"n": 1} and rv(written) == rv(created) + 1 == store.current_revision()


def test_a_stale_cached_object_loses_the_compare_and_set_and_the_fresh_one_is_used(store: Store) -> None:
    stale = store.create(pod_key("a"), pod("a", n=0))
    store.update(pod_key("a"), pod("a", n=10), rv(stale))  # another writer, after the cache saw it
    seen: list[int] = []

    def increment(obj: dict) -> dict:
        seen.append(obj["spec"]["n"])
        return {**obj, "spec": {"n": obj["spec"]["n"] + 1}}

    written = guaranteed_update(store, pod_key("a"), increment, cached=stale)
    assert seen == [0, 10] and written["spec"] == {"n": 11}
    assert store.get(pod_key("a"))["spec"] == {"n": 11}


def test_a_refusal_of_a_stale_cached_object_is_decided_again_on_the_stored_one(store: Store) -> None:
    stale = store.create(pod_key("a"), pod("a", n=0))
    current = store.update(pod_key("a"), pod("a", n=1), rv(stale))

    def precondition(obj: dict) -> dict:  # a client that read the current object
        if rv(obj) != rv(current):
            raise ValueError("the object has been modified")
        return {**obj, "spec": {"n": 2}}

    assert guaranteed_update(store, pod_key("a"), precondition, cached=stale)["spec"] == {"n": 2}
    # ...and a refusal on the stored object itself stands
    with pytest.raises(ValueError):
        guaranteed_update(store, pod_key("a"), precondition, cached=store.get(pod_key("a")))


def test_nothing_to_write_is_said_of_the_stored_object_not_the_cached_one(store: Store) -> None:
    stale = store.create(pod_key("a"), pod("a", n=0))
    current = store.update(pod_key("a"), pod("a", n=1), rv(stale))
    revision = store.current_revision()
    assert guaranteed_update(store, pod_key("a"), lambda obj: None, cached=stale) == current
    assert store.current_revision() == revision


def test_a_cached_object_that_is_gone_is_not_found_or_created(store: Store) -> None:
    stale = store.create(pod_key("a"), pod("a", n=0))
    store.delete(pod_key("a"))
    with pytest.raises(KeyNotFoundError):
        guaranteed_update(store, pod_key("a"), lambda obj: {**obj, "spec": {"n": 1}}, cached=stale)
    with pytest.raises(KeyNotFoundError):
        guaranteed_update(store, pod_key("a"), lambda obj: DELETE, cached=stale)
    created = guaranteed_update(store, pod_key("a"), lambda obj: {**obj, "spec": {"n": 1}},
                                try_create=lambda: pod("a", n=5), cached=stale)
    assert created is not None and created["spec"] == {"n": 5}


# -- the Django store's index of its own writes ----------------------------------------------------

@pytest.fixture
def make_fresh_store(make_django_store: StoreFactory) -> StoreFactory:
    """A Django store whose cluster this process has heard nothing of (cluster ids repeat
    across test databases, and with them the revisions noted for them)."""
    from clusterviz.clusters import store as django_store

    def make() -> Store:
        store = make_django_store()
        django_store.latest_revisions.pop(store.cluster_id, None)
        return store

    return make


def test_the_django_store_remembers_what_it_committed(make_fresh_store: StoreFactory) -> None:
    store = make_fresh_store()
    assert store.cached(pod_key("a")) is None
    created = store.create(pod_key("a"), pod("a", image="v1"))
    assert store.cached(pod_key("a")) == store.get(pod_key("a")) == created
    copy = store.cached(pod_key("a"))
    copy["spec"]["image"] = "mutated"
    assert store.cached(pod_key("a"))["spec"] == {"image": "v1"}, "each caller gets its own copy"
    updated = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
    assert store.cached(pod_key("a")) == updated
    store.delete(pod_key("a"))
    assert store.cached(pod_key("a")) is None


def test_a_write_by_another_process_is_caught_by_the_compare_and_set(make_fresh_store: StoreFactory) -> None:
    from clusterviz.clusters import store as django_store
    from clusterviz.clusters.store import DjangoStore

    store = make_fresh_store()
    store.create(pod_key("b"), pod("b"))
    created = store.create(pod_key("a"), pod("a", n=0))
    other = DjangoStore(store.cluster_id, using=store.using)  # the same cluster, written by another process
    heard = django_store.latest_revisions.get(store.cluster_id, 0)
    other.update(pod_key("a"), pod("a", n=10), rv(created))
    django_store.latest_revisions[store.cluster_id] = heard  # its notification never arrived
    stale = store.cached(pod_key("a"))
    assert stale == created, "not heard of: the index still has the old object"
    written = guaranteed_update(store, pod_key("a"), lambda obj: {**obj, "spec": {"n": obj["spec"]["n"] + 1}},
                                cached=stale)
    assert written["spec"] == {"n": 11}
    assert store.get(pod_key("a")) == written == store.cached(pod_key("a"))
    assert store.cached(pod_key("b")) is None, "a revision it did not write went by: the rest is forgotten"


def test_hearing_of_another_process_s_revision_empties_the_index(make_fresh_store: StoreFactory) -> None:
    from clusterviz.clusters.store import DjangoStore

    store = make_fresh_store()
    store.create(pod_key("a"), pod("a"))
    # another writer of the cluster, heard of as the revision bus reports another process's
    DjangoStore(store.cluster_id, using=store.using).create(pod_key("c"), pod("c"))
    assert store.cached(pod_key("a")) is None
    store.create(pod_key("b"), pod("b"))
    assert store.cached(pod_key("b")) is not None


def test_a_write_inside_a_transaction_is_not_remembered(make_django_store: StoreFactory) -> None:
    from django.db import transaction

    store = make_django_store()
    created = store.create(pod_key("a"), pod("a", n=0))
    with pytest.raises(RuntimeError), transaction.atomic(using=store.using):
        store.update(pod_key("a"), pod("a", n=1), rv(created))
        raise RuntimeError("roll back")
    assert store.cached(pod_key("a")) in (None, created)
    assert store.get(pod_key("a")) == created


# -- the index itself ---------------------------------------------------------------------------------

def test_recent_writes_forget_on_a_gap_and_stay_within_their_bytes() -> None:
    index = RecentWrites(max_bytes=1000)
    index.committed(5, "/a", "x" * 100)
    index.committed(6, "/b", "y" * 100)
    assert index.get("/a") == (5, "x" * 100) and len(index) == 2
    index.committed(8, "/c", "z")  # revision 7 was written by someone else
    assert index.get("/a") is None and index.get("/c") == (8, "z")
    index.committed(7, "/a", "late")  # an older commit reported late: the newer one may have changed it
    assert index.get("/a") is None and index.get("/c") is None and index.revision == 8
    index.committed(9, "/c", None)  # deleted
    assert index.get("/c") is None
    for revision in range(10, 20):
        index.committed(revision, f"/k{revision}", "v" * 300)
    assert 0 < len(index) <= 2 and index.get("/k19") is not None, "the oldest go first"
    index.clear(25)
    assert len(index) == 0 and index.revision == 25


def test_keys_of_another_namespace_are_other_entries(make_fresh_store: StoreFactory) -> None:
    store = make_fresh_store()
    store.create(pod_key("a"), pod("a"))
    assert store.cached(registry_key("pods", "other", "a")) is None
