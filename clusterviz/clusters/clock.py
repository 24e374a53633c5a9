"""A simulated cluster's clock, read in a process that does not run its kernel.

Everything a simulated cluster stamps comes from its virtual clock (``docs/design-notes.md``,
"One clock, and the live edge"). The process that hosts the kernel gives the API server the
kernel's own clock (``clusterviz.sim.host``). Any other process — the web server when
``simworker`` processes host the kernels, or any process before its kernel starts — reads
the clock from the anchor the host saves in ``Cluster.sim_state`` at every change of pace
(play, pause, speed, step, jump to live), and computes it from the wall clock as the kernel
does. It re-reads the anchor once a second, so a pause made elsewhere shows here within a
second; until then it goes on, and it never goes back.

A cluster whose state has no anchor (one not simulated yet, or simulated before clocks were
anchored) keeps the wall clock.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from simulation.kernel.pacing import Anchor

from .models import Cluster

#: Wall seconds an anchor read from the database is trusted.
REFRESH_SECONDS = 1.0


class ClusterClock:
    def __init__(self, cluster_id: int, wall_clock: Callable[[], float] = time.time) -> None:
        self.cluster_id = cluster_id
        self.wall_clock = wall_clock
        self._anchor: Anchor | None = None
        self._read_at = -REFRESH_SECONDS
        self._last = 0.0

    def __call__(self) -> float:
        wall = self.wall_clock()
        if not 0 <= wall - self._read_at < REFRESH_SECONDS:
            state = Cluster.objects.filter(pk=self.cluster_id).values_list("sim_state", flat=True).first()
            self._anchor = Anchor.from_state(state or {})
            self._read_at = wall
        now = wall if self._anchor is None else self._anchor.virtual_at(wall)
        self._last = max(self._last, now)
        return self._last
