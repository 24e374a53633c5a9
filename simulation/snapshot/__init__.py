"""Snapshots: a whole simulated cluster as one YAML file — its objects, the simulation
settings that rebuild its components, and its virtual clock — and back; a real cluster's
``kubectl get … -A -o yaml`` dump reads as one too, its Nodes becoming simulated machines.

Plain Python over the API server, like the components: a snapshot is taken by listing
through the API server and restored by creating through it (:mod:`.restore` says what is
promised). Django's side (``clusterviz.sim.snapshots``, ``manage.py snapshot``) and headless
runs (:func:`simulate`, for scenario setups and tests) share all of it::

    snapshot = parse_snapshot(text, "snap.yaml")   # SnapshotError: file:line: Kind ns/name: field: reason
    rehearse(snapshot)                             # every object judged by a throwaway API server
    restore(server, snapshot)                      # into a new, bootstrapped cluster
"""
from __future__ import annotations

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import bootstrap
from simulation.cluster import SimCluster, standard_cluster
from simulation.kernel import Kernel
from simulation.kernel.pacing import HEADLESS
from simulation.store.memory import MemoryStore

from .export import dump_snapshot, export_snapshot, settings_of
from .model import Settings, Snapshot, SnapshotError
from .parse import parse_snapshot
from .restore import RestoreReport, comparable, rehearse, restore

__all__ = ["RestoreReport", "Settings", "Snapshot", "SnapshotError", "comparable", "dump_snapshot",
           "export_snapshot", "parse_snapshot", "rehearse", "restore", "settings_of", "simulate"]


def simulate(snapshot: Snapshot, *, mode: str = HEADLESS, strict: bool = False) -> SimCluster:
    """A cluster restored from ``snapshot`` in this process, on an in-memory store, started:
    its kernel at the snapshot's clock (if it has one), its objects restored before any
    component runs, its components as the settings say."""
    settings = snapshot.settings
    kernel = Kernel(seed=settings.seed, strict=strict,
                    **({"epoch": snapshot.clock} if snapshot.clock is not None else {}))
    server = new_apiserver(MemoryStore(), token_lookup=lambda token: None, clock=kernel.wall_time, seed=settings.seed)
    bootstrap(server)
    restore(server, snapshot)
    sim = standard_cluster(server, settings.nodes, mode=mode, speed=settings.speed, kernel=kernel,
                           watch_latency_seconds=settings.watch_latency_seconds)
    sim.restore_topology(settings.replicas, [(s["name"], s["schedulerName"]) for s in settings.schedulers],
                         settings.stopped)
    return sim
