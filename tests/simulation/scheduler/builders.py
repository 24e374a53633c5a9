"""Small builders for Node and Pod JSON, so each test row shows only what it is about."""
from __future__ import annotations

import random
from typing import Any

from simulation.scheduler.algorithm import ScheduleResult, schedule_pod
from simulation.scheduler.framework.interface import CycleState, FilterPlugin, Status
from simulation.scheduler.framework.node_info import NodeInfo, PodInfo, Snapshot
from simulation.scheduler.plugins.registry import default_framework


def node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110", labels: dict | None = None,
         taints: list | None = None, unschedulable: bool = False, images: list | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints or [], **({"unschedulable": True} if unschedulable else {})},
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods}, "images": images or []}}


def pod(name: str = "p", *, namespace: str = "default", cpu: str | None = None, memory: str | None = None,
        labels: dict | None = None, node_name: str = "", ports: list | None = None, image: str = "nginx:1.25",
        **spec: Any) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container: dict[str, Any] = {"name": "c", "image": image}
    if requests:
        container["resources"] = {"requests": requests}
    if ports:
        container["ports"] = ports
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "spec": {"containers": [container], **({"nodeName": node_name} if node_name else {}), **spec}}


def run_filter(plugin: FilterPlugin, the_pod: dict, the_node: dict, existing: list[dict] = ()) -> Status | None:
    """PreFilter (if any) then Filter on one node, with ``existing`` pods placed by their nodeName."""
    snapshot = Snapshot([the_node], existing)
    state = CycleState(snapshot)
    info = PodInfo(the_pod)
    if hasattr(plugin, "pre_filter"):
        pre = plugin.pre_filter(state, info)
        if pre is not None:
            return None if pre.code.value == "Skip" else pre
    return plugin.filter(state, info, snapshot.get(the_node["metadata"]["name"]))


def run_scores(plugin: Any, the_pod: dict, snapshot: Snapshot) -> tuple[list[int], list[int]]:
    """(raw, normalized) scores over all nodes of ``snapshot``, PreScore first."""
    state = CycleState(snapshot)
    info = PodInfo(the_pod)
    nodes: list[NodeInfo] = list(snapshot)
    if hasattr(plugin, "pre_score"):
        pre = plugin.pre_score(state, info, nodes)
        if pre is not None:
            return [0] * len(nodes), [0] * len(nodes)
    raw = [plugin.score(state, info, ni) for ni in nodes]
    normalized = list(raw)
    if plugin.normalize_score is not None:
        plugin.normalize_score(state, info, nodes, normalized)
    return raw, normalized


def schedule(the_pod: dict, snapshot: Snapshot, seed: int = 1, **kwargs: Any) -> ScheduleResult:
    return schedule_pod(default_framework(), the_pod, snapshot, rng=random.Random(seed), **kwargs)
