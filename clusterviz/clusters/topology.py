"""What a cluster's simulation is made of, as stored in ``Cluster.sim_state``: the seed,
the pacing (mode, speed and the clock's anchor), the nodes, the extra schedulers and which
components the teacher stopped. The kernel's live state is rebuilt from this after a
restart; the Kubernetes objects themselves live in the store and are never lost.

A new cluster's layout is written here, whoever asks for it (the home page's form, the
admin, ``manage.py createcluster``, ``up`` for the demo): :func:`simulated_state` from
:class:`NodeSpec` rows, each checked by :func:`node_errors` as the API server will check
the Node its kubelet registers — so a layout that passes here never fails at registration.
"""
from __future__ import annotations

import time
from dataclasses import asdict, fields

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import is_valid_label_value
from simulation.apiserver.validation.core import validate_node
from simulation.cluster import demo_nodes
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kernel.pacing import LIVE, Anchor
from simulation.kubelet.node_spec import NodeSpec
from simulation.kubelet.node_status import EVICTION_HARD_MEMORY_BYTES, new_node

#: Node rows a cluster may have: enough for the 50-node benchmark, few enough for one laptop.
MAX_NODES = 50


def simulated_state(nodes: list[NodeSpec], *, seed: int = 1, speed: float = 1.0,
                    behind_live_seconds: float = 0.0, kubeadm: bool = False, ha: bool = False) -> dict:
    """A cluster live at ``speed`` with ``nodes``, its clock ``behind_live_seconds`` behind the
    wall clock: head-room for a new cluster; none for one whose objects were stamped with the
    wall clock. The host reads it (:mod:`clusterviz.sim.host`); ``enabled`` asks for hosting.
    ``kubeadm``: laid out as ``kubeadm init`` leaves a cluster (a control-plane node with the
    control plane in static pods, kube-proxy and CoreDNS in kube-system) before ``nodes``; ``ha``:
    three such control-plane nodes, a highly available control plane (implies ``kubeadm``)."""
    now = time.time()
    return {"enabled": True, "seed": seed, "mode": LIVE, "speed": speed,
            "anchor": Anchor(now, now - behind_live_seconds).as_state(),
            "watch_latency_seconds": CLASSROOM_WATCH_LATENCY_SECONDS,
            "nodes": [asdict(n) for n in nodes], "schedulers": [], "stopped": [], "kubeadm": kubeadm or ha, "ha": ha}


def demo_state(seed: int = 1, *, behind_live_seconds: float = 0.0) -> dict:
    """The demo cluster (:func:`simulation.cluster.demo_nodes`), live at 1x."""
    return simulated_state(demo_nodes(), seed=seed, behind_live_seconds=behind_live_seconds)


def node_specs(state: dict) -> list[NodeSpec]:
    known = {f.name for f in fields(NodeSpec)}
    return [NodeSpec(**{k: v for k, v in node.items() if k in known}) for node in state.get("nodes", [])]


# ------------------------------------------------------------------ a node row, as a teacher types it
def parse_taints(text: str) -> list[dict]:
    """``kubectl taint``'s syntax, several separated by commas or spaces:
    ``dedicated=gpu:NoSchedule, spot:PreferNoSchedule``. The key, value and effect are
    checked later, with the Node (:func:`node_errors`)."""
    taints = []
    for item in text.replace(",", " ").split():
        spec, colon, effect = item.rpartition(":")
        if not colon:
            raise ValueError(f"invalid taint spec: {item}: the effect is missing (KEY=VALUE:EFFECT or KEY:EFFECT)")
        key, _, value = spec.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def parse_labels(text: str) -> dict[str, str]:
    """``kubectl label``'s syntax, several separated by commas or spaces: ``accelerator=gpu``."""
    labels = {}
    for item in text.replace(",", " ").split():
        key, equals, value = item.partition("=")
        if not equals:
            raise ValueError(f"invalid label spec: {item}: KEY=VALUE")
        labels[key] = value
    return labels


def format_taints(taints: list[dict]) -> str:
    return ", ".join(f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}" for t in taints)


def format_labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items())


def describe(nodes: list[NodeSpec]) -> str:
    """``node-1 (4 CPU, 8Gi, zone-a), …`` for a page or a terminal."""
    return ", ".join(f"{n.name} ({n.cpu} CPU, {n.memory}" + (f", {n.zone}" if n.zone else "")
                     + (f", tainted {format_taints(n.taints)}" if n.taints else "") + ")" for n in nodes)


def numbered_node(index: int, *, name: str, cpu: str, memory: str, zone: str = "", taints: list[dict] | None = None,
                  labels: dict[str, str] | None = None) -> NodeSpec:
    """Row ``index`` (1-based) of a layout: its pod CIDR ``10.244.<index>.0/24``, as the demo's."""
    return NodeSpec.numbered(index, name, cpu=cpu, memory=memory, zone=zone, taints=list(taints or []),
                             extra_labels=dict(labels or {}))


def node_errors(spec: NodeSpec) -> dict[str, list[str]]:
    """What is wrong with a node row, by its field (``name``, ``cpu``, ``memory``, ``zone``,
    ``taints``, ``labels``): sizes a kubelet could not offer a pod, and what the API server's
    Node validation would refuse, in its words."""
    errors: dict[str, list[str]] = {}
    for name, minimum, why in (("cpu", 0, "must be more than 0"),
                               ("memory", EVICTION_HARD_MEMORY_BYTES,
                                "must be more than 100Mi (the kubelet keeps 100Mi free for eviction)")):
        try:
            if Quantity.parse(getattr(spec, name)).value <= minimum:
                errors.setdefault(name, []).append(why)
        except QuantityError as exc:
            errors.setdefault(name, []).append(str(exc))
    zone = is_valid_label_value(spec.zone)
    if zone:
        errors["zone"] = zone
    if errors:
        return errors
    for cause in validate_node(new_node(spec, [], "1970-01-01T00:00:00Z")):
        path = cause["field"]
        if path.startswith("metadata.taints"):
            key = "taints"
        elif path.startswith("metadata.labels"):
            key = "labels"
        elif path == "metadata.name":
            key = "name"
        else:
            key = "__all__"
        errors.setdefault(key, []).append(f"{path}: {cause['message']}")
    return errors
