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


class SimConfig(AppConfig):
    name = "clusterviz.sim"
    label = "sim"
    verbose_name = "Simulation kernels"

    def ready(self) -> None:
        from clusterviz.clusters import health

        health.remote_probe = _remote_health
