"""``manage.py bench <name>``: the project's speed and memory benchmarks (see docs/benchmarks.md)."""
from __future__ import annotations

from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand

from clusterviz.benchmarks import controlplane, frames, store, ws

#: Every benchmark, by the name ``bench`` takes; each returns the report it prints.
BENCHMARKS: dict[str, Callable[[dict], str]] = {
    "store": store.run,
    "scheduler": controlplane.run_scheduler,
    "deploy": controlplane.run_deploy,
    "ws": ws.run,
    "frames": frames.run,
}


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--count", type=int, default=None, help="Objects to write (store: 2000; scheduler: pods; deploy: replicas).")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)  # a fresh data directory works too
        self.stdout.write(BENCHMARKS[options["name"]](options))
