"""The OpenAPI v3 documents: ``/openapi/v3`` (the root index) and one document per group-version.

kubectl reads them for three things (kube-api-wire.md §7.1):

* the validation gate of ``apply`` / ``create -f``: a PATCH operation per kind, tagged with
  ``x-kubernetes-group-version-kind`` and listing the ``fieldValidation`` parameter;
* ``kubectl explain``: the component schema whose ``x-kubernetes-group-version-kind`` names the kind;
* client-side ``apply``: the ``x-kubernetes-patch-*`` extensions, used to build strategic merge
  patches when the PATCH operation accepts ``application/strategic-merge-patch+json``.

The schemas themselves live in :mod:`.schemas`; this module lays out the paths like upstream.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json

from simulation.apimachinery import resources

from .discovery import KUBERNETES_VERSION
from .schemas import REF_PREFIX, SCHEMAS, closure, references, schema_for, unknown_fields

__all__ = ["group_version_document", "root_document", "unknown_fields"]

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json")
_RESPONSE_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")


def _q(name: str, desc: str, type_: str = "string", unique: bool = True) -> dict:
    p = {"name": name, "in": "query", "description": desc, "schema": {"type": type_}}
    if unique:
        p["schema"]["uniqueItems"] = True
    return p


_PRETTY = _q("pretty", "If 'true', then the output is pretty printed.")
_DRY_RUN = _q("dryRun", "When present, indicates that modifications should not be persisted. The only valid "
                        "value is All.")
_FIELD_MANAGER = _q("fieldManager", "A name associated with the actor or entity that is making these changes.")
_FIELD_VALIDATION = _q("fieldValidation", "Instructs the server how to handle objects in the request "
                                          "containing unknown or duplicate fields: Ignore, Warn or Strict.")
_FORCE = _q("force", "Force is going to \"force\" Apply requests: re-acquire conflicting fields owned by "
                     "other people. Must be unset for non-apply patch requests.", "boolean")
_LIST = [
    _q("allowWatchBookmarks", "requests watch events with type \"BOOKMARK\".", "boolean"),
    _q("continue", "The continue option should be set when retrieving more results from the server."),
    _q("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
    _q("labelSelector", "A selector to restrict the list of returned objects by their labels."),
    _q("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
    _q("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be "
                          "served from."),
    _q("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
    _q("sendInitialEvents", "Whether a watch starts with synthetic events for the current state.", "boolean"),
    _q("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    _q("watch", "Watch for changes to the described resources and return them as a stream of add, update, "
                "and remove notifications.", "boolean"),
]
_DELETE = [_DRY_RUN,
           _q("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
           _q("propagationPolicy", "Whether and how garbage collection will be performed: Orphan, Background "
                                   "or Foreground.")]


def _path_prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _schema(schema_name: str | None) -> dict:
    """A reference to a component schema; a kind without one (none today) is described as any object."""
    if schema_name is None:
        return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {"$ref": REF_PREFIX + schema_name}


def _ok(schema_name: str | None, *codes: str) -> dict:
    content = {t: {"schema": _schema(schema_name)} for t in _RESPONSE_TYPES}
    return {code: {"description": {"200": "OK", "201": "Created", "202": "Accepted"}[code], "content": content}
            for code in codes} | {"401": {"description": "Unauthorized"}}


def _op(action: str, op_id: str, desc: str, gvk: dict, params: list, responses: dict,
        body: dict | None = None) -> dict:
    op = {"description": desc, "operationId": op_id, "parameters": params,
          "responses": responses, "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk}
    if body is not None:
        op["requestBody"] = body
    return op


def _body(schema_name: str | None) -> dict:
    return {"content": {"*/*": {"schema": _schema(schema_name)}}, "required": True}


_PATCH_BODY = {"content": {t: {"schema": {"$ref": REF_PREFIX + _META + "Patch"}} for t in _PATCH_TYPES},
               "required": True}


def _item_ops(gvk: dict, schema: str | None, verbs: tuple[str, ...], what: str, op_id: str) -> dict:
    """get/put/patch (and delete for the object itself) on one named object or its subresource."""
    ops = {}
    if "get" in verbs:
        ops["get"] = _op("get", f"read{op_id}", f"read {what}", gvk, [], _ok(schema, "200"))
    if "update" in verbs:
        ops["put"] = _op("put", f"replace{op_id}", f"replace {what}", gvk,
                         [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION], _ok(schema, "200", "201"), _body(schema))
    if "patch" in verbs:
        ops["patch"] = _op("patch", f"patch{op_id}", f"partially update {what}", gvk,
                           [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION, _FORCE], _ok(schema, "200", "201"),
                           _PATCH_BODY)
    return ops


def _paths_for(rt: resources.ResourceType) -> dict[str, dict]:
    base = "/" + _path_prefix(rt.group, rt.version)
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    kind_schema = schema_for(rt.group, rt.version, rt.kind)
    list_schema = schema_for(rt.group, rt.version, rt.list_kind)
    scope = "Namespaced" if rt.namespaced else ""
    name_p = {"name": "name", "in": "path", "description": f"name of the {rt.kind}", "required": True,
              "schema": {"type": "string", "uniqueItems": True}}
    ns_p = {"name": "namespace", "in": "path", "description": "object name and auth scope, such as for teams "
            "and projects", "required": True, "schema": {"type": "string", "uniqueItems": True}}
    collection = f"{base}/namespaces/{{namespace}}/{rt.name}" if rt.namespaced else f"{base}/{rt.name}"
    coll_params = [ns_p, _PRETTY] if rt.namespaced else [_PRETTY]
    item_params = [name_p, *coll_params]
    paths: dict[str, dict] = {}

    coll: dict = {"parameters": coll_params}
    if "list" in rt.verbs:
        coll["get"] = _op("list", f"list{scope}{rt.kind}", f"list or watch objects of kind {rt.kind}", gvk,
                          _LIST, _ok(list_schema, "200"))
    if "create" in rt.verbs:
        codes = ("200", "201") if rt.create_only else ("200", "201", "202")
        coll["post"] = _op("post", f"create{scope}{rt.kind}", f"create a {rt.kind}", gvk,
                           [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION], _ok(kind_schema, *codes),
                           _body(kind_schema))
    if "deletecollection" in rt.verbs:
        coll["delete"] = _op("deletecollection", f"deleteCollection{scope}{rt.kind}",
                             f"delete collection of {rt.kind}", gvk, _DELETE + _LIST, _ok(_META + "Status", "200"),
                             {"content": {"*/*": {"schema": {"$ref": REF_PREFIX + _META + "DeleteOptions"}}}})
    paths[collection] = coll
    if rt.create_only:
        return paths

    item = {"parameters": item_params, **_item_ops(gvk, kind_schema, rt.verbs, f"the specified {rt.kind}",
                                                    f"{scope}{rt.kind}")}
    if "delete" in rt.verbs:
        item["delete"] = _op("delete", f"delete{scope}{rt.kind}", f"delete a {rt.kind}", gvk, _DELETE,
                             _ok(_META + "Status", "200", "202"),
                             {"content": {"*/*": {"schema": {"$ref": REF_PREFIX + _META + "DeleteOptions"}}}})
    paths[collection + "/{name}"] = item
    if rt.namespaced and "list" in rt.verbs:
        paths[f"{base}/{rt.name}"] = {"parameters": [_PRETTY], "get": _op(
            "list", f"list{rt.kind}ForAllNamespaces", f"list or watch objects of kind {rt.kind}", gvk, _LIST,
            _ok(list_schema, "200"))}

    for sub in rt.subresources:
        path = f"{collection}/{{name}}/{sub}"
        if sub == "status":
            paths[path] = {"parameters": item_params, **_item_ops(
                gvk, kind_schema, ("get", "update", "patch"), f"status of the specified {rt.kind}",
                f"{scope}{rt.kind}Status")}
        elif sub == "scale":
            sgvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
            paths[path] = {"parameters": item_params, **_item_ops(
                sgvk, "io.k8s.api.autoscaling.v1.Scale", ("get", "update", "patch"),
                f"scale of the specified {rt.kind}", f"{scope}{rt.kind}Scale")}
        elif sub == "binding":
            bgvk = {"group": "", "version": "v1", "kind": "Binding"}
            paths[path] = {"parameters": item_params, "post": _op(
                "post", f"create{scope}{rt.kind}Binding", f"create binding of a {rt.kind}", bgvk,
                [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION],
                _ok("io.k8s.api.core.v1.Binding", "200", "201", "202"), _body("io.k8s.api.core.v1.Binding"))}
        elif sub == "finalize":
            paths[path] = {"parameters": item_params, "put": _op(
                "put", f"replace{scope}{rt.kind}Finalize", f"replace finalize of the specified {rt.kind}", gvk,
                [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION], _ok(kind_schema, "200", "201"),
                _body(kind_schema))}
    return paths


@functools.lru_cache(maxsize=None)
def _document(group: str, version: str) -> tuple[dict, str] | None:
    served = resources.in_group_version(group, version)
    if not served:
        return None
    paths: dict[str, dict] = {}
    for rt in served:
        paths.update(_paths_for(rt))
    used = closure(references(paths))
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION["gitVersion"]},
           "paths": paths, "components": {"schemas": {n: SCHEMAS[n] for n in sorted(used)}}}
    digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:128].upper()
    return doc, digest


def group_version_document(group: str, version: str) -> dict | None:
    """The OpenAPI v3 document of one served group-version, or None if it is not served."""
    found = _document(group, version)
    return copy.deepcopy(found[0]) if found else None


def root_document() -> dict:
    """The ``/openapi/v3`` index: each group-version's document URL, with a content hash."""
    paths = {}
    for group, version in resources.group_versions():
        found = _document(group, version)
        if found is None:
            continue
        prefix = _path_prefix(group, version)
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={found[1]}"}
    return {"paths": paths}
