"""The control API under ``/clusters/NAME/sim/``: the kernel's clock, its components and
fault injection, as JSON. Same bearer tokens as the Kubernetes API (or the browser's
logged-in session); authorized by the cluster's own authorizers as non-resource requests
on ``/sim/...`` (``get`` to read, ``post`` to act), so ``system:masters`` may do anything
and a student needs a ClusterRole with ``nonResourceURLs: ["/sim/*"]``.
Errors are Kubernetes ``Status`` objects.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from clusterviz.clusters import apiservers
from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver import errors
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import APIRequest, RequestInfo, UserInfo
from simulation.cluster import SimulationError

from . import host as hosts
from . import remote, revisions


def _status(exc: StatusError) -> JsonResponse:
    return JsonResponse(exc.status(), status=exc.code)


def _user(request: HttpRequest, server: Any) -> UserInfo:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return server.authenticate(APIRequest(request.method or "GET", request.path,
                                              headers={"authorization": authorization}))
    if request.user.is_authenticated:
        reject = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) \
            if request.method not in ("GET", "HEAD") else None
        if reject is not None:
            raise errors.forbidden("CSRF verification failed: send the X-CSRFToken header")
        groups = (SYSTEM_MASTERS,) if request.user.is_staff else ()
        return UserInfo(request.user.get_username(), groups)
    raise errors.unauthorized()


def body_of(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError as exc:
        raise errors.bad_request(f"the request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise errors.bad_request("the request body must be a JSON object")
    return body


def dispatch(cluster: str, op: dict) -> Any:
    """Run ``op`` on the cluster's kernel: here if this process hosts it, else on the worker."""
    try:
        host = hosts.get(cluster)
    except SimulationError:
        if hosts.hosts_in_process():
            raise errors.service_unavailable(f"cluster {cluster!r} has no simulation running") from None
        try:
            return remote.call(cluster, op)
        except remote.WorkerUnavailable as exc:
            raise errors.service_unavailable(str(exc)) from None
    return host.execute(op)


def authorized(request: HttpRequest, cluster: str, method: str) -> UserInfo:
    """Who asks, once the cluster's authorizers allow ``method`` on the request's ``/sim/…``
    path (a non-resource request, as upstream authorizes ``/healthz``)."""
    if request.method != method:
        raise errors.method_not_allowed(f"{request.method} is not supported here; use {method}")
    try:
        server = apiservers.get(cluster)
    except apiservers.UnknownCluster:
        raise errors.not_found("clusters", "", cluster) from None
    user = _user(request, server)
    path = "/sim/" + request.path.split("/sim/", 1)[1]
    attrs = server.attributes(UserInfo(user.name, user.all_groups, user.uid),
                              RequestInfo(path=path, verb=method.lower()))
    allowed, _, reason = server.authorize(attrs)
    if not allowed:
        raise errors.forbidden(f'User "{user.name}" cannot {method.lower()} path "{path}"'
                               + (f": {reason}" if reason else ""))
    return user


def control(method: str) -> Callable:
    """Wrap a handler ``(request, body, **kwargs) -> op`` with authn, authz, dispatch and errors."""
    def wrap(handler: Callable) -> Callable:
        @csrf_exempt
        def view(request: HttpRequest, cluster: str, **kwargs: Any) -> JsonResponse:
            try:
                authorized(request, cluster, method)
                op = handler(request, body_of(request) if method == "POST" else {}, **kwargs)
                result = dispatch(cluster, op)
                if result is None:
                    raise errors.not_found(op["op"], "", "/".join(str(v) for k, v in op.items() if k != "op"))
                return JsonResponse(result, safe=False)
            except StatusError as exc:
                return _status(exc)
            except SimulationError as exc:
                return _status(errors.bad_request(str(exc)))
        return view
    return wrap


@control("GET")
def state(request, body):
    return {"op": "state"}


@control("POST")
def play(request, body):
    return {"op": "play"}


@control("POST")
def pause(request, body):
    return {"op": "pause"}


@control("POST")
def step(request, body):
    return {"op": "step", "count": body.get("count", 1), "all": body.get("all", False)}


@control("POST")
def speed(request, body):
    return {"op": "speed", "speed": body.get("speed")}


@control("POST")
def live(request, body):
    return {"op": "live"}


@control("GET")
def components(request, body):
    return {"op": "components"}


@control("POST")
def component_action(request, body, name: str, action: str):
    if action not in ("start", "stop"):
        raise errors.path_not_found()
    return {"op": action, "name": name}


@control("POST")
def schedulers(request, body):
    return {"op": "add_scheduler", "name": body.get("name")}


@control("POST")
def replicas(request, body):
    return {"op": "replicas", "component": body.get("component"), "count": body.get("count")}


@control("POST")
def faults(request, body):
    return {"op": "fault", "fault": body}


@control("GET")
def steps(request, body):
    try:
        return {"op": "steps", "since": int(request.GET.get("since", "0"))}
    except ValueError:
        raise errors.bad_request("since must be an integer") from None


@control("GET")
def decision(request, body, namespace: str, pod: str):
    return {"op": "decision", "namespace": namespace, "pod": pod}


@control("GET")
def containers(request, body, node: str):
    return {"op": "containers", "node": node}


@control("GET")
def iptables(request, body, node: str):
    return {"op": "iptables", "node": node}


@control("GET")
def network(request, body, node: str):
    return {"op": "network", "node": node}


@control("GET")
def pod_network(request, body, namespace: str, pod: str):
    return {"op": "pod_network", "namespace": namespace, "pod": pod}


@control("GET")
def trace(request, body):
    """A packet's path: ``?from=NAMESPACE/POD&to=TARGET`` (a pod, a Service or an IP, with ``:PORT``)."""
    return {"op": "trace", "from": request.GET.get("from", ""), "to": request.GET.get("to", "")}


@control("POST")
def exec_in_pod(request, body, namespace: str, pod: str):
    """A lesson's ``exec`` (``manage.py scenario run`` against a server): the command run in the
    pod's container as ``kubectl exec`` runs it, answered as the kubelet answers."""
    command = body.get("command")
    if not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
        raise errors.bad_request("command must be a list of strings")
    return {"op": "exec", "namespace": namespace, "pod": pod, "container": str(body.get("container") or ""),
            "command": command}


@control("GET")
def manifests(request, body, node: str):
    return {"op": "manifests", "node": node}


@control("POST")
def manifest(request, body, node: str, file: str, action: str):
    """Edit (``{"args": ["--v=4"]}`` or ``{"manifest": {...}}``), remove or restore a static pod manifest."""
    return {"op": "manifest", "node": node, "file": file, "action": action, "args": body.get("args") or [],
            "manifest": body.get("manifest")}


@control("GET")
def ingress(request, body):
    """The ingress controller's routing table; ``?url=http://HOST/PATH``: where that request goes."""
    return {"op": "ingress", "url": request.GET.get("url", "")}


@control("POST")
def ingress_install(request, body):
    """Install the ingress add-on (ingress-nginx's objects and its simulated controller)."""
    return {"op": "ingress_install"}


@csrf_exempt
def revision(request: HttpRequest, cluster: str, revision: int) -> JsonResponse:
    """When the store reached ``revision`` and through which request (time travel's banner).
    Read from the audit trail, not the kernel: it answers while no kernel runs, too."""
    try:
        authorized(request, cluster, "GET")
        found = revisions.written_at(cluster, revision)
        if found is None:
            raise errors.not_found("revisions", "", str(revision))
        return JsonResponse(found)
    except StatusError as exc:
        return _status(exc)
