"""``manage.py bench <name>``: the project's speed and memory benchmarks (see docs/benchmarks.md)."""
from __future__ import annotations

import importlib

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {"store": "clusterviz.benchmarks.store", "scheduler": "clusterviz.benchmarks.controlplane:run_scheduler",
              "deploy": "clusterviz.benchmarks.controlplane:run_deploy", "ws": "clusterviz.viz.benchmark",
              "frames": "clusterviz.viz.framebench"}


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--count", type=int, default=None, help="Objects to write (store: 2000; scheduler: pods; deploy: replicas).")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        module = BENCHMARKS.get(options["name"])
        if module is None:
            raise CommandError(f"unknown benchmark {options['name']}")
        call_command("migrate", interactive=False, verbosity=0)  # a fresh data directory works too
        module_name, _, function = module.partition(":")
        self.stdout.write(getattr(importlib.import_module(module_name), function or "run")(options))
