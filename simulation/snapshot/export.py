"""Taking a snapshot: a cluster's objects, listed through its API server by the admin as
``kubectl get -A -o yaml`` would list them, plus the simulation settings and the clock, as one
readable YAML document.

What is left out keeps the file readable and the restore honest: the kinds in
:data:`~simulation.snapshot.parse.SKIPPED_KINDS` (history and state the new cluster's
components write again), the fields the API server sets, the status a component rebuilds,
and whatever a new cluster's bootstrap makes anyway (system namespaces, default service
accounts, the default RBAC roles) unless it was changed.
"""
from __future__ import annotations

from typing import Any

import yaml

from simulation.apimachinery import resources
from simulation.apimachinery.resources import RESOURCES
from simulation.apimachinery.timestamps import rfc3339_micro
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import bootstrap
from simulation.apiserver.request import APIResponse
from simulation.client.apiclient import resource_path
from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME
from simulation.cluster import COREDNS_RBAC, SimCluster
from simulation.store.memory import MemoryStore

from .model import SNAPSHOT_KIND, SNAPSHOT_VERSION, Settings, Snapshot, SnapshotError, settings_as_yaml
from .parse import SKIPPED_KINDS
from .restore import API_SERVER_OWNED, RESTORE_ORDER, comparable, key_of, send

#: The resources a snapshot lists, in restore order.
EXPORTED = sorted((rt for rt in RESOURCES if not rt.virtual and not rt.create_only and rt.kind not in SKIPPED_KINDS),
                  key=lambda rt: RESTORE_ORDER.index(rt.kind))


def export_objects(server: Any) -> list[dict]:
    """Every restorable object of the cluster ``server`` serves, as :func:`comparable` makes it,
    except what a new cluster's bootstrap makes identically."""
    baseline = _bootstrap_objects()
    out = []
    for rt in EXPORTED:
        response = send(server, "GET", resource_path(rt))
        for item in _items(response, rt.name):
            obj = comparable({"apiVersion": rt.group_version, "kind": rt.kind, **item})
            key = key_of(obj)
            if key not in API_SERVER_OWNED and baseline.get(key) != obj:
                out.append(obj)
    return out


def export_snapshot(server: Any, settings: Settings, clock: float | None, cluster: str = "") -> Snapshot:
    return Snapshot(settings=settings, objects=export_objects(server), clock=clock, cluster=cluster)


def settings_of(sim: SimCluster) -> Settings:
    """The settings of a cluster built in this process (headless runs, tests)."""
    return Settings(seed=sim.kernel.seed, mode=sim.pacer.mode, speed=sim.pacer.speed,
                    watch_latency_seconds=sim.kernel.watch_latency_seconds, nodes=list(sim.node_specs.values()),
                    replicas={kind: sim.replicas(kind) for kind in ("scheduler", "controller-manager")},
                    schedulers=[{"name": s.name, "schedulerName": s.scheduler_name} for s in sim.schedulers()
                                if s.scheduler_name != DEFAULT_SCHEDULER_NAME],
                    stopped=[c.name for c in sim.components.values() if not c.running])


def dump_snapshot(snapshot: Snapshot) -> str:
    """The snapshot as one YAML document, keys in Kubernetes' order (metadata, spec, status)."""
    document: dict[str, Any] = {"kind": SNAPSHOT_KIND, "version": SNAPSHOT_VERSION}
    if snapshot.cluster:
        document["cluster"] = snapshot.cluster
    if snapshot.clock is not None:
        document["clock"] = {"time": rfc3339_micro(snapshot.clock)}
    document["simulation"] = settings_as_yaml(snapshot.settings)
    document["objects"] = snapshot.objects
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def _bootstrap_objects() -> dict[tuple[str, str, str], dict]:
    """What a new cluster holds before anyone writes: a throwaway server, bootstrapped, with what
    the cluster builder adds for CoreDNS (kubeadm's add-on RBAC)."""
    scratch = new_apiserver(MemoryStore(), token_lookup=lambda token: None, clock=lambda: 0.0)
    bootstrap(scratch)
    for resource, obj in COREDNS_RBAC:
        send(scratch, "POST", resource_path(resources.by_name(resource), obj["metadata"].get("namespace", "")), obj)
    out = {}
    for rt in EXPORTED:
        for item in _items(send(scratch, "GET", resource_path(rt)), rt.name):
            obj = comparable({"apiVersion": rt.group_version, "kind": rt.kind, **item})
            out[key_of(obj)] = obj
    return out


def _items(response: APIResponse, resource: str) -> list[dict]:
    if response.code >= 400:
        raise SnapshotError(f"listing {resource}: {(response.body or {}).get('message', response.code)}")
    return list(response.body.get("items") or [])
