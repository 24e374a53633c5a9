"""``manage.py createcluster NAME [--node SPEC ...] [--seed N] [--speed X] [-o json]``: the
home page's "new cluster" form from a terminal (same checks, same words), e.g.

    python manage.py createcluster class-b \\
        --node "node-1 cpu=4 memory=8Gi zone=zone-a" \\
        --node "node-2 cpu=2 memory=4Gi zone=zone-b taints=dedicated=gpu:NoSchedule labels=accelerator=gpu"

Without ``--node`` the cluster gets the demo's nodes. A running ``manage.py up`` (or
``simworker``) starts simulating it within a second.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clusterviz.clusters import forms
from clusterviz.clusters.topology import format_taints, node_specs
from simulation.cluster import control_plane_nodes

NODE_KEYS = ("cpu", "memory", "zone", "taints", "labels")


def parse_node(text: str) -> dict[str, str]:
    """``"NAME cpu=4 memory=8Gi zone=a taints=k=v:NoSchedule,k2:NoExecute labels=k=v"`` as a form row."""
    name, *settings_ = text.split()
    row = {"name": name}
    for item in settings_:
        key, equals, value = item.partition("=")
        if not equals or key not in NODE_KEYS:
            raise CommandError(f"--node {text!r}: {item!r} is not one of {', '.join(k + '=…' for k in NODE_KEYS)}")
        row[key] = value
    return row


def _messages(errors: dict) -> list[str]:
    return [f"{field}: {message}" if field != "__all__" else message
            for field, messages in errors.items() for message in messages]


class Command(BaseCommand):
    help = "Create a simulated cluster: its nodes (default: the demo's), tokens, namespaces and RBAC."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name")
        parser.add_argument("--node", action="append", default=[], metavar="SPEC",
                            help='"NAME cpu=4 memory=8Gi [zone=Z] [taints=K=V:EFFECT,…] [labels=K=V,…]"; repeat '
                                 "for each node (default: the demo's three)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", type=float, default=1.0)
        parser.add_argument("--kubeadm", action="store_true",
                            help="lay the cluster out as kubeadm does: a tainted control-plane node "
                                 "(kind-control-plane) running the control plane as static pods, kube-proxy and "
                                 "CoreDNS in kube-system")
        parser.add_argument("--ha", action="store_true",
                            help="a highly available control plane: three control-plane nodes (kubeadm layout) "
                                 "with three etcd members, three API servers behind a load balancer and "
                                 "leader-elected schedulers and controller managers")
        parser.add_argument("-o", "--output", choices=["json"], help="Print the cluster as JSON.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        rows = [parse_node(text) for text in options["node"]] or forms.demo_rows()
        cluster_fields = {"name": options["name"], "seed": options["seed"], "speed": options["speed"]}
        for layout in ("kubeadm", "ha"):
            if options[layout]:
                cluster_fields[layout] = "on"
        form, nodes = forms.bound_forms(forms.layout_data(cluster_fields, rows))
        if not (form.is_valid() & nodes.is_valid()):
            problems = _messages(form.errors)
            problems += [f"node {index} ({row.get('name', '')}): {message}"
                         for index, (row, errors) in enumerate(zip(rows, nodes.errors), start=1)
                         for message in _messages(errors)]
            problems += list(nodes.non_form_errors())
            raise CommandError("the cluster was not created:\n  " + "\n  ".join(problems))
        cluster = forms.create(form, nodes)
        if cluster is None:
            raise CommandError("the cluster was not created:\n  " + "\n  ".join(_messages(form.errors)))
        specs = node_specs(cluster.sim_state)
        api = f"https://{settings.CLUSTERVIZ_PUBLIC_HOST}:{settings.CLUSTERVIZ_HTTPS_PORT}/clusters/{cluster.name}"
        if options["output"] == "json":
            self.stdout.write(json.dumps({"name": cluster.name, "server": api, **cluster.sim_state}, indent=2))
            return
        self.stdout.write(f"cluster {cluster.name!r} created (seed {cluster.sim_state['seed']}, "
                          f"{cluster.sim_state['speed']:g}x); a running `manage.py up` simulates it within a second")
        self.stdout.write(f"  {'NODE':<16} {'CPU':>5} {'MEMORY':>8}  {'ZONE':<10} TAINTS")
        state = cluster.sim_state
        for spec in (control_plane_nodes(ha=bool(state.get("ha"))) if state.get("kubeadm") else []) + specs:
            self.stdout.write(f"  {spec.name:<16} {spec.cpu:>5} {spec.memory:>8}  {spec.zone or '-':<10} "
                              f"{format_taints(spec.taints) or '-'}")
        self.stdout.write(f"  Kubernetes API: {api}\n"
                          f"  kubectl:        python manage.py kubeconfig --cluster {cluster.name} > "
                          f"{cluster.name}.kubeconfig")
