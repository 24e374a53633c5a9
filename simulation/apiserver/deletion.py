"""Deletion, as upstream's registry decides it: what a DELETE writes instead of deleting
(``rest.BeforeDelete``, ``updateForGracefulDeletionAndFinalizers``), which garbage-collector
finalizer its propagation policy asks for (``deletionFinalizersForGarbageCollection``), when
an update completes a deletion (``ShouldDeleteDuringUpdate``), and the DeleteOptions it reads.

The registry (:mod:`.registry`) does the writing; these functions only decide, from the
object, the options and — for namespaces and owners — what else the store holds.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.apimachinery import resources
from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.store import Store, registry_prefix

from . import codec, errors, strategy
from .schemas._helpers import META
from .schemas.typecheck import type_error

if TYPE_CHECKING:
    from .server import Call

#: Kinds whose deletion returns the object itself rather than a Status (upstream's ReturnDeletedObject).
RETURNS_DELETED_OBJECT = ("Pod",)
#: The garbage collector's finalizers (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents).
ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"


DELETE_OPTIONS_SCHEMA = META + "DeleteOptions"
#: The longest grace period a ``time.Duration`` holds (about 292 years). Upstream's
#: ``time.Second * Duration(grace)`` wraps past it; here the deletion time stops there.
MAX_GRACE_SECONDS = (2 ** 63 - 1) // 10 ** 9


def delete_options(call: Call) -> dict:
    """DeleteOptions from the body and the query, checked as upstream's ``ValidateDeleteOptions``."""
    options: dict = {}
    if call.req.obj is not None:
        options = dict(call.req.obj)
    elif call.req.body and call.req.body.strip():
        options = codec.decode(call.req.body, call.req.content_type, "DeleteOptions")
        if not isinstance(options, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        error = type_error(DELETE_OPTIONS_SCHEMA, "DeleteOptions", options)
        if error:
            raise errors.bad_request(error)
    q = call.req.query
    if "gracePeriodSeconds" in q:
        options["gracePeriodSeconds"] = call.int_param("gracePeriodSeconds")
    if "propagationPolicy" in q:
        options["propagationPolicy"] = q["propagationPolicy"]
    if "orphanDependents" in q:
        options["orphanDependents"] = _query_bool(q, "orphanDependents")
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


def _query_bool(query: dict, name: str) -> bool:
    """A boolean query parameter as Go's ``strconv.ParseBool`` reads it, or 400."""
    value = query[name]
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise errors.bad_request(f'failed to decode query parameter "{name}": strconv.ParseBool: parsing '
                             f'"{value}": invalid syntax')


def check_delete_preconditions(rt: ResourceType, obj: dict, preconditions: dict) -> None:
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


def update_for_deletion(store: Store, rt: ResourceType, old: dict, options: dict, now: float) -> dict | None:
    """The object to write instead of deleting; ``None`` to delete now; ``old`` itself when
    the deletion is already under way and this request changes nothing.

    As upstream's ``BeforeDelete`` and ``updateForGracefulDeletionAndFinalizers``: a pod
    bound to a node is deleted gracefully (``deletionTimestamp`` = now + grace period; a
    later delete may only shorten it), and an object holding finalizers is only marked
    (``deletionTimestamp``, grace 0) until the last finalizer is removed by an update.
    Marking bumps ``generation``, so controllers see that something changed. A namespace
    with content turns ``Terminating`` and goes once it is empty (what the namespace
    controller's finalizer achieves upstream)."""
    new = deep_copy(old)
    meta = new["metadata"]
    if rt.kind == "Namespace":
        if not _namespace_has_content(store, meta["name"]):
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
            start = parse_time(meta["deletionTimestamp"]) - min(pending, MAX_GRACE_SECONDS)
            meta["deletionTimestamp"] = rfc3339(start + grace)
            meta["deletionGracePeriodSeconds"] = grace
            graceful = True
        elif not meta.get("deletionTimestamp"):
            grace = strategy.pod_grace_period(old, grace)
            meta["deletionTimestamp"] = rfc3339(now + min(grace, MAX_GRACE_SECONDS))
            meta["deletionGracePeriodSeconds"] = grace
            _bump_generation(meta)
            graceful = True
    finalizers = _gc_finalizers(store, old, options)
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


def _gc_finalizers(store: Store, obj: dict, options: dict) -> list[str]:
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
    if policy in ("Orphan", "Foreground") and _has_dependents(store, obj):
        kept.append(ORPHAN_FINALIZER if policy == "Orphan" else FOREGROUND_FINALIZER)
    return kept


def _has_dependents(store: Store, owner: dict) -> bool:
    uid = owner["metadata"].get("uid")
    namespace = owner["metadata"].get("namespace", "")
    for rt in resources.RESOURCES:
        if rt.virtual or rt.create_only or (namespace and not rt.namespaced):
            continue
        items, _, _ = store.list(registry_prefix(rt.name, namespace if rt.namespaced else ""))
        if any(ref.get("uid") == uid for o in items for ref in o["metadata"].get("ownerReferences") or []):
            return True
    return False


def _namespace_has_content(store: Store, namespace: str) -> bool:
    for rt in resources.RESOURCES:
        if rt.namespaced and not rt.create_only:
            if store.list(registry_prefix(rt.name, namespace), limit=1)[0]:
                return True
    return False


def should_delete_during_update(rt: ResourceType, obj: dict) -> bool:
    """Upstream's ``ShouldDeleteDuringUpdate``: an update that leaves an object marked for
    deletion with no finalizer (and no graceful deletion pending) deletes it. A namespace
    also waits for ``spec.finalizers`` (the namespace controller's ``kubernetes``),
    removed through the ``finalize`` subresource."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or meta.get("finalizers") or meta.get("deletionGracePeriodSeconds"):
        return False
    return not (rt.kind == "Namespace" and (obj.get("spec") or {}).get("finalizers"))


def _bump_generation(meta: dict) -> None:
    """First marking for deletion bumps a set ``generation``, as upstream does."""
    if meta.get("generation", 0) > 0:
        meta["generation"] += 1
