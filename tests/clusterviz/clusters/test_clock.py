"""A simulated cluster's clock where its kernel does not run: computed from the anchor the host
saves in ``Cluster.sim_state``, followed within a second when the pace changes elsewhere,
never going back; a new cluster's bootstrap objects carry its clock; without an anchor, the
wall clock."""
from __future__ import annotations

import pytest

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.clock import ClusterClock
from clusterviz.clusters.models import Cluster
from simulation.apimachinery.timestamps import parse_time
from simulation.kernel.pacing import Anchor

pytestmark = pytest.mark.django_db(transaction=True)
WALL = 1_800_000_000.0


class FakeWall:
    def __init__(self) -> None:
        self.now = WALL

    def __call__(self) -> float:
        return self.now


def new_cluster(name: str, sim_state: dict | None = None) -> Cluster:
    """A cluster, its bootstrap's audit records written now (not by the writer's thread later)."""
    cluster = create_cluster(name, sim_state=sim_state)
    apiservers.get(name).audit_sink.flush()
    return cluster


def state(mode: str, speed: float, virtual: float, wall: float = WALL) -> dict:
    return {"enabled": True, "mode": mode, "speed": speed, "anchor": Anchor(wall, virtual).as_state()}


def test_the_clock_follows_the_saved_anchor_within_a_second_and_never_goes_back() -> None:
    cluster = new_cluster("clock-follows", state("live", 1.0, WALL - 600))
    wall = FakeWall()
    clock = ClusterClock(cluster.pk, wall)
    assert clock() == WALL - 600

    wall.now += 10
    assert clock() == WALL - 590, "live at 1x, ten minutes behind"

    Cluster.objects.filter(pk=cluster.pk).update(sim_state=state("paused", 1.0, WALL - 595, wall=wall.now))
    wall.now += 0.5
    assert clock() == WALL - 589.5, "the anchor is re-read once a second"
    wall.now += 0.5
    assert clock() == WALL - 589.5, "paused elsewhere at an earlier time: it stands still, never back"
    wall.now += 60
    assert clock() == WALL - 589.5


def test_without_an_anchor_the_clock_is_the_wall_clock() -> None:
    cluster = new_cluster("clock-wall")
    wall = FakeWall()
    assert ClusterClock(cluster.pk, wall)() == WALL


def test_a_new_simulated_cluster_stamps_its_bootstrap_objects_with_its_clock() -> None:
    paused_at = 1_700_000_000.0  # any time in the past: paused there, the clock shows it
    cluster = new_cluster("clock-bootstrap", state("paused", 1.0, paused_at))
    namespace = apiservers.get(cluster.name).store.get("/registry/namespaces/kube-system")
    assert parse_time(namespace["metadata"]["creationTimestamp"]) == paused_at
