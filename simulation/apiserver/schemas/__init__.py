"""OpenAPI v3 component schemas for every served kind, named as upstream names them.

``SCHEMAS`` maps a schema name (``io.k8s.api.core.v1.Pod``) to its definition; ``KINDS`` maps
(group, version, kind) of each top-level kind to its schema name. ``unknown_fields`` walks an
object against these schemas, as the ``fieldValidation=Strict`` decoder does.
"""
from __future__ import annotations

from typing import Any

from . import (apps, authentication, authorization, batch, coordination, core, discovery, events, meta, policy, rbac,
               replication, scheduling, storage)
from . import networking  # networking.k8s.io/v1 (ingress)
from ._helpers import PRESERVE, REF_PREFIX, Schema

__all__ = ["KINDS", "REF_PREFIX", "SCHEMAS", "closure", "references", "resolve", "resolve_named", "schema_for", "unknown_fields"]

SCHEMAS: dict[str, Schema] = {}
for _module in (meta, core, apps, rbac, coordination, authorization,
                storage):  # storage
    SCHEMAS.update(_module.SCHEMAS)
for _module in (replication, batch):  # ReplicationController and batch/v1 (jobs)
    SCHEMAS.update(_module.SCHEMAS)
# policy's groups
for _module in (scheduling, policy):
    SCHEMAS.update(_module.SCHEMAS)
SCHEMAS.update(discovery.SCHEMAS)  # discovery.k8s.io/v1 (slices)
# quota's part: authentication.k8s.io/v1 SelfSubjectReview, events.k8s.io/v1 Event
for _module in (authentication, events):
    SCHEMAS.update(_module.SCHEMAS)
SCHEMAS.update(networking.SCHEMAS)  # networking.k8s.io/v1 (ingress)

KINDS: dict[tuple[str, str, str], str] = {
    (g["group"], g["version"], g["kind"]): name
    for name, s in SCHEMAS.items() for g in s.get("x-kubernetes-group-version-kind", ())
}


def schema_for(group: str, version: str, kind: str) -> str | None:
    """The component schema name of a kind, or None if we have none."""
    return KINDS.get((group, version, kind))


def resolve(schema: Schema) -> Schema:
    """Follow ``$ref`` and single-element ``allOf`` wrappers to the named definition."""
    return resolve_named(schema)[0]


def resolve_named(schema: Schema) -> tuple[Schema, str]:
    """:func:`resolve`, and the name of the definition it ended at ("" for an inline schema)."""
    name = ""
    while True:
        if "$ref" in schema:
            name = schema["$ref"][len(REF_PREFIX):]
            schema = SCHEMAS[name]
        elif len(schema.get("allOf", ())) == 1 and "properties" not in schema and "items" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema, name


def references(schema: Any) -> set[str]:
    """Names of the schemas ``schema`` refers to directly."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            r = node.get("$ref")
            if isinstance(r, str) and r.startswith(REF_PREFIX):
                found.add(r[len(REF_PREFIX):])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def closure(names: list[str] | set[str]) -> set[str]:
    """``names`` plus every schema reachable from them."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(references(SCHEMAS[name]) - seen)
    return seen


def unknown_fields(group: str, version: str, kind: str, obj: dict) -> list[str]:
    """Paths of the fields of ``obj`` that the kind's schema does not declare, in document order.

    Paths are shaped like upstream's strict decoder reports them, with a leading dot:
    ``.spec.foo``, ``.spec.template.spec.containers[0].imagePullPolice``, ``.metadata.labelz``.
    Subtrees marked ``x-kubernetes-preserve-unknown-fields`` are not inspected, and values
    whose JSON type does not match the schema are left to other validation. A kind we have no
    schema for yields ``[]``.
    """
    name = schema_for(group, version, kind)
    if name is None or not isinstance(obj, dict):
        return []
    out: list[str] = []
    _walk(SCHEMAS[name], obj, "", out)
    return out


def _walk(schema: Schema, value: Any, path: str, out: list[str]) -> None:
    schema = resolve(schema)
    if schema.get(PRESERVE):
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props is not None:
            for key, sub in value.items():
                if key in props:
                    _walk(props[key], sub, f"{path}.{key}", out)
                elif isinstance(extra, dict):
                    _walk(extra, sub, f"{path}.{key}", out)
                elif not extra:
                    out.append(f"{path}.{key}")
        elif isinstance(extra, dict):
            for key, sub in value.items():
                _walk(extra, sub, f"{path}.{key}", out)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _walk(schema["items"], item, f"{path}[{i}]", out)
