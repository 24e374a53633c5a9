"""Snapshots of hosted clusters (``manage.py snapshot``): the settings as ``Cluster.sim_state``
keeps them, the clock from its anchor, the objects through the cluster's API server.

An import is all or nothing: the file is rehearsed on a throwaway API server first
(:func:`simulation.snapshot.rehearse`); the new cluster is then created *disabled*, so no
kernel (this process's or a ``simworker``'s) starts its controllers on half its objects, its
objects are restored through its own API server, and only then is it enabled. Any error on
the way deletes the cluster again, its store and audit trail with it.
"""
from __future__ import annotations

import time
from dataclasses import asdict

from django.conf import settings as django_settings

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kernel.pacing import Anchor
from simulation.snapshot import RestoreReport, Settings, Snapshot, SnapshotError, export_snapshot, rehearse, restore

from clusterviz.clusters.topology import node_specs


def settings_from_state(state: dict) -> Settings:
    """The simulation settings a hosted cluster saved (``clusterviz.sim.host`` writes them)."""
    return Settings(seed=int(state.get("seed", 1)), mode=state.get("mode", "live"), speed=float(state.get("speed", 1.0)),
                    watch_latency_seconds=state.get("watch_latency_seconds"), nodes=node_specs(state),
                    replicas={"scheduler": 1, "controller-manager": 1, **state.get("replicas", {})},
                    schedulers=[{"name": s["name"], "schedulerName": s.get("scheduler_name", s["name"])}
                                for s in state.get("schedulers", [])],
                    stopped=list(state.get("stopped", [])))


def state_from_settings(settings: Settings, clock: float, *, wall_now: float) -> dict:
    """A ``sim_state`` that starts the cluster as ``settings`` say, its clock at ``clock``
    (never ahead of the wall clock: the live edge), not yet enabled."""
    return {"enabled": False, "seed": settings.seed, "mode": settings.mode, "speed": settings.speed,
            "anchor": Anchor(wall_now, min(clock, wall_now)).as_state(),
            "watch_latency_seconds": (CLASSROOM_WATCH_LATENCY_SECONDS if settings.watch_latency_seconds is None
                                      else settings.watch_latency_seconds),
            "nodes": [asdict(n) for n in settings.nodes], "replicas": dict(settings.replicas),
            "schedulers": [{"name": s["name"], "scheduler_name": s["schedulerName"]} for s in settings.schedulers],
            "stopped": list(settings.stopped)}


def cluster_clock(cluster: Cluster) -> float:
    """What the cluster's clock shows now (the wall clock for one without an anchor)."""
    now = time.time()
    anchor = Anchor.from_state(cluster.sim_state or {})
    return now if anchor is None else anchor.virtual_at(now)


def export_cluster(name: str) -> Snapshot:
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        raise SnapshotError(f"no cluster named {name!r}")
    return export_snapshot(apiservers.get(name), settings_from_state(cluster.sim_state or {}), cluster_clock(cluster),
                           cluster=name)


def import_cluster(snapshot: Snapshot, name: str) -> tuple[Cluster, RestoreReport]:
    """A new cluster ``name`` made from ``snapshot``, enabled; raises :class:`SnapshotError`
    with nothing left behind."""
    if Cluster.objects.filter(name=name).exists():
        raise SnapshotError(f"a cluster named {name!r} exists already; import into a new name")
    rehearse(snapshot)
    wall_now = time.time()
    # a dump has no clock: start as a new cluster does, head-room behind live
    clock = snapshot.clock if snapshot.clock is not None else wall_now - django_settings.CLUSTERVIZ_HEADROOM_SECONDS
    state = state_from_settings(snapshot.settings, clock, wall_now=wall_now)
    cluster = None
    try:
        cluster = create_cluster(name, sim_state=state)
        report = restore(apiservers.get(name), snapshot)
    except Exception:
        if cluster is not None:
            cluster.delete()
        apiservers.forget(name)
        raise
    state["enabled"] = True
    Cluster.objects.filter(pk=cluster.pk).update(sim_state=state)
    cluster.sim_state = state
    apiservers.forget(name)  # the hosting process builds its own, stamping with its kernel's clock
    return cluster, report
