"""``GET pods/NAME/log``: the API server's side of ``kubectl logs`` (upstream's ``LogREST`` and
``podStrategy.LogLocation``), which picks the container, finds the pod's node and asks that
node's kubelet for the log.

Upstream proxies the request to the kubelet's ``/containerLogs`` endpoint; here the kubelet is
reached through a ``kubelet_logs(node, pod, container, previous)`` connection the cluster
hands the server (:class:`simulation.cluster.SimCluster`, or the web process for a hosted
kernel), answering ``(epoch_seconds, line)`` pairs or raising ``LookupError`` with the
kubelet's words. The options are upstream's ``PodLogOptions``: ``container``, ``previous``,
``timestamps``, ``tailLines``, ``sinceSeconds``, ``sinceTime``, ``limitBytes``, ``follow``.
A followed log is a :class:`LogFollower` the transport drains until the container has exited.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from simulation.apimachinery.timestamps import parse_time

from . import errors
from .request import APIResponse

if TYPE_CHECKING:
    from .server import APIServer, Call

#: ``kubelet_logs(node, pod, container, previous) -> [(epoch_seconds, line)]``.
KubeletLogs = Callable[[str, dict, str, bool], list[tuple[float, str]]]
TEXT = {"Content-Type": "text/plain"}


def _rfc3339_nano(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z"


def _int_option(query: dict, name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_request(f'{name}: Invalid value: "{raw}": must be an integer') from None
    if value < (0 if name == "tailLines" else 1):
        raise errors.bad_request(f"{name}: Invalid value: {value}: must be greater than "
                                 f"{'or equal to 0' if name == 'tailLines' else '0'}")
    return value


def choose_container(pod: dict, requested: str) -> str:
    """``podStrategy.LogLocation``'s container rules, with upstream's messages."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [c.get("name", "") for c in spec.get("containers") or []]
    inits = [c.get("name", "") for c in spec.get("initContainers") or []]
    if not requested:
        if len(containers) == 1:
            return containers[0]
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        raise errors.bad_request(message)
    if requested not in containers + inits:
        raise errors.bad_request(f"container {requested} is not valid for pod {name}")
    return requested


class LogFollower:
    """``kubectl logs -f``: each :meth:`poll` returns the lines written since the last one;
    ``done`` once the container has exited and everything was sent (or the pod is gone)."""

    def __init__(self, fetch: Callable[[], tuple[list[tuple[float, str]], bool]], sent: int,
                 render: Callable[[list[tuple[float, str]]], str]) -> None:
        self.fetch = fetch
        self.sent = sent
        self.render = render
        self.done = False

    def poll(self) -> str:
        try:
            lines, running = self.fetch()
        except (LookupError, errors.StatusError):
            self.done = True
            return ""
        fresh = lines[self.sent:]
        self.sent = len(lines)
        if not running:
            self.done = True
        return self.render(fresh)


def serve_log(call: Call, server: APIServer, pod: dict) -> APIResponse:
    kubelet_logs = server.kubelet_logs
    query = call.req.query
    container = choose_container(pod, query.get("container", ""))
    node = (pod.get("spec") or {}).get("nodeName")
    name = pod["metadata"]["name"]
    if not node:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    previous = query.get("previous") in ("true", "1")
    timestamps = query.get("timestamps") in ("true", "1")
    tail = _int_option(query, "tailLines")
    since_seconds = _int_option(query, "sinceSeconds")
    limit = _int_option(query, "limitBytes")
    since = parse_time(query.get("sinceTime")) if query.get("sinceTime") else None
    if kubelet_logs is None:
        raise errors.internal(f'Get "https://{node}:10250/containerLogs/{pod["metadata"].get("namespace", "")}/'
                              f'{name}/{container}": dial tcp {node}:10250: connect: connection refused')

    def fetch() -> list[tuple[float, str]]:
        try:
            return kubelet_logs(node, pod, container, previous)
        except LookupError as exc:
            raise errors.bad_request(str(exc).strip("'\"")) from None

    def render(lines: list[tuple[float, str]]) -> str:
        return "".join(f"{_rfc3339_nano(t)} {line}\n" if timestamps else f"{line}\n" for t, line in lines)

    lines = fetch()
    now = server.clock()
    if since_seconds is not None:
        since = now - since_seconds
    if since is not None:
        lines = [(t, line) for t, line in lines if t >= since]
    if tail is not None:
        lines = lines[len(lines) - tail:] if tail else []
    text = render(lines)
    if limit is not None:
        text = text.encode()[:limit].decode(errors="ignore")
    if query.get("follow") in ("true", "1") and not previous:
        def follow_fetch() -> tuple[list[tuple[float, str]], bool]:
            current = fetch()
            status = _container_running(server, pod, container)
            return current, status
        total = len(fetch())
        return APIResponse(200, text, dict(TEXT), stream=LogFollower(follow_fetch, total, render))
    return APIResponse(200, text, dict(TEXT))


def _container_running(server: APIServer, pod: dict, container: str) -> bool:
    """Whether the followed container may still write (the pod still exists and the container
    is not terminated), read from the store as the API server knows it."""
    meta = pod["metadata"]
    try:
        fresh = server.reader.get("pods", meta.get("namespace", ""), meta["name"])
    except Exception:  # noqa: BLE001 - a pod gone (or unreadable) ends the stream
        return False
    if fresh is None or fresh["metadata"].get("uid") != meta.get("uid"):
        return False
    statuses = (fresh.get("status") or {}).get("containerStatuses") or []
    for status in statuses + ((fresh.get("status") or {}).get("initContainerStatuses") or []):
        if status.get("name") == container:
            return "terminated" not in (status.get("state") or {})
    return True
