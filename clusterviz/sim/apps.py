from django.apps import AppConfig

#: How long ``kubectl get cs`` waits for a worker-hosted kernel's answer.
HEALTH_TIMEOUT_SECONDS = 1.0


def _remote_health(cluster_name: str, component: str) -> tuple[bool, str] | None:
    """componentstatuses for a kernel another process hosts (``simworker`` with Redis)."""
    from simulation.cluster import SimulationError

    from . import host, remote

    if host.hosts_in_process():
        return None
    try:
        healthy, message = remote.call(cluster_name, {"op": "health", "component": component},
                                       timeout=HEALTH_TIMEOUT_SECONDS)
    except SimulationError:
        return None
    return healthy, message


def _remote_call(cluster_name: str, op: dict) -> dict:
    """A read-only operation on a kernel another process hosts (``pods/log``); a kernel nobody
    hosts answers as an unreachable kubelet would."""
    from simulation.cluster import SimulationError

    from . import host, remote

    node = op.get("node", "")
    if host.hosts_in_process():
        return {"error": f"dial tcp {node}:10250: connect: connection refused"}
    try:
        return remote.call(cluster_name, op)
    except SimulationError:
        return {"error": f"dial tcp {node}:10250: i/o timeout"}


class SimConfig(AppConfig):
    name = "clusterviz.sim"
    label = "sim"
    verbose_name = "Simulation kernels"

    def ready(self) -> None:
        from clusterviz.clusters import health

        health.remote_probe = _remote_health
        health.remote_call = _remote_call
