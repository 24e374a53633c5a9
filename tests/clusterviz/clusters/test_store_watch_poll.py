"""``watch_poll_due``: the one rule for when a watch served from this process reads the
revision log again (the HTTP watch stream and the cluster page's websocket both use it)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from clusterviz.clusters import store
from clusterviz.clusters.store import WATCH_IDLE_POLL_SECONDS, watch_poll_due

CLUSTER_ID = 1


@dataclass
class FakeWatcher:
    revision: int
    timed_out: bool = False

    def expired(self) -> bool:
        return self.timed_out


@pytest.mark.parametrize("latest, watcher, quiet_seconds, due", [
    (10, FakeWatcher(10), 0.1, False),
    (11, FakeWatcher(10), 0.1, True),
    (None, FakeWatcher(0), 0.1, False),
    (10, FakeWatcher(10), WATCH_IDLE_POLL_SECONDS, True),
    (10, FakeWatcher(10, timed_out=True), 0.1, True),
], ids=["quiet", "nudged-by-a-local-write", "no-local-write-yet", "idle-second-passed", "timed-out"])
def test_watch_poll_due(latest: int | None, watcher: FakeWatcher, quiet_seconds: float, due: bool,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    revisions = {} if latest is None else {CLUSTER_ID: latest}
    monkeypatch.setattr(store, "latest_revisions", revisions)
    assert watch_poll_due(watcher, CLUSTER_ID, last_poll=100.0, now=100.0 + quiet_seconds) is due
