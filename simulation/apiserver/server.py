"""The API server: one chain, read top to bottom.

    authentication → authorization → (reads: storage)
                                    → (writes: decode + defaults → mutating admission →
                                       validation → validating admission → storage)

Like upstream's ``DefaultBuildHandlerChain`` the order is visible in :meth:`APIServer.handle`
and :meth:`APIServer._admit_and_validate`. Every refusal is a :class:`StatusError` naming its
plugin; every request ends in exactly one audit record handed to ``audit_sink``.

The server does nothing more than store and notify: no write here ever creates another
object (that is the controllers' work, which is the point of chapter 11).
"""
from __future__ import annotations

import base64
import json
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from simulation.apimachinery import resources
from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.store import (CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, Store,
                              guaranteed_update, registry_key, registry_prefix)

from . import apply, codec, discovery, errors, fieldvalidation, ipallocator, managedfields, openapi, strategy
from .admission import CREATE, DELETE, UPDATE, AdmissionAttributes
from .audit import (AUTHENTICATION, AUTHORIZATION, MUTATING_ADMISSION, STORAGE, VALIDATING_ADMISSION, VALIDATION,
                    AuditRecord, AuditSink)
from .authorization import ALLOW, DENY, Attributes
from .authorization.rbac import forbidden_error
from .printers import tables
from .request import APIRequest, APIResponse, RequestInfo, UserInfo, parse_path
from .watch import WatchCache, Watcher, node_trigger

#: Kinds whose deletion returns the object itself rather than a Status (upstream's ReturnDeletedObject).
RETURNS_DELETED_OBJECT = ("Pod",)
#: The garbage collector's finalizers (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents).
ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
#: kube-apiserver warns on every ComponentStatus answer; kubectl prints it on stderr.
CS_DEPRECATION = {"Warning": '299 - "v1 ComponentStatus is deprecated in v1.19+"'}
#: Default watch length when the client gives no timeoutSeconds (upstream picks 30–60 min).
DEFAULT_WATCH_SECONDS = 1800
#: Upstream's ``FieldManagerMaxLength``.
FIELD_MANAGER_MAX_LENGTH = 128


@dataclass
class Call:
    """One request on its way through the chain."""

    req: APIRequest
    info: RequestInfo
    user: UserInfo
    record: AuditRecord
    rt: ResourceType | None = None

    @property
    def namespace(self) -> str:
        return self.info.namespace if self.rt and self.rt.namespaced else ""

    @property
    def dry_run(self) -> bool:
        return bool(self.req.query.get("dryRun"))


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
            entry = (now, {_item_key(self._rt(resource), o): o for o in items})
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
    def __init__(self, store: Store, *, authenticators: list, authorizers: list, mutating: Iterable = (),
                 validating: Iterable = (), audit_sink: AuditSink | None = None,
                 clock: Callable[[], float] = time.time, seed: int | None = None,
                 options: dict | None = None, component_statuses: Callable[[], list[dict]] | None = None,
                 server_address: str = "127.0.0.1:6443",
                 on_rbac_write: Callable[[], None] | None = None,
                 escalation_check: Callable[..., None] | None = None,
                 reviews: Callable[[str, dict, UserInfo], dict] | None = None) -> None:
        self.store = store
        self.reader = StoreReader(store)
        self.watch_cache = WatchCache(store)
        self.authenticators = list(authenticators)
        self.authorizers = list(authorizers)
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
        #: Watch timeouts and bookmark intervals are wall-clock durations of an open HTTP
        #: stream, not simulated time; tests replace this clock to step them.
        self.monotonic: Callable[[], float] = time.monotonic

    # ------------------------------------------------------------------ the chain
    def handle(self, req: APIRequest) -> APIResponse:
        info = parse_path(req.method, req.path, req.query)
        record = AuditRecord(verb=info.verb, path=req.path, api_group=info.group, resource=info.resource,
                             subresource=info.subresource, namespace=info.namespace, name=info.name,
                             virtual_time=self.clock(), user_agent=req.header("user-agent")[:200])
        try:
            user = self._authenticate(req, record)
            self._authorize(user, info, record)
            call = Call(req, info, user, record, info.resource_type)
            response = self._serve(call)
        except StatusError as exc:
            if not record.rejected_by:
                record.message = exc.message
            response = APIResponse(exc.code, exc.status())
        except (CompactedError,) as exc:
            response = APIResponse(410, errors.gone(str(exc)).status())
        record.code = response.code
        self.audit_sink(record)
        return response

    def _authenticate(self, req: APIRequest, record: AuditRecord) -> UserInfo:
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
        return UserInfo(user.name, user.all_groups, user.uid)

    def attributes(self, user: UserInfo, info: RequestInfo) -> Attributes:
        resource = info.resource
        return Attributes(user=user, verb=info.verb, is_resource_request=info.is_resource_request, path=info.path,
                          api_group=info.group, api_version=info.version, resource=resource,
                          subresource=info.subresource, namespace=info.namespace, name=info.name)

    def authorize(self, attrs: Attributes) -> tuple[bool, str, str]:
        """(allowed, deciding plugin, reason): the first Allow or Deny wins; with neither,
        the reasons every plugin gave are joined, as upstream's union authorizer does."""
        reasons = []
        for plugin in self.authorizers:
            decision, reason = plugin.authorize(attrs)
            if decision == ALLOW:
                return True, plugin.name, reason
            if decision == DENY:
                return False, plugin.name, reason
            if reason:
                reasons.append(reason)
        return False, "", "\n".join(reasons)

    def _authorize(self, user: UserInfo, info: RequestInfo, record: AuditRecord) -> None:
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
            return self._review(call)
        if rt.virtual:
            return self._serve_component_statuses(call)
        if info.namespace == "" and rt.namespaced and info.verb not in ("list", "watch", "deletecollection"):
            raise errors.path_not_found()
        if (info.verb == "create" and info.name and not info.subresource) or \
                (info.verb in ("update", "patch") and not info.name):
            # No such route upstream: POST goes to a collection, PUT and PATCH to one object.
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        handler = {
            "get": self._get, "list": self._list, "watch": self._watch, "create": self._create,
            "update": self._update, "patch": self._patch, "delete": self._delete,
            "deletecollection": self._delete_collection,
        }.get(info.verb)
        if handler is None:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        if info.subresource == "scale":
            return self._scale(call)
        if info.subresource == "binding":
            return self._binding(call)
        return handler(call)

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
        elif parts and parts[0] in ("healthz", "livez", "readyz"):
            return APIResponse(200, "ok", {"Content-Type": "text/plain"})
        if body is None:
            raise errors.path_not_found()
        return APIResponse(200, body)

    # ------------------------------------------------------------------ helpers
    def _key(self, call: Call, name: str | None = None) -> str:
        return registry_key(call.rt.name, call.namespace, name if name is not None else call.info.name)

    def _not_found(self, call: Call, name: str | None = None) -> StatusError:
        return errors.not_found(call.rt.name, call.rt.group, name or call.info.name)

    def _conflict(self, call: Call, name: str | None = None) -> StatusError:
        return errors.conflict(call.rt.name, call.rt.group, name or call.info.name)

    def _read(self, call: Call) -> dict:
        try:
            return self.store.get(self._key(call))
        except KeyNotFoundError:
            raise self._not_found(call) from None

    def _decode(self, call: Call) -> dict:
        rt = call.rt
        if call.req.obj is not None:
            obj = deep_copy(call.req.obj)
            obj.setdefault("apiVersion", rt.group_version)
            obj.setdefault("kind", rt.kind)
            obj.setdefault("metadata", {})
            return obj
        return codec.decode_object(call.req.body, call.req.content_type, rt.kind, rt.group_version)

    def _type_meta(self, rt: ResourceType, obj: dict) -> dict:
        obj["apiVersion"] = rt.group_version
        obj["kind"] = rt.kind
        return obj

    def _record_write(self, call: Call, revision: int | None) -> None:
        call.record.revision = revision
        call.record.passed(STORAGE, ["etcd"])
        self.reader.invalidate(call.rt.name)
        if call.rt.group == "rbac.authorization.k8s.io":
            self.on_rbac_write()

    # ------------------------------------------------------------------ admission + validation
    def _admit_and_validate(self, call: Call, operation: str, obj: dict | None, old: dict | None,
                            subresource: str = "", prepare: Callable[[], None] | None = None) -> None:
        """Mutating admission → ``prepare`` (the registry's system fields) → validation →
        validating admission, recording each stage."""
        from .validation import validate_create, validate_update

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

    # ------------------------------------------------------------------ reads
    def _get(self, call: Call) -> APIResponse:
        if call.info.subresource not in ("", "status"):
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        obj = self._read(call)
        call.record.passed(STORAGE, ["etcd"])
        return APIResponse(200, self._present(call, [self._type_meta(call.rt, obj)]) or obj)

    def _matcher(self, call: Call) -> Callable[[dict], bool]:
        from simulation.apimachinery.selectors import check_field_selector, parse_field_selector, parse_label_selector

        q = call.req.query
        try:
            labels = parse_label_selector(q.get("labelSelector", ""))
            fields = parse_field_selector(q.get("fieldSelector", ""))
            check_field_selector(call.rt.kind, fields)
        except ValueError as exc:
            raise errors.bad_request(str(exc)) from None
        return lambda obj: labels.matches(obj.get("metadata", {}).get("labels")) and fields.matches(obj)

    def _list(self, call: Call) -> APIResponse:
        items, revision, cont = self._select(call)
        call.record.passed(STORAGE, ["etcd"])
        meta: dict = {"resourceVersion": str(revision)}
        if cont:
            meta["continue"] = cont
        body = self._present(call, items, meta) or {"kind": call.rt.list_kind, "apiVersion": call.rt.group_version,
                                                    "metadata": meta, "items": items}
        return APIResponse(200, body)

    def _present(self, call: Call, objects: list[dict], list_meta: dict | None = None) -> dict | None:
        """A Table of ``objects`` when the client asked for one (kubectl get), else None."""
        if not tables.wants_table(call.req.header("accept")):
            return None
        return tables.to_table(call.rt, objects, now=self.clock(), list_meta=list_meta,
                               include_object=call.req.query.get("includeObject", "Metadata"))

    def _select(self, call: Call) -> tuple[list[dict], int, str | None]:
        """List with selectors, ``limit`` and ``continue``, as upstream pages.

        Every page of one list is read at the revision of the first page (the continue
        token carries it), like etcd's ``WithRev``: an object changed, created or deleted
        between pages neither shows up twice nor goes missing, and every page reports the
        same ``resourceVersion`` — the one an informer then watches from, so no change made
        while it paged is lost. ``resourceVersionMatch=Exact`` reads at the given revision
        the same way. Reading the past rolls the present back through the revision log,
        so it expires with compaction (410).
        """
        q = call.req.query
        _validate_list_options(q)
        matches = self._matcher(call)
        prefix = registry_prefix(call.rt.name, call.namespace)
        limit = _int_param(q, "limit")
        after_key, at = None, None
        if q.get("continue"):
            after_key, at = _decode_continue(q["continue"], prefix)
        rv = q.get("resourceVersion", "")
        if rv and not rv.isdigit():
            raise errors.bad_request(f"invalid resource version: {rv}")
        current = self.store.current_revision()
        if rv and rv != "0" and int(rv) > current:
            raise _too_large_resource_version(int(rv), current)
        if rv and q.get("resourceVersionMatch") == "Exact":
            at = int(rv)
        if at is not None:
            return self._page_at(call, prefix, at, after_key, limit, matches, paging=bool(q.get("continue")))
        out: list[dict] = []
        while True:
            chunk = None if limit is None else max(limit - len(out), 1) * 2
            items, revision, last = self.store.list(prefix, after_key=after_key, limit=chunk)
            for index, obj in enumerate(items):
                after_key = _item_key(call.rt, obj)
                if matches(obj):
                    out.append(self._type_meta(call.rt, obj))
                if limit is not None and len(out) >= limit:
                    if last is None and index == len(items) - 1:
                        return out, revision, None
                    return out, revision, _encode_continue(revision, after_key)
            if last is None:
                return out, revision, None

    def _page_at(self, call: Call, prefix: str, revision: int, after_key: str | None, limit: int | None,
                 matches: Callable[[dict], bool], paging: bool) -> tuple[list[dict], int, str | None]:
        """One page of the list as it was at ``revision``: keys after ``after_key``, in order."""
        try:
            state = self._state_at(call.rt, prefix, revision)
        except CompactedError:
            if paging:
                raise _ExpiredContinue(_encode_continue(-1, after_key or "")) from None
            raise errors.gone("The resourceVersion for the provided list is too old.") from None
        keys = sorted(k for k in state if after_key is None or k > after_key)
        out: list[dict] = []
        for index, key in enumerate(keys):
            if matches(state[key]):
                out.append(self._type_meta(call.rt, state[key]))
            if limit is not None and len(out) >= limit and index < len(keys) - 1:
                return out, revision, _encode_continue(revision, key)
        return out, revision, None

    def _state_at(self, rt: ResourceType, prefix: str, revision: int) -> dict[str, dict]:
        """Every object under ``prefix`` as it was at ``revision``, by key: the present, with
        each later change undone (newest first). Raises :class:`CompactedError` when the log
        no longer reaches back that far."""
        items, now, _ = self.store.list(prefix)
        state = {_item_key(rt, o): o for o in items}
        for ev in reversed(self.store.events_since(revision, prefix)):
            if ev.revision > now:  # written after our read of the present: not in ``state`` yet
                continue
            if ev.prev_object is None:
                state.pop(ev.key, None)
            else:
                state[ev.key] = ev.prev_object
        return state

    def _watch(self, call: Call) -> APIResponse:
        q = call.req.query
        matches = self._matcher(call)
        prefix = registry_prefix(call.rt.name, call.namespace)
        rv = q.get("resourceVersion", "")
        timeout = _int_param(q, "timeoutSeconds")
        initial = None
        if rv in ("", "0"):
            items, revision, _ = self.store.list(prefix)
            initial = [self._type_meta(call.rt, o) for o in items if matches(o)]
        else:
            if not rv.isdigit():
                raise errors.bad_request(f"invalid resource version: {rv}")
            revision = int(rv)
        call.record.passed(STORAGE, ["etcd"])
        rt = call.rt
        convert_event = (lambda e: e)
        if tables.wants_table(call.req.header("accept")):
            convert_event = self._table_events(rt, q.get("includeObject") or "Metadata")
        watcher = Watcher(self.store, prefix, matches, start_revision=revision, initial=initial,
                          timeout_seconds=timeout or DEFAULT_WATCH_SECONDS, bookmarks=call.req.flag(
                              "allowWatchBookmarks"), type_meta={"kind": rt.kind, "apiVersion": rt.group_version},
                          now=self.monotonic, convert=lambda o: self._type_meta(rt, o), convert_event=convert_event,
                          cache=self.watch_cache, node=node_trigger(rt.name, q.get("fieldSelector", "")))
        return APIResponse(200, None, watcher=watcher)

    def _table_events(self, rt: ResourceType, include: str) -> Callable[[dict], dict]:
        """Watch events as one-row Tables. As upstream's watch handler, only the first row
        carries the column definitions (``kubectl get -w --watch-only`` prints its header
        from it); later ones leave them out and kubectl reuses the header it has."""
        if include not in tables.INCLUDE_OBJECT_VALUES:
            raise errors.bad_request(f'unrecognized includeObject value: "{include}"')
        headers_sent = False

        def convert(event: dict) -> dict:
            nonlocal headers_sent
            converted = tables.table_row_event(event, rt, self.clock(), include)
            if converted is not event and not headers_sent:
                headers_sent = True
                converted["object"]["columnDefinitions"] = tables.to_table(rt, [], now=0)["columnDefinitions"]
            return converted

        return convert

    # ------------------------------------------------------------------ writes
    def _create(self, call: Call, obj: dict | None = None) -> APIResponse:
        """POST, or an apply that finds no object (``obj``: the applied object, its managedFields
        already recorded by the apply)."""
        rt = call.rt
        track = obj is None
        if obj is None:
            obj = self._decode(call)
        warnings = fieldvalidation.check(rt, obj, call.req.query.get("fieldValidation", ""))
        meta = obj["metadata"]
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != call.namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            meta["namespace"] = call.namespace
        else:
            meta.pop("namespace", None)
        name = strategy.name_for_create(obj, self.rng)
        call.record.name = name  # as upstream's audit objectRef: the name the create chose
        self._apply_defaults(rt, obj)
        if track:
            obj = apply.record_update(None, obj, self._writer(call), *self._field_types(call))
        self._admit_and_validate(call, CREATE, obj, None, prepare=lambda: self._prepare_create(rt, obj))
        if call.dry_run:
            # As upstream's DryRunnableStorage: everything but the write, including its refusal.
            try:
                self.store.get(self._key(call, name))
            except KeyNotFoundError:
                return APIResponse(201, obj, warnings)
            raise errors.already_exists(rt.name, rt.group, name)
        try:
            stored = self.store.create(self._key(call, name), obj)
        except KeyExistsError:
            raise errors.already_exists(rt.name, rt.group, name) from None
        self._record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(201, stored, warnings)

    def _prepare_create(self, rt: ResourceType, obj: dict) -> None:
        strategy.prepare_create(rt, obj, self.clock(), self.rng)
        if rt.kind == "Service":
            ipallocator.assign_cluster_ip(obj, self.reader.list("services"), self.rng)

    @staticmethod
    def _apply_defaults(rt: ResourceType, obj: dict) -> None:
        from .defaults import apply_defaults

        apply_defaults(rt, obj)

    def _update(self, call: Call) -> APIResponse:
        obj = self._decode(call)
        name = obj["metadata"].get("name") or ""
        if name != call.info.name:
            raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL "
                                     f"({call.info.name})")
        if call.rt.namespaced and obj["metadata"].get("namespace") not in (None, "", call.namespace):
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                     "on the request")
        return self._write_update(call, lambda old: deep_copy(obj))

    def _patch(self, call: Call) -> APIResponse:
        ctype = call.req.content_type
        _check_patch_options(call.req.query, ctype == codec.APPLY_PATCH_TYPE)
        if ctype == codec.APPLY_PATCH_TYPE and not call.info.subresource:
            return self._apply(call)
        if ctype not in codec.PATCH_TYPES:
            raise errors.unsupported_media_type(ctype)
        return self._write_update(call, _patcher(call, call.rt.kind), from_patch=True)

    # ------------------------------------------------------------------ managed fields, server-side apply
    def _writer(self, call: Call) -> apply.Writer:
        """Who this write is recorded for: the ``fieldManager`` parameter or, as upstream's
        ``managerOrUserAgent``, the User-Agent up to its first ``/`` (``kubectl``, ``python``)."""
        manager = call.req.query.get("fieldManager") or _user_agent_prefix(call.req.header("user-agent"))
        return apply.Writer(manager, call.rt.group_version, call.info.subresource, rfc3339(self.clock()))

    @staticmethod
    def _field_types(call: Call) -> tuple[managedfields.Type, frozenset]:
        """The kind's field types, and what the endpoint resets (upstream's ResetFields):
        ``status`` when written through the object of a kind with a status subresource."""
        rt = call.rt
        ignored = frozenset({("f:status",)}) if strategy.has_status_subresource(rt) and \
            not call.info.subresource else frozenset()
        return managedfields.type_for(rt.group, rt.version, rt.kind), ignored

    def _apply(self, call: Call) -> APIResponse:
        """Server-side apply: update the object with the applied configuration if it exists
        (200), create it from the configuration if not (201)."""
        rt = call.rt
        config = _applied_config(call)
        force = call.req.flag("force")
        writer = self._writer(call)
        typ, ignored = self._field_types(call)

        def applied(live: dict | None) -> dict:
            try:
                return apply.apply(live, config, writer, force, typ, ignored)
            except apply.ApplyConflict as exc:
                raise errors.StatusError(409, "Conflict", exc.message, {"causes": exc.causes()}) from None
            except managedfields.FieldSetError as exc:
                # not a Status upstream either: a 500 with no reason, which kubectl prints as is
                group, _, version = rt.group_version.rpartition("/")
                raise errors.StatusError(500, "", f"failed to create typed patch object ({call.namespace}/"
                                         f"{call.info.name}; {group}/{version}, Kind={rt.kind}): {exc}") from None

        for _ in range(16):
            try:
                return self._write_update(call, applied, from_patch=True, track=False)
            except StatusError as exc:
                if exc.code != 404 or exc.reason != "NotFound":
                    raise
            obj = applied(None)
            meta = obj.setdefault("metadata", {})
            if meta.get("uid"):
                raise errors.conflict(rt.name, rt.group, call.info.name, f"uid mismatch: the provided object "
                                      f"specified uid {meta['uid']}, and no existing object was found")
            try:
                return self._create(call, obj)
            except StatusError as exc:
                if exc.reason != "AlreadyExists":
                    raise
        raise self._conflict(call)

    def _write_update(self, call: Call, make: Callable[[dict], dict], from_patch: bool = False,
                      track: bool = True) -> APIResponse:
        """GuaranteedUpdate: read, build the new object, admit, validate, compare-and-set.

        ``make`` gets the stored object and returns a new one without changing its argument
        (only a patch needs a copy of it, so copying is left to the patch).

        A caller that named a resourceVersion gets 409 if it is stale; one that did not
        (an unconditional update, or a patch) is retried against the fresh object."""
        rt = call.rt
        sub = call.info.subresource
        for _ in range(16):
            old = self._read(call)
            old_rv = old["metadata"]["resourceVersion"]
            new = make(old)
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.bad_request("the patched object is not a valid object")
            self._type_meta(rt, new)
            warnings = fieldvalidation.check(rt, new, call.req.query.get("fieldValidation", ""), old)
            wanted_rv = new["metadata"].get("resourceVersion") or ""
            if from_patch and wanted_rv == old_rv:
                wanted_rv = ""
            if wanted_rv and wanted_rv != old_rv:
                raise self._conflict(call)
            if new["metadata"].get("uid") and new["metadata"]["uid"] != old["metadata"].get("uid"):
                raise errors.conflict(rt.name, rt.group, call.info.name,
                                      f"Precondition failed: UID in precondition: {new['metadata']['uid']}, "
                                      f"UID in object meta: {old['metadata'].get('uid')}")
            new["metadata"]["name"] = old["metadata"]["name"]
            new["metadata"]["resourceVersion"] = old_rv  # the store stamps the new one; this makes no-ops equal
            if rt.namespaced:
                new["metadata"]["namespace"] = old["metadata"]["namespace"]
            self._apply_defaults(rt, new)
            strategy.prepare_update(rt, new, old, sub)
            if track:
                new = apply.record_update(old, new, self._writer(call), *self._field_types(call))
            if new == {**old, "apiVersion": rt.group_version, "kind": rt.kind}:
                call.record.passed(STORAGE, ["etcd"])
                return APIResponse(200, self._type_meta(rt, old))
            self._admit_and_validate(call, UPDATE, new, old, sub)
            if call.dry_run:
                return APIResponse(200, new)
            meta = new["metadata"]
            try:
                if self._deletion_completes(rt, new):
                    # The last finalizer is gone: the object's deletion completes now. As
                    # upstream, the caller gets the object it sent (without finalizers),
                    # stamped with the revision of the deletion.
                    deleted = self.store.delete(self._key(call), int(old_rv))
                    stored = new
                    meta["resourceVersion"] = deleted["metadata"]["resourceVersion"]
                else:
                    stored = self.store.update(self._key(call), new, int(old_rv))
            except RevisionConflictError:
                if wanted_rv:
                    raise self._conflict(call) from None
                continue
            except KeyNotFoundError:
                raise self._not_found(call) from None
            self._record_write(call, int(stored["metadata"]["resourceVersion"]))
            return APIResponse(200, self._type_meta(rt, stored), warnings)
        raise self._conflict(call)

    # ------------------------------------------------------------------ deletion
    def _delete_options(self, call: Call) -> dict:
        """DeleteOptions from the body and the query, checked as upstream's ``ValidateDeleteOptions``."""
        options: dict = {}
        if call.req.obj is not None:
            options = dict(call.req.obj)
        elif call.req.body and call.req.body.strip():
            options = codec.decode(call.req.body, call.req.content_type, "DeleteOptions")
            if not isinstance(options, dict):
                raise errors.bad_request("DeleteOptions must be an object")
        q = call.req.query
        if "gracePeriodSeconds" in q:
            options["gracePeriodSeconds"] = _int_param(q, "gracePeriodSeconds")
        if "propagationPolicy" in q:
            options["propagationPolicy"] = q["propagationPolicy"]
        if q.get("orphanDependents") in ("true", "false"):
            options["orphanDependents"] = q["orphanDependents"] == "true"
        policy = options.get("propagationPolicy")
        causes = []
        if options.get("orphanDependents") is not None and policy is not None:
            causes.append({"reason": "FieldValueInvalid", "field": "propagationPolicy",
                           "message": f'Invalid value: "{policy}": orphanDependents and deletionPropagation '
                                      f'cannot be both set'})
        if policy not in (None, "Orphan", "Background", "Foreground"):
            causes.append({"reason": "FieldValueNotSupported", "field": "propagationPolicy",
                           "message": f'Unsupported value: "{policy}": supported values: "Foreground", '
                                      f'"Background", "Orphan", "nil"'})
        if causes:
            raise errors.invalid("DeleteOptions", "meta.k8s.io", "", causes)
        grace = options.get("gracePeriodSeconds")
        if grace is not None and grace < 0:
            options["gracePeriodSeconds"] = 1  # as upstream: a negative grace period means one second
        return options

    def _delete(self, call: Call) -> APIResponse:
        options = self._delete_options(call)
        return self._delete_one(call, call.info.name, options)

    def _delete_one(self, call: Call, name: str, options: dict) -> APIResponse:
        """Upstream's ``Store.Delete``: check preconditions, then either delete now, write the
        object marked for deletion (graceful pods, finalizers), or — when its deletion is
        already under way and nothing changes — answer with it and write nothing."""
        rt = call.rt
        key = self._key(call, name)
        for _ in range(16):
            try:
                old = self.store.get(key)
            except KeyNotFoundError:
                raise self._not_found(call, name) from None
            _check_delete_preconditions(rt, old, options.get("preconditions") or {})
            self._admit_and_validate(call, DELETE, None, old)
            updated = self._deletion_update(call, old, options)
            if updated is old:  # deletion already under way and nothing new asked: write nothing
                call.record.passed(STORAGE, ["etcd"])
                return APIResponse(200, self._type_meta(rt, old))
            if call.dry_run:  # the answer the real request would get, without the write
                return APIResponse(200, self._type_meta(rt, updated)) if updated else self._deleted(rt, old)
            revision = int(old["metadata"]["resourceVersion"])
            try:
                if updated is not None:
                    stored = self.store.update(key, updated, revision)
                    self._record_write(call, int(stored["metadata"]["resourceVersion"]))
                    return APIResponse(200, self._type_meta(rt, stored))
                stored = self.store.delete(key, revision)
            except RevisionConflictError:
                continue  # re-read: the preconditions are checked again against the new state
            except KeyNotFoundError:
                raise self._not_found(call, name) from None
            self._record_write(call, int(stored["metadata"]["resourceVersion"]))
            return self._deleted(rt, stored)
        raise self._conflict(call, name)

    def _deleted(self, rt: ResourceType, obj: dict) -> APIResponse:
        """What a completed delete answers: the object for pods (upstream's ReturnDeletedObject),
        else a Success Status naming it (``kind`` holds the resource, as upstream)."""
        if rt.kind in RETURNS_DELETED_OBJECT:
            return APIResponse(200, self._type_meta(rt, obj))
        details = {"name": obj["metadata"]["name"], "kind": rt.name, "uid": obj["metadata"].get("uid")}
        if rt.group:
            details["group"] = rt.group
        return APIResponse(200, errors.status_body(200, "", "", details, status="Success"))

    def _deletion_update(self, call: Call, old: dict, options: dict) -> dict | None:
        """The object to write instead of deleting; ``None`` to delete now; ``old`` itself when
        the deletion is already under way and this request changes nothing.

        As upstream's ``BeforeDelete`` and ``updateForGracefulDeletionAndFinalizers``: a pod
        bound to a node is deleted gracefully (``deletionTimestamp`` = now + grace period; a
        later delete may only shorten it), and an object holding finalizers is only marked
        (``deletionTimestamp``, grace 0) until the last finalizer is removed by an update.
        Marking bumps ``generation``, so controllers see that something changed. A namespace
        with content turns ``Terminating`` and goes once it is empty (what the namespace
        controller's finalizer achieves upstream)."""
        rt = call.rt
        new = deep_copy(old)
        meta = new["metadata"]
        now = self.clock()
        if rt.kind == "Namespace":
            if not self._namespace_has_content(meta["name"]):
                return None
            meta.setdefault("deletionTimestamp", rfc3339(now))
            new.setdefault("status", {})["phase"] = "Terminating"
            return new if new != old else old
        graceful = False
        if rt.kind == "Pod":
            pending = meta.get("deletionGracePeriodSeconds")
            grace = options.get("gracePeriodSeconds")
            if meta.get("deletionTimestamp") and pending:
                if grace is None or grace >= pending:
                    return old  # graceful deletion already pending; only a shorter grace changes it
                start = parse_time(meta["deletionTimestamp"]) - pending
                meta["deletionTimestamp"] = rfc3339(start + grace)
                meta["deletionGracePeriodSeconds"] = grace
                graceful = True
            elif not meta.get("deletionTimestamp"):
                grace = strategy.pod_grace_period(old, grace)
                meta["deletionTimestamp"] = rfc3339(now + grace)
                meta["deletionGracePeriodSeconds"] = grace
                _bump_generation(meta)
                graceful = True
        finalizers = self._gc_finalizers(old, options)
        if finalizers:
            meta["finalizers"] = finalizers
        else:
            meta.pop("finalizers", None)
        if not finalizers and (not graceful or meta["deletionGracePeriodSeconds"] == 0):
            return None
        if not graceful:
            # upstream's markAsDeleting
            if not meta.get("deletionTimestamp"):
                _bump_generation(meta)
            if not meta.get("deletionTimestamp") or parse_time(meta["deletionTimestamp"]) > now:
                meta["deletionTimestamp"] = rfc3339(now)
            meta["deletionGracePeriodSeconds"] = 0
        return new if new != old else old

    @staticmethod
    def _deletion_completes(rt: ResourceType, obj: dict) -> bool:
        """Upstream's ``ShouldDeleteDuringUpdate``: an update that leaves an object marked for
        deletion with no finalizer (and no graceful deletion pending) deletes it. A namespace
        also waits for ``spec.finalizers`` (the namespace controller's ``kubernetes``),
        removed through the ``finalize`` subresource."""
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp") or meta.get("finalizers") or meta.get("deletionGracePeriodSeconds"):
            return False
        return not (rt.kind == "Namespace" and (obj.get("spec") or {}).get("finalizers"))

    def _gc_finalizers(self, obj: dict, options: dict) -> list[str]:
        """The object's finalizers after upstream's ``deletionFinalizersForGarbageCollection``:
        an explicit propagation policy replaces the ``orphan`` / ``foregroundDeletion``
        finalizer; without one, the object keeps what it has.

        One difference, on purpose: the finalizer is only added when the object has
        dependents. With none, the garbage collector would remove it at once, so the result a
        client sees is upstream's whether or not a collector runs in this simulation."""
        current = list(obj["metadata"].get("finalizers") or [])
        policy = options.get("propagationPolicy")
        if options.get("orphanDependents") is not None:
            policy = "Orphan" if options["orphanDependents"] else "Background"
        if policy is None:
            return current
        kept = [f for f in current if f not in (ORPHAN_FINALIZER, FOREGROUND_FINALIZER)]
        if policy in ("Orphan", "Foreground") and self._has_dependents(obj):
            kept.append(ORPHAN_FINALIZER if policy == "Orphan" else FOREGROUND_FINALIZER)
        return kept

    def _has_dependents(self, owner: dict) -> bool:
        uid = owner["metadata"].get("uid")
        namespace = owner["metadata"].get("namespace", "")
        for rt in resources.RESOURCES:
            if rt.virtual or rt.create_only or (namespace and not rt.namespaced):
                continue
            items, _, _ = self.store.list(registry_prefix(rt.name, namespace if rt.namespaced else ""))
            if any(ref.get("uid") == uid for o in items for ref in o["metadata"].get("ownerReferences") or []):
                return True
        return False

    def _namespace_has_content(self, namespace: str) -> bool:
        for rt in resources.RESOURCES:
            if rt.namespaced and not rt.create_only:
                if self.store.list(registry_prefix(rt.name, namespace), limit=1)[0]:
                    return True
        return False

    def _delete_collection(self, call: Call) -> APIResponse:
        """Upstream's DeleteCollection: list with the request's selectors (one page if it
        set ``limit``), delete each item as a single DELETE would — skipping those someone
        else deleted first — and answer with the list as it was read."""
        options = self._delete_options(call)
        items, revision, _ = self._select(call)
        for obj in items:
            try:
                self._delete_one(call, obj["metadata"]["name"], options)
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return APIResponse(200, {"kind": call.rt.list_kind, "apiVersion": call.rt.group_version,
                                 "metadata": {"resourceVersion": str(revision)}, "items": items})

    # ------------------------------------------------------------------ subresources
    def _scale(self, call: Call) -> APIResponse:
        """The ``scale`` subresource: a Scale view of ``spec.replicas``. A PUT carrying a
        resourceVersion is conditional on it; a PATCH is re-applied to the fresh Scale when
        another writer got in first, as every patch is."""
        if call.info.verb == "get":
            return APIResponse(200, _to_scale(self._read(call)))
        if call.info.verb == "update":
            incoming = call.req.obj if call.req.obj is not None else codec.decode(
                call.req.body, call.req.content_type, "Scale")
            if not isinstance(incoming, dict):
                raise errors.bad_request("Scale must be an object")
            new_scale: Callable[[dict], dict] = lambda current: deep_copy(incoming)
        elif call.info.verb == "patch":
            new_scale = _patcher(call, "Scale")
        else:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")

        def set_replicas(current: dict) -> dict:
            obj = deep_copy(current)
            scale = new_scale(_to_scale(obj))
            replicas = (scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise errors.invalid("Scale", "autoscaling", call.info.name, [{
                    "reason": "FieldValueInvalid", "field": "spec.replicas",
                    "message": f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0"}])
            obj.setdefault("spec", {})["replicas"] = replicas
            obj["metadata"]["resourceVersion"] = (scale.get("metadata") or {}).get("resourceVersion") or ""
            return obj

        response = self._write_update(call, set_replicas, from_patch=call.info.verb == "patch")
        return APIResponse(response.code, _to_scale(response.body))

    def _binding(self, call: Call) -> APIResponse:
        """pods/binding: the scheduler's only write. Sets spec.nodeName once, and PodScheduled."""
        if call.info.verb != "create":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        binding = call.req.obj if call.req.obj is not None else codec.decode(call.req.body, call.req.content_type,
                                                                             "Binding")
        node = ((binding or {}).get("target") or {}).get("name")
        if not node:
            raise errors.invalid("Binding", "", call.info.name, [{"reason": "FieldValueRequired",
                                                                  "field": "target.name",
                                                                  "message": "Required value"}])
        name = call.info.name

        def bind(pod: dict) -> dict:
            if pod["metadata"].get("deletionTimestamp"):
                raise errors.conflict("pods/binding", "", name, f"pod {name} is being deleted, cannot be "
                                      "assigned to a host")
            current = pod.get("spec", {}).get("nodeName")
            if current:
                raise errors.conflict("pods/binding", "", name, f'pod {name} is already assigned to node '
                                      f'"{current}"')
            pod["spec"]["nodeName"] = node
            conditions = [c for c in pod.setdefault("status", {}).get("conditions", [])
                          if c.get("type") != "PodScheduled"]
            conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": rfc3339(self.clock())})
            pod["status"]["conditions"] = conditions
            return pod

        call.record.passed(MUTATING_ADMISSION, [])
        try:
            stored = guaranteed_update(self.store, self._key(call), bind)
        except KeyNotFoundError:
            raise self._not_found(call) from None
        self._record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(201, errors.status_body(201, "", "", None, status="Success"))

    # ------------------------------------------------------------------ computed kinds
    def _serve_component_statuses(self, call: Call) -> APIResponse:
        items = [{"kind": "ComponentStatus", "apiVersion": "v1", **cs} for cs in self.component_statuses()]
        call.record.passed(STORAGE, ["health probes"])
        if call.info.verb == "get":
            for cs in items:
                if cs["metadata"]["name"] == call.info.name:
                    return APIResponse(200, self._present(call, [cs]) or cs, dict(CS_DEPRECATION))
            raise self._not_found(call)
        if call.info.verb != "list":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        return APIResponse(200, self._present(call, items) or {"kind": "ComponentStatusList", "apiVersion": "v1",
                                                                "metadata": {}, "items": items}, dict(CS_DEPRECATION))

    def _review(self, call: Call) -> APIResponse:
        if call.info.verb != "create" or self.reviews is None:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        review = self._decode(call)
        call.record.passed(STORAGE, [])
        return APIResponse(201, self.reviews(call.rt.name, review, call.user))


StatusError = errors.StatusError


def _int_param(query: dict, name: str) -> int | None:
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request(f"invalid value for {name}: {value!r}") from None


def _item_key(rt: ResourceType, obj: dict) -> str:
    meta = obj["metadata"]
    return registry_key(rt.name, meta.get("namespace", "") if rt.namespaced else "", meta["name"])


def _user_agent_prefix(user_agent: str) -> str:
    """Upstream's ``prefixFromUserAgent``: up to the first ``/``, printable characters only, at
    most 128 bytes."""
    out = ""
    for char in user_agent.split("/", 1)[0]:
        if not char.isprintable():
            continue
        if len((out + char).encode()) > FIELD_MANAGER_MAX_LENGTH:
            break
        out += char
    return out


def _check_patch_options(query: dict, apply_patch: bool) -> None:
    """Upstream's ``ValidatePatchOptions``: 422 on PatchOptions before anything is read."""
    causes = []
    manager = query.get("fieldManager", "")
    if not apply_patch and "force" in query:
        causes.append({"reason": "FieldValueForbidden", "field": "force",
                       "message": "Forbidden: may not be specified for non-apply patch"})
    if apply_patch and not manager:
        causes.append({"reason": "FieldValueRequired", "field": "fieldManager",
                       "message": "Required value: is required for apply patch"})
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append({"reason": "FieldValueTooLong", "field": "fieldManager",
                       "message": f"Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes"})
    for index, char in enumerate(manager):
        if not char.isprintable():
            causes.append({"reason": "FieldValueInvalid", "field": "fieldManager",
                           "message": f"Invalid value: {json.dumps(manager)}: invalid character "
                                      f"U+{ord(char):04X} (at position {index})"})
    if causes:
        raise errors.invalid("PatchOptions", "meta.k8s.io", "", causes)


def _applied_config(call: Call) -> dict:
    """The applied configuration (YAML or JSON), checked as upstream's apply patcher does:
    an object of this endpoint's kind and version, naming the object on the URL, without
    managedFields."""
    rt = call.rt
    if call.req.obj is not None:
        config = deep_copy(call.req.obj)
    else:
        config = codec.decode(call.req.body, codec.APPLY_PATCH_TYPE, "patch")
    if not isinstance(config, dict):
        raise errors.bad_request(f"error decoding YAML: json: cannot unmarshal {type(config).__name__} into Go "
                                 "value of type map[string]interface {}")
    if config.get("apiVersion") != rt.group_version or config.get("kind") != rt.kind:
        group, _, version = str(config.get("apiVersion") or "").rpartition("/")
        raise errors.bad_request(f"invalid object type: {group}/{version}, Kind={config.get('kind') or ''}")
    meta = config.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    meta = meta or {}
    if meta.get("managedFields") is not None:
        raise errors.bad_request("metadata.managedFields must be nil")
    if (meta.get("name") or "") != call.info.name:
        raise errors.bad_request(f"the name of the object ({meta.get('name') or ''}) does not match the name on "
                                 f"the URL ({call.info.name})")
    if rt.namespaced and meta.get("namespace") not in (None, "", call.namespace):
        raise errors.bad_request(f"the namespace of the object ({meta['namespace']}) does not match the "
                                 f"namespace on the request ({call.namespace})")
    return config


def _patcher(call: Call, kind: str) -> Callable[[dict], dict]:
    """The request's patch as a function of the current object (re-applied on every retry),
    with the patch library's refusals turned into Statuses."""
    from .patch.common import PatchError, UnsupportedPatchType
    from .patch.patcher import apply_patch

    ctype = call.req.content_type
    body = call.req.obj if call.req.obj is not None else codec.decode(call.req.body, "application/json", "patch")

    def patched(target: dict) -> dict:
        try:
            return apply_patch(deep_copy(target), deep_copy(body), ctype, kind)
        except UnsupportedPatchType:
            raise errors.unsupported_media_type(ctype) from None
        except PatchError as exc:
            reason = {422: "Invalid", 500: "InternalError"}.get(exc.code, "BadRequest")
            raise errors.StatusError(exc.code, reason, exc.message) from None

    return patched


# ---------------------------------------------------------------------------- list options
#: Upstream's etcd3 store message for a continued list whose revision was compacted.
INCONSISTENT_CONTINUE = ("The provided continue parameter is too old to display a consistent list result. You can "
                         "start a new list without the continue parameter, or use the continue token in this "
                         "response to retrieve the remainder of the results. Continuing with the provided token "
                         "results in an inconsistent list - objects that were created, modified, or deleted "
                         "between the time the first chunk was returned and now may show up in the list.")


class _ExpiredContinue(StatusError):
    """410 for a continue token whose revision was compacted. As upstream, the Status
    carries a fresh token (revision -1: "continue at the latest revision") in
    ``metadata.continue``, for a client that prefers the rest of the list to a relist."""

    def __init__(self, token: str) -> None:
        super().__init__(410, "Expired", INCONSISTENT_CONTINUE)
        self.token = token

    def status(self) -> dict:
        body = super().status()
        body["metadata"] = {"continue": self.token}
        return body


def _encode_continue(revision: int, last_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": revision, "start": last_key}).encode()).decode()


def _decode_continue(token: str, prefix: str) -> tuple[str, int | None]:
    """(last key returned, revision to read at — ``None`` for "the latest")."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after_key, revision = data["start"], int(data["rv"])
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                 "(version meta.k8s.io/v1)") from None
    if not isinstance(after_key, str) or not after_key.startswith(prefix):
        raise errors.bad_request("continue key is not valid: key does not match the request")
    return after_key, (None if revision == -1 else revision)


def _validate_list_options(query: dict) -> None:
    """Upstream's ``ValidateListOptions`` for ``resourceVersionMatch`` (422 on ListOptions)."""
    match = query.get("resourceVersionMatch", "")
    if not match:
        return
    rv = query.get("resourceVersion", "")
    causes = []
    if not rv:
        causes.append(("Forbidden", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
    if query.get("continue"):
        causes.append(("Forbidden", "resourceVersionMatch is forbidden when continue is provided"))
    if match not in ("Exact", "NotOlderThan"):
        causes.append(("NotSupported", f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan", ""'))
    if match == "Exact" and rv == "0":
        causes.append(("Forbidden", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if causes:
        raise errors.invalid("ListOptions", "meta.k8s.io", "", [
            {"reason": f"FieldValue{kind}", "field": "resourceVersionMatch",
             "message": text if kind == "NotSupported" else f"{kind}: {text}"} for kind, text in causes])


def _too_large_resource_version(requested: int, current: int) -> StatusError:
    """Upstream's ``NewTooLargeResourceVersionError``: client-go's reflector recognises it by
    the ``ResourceVersionTooLarge`` cause and retries, so the cause matters more than the text."""
    return StatusError(504, "Timeout", f"Timeout: Too large resource version: {requested}, current: {current}",
                       {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                        "retryAfterSeconds": 1})


# ---------------------------------------------------------------------------- deletion helpers
def _check_delete_preconditions(rt: ResourceType, obj: dict, preconditions: dict) -> None:
    """Upstream's ``BeforeDelete`` check. Its Conflict names the *kind* (``Pod "web"``,
    ``Deployment.apps "web"``), not the resource, because that is what upstream prints."""
    meta = obj["metadata"]
    uid, rv = preconditions.get("uid"), preconditions.get("resourceVersion")
    if uid and uid != meta.get("uid"):
        raise errors.conflict(rt.kind, rt.group, meta["name"], f"the UID in the precondition ({uid}) does not "
                              f"match the UID in record ({meta.get('uid')}). The object might have been deleted "
                              f"and then recreated")
    if rv and rv != meta.get("resourceVersion"):
        raise errors.conflict(rt.kind, rt.group, meta["name"], f"the ResourceVersion in the precondition ({rv}) "
                              f"does not match the ResourceVersion in record ({meta.get('resourceVersion')}). "
                              f"The object might have been modified")


def _bump_generation(meta: dict) -> None:
    """First marking for deletion bumps a set ``generation``, as upstream does."""
    if meta.get("generation", 0) > 0:
        meta["generation"] += 1


def _to_scale(obj: dict) -> dict:
    """The autoscaling/v1 Scale of a Deployment or ReplicaSet."""
    from simulation.apimachinery.selectors import selector_to_string

    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": selector_to_string((obj.get("spec") or {}).get("selector") or {})}}
