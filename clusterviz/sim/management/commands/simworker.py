"""``manage.py simworker``: host simulation kernels outside the web server (with
``REDIS_URL`` set, so the control API and the browser reach them over Redis).

Several workers may run: each cluster's kernel is owned by one at a time, decided by the
``kube-system/clusterviz-kernel`` Lease taken through the cluster's own API server
(optimistic concurrency: of two workers racing, one wins). A worker that stops renewing
loses the cluster to another after the lease expires.
"""
from __future__ import annotations

import asyncio
import os
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from clusterviz.clusters import apiservers, collector, revisionbus
from clusterviz.clusters.models import Cluster
from clusterviz.sim import host as kernel_hosts
from clusterviz.sim import remote
from simulation.apiserver.bootstrap import APISERVER
from simulation.client.apiclient import APIClient
from simulation.client.leaderelection import LeaderElector
from simulation.kernel import Kernel

LEASE_NAME = "clusterviz-kernel"
POLL_SECONDS = 1.0


class Ownership:
    """One cluster's lease, driven by real time through a private kernel (the same
    LeaderElector the scheduler and controller manager use)."""

    def __init__(self, cluster: Cluster, identity: str) -> None:
        self.cluster = cluster
        self.kernel = Kernel(epoch=time.time())
        self.host: kernel_hosts.KernelHost | None = None
        self.server_task: asyncio.Task | None = None
        server = apiservers.get(cluster.name)
        client = APIClient(server, APISERVER, "clusterviz-simworker")
        # Paced by the wall clock; the Lease's times, like everything the cluster holds, in its own.
        self.elector = LeaderElector(self.kernel, client, lease_name=LEASE_NAME, identity=identity,
                                     component="simworker", on_started_leading=self._own,
                                     on_stopped_leading=self._release, clock=lambda: server.clock())
        self.elector.start()

    def _own(self) -> None:
        self.host = kernel_hosts.start(Cluster.objects.get(pk=self.cluster.pk))

    def _release(self) -> None:
        if self.host is not None:
            self.host.stop()
            kernel_hosts.forget(self.cluster.name)
            self.host = None

    def tick(self) -> None:
        self.kernel.run_until(time.time() - self.kernel.epoch)


class Command(BaseCommand):
    help = "Host the simulation kernels of all enabled clusters (one owner per cluster, via a Lease)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="Take what can be taken, report, and exit.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if kernel_hosts.hosts_in_process() and not options["once"]:
            raise CommandError("REDIS_URL is not set: `manage.py up` hosts the kernels itself (in-memory layer)")
        identity = f"{socket.gethostname()}_{os.getpid()}"
        # the kernels' writes wake the web processes' watches at once (they read, not listen)
        revisionbus.install(subscribe=False)
        collector.tune()
        asyncio.run(self._run(identity, options["once"]))

    async def _run(self, identity: str, once: bool) -> None:
        owned: dict[str, Ownership] = {}
        loop = asyncio.get_running_loop()
        while True:
            clusters = await loop.run_in_executor(None, _enabled_clusters)
            for cluster in clusters:
                if cluster.name not in owned:
                    owned[cluster.name] = await loop.run_in_executor(None, Ownership, cluster, identity)
            for ownership in owned.values():
                await loop.run_in_executor(None, ownership.tick)
                if ownership.host is not None and ownership.server_task is None:
                    ownership.server_task = asyncio.create_task(remote.serve(ownership.host))
                    self.stdout.write(f"simworker {identity}: hosting cluster {ownership.cluster.name!r}")
                elif ownership.host is None and ownership.server_task is not None:
                    ownership.server_task.cancel()
                    ownership.server_task = None
                    self.stdout.write(f"simworker {identity}: lost cluster {ownership.cluster.name!r}")
            if once:
                return
            await asyncio.sleep(POLL_SECONDS)


def _enabled_clusters() -> list[Cluster]:
    close_old_connections()
    return [c for c in Cluster.objects.all() if (c.sim_state or {}).get("enabled")]
