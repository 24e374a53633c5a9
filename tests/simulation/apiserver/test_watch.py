"""Watches through the whole API server, as informers and ``kubectl get -w`` use them.

The promises checked are upstream's (the cacher's ``cacheWatcher`` and the watch handler):
synthetic ``ADDED`` for the current state when no resourceVersion is given; exactly the
changes after ``R`` otherwise, once each and in order; selector transitions seen as
``ADDED`` / ``DELETED``; one ``ERROR`` 410 event for a compacted revision; ``BOOKMARK`` only
when asked for; Tables when ``Accept`` asks for them.
"""
from __future__ import annotations

import pytest

from tests.simulation.apiserver.server_fixtures import (ALICE_TOKEN, CM_PATH, POD_PATH, TABLE_ACCEPT, Cluster,
                                                        configmap, drain, event_summary, pod, table)

ALL_CMS = "/api/v1/configmaps"


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


def relabel(cluster: Cluster, name: str, labels: dict | None) -> None:
    assert cluster.patch(f"{CM_PATH}/{name}", {"metadata": {"labels": labels}}).code == 200


# ============================================================================ starting points
@pytest.mark.parametrize("resource_version", ["", "0"], ids=["unset", "zero"])
def test_watch_without_a_resource_version_replays_the_current_state_as_added(cluster, resource_version):
    cluster.create(CM_PATH, configmap("b", {"v": "1"}))
    cluster.create(CM_PATH, configmap("a", {"v": "1"}))
    cluster.patch(CM_PATH + "/b", {"data": {"v": "2"}})
    query = {"resourceVersion": resource_version} if resource_version else {}

    watcher = cluster.watch(CM_PATH, **query)
    initial = drain(watcher)
    cluster.patch(CM_PATH + "/a", {"data": {"v": "2"}})
    later = drain(watcher)

    assert event_summary(initial) == [("ADDED", "a"), ("ADDED", "b")]
    assert [e["object"]["data"]["v"] for e in initial] == ["1", "2"]
    assert all(e["object"]["kind"] == "ConfigMap" and e["object"]["apiVersion"] == "v1" for e in initial)
    assert event_summary(later) == [("MODIFIED", "a")]


def history(cluster: Cluster) -> int:
    """rv+1 create a · rv+2 update a · rv+3 create b · rv+4 delete a; returns rv."""
    start = cluster.store.current_revision()
    cluster.create(CM_PATH, configmap("a", {"v": "1"}))
    cluster.patch(CM_PATH + "/a", {"data": {"v": "2"}})
    cluster.create(CM_PATH, configmap("b"))
    cluster.delete(CM_PATH + "/a")
    return start


RESUME_CASES = [
    ("before-everything", 0, [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b"), ("DELETED", "a")]),
    ("after-create", 1, [("MODIFIED", "a"), ("ADDED", "b"), ("DELETED", "a")]),
    ("after-update", 2, [("ADDED", "b"), ("DELETED", "a")]),
    ("after-second-create", 3, [("DELETED", "a")]),
    ("at-the-end", 4, []),
]


@pytest.mark.parametrize("step,expected", **table(RESUME_CASES))
def test_watch_from_a_resource_version_delivers_exactly_the_later_changes(cluster, step, expected):
    start = history(cluster)

    watcher = cluster.watch(CM_PATH, resourceVersion=start + step)
    events = drain(watcher)

    assert event_summary(events) == expected
    assert [int(e["object"]["metadata"]["resourceVersion"]) for e in events] == \
        list(range(start + step + 1, start + 5))
    assert watcher.poll() == []  # nothing twice
    cluster.create(CM_PATH, configmap("c"))
    assert event_summary(drain(watcher)) == [("ADDED", "c")]


def test_deleted_event_carries_the_last_state_at_the_deletion_revision(cluster):
    cluster.create(CM_PATH, configmap("a", {"v": "last"}))
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision())

    cluster.delete(CM_PATH + "/a")

    event, = drain(watcher)
    assert event["type"] == "DELETED" and event["object"]["data"] == {"v": "last"}
    assert event["object"]["metadata"]["resourceVersion"] == str(cluster.store.current_revision())


def test_watch_sees_only_its_namespace(cluster):
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision())
    everywhere = cluster.watch(ALL_CMS, resourceVersion=cluster.store.current_revision())

    cluster.create("/api/v1/namespaces/kube-system/configmaps", configmap("other"))
    cluster.create(CM_PATH, configmap("mine"))

    assert event_summary(drain(watcher)) == [("ADDED", "mine")]
    assert event_summary(drain(everywhere)) == [("ADDED", "other"), ("ADDED", "mine")]


# ============================================================================ selectors
SELECTOR_TRANSITION_CASES = [
    # steps on configmap "web", watched with labelSelector app=web
    ("created-matching", [("create", {"app": "web"})], [("ADDED", "web")]),
    ("created-elsewhere", [("create", {"app": "db"})], []),
    ("relabelled-away", [("create", {"app": "web"}), ("label", {"app": "db"})], [("ADDED", "web"), ("DELETED", "web")]),
    ("relabelled-in", [("create", {"app": "db"}), ("label", {"app": "web"})], [("ADDED", "web")]),
    ("labels-removed", [("create", {"app": "web"}), ("label", None)], [("ADDED", "web"), ("DELETED", "web")]),
    ("changed-while-matching", [("create", {"app": "web"}), ("data", None)], [("ADDED", "web"), ("MODIFIED", "web")]),
    ("changed-while-outside", [("create", {"app": "db"}), ("data", None)], []),
    ("away-and-back", [("create", {"app": "web"}), ("label", {"app": "db"}), ("label", {"app": "web"})],
     [("ADDED", "web"), ("DELETED", "web"), ("ADDED", "web")]),
    ("deleted-while-matching", [("create", {"app": "web"}), ("delete", None)], [("ADDED", "web"), ("DELETED", "web")]),
    ("deleted-while-outside", [("create", {"app": "db"}), ("delete", None)], []),
]


@pytest.mark.parametrize("steps,expected", **table(SELECTOR_TRANSITION_CASES))
def test_label_selector_transitions_are_seen_as_added_and_deleted(cluster, steps, expected):
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision(), labelSelector="app=web")
    revisions = []

    for action, labels in steps:
        if action == "create":
            cluster.create(CM_PATH, configmap("web", labels=labels))
        elif action == "label":
            relabel(cluster, "web", labels)
        elif action == "data":
            cluster.patch(CM_PATH + "/web", {"data": {"n": str(len(revisions))}})
        else:
            cluster.delete(CM_PATH + "/web")
        revisions.append(cluster.store.current_revision())

    events = drain(watcher)
    assert event_summary(events) == expected
    for event in events:
        assert int(event["object"]["metadata"]["resourceVersion"]) in revisions
        if event["type"] == "DELETED":  # the last state that matched, at the revision it stopped matching
            assert event["object"]["metadata"].get("labels") == {"app": "web"}


def test_node_field_selector_sees_a_pod_arrive_when_it_is_bound(cluster):
    """What a kubelet watches: pods with ``spec.nodeName`` = its node."""
    watcher = cluster.watch(POD_PATH, resourceVersion=cluster.store.current_revision(),
                            fieldSelector="spec.nodeName=node-1")
    cluster.create(POD_PATH, pod("web"))
    cluster.create(POD_PATH, pod("elsewhere", node="node-2"))

    cluster.post(POD_PATH + "/web/binding", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"},
                                             "target": {"kind": "Node", "name": "node-1"}})

    event, = drain(watcher)
    assert event["type"] == "ADDED" and event["object"]["spec"]["nodeName"] == "node-1"


def test_name_field_selector_follows_a_graceful_deletion_to_the_end(cluster):
    """What ``kubectl delete --wait`` watches: one object by name until DELETED."""
    cluster.create(POD_PATH, pod("web", node="node-1"))
    cluster.create(POD_PATH, pod("other", node="node-1"))
    watcher = cluster.watch(POD_PATH, resourceVersion=cluster.store.current_revision(),
                            fieldSelector="metadata.name=web", allowWatchBookmarks="true", timeoutSeconds=300)

    cluster.delete(POD_PATH + "/other", query={"gracePeriodSeconds": 0})
    cluster.delete(POD_PATH + "/web")
    cluster.delete(POD_PATH + "/web", query={"gracePeriodSeconds": 0})

    events = drain(watcher)
    assert event_summary(events) == [("MODIFIED", "web"), ("DELETED", "web")]
    assert events[0]["object"]["metadata"]["deletionGracePeriodSeconds"] == 30


# ============================================================================ compaction, bookmarks, timeouts
def test_watch_from_a_compacted_revision_gets_one_410_error_then_ends(cluster):
    cluster.create(CM_PATH, configmap("a"))
    old = cluster.store.current_revision() - 1
    cluster.create(CM_PATH, configmap("b"))
    compacted = cluster.store.current_revision()
    cluster.store.compact(compacted)

    watcher = cluster.watch(CM_PATH, resourceVersion=old)
    events = watcher.poll()

    assert events == [{"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"too old resource version: {old} ({compacted})", "reason": "Expired", "code": 410}}]
    assert watcher.done
    cluster.create(CM_PATH, configmap("c"))
    assert watcher.poll() == []


def test_watch_falls_behind_compaction_while_open(cluster):
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision())
    cluster.create(CM_PATH, configmap("a"))
    cluster.store.compact(cluster.store.current_revision())

    events = drain(watcher)

    assert [(e["type"], e["object"].get("code")) for e in events] == [("ERROR", 410)]
    assert watcher.done


@pytest.mark.parametrize("allow,seconds,bookmarks", **table([
    ("asked-after-a-minute", "true", 60, 1),
    ("asked-too-early", "true", 59, 0),
    ("not-asked", None, 600, 0),
    ("asked-false", "false", 600, 0),
]))
def test_bookmarks_only_when_asked_for(cluster, allow, seconds, bookmarks):
    query = {"resourceVersion": cluster.store.current_revision()}
    if allow is not None:
        query["allowWatchBookmarks"] = allow
    watcher = cluster.watch(CM_PATH, **query)
    cluster.create("/api/v1/namespaces/kube-system/configmaps", configmap("elsewhere"))  # moves the revision only
    assert watcher.poll() == []

    cluster.monotonic += seconds
    events = watcher.poll()

    assert len(events) == bookmarks
    if bookmarks:
        assert events == [{"type": "BOOKMARK", "object": {
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"resourceVersion": str(cluster.store.current_revision())}}}]


def test_bookmark_never_claims_a_revision_whose_event_was_not_sent(monkeypatch, cluster):
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision(), allowWatchBookmarks="true")
    cluster.monotonic += 60
    read_log = cluster.store.events_since

    def events_since(*args, **kwargs):
        log = read_log(*args, **kwargs)
        monkeypatch.setattr(cluster.store, "events_since", read_log)
        cluster.create(CM_PATH, configmap("late"))  # commits just after this poll read the log
        return log

    monkeypatch.setattr(cluster.store, "events_since", events_since)

    bookmark, = watcher.poll()
    late, = drain(watcher)

    assert bookmark["type"] == "BOOKMARK" and late["type"] == "ADDED"
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) < int(late["object"]["metadata"]["resourceVersion"])


@pytest.mark.parametrize("timeout,elapsed,done", **table([
    ("before-the-timeout", 30, 29, False),
    ("at-the-timeout", 30, 30, True),
    ("default-is-long", None, 1799, False),
]))
def test_watch_ends_after_timeout_seconds(cluster, timeout, elapsed, done):
    query = {"timeoutSeconds": timeout} if timeout else {}
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision(), **query)

    cluster.monotonic += elapsed
    watcher.poll()

    assert watcher.done is done


# ============================================================================ tables
def test_table_watch_sends_one_row_tables_with_headers_only_first(cluster):
    cluster.create(CM_PATH, configmap("a", {"k": "v"}))
    watcher = cluster.watch(CM_PATH, accept=TABLE_ACCEPT)

    first = drain(watcher)
    cluster.create(CM_PATH, configmap("b"))
    cluster.delete(CM_PATH + "/a")
    later = drain(watcher)

    assert [e["type"] for e in first + later] == ["ADDED", "ADDED", "DELETED"]
    tables = [e["object"] for e in first + later]
    assert all(t["kind"] == "Table" and t["apiVersion"] == "meta.k8s.io/v1" for t in tables)
    assert [c["name"] for c in tables[0]["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert [t["columnDefinitions"] for t in tables[1:]] == [[], []]
    assert [t["rows"][0]["cells"][:2] for t in tables] == [["a", 1], ["b", 0], ["a", 1]]
    assert tables[1]["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert tables[2]["metadata"]["resourceVersion"] == str(cluster.store.current_revision())


def test_table_watch_passes_errors_through(cluster):
    cluster.create(CM_PATH, configmap("a"))
    cluster.store.compact(cluster.store.current_revision())

    events = cluster.watch(CM_PATH, resourceVersion=1, accept=TABLE_ACCEPT).poll()

    assert [(e["type"], e["object"]["kind"], e["object"]["code"]) for e in events] == [("ERROR", "Status", 410)]


def test_plain_json_accept_gets_objects(cluster):
    cluster.create(CM_PATH, configmap("a"))

    event, = drain(cluster.watch(CM_PATH, accept="application/json"))

    assert event["object"]["kind"] == "ConfigMap"


# ============================================================================ refusals
WATCH_REFUSAL_CASES = [
    ("bad-resource-version", {"resourceVersion": "abc"}, None, 400, "BadRequest", "invalid resource version: abc"),
    ("unsupported-field", {"fieldSelector": "data.k=v"}, None, 400, "BadRequest",
     '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("bad-label-selector", {"labelSelector": "app in web"}, None, 400, "BadRequest", None),
    ("bad-include-object", {"includeObject": "Everything"}, TABLE_ACCEPT, 400, "BadRequest",
     'unrecognized includeObject value: "Everything"'),
    ("forbidden", {}, None, 403, "Forbidden",
     'configmaps is forbidden: User "alice" cannot watch resource "configmaps" in API group "" in the namespace '
     '"default"'),
]


@pytest.mark.parametrize("query,accept,code,reason,message", **table(WATCH_REFUSAL_CASES))
def test_watch_refusals_answer_a_status_instead_of_a_stream(cluster, query, accept, code, reason, message):
    token = ALICE_TOKEN if code == 403 else "admin-token"

    response = cluster.get(CM_PATH, query={"watch": "true", **query}, accept=accept, token=token)

    assert response.watcher is None
    assert (response.code, response.body["reason"]) == (code, reason)
    if message is not None:
        assert response.body["message"] == message


# ============================================================================ the watch cache
def test_many_watchers_share_one_read_of_the_log(cluster, monkeypatch):
    watchers = [cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision()) for _ in range(20)]
    reads = []
    real = cluster.store.events_since
    monkeypatch.setattr(cluster.store, "events_since", lambda *a, **k: reads.append(a) or real(*a, **k))

    cluster.create(CM_PATH, configmap("a"))
    delivered = [w.poll() for w in watchers]

    assert all([e["object"]["metadata"]["name"] for e in events] == ["a"] for events in delivered)
    assert len(reads) == 1, "one read of the revision log for every watcher"


def test_a_watcher_older_than_the_cache_is_served_from_the_log(cluster):
    from simulation.apiserver.watch import WatchCache

    cluster.server.watch_cache = WatchCache(cluster.store, capacity=2)
    start = cluster.store.current_revision()
    cluster.watch(CM_PATH, resourceVersion=start).poll()
    for name in "abcde":
        cluster.create(CM_PATH, configmap(name))
    cluster.watch(CM_PATH, resourceVersion=start).poll()  # the cache now holds only d and e

    events = drain(cluster.watch(CM_PATH, resourceVersion=start))

    assert [e["object"]["metadata"]["name"] for e in events] == list("abcde")
    assert cluster.server.watch_cache.floor > start


def test_cached_watch_keeps_other_resources_and_namespaces_apart(cluster):
    watcher = cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision())
    cluster.create(POD_PATH, pod("p"))
    cluster.create("/api/v1/namespaces", {"metadata": {"name": "other"}})
    cluster.create("/api/v1/namespaces/other/configmaps", configmap("elsewhere"))
    cluster.create(CM_PATH, configmap("here"))

    assert [e["object"]["metadata"]["name"] for e in drain(watcher)] == ["here"]


def test_a_write_landing_while_the_cache_reads_the_log_is_delivered_once(cluster, monkeypatch):
    """The cache reads the store's revision, then its log; a write committed between the two
    reads is in the log already and must not be appended again on the next refresh."""
    start = cluster.store.current_revision()
    watcher = cluster.watch(CM_PATH, resourceVersion=start)
    real = cluster.store.events_since
    interleaved = []

    def events_since(*args, **kwargs):
        if not interleaved:
            interleaved.append(cluster.create(CM_PATH, configmap("between")))
        return real(*args, **kwargs)

    monkeypatch.setattr(cluster.store, "events_since", events_since)
    cluster.create(CM_PATH, configmap("first"))
    seen = drain(watcher)
    cluster.create(CM_PATH, configmap("after"))
    seen += drain(watcher)
    replayed = drain(cluster.watch(CM_PATH, resourceVersion=start))

    names = ["first", "between", "after"]
    assert [e["object"]["metadata"]["name"] for e in seen] == names
    assert [e["object"]["metadata"]["name"] for e in replayed] == names


def test_change_feed_names_what_was_written_after_a_revision(cluster):
    before = cluster.server.current_revision()
    cluster.create(CM_PATH, configmap("a"))
    cluster.create(POD_PATH, pod("p", node="node-1"))

    assert cluster.server.current_revision() == cluster.store.current_revision() == before + 2
    assert cluster.server.changed_topics(before) == {"configmaps", "pods", ("pods", "node-1")}
    assert cluster.server.changed_topics(before + 2) == set()


def test_a_watch_from_a_compacted_revision_still_in_the_cache_is_expired_like_a_list(cluster):
    start = cluster.store.current_revision()
    early = cluster.watch(CM_PATH, resourceVersion=start)
    for name in "abc":
        cluster.create(CM_PATH, configmap(name))
    drain(early)  # the watch cache now holds a, b and c
    cluster.store.compact(cluster.store.current_revision())
    cluster.create(CM_PATH, configmap("d"))

    listed = cluster.get(CM_PATH, query={"resourceVersion": str(start + 1), "resourceVersionMatch": "Exact"})
    events = cluster.watch(CM_PATH, resourceVersion=start + 1).poll()

    assert listed.code == 410
    assert [(e["type"], e["object"].get("code")) for e in events] == [("ERROR", 410)]


def test_the_watch_cache_is_bounded_by_bytes_as_well_as_by_count(cluster):
    from simulation.apiserver.watch import WatchCache

    cluster.server.watch_cache = WatchCache(cluster.store, capacity=1000, max_bytes=4000)
    start = cluster.store.current_revision()
    cluster.watch(CM_PATH, resourceVersion=start).poll()
    for i in range(20):
        cluster.create(CM_PATH, configmap(f"big-{i}", {"blob": "x" * 1000}))
    cluster.watch(CM_PATH, resourceVersion=cluster.store.current_revision()).poll()

    cache = cluster.server.watch_cache
    assert 0 < len(cache._events) < 20 and cache._bytes <= 4000
    # a watcher older than the cache still gets every event, from the store
    assert [e["object"]["metadata"]["name"] for e in drain(cluster.watch(CM_PATH, resourceVersion=start))] == \
        [f"big-{i}" for i in range(20)]


def test_a_kubelet_whose_node_was_quiet_is_answered_from_the_cache_however_long_ago_it_read(cluster, monkeypatch):
    """Upstream's cacher pushes each event to the watchers it concerns, so a kubelet whose
    node saw nothing is never behind: here too a node's watch that last read before the
    cache's window is not sent to the store's log, and still gets its node's next pod."""
    from simulation.apiserver.watch import WatchCache

    cluster.server.watch_cache = WatchCache(cluster.store, capacity=3)
    kubelet = cluster.watch(POD_PATH, resourceVersion=cluster.store.current_revision(),
                            fieldSelector="spec.nodeName=node-1")
    assert drain(kubelet) == []
    for i in range(10):
        cluster.create(POD_PATH, pod(f"elsewhere-{i}", node="node-2"))
    reads = []
    real = cluster.store.events_since
    monkeypatch.setattr(cluster.store, "events_since", lambda *a, **k: reads.append(a[1]) or real(*a, **k))

    assert drain(kubelet) == []
    assert kubelet.revision == cluster.store.current_revision() > cluster.server.watch_cache.floor - 1
    assert set(reads) <= {"/registry/"}, "only the cache's own read of the log: the watch reads nothing itself"
    cluster.create(POD_PATH, pod("here", node="node-1"))
    assert event_summary(drain(kubelet)) == [("ADDED", "here")]


def test_a_node_watch_that_missed_an_evicted_event_of_its_node_reads_it_from_the_store(cluster):
    from simulation.apiserver.watch import WatchCache

    cluster.server.watch_cache = WatchCache(cluster.store, capacity=3)
    kubelet = cluster.watch(POD_PATH, resourceVersion=cluster.store.current_revision(),
                            fieldSelector="spec.nodeName=node-1")
    cluster.create(POD_PATH, pod("mine", node="node-1"))
    for i in range(10):
        cluster.create(POD_PATH, pod(f"elsewhere-{i}", node="node-2"))
    cluster.watch(POD_PATH, resourceVersion=cluster.store.current_revision()).poll()  # "mine" leaves the cache

    assert cluster.server.watch_cache.floor > int(cluster.get(POD_PATH + "/mine").body["metadata"]["resourceVersion"])
    assert event_summary(drain(kubelet)) == [("ADDED", "mine")]
