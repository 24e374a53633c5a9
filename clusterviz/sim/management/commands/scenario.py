"""``manage.py scenario``: chapter 11's guided lessons from a terminal.

    python manage.py scenario list [-o json]
    python manage.py scenario run deployment-chain                 (a fresh headless cluster)
    python manage.py scenario run deployment-chain --cluster demo  (the running server's cluster)
    python manage.py scenario run ./my-lesson.yaml
    python manage.py scenario validate ./my-lesson.yaml [more.yaml ...]

``run`` prints each step's narration, the commands to copy, each action and what it answered,
each wait and check with what it saw; it exits non-zero naming the step, the condition and
what it saw. ``validate`` prints every mistake as ``file:line: message``. The format is
``docs/scenarios.md``.
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from clusterviz.sim.connection import connect
from clusterviz.sim.scenario_http import HTTPBackend
from simulation.scenarios import ScenarioInvalid, find, shipped
from simulation.scenarios.runner import Runner, run_headless
from simulation.scenarios.validate import check


class Command(BaseCommand):
    help = "List, run and validate guided scenarios (chapter 11's stories as lessons)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="verb", required=True, metavar="list|run|validate")
        listing = sub.add_parser("list", help="The shipped scenarios.")
        listing.add_argument("-o", "--output", choices=["json"])
        run = sub.add_parser("run", help="Run a scenario: a shipped id or a YAML file.")
        run.add_argument("name")
        where = run.add_mutually_exclusive_group()
        where.add_argument("--cluster", help="Run on this cluster of the running server (manage.py up).")
        where.add_argument("--headless", action="store_true", help="Run on a fresh in-memory cluster (the default).")
        run.add_argument("--server", default="", help="Base URL with --cluster (default: this machine's `up` server).")
        run.add_argument("-o", "--output", choices=["json"], help="Print the run's result as JSON.")
        validate = sub.add_parser("validate", help="Check scenario files; errors as file:line: message.")
        validate.add_argument("files", nargs="+")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        getattr(self, f"_{options['verb']}")(options)

    def _list(self, options: dict) -> None:
        scenarios = shipped()
        if options["output"] == "json":
            self.stdout.write(json.dumps([{
                "id": s.id, "section": s.section, "title": s.title, "minutes": s.minutes, "steps": len(s.steps),
                "summary": s.summary, "runnable": s.runnable, "pending": s.pending} for s in scenarios], indent=2))
            return
        rows = [["ID", "§", "TITLE", "MINUTES", "STEPS", "STATUS"]] + [
            [s.id, s.section, s.title, f"{s.minutes:g}", str(len(s.steps)),
             "runnable" if s.runnable else f"pending: {s.pending.split(' (')[0]}"] for s in scenarios]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("   ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())

    def _run(self, options: dict) -> None:
        try:
            scenario = find(options["name"])
        except ScenarioInvalid as exc:
            raise CommandError(f"the scenario has mistakes:\n{exc}") from None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if not scenario.runnable:
            raise CommandError(f"scenario {scenario.id} is not runnable yet: pending {scenario.pending}")
        quiet = options["output"] == "json"
        out = None if quiet else self.stdout.write
        if options["cluster"] and scenario.setup.snapshot is not None:
            raise CommandError(f"scenario {scenario.id} starts from a snapshot, which only a new cluster can be: run it "
                               "headless (without --cluster), from the page's Lessons tab (a new cluster with the "
                               "snapshot imported), or import the snapshot yourself (manage.py snapshot import)")
        if options["cluster"]:
            backend = HTTPBackend(connect(options["cluster"], options["server"]))
            runner = Runner(scenario, backend, out=out)
            try:
                result = runner.run()
            finally:
                runner.close()
        else:
            result, _ = run_headless(scenario, out=out)
        if quiet:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        if not result.ok:
            raise CommandError(f"scenario {scenario.id} failed: {result.failure}")

    def _validate(self, options: dict) -> None:
        failed = False
        for path in options["files"]:
            scenario, problems = check(path)
            if scenario is None:
                failed = True
                for problem in problems:
                    self.stderr.write(str(problem))
            else:
                pending = f", pending {scenario.pending}" if scenario.pending else ""
                self.stdout.write(f"{path}: ok — {scenario.id}, {len(scenario.steps)} steps{pending}")
        if failed:
            raise CommandError("some scenario files have mistakes (listed above)")
