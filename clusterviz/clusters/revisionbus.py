"""Committed revisions carried between processes over Redis pub/sub.

A watch served by one process wakes at once for a write this process committed
(:data:`store.latest_revisions`); a write committed by another web process or a ``simworker``
used to show up only at the next idle poll, a second later. With ``REDIS_URL`` set, every
process that writes publishes ``(cluster, revision)`` after the commit, and every process that
serves watches subscribes and raises its :data:`store.latest_revisions`, so its watches poll
within one watch tick (like etcd's watch, the notification carries no data: the watcher reads
the revision log as before, and the idle poll stays as the safety net for a lost message).

Publishing never delays a write: the committing thread only records the newest revision per
cluster; a publisher thread sends what accumulated (several commits, one message per cluster).
Both threads log a lost connection loudly and reconnect, pausing longer while it stays down.
"""
from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

from . import store

logger = logging.getLogger(__name__)

#: The Redis pub/sub channel, shared by every cluster of the installation.
CHANNEL = "clusterviz.revisions"
#: Seconds the subscriber waits for a message before checking the connection again.
LISTEN_SECONDS = 1.0
RECONNECT_PAUSE_SECONDS = 0.5
MAX_RECONNECT_PAUSE_SECONDS = 10.0


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_CONNECTION_OPTIONS)


def encode(cluster_id: int, revision: int) -> bytes:
    return f"{cluster_id}:{revision}".encode()


def decode(data: bytes | str) -> tuple[int, int] | None:
    """``(cluster_id, revision)``, or None for a message not in our shape (logged, ignored)."""
    text = data.decode() if isinstance(data, bytes) else data
    cluster, _, revision = text.partition(":")
    try:
        return int(cluster), int(revision)
    except ValueError:
        logger.warning("ignoring a message on %s that is not cluster:revision: %r", CHANNEL, text[:80])
        return None


class _Reconnecting(threading.Thread):
    """A daemon thread running ``cycle`` on a fresh connection for as long as the process
    lives, logging each failure and pausing before the next attempt."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        pause = RECONNECT_PAUSE_SECONDS
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                self.cycle(_client())
            except Exception:  # Redis restarted or unreachable: keep trying
                logger.exception("%s lost its Redis connection; reconnecting in %g s", self.name, pause)
            self.stopped.wait(pause)
            long_run = time.monotonic() - started > MAX_RECONNECT_PAUSE_SECONDS
            pause = RECONNECT_PAUSE_SECONDS if long_run else min(pause * 2, MAX_RECONNECT_PAUSE_SECONDS)

    def cycle(self, client: redis.Redis) -> None:
        raise NotImplementedError


class Publisher(_Reconnecting):
    def __init__(self) -> None:
        super().__init__("revisionbus-publisher")
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[int, int] = {}

    def committed(self, cluster_id: int, revision: int) -> None:
        """The store's on-commit hook: note the revision, never block the writer."""
        with self._lock:
            if revision > self._pending.get(cluster_id, 0):
                self._pending[cluster_id] = revision
        self._wake.set()

    def stop(self) -> None:
        super().stop()
        self._wake.set()

    def cycle(self, client: redis.Redis) -> None:
        while not self.stopped.is_set():
            self._wake.wait()
            with self._lock:
                batch, self._pending = self._pending, {}
                self._wake.clear()
            try:
                pipe = client.pipeline(transaction=False)
                for cluster_id, revision in batch.items():
                    pipe.publish(CHANNEL, encode(cluster_id, revision))
                pipe.execute()
            except Exception:
                # sent again on the next connection (a newer commit may have replaced it)
                for cluster_id, revision in batch.items():
                    self.committed(cluster_id, revision)
                raise


class Subscriber(_Reconnecting):
    def __init__(self) -> None:
        super().__init__("revisionbus-subscriber")
        self.ready = threading.Event()

    def cycle(self, client: redis.Redis) -> None:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(CHANNEL)
            self.ready.set()
            while not self.stopped.is_set():
                message = pubsub.get_message(timeout=LISTEN_SECONDS)
                if message is not None and message.get("type") == "message":
                    decoded = decode(message["data"])
                    if decoded is not None:
                        store.note_revision(*decoded)
        finally:
            self.ready.clear()
            pubsub.close()


_installed: dict[str, _Reconnecting] = {}
_install_lock = threading.Lock()


def install(*, subscribe: bool) -> Subscriber | None:
    """Publish this process's commits (and, with ``subscribe``, hear every other process's)
    when ``REDIS_URL`` is set; a no-op otherwise, and when called again. Returns the
    subscriber, whose ``ready`` event tells when it listens."""
    if not settings.REDIS_URL:
        return None
    with _install_lock:
        if "publisher" not in _installed:
            publisher = _installed["publisher"] = Publisher()
            store.on_commit_revision.append(publisher.committed)
            publisher.start()
        if subscribe and "subscriber" not in _installed:
            _installed["subscriber"] = Subscriber()
            _installed["subscriber"].start()
        subscriber = _installed.get("subscriber")
        return subscriber if isinstance(subscriber, Subscriber) else None
