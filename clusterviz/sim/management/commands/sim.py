"""``manage.py sim``: the control API from a terminal (what the browser's buttons do).

    python manage.py sim state
    python manage.py sim pause | play | speed 10
    python manage.py sim step 3 [--all]               (3 story steps; --all: 3 actions of any kind)
    python manage.py sim live                          (jump to live: fast-forward to the wall clock)
    python manage.py sim stop kube-scheduler | start kube-scheduler
    python manage.py sim add-scheduler my-scheduler
    python manage.py sim replicas scheduler 2          (leader election on a Lease)
    python manage.py sim kill-container default/web-7d9-abcde [--container POD]
    python manage.py sim fail-node node-2
    python manage.py sim drop-watch-events kube-controller-manager 5 [--resource replicasets --namespace default]
    python manage.py sim steps [--since N] [--all] | decision default/web-x | containers node-1 | iptables node-1
    python manage.py sim network node-1 | default/web-x  (ip addr and ip route on the node, or in the pod)
    python manage.py sim trace --from default/web-x --to my-svc:80   (a packet's path; --to: pod, Service or IP)
    python manage.py sim manifests [kind-control-plane]      (a kubeadm cluster's /etc/kubernetes/manifests)
    python manage.py sim manifest edit kube-scheduler --arg=--v=4 | --file my-scheduler.yaml
    python manage.py sim manifest remove kube-scheduler | restore kube-scheduler   [--node NODE]
    python manage.py sim ingress install              (the ingress add-on: ingress-nginx and its IngressClass)
    python manage.py sim ingress [http://HOST/PATH]   (the controller's routing table; where that request goes)

It talks HTTP to the running server (``manage.py up``) with the cluster's admin token (HTTPS,
trusting the cluster's CA, when the server serves only that: ``CLUSTERVIZ_HTTPS_ONLY``) and
prints short tables (:mod:`clusterviz.sim.printers`); ``-o json`` prints the API's JSON.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from django.core.management.base import BaseCommand, CommandError

from clusterviz.sim import printers
from clusterviz.sim.connection import connect
from simulation.cluster import CONTROL_PLANE_HOST, MANIFEST_ACTIONS

VERBS = ["state", "play", "pause", "live", "step", "speed", "stop", "start", "add-scheduler", "replicas", "kill-container",
         "fail-node", "drop-watch-events", "steps", "decision", "containers", "iptables", "network", "trace",
         "manifests", "manifest", "ingress"]


def _ns_name(value: str) -> tuple[str, str]:
    namespace, _, name = value.rpartition("/")
    return namespace or "default", name


class Command(BaseCommand):
    help = "Drive a cluster's simulation (clock, components, faults) through the control API."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("verb", choices=VERBS)
        parser.add_argument("rest", nargs="*", metavar="ARG")
        parser.add_argument("--cluster", default="demo")
        parser.add_argument("--container", default="POD", help="kill-container: the container (POD = pause).")
        parser.add_argument("--since", type=int, default=0)
        parser.add_argument("--all", action="store_true",
                            help="step, steps: every action, housekeeping (heartbeats, relists…) included.")
        parser.add_argument("--resource", default="", help="drop-watch-events: only events of this resource.")
        parser.add_argument("--namespace", default="", help="drop-watch-events: only events in this namespace.")
        parser.add_argument("--from", dest="source", default="", help="trace: the sending pod, NAMESPACE/POD.")
        parser.add_argument("--to", default="", help="trace: a pod, a Service or an IP, optionally with :PORT.")
        parser.add_argument("--node", default="", help="manifest(s): the node (default: kind-control-plane).")
        parser.add_argument("--arg", action="append", default=[], metavar="FLAG",
                            help="manifest edit: a command flag to set, e.g. --arg=--v=4 (repeatable).")
        parser.add_argument("--file", default="", help="manifest edit: a whole new manifest (YAML or JSON file).")
        parser.add_argument("-o", "--output", choices=["json"], help="Print the control API's JSON.")
        parser.add_argument("--server", default="", help="Base URL (default: this machine's `up` server).")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        conn = connect(options["cluster"], options["server"])

        def call(method: str, path: str, body: dict) -> Any:
            request = urllib.request.Request(conn.url(f"/sim/{path}"), method=method,
                                             data=json.dumps(body).encode() if method == "POST" else None,
                                             headers={"Authorization": f"Bearer {conn.token}",
                                                      "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30, context=conn.context) as response:
                    return json.load(response)
            except urllib.error.HTTPError as exc:
                raise CommandError(json.load(exc).get("message", str(exc))) from None
            except urllib.error.URLError as exc:
                raise conn.unreachable(exc.reason) from None

        verb = options["verb"]
        data = call(*self._request(verb, options["rest"], options))
        if options["output"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        now_seconds = call("GET", "", {})["clock"]["now_seconds"] if verb == "containers" else 0.0
        self.stdout.write(self._human(verb, data, options, now_seconds))

    @staticmethod
    def _human(verb: str, data: Any, options: dict, now_seconds: float) -> str:
        """The short, kubectl-like rendering of a verb's answer."""
        if verb in ("state", "play", "pause", "live"):
            return printers.state_line(data)
        if verb == "speed":
            return printers.speed_result(data)
        if verb == "step":
            return printers.step_result(data)
        if verb == "steps":
            return printers.steps_table([s for s in data["steps"] if options["all"] or not s.get("housekeeping")])
        if verb in ("stop", "start", "add-scheduler", "replicas"):
            return printers.component_lines(data)
        if verb == "decision":
            return printers.decision(data)
        if verb == "containers":
            return printers.containers(data, now_seconds)
        if verb == "iptables":
            return printers.iptables(data)
        if verb == "network":
            return printers.network(data)
        if verb == "trace":
            return printers.trace(data)
        if verb == "manifests":
            return printers.manifests(data)
        if verb == "ingress":
            return printers.ingress(data)
        return data["result"]  # the faults say what happened in words

    @staticmethod
    def _request(verb: str, rest: list[str], options: dict) -> tuple[str, str, dict]:
        def arg(i: int, what: str) -> str:
            if len(rest) <= i:
                raise CommandError(f"{verb} needs {what}")
            return rest[i]

        if verb == "state":
            return "GET", "", {}
        if verb in ("play", "pause", "live"):
            return "POST", verb, {}
        if verb == "step":
            return "POST", "step", {"count": int(rest[0]) if rest else 1, "all": options["all"]}
        if verb == "speed":
            return "POST", "speed", {"speed": float(arg(0, "a speed factor"))}
        if verb in ("stop", "start"):
            return "POST", f"components/{arg(0, 'a component name')}/{verb}", {}
        if verb == "add-scheduler":
            return "POST", "schedulers", {"name": arg(0, "a scheduler name")}
        if verb == "replicas":
            return "POST", "replicas", {"component": arg(0, "scheduler or controller-manager"),
                                        "count": int(arg(1, "a replica count"))}
        if verb == "kill-container":
            namespace, pod = _ns_name(arg(0, "NAMESPACE/POD"))
            return "POST", "faults", {"type": verb, "namespace": namespace, "pod": pod,
                                      "container": options["container"]}
        if verb == "fail-node":
            return "POST", "faults", {"type": verb, "node": arg(0, "a node name")}
        if verb == "drop-watch-events":
            return "POST", "faults", {"type": verb, "component": arg(0, "a component name"),
                                      "count": int(rest[1]) if len(rest) > 1 else 1,
                                      "resource": options["resource"], "namespace": options["namespace"]}
        if verb == "steps":
            return "GET", f"steps?since={options['since']}", {}
        if verb == "decision":
            namespace, pod = _ns_name(arg(0, "NAMESPACE/POD"))
            return "GET", f"decisions/{namespace}/{pod}", {}
        if verb == "network" and "/" in arg(0, "a node name or NAMESPACE/POD"):
            namespace, pod = _ns_name(rest[0])
            return "GET", f"pods/{namespace}/{pod}/network", {}
        if verb == "trace":
            if not options["source"] or not options["to"]:
                raise CommandError("trace needs --from NAMESPACE/POD and --to TARGET[:PORT]")
            namespace, pod = _ns_name(options["source"])
            query = urllib.parse.urlencode({"from": f"{namespace}/{pod}", "to": options["to"]})
            return "GET", f"trace?{query}", {}
        if verb == "manifests":
            return "GET", f"nodes/{rest[0] if rest else options['node'] or CONTROL_PLANE_HOST}/manifests", {}
        if verb == "manifest":
            action = arg(0, f"an action: {', '.join(MANIFEST_ACTIONS)}")
            if action not in MANIFEST_ACTIONS:
                raise CommandError(f"manifest: unknown action {action!r}; expected {', '.join(MANIFEST_ACTIONS)}")
            file = arg(1, "a manifest file, e.g. kube-scheduler.yaml")
            body: dict = {"args": options["arg"]}
            if options["file"]:
                try:
                    body["manifest"] = yaml.safe_load(Path(options["file"]).read_text())
                except (OSError, yaml.YAMLError) as exc:
                    raise CommandError(f"cannot read {options['file']}: {exc}") from None
            return "POST", f"nodes/{options['node'] or CONTROL_PLANE_HOST}/manifests/{file}/{action}", body
        if verb == "ingress":
            if rest[:1] == ["install"]:
                return "POST", "ingress/install", {}
            return "GET", "ingress?" + urllib.parse.urlencode({"url": rest[0] if rest else ""}), {}
        return "GET", f"nodes/{arg(0, 'a node name')}/{verb}", {}
