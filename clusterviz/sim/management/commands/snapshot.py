"""``manage.py snapshot``: a cluster as one YAML file, and a new cluster from one.

    python manage.py snapshot export --cluster demo > snap.yaml
    python manage.py snapshot import snap.yaml --cluster copy
    kubectl get nodes,pods,deploy,rs,svc -A -o yaml > dump.yaml     (a real cluster)
    python manage.py snapshot import dump.yaml --cluster replay

``export`` prints the snapshot (``-o json``: the same document as JSON). ``import`` checks the
whole file first and creates nothing when any object is refused: it exits 1 naming the file
line, the object, the field and the reason. It reads and writes the database directly, so it
works with or without ``manage.py up`` running; a running server starts hosting the new
cluster within a few seconds.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from clusterviz.sim.snapshots import export_cluster, import_cluster
from simulation.apimachinery.validation import is_dns1123_label
from simulation.snapshot import SnapshotError, dump_snapshot, parse_snapshot


class Command(BaseCommand):
    help = "Export a cluster (objects, simulation settings, clock) as YAML, or import one as a new cluster."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="verb", required=True)
        export = sub.add_parser("export", help="Print the cluster's snapshot.")
        export.add_argument("--cluster", default="demo")
        export.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
        imp = sub.add_parser("import", help="Create a new cluster from a snapshot or a `kubectl get -o yaml` dump.")
        imp.add_argument("file", help="The snapshot file (- for standard input).")
        imp.add_argument("--cluster", required=True, help="The new cluster's name.")
        imp.add_argument("-o", "--output", choices=["json"], help="Print what was restored as JSON.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            if options["verb"] == "export":
                self._export(options)
            else:
                self._import(options)
        except SnapshotError as exc:
            raise CommandError("\n".join(exc.errors)) from None

    def _export(self, options: dict) -> None:
        text = dump_snapshot(export_cluster(options["cluster"]))
        if options["output"] == "json":
            text = json.dumps(yaml.safe_load(text), indent=2) + "\n"
        self.stdout.write(text, ending="")

    def _import(self, options: dict) -> None:
        name, path = options["cluster"], options["file"]
        problems = is_dns1123_label(name)
        if problems:
            raise CommandError(f"invalid cluster name {name!r}: {'; '.join(problems)}")
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        snapshot = parse_snapshot(text, "stdin" if path == "-" else Path(path).name)
        cluster, report = import_cluster(snapshot, name)
        if options["output"] == "json":
            self.stdout.write(json.dumps({"cluster": cluster.name, "nodes": [n.name for n in snapshot.settings.nodes],
                                          **report.as_dict()}, indent=2))
            return
        nodes = ", ".join(n.name for n in snapshot.settings.nodes) or "none"
        self.stdout.write(f"cluster {cluster.name!r} created from {path}: {len(report.created)} objects created, "
                          f"{len(report.updated)} updated, {len(report.unchanged)} unchanged; nodes: {nodes}")
        for line in report.skipped:
            self.stdout.write(f"  skipped {line}")
        for line in report.notes:
            self.stdout.write(f"  note: {line}")
        self.stdout.write(f"  kubectl: python manage.py kubeconfig --cluster {cluster.name} > {cluster.name}.kubeconfig")
