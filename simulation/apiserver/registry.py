"""The generic registry: what upstream's ``genericregistry.Store`` does for every kind — get,
create, update, patch (server-side apply too), delete with graceful deletion and finalizers,
deletecollection — over the store the API server owns.

Every write that replaces what is stored goes through the store's one
:func:`~simulation.store.guaranteed_update`: read, decide, compare-and-set with the revision
read; a lost race decides again on the fresh object. Deciding includes admission and
validation (:meth:`APIServer.admit_and_validate`), so a retried write is admitted against
what it finally replaces, as upstream's ``tryUpdate`` is. A decision is the object to write
(or ``DELETE``, or nothing) and how to answer once that write stands.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import rfc3339
from simulation.store import (DELETE, Deletion, KeyExistsError, KeyNotFoundError, RevisionConflictError,
                              guaranteed_update)

from . import (admission, apply, codec, deletion, errors, fieldvalidation, ipallocator, managedfields,
               portallocator, strategy)
from .audit import STORAGE
from .defaults import apply_defaults
from .errors import StatusError
from .patch.common import PatchError, UnsupportedPatchType
from .patch.patcher import apply_patch
from .request import APIResponse
from .validation.field import go_quote

if TYPE_CHECKING:
    from .server import APIServer, Call

#: Upstream's ``FieldManagerMaxLength``.
FIELD_MANAGER_MAX_LENGTH = 128
DRY_RUN_ALL = "All"
#: ``allowedFieldValidationValues``, sorted as upstream lists them.
FIELD_VALIDATION_VALUES = ("", "Ignore", "Strict", "Warn")

#: How a write is answered once it stands: it gets what the store returned (the object
#: written; when nothing was written, the object read, if any).
Answer = Callable[[dict | None], APIResponse]


class Registry:
    """The verbs on stored objects (all but list and watch), for every served kind."""

    def __init__(self, server: APIServer) -> None:
        self.server = server

    # ------------------------------------------------------------------ reads
    def get(self, call: Call) -> APIResponse:
        if call.info.subresource not in ("", "status"):
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        obj = call.type_meta(self.read(call))
        call.record.passed(STORAGE, ["etcd"])
        return APIResponse(200, call.present([obj], self.server.clock) or obj)

    def read(self, call: Call) -> dict:
        try:
            return self.server.store.get(call.key())
        except KeyNotFoundError:
            raise call.not_found() from None

    # ------------------------------------------------------------------ create
    def create(self, call: Call) -> APIResponse:
        rt = call.rt
        check_options(call.req.query, "CreateOptions")
        obj, name, warnings = self._admit_create(call, call.decode(), track=True)
        key = call.key(name)
        if call.dry_run:
            # As upstream's DryRunnableStorage: everything but the write, including its refusal.
            try:
                self.server.store.get(key)
            except KeyNotFoundError:
                return APIResponse(201, obj, warnings)
            raise errors.already_exists(rt.name, rt.group, name)
        try:
            stored = self.server.store.create(key, call.internal(obj))
        except KeyExistsError:
            raise errors.already_exists(rt.name, rt.group, name) from None
        return self._created(call, stored, warnings)

    def _admit_create(self, call: Call, obj: dict, track: bool) -> tuple[dict, str, dict]:
        """Everything a create does before its write (upstream's ``BeforeCreate`` and the
        admission around it): the object to store, its name, and field validation's warnings.
        ``track=False`` for an apply, which has recorded the object's managedFields already."""
        rt = call.rt
        codec.as_typed(obj, rt.kind, rt.group_version)
        warnings = fieldvalidation.check(rt, obj, call.req.query.get("fieldValidation", ""))
        meta = obj["metadata"]
        if track and meta.get("resourceVersion") not in (None, "", "0"):
            # upstream's storage refuses it (as a 500); the message is its own
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != call.namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            meta["namespace"] = call.namespace
        else:
            meta.pop("namespace", None)
        name = strategy.name_for_create(obj, self.server.rng)
        call.record.name = name  # as upstream's audit objectRef: the name the create chose
        apply_defaults(rt, obj)
        if track:
            obj = apply.record_update(None, obj, self._writer(call), *_field_types(call))
        self.server.admit_and_validate(call, admission.CREATE, obj, None, prepare=lambda: self._prepare_create(rt, obj))
        return obj, name, warnings

    def _prepare_create(self, rt: ResourceType, obj: dict) -> None:
        strategy.prepare_create(rt, obj, self.server.clock(), self.server.rng)
        if rt.kind == "Service":
            services = self.server.reader.list("services")
            ipallocator.assign_cluster_ip(obj, services, self.server.rng)
            portallocator.assign_node_ports(obj, services, self.server.rng)

    def _created(self, call: Call, stored: dict, warnings: dict) -> APIResponse:
        self.record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(201, call.type_meta(stored), warnings)

    # ------------------------------------------------------------------ update, patch, apply
    def update(self, call: Call) -> APIResponse:
        check_options(call.req.query, "UpdateOptions")
        obj = call.decode()
        name = obj["metadata"].get("name") or ""
        if name != call.info.name:
            raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL "
                                     f"({call.info.name})")
        if call.rt.namespaced and obj["metadata"].get("namespace") not in (None, "", call.namespace):
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                     "on the request")
        first = [obj]

        def make(old: dict) -> dict:
            # A try changes the object it gets: the first gets the one decoded above, a retry
            # after a lost race decodes the body again (a copy up front is wasted on most writes).
            return first.pop() if first else call.decode()

        return self.update_with(call, make)

    def patch(self, call: Call) -> APIResponse:
        ctype = call.req.content_type
        check_options(call.req.query, "PatchOptions", ctype)
        if ctype == codec.APPLY_PATCH_TYPE and not call.info.subresource:
            return self._apply(call)
        if ctype not in codec.PATCH_TYPES:
            raise errors.unsupported_media_type(ctype)
        return self.update_with(call, patcher(call, call.rt.kind), from_patch=True)

    def update_with(self, call: Call, make: Callable[[dict], dict], from_patch: bool = False) -> APIResponse:
        """Upstream's ``Store.Update``: the stored object, rebuilt by ``make``, admitted,
        validated and written back on the revision it was read at.

        ``make`` gets the stored object and returns a new one without changing its argument
        (only a patch needs a copy of it, so copying is left to the patch).

        A caller that named a resourceVersion gets 409 if it is stale; one that did not
        (an unconditional update, or a patch) is retried against the fresh object."""
        return self._guaranteed_update(call, call.info.name,
                                       self._updater(call, make, from_patch=from_patch, track=True))

    def _updater(self, call: Call, make: Callable[[dict], dict], *, from_patch: bool,
                 track: bool) -> Callable[[dict], tuple[dict | Deletion | None, Answer]]:
        """The ``tryUpdate`` of :meth:`update_with` (and of an apply that finds its object)."""
        rt = call.rt
        sub = call.info.subresource

        def try_update(stored: dict) -> tuple[dict | Deletion | None, Answer]:
            old = call.external(stored)
            old_rv = old["metadata"]["resourceVersion"]
            new = make(old)
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.bad_request("the patched object is not a valid object")
            call.type_meta(new)
            codec.as_typed(new, rt.kind, rt.group_version)
            warnings = fieldvalidation.check(rt, new, call.req.query.get("fieldValidation", ""), old)
            wanted_rv = new["metadata"].get("resourceVersion") or ""
            if from_patch and wanted_rv == old_rv:
                wanted_rv = ""
            if wanted_rv and wanted_rv != old_rv:
                raise call.conflict()
            if new["metadata"].get("uid") and new["metadata"]["uid"] != old["metadata"].get("uid"):
                raise errors.conflict(rt.name, rt.group, call.info.name,
                                      f"Precondition failed: UID in precondition: {new['metadata']['uid']}, "
                                      f"UID in object meta: {old['metadata'].get('uid')}")
            if from_patch:
                _check_name(new, call)
            new["metadata"]["name"] = old["metadata"]["name"]
            new["metadata"]["resourceVersion"] = old_rv  # the store stamps the new one; this makes no-ops equal
            if rt.namespaced:
                new["metadata"]["namespace"] = old["metadata"]["namespace"]
            apply_defaults(rt, new)
            strategy.prepare_update(rt, new, old, sub)
            if rt.kind == "Service" and not sub:  # changed to NodePort: its ports get theirs
                portallocator.assign_node_ports(new, self.server.reader.list("services"), self.server.rng)
            if track:
                new = apply.record_update(old, new, self._writer(call), *_field_types(call))
            if new == {**old, "apiVersion": rt.group_version, "kind": rt.kind}:
                return None, lambda _: self._unchanged(call, stored)
            self.server.admit_and_validate(call, admission.UPDATE, new, old, sub)
            if call.dry_run:
                return None, lambda _: APIResponse(200, new)
            if deletion.should_delete_during_update(rt, new):
                # The last finalizer is gone: the object's deletion completes now. As
                # upstream, the caller gets the object it sent (without finalizers),
                # stamped with the revision of the deletion.
                def answer_deleted(deleted: dict | None) -> APIResponse:
                    new["metadata"]["resourceVersion"] = deleted["metadata"]["resourceVersion"]
                    return self._written(call, call.internal(new), warnings)
                return DELETE, answer_deleted
            return call.internal(new), lambda written: self._written(call, written, warnings)

        return try_update

    def _apply(self, call: Call) -> APIResponse:
        """Server-side apply: update the object with the applied configuration if it exists
        (200), create it from the configuration if not (201)."""
        rt = call.rt
        config = _applied_config(call)
        force = call.req.flag("force")
        writer = self._writer(call)
        typ, ignored = _field_types(call)

        def applied(live: dict | None) -> dict:
            try:
                return apply.apply(live, config, writer, force, typ, ignored)
            except apply.ApplyConflict as exc:
                raise errors.StatusError(409, "Conflict", exc.message, {"causes": exc.causes()}) from None
            except managedfields.FieldSetError as exc:
                # Upstream lets this through as a plain error (a 500 with no reason, which it logs
                # as "not a metav1.Status"); the configuration is the client's mistake: 400.
                group, _, version = rt.group_version.rpartition("/")
                raise errors.bad_request(f"failed to create typed patch object ({call.namespace}/{call.info.name}; "
                                         f"{group}/{version}, Kind={rt.kind}): {exc}") from None

        def try_create() -> tuple[dict | None, Answer]:
            obj = applied(None)
            meta = obj.setdefault("metadata", {})
            if meta.get("uid"):
                raise errors.conflict(rt.name, rt.group, call.info.name, f"uid mismatch: the provided object "
                                      f"specified uid {meta['uid']}, and no existing object was found")
            obj, _, warnings = self._admit_create(call, obj, track=False)
            if call.dry_run:
                return None, lambda _: APIResponse(201, obj, warnings)
            return call.internal(obj), lambda stored: self._created(call, stored, warnings)

        return self._guaranteed_update(call, call.info.name,
                                       self._updater(call, applied, from_patch=True, track=False), try_create)

    def _writer(self, call: Call) -> apply.Writer:
        """Who this write is recorded for: the ``fieldManager`` parameter or, as upstream's
        ``managerOrUserAgent``, the User-Agent up to its first ``/`` (``kubectl``, ``python``)."""
        manager = call.req.query.get("fieldManager") or _user_agent_prefix(call.req.header("user-agent"))
        return apply.Writer(manager, call.rt.group_version, call.info.subresource, rfc3339(self.server.clock()))

    # ------------------------------------------------------------------ delete
    def delete(self, call: Call) -> APIResponse:
        return self._delete_one(call, call.info.name, deletion.delete_options(call))

    def delete_collection(self, call: Call) -> APIResponse:
        """Upstream's DeleteCollection: list with the request's selectors (one page if it
        set ``limit``), delete each item as a single DELETE would — skipping those someone
        else deleted first — and answer with the list as it was read."""
        options = deletion.delete_options(call)
        items, revision, _ = self.server.listwatch.select(call)
        for obj in items:
            try:
                self._delete_one(call, obj["metadata"]["name"], options)
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return APIResponse(200, {"kind": call.rt.list_kind, "apiVersion": call.rt.group_version,
                                 "metadata": {"resourceVersion": str(revision)},
                                 "items": [call.external(o) for o in items]})

    def _delete_one(self, call: Call, name: str, options: dict) -> APIResponse:
        """Upstream's ``Store.Delete``: check preconditions, then either delete now, write the
        object marked for deletion (graceful pods, finalizers), or — when its deletion is
        already under way and nothing changes — answer with it and write nothing. A lost race
        checks the preconditions again against the new state."""
        rt = call.rt

        def try_delete(old: dict) -> tuple[dict | Deletion | None, Answer]:
            deletion.check_delete_preconditions(rt, old, options.get("preconditions") or {})
            self.server.admit_and_validate(call, admission.DELETE, None, old)
            updated = deletion.update_for_deletion(self.server.store, rt, old, options, self.server.clock())
            if updated is old:  # deletion already under way and nothing new asked: write nothing
                return None, lambda _: self._unchanged(call, old)
            if call.dry_run:  # the answer the real request would get, without the write
                dry_run = APIResponse(200, call.type_meta(updated)) if updated else self._deleted(call, old)
                return None, lambda _: dry_run
            if updated is None:
                return DELETE, lambda deleted: self._record_deleted(call, deleted)
            return updated, lambda stored: self._written(call, stored)

        return self._guaranteed_update(call, name, try_delete)

    def _record_deleted(self, call: Call, deleted: dict) -> APIResponse:
        self.record_write(call, int(deleted["metadata"]["resourceVersion"]))
        return self._deleted(call, deleted)

    def _deleted(self, call: Call, obj: dict) -> APIResponse:
        """What a completed delete answers: the object for pods (upstream's ReturnDeletedObject),
        else a Success Status naming it (``kind`` holds the resource, as upstream)."""
        rt = call.rt
        if rt.kind in deletion.RETURNS_DELETED_OBJECT:
            return APIResponse(200, call.type_meta(obj))
        details = {"name": obj["metadata"]["name"], "kind": rt.name, "uid": obj["metadata"].get("uid")}
        if rt.group:
            details["group"] = rt.group
        return APIResponse(200, errors.status_body(200, "", "", details, status="Success"))

    # ------------------------------------------------------------------ writing
    def _guaranteed_update(self, call: Call, name: str,
                           try_update: Callable[[dict], tuple[dict | Deletion | None, Answer]],
                           try_create: Callable[[], tuple[dict | None, Answer]] | None = None) -> APIResponse:
        """The store's GuaranteedUpdate of the object ``name``, answered as its last try decided
        (earlier tries lost the race and decided nothing): 404 when the object is not there
        (and nothing is to be created), 409 when the race was lost every time."""
        answers: list[Answer] = []
        key = call.key(name)
        store = self.server.store
        # The object as the store last wrote it, without a read (upstream's cacher hands its
        # object to GuaranteedUpdate the same way). A dry run reads, as upstream's does.
        cached = None if call.dry_run else store.cached(key)
        #: The audit record as it was before a try on ``cached`` that was later taken back.
        marks: list[tuple[int, str, str]] = []

        def update(current: dict) -> dict | Deletion | None:
            if marks:  # the try on the cached object did not stand: its stages never happened
                call.record.rewind(marks.pop())
            if current is cached:
                marks.append(call.record.mark())
            write, answer = try_update(current)
            answers.append(answer)
            return write

        def create() -> dict | None:
            if marks:
                call.record.rewind(marks.pop())
            write, answer = try_create()
            answers.append(answer)
            return write

        try:
            try:
                result = guaranteed_update(store, key, update, try_create=create if try_create else None,
                                           cached=cached)
            except BaseException:
                # The try on the cached object was overtaken by another answer (the object is
                # gone): take back what that try recorded.
                if marks:
                    call.record.rewind(marks.pop())
                raise
        except KeyNotFoundError:
            raise call.not_found(name) from None
        except RevisionConflictError as exc:
            if exc.key != key:  # an update admission made (a quota's usage) gave up: not this object's race
                raise
            raise call.conflict(name) from None
        return answers[-1](result)

    def _written(self, call: Call, stored: dict, warnings: dict | None = None) -> APIResponse:
        self.record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(200, call.type_meta(stored), warnings or {})

    @staticmethod
    def _unchanged(call: Call, old: dict) -> APIResponse:
        """The answer to a write that changes nothing: the object as stored, and no write."""
        call.record.passed(STORAGE, ["etcd"])
        return APIResponse(200, call.type_meta(old))

    def record_write(self, call: Call, revision: int | None) -> None:
        """The storage stage of the audit record, and what the write makes stale: the
        reader's cache of that kind and, for RBAC objects, the authorizer's index."""
        call.record.revision = revision
        call.record.passed(STORAGE, ["etcd"])
        self.server.reader.invalidate(call.rt.name)
        if call.rt.group == "rbac.authorization.k8s.io":
            self.server.on_rbac_write()


def _check_name(obj: dict, call: Call) -> None:
    """Upstream's ``checkName`` on a patched object: a patch may not rename or move it."""
    name = obj["metadata"].get("name") or ""
    if name != call.info.name:
        raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL "
                                 f"({call.info.name})")
    namespace = obj["metadata"].get("namespace") or ""
    if call.namespace and namespace and namespace != call.namespace:
        raise errors.bad_request(f"the namespace of the object ({namespace}) does not match the namespace on the "
                                 f"request ({call.namespace})")


def _field_types(call: Call) -> tuple[managedfields.Type, frozenset]:
    """The kind's field types, and what the endpoint resets (upstream's ResetFields):
    ``status`` when written through the object of a kind with a status subresource."""
    rt = call.rt
    ignored = frozenset({("f:status",)}) if strategy.has_status_subresource(rt) and \
        not call.info.subresource else frozenset()
    return managedfields.type_for(rt.group, rt.version, rt.kind), ignored


@lru_cache(maxsize=256)
def _user_agent_prefix(user_agent: str) -> str:
    """Upstream's ``prefixFromUserAgent``: up to the first ``/``, printable characters only, at
    most 128 bytes. Remembered: a component sends the same User-Agent with every write."""
    out = ""
    for char in user_agent.split("/", 1)[0]:
        if not char.isprintable():
            continue
        if len((out + char).encode()) > FIELD_MANAGER_MAX_LENGTH:
            break
        out += char
    return out


def check_options(query: dict, kind: str, patch_type: str = "") -> None:
    """Upstream's ``ValidateCreateOptions`` / ``ValidateUpdateOptions`` / ``ValidatePatchOptions``:
    422 on the write's options (``kind`` is CreateOptions, UpdateOptions or PatchOptions)
    before anything is read."""
    causes = []
    manager = query.get("fieldManager", "")
    if kind == "PatchOptions" and patch_type != codec.APPLY_PATCH_TYPE and "force" in query:
        causes.append({"reason": "FieldValueForbidden", "field": "force",
                       "message": "Forbidden: may not be specified for non-apply patch"})
    if patch_type == codec.APPLY_PATCH_TYPE and not manager:
        causes.append({"reason": "FieldValueRequired", "field": "fieldManager",
                       "message": "Required value: is required for apply patch"})
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append({"reason": "FieldValueTooLong", "field": "fieldManager",
                       "message": f"Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes"})
    for index, char in enumerate(manager):
        if not char.isprintable():
            causes.append({"reason": "FieldValueInvalid", "field": "fieldManager",
                           "message": f"Invalid value: {go_quote(manager)}: invalid character "
                                      f"U+{ord(char):04X} (at position {index})"})
    dry_run = query.get("dryRun")
    if dry_run is not None and dry_run != DRY_RUN_ALL:
        causes.append({"reason": "FieldValueNotSupported", "field": "dryRun",
                       "message": f"Unsupported value: []string{{{go_quote(dry_run)}}}: supported values: "
                                  f'"{DRY_RUN_ALL}"'})
    validation = query.get("fieldValidation", "")
    if validation not in FIELD_VALIDATION_VALUES:
        causes.append({"reason": "FieldValueNotSupported", "field": "fieldValidation",
                       "message": f"Unsupported value: {go_quote(validation)}: supported values: "
                                  + ", ".join(go_quote(v) for v in FIELD_VALIDATION_VALUES)})
    if causes:
        raise errors.invalid(kind, "meta.k8s.io", "", causes)


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
    if call.req.obj is None:
        codec.check_types(config, rt.kind, rt.group_version)
    if rt.namespaced and meta.get("namespace") not in (None, "", call.namespace):
        raise errors.bad_request(f"the namespace of the object ({meta['namespace']}) does not match the "
                                 f"namespace on the request ({call.namespace})")
    return config


def patcher(call: Call, kind: str) -> Callable[[dict], dict]:
    """The request's patch as a function of the current object (re-applied on every retry),
    with the patch library's refusals turned into Statuses."""
    ctype = call.req.content_type
    body = call.req.obj if call.req.obj is not None else codec.decode(call.req.body, "application/json", "patch")

    def patched(target: dict) -> dict:
        try:
            # apply_patch changes neither argument (each patch format works on its own copy).
            result = apply_patch(target, body, ctype, kind)
        except UnsupportedPatchType:
            raise errors.unsupported_media_type(ctype) from None
        except PatchError as exc:
            reason = "Invalid" if exc.code == 422 else "BadRequest"
            raise errors.StatusError(exc.code, reason, exc.message) from None
        if call.req.obj is None and isinstance(result, dict):
            # Upstream decodes the patched JSON into the typed object: the same checks.
            api_version = "autoscaling/v1" if kind == "Scale" else call.rt.group_version
            codec.check_type_meta(result, kind, api_version)
            codec.check_types(result, kind, api_version)
        return result

    return patched
