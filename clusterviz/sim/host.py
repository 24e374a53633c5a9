"""Each simulated cluster's kernel, run by a worker thread in this process.

By default the server process hosts every enabled cluster (one ``manage.py up`` runs
everything); with ``REDIS_URL`` set, ``manage.py simworker`` processes host them instead.

The thread paces the kernel against the wall clock, publishes every step to the cluster's
channel group (batched), and persists pacing and topology changes to ``Cluster.sim_state``.
Control requests run under the host's lock, between two kernel actions.

While it hosts a cluster, the process's API server stamps with the kernel's clock: one clock
for the API server and the components. The clock's anchor (``sim_state["anchor"]``) is saved
at every change of pace, and a restarted kernel resumes where the anchor says the clock stands
now — never before a time it stamped (see :mod:`simulation.kernel.pacing`).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections

from clusterviz.clusters import apiservers, audit, health
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.topology import node_specs
from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME
from simulation.cluster import SimCluster, SimulationError, standard_cluster
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kernel.pacing import LIVE, PAUSED, Anchor

from . import operations

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.02
#: At most this many actions per tick under the lock, so a control request (pause!) waits
#: for one short slice, not for a 100x backlog (or a jump to live); the rest runs next tick.
STEPS_PER_TICK = 200
PUBLISH_EVERY_SECONDS = 0.05
#: The websocket message that carries an exec's DNS questions and connections.
TRAFFIC = "exec.traffic"
STATE_EVERY_SECONDS = 1.0
#: How often ``up`` looks for clusters created, deleted or disabled since it started.
SUPERVISE_EVERY_SECONDS = 1.0
#: The kernels this process hosts, by cluster name.
_hosts: dict[str, KernelHost] = {}
_lock = threading.Lock()


class KernelHost:
    def __init__(self, cluster: Cluster) -> None:
        self.name = cluster.name
        self.cluster_id = cluster.pk
        state = dict(cluster.sim_state)
        self.state = state
        self.server = apiservers.get(cluster.name)
        self.lock = threading.RLock()
        self._outbox: list[dict] = []
        anchor = Anchor.from_state(state)
        # Without an anchor the objects were stamped with the wall clock: start at the live edge.
        resume = time.time() if anchor is None else anchor.virtual_at(time.time())
        self.sim: SimCluster = standard_cluster(self.server, node_specs(state), seed=int(state.get("seed", 1)),
                                                mode=state.get("mode", LIVE), speed=float(state.get("speed", 1.0)),
                                                epoch=resume, wall_clock=time.time, on_step=self._on_step,
                                                watch_latency_seconds=float(state.get(
                                                    "watch_latency_seconds", CLASSROOM_WATCH_LATENCY_SECONDS)),
                                                kubeadm=bool(state.get("kubeadm")), ha=bool(state.get("ha")),
                                                manifests=state.get("manifests") or {})
        self._server_clock = self.server.clock
        self.server.clock = self.sim.kernel.wall_time
        self.sim.pacer.max_steps_per_advance = STEPS_PER_TICK
        self.sim.restore_topology(state.get("replicas", {}),
                                  [(extra["name"], extra.get("scheduler_name", extra["name"]))
                                   for extra in state.get("schedulers", [])],
                                  state.get("stopped", []))
        for component in ("scheduler", "controller-manager"):
            health.probes[(cluster.name, component)] = self._probe(component)
        self._server_logs = self.server.kubelet_logs
        self.server.kubelet_logs = self._kubelet_logs
        self._server_exec = self.server.kubelet_exec
        self.server.kubelet_exec = self._kubelet_exec
        self._server_portforward = health.remote_portforward(self.name)
        self.server.kubelet_portforward = self._kubelet_portforward
        self._persist()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=f"kernel-{cluster.name}", daemon=True)

    def _probe(self, component: str) -> Callable[[], tuple[bool, str]]:
        return lambda: self.sim.health(component)

    def _kubelet_logs(self, node: str, pod: dict, container: str, previous: bool) -> list[tuple[float, str]]:
        """``pods/log`` reaching this process's kubelets, between two kernel actions."""
        with self.lock:
            return self.sim.container_logs(node, pod, container, previous)

    def _kubelet_exec(self, node: str, pod: dict, container: str, command: list[str] | None,
                      tty: bool, stdin_closed: int | None = None) -> dict:
        """``pods/exec`` reaching this process's kubelets, between two kernel actions; the DNS
        questions it asked go to the page's query log."""
        with self.lock:
            result = self.sim.exec(node, pod, container, command, tty, stdin_closed)
        self.publish_trace(pod, command, result)
        return result

    def _kubelet_portforward(self, node: str, pod: dict, port: int, request: bytes) -> bytes:
        """``pods/portforward`` reaching this process's kubelets, between two kernel actions."""
        with self.lock:
            return self.sim.port_forward(node, pod, port, request)

    def publish_trace(self, pod: dict, command: list[str] | None, result: dict) -> None:
        """What an exec did on the network — DNS questions (who asked, which CoreDNS pod answered,
        what) and connections (which endpoint the rules picked) — for the page."""
        if result.get("trace"):
            meta = pod["metadata"]
            audit.publish(self.name, {"type": TRAFFIC, "pod": f"{meta.get('namespace', '')}/{meta['name']}",
                                      "command": command or [], "trace": result["trace"]})

    # ----------------------------------------------------------------- thread
    def start(self) -> KernelHost:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.server.clock = self._server_clock
        self.server.kubelet_logs = self._server_logs
        self.server.kubelet_exec = self._server_exec
        self.server.kubelet_portforward = self._server_portforward

    def _on_step(self, step: Any) -> None:
        self._outbox.append(step.as_dict())

    def _loop(self) -> None:
        last_publish = last_state = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                with self.lock:
                    try:
                        self.sim.pacer.advance()
                        if self.sim.pacer.mode == PAUSED:
                            self.sim.kernel.pump()
                    except Cluster.DoesNotExist:
                        # Deleted (in the admin): stop here; the supervisor drops the rest.
                        logger.info("cluster %r was deleted: its simulation stops", self.name)
                        return
                    except Exception:
                        logger.exception("kernel of %s failed to advance", self.name)
                if now - last_publish >= PUBLISH_EVERY_SECONDS:
                    last_publish = now
                    self.publish_steps()
                if now - last_state >= STATE_EVERY_SECONDS:
                    last_state = now
                    self.publish_state()
                self._stop.wait(TICK_SECONDS)
        finally:
            close_old_connections()

    def publish_steps(self) -> None:
        with self.lock:
            steps, self._outbox = self._outbox, []
        if steps:
            audit.publish(self.name, {"type": "sim.steps", "steps": steps})

    def publish_state(self) -> None:
        audit.publish(self.name, {"type": "sim.state", **self.snapshot()})
        # componentstatuses, once for every viewer (pages no longer list them)
        health.publish_changes(self.name, self.sim.server.component_statuses())

    # ----------------------------------------------------------------- control
    def execute(self, op: dict) -> Any:
        """Carry out a control operation between two kernel actions; save what must
        survive a restart."""
        with self.lock:
            result = operations.execute(self.sim, op)
            if op["op"] in operations.PERSISTENT:
                self._persist()
        if op["op"] == "exec" and isinstance(result, dict) and isinstance(op["pod"], dict):
            self.publish_trace(op["pod"], op.get("command"), result)
        elif op["op"] == "exec" and isinstance(result, dict):
            self.publish_trace({"metadata": {"namespace": op.get("namespace") or "default", "name": op["pod"]}},
                               op.get("command"), result)
        if op["op"] not in operations.READ_ONLY:
            self.publish_steps()
            self.publish_state()
        return result

    def snapshot(self) -> dict:
        with self.lock:
            return self.sim.state()

    def _persist(self) -> None:
        sim = self.sim
        anchor = sim.pacer.anchor
        assert anchor is not None  # hosted kernels pace against the wall clock
        self.state.update(mode=anchor.mode, speed=anchor.speed, anchor=anchor.as_state(),
                          replicas={kind: sim.replicas(kind) for kind in ("scheduler", "controller-manager")},
                          stopped=[c.name for c in sim.components.values()
                                   if c.name in sim.held_down or (not sim.hosted(c.name) and not c.running)],
                          manifests=sim.manifest_overrides(),
                          schedulers=[{"name": s.name, "scheduler_name": s.scheduler_name}
                                      for s in sim.schedulers() if s.scheduler_name != DEFAULT_SCHEDULER_NAME])
        Cluster.objects.filter(pk=self.cluster_id).update(sim_state=self.state)


def hosts_in_process() -> bool:
    """Whether this server process hosts kernels (no separate workers configured)."""
    return not os.environ.get("REDIS_URL")


def start(cluster: Cluster) -> KernelHost:
    with _lock:
        host = _hosts.get(cluster.name)
        if host is None:
            host = _hosts[cluster.name] = KernelHost(cluster).start()
        return host


def reconcile() -> list[KernelHost]:
    """Host every enabled cluster, and stop hosting the clusters deleted or disabled since;
    returns the hosts it started. ``up`` runs it at start and then every second
    (:func:`supervise`), so a cluster created while it runs — on the home page, in the admin,
    by ``manage.py createcluster`` in another terminal — is simulated without a restart."""
    enabled = {c.name: c for c in Cluster.objects.all() if (c.sim_state or {}).get("enabled")}
    with _lock:
        hosted = list(_hosts.values())
    for host in hosted:
        cluster = enabled.get(host.name)
        if cluster is None or cluster.pk != host.cluster_id:
            stop_hosting(host)
    return [start(c) for name, c in enabled.items() if name not in _hosts]


def supervise(report: Callable[[KernelHost], None], every_seconds: float = SUPERVISE_EVERY_SECONDS) -> threading.Thread:
    """Run :func:`reconcile` every ``every_seconds`` in a daemon thread; ``report`` hears of each host started."""
    def loop() -> None:
        while True:
            time.sleep(every_seconds)
            try:
                for host in reconcile():
                    report(host)
            except Exception:
                logger.exception("could not bring the hosted simulations up to date")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="kernel-supervisor", daemon=True)
    thread.start()
    return thread


def get(name: str) -> KernelHost:
    host = _hosts.get(name)
    if host is None:
        raise SimulationError(f"cluster {name!r} has no running simulation in this process")
    return host


def forget(name: str) -> None:
    with _lock:
        _hosts.pop(name, None)


def stop_hosting(host: KernelHost) -> None:
    """Stop ``host``'s kernel and drop what this process kept of its cluster (its API server,
    its health probes): the cluster was deleted, or replaced by a new one of the same name."""
    host.stop()
    forget(host.name)
    apiservers.forget(host.name)
    for component in ("scheduler", "controller-manager"):
        health.probes.pop((host.name, component), None)
