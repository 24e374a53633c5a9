"""Pacing against the live edge: the virtual clock never runs ahead of the wall clock (kubectl
would print ``<invalid>``); pause falls behind, speeds above 1x catch up and then run at 1x,
a step never runs an action due past the edge, jump to live fast-forwards to it, and a
restarted kernel resumes from its saved anchor no earlier than any time it stamped."""
from __future__ import annotations

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apimachinery.timestamps import parse_time
from simulation.client.apiclient import APIClient
from simulation.kernel import Kernel, Pacer
from simulation.kernel.pacing import Anchor
from simulation.store.memory import MemoryStore

WALL = 1_800_000_000.0


class FakeWall:
    """The wall clock a host would hand the pacer, moved by hand."""

    def __init__(self, now: float = WALL) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def recorder(kernel: Kernel, log: list, name: str, delay: float) -> None:
    kernel.schedule(delay, lambda: log.append(name) or f"did {name}", component="c", action=name)


def paced(behind_live: float, mode: str = "live", speed: float = 1.0) -> tuple[Kernel, Pacer, FakeWall]:
    """A kernel whose clock stands ``behind_live`` seconds behind the wall clock."""
    wall = FakeWall()
    kernel = Kernel(epoch=WALL - behind_live)
    return kernel, Pacer(kernel, mode=mode, speed=speed, wall_clock=wall), wall


@pytest.mark.parametrize("mode,speed,elapsed,ran", [
    ("live", 1.0, 1.5, ["a"]),
    ("live", 2.0, 1.5, ["a", "b"]),
    ("live", 0.1, 9.0, []),
    ("paused", 1.0, 100.0, []),
    ("headless", 1.0, 0.0, ["a", "b"]),
], ids=["1x", "2x", "slow", "paused", "headless"])
def test_pacing_far_behind_live(mode, speed, elapsed, ran):
    kernel, pacer, wall = paced(behind_live=3600, mode=mode, speed=speed)
    log: list = []
    recorder(kernel, log, "a", 1.0)
    recorder(kernel, log, "b", 2.5)

    wall.now += elapsed
    pacer.advance()

    assert log == ran


def test_a_faster_speed_catches_up_with_live_then_runs_at_1x():
    kernel, pacer, wall = paced(behind_live=10, speed=10)

    wall.now += 0.5
    pacer.advance()
    assert kernel.now_seconds == 5.0 and pacer.behind_live_seconds() == 5.5

    wall.now += 1.5  # 10x would be 15 s more: the live edge stops it 12 s in
    pacer.advance()
    assert kernel.now_seconds == 12.0 and pacer.behind_live_seconds() == 0.0

    wall.now += 1.0
    pacer.advance()
    assert kernel.now_seconds == 13.0 and kernel.wall_time() == wall.now


@pytest.mark.parametrize("mode,speed", [("paused", 1.0), ("live", 0.5)], ids=["paused", "half-speed"])
def test_pausing_or_a_slow_speed_falls_behind_live(mode, speed):
    kernel, pacer, wall = paced(behind_live=0, mode=mode, speed=speed)

    wall.now += 60
    pacer.advance()

    assert kernel.wall_time() == WALL + 60 * (speed if mode == "live" else 0)
    assert pacer.state()["behind_live_seconds"] == 60 * (1 - (speed if mode == "live" else 0))


def test_headless_pacing_stops_at_the_live_edge():
    kernel, pacer, wall = paced(behind_live=5, mode="headless")
    log: list = []
    recorder(kernel, log, "due", 4.0)
    recorder(kernel, log, "future", 6.0)

    pacer.advance()

    assert log == ["due"] and kernel.wall_time() == wall.now


def test_a_step_never_runs_an_action_due_past_the_live_edge():
    kernel, pacer, wall = paced(behind_live=30, mode="paused")
    log: list = []
    for i in range(3):
        recorder(kernel, log, f"a{i}", 20.0 * (i + 1))

    assert [s.action for s in pacer.step(3)] == ["a0"]  # a1 is due 10 s past the edge
    assert kernel.wall_time() <= wall.now

    wall.now += 10
    assert [s.action for s in pacer.step(3)] == ["a1"]


def test_step_runs_exactly_the_count_asked_and_jumps_the_clock():
    kernel, log = Kernel(), []
    for i in range(5):
        recorder(kernel, log, f"a{i}", 10.0 * (i + 1))
    pacer = Pacer(kernel, mode="paused")

    assert [s.action for s in pacer.step(2)] == ["a0", "a1"]
    assert kernel.now_seconds == 20.0 and log == ["a0", "a1"]
    assert len(pacer.step(10)) == 3


def test_jump_to_live_plays_and_fast_forwards_a_slice_at_a_time():
    kernel, pacer, wall = paced(behind_live=600, mode="paused")
    pacer.max_steps_per_advance = 100
    ticks = []

    def tick():
        ticks.append(kernel.now_seconds)
        kernel.schedule(1.0, tick, component="kubelet/node-1", action="heartbeat")
    kernel.schedule(0.0, tick, component="kubelet/node-1", action="heartbeat")

    pacer.jump_to_live()
    assert pacer.mode == "live"
    assert pacer.advance() == 100 and pacer.behind_live_seconds() > 400, "one slice: a pause still answers"
    while pacer.advance():
        pass
    assert pacer.behind_live_seconds() == 0.0 and len(ticks) == 601


def test_a_headless_kernel_has_no_live_edge():
    pacer = Pacer(Kernel(), mode="paused")
    with pytest.raises(ValueError, match="no live edge"):
        pacer.jump_to_live()
    assert pacer.state()["behind_live_seconds"] is None


@pytest.mark.parametrize("speed", [0.05, 101, 0])
def test_speed_is_bounded(speed):
    with pytest.raises(ValueError, match="speed must be between 0.1 and 100"):
        Pacer(Kernel()).set_speed(speed)


@pytest.mark.parametrize("anchor,wall,shows", [
    (Anchor(WALL, WALL - 100, "paused"), WALL + 3600, WALL - 100),
    (Anchor(WALL, WALL - 100, "live", 1.0), WALL + 30, WALL - 70),
    (Anchor(WALL, WALL - 100, "live", 0.5), WALL + 30, WALL - 85),
    (Anchor(WALL, WALL - 100, "live", 20.0), WALL + 30, WALL + 30),
    (Anchor(WALL, WALL - 100, "headless"), WALL + 30, WALL + 30),
    (Anchor(WALL, WALL - 100, "live", 1.0), WALL - 3600, WALL - 100),
], ids=["paused-stands-still", "live-1x", "half-speed", "20x-capped-at-live", "headless-at-live",
        "wall-clock-set-back-never-goes-back"])
def test_an_anchor_says_where_the_clock_stands(anchor, wall, shows):
    assert anchor.virtual_at(wall) == shows


def test_an_anchor_round_trips_through_sim_state_and_older_states_have_none():
    anchor = Anchor(WALL, WALL - 600, "live", 20.0)
    state = {"mode": "live", "speed": 20.0, "anchor": anchor.as_state()}
    assert Anchor.from_state(state) == anchor
    assert Anchor.from_state({"mode": "live", "speed": 1.0}) is None


@pytest.mark.parametrize("mode,speed,max_steps", [
    ("live", 20.0, 5_000), ("live", 100.0, 3), ("paused", 1.0, 5_000),
], ids=["20x", "100x-cannot-keep-up", "paused-then-stepped"])
def test_a_restarted_kernel_resumes_no_earlier_than_any_time_it_stamped(mode, speed, max_steps):
    kernel, pacer, wall = paced(behind_live=120, speed=speed)
    pacer.max_steps_per_advance = max_steps
    pacer.set_mode(mode)
    stamps: list[float] = []

    def work():
        stamps.append(kernel.wall_time())
        kernel.schedule(0.25, work, component="kube-scheduler", action="leader-election")
    kernel.schedule(0.0, work, component="kube-scheduler", action="leader-election")
    for _ in range(50):
        wall.now += 0.1
        pacer.advance()
    if mode == "paused":
        pacer.step(7)
    saved = {"mode": pacer.anchor.mode, "speed": pacer.anchor.speed, "anchor": pacer.anchor.as_state()}

    for down in (0.0, 2.0, 3600.0):  # restarted at once, soon, an hour later
        resumed = Anchor.from_state(saved).virtual_at(wall.now + down)
        assert max(stamps) <= resumed <= wall.now + down


def test_paused_two_objects_created_seconds_apart_carry_the_same_creation_timestamp():
    kernel, pacer, wall = paced(behind_live=300, mode="paused")
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time)
    bootstrap(server)
    kubectl = APIClient(server, APISERVER, "kubectl/v1.33.0")

    first = kubectl.create("configmaps", {"metadata": {"name": "first"}, "data": {"k": "v"}}, "default")
    wall.now += 4
    pacer.advance()
    second = kubectl.create("configmaps", {"metadata": {"name": "second"}, "data": {"k": "v"}}, "default")

    assert first["metadata"]["creationTimestamp"] == second["metadata"]["creationTimestamp"]
    assert parse_time(second["metadata"]["creationTimestamp"]) <= wall.now - 300


def test_a_step_at_the_live_edge_says_when_the_next_action_is_due():
    kernel, pacer, wall = paced(behind_live=0, mode="paused")
    log: list = []
    recorder(kernel, log, "a", 4.0)

    assert pacer.step(1) == [] and log == []
    stopped = pacer.why_stopped()
    assert stopped["reason"] == "live-edge" and stopped["due_in_seconds"] == 4.0
    assert stopped["message"].startswith("At live: the next action is due in 4s of wall time")

    wall.now += 4.0
    assert [s.action for s in pacer.step(1)] == ["a"]
    assert pacer.why_stopped()["reason"] == "idle"


def test_a_step_with_only_housekeeping_due_says_the_story_waits_for_a_change():
    kernel, pacer, _ = paced(behind_live=3600, mode="paused")
    for delay in (1.0, 100.0):  # the second past the story horizon (60 s)
        kernel.schedule(delay, lambda: {"caption": "renews its Lease", "housekeeping": True},
                        component="c", action="renew")

    ran = pacer.step(1)

    assert [s.housekeeping for s in ran] == [True]
    stopped = pacer.why_stopped()
    assert stopped["reason"] == "quiet" and stopped["message"].startswith("Only housekeeping is due in the next 60s")
