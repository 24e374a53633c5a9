"""PATCH bodies: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge patch.

Promises:

* Every function is pure: inputs are deep-copied, never changed, and a new document is returned.
* Failures raise :class:`PatchError` (a ``ValueError``) whose text is upstream's (evanphx/json-patch,
  k8s.io/apimachinery ``strategicpatch``/``mergepatch``), and whose ``code`` is the HTTP status
  kube-apiserver answers with (400 for a body it cannot read, 422 for a JSON Patch that does not
  apply). Where upstream lets a strategic merge error through unclassified (a missing merge key,
  an unknown ``$patch``, a directive of the wrong type) it answers 500 and logs "an error that is
  not a metav1.Status"; the patch is the client's mistake, so here it is 400, with upstream's
  text. Note that for a 422 upstream replaces the message with "the server rejected our request
  due to an error in our request"; the detailed text is kept here so the server can choose what a
  learner sees.
* An unsupported ``Content-Type`` raises :class:`UnsupportedPatchType` (the server answers 415).
  Server-side apply (``application/apply-patch+yaml``) is not handled here.

Strategic merge patch is driven by ``KIND_SCHEMAS``, a literal table of the patch strategies and
merge keys that upstream declares in struct tags (``patchStrategy:"merge" patchMergeKey:"name"``)
for the kinds we serve. A field missing from a known schema is atomic: maps merge key by key,
lists are replaced whole. For a kind missing from the table (which kube-apiserver would refuse with
415, and ``apply_patch`` does too) ``strategic_merge_patch`` falls back to ``FALLBACK_BY_NAME``,
which guesses the merge key from the field name alone.

Two deliberate differences from upstream, both about patch values placed where the live object
had nothing: they are merged into an empty value, so ``$patch`` directives and nulls inside them
take effect instead of being stored; and ``$deleteFromPrimitiveList`` on a missing list is a no-op.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from simulation.apimachinery.jsonvalue import deep_copy

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


class PatchError(ValueError):
    """A patch that cannot be read or applied; ``code`` is the HTTP status upstream answers."""

    def __init__(self, message: str, code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class UnsupportedPatchType(Exception):
    """The PATCH Content-Type is not one this kind accepts (HTTP 415)."""

    def __init__(self, content_type: str, accepted: tuple[str, ...]) -> None:
        super().__init__(f"the server does not support patch type {content_type!r} here")
        self.content_type = content_type
        self.accepted = accepted


# --------------------------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------------------------

def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


def json_equal(a: Any, b: Any) -> bool:
    """JSON value equality: ``1 == 1.0`` but ``1 != true`` (Python's ``==`` says ``1 == True``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if _json_kind(a) != _json_kind(b):
        return False
    return a == b


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
            "number": "float64", "string": "string", "null": "<nil>"}[_json_kind(value)]


def _decode(body: Any) -> Any:
    """The patch body as JSON values; bytes and str are parsed, anything else is deep-copied."""
    if isinstance(body, (bytes, bytearray, str)):
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else body
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            if err.pos >= len(text.rstrip()):
                raise PatchError("unexpected end of JSON input", 400) from None
            raise PatchError(f"invalid character {text[err.pos]!r} looking for beginning of value", 400) from None
    return deep_copy(body)


# --------------------------------------------------------------------------------------------
# RFC 7386 JSON Merge Patch
# --------------------------------------------------------------------------------------------

def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces.
    Neither argument is changed."""
    return _merge_into(deep_copy(target), patch)


def _merge_into(target: Any, patch: Any) -> Any:
    """Merge ``patch`` into ``target`` in place (``target`` is the caller's own copy)."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_into(result.get(key), value)
    return result


# --------------------------------------------------------------------------------------------
# RFC 6902 JSON Patch
# --------------------------------------------------------------------------------------------

def _pointer(path: str) -> list[str] | None:
    """RFC 6901 tokens (``~1`` → ``/`` before ``~0`` → ``~``); ``None`` when malformed."""
    if path == "":
        return []
    if not path.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _array_index(token: str) -> int | None:
    """RFC 6901 array index: ``0`` or digits without a leading zero."""
    if token.isascii() and token.isdigit() and (token == "0" or not token.startswith("0")):
        return int(token)
    return None


def _container(doc: Any, tokens: list[str] | None) -> Any:
    """The object or array that holds the last token, or ``None`` when the path leads nowhere."""
    if not tokens:
        return None
    cur = doc
    for token in tokens[:-1]:
        if isinstance(cur, dict) and token in cur:
            cur = cur[token]
        elif isinstance(cur, list) and (i := _array_index(token)) is not None and i < len(cur):
            cur = cur[i]
        else:
            return None
    return cur if isinstance(cur, (dict, list)) else None


def _lookup(doc: Any, tokens: list[str] | None) -> tuple[bool, Any]:
    if tokens == []:
        return True, doc
    parent = _container(doc, tokens)
    if parent is None:
        return False, None
    key = tokens[-1]
    if isinstance(parent, dict):
        return (key in parent), parent.get(key)
    i = _array_index(key)
    return (True, parent[i]) if i is not None and i < len(parent) else (False, None)


def _missing(op: str, path: str, quoted: bool = False, what: str = "path") -> PatchError:
    shown = f'"{path}"' if quoted else path
    return PatchError(f"{op} operation does not apply: doc is missing {what}: {shown}: missing value")


def _add(doc: Any, path: str, value: Any, op: str = "add") -> Any:
    tokens = _pointer(path)
    if tokens == []:
        return value
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing(op, path, quoted=(op == "add"), what="path" if op == "add" else "destination path")
    key = tokens[-1]
    if isinstance(parent, dict):
        parent[key] = value
    elif key == "-":
        parent.append(value)
    else:
        i = _array_index(key)
        if i is None:
            raise PatchError(f"error in {op} for path: '{path}': value was not a proper array index: '{key}'")
        if i > len(parent):
            raise PatchError(f"error in {op} for path: '{path}': Unable to access invalid index: {i}: "
                             "invalid index referenced")
        parent.insert(i, value)
    return doc


def _remove(doc: Any, path: str, op: str = "remove") -> Any:
    tokens = _pointer(path)
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing(op, path, quoted=(op == "remove"), what="path" if op == "remove" else "from path")
    key = tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise PatchError(f"error in {op} for path: '{path}': Unable to remove nonexistent key: {key}: "
                             "missing value")
        del parent[key]
    else:
        i = _array_index(key)
        if i is None or i >= len(parent):
            raise PatchError(f"error in {op} for path: '{path}': Unable to access invalid index: {key}: "
                             "invalid index referenced")
        del parent[i]
    return doc


def _op_replace(doc: Any, op: dict) -> Any:
    path = op["path"]
    tokens = _pointer(path)
    if tokens == []:
        return _value(op)
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing("replace", path)
    if not _lookup(doc, tokens)[0]:
        raise _missing("replace", path, what="key")
    key = tokens[-1]
    parent[key if isinstance(parent, dict) else _array_index(key)] = _value(op)
    return doc


def _op_move(doc: Any, op: dict) -> Any:
    src, dst = _from(op), op["path"]
    found, value = _lookup(doc, _pointer(src))
    if not found:
        raise _missing("move", src, what="from path")
    if dst == src:
        return doc
    if dst.startswith(src + "/"):
        raise PatchError(f"move operation does not apply: from path {src} is an ancestor of path {dst}")
    return _add(_remove(doc, src, "move"), dst, value, "move")


def _op_copy(doc: Any, op: dict) -> Any:
    src = _from(op)
    found, value = _lookup(doc, _pointer(src))
    if not found:
        raise _missing("copy", src, what="from path")
    return _add(doc, op["path"], deep_copy(value), "copy")


def _op_test(doc: Any, op: dict) -> Any:
    path = op["path"]
    tokens = _pointer(path)
    if tokens and _container(doc, tokens) is None:
        raise PatchError(f"test operation does not apply: is missing path: {path}: missing value")
    found, value = _lookup(doc, tokens)
    if not found or not json_equal(value, _value(op)):
        raise PatchError(f"testing value {path} failed: test failed")
    return doc


def _value(op: dict) -> Any:
    if "value" not in op:
        raise PatchError(f"{op['op']} operation, missing value field: missing value")
    return deep_copy(op["value"])


def _from(op: dict) -> str:
    src = op.get("from")
    if not isinstance(src, str):
        raise PatchError(f"{op['op']} operation failed to decode from: missing value")
    return src


_OPERATIONS = {
    "add": lambda doc, op: _add(doc, op["path"], _value(op)),
    "remove": lambda doc, op: _remove(doc, op["path"]),
    "replace": _op_replace,
    "move": _op_move,
    "copy": _op_copy,
    "test": _op_test,
}


def json_patch(target: Any, ops: list) -> Any:
    """RFC 6902: apply ``ops`` in order; any failing operation fails the whole patch."""
    doc = deep_copy(target)
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError(f"json: cannot unmarshal {_json_kind(op)} into Go value of type jsonpatch.Operation",
                             400)
        kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
        if kind not in _OPERATIONS:
            raise PatchError(f"Unexpected kind: {kind}")
        if not isinstance(op.get("path"), str):
            raise PatchError(f"{kind} operation failed to decode path: missing value")
        doc = _OPERATIONS[kind](doc, op)
    return doc


# --------------------------------------------------------------------------------------------
# Strategic merge patch: the schema table
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
# Strategic merge patch: the algorithm (server side of k8s.io/apimachinery strategicpatch)
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
        this = _json_kind(value)
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


# --------------------------------------------------------------------------------------------
# Dispatch on Content-Type
# --------------------------------------------------------------------------------------------

def accepted_patch_types(kind: str) -> tuple[str, ...]:
    """What kube-apiserver lists in a 415: strategic merge only for the built-in kinds."""
    if kind in KIND_SCHEMAS:
        return (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
    return (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)


def apply_patch(target: dict, patch: bytes | str | Any, content_type: str, kind: str) -> dict:
    """Apply a PATCH body of ``content_type`` to ``target`` (a ``kind`` object); returns a new object.

    ``application/apply-patch+yaml`` (server-side apply) must be handled by the caller before this.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH) or \
            media not in accepted_patch_types(kind):
        raise UnsupportedPatchType(content_type, accepted_patch_types(kind))
    body = _decode(patch)
    if media == JSON_PATCH:
        if body is not None and not isinstance(body, list):
            raise PatchError(f"json: cannot unmarshal {_json_kind(body)} into Go value of type jsonpatch.Patch", 400)
        result = json_patch(target, body or [])
    elif media == MERGE_PATCH:
        if body is None:
            raise PatchError("Invalid JSON Patch", 400)
        result = json_merge_patch(target, body)
    else:
        if body is not None and not isinstance(body, dict):
            raise PatchError(f"json: cannot unmarshal {_json_kind(body)} into Go value of type "
                             "map[string]interface {}", 400)
        result = strategic_merge_patch(target, body or {}, kind)
    if not isinstance(result, dict):
        raise PatchError(f"json: cannot unmarshal {_json_kind(result)} into Go value of type "
                         "map[string]interface {}", 400)
    return result
