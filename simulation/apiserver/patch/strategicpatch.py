"""Strategic merge patch (``application/strategic-merge-patch+json``), the server side of
k8s.io/apimachinery ``strategicpatch``: a merge patch that knows, per field, whether a list
merges by a key (containers by ``name``), merges as a set (finalizers) or is replaced whole, and
honours the ``$patch``, ``$retainKeys``, ``$setElementOrder`` and ``$deleteFromPrimitiveList``
directives kubectl sends.

It is driven by ``KIND_SCHEMAS``, a literal table of the patch strategies and merge keys that
upstream declares in struct tags (``patchStrategy:"merge" patchMergeKey:"name"``) for the kinds we
serve. A field missing from a known schema is atomic: maps merge key by key, lists are replaced
whole. For a kind missing from the table (which kube-apiserver would refuse with 415, and
:func:`~.patcher.apply_patch` does too) ``strategic_merge_patch`` falls back to
``FALLBACK_BY_NAME``, which guesses the merge key from the field name alone.

Two deliberate differences from upstream, both about patch values placed where the live object
had nothing: they are merged into an empty value, so ``$patch`` directives and nulls inside them
take effect instead of being stored; and ``$deleteFromPrimitiveList`` on a missing list is a no-op.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from simulation.apimachinery.jsonvalue import deep_copy

from .common import PatchError, json_equal, json_kind


def _go(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value, so error texts read as upstream's do."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _go_type(value: Any) -> str:
    return {"object": "map[string]interface {}", "array": "[]interface {}", "bool": "bool",
            "number": "float64", "string": "string", "null": "<nil>"}[json_kind(value)]


# --------------------------------------------------------------------------------------------
# The schema table
# --------------------------------------------------------------------------------------------

_NONE: Mapping[str, "FieldMeta"] = MappingProxyType({})


@dataclass(frozen=True)
class FieldMeta:
    """Upstream's struct-tag patch metadata for one field.

    ``strategy`` is ``"merge"`` (lists merge by ``merge_key``, or as a set when the list holds
    primitives), ``"replace"`` (maps are replaced whole) or ``""`` (maps merge, lists replace).
    ``fields`` describes the value (or each list element); ``None`` means unknown, so names below
    it are looked up in ``FALLBACK_BY_NAME``.
    """

    strategy: str = ""
    merge_key: str = ""
    fields: Mapping[str, "FieldMeta"] | None = field(default_factory=lambda: _NONE)


Schema = Mapping[str, FieldMeta]


def _by(key: str, fields: Schema | None = _NONE) -> FieldMeta:
    return FieldMeta("merge", key, fields)


def _struct(fields: Schema) -> FieldMeta:
    return FieldMeta(fields=MappingProxyType(dict(fields)))


_SET = FieldMeta("merge")  # a list of primitives merged as a set (finalizers, podCIDRs)
_CONDITIONS = _by("type")

OBJECT_META: Schema = {"finalizers": _SET, "ownerReferences": _by("uid")}
CONTAINER: Schema = {"ports": _by("containerPort"), "env": _by("name"), "volumeMounts": _by("mountPath"),
                     "volumeDevices": _by("devicePath")}
POD_SPEC: Schema = {
    "containers": _by("name", CONTAINER),
    "initContainers": _by("name", CONTAINER),
    "ephemeralContainers": _by("name", CONTAINER),
    "volumes": _by("name"),  # also patchStrategy retainKeys: $retainKeys is honoured wherever sent
    "imagePullSecrets": _by("name"),
    "hostAliases": _by("ip"),
    "topologySpreadConstraints": _by("topologyKey"),
    "schedulingGates": _by("name"),
    "resourceClaims": _by("name"),
    # tolerations, readinessGates, affinity lists: no patch strategy upstream, so atomic.
}
POD_STATUS: Schema = {"conditions": _CONDITIONS, "podIPs": _by("ip"), "hostIPs": _by("ip"),
                      "resourceClaimStatuses": _by("name")}
POD_TEMPLATE_SPEC: Schema = {"metadata": _struct(OBJECT_META), "spec": _struct(POD_SPEC)}
_METADATA = _struct(OBJECT_META)


def _workload(**spec: FieldMeta) -> Schema:
    return {"metadata": _METADATA, "spec": _struct({"template": _struct(POD_TEMPLATE_SPEC), **spec}),
            "status": _struct({"conditions": _CONDITIONS})}


#: Patch metadata per kind, from the k8s.io/api types' struct tags. Node ``spec.taints`` and Pod
#: ``spec.tolerations`` carry no patch strategy upstream: a patch replaces the whole list.
KIND_SCHEMAS: dict[str, Schema] = {
    "Pod": {"metadata": _METADATA, "spec": _struct(POD_SPEC), "status": _struct(POD_STATUS)},
    "PodTemplate": {"metadata": _METADATA, "template": _struct(POD_TEMPLATE_SPEC)},
    "Deployment": _workload(),
    "ReplicaSet": _workload(),
    "DaemonSet": _workload(),
    "StatefulSet": _workload(),
    "ReplicationController": _workload(),
    "Job": _workload(),
    "CronJob": {"metadata": _METADATA, "spec": _struct({"jobTemplate": _struct(
        {"metadata": _METADATA, "spec": _struct({"template": _struct(POD_TEMPLATE_SPEC)})})})},
    "Service": {"metadata": _METADATA, "spec": _struct({"ports": _by("port")}),
                "status": _struct({"conditions": _CONDITIONS})},
    "Node": {"metadata": _METADATA, "spec": _struct({"podCIDRs": _SET}),
             "status": _struct({"conditions": _CONDITIONS, "addresses": _by("type")})},
    "Namespace": {"metadata": _METADATA, "status": _struct({"conditions": _CONDITIONS})},
    "ServiceAccount": {"metadata": _METADATA, "secrets": _by("name")},
    **{kind: {"metadata": _METADATA} for kind in (
        "ConfigMap", "Secret", "Endpoints", "Event", "ResourceQuota", "LimitRange", "Lease", "Scale",
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
    # storage (storage)
    "PersistentVolumeClaim": {"metadata": _METADATA, "status": _struct({"conditions": _CONDITIONS})},
    **{kind: {"metadata": _METADATA} for kind in ("PersistentVolume", "StorageClass", "ControllerRevision")},
}

#: Guesses for kinds outside ``KIND_SCHEMAS``: list fields whose name alone fixes the merge key.
#: ``ports`` is left out because containers key it by ``containerPort`` and Services by ``port``.
FALLBACK_BY_NAME: Schema = {
    **{name: _by("name", None) for name in (
        "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
        "schedulingGates", "resourceClaims")},
    "volumeMounts": _by("mountPath", None), "volumeDevices": _by("devicePath", None),
    "hostAliases": _by("ip", None), "podIPs": _by("ip", None), "hostIPs": _by("ip", None),
    "ownerReferences": _by("uid", None), "topologySpreadConstraints": _by("topologyKey", None),
    "conditions": _by("type", None), "addresses": _by("type", None), "finalizers": FieldMeta("merge", "", None),
}

_ATOMIC = FieldMeta()
_UNKNOWN = FieldMeta(fields=None)


def _field(schema: Schema | None, key: str) -> FieldMeta:
    if schema is None:
        return FALLBACK_BY_NAME.get(key, _UNKNOWN)
    return schema.get(key, _ATOMIC)


# --------------------------------------------------------------------------------------------
# The algorithm
# --------------------------------------------------------------------------------------------

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList"


def strategic_merge_patch(target: dict, patch: dict, kind: str) -> dict:
    """Apply a strategic merge patch to an object of ``kind`` (see ``KIND_SCHEMAS``)."""
    return strategic_merge(target, patch, KIND_SCHEMAS.get(kind))


def strategic_merge(target: dict, patch: dict, schema: Schema | None) -> dict:
    """Apply a strategic merge patch using an explicit schema (``None``: guess by field name)."""
    return _merge_map(deep_copy(target), deep_copy(patch), schema)


def _no_merge_key(item: Any, key: str) -> PatchError:
    return PatchError(f"map: {_go(item)} does not contain declared merge key: {key}", 400)


def _bad_type(expected: Any, actual: Any) -> PatchError:
    return PatchError(f"expected a {_go_type(expected)}, but received a {_go_type(actual)}", 400)


def _merge_map(original: dict, patch: dict, schema: Schema | None) -> dict:
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            return _merge_map({}, {k: v for k, v in patch.items() if k != _DIRECTIVE}, schema)
        if directive == "delete":
            return {}
        raise PatchError(f"unknown patch type: {_go(directive)} in map: {_go(patch)}", 400)
    _retain_keys(original, patch)
    _set_element_order(original, patch, schema)
    for key, value in patch.items():
        deleting = key.startswith(_DELETE_PRIMITIVES)
        if deleting:
            key = _directive_target(key, _DELETE_PRIMITIVES)
        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key)
        if deleting:
            if not isinstance(value, list):
                raise PatchError("invalid patch format of primitive list", 400)
            if isinstance(current, list):
                original[key] = [v for v in current if not any(json_equal(v, d) for d in value)]
            continue
        meta = _field(schema, key)
        if isinstance(current, dict) and isinstance(value, dict) and meta.strategy != "replace":
            original[key] = _merge_map(current, value, meta.fields)
        elif isinstance(current, list) and isinstance(value, list) and meta.strategy == "merge":
            original[key] = _merge_list(current, value, meta)
        else:
            original[key] = _fresh(value, meta)
    return original


def _fresh(value: Any, meta: FieldMeta) -> Any:
    """A patch value placed where nothing mergeable was: its own directives and nulls still apply."""
    if isinstance(value, dict):
        return _merge_map({}, value, meta.fields)
    if isinstance(value, list) and meta.strategy == "merge":
        return _merge_list([], value, meta)
    return value


def _directive_target(key: str, prefix: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        kind = "primitive list" if prefix == _DELETE_PRIMITIVES else "setElementOrder list"
        raise PatchError(f"invalid patch format of {kind}", 400)
    return rest


def _retain_keys(original: dict, patch: dict) -> None:
    """``$retainKeys``: drop every key of ``original`` not listed (Deployment ``strategy``, volumes)."""
    if _RETAIN_KEYS not in patch:
        return
    keep = patch.pop(_RETAIN_KEYS)
    if not isinstance(keep, list):
        raise PatchError("invalid patch format of retainKeys", 400)
    for key, value in patch.items():
        if value is not None and not key.startswith((_DELETE_PRIMITIVES, _SET_ORDER)) \
                and key not in keep:
            raise PatchError("invalid patch format of retainKeys", 400)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _set_element_order(original: dict, patch: dict, schema: Schema | None) -> None:
    """``$setElementOrder/<list>``: merge that list now and put it in the order the client asked.

    Items named in the directive follow its order; server-only items keep their live order and are
    interleaved by comparing positions in the live list as upstream sees it after merging (see
    ``_merge_list_view``).
    """
    for directive in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise _bad_type([], order)
        key = _directive_target(directive, _SET_ORDER)
        meta = _field(schema, key)
        current, wanted = original.get(key), patch.get(key)
        for value in (current, wanted):
            if value is not None and not isinstance(value, list):
                raise _bad_type([], value)
        if meta.merge_key:
            for item in order:
                _same_item(item, item, meta.merge_key)  # each entry must be a map with the key
        _check_order(wanted or [], order, meta.merge_key)
        live = current or []
        if current is not None and wanted is not None and meta.strategy == "merge":
            merged, live = _merge_list_view(current, wanted, meta)
        elif wanted is not None:
            merged = _fresh(wanted, meta)
        elif current is not None:
            merged = current
        else:
            continue
        patch.pop(key, None)
        maps = any(isinstance(v, dict) for v in (current or []) + (wanted or []))
        if merged and (meta.merge_key or not maps):
            ordered, rest = _partition(merged, order, meta.merge_key)
            merged = _normalize_order(ordered, rest, order, live, meta.merge_key)
        original[key] = merged


def _check_order(patch_list: list, order: list, merge_key: str) -> None:
    """Every item of the patch list must appear in ``order``, in the same relative order."""
    if not patch_list or not order:
        return
    items = patch_list
    if merge_key:
        for item in items:
            if not isinstance(item, dict):
                raise _bad_type({}, item)
        items = [i for i in items if i.get(_DIRECTIVE) != "delete"]
    pi = oi = 0
    while pi < len(items) and oi < len(order):
        if isinstance(items[pi], dict) and _DIRECTIVE in items[pi]:
            pi += 1
            continue
        if _same_item(items[pi], order[oi], merge_key):
            pi += 1
        oi += 1
    if pi < len(items) and oi >= len(order):
        raise PatchError(f"The order in patch list:\n{_go(patch_list)}\n doesn't match {_SET_ORDER} list:\n"
                         f"{_go(order)}\n", 400)


def _same_item(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return json_equal(left, right)
    for item in (left, right):
        if not isinstance(item, dict):
            raise _bad_type({}, item)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
    return json_equal(left[merge_key], right[merge_key])


def _element_kind(*lists: list) -> str:
    kind = ""
    for value in (v for lst in lists for v in lst):
        this = json_kind(value)
        if this == "array":
            raise PatchError("lists of lists are not supported", 422)
        if kind and this != kind:
            raise PatchError(f"list element types are not identical: {_go(list(lists))}", 400)
        kind = this
    return kind


def _merge_list(original: list, patch: list, meta: FieldMeta) -> list:
    """Merge a list with ``patchStrategy: merge``: by merge key for maps, as a set for primitives."""
    return _merge_list_view(original, patch, meta)[0]


def _merge_list_view(original: list, patch: list, meta: FieldMeta) -> tuple[list, list]:
    """The merged list, and the live list as upstream's ``$setElementOrder`` pass then sees it.

    Upstream deletes items by shifting the live slice in place and appends new items into the
    slots that frees, so the list it later compares positions against is: the survivors, then as
    many of the new items as were deleted. Modelling that keeps server-only items where
    kube-apiserver puts them when one apply both removes and adds items.
    """
    if not original and not patch:
        return original, original
    key = meta.merge_key
    if _element_kind(original, patch) != "object":
        merged: list = []
        for value in original + patch:
            if not any(json_equal(value, m) for m in merged):
                merged.append(value)
        ordered, rest = _partition(merged, patch, "")
        return _normalize_order(ordered, rest, patch, original, ""), original
    if not key:
        raise PatchError("cannot merge lists without merge key for type struct", 400)
    survivors, plain, replace = _special_items(original, patch, key)
    base = [_merge_map({}, item, meta.fields) for item in plain] if replace else survivors
    plain = [] if replace else plain
    merged, appended = list(base), []
    for item in plain:
        if key not in item:
            raise _no_merge_key(item, key)
        at = _find(merged, key, item[key])
        if at >= 0:
            merged[at] = _merge_map(merged[at], item, meta.fields)
        else:
            appended.append(_merge_map({}, item, meta.fields))
            merged.append(appended[-1])
    ordered, rest = _partition(merged, plain, key)
    live = survivors + appended[:len(original) - len(survivors)]
    return _normalize_order(ordered, rest, plain, base, key), live


def _special_items(original: list, patch: list, key: str) -> tuple[list, list, bool]:
    """Apply ``$patch: delete`` items; return the survivors, the plain items, and whether a
    ``$patch: replace`` item asked for the plain items to become the whole list."""
    plain: list = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
        elif item[_DIRECTIVE] == "delete":
            if key not in item:
                raise _no_merge_key(item, key)
            original = [o for o in original if not (key in o and json_equal(o[key], item[key]))]
        elif item[_DIRECTIVE] == "replace":
            replace = True
        elif item[_DIRECTIVE] == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch", 400)
        else:
            raise PatchError(f"unknown patch type: {_go(item[_DIRECTIVE])} in map: {_go(item)}", 400)
    return original, plain, replace


def _find(items: list, key: str, value: Any) -> int:
    return next((i for i, item in enumerate(items) if key in item and json_equal(item[key], value)), -1)


def _position(order: list, item: Any, key: str) -> int:
    want = item.get(key) if key and isinstance(item, dict) else item
    for i, candidate in enumerate(order):
        have = candidate.get(key) if key and isinstance(candidate, dict) else candidate
        if json_equal(have, want):
            return i
    return -1


def _partition(merged: list, by: list, key: str) -> tuple[list, list]:
    """Split into (items named in ``by``, server-only items), keeping each side's order."""
    inside, outside = [], []
    for item in merged:
        if key and (not isinstance(item, dict) or key not in item):
            raise _no_merge_key(item, key)
        (inside if _position(by, item, key) >= 0 else outside).append(item)
    return inside, outside


def _normalize_order(from_patch: list, server_only: list, patch_order: list, server_order: list,
                     key: str) -> list:
    """Patch items in the patch's order, server-only items in the live order, interleaved.

    Upstream's ``mergeSortedSlice``: walking both lists, a server-only item goes first only when
    both items were in the live list and it came first there; so items new to the list land
    ahead of the server-only items that follow them.
    """
    def by(order: list, items: list) -> list:
        return sorted(items, key=lambda it: (p if (p := _position(order, it, key)) >= 0 else len(order)))

    left, right = by(server_order, server_only), by(patch_order, from_patch)
    out: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li, ri = _position(server_order, left[i], key), _position(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out
