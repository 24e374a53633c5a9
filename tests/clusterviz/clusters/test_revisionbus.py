"""Committed revisions travel between processes over Redis: what one process's publisher sends,
another's subscriber turns into a raised ``latest_revisions``, which wakes that process's
watches at their next tick."""
from __future__ import annotations

import socket
import time

import pytest
from django.test import override_settings

from clusterviz.clusters import revisionbus, store

REDIS_URL = "redis://127.0.0.1:6379/7"


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_messages_are_cluster_and_revision() -> None:
    assert revisionbus.decode(revisionbus.encode(12, 345)) == (12, 345)
    assert revisionbus.decode(b"not-ours") is None


@pytest.mark.skipif(not redis_running(), reason="no Redis on 127.0.0.1:6379 (.ci/run starts one)")
def test_a_commit_published_by_one_process_raises_the_latest_revision_in_another() -> None:
    cluster_id = 900_000 + int(time.time()) % 1000
    store.latest_revisions.pop(cluster_id, None)
    with override_settings(REDIS_URL=REDIS_URL):
        subscriber, publisher = revisionbus.Subscriber(), revisionbus.Publisher()
        subscriber.start()
        publisher.start()
        try:
            assert subscriber.ready.wait(10), "subscribed"
            for revision in (7, 41, 42):  # several commits: the newest wins
                publisher.committed(cluster_id, revision)
            deadline = time.monotonic() + 10
            while store.latest_revisions.get(cluster_id) != 42 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert store.latest_revisions.get(cluster_id) == 42
            publisher.committed(cluster_id, 40)  # an older revision never lowers it
            time.sleep(0.3)
            assert store.latest_revisions[cluster_id] == 42
        finally:
            publisher.stop()
            subscriber.stop()
            publisher.join(5)
            subscriber.join(5)
