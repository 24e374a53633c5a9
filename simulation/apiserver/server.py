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
import copy
import json
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from simulation.store import (CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError, Store,
                              guaranteed_update, registry_key, registry_prefix)

from . import codec, discovery, errors, openapi, resources, strategy, tables
from .admission import CREATE, DELETE, UPDATE, AdmissionAttributes
from .audit import (AUTHENTICATION, AUTHORIZATION, MUTATING_ADMISSION, STORAGE, VALIDATING_ADMISSION, VALIDATION,
                    AuditRecord, AuditSink)
from .authorization import ALLOW, DENY, Attributes
from .authorization.rbac import forbidden_error
from .request import APIRequest, APIResponse, RequestInfo, UserInfo, parse_path
from .resources import ResourceType

#: Kinds whose deletion returns the object itself rather than a Status (upstream's ReturnDeletedObject).
RETURNS_DELETED_OBJECT = ("Pod",)
#: Default watch length when the client gives no timeoutSeconds (upstream picks 30–60 min).
DEFAULT_WATCH_SECONDS = 1800


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
    write consults (namespaces, quotas, limit ranges, service accounts) are cached. The
    server drops a kind's cache whenever it writes that kind, so this process never sees a
    stale answer; writes by another process show up within ``ttl_seconds``.
    """

    CACHED = frozenset({"namespaces", "resourcequotas", "limitranges", "serviceaccounts"})

    def __init__(self, store: Store, ttl_seconds: float = 1.0) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, dict[str, dict]]] = {}

    @staticmethod
    def _rt(resource: str) -> ResourceType:
        for rt in resources.RESOURCES:
            if rt.name == resource:
                return rt
        raise KeyError(resource)

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
            obj = self._cached(resource).get(key)
            return copy.deepcopy(obj) if obj is not None else None
        try:
            return self.store.get(key)
        except KeyNotFoundError:
            return None

    def list(self, resource: str, namespace: str = "") -> list[dict]:
        prefix = registry_prefix(resource, namespace if self._rt(resource).namespaced else "")
        if resource in self.CACHED:
            return [copy.deepcopy(o) for k, o in self._cached(resource).items() if k.startswith(prefix)]
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
            raise errors.method_not_allowed(f"the server does not allow this method on the requested resource")
        if rt.create_only:
            return self._review(call)
        if rt.virtual:
            return self._serve_component_statuses(call)
        if info.namespace == "" and rt.namespaced and info.verb not in ("list", "watch", "deletecollection"):
            raise errors.path_not_found()
        handler = {
            "get": self._get, "list": self._list, "watch": self._watch, "create": self._create,
            "update": self._update, "patch": self._patch, "delete": self._delete,
            "deletecollection": self._delete_collection,
        }.get(info.verb)
        if handler is None:
            raise errors.method_not_allowed(f"the server does not allow this method on the requested resource")
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
            obj = copy.deepcopy(call.req.obj)
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
        ran: list[str] = []
        for plugin in self.mutating:
            if not plugin.handles(attrs):
                continue
            ran.append(plugin.name)
            try:
                plugin.admit(attrs)
            except StatusError as exc:
                exc.plugin = exc.plugin or plugin.name
                call.record.rejected(MUTATING_ADMISSION, ran, plugin.name, exc.message)
                raise
        call.record.passed(MUTATING_ADMISSION, ran)
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
        ran = []
        for plugin in self.validating:
            if not plugin.handles(attrs):
                continue
            ran.append(plugin.name)
            try:
                plugin.validate(attrs)
            except StatusError as exc:
                exc.plugin = exc.plugin or plugin.name
                call.record.rejected(VALIDATING_ADMISSION, ran, plugin.name, exc.message)
                raise
        call.record.passed(VALIDATING_ADMISSION, ran)

    # ------------------------------------------------------------------ reads
    def _get(self, call: Call) -> APIResponse:
        if call.info.subresource not in ("", "status"):
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        obj = self._read(call)
        call.record.passed(STORAGE, ["etcd"])
        return APIResponse(200, self._present(call, [self._type_meta(call.rt, obj)]) or obj)

    def _matcher(self, call: Call) -> Callable[[dict], bool]:
        from .selectors import check_field_selector, parse_field_selector, parse_label_selector

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
        """List with selectors, ``limit`` and ``continue``, as upstream pages: the continue
        token remembers the revision and the last key, and expires with compaction."""
        q = call.req.query
        matches = self._matcher(call)
        prefix = registry_prefix(call.rt.name, call.namespace)
        limit = _int_param(q, "limit")
        after_key = None
        min_revision = None
        if q.get("continue"):
            try:
                token = json.loads(base64.urlsafe_b64decode(q["continue"].encode()))
                after_key, min_revision = token["start"], int(token["rv"])
            except (ValueError, KeyError, TypeError):
                raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                         "(version meta.k8s.io/v1)") from None
            if not after_key.startswith(prefix):
                raise errors.bad_request("continue key is not valid: key does not match the request")
            if min_revision < self.store.compacted_revision():
                raise errors.gone("The provided continue parameter is too old to display a consistent list "
                                  "result. You can start a new list without the continue parameter, or use the "
                                  "continue token in this response to retrieve the remainder of the results. "
                                  "Continuing with the provided token results in an inconsistent list - objects "
                                  "that were created, modified, or deleted between the time the first chunk was "
                                  "returned and now may show up in the list.")
        rv = q.get("resourceVersion", "")
        if rv and rv != "0" and q.get("resourceVersionMatch") == "Exact":
            return self._list_exact(call, prefix, int(rv), matches), int(rv), None
        if rv and rv != "0" and not rv.isdigit():
            raise errors.bad_request(f"invalid resource version: {rv}")
        if rv and rv != "0" and int(rv) > self.store.current_revision():
            raise errors.StatusError(504, "Timeout", f"Too large resource version: {rv}, current: "
                                     f"{self.store.current_revision()}")
        out: list[dict] = []
        revision = 0
        while True:
            chunk = None if limit is None else max(limit - len(out), 1) * 2
            items, revision, last = self.store.list(prefix, after_key=after_key, limit=chunk,
                                                    min_revision=min_revision)
            for index, obj in enumerate(items):
                after_key = _item_key(call.rt, obj)
                if matches(obj):
                    out.append(self._type_meta(call.rt, obj))
                if limit is not None and len(out) >= limit:
                    if last is None and index == len(items) - 1:
                        return out, revision, None
                    token = {"rv": min_revision or revision, "start": after_key}
                    return out, revision, base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
            if last is None:
                return out, revision, None

    def _list_exact(self, call: Call, prefix: str, revision: int, matches: Callable[[dict], bool]) -> list[dict]:
        """The list as it was at ``revision``: roll the current state back through the log."""
        items, _, _ = self.store.list(prefix)
        state = {_item_key(call.rt, o): o for o in items}
        try:
            events = self.store.events_since(revision, prefix)
        except CompactedError as exc:
            raise errors.gone(f"too old resource version: {exc.requested} ({exc.compacted})") from None
        for ev in reversed(events):
            if ev.prev_object is None:
                state.pop(ev.key, None)
            else:
                state[ev.key] = ev.prev_object
        call.record.passed(STORAGE, ["etcd"])
        return [self._type_meta(call.rt, state[k]) for k in sorted(state) if matches(state[k])]

    def _watch(self, call: Call) -> APIResponse:
        from .watch import Watcher

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
            include = q.get("includeObject", "Metadata")
            convert_event = (lambda e: tables.table_row_event(e, rt, self.clock(), include))
        watcher = Watcher(self.store, prefix, matches, start_revision=revision, initial=initial,
                          timeout_seconds=timeout or DEFAULT_WATCH_SECONDS, bookmarks=call.req.flag(
                              "allowWatchBookmarks"), type_meta={"kind": rt.kind, "apiVersion": rt.group_version},
                          now=time.monotonic, convert=lambda o: self._type_meta(rt, o), convert_event=convert_event)
        return APIResponse(200, None, watcher=watcher)

    # ------------------------------------------------------------------ writes
    def _create(self, call: Call) -> APIResponse:
        rt = call.rt
        if call.info.name and call.info.subresource == "":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        obj = self._decode(call)
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
        self._admit_and_validate(call, CREATE, obj, None,
                                 prepare=lambda: strategy.prepare_create(rt, obj, self.clock(), self.rng))
        if call.dry_run:
            return APIResponse(201, obj)
        try:
            stored = self.store.create(self._key(call, name), obj)
        except KeyExistsError:
            raise errors.already_exists(rt.name, rt.group, name) from None
        self._record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(201, stored)

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
        return self._write_update(call, lambda old: obj)

    def _patch(self, call: Call) -> APIResponse:
        from .patch import PatchError, UnsupportedPatchType, apply_patch

        ctype = call.req.content_type
        if ctype == codec.APPLY_PATCH_TYPE or ctype not in codec.PATCH_TYPES:
            raise errors.unsupported_media_type(ctype)
        patch_body = call.req.obj if call.req.obj is not None else codec.decode(call.req.body, "application/json",
                                                                                "patch")

        def patched(old: dict) -> dict:
            try:
                return apply_patch(old, copy.deepcopy(patch_body), ctype, call.rt.kind)
            except UnsupportedPatchType:
                raise errors.unsupported_media_type(ctype) from None
            except PatchError as exc:
                raise errors.StatusError(exc.code, {422: "Invalid", 500: "InternalError"}.get(exc.code, "BadRequest"),
                                         exc.message) from None

        return self._write_update(call, patched, from_patch=True)

    def _write_update(self, call: Call, make: Callable[[dict], dict], from_patch: bool = False) -> APIResponse:
        """GuaranteedUpdate: read, build the new object, admit, validate, compare-and-set.

        A caller that named a resourceVersion gets 409 if it is stale; one that did not
        (an unconditional update, or a patch) is retried against the fresh object."""
        rt = call.rt
        sub = call.info.subresource
        for _ in range(16):
            old = self._read(call)
            old_rv = old["metadata"]["resourceVersion"]
            new = make(copy.deepcopy(old))
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.bad_request("the patched object is not a valid object")
            self._type_meta(rt, new)
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
            if rt.namespaced:
                new["metadata"]["namespace"] = old["metadata"]["namespace"]
            self._apply_defaults(rt, new)
            strategy.prepare_update(rt, new, old, sub)
            if new == {**old, "apiVersion": rt.group_version, "kind": rt.kind}:
                call.record.passed(STORAGE, ["etcd"])
                return APIResponse(200, self._type_meta(rt, old))
            self._admit_and_validate(call, UPDATE, new, old, sub)
            if call.dry_run:
                return APIResponse(200, new)
            meta = new["metadata"]
            try:
                if meta.get("deletionTimestamp") and not meta.get("finalizers") and \
                        not meta.get("deletionGracePeriodSeconds"):
                    # The last finalizer is gone: the object's deletion completes now.
                    stored = self.store.delete(self._key(call), int(old_rv))
                else:
                    stored = self.store.update(self._key(call), new, int(old_rv))
            except RevisionConflictError:
                if wanted_rv:
                    raise self._conflict(call) from None
                continue
            except KeyNotFoundError:
                raise self._not_found(call) from None
            self._record_write(call, int(stored["metadata"]["resourceVersion"]))
            return APIResponse(200, self._type_meta(rt, stored))
        raise self._conflict(call)

    # ------------------------------------------------------------------ deletion
    def _delete_options(self, call: Call) -> dict:
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
        if policy not in (None, "Orphan", "Background", "Foreground"):
            raise errors.invalid("DeleteOptions", "", "", [{
                "reason": "FieldValueNotSupported", "field": "propagationPolicy",
                "message": f'Unsupported value: "{policy}": supported values: "Foreground", "Background", '
                           f'"Orphan", "nil"'}])
        return options

    def _delete(self, call: Call) -> APIResponse:
        options = self._delete_options(call)
        return self._delete_one(call, call.info.name, options)

    def _delete_one(self, call: Call, name: str, options: dict) -> APIResponse:
        rt = call.rt
        key = self._key(call, name)
        for _ in range(16):
            try:
                old = self.store.get(key)
            except KeyNotFoundError:
                raise self._not_found(call, name) from None
            meta = old["metadata"]
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != meta.get("uid"):
                raise errors.conflict(rt.name, rt.group, name, f"Precondition failed: UID in precondition: "
                                      f"{pre['uid']}, UID in object meta: {meta.get('uid')}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
                raise errors.conflict(rt.name, rt.group, name, f"the ResourceVersion in the precondition "
                                      f"({pre['resourceVersion']}) does not match the ResourceVersion in record "
                                      f"({meta['resourceVersion']}). The object might have been modified")
            self._admit_and_validate(call, DELETE, None, old)
            updated = self._deletion_update(call, old, options)
            if call.dry_run:
                return APIResponse(200, updated or old)
            try:
                if updated is not None:
                    stored = self.store.update(key, updated, int(meta["resourceVersion"]))
                    self._record_write(call, int(stored["metadata"]["resourceVersion"]))
                    return APIResponse(200 if rt.kind != "Namespace" else 200, self._type_meta(rt, stored))
                stored = self.store.delete(key, int(meta["resourceVersion"]))
            except RevisionConflictError:
                if pre.get("resourceVersion"):
                    raise self._conflict(call, name) from None
                continue
            except KeyNotFoundError:
                raise self._not_found(call, name) from None
            self._record_write(call, int(stored["metadata"]["resourceVersion"]))
            if rt.kind in RETURNS_DELETED_OBJECT:
                return APIResponse(200, self._type_meta(rt, stored))
            details = {"name": name, "kind": rt.name, "uid": meta.get("uid")}
            if rt.group:
                details["group"] = rt.group
            return APIResponse(200, errors.status_body(200, "", "", details, status="Success"))
        raise self._conflict(call, name)

    def _deletion_update(self, call: Call, old: dict, options: dict) -> dict | None:
        """The object to write instead of deleting, or None to delete now.

        Graceful pods and objects held by finalizers get a ``deletionTimestamp`` and stay
        until their owner of the job (the kubelet, a controller) finishes. Orphan and
        Foreground propagation add the garbage collector's finalizer, but only when the
        object has dependents: with none, the collector would remove it at once, so the
        visible result is upstream's whether or not a collector runs."""
        rt = call.rt
        new = copy.deepcopy(old)
        meta = new["metadata"]
        now = self.clock()
        finalizers = list(meta.get("finalizers") or [])
        policy = options.get("propagationPolicy")
        if options.get("orphanDependents") is True:
            policy = "Orphan"
        if policy in ("Orphan", "Foreground") and self._has_dependents(old):
            marker = "orphan" if policy == "Orphan" else "foregroundDeletion"
            if marker not in finalizers:
                finalizers.append(marker)
        if rt.kind == "Namespace":
            if meta.get("deletionTimestamp"):
                return None if not self._namespace_has_content(meta["name"]) else old
            if self._namespace_has_content(meta["name"]):
                meta["deletionTimestamp"] = strategy.rfc3339(now)
                new.setdefault("status", {})["phase"] = "Terminating"
                return new
        if rt.kind == "Pod":
            grace = options.get("gracePeriodSeconds")
            if grace is None:
                grace = old.get("spec", {}).get("terminationGracePeriodSeconds", 30)
            phase = old.get("status", {}).get("phase")
            if not old.get("spec", {}).get("nodeName") or phase in ("Succeeded", "Failed"):
                grace = 0
            current = meta.get("deletionGracePeriodSeconds")
            if grace > 0 and (current is None or grace < current):
                meta["deletionTimestamp"] = strategy.rfc3339(now + grace)
                meta["deletionGracePeriodSeconds"] = grace
                meta["finalizers"] = finalizers or meta.get("finalizers")
                if not meta["finalizers"]:
                    meta.pop("finalizers")
                return new
            if grace > 0 and current is not None:
                return old
            if grace == 0:
                meta["deletionGracePeriodSeconds"] = 0
        if finalizers:
            meta["finalizers"] = finalizers
            meta.setdefault("deletionTimestamp", strategy.rfc3339(now))
            meta["deletionGracePeriodSeconds"] = 0
            return new if new != old else old
        return None

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
        options = self._delete_options(call)
        items, revision, _ = self._select(call)
        deleted = []
        for obj in items:
            try:
                resp = self._delete_one(call, obj["metadata"]["name"], options)
            except StatusError as exc:
                if exc.code == 404:
                    continue
                raise
            deleted.append(resp.body if resp.body.get("kind") != "Status" else obj)
        return APIResponse(200, {"kind": call.rt.list_kind, "apiVersion": call.rt.group_version,
                                 "metadata": {"resourceVersion": str(self.store.current_revision())},
                                 "items": deleted})

    # ------------------------------------------------------------------ subresources
    def _scale(self, call: Call) -> APIResponse:
        rt = call.rt

        def to_scale(obj: dict) -> dict:
            from .selectors import selector_to_string

            meta = obj["metadata"]
            return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                      "creationTimestamp") if k in meta},
                    "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
                    "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                               "selector": selector_to_string(obj.get("spec", {}).get("selector") or {})}}

        if call.info.verb == "get":
            return APIResponse(200, to_scale(self._read(call)))
        if call.info.verb == "update":
            incoming = call.req.obj if call.req.obj is not None else codec.decode(
                call.req.body, call.req.content_type, "Scale")
        elif call.info.verb == "patch":
            from .patch import PatchError, UnsupportedPatchType, apply_patch

            body = call.req.obj if call.req.obj is not None else codec.decode(call.req.body, "application/json",
                                                                              "patch")
            try:
                incoming = apply_patch(to_scale(self._read(call)), body, call.req.content_type, "Scale")
            except (PatchError, UnsupportedPatchType) as exc:
                raise errors.bad_request(str(exc)) from None
        else:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        replicas = (incoming.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid("Scale", "autoscaling", call.info.name, [{
                "reason": "FieldValueInvalid", "field": "spec.replicas",
                "message": f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0"}])
        wanted_rv = (incoming.get("metadata") or {}).get("resourceVersion")

        def set_replicas(old: dict) -> dict:
            new = old
            new.setdefault("spec", {})["replicas"] = replicas
            if wanted_rv:
                new["metadata"]["resourceVersion"] = wanted_rv
            return new

        sub_call = Call(call.req, RequestInfo(**{**call.info.__dict__, "subresource": "scale"}), call.user,
                        call.record, rt)
        response = self._write_update(sub_call, set_replicas)
        return APIResponse(response.code, to_scale(response.body))

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
                               "lastTransitionTime": strategy.rfc3339(self.clock())})
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
                    return APIResponse(200, self._present(call, [cs]) or cs)
            raise self._not_found(call)
        if call.info.verb != "list":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        return APIResponse(200, self._present(call, items) or {"kind": "ComponentStatusList", "apiVersion": "v1",
                                                                "metadata": {}, "items": items})

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

