"""A minimal OpenAPI v3 document per group-version.

kubectl's default ``--validate=strict`` (apply, create -f) first asks ``/openapi/v3`` whether
the server supports the ``fieldValidation`` parameter; what it needs is one operation per
kind tagged with ``x-kubernetes-group-version-kind`` that lists that parameter
(kube-api-wire.md §7.1). Schemas are left out: the server itself validates the objects.
"""
from __future__ import annotations

import hashlib
import json

from . import resources
from .discovery import KUBERNETES_VERSION

_PARAMS = [{"name": n, "in": "query", "schema": {"type": "string" if n != "force" else "boolean"}}
           for n in ("dryRun", "fieldManager", "fieldValidation", "force")]


def _path_prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def group_version_document(group: str, version: str) -> dict | None:
    served = resources.in_group_version(group, version)
    if not served:
        return None
    paths: dict[str, dict] = {}
    for rt in served:
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        base = "/" + _path_prefix(group, version)
        scope = f"{base}/namespaces/{{namespace}}/{rt.name}" if rt.namespaced else f"{base}/{rt.name}"
        op = {"x-kubernetes-group-version-kind": gvk, "parameters": _PARAMS,
              "responses": {"200": {"description": "OK"}}}
        if rt.create_only:
            paths[scope] = {"post": {**op, "x-kubernetes-action": "post"}}
            continue
        paths[scope] = {"post": {**op, "x-kubernetes-action": "post"},
                        "get": {**op, "parameters": [], "x-kubernetes-action": "list"}}
        paths[scope + "/{name}"] = {"patch": {**op, "x-kubernetes-action": "patch"},
                                    "put": {**op, "x-kubernetes-action": "put"},
                                    "get": {**op, "parameters": [], "x-kubernetes-action": "get"}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}


def root_document() -> dict:
    paths = {}
    for group, version in resources.group_versions():
        doc = json.dumps(group_version_document(group, version), sort_keys=True).encode()
        digest = hashlib.sha512(doc).hexdigest()[:32].upper()
        prefix = _path_prefix(group, version)
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    return {"paths": paths}
