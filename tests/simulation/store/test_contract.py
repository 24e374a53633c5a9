"""The store contract (:mod:`simulation.store`), checked against every implementation.

Each test runs once per backend (memory, sqlite, postgres: see ``conftest.py``); the
Django-only tests at the end (clusters, commit hooks) run on the Django backends.
"""
from __future__ import annotations

import threading
from typing import Callable

import pytest

from simulation.store import (ADDED, DELETE, DELETED, GUARANTEED_UPDATE_ATTEMPTS, MODIFIED, CompactedError,
                              KeyExistsError, KeyNotFoundError, RevisionConflictError, Store, guaranteed_update,
                              registry_key, registry_prefix)

StoreFactory = Callable[..., Store]


def pod(name: str, namespace: str = "default", **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": dict(spec)}


def pod_key(name: str, namespace: str = "default") -> str:
    return registry_key("pods", namespace, name)


def rv(obj: dict) -> int:
    return int(obj["metadata"]["resourceVersion"])


def revisions(store: Store, since: int = 0, prefix: str = "") -> list[int]:
    return [event.revision for event in store.events_since(since, prefix)]


# -- revisions ---------------------------------------------------------------------------------

def test_every_write_bumps_the_revision_by_exactly_one(store: Store) -> None:
    start = store.current_revision()
    created = store.create(pod_key("a"), pod("a"))
    assert store.current_revision() == start + 1
    updated = store.update(pod_key("a"), pod("a", x=1), rv(created))
    assert store.current_revision() == start + 2
    store.create(pod_key("b"), pod("b"))
    deleted = store.delete(pod_key("a"), rv(updated))
    assert store.current_revision() == start + 4
    assert [rv(created), rv(updated), rv(deleted)] == [start + 1, start + 2, start + 4]


def test_resource_version_is_the_revision_of_the_last_write_as_a_string(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a"))
    assert created["metadata"]["resourceVersion"] == str(store.current_revision())
    store.create(pod_key("b"), pod("b"))
    assert store.get(pod_key("a"))["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    updated = store.update(pod_key("a"), store.get(pod_key("a")), rv(created))
    assert updated["metadata"]["resourceVersion"] == str(store.current_revision())
    assert store.get(pod_key("a")) == updated
    items, revision, _ = store.list(registry_prefix("pods", "default"))
    assert revision == store.current_revision()
    assert {item["metadata"]["name"]: item["metadata"]["resourceVersion"] for item in items} == {
        "a": updated["metadata"]["resourceVersion"], "b": str(rv(created) + 1)}


# -- refusals write nothing ----------------------------------------------------------------------

def test_create_of_an_existing_key_raises_and_consumes_no_revision(store: Store) -> None:
    first = store.create(pod_key("a"), pod("a", image="v1"))
    before = store.current_revision()
    with pytest.raises(KeyExistsError) as excinfo:
        store.create(pod_key("a"), pod("a", image="v2"))
    assert excinfo.value.key == pod_key("a")
    assert store.current_revision() == before
    assert store.get(pod_key("a")) == first
    assert revisions(store) == [before]
    assert rv(store.create(pod_key("b"), pod("b"))) == before + 1


def test_stale_update_raises_conflict_and_writes_nothing(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a", image="v1"))
    current = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
    before = store.current_revision()
    with pytest.raises(RevisionConflictError) as excinfo:
        store.update(pod_key("a"), pod("a", image="v3"), rv(created))
    assert (excinfo.value.expected, excinfo.value.actual) == (rv(created), rv(current))
    assert store.current_revision() == before
    assert store.get(pod_key("a")) == current
    assert revisions(store) == [rv(created), rv(current)]


def test_stale_delete_raises_conflict_and_keeps_the_object(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a"))
    current = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
    before = store.current_revision()
    with pytest.raises(RevisionConflictError):
        store.delete(pod_key("a"), rv(created))
    assert store.current_revision() == before
    assert store.get(pod_key("a")) == current
    assert len(revisions(store)) == 2


@pytest.mark.parametrize("operation", [
    lambda store: store.get(pod_key("ghost")),
    lambda store: store.update(pod_key("ghost"), pod("ghost"), 1),
    lambda store: store.delete(pod_key("ghost")),
    lambda store: store.delete(pod_key("ghost"), 1),
], ids=["get", "update", "delete", "delete-with-revision"])
def test_missing_key_raises_not_found_and_consumes_no_revision(store: Store, operation: Callable) -> None:
    store.create(pod_key("a"), pod("a"))
    before = store.current_revision()
    with pytest.raises(KeyNotFoundError) as excinfo:
        operation(store)
    assert excinfo.value.key == pod_key("ghost")
    assert store.current_revision() == before


# -- delete ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("with_revision", [True, False], ids=["checked", "unconditional"])
def test_delete_returns_the_last_state_at_the_deletion_revision(store: Store, with_revision: bool) -> None:
    created = store.create(pod_key("a"), pod("a", image="v1"))
    deleted = store.delete(pod_key("a"), rv(created) if with_revision else None)
    assert rv(deleted) == store.current_revision() == rv(created) + 1
    assert deleted["spec"] == {"image": "v1"}
    with pytest.raises(KeyNotFoundError):
        store.get(pod_key("a"))
    [event] = store.events_since(rv(created), "")
    assert (event.type, event.key, event.revision) == (DELETED, pod_key("a"), rv(deleted))
    assert event.object == deleted
    assert event.prev_object == created
    # The key can be created again, at a new revision.
    assert rv(store.create(pod_key("a"), pod("a"))) == rv(deleted) + 1


# -- list -----------------------------------------------------------------------------------------

def test_list_sees_only_its_prefix_in_key_order(store: Store) -> None:
    for namespace, name in [("default", "b"), ("default2", "x"), ("default", "a"), ("kube-system", "dns")]:
        store.create(pod_key(name, namespace), pod(name, namespace))
    store.create(registry_key("services", "default", "a"), {"metadata": {"name": "a", "namespace": "default"}})
    store.create(registry_key("nodes", None, "n1"), {"metadata": {"name": "n1"}})

    def names(prefix: str) -> list[str]:
        return [f'{i["metadata"].get("namespace", "")}/{i["metadata"]["name"]}' for i in store.list(prefix)[0]]

    assert names(registry_prefix("pods", "default")) == ["default/a", "default/b"]
    assert names(registry_prefix("pods", "default2")) == ["default2/x"]
    assert names(registry_prefix("pods")) == ["default/a", "default/b", "default2/x", "kube-system/dns"]
    assert names(registry_prefix("nodes")) == ["/n1"]
    assert names(registry_prefix("pods", "nowhere")) == []
    assert store.list(registry_prefix("pods", "nowhere"))[1] == store.current_revision()


def test_list_pages_with_limit_and_after_key(store: Store) -> None:
    names = [f"p{i}" for i in range(7)]
    for name in names:
        store.create(pod_key(name), pod(name))
    store.create(pod_key("other", "default2"), pod("other", "default2"))
    prefix = registry_prefix("pods", "default")
    seen, after, pages = [], None, []
    while True:
        items, revision, after = store.list(prefix, after_key=after, limit=3)
        assert revision == store.current_revision()
        pages.append(len(items))
        seen += [item["metadata"]["name"] for item in items]
        if after is None:
            break
        assert after == pod_key(seen[-1])
    assert pages == [3, 3, 1]
    assert seen == names
    # A limit that exactly fits is not "cut short".
    assert store.list(prefix, limit=7)[2] is None
    assert store.list(prefix, limit=6)[2] == pod_key("p5")


def test_list_revision_matches_its_items(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a"))
    store.create(pod_key("n", "elsewhere"), pod("n", "elsewhere"))
    items, revision, _ = store.list(registry_prefix("pods", "default"))
    assert [rv(item) for item in items] == [rv(created)]
    assert revision == rv(created) + 1
    # Watching from the list's revision misses nothing written after it.
    updated = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
    assert [e.object for e in store.events_since(revision, registry_prefix("pods", "default"))] == [updated]


# -- the revision log ------------------------------------------------------------------------------

def _history(store: Store) -> list[tuple[str, str, int]]:
    """A mix of writes over two namespaces; returns (type, key, revision) in write order."""
    out = []
    for name, namespace in [("a", "default"), ("b", "default2"), ("c", "default")]:
        obj = store.create(pod_key(name, namespace), pod(name, namespace))
        out.append((ADDED, pod_key(name, namespace), rv(obj)))
    obj = store.update(pod_key("a"), pod("a", image="v2"), rv(store.get(pod_key("a"))))
    out.append((MODIFIED, pod_key("a"), rv(obj)))
    obj = store.delete(pod_key("b", "default2"))
    out.append((DELETED, pod_key("b", "default2"), rv(obj)))
    obj = store.update(pod_key("c"), pod("c", image="v2"), rv(store.get(pod_key("c"))))
    out.append((MODIFIED, pod_key("c"), rv(obj)))
    obj = store.delete(pod_key("a"))
    out.append((DELETED, pod_key("a"), rv(obj)))
    return out


def test_events_since_returns_every_change_after_the_revision_in_order(store: Store) -> None:
    history = _history(store)
    start = history[0][2] - 1
    for i in range(len(history) + 1):
        since = start + i
        events = store.events_since(since, "")
        assert [(e.type, e.key, e.revision) for e in events] == history[i:], f"since {since}"
    assert store.events_since(store.current_revision(), "") == []


def test_events_since_filters_by_prefix_and_honours_limit(store: Store) -> None:
    history = _history(store)
    start = history[0][2] - 1
    default = registry_prefix("pods", "default")
    expected = [h for h in history if h[1].startswith(default)]
    assert [(e.type, e.key, e.revision) for e in store.events_since(start, default)] == expected
    assert [(e.type, e.key, e.revision) for e in store.events_since(start, default, limit=2)] == expected[:2]
    assert [e.key for e in store.events_since(start, registry_prefix("pods", "default2"))] == \
        [pod_key("b", "default2")] * 2
    assert store.events_since(start, registry_prefix("services")) == []


def test_events_carry_the_object_and_the_previous_state(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a", image="v1"))
    updated = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
    added, modified = store.events_since(rv(created) - 1, "")
    assert (added.object, added.prev_object) == (created, None)
    assert (modified.object, modified.prev_object) == (updated, created)


# -- compaction ----------------------------------------------------------------------------------

def test_log_is_compacted_automatically_and_old_revisions_are_gone(make_store: StoreFactory) -> None:
    store = make_store(compaction_window=5)
    created = store.create(pod_key("a"), pod("a"))
    for i in range(30):
        guaranteed_update(store, pod_key("a"), lambda obj: {**obj, "spec": {"i": i}})
    current, compacted = store.current_revision(), store.compacted_revision()
    assert rv(created) <= compacted and 5 <= current - compacted <= 10
    with pytest.raises(CompactedError) as excinfo:
        store.events_since(rv(created), "")
    assert (excinfo.value.requested, excinfo.value.compacted) == (rv(created), compacted)
    assert revisions(store, compacted) == list(range(compacted + 1, current + 1))
    with pytest.raises(CompactedError):
        store.list(registry_prefix("pods"), min_revision=rv(created))
    assert len(store.list(registry_prefix("pods"), min_revision=current)[0]) == 1


def test_explicit_compaction_clamps_and_never_moves_back(store: Store) -> None:
    for name in "abcdef":
        store.create(pod_key(name), pod(name))
    current = store.current_revision()
    store.compact(current - 2)
    assert store.compacted_revision() == current - 2
    with pytest.raises(CompactedError):
        store.events_since(current - 3, "")
    assert revisions(store, current - 2) == [current - 1, current]
    store.compact(current - 4)  # older than the compaction point: no effect
    assert store.compacted_revision() == current - 2
    store.compact(current + 100)  # newer than the head: compacts to the head
    assert store.compacted_revision() == current
    assert store.events_since(current, "") == []
    created = store.create(pod_key("g"), pod("g"))
    assert revisions(store, current) == [rv(created)]


# -- guaranteed update ---------------------------------------------------------------------------

def test_guaranteed_update_writes_nothing_for_none_and_deletes_for_delete(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a"))
    assert guaranteed_update(store, pod_key("a"), lambda obj: None) == created
    assert store.current_revision() == rv(created)
    deleted = guaranteed_update(store, pod_key("a"), lambda obj: DELETE)
    assert rv(deleted) == store.current_revision() and deleted["spec"] == created["spec"]
    with pytest.raises(KeyNotFoundError):
        store.get(pod_key("a"))


def test_guaranteed_update_retries_a_lost_race_against_the_fresh_object(store: Store) -> None:
    store.create(pod_key("a"), pod("a", n=0))
    seen: list[int] = []

    def increment(obj: dict) -> dict:
        seen.append(obj["spec"]["n"])
        if len(seen) == 1:  # another writer gets in between our read and our write
            store.update(pod_key("a"), pod("a", n=10), rv(obj))
        return {**obj, "spec": {"n": obj["spec"]["n"] + 1}}

    assert guaranteed_update(store, pod_key("a"), increment)["spec"] == {"n": 11}
    assert seen == [0, 10]


def test_guaranteed_update_gives_up_after_the_attempts(store: Store) -> None:
    store.create(pod_key("a"), pod("a", n=0))
    tries: list[int] = []

    def always_overtaken(obj: dict) -> dict:
        tries.append(1)
        store.update(pod_key("a"), pod("a", n=len(tries)), rv(obj))
        return obj

    with pytest.raises(RevisionConflictError):
        guaranteed_update(store, pod_key("a"), always_overtaken)
    assert len(tries) == GUARANTEED_UPDATE_ATTEMPTS


@pytest.mark.parametrize("created, expected", [(None, None), (pod("a", n=1), {"n": 1})],
                         ids=["nothing-to-create", "creates"])
def test_guaranteed_update_of_a_missing_key_creates_only_with_try_create(store: Store, created: dict | None,
                                                                         expected: dict | None) -> None:
    with pytest.raises(KeyNotFoundError):
        guaranteed_update(store, pod_key("a"), lambda obj: obj)
    stored = guaranteed_update(store, pod_key("a"), lambda obj: obj, try_create=lambda: created)
    assert (stored or {}).get("spec") == expected


def test_guaranteed_update_that_loses_a_create_race_updates_what_the_winner_created(store: Store) -> None:
    def create_while_someone_else_does() -> dict:
        store.create(pod_key("a"), pod("a", n=5))
        return pod("a", n=0)

    stored = guaranteed_update(store, pod_key("a"), lambda obj: {**obj, "spec": {"n": obj["spec"]["n"] + 1}},
                               try_create=create_while_someone_else_does)
    assert stored is not None and stored["spec"] == {"n": 6}


# -- copies ---------------------------------------------------------------------------------------

def test_returned_dicts_are_copies(store: Store) -> None:
    created = store.create(pod_key("a"), pod("a", image="v1"))
    created["spec"]["image"] = "mutated"
    fetched = store.get(pod_key("a"))
    assert fetched["spec"] == {"image": "v1"}
    fetched["spec"]["image"] = "mutated"
    store.list(registry_prefix("pods"))[0][0]["spec"]["image"] = "mutated"
    store.events_since(0, "")[0].object["spec"]["image"] = "mutated"
    assert store.get(pod_key("a"))["spec"] == {"image": "v1"}
    assert store.events_since(0, "")[0].object["spec"] == {"image": "v1"}
    updated = store.update(pod_key("a"), pod("a", image="v2"), rv(fetched))
    updated["spec"]["image"] = "mutated"
    assert store.get(pod_key("a"))["spec"] == {"image": "v2"}


# -- concurrency ----------------------------------------------------------------------------------

def _run_threads(target: Callable[[int], None], count: int, backend: str) -> list[BaseException]:
    """Run ``target(i)`` in ``count`` threads; return what they raised. Django threads close
    their own connections (each thread has its own, and the test database must be dropped)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            if backend != "memory":
                from django.db import connections
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "writer threads hung"
    return errors


def _require_file_database(backend: str) -> None:
    if backend == "sqlite":
        from django.db import connections
        assert not connections["default"].is_in_memory_db(), (
            "the SQLite test database is in memory, where threads fail with 'table is locked': "
            "set DATABASES['default']['TEST']['NAME'] to a file")


def test_concurrent_guaranteed_updates_lose_nothing(backend: str, store: Store) -> None:
    _require_file_database(backend)
    threads, increments = 8, 50
    store.create(pod_key("counter"), {"metadata": {"name": "counter", "namespace": "default"}, "value": 0})
    seen: dict[int, list[int]] = {}

    def increment(obj: dict) -> dict:
        obj["value"] += 1
        return obj

    def worker(i: int) -> None:
        seen[i] = [rv(guaranteed_update(store, pod_key("counter"), increment, attempts=100_000))
                   for _ in range(increments)]

    errors = _run_threads(worker, threads, backend)
    assert not errors, errors
    assert store.get(pod_key("counter"))["value"] == threads * increments
    for mine in seen.values():
        assert mine == sorted(set(mine)), "a thread's revisions must strictly increase"
    everything = sorted(r for mine in seen.values() for r in mine)
    assert len(set(everything)) == threads * increments
    assert revisions(store, everything[0] - 1) == everything  # contiguous: no gap, no duplicate


def test_commit_order_is_revision_order(backend: str, store: Store) -> None:
    """A watcher polling the log during concurrent writes never sees revision N+1 before N
    (it would if revisions were handed out outside the writing transaction)."""
    _require_file_database(backend)
    writers, writes = 6, 40
    start = store.current_revision()
    done = threading.Event()
    watched: list[int] = []

    def write(i: int) -> None:
        key = pod_key(f"w{i}")
        obj = store.create(key, pod(f"w{i}"))
        for n in range(writes - 1):
            obj = store.update(key, pod(f"w{i}", n=n), rv(obj))

    def watch(_: int) -> None:
        last = start
        while True:
            finished = done.is_set()  # read before polling, so the last poll sees every write
            for event in store.events_since(last, ""):
                assert event.revision == last + 1, f"gap or reorder: {last} then {event.revision}"
                last = event.revision
                watched.append(last)
            if finished:
                return

    watch_errors: list[BaseException] = []
    watcher = threading.Thread(target=lambda: watch_errors.extend(_run_threads(watch, 1, backend)))
    watcher.start()
    errors = _run_threads(write, writers, backend)
    done.set()
    watcher.join(timeout=120)
    assert not errors and not watch_errors, errors + watch_errors
    assert watched == list(range(start + 1, start + writers * writes + 1))
    assert store.current_revision() == start + writers * writes


# -- Django only ----------------------------------------------------------------------------------

def test_clusters_have_independent_stores(make_django_store: StoreFactory) -> None:
    one, two = make_django_store(), make_django_store()
    a = one.create(pod_key("a"), pod("a", cluster="one"))
    one.create(pod_key("b"), pod("b"))
    b = two.create(pod_key("a"), pod("a", cluster="two"))
    assert rv(a) == rv(b) == 1
    assert (one.current_revision(), two.current_revision()) == (2, 1)
    assert two.get(pod_key("a"))["spec"] == {"cluster": "two"}
    assert [i["metadata"]["name"] for i in two.list(registry_prefix("pods"))[0]] == ["a"]
    assert revisions(two) == [1]
    two.delete(pod_key("a"))
    assert one.get(pod_key("a")) == a
    one.compact(2)
    assert two.compacted_revision() == 0


def test_commit_hooks_run_after_the_outermost_commit_only(make_django_store: StoreFactory) -> None:
    from django.db import transaction

    from clusterviz.clusters import store as django_store

    calls: list[tuple[int, int]] = []

    def broken_hook(cluster_id: int, revision: int) -> None:
        raise RuntimeError("a failing hook must not fail the write")

    store = make_django_store()
    django_store.latest_revisions.pop(store.cluster_id, None)  # ids repeat across test databases
    django_store.on_commit_revision[:] = [broken_hook, lambda *args: calls.append(args)]
    try:
        created = store.create(pod_key("a"), pod("a"))
        assert calls == [(store.cluster_id, rv(created))]
        assert django_store.latest_revisions[store.cluster_id] == rv(created)
        with pytest.raises(KeyExistsError):
            store.create(pod_key("a"), pod("a"))
        assert len(calls) == 1
        with transaction.atomic(using=store.using):
            updated = store.update(pod_key("a"), pod("a", image="v2"), rv(created))
            assert len(calls) == 1, "hooks must wait for the outer transaction's commit"
            with pytest.raises(KeyExistsError):  # refused inside: only its savepoint rolls back
                store.create(pod_key("a"), pod("a"))
            assert store.current_revision() == rv(updated)
        assert calls[-1] == (store.cluster_id, rv(updated))
        with pytest.raises(RuntimeError), transaction.atomic(using=store.using):
            store.delete(pod_key("a"))
            raise RuntimeError("roll back")
        assert len(calls) == 2
        assert store.get(pod_key("a")) == updated  # the rolled-back delete left no trace
        assert revisions(store) == [rv(created), rv(updated)]
    finally:
        django_store.on_commit_revision.clear()
