"""How virtual time relates to the wall clock: live at a speed factor, paused, or headless.

The pacer never reads the wall clock itself; whoever hosts the kernel (a worker thread in
the server, a benchmark, a test) passes in how much wall time went by. That keeps the
kernel deterministic and lets a test drive "live" mode with made-up wall times.
"""
from __future__ import annotations

from .kernel import STORY_HORIZON_SECONDS, Kernel, Step

LIVE = "live"
PAUSED = "paused"
HEADLESS = "headless"
MODES = (LIVE, PAUSED, HEADLESS)
MIN_SPEED, MAX_SPEED = 0.1, 100.0


class Pacer:
    def __init__(self, kernel: Kernel, *, mode: str = LIVE, speed: float = 1.0,
                 max_steps_per_advance: int = 5_000) -> None:
        self.kernel = kernel
        self.mode = mode
        self.speed = speed
        self.max_steps_per_advance = max_steps_per_advance

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        self.mode = mode

    def set_speed(self, speed: float) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, not {speed}")
        self.speed = speed

    def advance(self, wall_elapsed_seconds: float) -> int:
        """Live: move virtual time by ``wall_elapsed × speed``, running what falls due.
        Paused: only notice outside writes (their deliveries wait for time to move).
        Returns the number of actions run."""
        if self.mode == PAUSED:
            return 0
        if self.mode == HEADLESS:
            return self.kernel.run_for(1e9, max_steps=self.max_steps_per_advance)
        return self.kernel.run_for(wall_elapsed_seconds * self.speed, max_steps=self.max_steps_per_advance)

    def step(self, count: int = 1, *, every_action: bool = False) -> list[Step]:
        """Run ``count`` story steps, jumping the clock to each; the housekeeping due in between
        runs silently, one recorded action at a time. Stops early when no story step comes
        within :data:`STORY_HORIZON_SECONDS`. With ``every_action``, run exactly ``count``
        actions of any kind. Returns every step run, housekeeping included."""
        steps: list[Step] = []
        for _ in range(count):
            if every_action:
                ran = [step] if (step := self.kernel.step()) is not None else []
            else:
                ran = self.kernel.step_story(until=self.kernel.now_seconds + STORY_HORIZON_SECONDS)
            steps += ran
            if not ran or (not every_action and ran[-1].housekeeping):
                break
        return steps

    def state(self) -> dict:
        return {"mode": self.mode, "speed": self.speed, "now_seconds": round(self.kernel.now_seconds, 3),
                "step": self.kernel.steps_taken, "seed": self.kernel.seed, "pending": self.kernel.pending()}
