"""How virtual time relates to the wall clock: the wall clock is the *live edge*.

Everything a cluster stamps comes from its virtual clock (:meth:`Kernel.wall_time`), and
kubectl computes ages against the learner's own wall clock: a timestamp in the future prints
``<invalid>``. So the virtual clock never runs ahead of the wall clock:

* **live** at speed s: virtual time moves s seconds per wall second, never past the live
  edge — below 1× the cluster falls behind live, above 1× it catches up, then runs at 1×;
* **paused**: virtual time stands still and falls behind live (the API server still
  answers; a write's deliveries wait for time to move);
* **step**: exactly ``n`` actions, the clock jumping to each, none due past the live edge;
* **headless**: as fast as the actions run, up to the live edge.

How far behind live a cluster is, is what a teacher can fast-forward through (a 5-minute
toleration, CrashLoopBackOff's 5-minute cap): a new hosted cluster starts some minutes
behind, pausing adds to it, and :meth:`Pacer.jump_to_live` fast-forwards to the edge.

The pacer never reads the wall clock itself: whoever hosts the kernel hands it one
(``time.time`` in the server, a made-up one in tests). A kernel without one (headless
runs, benchmarks, unit tests) has no live edge: its virtual time starts in 2023 and runs
free. :class:`Anchor` is the relation as plain data — what ``Cluster.sim_state`` keeps, so
a restarted kernel resumes no earlier than any time it stamped, and so a process that does
not host the kernel (a web server whose kernel runs in ``simworker``) reads the same time.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .kernel import STORY_HORIZON_SECONDS, Kernel, Step

LIVE = "live"
PAUSED = "paused"
HEADLESS = "headless"
MODES = (LIVE, PAUSED, HEADLESS)
MIN_SPEED, MAX_SPEED = 0.1, 100.0


@dataclass(frozen=True)
class Anchor:
    """The virtual clock as a function of the wall clock: at wall time ``wall_time`` it
    showed ``virtual_time`` (both epoch seconds), and it has moved since as ``mode`` and
    ``speed`` say. A kernel never runs ahead of its anchor (it may lag, when it cannot keep
    up), so resuming at :meth:`virtual_at` never goes back on a stamped time."""

    wall_time: float
    virtual_time: float
    mode: str = LIVE
    speed: float = 1.0

    def virtual_at(self, wall_now: float) -> float:
        """What the clock shows at ``wall_now``: paused, where it stopped; live, ``speed``
        times the wall time since, capped at the live edge; never less than at the anchor."""
        if self.mode == PAUSED:
            return self.virtual_time
        moved = math.inf if self.mode == HEADLESS else \
            self.virtual_time + self.speed * max(0.0, wall_now - self.wall_time)
        return max(self.virtual_time, min(moved, wall_now))

    def as_state(self) -> dict:
        """The part ``Cluster.sim_state`` keeps under ``"anchor"`` (mode and speed sit beside it)."""
        return {"wall_time": self.wall_time, "virtual_time": self.virtual_time}

    @classmethod
    def from_state(cls, state: dict) -> Anchor | None:
        """The anchor a ``sim_state`` saved; None when it has none (a cluster simulated
        before clocks were anchored: its objects were stamped with the wall clock)."""
        saved = state.get("anchor")
        if not isinstance(saved, dict):
            return None
        return cls(float(saved["wall_time"]), float(saved["virtual_time"]), state.get("mode", LIVE),
                   float(state.get("speed", 1.0)))


class Pacer:
    def __init__(self, kernel: Kernel, *, mode: str = LIVE, speed: float = 1.0,
                 max_steps_per_advance: int = 5_000, wall_clock: Callable[[], float] | None = None) -> None:
        self.kernel = kernel
        self.mode = mode
        self.speed = speed
        self.max_steps_per_advance = max_steps_per_advance
        #: The live edge; None for a kernel that has none (headless runs).
        self.wall_clock = wall_clock
        self.anchor: Anchor | None = None
        self._reanchor()

    def _reanchor(self, virtual_time: float | None = None) -> None:
        """From now on, move from where the kernel stands (or from ``virtual_time``) as the
        mode and speed say: every change of pace starts a new line."""
        if self.wall_clock is not None:
            self.anchor = Anchor(self.wall_clock(), self.kernel.wall_time() if virtual_time is None else virtual_time,
                                 self.mode, self.speed)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        self.mode = mode
        self._reanchor()

    def set_speed(self, speed: float) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, not {speed}")
        self.speed = speed
        self._reanchor()

    def jump_to_live(self) -> None:
        """Play from the live edge: the kernel fast-forwards there over the next advances
        (a slice at a time, so a pause still answers at once), then runs at the speed set."""
        if self.wall_clock is None:
            raise ValueError("this kernel runs headless: it has no live edge")
        self.mode = LIVE
        self._reanchor(virtual_time=max(self.kernel.wall_time(), self.wall_clock()))

    def live_edge_seconds(self) -> float:
        """The live edge in the kernel's seconds (infinite without a wall clock)."""
        return math.inf if self.wall_clock is None else self.wall_clock() - self.kernel.epoch

    def behind_live_seconds(self) -> float | None:
        if self.wall_clock is None:
            return None
        return max(0.0, self.wall_clock() - self.kernel.wall_time())

    def advance(self) -> int:
        """Run what is due by the time the anchor says (live: ``speed`` × the wall time since
        the last change of pace, never past the live edge; headless: the live edge itself).
        A kernel that cannot keep up gets at most ``max_steps_per_advance`` actions per call
        and catches up on later calls. Paused: nothing. Returns the number of actions run."""
        if self.mode == PAUSED:
            return 0
        if self.wall_clock is None or self.anchor is None:
            if self.mode == HEADLESS:
                return self.kernel.run_for(1e9, max_steps=self.max_steps_per_advance)
            raise ValueError("live pacing needs a wall clock")
        target = self.anchor.virtual_at(self.wall_clock())
        return self.kernel.run_until(target - self.kernel.epoch, max_steps=self.max_steps_per_advance)

    def step(self, count: int = 1, *, every_action: bool = False) -> list[Step]:
        """Run ``count`` story steps, jumping the clock to each; the housekeeping due in between
        runs silently, one recorded action at a time. Stops early when no story step comes
        within :data:`STORY_HORIZON_SECONDS`, or before an action due past the live edge. With
        ``every_action``, run exactly ``count`` actions of any kind. Returns every step run,
        housekeeping included."""
        edge = self.live_edge_seconds()
        steps: list[Step] = []
        for _ in range(count):
            if every_action:
                ran = [step] if (step := self.kernel.step(until=edge)) is not None else []
            else:
                ran = self.kernel.step_story(until=min(self.kernel.now_seconds + STORY_HORIZON_SECONDS, edge))
            steps += ran
            if not ran or (not every_action and ran[-1].housekeeping):
                break
        self._reanchor()
        return steps

    def why_stopped(self) -> dict:
        """Why a step ran fewer story steps than asked: ``reason`` (``live-edge``: the next
        action is due after the wall clock, so the step has to wait for time to pass;
        ``quiet``: only housekeeping is due for a while; ``idle``: nothing is scheduled) and
        the ``message`` the page and ``sim step`` show a teacher."""
        due, edge = self.kernel.next_due(), self.live_edge_seconds()
        if due is None:
            return {"reason": "idle", "message": "Nothing is scheduled: every component is stopped or idle."}
        if due > edge:
            wait = round(due - edge, 1)
            return {"reason": "live-edge", "due_in_seconds": wait,
                    "message": f"At live: the next action is due in {wait:g}s of wall time (the cluster's clock "
                               "never runs ahead of the wall clock); step again then."}
        return {"reason": "quiet", "message": f"Only housekeeping is due in the next {STORY_HORIZON_SECONDS:g}s: "
                "the story goes on when something changes (create, scale or delete an object; stop a component)."}

    def state(self) -> dict:
        """``wall_time`` is what the cluster's clock shows (epoch seconds: what it stamps, what
        its ages are counted from); ``behind_live_seconds`` how far that is behind the wall
        clock (None without a live edge)."""
        behind = self.behind_live_seconds()
        return {"mode": self.mode, "speed": self.speed, "now_seconds": round(self.kernel.now_seconds, 3),
                "wall_time": round(self.kernel.wall_time(), 3),
                "behind_live_seconds": None if behind is None else round(behind, 1),
                "step": self.kernel.steps_taken, "seed": self.kernel.seed, "pending": self.kernel.pending()}
