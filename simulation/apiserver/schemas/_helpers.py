"""Compact constructors for OpenAPI v3 schema fragments, shaped like upstream's published documents."""
from __future__ import annotations

from typing import Any

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
Q = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INTSTR = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
PRESERVE = "x-kubernetes-preserve-unknown-fields"

Schema = dict[str, Any]


def _d(schema: Schema, desc: str) -> Schema:
    if desc:
        schema["description"] = desc
    return schema


def string(desc: str = "", enum: list[str] | None = None, fmt: str = "") -> Schema:
    s: Schema = {"type": "string"}
    if fmt:
        s["format"] = fmt
    if enum:
        s["enum"] = list(enum)
    return _d(s, desc)


def boolean(desc: str = "") -> Schema:
    return _d({"type": "boolean"}, desc)


def int32(desc: str = "") -> Schema:
    return _d({"type": "integer", "format": "int32"}, desc)


def int64(desc: str = "") -> Schema:
    return _d({"type": "integer", "format": "int64"}, desc)


def number(desc: str = "") -> Schema:
    return _d({"type": "number", "format": "double"}, desc)


def byte(desc: str = "") -> Schema:
    return _d({"type": "string", "format": "byte"}, desc)


def ref(name: str, desc: str = "", struct: bool = True) -> Schema:
    """A reference wrapped in ``allOf`` as upstream v3 does, so a description can sit beside it."""
    s: Schema = {"allOf": [{"$ref": REF_PREFIX + name}]}
    if struct:
        s["default"] = {}
    return _d(s, desc)


def time(desc: str = "") -> Schema:
    return ref(META + "Time", desc, struct=False)


def quantity(desc: str = "") -> Schema:
    return ref(Q, desc, struct=False)


def intstr(desc: str = "") -> Schema:
    return ref(INTSTR, desc, struct=False)


def arr(item: Schema | str, desc: str = "", *, merge_key: str = "", list_type: str = "",
        map_keys: tuple[str, ...] = (), strategy: str = "") -> Schema:
    """An array; ``item`` may be a schema name (becomes a struct ref). Merge keys imply a map list."""
    s: Schema = {"type": "array", "items": ref(item) if isinstance(item, str) else item}
    _d(s, desc)
    if merge_key:
        s["x-kubernetes-patch-merge-key"] = merge_key
        strategy = strategy or "merge"
        list_type = list_type or "map"
        map_keys = map_keys or (merge_key,)
    if map_keys:
        s["x-kubernetes-list-map-keys"] = list(map_keys)
        list_type = list_type or "map"
    if list_type:
        s["x-kubernetes-list-type"] = list_type
    if strategy:
        s["x-kubernetes-patch-strategy"] = strategy
    return s


def strings(desc: str = "", list_type: str = "atomic") -> Schema:
    s = arr(string(), desc, list_type=list_type)
    s["items"]["default"] = ""
    return s


def mapof(item: Schema | str, desc: str = "") -> Schema:
    return _d({"type": "object", "additionalProperties": ref(item) if isinstance(item, str) else item}, desc)


def strmap(desc: str = "") -> Schema:
    return mapof({"type": "string", "default": ""}, desc)


def free(desc: str = "") -> Schema:
    """An object whose fields are not described here; anything is accepted below it."""
    return _d({"type": "object", PRESERVE: True}, desc)


def obj(desc: str, required: tuple[str, ...] = (), props: dict[str, Schema] | None = None,
        **kw: Schema) -> Schema:
    properties = dict(props or {})
    properties.update(kw)
    s: Schema = {"type": "object", "description": desc, "properties": properties}
    if required:
        s["required"] = list(required)
    return s


def gvk(group: str, version: str, kind: str) -> list[dict[str, str]]:
    return [{"group": group, "kind": kind, "version": version}]


API_VERSION = string("APIVersion defines the versioned schema of this representation of an object. Servers "
                     "should convert recognized schemas to the latest internal value, and may reject "
                     "unrecognized values.")
KIND = string("Kind is a string value representing the REST resource this object represents. Servers may "
              "infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.")


def kind(desc: str, group: str, version: str, name: str, required: tuple[str, ...] = (),
         meta_desc: str = "Standard object's metadata.", **props: Schema) -> Schema:
    """A top-level kind: apiVersion, kind, metadata plus ``props``, tagged with its GVK."""
    s = obj(desc, required, props={"apiVersion": API_VERSION, "kind": KIND,
                                   "metadata": ref(META + "ObjectMeta", meta_desc), **props})
    s["x-kubernetes-group-version-kind"] = gvk(group, version, name)
    return s


def list_kind(group: str, version: str, name: str, item: str, desc: str = "") -> Schema:
    s = obj(desc or f"{name} is a list of {name[:-4]} objects.", ("items",), props={
        "apiVersion": API_VERSION,
        "items": arr(item, f"List of {name[:-4]} objects."),
        "kind": KIND,
        "metadata": ref(META + "ListMeta", "Standard list metadata."),
    })
    s["x-kubernetes-group-version-kind"] = gvk(group, version, name)
    return s


def condition(desc: str, *, reason: bool = True, probe_time: bool = False, update_time: bool = False) -> Schema:
    """The usual status condition struct: type/status/reason/message plus timestamps."""
    p: dict[str, Schema] = {
        "type": string("Type of the condition."),
        "status": string("Status of the condition: one of True, False, Unknown."),
    }
    if reason:
        p["reason"] = string("A brief CamelCase reason for the condition's last transition.")
        p["message"] = string("A human-readable message with details about the transition.")
    if probe_time:
        p["lastProbeTime"] = time("Last time the condition was probed.")
    if update_time:
        p["lastUpdateTime"] = time("The last time this condition was updated.")
    p["lastTransitionTime"] = time("Last time the condition transitioned from one status to another.")
    return obj(desc, ("type", "status"), props=p)
