"""What a step does: API operations written as their kubectl equivalents (create, apply,
patch, scale, delete, get, a two-writer race, a watch) and the simulation's control
operations (stop/start a component, add a scheduler, replicas, faults, speed, pause, play,
story steps, letting time pass).

Every action says what a learner would type (:meth:`Action.command`) and, run, answers
what kubectl (or ``manage.py sim``) would print. An API action may ``expect`` a refusal
(``expect: {code: 403}``): then the refusal is the lesson and anything else fails the step.
"""
from __future__ import annotations

import copy
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from simulation.cluster.describe import component_line
from simulation.apimachinery.selectors import parse_label_selector
from simulation.cluster import MANIFEST_ACTIONS
from simulation.ingress.routing import describe_request, describe_table
from simulation.network.path import describe

from .kube import APIFailure, Identity, Session, object_ref, resolve
from .loader import line_of, plain
from .model import Problems

API_VERBS = ("create", "apply", "patch", "scale", "delete", "get", "race", "watch")
CONTROL_VERBS = ("stop", "start", "add-scheduler", "replicas", "fault", "speed", "pause", "play", "step", "advance",
                 "decision", "containers", "iptables", "network", "trace", "exec", "manifest", "ingress")
VERBS = API_VERBS + CONTROL_VERBS
FAULT_TYPES = ("kill-container", "fail-node", "drop-watch-events")
REPLICATED = ("scheduler", "controller-manager")
#: ``kubectl delete --cascade=…`` and the DeleteOptions propagationPolicy it sends.
CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}
#: How a ``trace`` action's command begins (the page draws the path of a step's traces).
TRACE_COMMAND = "python manage.py sim trace "
#: How long ``advance`` may let time pass in one action (virtual seconds).
MAX_ADVANCE_SECONDS = 600


class ActionFailed(Exception):
    """An action whose outcome was not the one the scenario expects."""


@dataclass
class Expect:
    """The refusal an API action must meet: its code, and optionally reason and message text."""

    code: int
    reason: str = ""
    message: str = ""

    def describe(self) -> str:
        return f"{self.code}" + (f" {self.reason}" if self.reason else "") + \
            (f" saying {self.message!r}" if self.message else "")


@dataclass
class Action:
    verb: str
    args: dict
    line: int
    who: Identity = field(default_factory=Identity)
    expect: Expect | None = None

    # ----------------------------------------------------------------- words
    def command(self, namespace: str = "default") -> str:
        """The command a learner types for the same thing."""
        a, flags = self.args, self._flags()
        ns = f" -n {a.get('namespace', namespace)}" if a.get("namespace", namespace) != "default" else ""
        if self.verb in ("create", "apply"):
            manifest = a["manifest"]
            extra = " --server-side" if self.verb == "apply" else ""
            return f"kubectl {self.verb}{extra}{ns}{flags} -f {manifest['metadata']['name']}.yaml  # a {manifest['kind']}"
        target = f"{a.get('resource', '')}/{a['name']}" if a.get("name") else f"{a.get('resource', '')} -l {a.get('selector', '')}"
        if self.verb == "patch":
            return f"kubectl patch {target}{ns}{flags} --type {a['type']} -p '{json.dumps(a['patch'])}'"
        if self.verb == "scale":
            return f"kubectl scale {target}{ns}{flags} --replicas={a['replicas']}"
        if self.verb == "delete":
            cascade = f" --cascade={a['cascade']}" if a.get("cascade") else ""
            return f"kubectl delete {target}{ns}{cascade}{flags}"
        if self.verb == "get":
            return f"kubectl get {a['resource']}{' ' + a['name'] if a.get('name') else ''}{ns}{flags}"
        if self.verb == "race":
            return (f"two clients: kubectl get {a['resource']}/{a['name']}{ns} -o yaml > mine.yaml; edit; "
                    f"kubectl replace -f mine.yaml (both from the same read)")
        if self.verb == "watch":
            return f"kubectl get {a['resource']}{ns} --watch   # terminal {a['name']}"
        if self.verb in ("stop", "start", "add-scheduler", "speed", "step", "containers", "iptables", "network"):
            return f"python manage.py sim {self.verb} {a['value']}"
        if self.verb == "ingress":
            return f"python manage.py sim ingress{'' if a['value'] == 'routes' else ' ' + a['value']}"
        if self.verb == "trace":
            pod = a.get("pod") or f"$(kubectl get pod -l {a.get('selector')} -o name | head -1 | cut -d/ -f2)"
            return f"{TRACE_COMMAND}--from {a.get('namespace', namespace)}/{pod} --to {a['to']}"
        if self.verb == "decision":
            pod = a.get("pod") or f"$(kubectl get pod -l {a.get('selector')} -o name | head -1 | cut -d/ -f2)"
            return f"python manage.py sim decision {a.get('namespace', namespace)}/{pod}"
        if self.verb == "exec":
            pod = a.get("pod") or f"$(kubectl get pod -l {a.get('selector')} -o name | head -1)"
            container = f" -c {a['container']}" if a.get("container") else ""
            return f"kubectl exec {pod}{ns}{container} -- {shlex.join(a['command'])}"
        if self.verb in ("pause", "play"):
            return f"python manage.py sim {self.verb}"
        if self.verb == "replicas":
            return f"python manage.py sim replicas {a['component']} {a['count']}"
        if self.verb == "advance":
            return f"# let {a['value']:g} seconds pass"
        if self.verb == "manifest":
            node = f" --node {a['node']}" if a.get("node") else ""
            return f"python manage.py sim manifest {a['action']} {a['file']}{node}" + \
                "".join(f" --arg={flag}" for flag in a.get("args", []))
        fault = a["fault"]
        if fault["type"] == "kill-container":
            pod = fault.get("pod") or f"$(kubectl get pod -l {fault.get('selector')} -o name | head -1)"
            return f"python manage.py sim kill-container {fault.get('namespace', namespace)}/{pod}" + \
                (f" --container {fault['container']}" if fault.get("container") else "")
        if fault["type"] == "fail-node":
            return f"python manage.py sim fail-node {fault['node']}"
        return f"python manage.py sim drop-watch-events {fault['component']} {fault.get('count', 1)}" + \
            (f" --resource {fault['resource']}" if fault.get("resource") else "")

    def _flags(self) -> str:
        out = ""
        if self.who.as_user:
            out += f" --as={self.who.as_user}"
        for group in self.who.as_groups:
            out += f" --as-group={group}"
        if self.who.token is not None:
            out += f" --token={self.who.token}"
        return out

    # ----------------------------------------------------------------- running
    def run(self, session: Session) -> str:
        """Carry the action out; what kubectl (or ``manage.py sim``) would print."""
        if self.verb in API_VERBS:
            try:
                answer = self._api(session)
            except APIFailure as exc:
                if self.expect is None:
                    raise ActionFailed(exc.kubectl()) from None
                if exc.code != self.expect.code or (self.expect.reason and exc.reason != self.expect.reason) or \
                        self.expect.message not in exc.message:
                    raise ActionFailed(f"expected a refusal {self.expect.describe()}, got: {exc.kubectl()}") from None
                return exc.kubectl()
            if self.expect is not None:
                raise ActionFailed(f"expected a refusal {self.expect.describe()}, but the request succeeded: "
                                   f"{answer}")
            return answer
        return self._control(session)

    def _namespace(self, session: Session) -> str:
        return self.args.get("namespace") or session.namespace

    def _targets(self, session: Session) -> list[str]:
        a = self.args
        if a.get("name"):
            return [a["name"]]
        found = session.api.find(a["resource"], self._namespace(session), selector=a["selector"])
        if not found:
            raise ActionFailed(f"no {a['resource']} match the selector {a['selector']!r}")
        return [o["metadata"]["name"] for o in found]

    def _api(self, session: Session) -> str:
        a, api, ns, who = self.args, session.api, self._namespace(session), self.who
        if self.verb in ("create", "apply"):
            manifest = copy.deepcopy(a["manifest"])
            done = api.create(manifest, ns, who) if self.verb == "create" else api.apply(manifest, ns, who)
            rt = resolve(manifest["kind"])
            verb = "created" if self.verb == "create" else "serverside-applied"
            return f"{object_ref(rt, done['metadata']['name'])} {verb}" if rt else verb
        rt = resolve(a["resource"])
        assert rt is not None  # checked when the file was read
        if self.verb == "get":
            return api.table(a["resource"], ns if rt.namespaced else "", a.get("name", ""), who)
        if self.verb == "watch":
            session.open_watch(a["name"], a["resource"], ns)
            return f"watching {a['resource']} in {ns} as {a['name']!r}"
        if self.verb == "race":
            return self._race(session, ns)
        lines = []
        for name in self._targets(session):
            if self.verb == "patch":
                api.patch(a["resource"], ns, name, a["patch"], a["type"], who)
                lines.append(f"{object_ref(rt, name)} patched")
            elif self.verb == "scale":
                api.scale(a["resource"], ns, name, a["replicas"], who)
                lines.append(f"{object_ref(rt, name)} scaled")
            else:
                api.delete(a["resource"], ns, name, who, CASCADE.get(a.get("cascade", ""), ""))
                lines.append(f'{rt.singular_name} "{name}" deleted')
        return "\n".join(lines)

    def _race(self, session: Session, ns: str) -> str:
        """Optimistic concurrency, as two clients meet it: both read the object (the same
        resourceVersion), both write back their change; the second write carries a stale
        resourceVersion and gets 409 Conflict; that client re-reads and retries."""
        a, api = self.args, session.api
        read = api.get(a["resource"], ns, a["name"])
        version = read["metadata"]["resourceVersion"]
        lines = [f"both writers read {a['resource']}/{a['name']} at resourceVersion {version}"]
        for writer in a["writers"]:
            mine = _merge(copy.deepcopy(read), writer["set"])
            try:
                written = api.replace(mine, ns)
                lines.append(f"{writer['name']}: replaced, resourceVersion {version} -> "
                             f"{written['metadata']['resourceVersion']}")
            except APIFailure as exc:
                if exc.code != 409:
                    raise
                lines.append(f"{writer['name']}: {exc.kubectl()}")
                fresh = api.get(a["resource"], ns, a["name"])
                retried = api.replace(_merge(fresh, writer["set"]), ns)
                lines.append(f"{writer['name']}: re-read at resourceVersion {fresh['metadata']['resourceVersion']} "
                             f"and retried: replaced, resourceVersion {retried['metadata']['resourceVersion']}")
        if not any("Conflict" in line for line in lines):
            raise ActionFailed("no writer met a conflict: " + "; ".join(lines))
        return "\n".join(lines)

    def _control(self, session: Session) -> str:
        a, control = self.args, session.backend.control
        if self.verb in ("stop", "start"):
            return component_line(control({"op": self.verb, "name": a["value"]}))
        if self.verb == "add-scheduler":
            status = control({"op": "add_scheduler", "name": a["value"]})
            return f"{status['name']}: {status['state']}, serving schedulerName {status.get('scheduler_name')}"
        if self.verb == "replicas":
            replicas = control({"op": "replicas", "component": a["component"], "count": a["count"]})
            return "\n".join(component_line(r) for r in replicas)
        if self.verb == "fault":
            fault = dict(a["fault"])
            if fault["type"] == "kill-container":
                fault.setdefault("namespace", self._namespace(session))
                if not fault.get("pod"):
                    found = session.api.find("pods", fault["namespace"], selector=fault.pop("selector"))
                    running = [p for p in found if (p.get("status") or {}).get("phase") == "Running"] or found
                    if not running:
                        raise ActionFailed(f"no pod matches {a['fault'].get('selector')!r}")
                    fault["pod"] = running[0]["metadata"]["name"]
                fault.pop("selector", None)
            return control({"op": "fault", "fault": fault})["result"]
        if self.verb == "speed":
            state = control({"op": "speed", "speed": a["value"]})
            return f"speed {state['clock']['speed']:g}x"
        if self.verb in ("pause", "play"):
            state = control({"op": self.verb})
            return f"{state['clock']['mode']} at {state['clock']['now_seconds']:g}s"
        if self.verb == "decision":
            return self._decision(session)
        if self.verb == "exec":
            return self._exec(session)
        if self.verb == "containers":
            rows = control({"op": "containers", "node": a["value"]})
            return "\n".join(f"{c['name']:<12} {c['state']:<8} attempt {c['attempt']}  pod {c['namespace']}/{c['pod']}"
                             f"{'  (pause)' if c.get('pause') else ''}" for c in rows) or "no containers"
        if self.verb == "iptables":
            rules = control({"op": "iptables", "node": a["value"]})["rules"]
            return "\n".join(r for r in rules if "KUBE-SVC" in r or "KUBE-SEP" in r) or "no service rules"
        if self.verb == "network":
            net = control({"op": "network", "node": a["value"]})
            return "\n".join(["$ ip addr", *net["ip_addr"], "$ ip route", *net["ip_route"]])
        if self.verb == "ingress":
            return self._ingress(control)
        if self.verb == "trace":
            pod = a.get("pod") or self._running_pod(session)
            return describe(control({"op": "trace", "from": f"{self._namespace(session)}/{pod}", "to": a["to"]}))
        if self.verb == "manifest":
            return control({"op": "manifest", **a})["result"]
        if self.verb == "step":
            result = control({"op": "step", "count": a["value"]})
            return "\n".join(f"{s['time_seconds']:9.3f}s  {s['component']}: {s['caption']}" for s in result["steps"])
        session.backend.wait(lambda: False, a["value"])
        return f"{a['value']:g} seconds passed"


    def _ingress(self, control: Any) -> str:
        """``ingress: install`` installs the add-on; ``routes`` prints the routing table; a URL
        also says where that request goes."""
        value = self.args["value"]
        if value == "install":
            made = control({"op": "ingress_install"})["created"]
            return "ingress add-on: created " + (", ".join(made) or "nothing new (already installed)")
        table = control({"op": "ingress", "url": "" if value == "routes" else value})
        return describe_request(table["match"]) if table.get("match") else describe_table(table)

    def _running_pod(self, session: Session) -> str:
        """The first running pod the action's selector matches."""
        found = session.api.find("pods", self._namespace(session), selector=self.args["selector"])
        running = [p for p in found if (p.get("status") or {}).get("phase") == "Running"]
        if not running:
            raise ActionFailed(f"no running pod matches {self.args['selector']!r}")
        return running[0]["metadata"]["name"]

    def _exec(self, session: Session) -> str:
        """``kubectl exec``: what the command printed, then kubectl's words for its failure."""
        a, ns = self.args, self._namespace(session)
        pod = a.get("pod") or self._running_pod(session)
        result = session.backend.control({"op": "exec", "namespace": ns, "pod": pod, "container": a.get("container", ""),
                                          "command": a["command"]})
        if result.get("error_kubelet") or result.get("error"):
            raise ActionFailed(f"error: {result.get('error_kubelet') or result['error']}")
        out = result["stdout"] + result["stderr"]
        if result["exit_code"]:
            out += f"command terminated with exit code {result['exit_code']}\n"
        return out.rstrip("\n")

    def _decision(self, session: Session) -> str:
        """The scheduler's decision for the pod, short: each node's verdict, the winner, the Event."""
        a, ns = self.args, self._namespace(session)
        pod = a.get("pod") or self._targets(session)[0]
        record = session.backend.control({"op": "decision", "namespace": ns, "pod": pod})
        if not record:
            raise ActionFailed(f"no scheduler has decided about pod {ns}/{pod} yet")
        lines = [f"pod {record['pod']}: {record['outcome']}"]
        for node in record.get("nodes", []):
            refused = [f"{f['plugin']}: {', '.join(f['reasons'])}" for f in node["filters"] if f["reasons"]]
            verdict = ("fits" + (f", score {node['total']}" if node.get("total") is not None else "")) \
                if node["feasible"] else "filtered out by " + "; ".join(refused)
            chosen = "  <- chosen" if node["node"] == record.get("node") else ""
            lines.append(f"  {node['node']:<10} {verdict}{chosen}")
        lines.append(f"  Event: {record['message']}")
        return "\n".join(lines)


def _merge(obj: dict, change: dict) -> dict:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(obj.get(key), dict):
            _merge(obj[key], value)
        else:
            obj[key] = copy.deepcopy(value)
    return obj


# ------------------------------------------------------------------ parsing
IDENTITY_KEYS = ("as", "groups", "token", "expect")


def parse_actions(raw: Any, line: int, problems: Problems) -> list[Action]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(line, "actions must be a list")
        return []
    actions = [parse_action(item, line_of(raw, i), problems) for i, item in enumerate(raw)]
    return [a for a in actions if a is not None]


def parse_action(raw: Any, line: int, problems: Problems) -> Action | None:
    """One action: ``{VERB: ARGS, as?: user, groups?: [...], token?: "...", expect?: {...}}``,
    or a bare ``pause`` / ``play``."""
    if isinstance(raw, str) and raw in ("pause", "play"):
        return Action(raw, {}, line)
    if not isinstance(raw, dict):
        problems.add(line, f"an action must be a mapping like {{create: ...}} or {{stop: kube-scheduler}}, "
                           f"or pause / play; not {raw!r}")
        return None
    verbs = [k for k in raw if k in VERBS]
    unknown = [k for k in raw if k not in VERBS and k not in IDENTITY_KEYS]
    for key in unknown:
        problems.add(line_of(raw, key), f"unknown action {key!r}; expected one of {', '.join(VERBS)}")
    if len(verbs) != 1:
        if not unknown:
            problems.add(line_of(raw), f"an action needs exactly one verb of {', '.join(VERBS)}")
        return None
    verb = verbs[0]
    value, vline = raw[verb], line_of(raw, verb)
    who = _identity(raw, problems)
    expect = _expect(raw, problems)
    if (who != Identity() or expect) and verb not in API_VERBS:
        problems.add(line_of(raw), f"{verb}: as, groups, token and expect apply to API actions only")
    args = _args(verb, value, vline, problems)
    if args is None:
        return None
    return Action(verb, args, vline, who, expect)


def _identity(raw: dict, problems: Problems) -> Identity:
    who = Identity()
    if "as" in raw:
        if isinstance(raw["as"], str) and raw["as"]:
            who.as_user = raw["as"]
        else:
            problems.add(line_of(raw, "as"), "as: must be a user name (kubectl --as)")
    if "groups" in raw:
        groups = raw["groups"]
        if isinstance(groups, list) and all(isinstance(g, str) for g in groups) and "as" in raw:
            who.as_groups = list(groups)
        else:
            problems.add(line_of(raw, "groups"), "groups: must be a list of group names, with as:")
    if "token" in raw:
        if isinstance(raw["token"], str):
            who.token = raw["token"]
        else:
            problems.add(line_of(raw, "token"), "token: must be a string (a bearer token)")
    return who


def _expect(raw: dict, problems: Problems) -> Expect | None:
    if "expect" not in raw:
        return None
    value, line = raw["expect"], line_of(raw, "expect")
    if not isinstance(value, dict) or not isinstance(value.get("code"), int) or not 400 <= value["code"] <= 599:
        problems.add(line, "expect: must be a mapping with the refusal's code (400-599), e.g. {code: 403}")
        return None
    for key in value:
        if key not in ("code", "reason", "message"):
            problems.add(line_of(value, key), f"expect: unknown key {key!r}; expected code, reason, message")
    return Expect(value["code"], str(value.get("reason", "")), str(value.get("message", "")))


def _manifest(value: Any, line: int, verb: str, problems: Problems) -> dict | None:
    if not isinstance(value, dict):
        problems.add(line, f"{verb}: must be a Kubernetes object (a mapping with apiVersion, kind, metadata)")
        return None
    ok = True
    for key in ("apiVersion", "kind"):
        if not isinstance(value.get(key), str):
            problems.add(line, f"{verb}: the object needs {key}")
            ok = False
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        problems.add(line_of(value, "metadata") if "metadata" in value else line,
                     f"{verb}: the object needs metadata.name")
        ok = False
    if ok and resolve(value["kind"]) is None:
        problems.add(line_of(value, "kind"), f"{verb}: this cluster serves no kind {value['kind']!r}")
        ok = False
    return plain(value) if ok else None


def _args(verb: str, value: Any, line: int, problems: Problems) -> dict | None:
    if verb in ("create", "apply"):
        manifest = _manifest(value, line, verb, problems)
        return None if manifest is None else {"manifest": manifest}
    if verb in ("stop", "start", "add-scheduler", "containers", "iptables", "network"):
        if not isinstance(value, str) or not value:
            problems.add(line, f"{verb}: must name a component, e.g. {verb}: kube-scheduler")
            return None
        return {"value": value}
    if verb == "ingress":
        if not isinstance(value, str) or not (value in ("install", "routes") or value.startswith("http://")):
            problems.add(line, "ingress: must be install, routes or a URL such as http://web.example.com/api")
            return None
        return {"value": value}
    if verb in ("speed", "advance", "step"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or \
                (verb == "step" and not isinstance(value, int)) or (verb == "advance" and value > MAX_ADVANCE_SECONDS):
            want = {"speed": "a factor from 0.1 to 100", "advance": f"virtual seconds (up to {MAX_ADVANCE_SECONDS})",
                    "step": "a number of story steps"}[verb]
            problems.add(line, f"{verb}: must be {want}, not {value!r}")
            return None
        return {"value": value}
    if verb in ("pause", "play"):
        return {}
    if not isinstance(value, dict):
        problems.add(line, f"{verb}: must be a mapping")
        return None
    args = plain(value)
    allowed = {"patch": {"resource", "name", "selector", "namespace", "type", "patch"},
               "scale": {"resource", "name", "selector", "namespace", "replicas"},
               "delete": {"resource", "name", "selector", "namespace", "cascade"},
               "get": {"resource", "name", "namespace"},
               "race": {"resource", "name", "namespace", "writers"},
               "watch": {"resource", "name", "namespace"},
               "replicas": {"component", "count"},
               "manifest": {"action", "file", "node", "args"},
               "decision": {"pod", "selector", "namespace"},
               "trace": {"pod", "selector", "namespace", "to"},
               "exec": {"pod", "selector", "namespace", "container", "command"},
               "fault": {"type", "pod", "selector", "namespace", "container", "node", "component", "count",
                         "resource"}}[verb]
    for key in value:
        if key not in allowed:
            problems.add(line_of(value, key), f"{verb}: unknown key {key!r}; expected one of {', '.join(sorted(allowed))}")
    if "resource" in allowed and verb != "fault":
        resource = value.get("resource")
        if not isinstance(resource, str) or resolve(resource) is None:
            problems.add(line_of(value, "resource"), f"{verb}: resource {resource!r} is not one this cluster serves")
            return None
        if verb in ("patch", "scale", "delete"):
            if bool(value.get("name")) == bool(value.get("selector")):
                problems.add(line, f"{verb}: give either name or selector")
            elif value.get("selector"):
                _check_selector(value, "selector", verb, problems)
        elif verb in ("race", "watch") and not isinstance(value.get("name"), str):
            problems.add(line, f"{verb}: name is required")
    if verb == "patch":
        args.setdefault("type", "strategic")
        if args["type"] not in ("strategic", "merge", "json"):
            problems.add(line_of(value, "type"), "patch: type must be strategic, merge or json")
        if not isinstance(value.get("patch"), (dict, list)):
            problems.add(line, "patch: patch is required (the patch document)")
    elif verb == "delete" and "cascade" in value and value["cascade"] not in CASCADE:
        problems.add(line_of(value, "cascade"), f"delete: cascade must be one of {', '.join(CASCADE)}")
    elif verb == "scale":
        if not isinstance(value.get("replicas"), int) or isinstance(value.get("replicas"), bool) or value["replicas"] < 0:
            problems.add(line_of(value, "replicas"), "scale: replicas must be a whole number")
    elif verb == "race":
        writers = value.get("writers")
        if not isinstance(writers, list) or len(writers) != 2 or not all(
                isinstance(w, dict) and isinstance(w.get("name"), str) and isinstance(w.get("set"), dict)
                for w in writers):
            problems.add(line_of(value, "writers") if "writers" in value else line,
                         "race: writers must be two mappings {name: ..., set: {fields to change}}")
    elif verb == "replicas":
        if value.get("component") not in REPLICATED:
            problems.add(line_of(value, "component"), f"replicas: component must be one of {', '.join(REPLICATED)}")
        count = value.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 3:
            problems.add(line_of(value, "count"), "replicas: count must be 1, 2 or 3")
    elif verb == "manifest":
        if value.get("action") not in MANIFEST_ACTIONS:
            problems.add(line_of(value, "action") if "action" in value else line,
                         f"manifest: action must be one of {', '.join(MANIFEST_ACTIONS)}")
        if not isinstance(value.get("file"), str) or not value.get("file"):
            problems.add(line, "manifest: file is required, e.g. kube-scheduler.yaml")
        flags = value.get("args", [])
        if not isinstance(flags, list) or not all(isinstance(f, str) and f.startswith("--") for f in flags):
            problems.add(line_of(value, "args") if "args" in value else line,
                         "manifest: args must be a list of command flags, e.g. [--v=4]")
        elif value.get("action") == "edit" and not flags:
            problems.add(line, "manifest: edit needs args, the command flags to set")
    elif verb == "fault":
        return _fault(value, args, line, problems)
    elif verb == "trace":
        if bool(value.get("pod")) == bool(value.get("selector")):
            problems.add(line, "trace: give either pod or selector (the sending pod)")
        elif value.get("selector"):
            _check_selector(value, "selector", verb, problems)
        if not isinstance(value.get("to"), str) or not value["to"]:
            problems.add(line, "trace: to is required: a pod, a Service or an IP, optionally with :PORT")
    elif verb == "exec":
        if bool(value.get("pod")) == bool(value.get("selector")):
            problems.add(line, "exec: give either pod or selector")
        elif value.get("selector"):
            _check_selector(value, "selector", verb, problems)
        command = value.get("command")
        if isinstance(command, str):
            args["command"] = shlex.split(command)
        elif not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
            problems.add(line_of(value, "command") if "command" in value else line,
                         "exec: command is required, e.g. command: curl -s http://kubia")
    elif verb == "decision":
        if bool(value.get("pod")) == bool(value.get("selector")):
            problems.add(line, "decision: give either pod or selector")
        elif value.get("selector"):
            _check_selector(value, "selector", verb, problems)
            args["resource"] = "pods"
    return args


def _fault(value: dict, args: dict, line: int, problems: Problems) -> dict | None:
    kind = value.get("type")
    if kind not in FAULT_TYPES:
        problems.add(line_of(value, "type") if "type" in value else line,
                     f"fault: type must be one of {', '.join(FAULT_TYPES)}")
        return None
    if kind == "kill-container":
        if bool(value.get("pod")) == bool(value.get("selector")):
            problems.add(line, "fault kill-container: give either pod or selector")
        elif value.get("selector"):
            _check_selector(value, "selector", "fault", problems)
    elif kind == "fail-node" and not isinstance(value.get("node"), str):
        problems.add(line, "fault fail-node: node is required")
    elif kind == "drop-watch-events" and not isinstance(value.get("component"), str):
        problems.add(line, "fault drop-watch-events: component is required")
    return {"fault": args}


def _check_selector(value: dict, key: str, verb: str, problems: Problems) -> None:
    try:
        parse_label_selector(str(value[key]))
    except ValueError as exc:
        problems.add(line_of(value, key), f"{verb}: selector {value[key]!r}: {exc}")
