"""The API server: one chain, read top to bottom.

    authentication → authorization → (reads: storage)
                                    → (writes: decode + defaults → mutating admission →
                                       validation → validating admission → storage)

Like upstream's ``DefaultBuildHandlerChain`` the order is visible in :meth:`APIServer.handle`
and :meth:`APIServer.admit_and_validate`. Every refusal is a :class:`StatusError` naming its
plugin; every request ends in exactly one audit record handed to ``audit_sink``.

What serves a request once it is let in lives next door, by concern, as in k8s.io/apiserver:
:mod:`.listwatch` (list and watch), :mod:`.registry` (upstream's ``genericregistry.Store``:
get, create, update, patch, apply, delete; :mod:`.deletion` decides what a delete writes) and
:mod:`.subresources` (scale, binding, componentstatuses, reviews). Authorization asks
:mod:`.authorization.union`.

The server does nothing more than store and notify: no write here ever creates another
object (that is the controllers' work, which is the point of chapter 11).
"""
from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from simulation.apimachinery import resources
from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.etcd.raft import REQUEST_TIMED_OUT, EtcdCluster
from simulation.store import CompactedError, KeyNotFoundError, Store, guaranteed_update, registry_key, registry_prefix

from . import codec, discovery, errors, eventsv1, openapi
from .admission import CREATE, AdmissionAttributes
from .audit import (AUTHENTICATION, AUTHORIZATION, MUTATING_ADMISSION, STORAGE, VALIDATING_ADMISSION, VALIDATION,
                    AuditEvent, AuditSink)
from .authentication.impersonation import PLUGIN as IMPERSONATION
from .authentication.impersonation import impersonate
from .authorization import ALLOW, Attributes
from .authorization.rbac import forbidden_error
from .authorization.union import UnionAuthorizer
from .deprecation import add_warning
from .errors import StatusError
from .listwatch import ListWatch, item_key
from .loadbalancer import Instance, LoadBalancer, NoInstanceRunning
from .podexec import KubeletExec, serve_attach, serve_exec
from .podportforward import serve_portforward
from .podlogs import KubeletLogs, serve_log
from .printers import tables
from .registry import Registry
from .request import APIRequest, APIResponse, RequestInfo, UserInfo, parse_path
from .subresources import Subresources
from .validation import validate_create, validate_update
from .watch import WatchCache

#: The named checks kube-apiserver serves under each health endpoint; any other name is 404.
HEALTH_CHECKS = {
    "healthz": frozenset({"ping", "log", "etcd"}),
    "livez": frozenset({"ping", "log", "etcd"}),
    "readyz": frozenset({"ping", "log", "etcd", "etcd-readiness", "informer-sync", "shutdown"}),
}
#: An integer as Go's ``strconv.ParseInt(s, 10, 64)`` reads one.
_GO_INT = re.compile(r"[+-]?[0-9]+")


#: Kinds stored in another group's shape, by (group, kind): how to answer with one stored
#: (the stored shape → this group's) and how to store one written here (the reverse).
# events.k8s.io/v1 (quota)
EXTERNAL_SHAPES: dict[tuple[str, str], tuple[Callable[[dict], dict], Callable[[dict], dict]]] = {
    (eventsv1.GROUP, "Event"): (eventsv1.from_core, eventsv1.to_core)}


def _check_order(name: str) -> tuple[int, str]:
    """Checks in the order kube-apiserver lists them: ping, log, etcd, then the rest."""
    first = ("ping", "log", "etcd", "etcd-readiness")
    return (first.index(name), name) if name in first else (len(first), name)


@dataclass
class Call:
    """One request on its way through the chain, and what every stage asks of it (upstream's
    handlers get the same from their ``RequestScope``): its storage key, its errors, its body
    decoded as its kind, its query parameters, its answer as a Table."""

    req: APIRequest
    info: RequestInfo
    user: UserInfo
    record: AuditEvent
    rt: ResourceType | None = None
    #: The kube-apiserver the load balancer handed the request to (highly available control
    #: planes only).
    instance: Instance | None = None

    @property
    def namespace(self) -> str:
        return self.info.namespace if self.rt and self.rt.namespaced else ""

    @property
    def dry_run(self) -> bool:
        return bool(self.req.query.get("dryRun"))

    def key(self, name: str | None = None) -> str:
        """The storage key of the object named on the URL (or of ``name``)."""
        return registry_key(self.rt.name, self.namespace, name if name is not None else self.info.name)

    def not_found(self, name: str | None = None) -> StatusError:
        return errors.not_found(self.rt.name, self.rt.group, name or self.info.name)

    def conflict(self, name: str | None = None) -> StatusError:
        return errors.conflict(self.rt.name, self.rt.group, name or self.info.name)

    def decode(self) -> dict:
        """The body as an object of this endpoint's kind (in-process callers pass it decoded)."""
        rt = self.rt
        if self.req.obj is not None:
            obj = deep_copy(self.req.obj)
            obj.setdefault("apiVersion", rt.group_version)
            obj.setdefault("kind", rt.kind)
            obj.setdefault("metadata", {})
            return obj
        return codec.decode_object(self.req.body, self.req.content_type, rt.kind, rt.group_version)

    def type_meta(self, obj: dict) -> dict:
        """``obj`` stamped with this endpoint's ``apiVersion`` and ``kind``: every object the
        server answers with carries its type, as upstream's encoder sets ``TypeMeta``. A kind
        stored in another group's shape is converted (``events.k8s.io/v1`` Events)."""
        shapes = EXTERNAL_SHAPES.get((self.rt.group, self.rt.kind))
        if shapes is not None:
            return shapes[0](obj)
        obj["apiVersion"] = self.rt.group_version
        obj["kind"] = self.rt.kind
        return obj

    def external(self, stored: dict) -> dict:
        """A stored object as this endpoint's writes see it (the ``old`` of an update, what a
        patch applies to): the object itself, or a converted copy for a kind stored in another
        group's shape."""
        shapes = EXTERNAL_SHAPES.get((self.rt.group, self.rt.kind))
        return shapes[0](deep_copy(stored)) if shapes is not None else stored

    def internal(self, obj: dict) -> dict:
        """An object written through this endpoint as the store keeps it: itself, or (an
        ``events.k8s.io/v1`` Event) converted to the one stored kind, as upstream's storage
        encodes every Event as core v1."""
        shapes = EXTERNAL_SHAPES.get((self.rt.group, self.rt.kind))
        return shapes[1](obj) if shapes is not None else obj

    def int_param(self, name: str) -> int | None:
        """An integer query parameter (``limit``, ``timeoutSeconds``); 400 when it is not one."""
        value = self.req.query.get(name)
        if value in (None, ""):
            return None
        if not _GO_INT.fullmatch(value):  # strconv.ParseInt: no spaces, underscores or non-ASCII digits
            raise errors.bad_request(f"invalid value for {name}: {value!r}")
        number = int(value)
        if not -2 ** 63 <= number < 2 ** 63:  # Go parses these as int64
            raise errors.bad_request(f"invalid value for {name}: {value!r}: value out of range")
        return number

    def present(self, objects: list[dict], clock: Callable[[], float], list_meta: dict | None = None) -> dict | None:
        """A Table of ``objects`` when the client asked for one (kubectl get), else None."""
        if not tables.wants_table(self.req.header("accept")):
            return None
        return tables.to_table(self.rt, objects, now=clock(), list_meta=list_meta,
                               include_object=self.req.query.get("includeObject", "Metadata"))


class StoreReader:
    """The ObjectReader handed to admission plugins and RBAC: reads through the store the
    API server owns (plugins are part of the API server, so the one rule holds).

    Like the informer caches upstream's plugins read from, the few small kinds that every
    write consults (namespaces, quotas, limit ranges, service accounts, services) are cached.
    The server drops a kind's cache whenever it writes that kind, so this process never sees
    a stale answer; writes by another process show up within ``ttl_seconds``. As with a
    lister, cached objects are shared: callers copy before they change anything.
    """

    CACHED = frozenset({"namespaces", "resourcequotas", "limitranges", "serviceaccounts", "services"})

    def __init__(self, store: Store, ttl_seconds: float = 1.0) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, dict[str, dict]]] = {}

    @staticmethod
    def _rt(resource: str) -> ResourceType:
        return resources.by_name(resource)

    def invalidate(self, resource: str) -> None:
        self._cache.pop(resource, None)

    def _cached(self, resource: str) -> dict[str, dict]:
        entry = self._cache.get(resource)
        now = time.monotonic()
        if entry is None or now - entry[0] >= self.ttl_seconds:
            items, _, _ = self.store.list(registry_prefix(resource))
            entry = (now, {item_key(self._rt(resource), o): o for o in items})
            self._cache[resource] = entry
        return entry[1]

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        key = registry_key(resource, namespace if self._rt(resource).namespaced else "", name)
        if resource in self.CACHED:
            return self._cached(resource).get(key)
        try:
            return self.store.get(key)
        except KeyNotFoundError:
            return None

    def list(self, resource: str, namespace: str = "") -> list[dict]:
        prefix = registry_prefix(resource, namespace if self._rt(resource).namespaced else "")
        if resource in self.CACHED:
            return [o for k, o in self._cached(resource).items() if k.startswith(prefix)]
        items, _, _ = self.store.list(prefix)
        return items

    def guaranteed_update(self, resource: str, namespace: str, name: str,
                          try_update: Callable[[dict], dict | None]) -> dict:
        rt = self._rt(resource)
        try:
            return guaranteed_update(self.store, registry_key(resource, namespace if rt.namespaced else "", name),
                                     try_update)
        finally:
            self.invalidate(resource)


class APIServer:
    """The chain, and the parts it hands an admitted request to — :class:`ListWatch`,
    :class:`Registry`, :class:`Subresources` — each holding this server for its store, clock
    and admission, so that every request is served by the one server it entered."""

    def __init__(self, store: Store, *, authenticators: list, authorizers: list, mutating: Iterable = (),
                 validating: Iterable = (), audit_sink: AuditSink | None = None,
                 clock: Callable[[], float] = time.time, seed: int | None = None,
                 options: dict | None = None, component_statuses: Callable[[], list[dict]] | None = None,
                 server_address: str = "127.0.0.1:6443",
                 on_rbac_write: Callable[[], None] | None = None,
                 escalation_check: Callable[..., None] | None = None,
                 reviews: Callable[[str, dict, UserInfo], dict] | None = None,
                 kubelet_logs: KubeletLogs | None = None, kubelet_exec: KubeletExec | None = None) -> None:
        self.store = store
        self.reader = StoreReader(store)
        self.watch_cache = WatchCache(store)
        self.authenticators = list(authenticators)
        self.authorizers = list(authorizers)
        self.authorizer = UnionAuthorizer(self.authorizers)
        self.mutating = list(mutating)
        self.validating = list(validating)
        self.audit_sink = audit_sink or (lambda record: None)
        self.clock = clock
        self.rng = random.Random(seed)
        self.options = options or {}
        self.component_statuses = component_statuses or (lambda: [])
        self.server_address = server_address
        self.on_rbac_write = on_rbac_write or (lambda: None)
        self.escalation_check = escalation_check
        self.reviews = reviews
        #: The connection to the kubelets' log endpoint (``pods/log``); set by whoever runs them.
        self.kubelet_logs = kubelet_logs
        #: The connection to the kubelets' exec endpoint (``pods/exec``); set by whoever runs them.
        self.kubelet_exec = kubelet_exec
        #: ``kubelet_portforward(node, pod, port, request) -> response`` (``pods/portforward``).
        self.kubelet_portforward: Callable[[str, dict, int, bytes], bytes] | None = None
        #: A highly available control plane's etcd members (writes need their quorum) and the
        #: kube-apiservers behind its load balancer; None for the one-of-each control plane.
        self.etcd: EtcdCluster | None = None
        self.load_balancer: LoadBalancer | None = None
        #: Watch timeouts and bookmark intervals are wall-clock durations of an open HTTP
        #: stream, not simulated time; tests replace this clock to step them.
        self.monotonic: Callable[[], float] = time.monotonic
        self.listwatch = ListWatch(self)
        self.registry = Registry(self)
        self.subresources = Subresources(self)

    # ------------------------------------------------------------------ the chain
    def handle(self, req: APIRequest) -> APIResponse:
        info = parse_path(req.method, req.path, req.query)
        record = AuditEvent(verb=info.verb, path=req.path, api_group=info.group, resource=info.resource,
                            subresource=info.subresource, namespace=info.namespace, name=info.name,
                            virtual_time=self.clock(), user_agent=req.header("user-agent")[:200])
        instance = None
        if self.load_balancer is not None:
            try:
                instance = self.load_balancer.pick()
            except NoInstanceRunning as exc:
                return APIResponse(503, errors.service_unavailable(str(exc)).status())
            record.apiserver = instance.name
        try:
            user = self._authenticate(req, record)
            self._authorize(user, info, record)
            call = Call(req, info, user, record, info.resource_type, instance)
            try:
                response = self._serve(call)
            except StatusError as exc:
                if not record.rejected_by:
                    record.message = exc.message
                response = APIResponse(exc.code, exc.status())
            response = add_warning(info, response)
        except StatusError as exc:
            if not record.rejected_by:
                record.message = exc.message
            response = APIResponse(exc.code, exc.status())
        except (CompactedError,) as exc:
            response = APIResponse(410, errors.gone(str(exc)).status())
        record.code = response.code
        self.audit_sink(record)
        return response

    def authenticate(self, req: APIRequest) -> UserInfo:
        """Who sent ``req``, as the chain's first stage decides (401 when nobody can tell), for
        endpoints outside the Kubernetes API that accept the same credentials — the control
        API under ``/clusters/NAME/sim/``. They keep no audit record of it."""
        return self._authenticate(req, AuditEvent(verb="", path=req.path))

    def _authenticate(self, req: APIRequest, record: AuditEvent) -> UserInfo:
        names = [a.name for a in self.authenticators]
        user = req.user
        if user is None:
            for plugin in self.authenticators:
                try:
                    user = plugin.authenticate(req)
                except StatusError as exc:
                    record.rejected(AUTHENTICATION, names, plugin.name, exc.message)
                    raise
                if user is not None:
                    record.passed(AUTHENTICATION, [plugin.name])
                    break
            else:
                record.rejected(AUTHENTICATION, names, "", "no credentials were accepted")
                raise errors.unauthorized()
        else:
            record.passed(AUTHENTICATION, ["InProcess"])
        record.user = user.name
        record.groups = list(user.all_groups)
        requestor = UserInfo(user.name, user.all_groups, user.uid, user.extra)
        acting = impersonate(requestor, req, self._may_impersonate, self._impersonation_refused(record))
        if acting is None:
            return requestor
        record.impersonated_user = acting.name
        record.impersonated_groups = list(acting.groups)
        return acting

    def _may_impersonate(self, attrs: Attributes) -> tuple[bool, str]:
        allowed, _, reason = self.authorize(attrs)
        return allowed, reason

    def _impersonation_refused(self, record: AuditEvent) -> Callable[[Attributes, str], StatusError]:
        def refuse(attrs: Attributes, reason: str) -> StatusError:
            exc = forbidden_error(attrs, reason, IMPERSONATION)
            record.rejected(AUTHORIZATION, [IMPERSONATION], IMPERSONATION, exc.message)
            return exc
        return refuse

    def attributes(self, user: UserInfo, info: RequestInfo) -> Attributes:
        resource = info.resource
        return Attributes(user=user, verb=info.verb, is_resource_request=info.is_resource_request, path=info.path,
                          api_group=info.group, api_version=info.version, resource=resource,
                          subresource=info.subresource, namespace=info.namespace, name=info.name)

    def authorize(self, attrs: Attributes) -> tuple[bool, str, str]:
        """(allowed, deciding plugin, reason), from the union of the server's authorizers."""
        decision, plugin, reason = self.authorizer.decide(attrs)
        return decision == ALLOW, plugin, reason

    def _authorize(self, user: UserInfo, info: RequestInfo, record: AuditEvent) -> None:
        names = [a.name for a in self.authorizers]
        attrs = self.attributes(user, info)
        allowed, plugin, reason = self.authorize(attrs)
        if allowed:
            record.passed(AUTHORIZATION, [plugin])
            return
        exc = forbidden_error(attrs, reason, plugin or (names[-1] if names else None))
        record.rejected(AUTHORIZATION, names, exc.plugin or "", exc.message)
        raise exc

    # ------------------------------------------------------------------ dispatch
    def _serve(self, call: Call) -> APIResponse:
        info = call.info
        if not info.is_resource_request:
            return self._serve_non_resource(call)
        rt = call.rt
        if rt is None:
            raise errors.path_not_found()
        if info.subresource and info.subresource not in rt.subresources:
            raise errors.path_not_found()
        if info.verb not in rt.verbs and not (info.subresource and info.verb in ("get", "update", "patch",
                                                                                   "create")):
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        if rt.create_only:
            return self.subresources.review(call)
        if rt.virtual:
            return self.subresources.component_statuses(call)
        self._require_quorum(call)
        if info.namespace == "" and rt.namespaced and info.verb not in ("list", "watch", "deletecollection"):
            raise errors.path_not_found()
        if (info.verb == "create" and info.name and not info.subresource) or \
                (info.verb in ("update", "patch") and not info.name):
            # No such route upstream: POST goes to a collection, PUT and PATCH to one object.
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        handler = {
            "get": self.registry.get, "list": self.listwatch.list, "watch": self.listwatch.watch,
            "create": self.registry.create, "update": self.registry.update, "patch": self.registry.patch,
            "delete": self.registry.delete, "deletecollection": self.registry.delete_collection,
        }.get(info.verb)
        if handler is None:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        if info.subresource == "scale":
            return self.subresources.scale(call)
        if info.subresource == "binding":
            return self.subresources.binding(call)
        if info.subresource in ("exec", "attach"):
            if info.verb not in ("get", "create"):
                raise errors.method_not_allowed("the server does not allow this method on the requested resource")
            serve = serve_exec if info.subresource == "exec" else serve_attach
            return serve(call, self, self.registry.read(call))
        if info.subresource == "portforward":
            if info.verb not in ("get", "create"):
                raise errors.method_not_allowed("the server does not allow this method on the requested resource")
            return serve_portforward(call, self, self.registry.read(call))
        if info.subresource == "log":
            if info.verb != "get":
                raise errors.method_not_allowed("the server does not allow this method on the requested resource")
            return serve_log(call, self, self.registry.read(call))
        return handler(call)

    def _require_quorum(self, call: Call) -> None:
        """etcd without a leader commits nothing and answers no quorum read: every request that
        reaches it fails with etcd's own error. Reads at ``resourceVersion=0`` and watches from
        a given revision are served from the watch cache and do not ask etcd (they see nothing
        new, since nothing commits)."""
        if self.etcd is None or self.etcd.has_quorum():
            return
        rv = call.req.query.get("resourceVersion", "")
        if call.info.verb in ("get", "list", "watch") and rv == "0" or call.info.verb == "watch" and rv:
            return
        call.record.rejected(STORAGE, ["etcd"], "etcd", REQUEST_TIMED_OUT)
        raise errors.unknown(REQUEST_TIMED_OUT)

    def _serve_non_resource(self, call: Call) -> APIResponse:
        parts = [p for p in call.info.path.split("/") if p]
        if call.info.verb != "get":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        body: dict | None = None
        if parts == ["version"]:
            body = dict(discovery.KUBERNETES_VERSION)
        elif parts == ["api"]:
            body = discovery.api_versions(self.server_address)
        elif parts == ["apis"]:
            body = discovery.api_group_list()
        elif len(parts) == 2 and parts[0] == "api":
            body = discovery.api_resource_list("", parts[1])
        elif len(parts) == 2 and parts[0] == "apis":
            body = discovery.api_group(parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            body = discovery.api_resource_list(parts[1], parts[2])
        elif parts == ["openapi", "v3"]:
            body = openapi.root_document()
        elif len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
            group, version = ("", parts[3]) if parts[2] == "api" else (parts[3], parts[4] if len(parts) > 4 else "")
            body = openapi.group_version_document(group, version)
        elif parts and parts[0] in HEALTH_CHECKS and (len(parts) == 1 or
                                                        "/".join(parts[1:]) in HEALTH_CHECKS[parts[0]]):
            return self._health(parts)
        if body is None:
            raise errors.path_not_found()
        return APIResponse(200, body)

    def _health(self, parts: list[str]) -> APIResponse:
        """``/healthz``, ``/livez``, ``/readyz`` and their named checks. Only the etcd checks can
        fail here: upstream's check reads a key through its etcd client, which times out when
        etcd has no quorum; a failed aggregate lists every check, the failed one's reason withheld."""
        text = {"Content-Type": "text/plain"}
        if self.etcd is None or self.etcd.has_quorum():
            return APIResponse(200, "ok", text)
        if len(parts) > 1:
            if parts[1].startswith("etcd"):
                return APIResponse(500, f"internal server error: {self.etcd.health(self.etcd.members[0].name)[1]}\n",
                                   text)
            return APIResponse(200, "ok", text)
        lines = [f"[-]{name} failed: reason withheld" if name.startswith("etcd") else f"[+]{name} ok"
                 for name in sorted(HEALTH_CHECKS[parts[0]], key=_check_order)]
        return APIResponse(500, "\n".join(lines) + f"\n{parts[0]} check failed\n", text)

    # ------------------------------------------------------------------ admission + validation
    def admit_and_validate(self, call: Call, operation: str, obj: dict | None, old: dict | None,
                           subresource: str = "", prepare: Callable[[], None] | None = None) -> None:
        """Mutating admission → ``prepare`` (the registry's system fields) → validation →
        validating admission, recording each stage."""
        rt = call.rt
        attrs = AdmissionAttributes(operation=operation, resource_type=rt, namespace=call.namespace,
                                    name=(obj or old or {}).get("metadata", {}).get("name", call.info.name),
                                    user=call.user, reader=self.reader, object=obj, old_object=old,
                                    subresource=subresource, dry_run=call.dry_run, options=self.options)
        self._run_admission(call, MUTATING_ADMISSION, [(p, p.admit) for p in self.mutating], attrs)
        if prepare is not None:
            prepare()
        if obj is not None:
            causes = validate_create(rt, obj) if operation == CREATE else validate_update(rt, obj, old, subresource)
            if causes:
                exc = errors.invalid(rt.kind, rt.group, obj["metadata"].get("name", ""), causes, "Validation")
                call.record.rejected(VALIDATION, ["Validation"], "Validation", exc.message)
                raise exc
            call.record.passed(VALIDATION, ["Validation"])
            if self.escalation_check and rt.group == "rbac.authorization.k8s.io":
                try:
                    self.escalation_check(rt.name, obj, call.user, old_obj=old)
                except StatusError as exc:
                    call.record.rejected(VALIDATION, ["Validation", "RBAC"], "RBAC", exc.message)
                    raise
        self._run_admission(call, VALIDATING_ADMISSION, [(p, p.validate) for p in self.validating], attrs)

    @staticmethod
    def _run_admission(call: Call, stage: str, chain: list[tuple[Any, Callable[[AdmissionAttributes], None]]],
                       attrs: AdmissionAttributes) -> None:
        """Run each plugin that handles the request; the first refusal stops the chain and is
        recorded with the plugins that ran before it (upstream's admission chain)."""
        ran: list[str] = []
        for plugin, run in chain:
            if not plugin.handles(attrs):
                continue
            ran.append(plugin.name)
            try:
                run(attrs)
            except StatusError as exc:
                exc.plugin = exc.plugin or plugin.name
                call.record.rejected(stage, ran, plugin.name, exc.message)
                raise
        call.record.passed(stage, ran)

    # ------------------------------------------------------------------ change feed
    def current_revision(self) -> int:
        """The revision of the latest write (upstream's ``GetCurrentResourceVersion``): what
        the kernel's change probe compares to tell whether anything was written."""
        return self.store.current_revision()

    def changed_topics(self, revision: int) -> set | None:
        """What was written after ``revision``: resource names (``"pods"``) and, for pods,
        ``("pods", node)`` — the watch cache's triggers, so the kernel wakes only the informers
        a write concerns. ``None`` when the cache no longer reaches back that far."""
        return self.watch_cache.changed_topics(revision)
