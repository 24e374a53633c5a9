"""Wakes what serves a cluster's watches the moment a revision of the cluster commits: the
cluster pages' websocket pumps and the HTTP watch streams kubectl and informers read.

Polling on a fixed tick made every watch event wait up to a tick before anyone heard of
it. Instead each server of watches registers an :class:`asyncio.Event` here and sleeps on
it (with a timer for its idle checks); :func:`clusterviz.clusters.store.note_revision` (this process's commits, and
other processes' through the revision bus) calls :func:`revision_noted`, which sets the
events registered for that cluster. Commits happen on worker threads, so the events are set
through each event loop's ``call_soon_threadsafe`` — once per loop, not once per watch.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

_lock = threading.Lock()
#: cluster id -> event loop -> the pumps' events on that loop
_pumps: dict[int, dict[asyncio.AbstractEventLoop, set[asyncio.Event]]] = {}


def register(cluster_id: int, event: asyncio.Event) -> None:
    """Set ``event`` whenever a revision of the cluster commits (call from its event loop)."""
    loop = asyncio.get_running_loop()
    with _lock:
        _pumps.setdefault(cluster_id, {}).setdefault(loop, set()).add(event)


def unregister(cluster_id: int, event: asyncio.Event) -> None:
    with _lock:
        loops = _pumps.get(cluster_id, {})
        for loop, events in list(loops.items()):
            events.discard(event)
            if not events:
                del loops[loop]
        if not loops:
            _pumps.pop(cluster_id, None)


def _set_all(events: Iterable[asyncio.Event]) -> None:
    for event in events:
        event.set()


def revision_noted(cluster_id: int, revision: int) -> None:  # noqa: ARG001 - the hook's signature
    with _lock:
        targets = [(loop, tuple(events)) for loop, events in _pumps.get(cluster_id, {}).items()]
    for loop, events in targets:
        try:
            loop.call_soon_threadsafe(_set_all, events)
        except RuntimeError:  # the loop closed; what registered unregisters as it ends
            pass
