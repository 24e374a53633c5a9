"""Component health, as ``kubectl get componentstatuses`` reports it.

The store is probed for real (etcd-0 is healthy when the store answers). The scheduler
and controller manager answer through the probes their kernel host registers; a stopped
one — or one no kernel hosts — reports exactly what a kubectl user sees on a cluster whose
scheduler is down: connection refused.

The cluster page shows the same answer without asking for it: whoever hosts the cluster's
kernel computes it once for all viewers and publishes it to the cluster's group when it
changes (:func:`publish_changes`), and the websocket sends it to a page when it connects.
A page that listed componentstatuses itself would send one request per viewer every few
seconds, which every other viewer would then see animated.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from simulation.cluster import connection_refused
from simulation.store import Store

from . import audit

#: The components upstream's componentstatuses probes, besides etcd.
PROBED_COMPONENTS = ("scheduler", "controller-manager")

#: (cluster, component) → callable answering (healthy, message); filled by the kernel host.
probes: dict[tuple[str, str], Callable[[], tuple[bool, str]]] = {}
#: (cluster, component) → (healthy, message) for kernels hosted by another process, or None.
remote_probe: Callable[[str, str], tuple[bool, str] | None] | None = None
#: (cluster, op) → the answer of the kernel another process hosts; set by the sim app. The
#: kubelets' log endpoint is reached through it when this process hosts no kernel.
remote_call: Callable[[str, dict], Any] | None = None


def remote_logs(cluster_name: str, node: str, pod: dict, container: str, previous: bool) -> list[tuple[float, str]]:
    """``pods/log`` for a kernel another process hosts (a host in this process replaces this
    connection with its own). ``LookupError`` carries the kubelet's words."""
    if remote_call is None:
        raise LookupError(f"dial tcp {node}:10250: connect: connection refused")
    answer = remote_call(cluster_name, {"op": "logs", "node": node, "pod": pod, "container": container,
                                        "previous": previous})
    if answer.get("error"):
        raise LookupError(answer["error"])
    return [(t, line) for t, line in answer.get("lines", [])]

def remote_exec(cluster_name: str, node: str, pod: dict, container: str, command: list[str] | None,
                tty: bool, stdin_closed: int | None = None) -> dict:
    """``pods/exec`` for a kernel another process hosts (a host in this process replaces this
    connection with its own). ``LookupError`` carries the kubelet's words."""
    if remote_call is None:
        raise LookupError(f"dial tcp {node}:10250: connect: connection refused")
    answer = remote_call(cluster_name, {"op": "exec", "node": node, "pod": pod, "container": container,
                                        "command": command, "tty": tty, "stdin_closed": stdin_closed})
    if answer.get("error_kubelet") or ("stdout" not in answer and answer.get("error")):
        raise LookupError(answer.get("error_kubelet") or answer["error"])
    return answer


def remote_portforward(cluster_name: str):  # noqa: ANN201 - the server's kubelet_portforward
    """``pods/portforward`` for a kernel another process hosts: the request's bytes there, the
    response's back (latin-1 keeps bytes as text across the channel layer)."""
    def forward(node: str, pod: dict, port: int, request: bytes) -> bytes:
        if remote_call is None:
            raise LookupError(f"dial tcp {node}:10250: connect: connection refused")
        answer = remote_call(cluster_name, {"op": "portforward", "node": node, "pod": pod, "port": port,
                                            "request": request.decode("latin-1")})
        if answer.get("error_kubelet") is not None:
            raise LookupError(answer["error_kubelet"])
        return answer["response"].encode("latin-1")
    return forward


#: The websocket message that carries the statuses: ``{"type": HEALTH, "items": [...]}``.
HEALTH = "cluster.health"
#: cluster → the statuses this process published last, and the lock that keeps the
#: compare-and-publish of the kernel thread and of control requests in order.
_published: dict[str, list[dict]] = {}
_publishing = threading.Lock()


def _status(name: str, healthy: bool, message: str, error: str = "") -> dict:
    condition = {"type": "Healthy", "status": "True" if healthy else "False", "message": message}
    if error:
        condition["error"] = error
    return {"metadata": {"name": name}, "conditions": [condition]}


def component_statuses(store: Store, cluster_name: str) -> Callable[[], list[dict]]:
    def statuses() -> list[dict]:
        out = []
        for name in PROBED_COMPONENTS:
            probe = probes.get((cluster_name, name))
            answer = probe() if probe is not None else remote_probe(cluster_name, name) if remote_probe else None
            healthy, message = answer if answer is not None else (False, connection_refused(name))
            out.append(_status(name, healthy, message or ("ok" if healthy else connection_refused(name))))
        try:
            store.current_revision()
            out.append(_status("etcd-0", True, "ok"))
        except Exception as exc:  # noqa: BLE001 - any store failure is etcd being unhealthy
            out.append(_status("etcd-0", False, str(exc)))
        return out
    return statuses


def message(statuses: list[dict]) -> dict:
    """The websocket message carrying ``statuses`` (items of ``kubectl get cs -o json``)."""
    return {"type": HEALTH, "items": statuses}


def publish_changes(cluster_name: str, statuses: list[dict]) -> bool:
    """Publish ``statuses`` to the cluster's group unless they are what this process
    published last; says whether it did. Called often by the kernel's host, it costs a
    comparison when nothing changed."""
    with _publishing:
        if _published.get(cluster_name) == statuses:
            return False
        _published[cluster_name] = statuses
        audit.publish(cluster_name, message(statuses))
    return True
