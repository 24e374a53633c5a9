"""The control API's verbs as plain data — ``{"op": "step", "count": 3}`` — so one
function carries them out on a :class:`~simulation.cluster.SimCluster`, whether the
kernel lives in this process or in a ``simworker`` process reached over the channel layer.

Each operation validates its own arguments and raises :class:`SimulationError` (a 400 for
the caller) with a readable reason; nothing is half-done when it does.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulation.apimachinery.validation import is_dns1123_subdomain
from simulation.cluster import SimCluster, SimulationError

#: Operations that change what must survive a restart (pacing, topology, stopped components).
PERSISTENT = frozenset({"play", "pause", "step", "speed", "live", "start", "stop", "add_scheduler", "replicas",
                        "manifest"})
#: ``trace`` draws from the packet path's own random source, never the kernel's: it changes nothing.
READ_ONLY = frozenset({"state", "components", "steps", "decision", "containers", "iptables", "health", "logs",
                       "network", "pod_network", "trace", "exec", "portforward", "dns_queries", "manifests", "ingress"})


def _state(sim: SimCluster, op: dict) -> dict:
    return sim.state()


def _play(sim: SimCluster, op: dict) -> dict:
    sim.pacer.set_mode("live")
    return sim.state()


def _pause(sim: SimCluster, op: dict) -> dict:
    sim.pacer.set_mode("paused")
    return sim.state()


def _step(sim: SimCluster, op: dict) -> dict:
    """``count`` story steps (the housekeeping run in between is counted, not listed), or with
    ``all`` exactly ``count`` actions of any kind."""
    count, every_action = op.get("count", 1), op.get("all", False)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
        raise SimulationError("count must be an integer from 1 to 1000")
    if not isinstance(every_action, bool):
        raise SimulationError("all must be true or false")
    sim.pacer.set_mode("paused")
    ran = sim.pacer.step(count, every_action=every_action)
    listed = ran if every_action else [s for s in ran if not s.housekeeping]
    result = {"steps": [s.as_dict() for s in listed], "housekeeping": len(ran) - len(listed), **sim.state()}
    if len(listed) < count:
        result["stopped"] = sim.pacer.why_stopped()
    return result


def _speed(sim: SimCluster, op: dict) -> dict:
    value = op.get("speed")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SimulationError("speed must be a number")
    try:
        sim.pacer.set_speed(float(value))
    except ValueError as exc:
        raise SimulationError(str(exc)) from None
    return sim.state()


def _live(sim: SimCluster, op: dict) -> dict:
    try:
        sim.pacer.jump_to_live()
    except ValueError as exc:
        raise SimulationError(str(exc)) from None
    return sim.state()


def _components(sim: SimCluster, op: dict) -> list[dict]:
    return sim.state()["components"]


def _start(sim: SimCluster, op: dict) -> dict:
    sim.start(str(op.get("name", "")))
    return sim.component_status(op["name"])


def _stop(sim: SimCluster, op: dict) -> dict:
    sim.stop(str(op.get("name", "")))
    return sim.component_status(op["name"])


def _add_scheduler(sim: SimCluster, op: dict) -> dict:
    name = op.get("name")
    if not isinstance(name, str) or not name:
        raise SimulationError("name is required: the schedulerName this scheduler serves")
    problems = is_dns1123_subdomain(name)
    if problems:
        raise SimulationError(f"invalid scheduler name {name!r}: {'; '.join(problems)}")
    scheduler = sim.components.get(name) or sim.add_scheduler(name, scheduler_name=name)
    scheduler.start()
    return scheduler.status()


def _replicas(sim: SimCluster, op: dict) -> list[dict]:
    return [c.status() for c in sim.set_replicas(str(op.get("component", "")), op.get("count"))]


def _fault(sim: SimCluster, op: dict) -> dict:
    fault = op.get("fault")
    if not isinstance(fault, dict):
        raise SimulationError("the body must describe a fault: {\"type\": ...}")
    return {"result": sim.inject(fault)}


def _steps(sim: SimCluster, op: dict) -> dict:
    since = op.get("since", 0)
    return {"steps": [s.as_dict() for s in sim.kernel.history if s.seq > since]}


def _decision(sim: SimCluster, op: dict) -> dict | None:
    return sim.decision(op["namespace"], op["pod"])


def _containers(sim: SimCluster, op: dict) -> list[dict]:
    return sim.kubelet(op["node"]).runtime.containers()


def _iptables(sim: SimCluster, op: dict) -> dict:
    return {"rules": sim.proxy(op["node"]).rules()}


def _network(sim: SimCluster, op: dict) -> dict:
    return sim.node_network(op["node"])


def _pod_network(sim: SimCluster, op: dict) -> dict:
    return sim.pod_network(op["namespace"], op["pod"])


def _trace(sim: SimCluster, op: dict) -> dict:
    source, to = op.get("from"), op.get("to")
    if not isinstance(source, str) or not source.strip("/"):
        raise SimulationError("from is required: the sending pod, as NAMESPACE/POD")
    if not isinstance(to, str) or not to:
        raise SimulationError("to is required: a pod, a Service or an IP, optionally with :PORT")
    namespace, _, pod = source.rpartition("/")
    return sim.trace(namespace or "default", pod, to)


def _ingress(sim: SimCluster, op: dict) -> dict:
    """The ingress controller's routing table; with ``url``, where that request goes."""
    url = op.get("url") or ""
    if not isinstance(url, str):
        raise SimulationError("url must be a URL, e.g. http://web.example.com/api")
    return sim.ingress_routes(url)


def _ingress_install(sim: SimCluster, op: dict) -> dict:
    return sim.install_ingress_addon()


def _logs(sim: SimCluster, op: dict) -> dict:
    """A container's log for ``pods/log`` served by another process: lines, or the kubelet's error."""
    try:
        return {"lines": [list(line) for line in sim.container_logs(op["node"], op["pod"], op["container"],
                                                                    bool(op.get("previous")))]}
    except LookupError as exc:
        return {"error": str(exc).strip("'\"")}


def _exec(sim: SimCluster, op: dict) -> dict:
    """``pods/exec`` served by another process (the pod as the API server read it), or a lesson's
    ``exec`` (the pod by name): the command's output, or the kubelet's error."""
    if isinstance(op["pod"], str):
        return sim.exec_pod(op.get("namespace") or "default", op["pod"], op.get("container", ""), op["command"])
    try:
        stdin_closed = op.get("stdin_closed")
        return sim.exec(op["node"], op["pod"], op["container"], op.get("command"), bool(op.get("tty")),
                        stdin_closed if isinstance(stdin_closed, int) and not isinstance(stdin_closed, bool) else None)
    except LookupError as exc:
        return {"error_kubelet": str(exc).strip("'\"")}


def _portforward(sim: SimCluster, op: dict) -> dict:
    """``pods/portforward`` served by another process: the response's bytes as latin-1 text, or
    the kubelet's error."""
    try:
        response = sim.port_forward(op["node"], op["pod"], int(op["port"]), str(op["request"]).encode("latin-1"))
    except LookupError as exc:
        return {"error_kubelet": str(exc).strip("'\"")}
    return {"response": response.decode("latin-1")}


def _dns_queries(sim: SimCluster, op: dict) -> list:
    return sim.dns_queries()


def _manifests(sim: SimCluster, op: dict) -> dict:
    return sim.manifests(op["node"])


def _manifest(sim: SimCluster, op: dict) -> dict:
    return sim.change_manifest(op)


def _health(sim: SimCluster, op: dict) -> list:
    return list(sim.health(op["component"]))


OPERATIONS: dict[str, Callable[[SimCluster, dict], Any]] = {
    "state": _state, "play": _play, "pause": _pause, "step": _step, "speed": _speed, "live": _live,
    "components": _components, "start": _start, "stop": _stop, "add_scheduler": _add_scheduler,
    "replicas": _replicas,
    "fault": _fault, "steps": _steps, "decision": _decision, "containers": _containers, "iptables": _iptables,
    "network": _network, "pod_network": _pod_network, "trace": _trace, "health": _health, "logs": _logs,
    "exec": _exec, "portforward": _portforward, "dns_queries": _dns_queries, "manifests": _manifests, "manifest": _manifest,
    "ingress": _ingress, "ingress_install": _ingress_install,
}


def execute(sim: SimCluster, op: dict) -> Any:
    try:
        handler = OPERATIONS[op["op"]]
    except KeyError:
        raise SimulationError(f"unknown operation {op.get('op')!r}") from None
    return handler(sim, op)
