"""``manage.py bench <name>``: the project's speed and memory benchmarks (see docs/benchmarks.md)."""
from __future__ import annotations

from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand

from clusterviz.benchmarks import classroom, controlplane, frames, memory, scaleout, store, ws

#: Every benchmark, by the name ``bench`` takes; each returns the report it prints.
BENCHMARKS: dict[str, Callable[[dict], str]] = {
    "store": store.run,
    "scheduler": controlplane.run_scheduler,
    "deploy": controlplane.run_deploy,
    "ws": ws.run,
    "frames": frames.run,
    "memory": memory.run,
    "scaleout": scaleout.run,
    "classroom": classroom.run,
}


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--count", type=int, default=None, help="Objects to write (store: 2000; scheduler: pods; deploy: replicas; scaleout: client threads, 8; classroom: students, 30).")
        parser.add_argument("--minutes", type=float, default=None, help="How long to run (memory: 60).")
        parser.add_argument("--speed", type=float, default=None, help="The cluster's speed (memory: 10).")
        parser.add_argument("--sample", type=float, default=None, help="Minutes between samples (memory: 5).")
        parser.add_argument("--clients", type=int, default=None, help="Student websockets (classroom: 100).")
        parser.add_argument("--per-student", type=int, default=None,
                            help="Clusters of their own (classroom: 30; 0 skips them).")
        parser.add_argument("--nodes", type=int, default=None, help="Nodes of the cluster (frames: 50).")
        parser.add_argument("--pods", type=int, default=None, help="Pods of the cluster (frames: 500).")
        parser.add_argument("-o", "--output", choices=["json"], default=None, help="json: the samples for machines.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)  # a fresh data directory works too
        self.stdout.write(BENCHMARKS[options["name"]](options))
