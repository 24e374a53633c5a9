"""Field sets and ``metadata.managedFields``: the one place that knows their encoding.

Server-side apply and every ordinary write record which field manager set which fields. Upstream
(sigs.k8s.io/structured-merge-diff) keeps a *set of paths* per manager and serializes it as
``fieldsV1``. We do the same, with a path being a tuple of path elements already spelled as
``fieldsV1`` spells them, because that keeps the encoding trivial and the sets hashable:

* ``f:<name>``               a field of a struct or map
* ``k:{"name":"web"}``       an item of an associative list, by its list-map keys (sorted, JSON)
* ``v:"x"``                  an item of a set list, by its value (JSON)
* ``i:3``                    an item of a list without keys, by index (only in untyped subtrees)

A set holds *members*. When a member has members below it, ``fieldsV1`` marks it with ``".": {}``
(the list item itself, a map that was created, ...).

How a value is walked — which lists are atomic, keyed (and by what) or sets, which maps are
atomic — comes from the OpenAPI v3 schemas the server publishes (:mod:`.schemas`), as upstream
derives its SSA schema from the same OpenAPI. ``x-kubernetes-list-map-keys`` is what upstream keys
list items by, which differs from the strategic-merge-patch keys in ``patch.strategicpatch.KIND_SCHEMAS``
(container ports are keyed by ``containerPort`` *and* ``protocol``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from collections.abc import Iterable, Iterator

import orjson

from .patch.common import json_equal
from .schemas import KINDS, SCHEMAS, resolve_named

Path = tuple[str, ...]
FieldSet = frozenset[Path]
EMPTY: FieldSet = frozenset()

#: Struct types upstream marks ``+structType=atomic`` (``x-kubernetes-map-type: atomic``), which our
#: published schemas do not carry: they are owned and replaced as a whole.
ATOMIC_STRUCTS = frozenset({
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    "io.k8s.api.core.v1.NodeSelector", "io.k8s.api.core.v1.NodeSelectorTerm",
    "io.k8s.api.core.v1.ObjectReference", "io.k8s.api.core.v1.LocalObjectReference",
    "io.k8s.api.core.v1.TypedLocalObjectReference", "io.k8s.api.core.v1.ConfigMapKeySelector",
    "io.k8s.api.core.v1.SecretKeySelector", "io.k8s.api.core.v1.ObjectFieldSelector",
    "io.k8s.api.core.v1.ResourceFieldSelector", "io.k8s.api.core.v1.TopologySelectorTerm",
})

#: Map fields upstream marks ``+mapType=atomic``: a selector is replaced and owned whole.
ATOMIC_FIELDS = frozenset({
    ("io.k8s.api.core.v1.ServiceSpec", "selector"), ("io.k8s.api.core.v1.PodSpec", "nodeSelector"),
    ("io.k8s.api.core.v1.ReplicationControllerSpec", "selector"),
})

#: Pointer fields our published schemas mark as value structs (``default: {}``): unset, they
#: are absent, so a defaulted ``{}`` is a change upstream records.
POINTER_FIELDS = frozenset({("io.k8s.api.core.v1.PodSpec", "securityContext")})

#: Schema defaults of list-map key fields: upstream fills a key the item leaves out from the
#: schema's default (``protocol`` of a container or service port defaults to TCP).
KEY_DEFAULTS = {"protocol": "TCP"}

#: What upstream's ``stripMetaManager`` never records as owned: the object's identity and the
#: fields only the server writes.
STRIPPED: FieldSet = frozenset({
    ("f:apiVersion",), ("f:kind",), ("f:metadata",),
    *(("f:metadata", f"f:{name}") for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
        "managedFields", "resourceVersion")),
})


class FieldSetError(ValueError):
    """A value that cannot be turned into a field set (a keyed list item without its key)."""


# ------------------------------------------------------------------ schema navigation
@dataclass(frozen=True)
class Type:
    """How one node of an object is walked: the resolved OpenAPI schema plus upstream's
    structured-merge-diff reading of it. ``schema is None`` means untyped (deduced): maps are
    granular, lists atomic, as upstream treats ``x-kubernetes-preserve-unknown-fields``."""

    schema: dict | None
    name: str = ""
    value_struct: bool = False  # a non-pointer Go struct: never absent once decoded
    required: bool = False      # a field without ``omitempty``: null, not absent, when unset
    atomic_field: bool = False  # one of ATOMIC_FIELDS
    #: The types below this one, once resolved (schemas never change, and every write walks
    #: the same few: resolving them again per node was a tenth of a write's cost).
    _below: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def atomic(self) -> bool:
        s = self.schema
        if s is None:
            return False
        if s.get("x-kubernetes-map-type") == "atomic" or self.name in ATOMIC_STRUCTS or self.atomic_field:
            return True
        return s.get("type") == "array" and self.list_type == "atomic"

    @property
    def list_type(self) -> str:
        s = self.schema or {}
        if s.get("x-kubernetes-list-type"):
            return s["x-kubernetes-list-type"]
        return "map" if s.get("x-kubernetes-list-map-keys") else "atomic"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple((self.schema or {}).get("x-kubernetes-list-map-keys") or ())

    def is_struct(self) -> bool:
        return self.schema is not None and "properties" in self.schema

    def child(self, name: str) -> Type:
        """The type of field ``name`` of this struct or map (untyped when undeclared)."""
        typ = self._below.get(name)
        if typ is None:
            typ = self._below[name] = self._child(name)
        return typ

    def _child(self, name: str) -> Type:
        s = self.schema
        if s is None or s.get("x-kubernetes-preserve-unknown-fields"):
            return UNTYPED
        props = s.get("properties")
        if props is not None and name in props:
            typ = _resolve(props[name], required=name in (s.get("required") or ()))
            if (self.name, name) in POINTER_FIELDS:
                typ = replace(typ, value_struct=False)
            return replace(typ, atomic_field=True) if (self.name, name) in ATOMIC_FIELDS else typ
        extra = s.get("additionalProperties")
        if isinstance(extra, dict):
            return replace(_resolve(extra), value_struct=False)
        return UNTYPED

    def item(self) -> Type:
        """The type of this list's items (an item is never implied, so never a value struct)."""
        typ = self._below.get(_ITEM)
        if typ is None:
            typ = self._below[_ITEM] = self._item()
        return typ

    def _item(self) -> Type:
        s = self.schema
        if s is None or not isinstance(s.get("items"), dict):
            return UNTYPED
        return replace(_resolve(s["items"]), value_struct=False)


UNTYPED = Type(None)
#: The key of a list's item type among a type's resolved ones (no field name is empty).
_ITEM = ""


def _resolve(schema: dict, required: bool = False) -> Type:
    """Follow ``$ref`` / single ``allOf`` to the definition, remembering its name and whether the
    reference is to a value struct (upstream publishes ``default: {}`` beside those)."""
    value_struct = schema.get("default") == {}
    schema, name = resolve_named(schema)
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return Type(None, name, value_struct, required)
    return Type(schema, name, value_struct, required)


@lru_cache(maxsize=None)
def type_for(group: str, version: str, kind: str) -> Type:
    """The root type of a kind; untyped for a kind we publish no schema for. One per kind, so
    that the types below it are resolved once."""
    name = KINDS.get((group, version, kind))
    return Type(SCHEMAS[name], name, True) if name else UNTYPED


# ------------------------------------------------------------------ path elements
def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def field_element(name: str) -> str:
    return f"f:{name}"


def item_element(list_type: Type, item: Any, index: int) -> str:
    """The path element naming ``item`` in a list of ``list_type`` (upstream's listItemToPathElement)."""
    if list_type.schema is None or list_type.list_type == "atomic":
        return f"i:{index}"
    if list_type.list_type == "set":
        return f"v:{_compact(item)}"
    if not isinstance(item, dict):
        raise FieldSetError(f"associative list with keys may not have non-map elements: {_compact(item)}")
    keys = {}
    for key in list_type.keys:
        if key in item:
            keys[key] = item[key]
        elif key in KEY_DEFAULTS:
            keys[key] = KEY_DEFAULTS[key]
        else:
            raise FieldSetError(f"associative list with keys has an element that omits key field "
                                f"{json.dumps(key)} (and doesn't have default value)")
    return "k:" + _compact(dict(sorted(keys.items())))


def path_string(path: Path) -> str:
    """A path as upstream prints it in conflicts: ``.spec.containers[name="web"].image``."""
    out = []
    for element in path:
        kind, text = element[0], element[2:]
        if kind == "f":
            out.append("." + text)
        elif kind == "k":
            out.append("[" + ",".join(f"{k}={_compact(v)}" for k, v in json.loads(text).items()) + "]")
        elif kind == "v":
            out.append(f"[={text}]")
        else:
            out.append(f"[{text}]")
    return "".join(out)


def _element_order(element: str) -> tuple:
    """Upstream's PathElement order: fields, then keys, then values, then indexes."""
    rank = "fkvi".index(element[0])
    if element[0] == "i":
        return rank, int(element[2:]), ""
    return rank, 0, element[2:]


def sorted_paths(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: [_element_order(e) for e in p])


# ------------------------------------------------------------------ fieldsV1 encoding
def to_fields_v1(fields: Iterable[Path]) -> dict:
    """Encode a set of paths as ``fieldsV1``: children in upstream's order, ``"."`` first for a
    member that has members below it."""
    tree: dict = {}
    members: set[Path] = set(fields)
    for path in members:
        node = tree
        for element in path:
            node = node.setdefault(element, {})

    def emit(node: dict, prefix: Path) -> dict:
        out: dict = {}
        if prefix in members and node:
            out["."] = {}
        for element in sorted(node, key=_element_order):
            out[element] = emit(node[element], prefix + (element,))
        return out

    return emit(tree, ())


def from_fields_v1(encoded: Any) -> FieldSet:
    """Decode ``fieldsV1`` into a set of paths; refuses anything upstream could not parse."""
    if not isinstance(encoded, dict):
        raise FieldSetError("fieldsV1 must be an object")
    out: set[Path] = set()

    def walk(node: dict, prefix: Path) -> None:
        for element, child in node.items():
            if element == ".":
                if prefix:
                    out.add(prefix)
                continue
            if element[:2] not in ("f:", "k:", "v:", "i:") or not isinstance(child, dict):
                raise FieldSetError(f"parsing JSON: unknown path element {element!r}")
            path = prefix + (element,)
            if child:
                walk(child, path)
            else:
                out.add(path)

    walk(encoded, ())
    return frozenset(out)


# ------------------------------------------------------------------ sets of values
def field_set(value: Any, typ: Type, prefix: Path = ()) -> set[Path]:
    """Upstream's ``ToFieldSet`` of an applied configuration: every leaf, every list item, every
    atomic value; maps and structs are not members themselves.

    Like upstream's conversion of an apply patch to a typed value, it refuses (with upstream's
    ``ValidationErrors`` text) fields the schema does not declare, keyed items without their
    key, and two items with the same key: ownership could not be told apart otherwise."""
    out: set[Path] = set()
    problems: list[str] = []
    _to_set(value, typ, prefix, out, problems)
    if len(problems) == 1:
        raise FieldSetError(problems[0])
    if problems:
        raise FieldSetError("\n  ".join(["errors:", *problems]))
    return out


def _to_set(value: Any, typ: Type, path: Path, out: set[Path], problems: list[str]) -> None:
    if isinstance(value, dict) and not typ.atomic:
        declared = (typ.schema or {}).get("properties")
        open_map = isinstance((typ.schema or {}).get("additionalProperties"), dict)
        for key, child in value.items():
            child_path = path + (field_element(key),)
            if declared is not None and key not in declared and not open_map and \
                    not (typ.schema or {}).get("x-kubernetes-preserve-unknown-fields"):
                problems.append(f"{path_string(child_path)}: field not declared in schema")
                continue
            _to_set(child, typ.child(key), child_path, out, problems)
    elif isinstance(value, list) and not typ.atomic and typ.schema is not None:
        item_type = typ.item()
        seen: set[str] = set()
        for index, item in enumerate(value):
            try:
                element = item_element(typ, item, index)
            except FieldSetError as exc:
                problems.append(f"{path_string(path)}: element {index}: {exc}")
                continue
            if element in seen:
                problems.append(f"{path_string(path)}: duplicate entries for key {path_string((element,))}")
                continue
            seen.add(element)
            out.add(path + (element,))
            _to_set(item, item_type, path + (element,), out, problems)
    elif path and (value is not None or not (typ.is_struct() or (typ.schema or {}).get("type") in ("object", "array"))):
        out.add(path)  # a leaf, an atomic value, or a scalar explicitly set to null


def ensure_named(fields: Iterable[Path], root: Type) -> set[Path]:
    """Upstream's ``EnsureNamedFieldsAreMembers``: every struct field on the way to a member
    becomes a member too (map keys and list items on the way do not)."""
    out = set(fields)
    for path in list(out):
        typ = root
        for depth, element in enumerate(path[:-1]):
            parent = typ
            typ = _step(typ, element)
            if element.startswith("f:") and parent.is_struct() and element[2:] in parent.schema["properties"]:
                out.add(path[:depth + 1])
    return out


def _step(typ: Type, element: str) -> Type:
    return typ.child(element[2:]) if element.startswith("f:") else typ.item()


def recursive_difference(fields: Iterable[Path], ignored: Iterable[Path]) -> set[Path]:
    """The paths of ``fields`` that are neither in ``ignored`` nor below one of its paths."""
    ignored = tuple(ignored)
    if not ignored:  # most kinds reset nothing
        return set(fields)
    return {p for p in fields if not any(p[:len(i)] == i for i in ignored)}


# ------------------------------------------------------------------ comparing two objects
@dataclass
class Comparison:
    """What changed from one object to the next, as upstream's ``TypedValue.Compare``."""

    added: set[Path] = field(default_factory=set)
    modified: set[Path] = field(default_factory=set)
    removed: set[Path] = field(default_factory=set)

    def is_same(self) -> bool:
        return not (self.added or self.modified or self.removed)

    @property
    def changed(self) -> set[Path]:
        return self.added | self.modified


#: A value that is not there at all (``None`` is JSON null).
ABSENT = object()
_ABSENT = ABSENT


def compare(old: Any, new: Any, root: Type) -> Comparison:
    """Compare two objects of type ``root`` as upstream does after decoding both into Go structs:
    a value struct is never absent and a field without ``omitempty`` is null rather than absent,
    so neither is reported as added or removed itself. A map or list item that appears is a
    member of ``added`` as well as its leaves (that is the ``"."`` in ``fieldsV1``)."""
    if isinstance(old, dict) and not old:
        return _compare_with_nothing(new, root)
    out = Comparison()
    _compare(old, new, root, (), out)
    return out


#: Comparisons of a create (nothing before), by root type and the new object's shape.
_CREATED_CACHE: dict[tuple, tuple[frozenset, frozenset, frozenset]] = {}
_CREATED_CACHE_SIZE = 1024


def _compare_with_nothing(new: Any, root: Type) -> Comparison:
    """:func:`compare` of ``{}`` (a create) with ``new``, remembered by the shape of ``new``.

    Against nothing, the paths found depend on the object's field names, on which values are
    null, empty, maps or lists, and on list items (their keys name the paths), but never on
    the value of a scalar field: the Events of one component, or the pods of one template,
    differ only there and share one walk."""
    key = (id(root.schema), root.name, root.value_struct, root.required, root.atomic_field, _json_key(_shape(new)))
    cached = _CREATED_CACHE.get(key)
    if cached is None:
        out = Comparison()
        _compare({}, new, root, (), out)
        cached = (frozenset(out.added), frozenset(out.modified), frozenset(out.removed))
        if len(_CREATED_CACHE) >= _CREATED_CACHE_SIZE:
            _CREATED_CACHE.pop(next(iter(_CREATED_CACHE)))
        _CREATED_CACHE[key] = cached
    return Comparison(set(cached[0]), set(cached[1]), set(cached[2]))


def _json_key(value: Any) -> bytes | str:
    """``value`` as JSON, to remember something by (``1``, ``1.0`` and ``true`` differ)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # what orjson cannot write (an integer beyond 64 bits)
        return json.dumps(value, separators=(",", ":"))


def _shape(value: Any) -> Any:
    """``value`` with every scalar directly in a map replaced by 0; lists are kept whole (their
    items' keys are part of the paths) and so are nulls."""
    if isinstance(value, dict):
        return {k: _shape(v) if isinstance(v, dict) else v if v is None or isinstance(v, list) else 0
                for k, v in value.items()}
    return value


def _present_as(value: Any, typ: Type, parent_decoded: bool) -> Any:
    """A value as upstream sees it once decoded into a Go struct: null is unset; inside a
    decoded struct an unset value struct is an empty struct and an unset field without
    ``omitempty`` is null. Below something that did not exist, nothing exists."""
    if value is None:
        value = _ABSENT
    if value is _ABSENT and parent_decoded:
        if typ.value_struct:
            return {}
        if typ.required and (typ.schema or {}).get("type") in ("array", "object"):
            return None
    return value


def _empty(value: Any) -> bool:
    return value is _ABSENT or value is None or (isinstance(value, (dict, list)) and not value)


def _compare(old: Any, new: Any, typ: Type, path: Path, out: Comparison, old_parent: bool = True,
             new_parent: bool = True) -> None:
    old, new = _present_as(old, typ, old_parent), _present_as(new, typ, new_parent)
    if old is _ABSENT and new is _ABSENT:
        return
    if _identical(old, new):
        return  # nothing below changed: skipping equal subtrees is what keeps every write cheap
    dicts = isinstance(old, dict) or isinstance(new, dict)
    lists = isinstance(old, list) or isinstance(new, list)
    leaf = typ.atomic or (dicts == lists) or (_empty(old) and _empty(new)) or (lists and typ.schema is None)
    if leaf:
        if old is _ABSENT:
            out.added.add(path)
        elif new is _ABSENT:
            out.removed.add(path)
        elif not json_equal(old, new):
            out.modified.add(path)
        return
    if old is _ABSENT:
        out.added.update(path + p for p in _added_subtree(new, typ))
        if path:
            out.added.add(path)
        return
    for element, child_type, o, n in _children(old, new, typ):
        _compare(o, n, child_type, path + (element,), out, isinstance(old, dict), isinstance(new, dict))
    if path:
        if old is _ABSENT:
            out.added.add(path)
        elif new is _ABSENT:
            out.removed.add(path)


#: Field sets of whole new subtrees, by (type, subtree as JSON): pods stamped from one
#: template and the Events about them repeat the same subtrees, and a create walks them all.
_ADDED_CACHE: dict[tuple, frozenset] = {}
_ADDED_CACHE_SIZE = 4096


def _added_subtree(new: Any, typ: Type) -> frozenset:
    """The paths, relative to ``new``, that a subtree appearing where nothing was adds."""
    key = (id(typ.schema), typ.name, typ.value_struct, typ.required, typ.atomic_field, _json_key(new))
    cached = _ADDED_CACHE.get(key)
    if cached is None:
        out = Comparison()
        for element, child_type, _, n in _children(_ABSENT, new, typ):
            _compare(_ABSENT, n, child_type, (element,), out, False, isinstance(new, dict))
        cached = frozenset(out.added)
        if len(_ADDED_CACHE) >= _ADDED_CACHE_SIZE:
            _ADDED_CACHE.pop(next(iter(_ADDED_CACHE)))
        _ADDED_CACHE[key] = cached
    return cached


def _identical(old: Any, new: Any) -> bool:
    """Equal as JSON, cheaply: Python's ``==`` (which says ``1 == True``) confirmed by the
    C-speed encoder (which does not), keys sorted (a map's order is no change: metadata
    written back by a client seldom keeps the stored order). A false "no" only costs the
    slow walk."""
    if type(old) is not type(new) or old != new:
        return False
    if not isinstance(old, (dict, list)):
        return True
    try:
        return orjson.dumps(old, option=orjson.OPT_SORT_KEYS) == orjson.dumps(new, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson cannot write (an integer beyond 64 bits): walk it
        return False


def _children(old: Any, new: Any, typ: Type) -> Iterator[tuple[str, Type, Any, Any]]:
    """The (element, type, old child, new child) pairs below a granular map or list."""
    if isinstance(old, dict) or isinstance(new, dict):
        o = old if isinstance(old, dict) else {}
        n = new if isinstance(new, dict) else {}
        for key in list(o) + [k for k in n if k not in o]:
            yield field_element(key), typ.child(key), o.get(key, _ABSENT), n.get(key, _ABSENT)
        return
    item_type = typ.item()
    o_items = index_items(old if isinstance(old, list) else [], typ)
    n_items = index_items(new if isinstance(new, list) else [], typ)
    for element in list(o_items) + [e for e in n_items if e not in o_items]:
        yield element, item_type, o_items.get(element, _ABSENT), n_items.get(element, _ABSENT)


def index_items(items: list, typ: Type) -> dict[str, Any]:
    """A list's items by path element (a later duplicate wins, as it would when decoded)."""
    return {item_element(typ, item, i): item for i, item in enumerate(items)}


# ------------------------------------------------------------------ managedFields entries
@dataclass
class Manager:
    """One ``managedFields`` entry: who, how (Apply or Update), at which version, which fields."""

    manager: str
    operation: str
    api_version: str
    fields: FieldSet
    time: str | None = None
    subresource: str = ""

    @property
    def identifier(self) -> str:
        """Upstream's manager identity: the entry without time and fields, and without the
        apiVersion for appliers (re-applying at another version is the same applier)."""
        return _identifier(self.manager, self.operation, self.api_version, self.subresource)

    def with_fields(self, fields: Iterable[Path]) -> Manager:
        """This entry owning ``fields`` instead (``dataclasses.replace``, without the cost of
        its introspection: every write replaces a few entries)."""
        return Manager(self.manager, self.operation, self.api_version, frozenset(fields), self.time,
                       self.subresource)

    def describe(self) -> str:
        """How conflicts name this manager (upstream's ``printManager``)."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text

    def entry(self) -> dict:
        out: dict = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version}
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = _encoded_fields(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


@lru_cache(maxsize=1024)
def _identifier(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """:attr:`Manager.identifier`, remembered: a write asks for a few of them, and the same
    few managers write again and again."""
    ident = {"manager": manager, "operation": operation}
    if operation == "Update":
        ident["apiVersion"] = api_version
    if subresource:
        ident["subresource"] = subresource
    return _compact(ident)


def decode(entries: Any) -> dict[str, Manager]:
    """``metadata.managedFields`` as managers by identity; raises :class:`FieldSetError`."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise FieldSetError("managedFields must be a list")
    out: dict[str, Manager] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise FieldSetError("managedFields entries must be objects")
        if entry.get("fieldsType", "FieldsV1") != "FieldsV1":
            raise FieldSetError(f"unexpected fieldsType {entry.get('fieldsType')!r}")
        manager = Manager(str(entry.get("manager", "")), str(entry.get("operation", "")),
                          str(entry.get("apiVersion", "")), _decoded_fields(entry.get("fieldsV1") or {}),
                          entry.get("time"), str(entry.get("subresource", "")))
        if manager.identifier in out:
            raise FieldSetError(f"duplicate entry for manager {manager.identifier}")
        out[manager.identifier] = manager
    return out


#: ``fieldsV1`` of field sets already encoded (as JSON) and field sets of ``fieldsV1`` already
#: decoded: every write decodes the stored record and encodes the new one, and the writers of
#: one kind own the same few sets again and again.
_ENCODED: dict[FieldSet, bytes] = {}
_DECODED: dict[bytes, FieldSet] = {}
_CODED_CACHE_SIZE = 4096


def _encoded_fields(fields: FieldSet) -> dict:
    """:func:`to_fields_v1`, remembered; each call returns a new dict (callers own it)."""
    if not isinstance(fields, frozenset):
        return to_fields_v1(fields)
    text = _ENCODED.get(fields)
    if text is None:
        text = orjson.dumps(to_fields_v1(fields))
        _remember(_ENCODED, fields, text)
    return orjson.loads(text)


def _decoded_fields(encoded: Any) -> FieldSet:
    """:func:`from_fields_v1`, remembered by the encoding's JSON (sets are immutable)."""
    try:
        key = orjson.dumps(encoded)
    except TypeError:  # not JSON orjson can write: decode it every time
        return from_fields_v1(encoded)
    fields = _DECODED.get(key)
    if fields is None:
        fields = from_fields_v1(encoded)
        _remember(_DECODED, key, fields)
    return fields


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= _CODED_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value


def encode(managers: dict[str, Manager]) -> list[dict]:
    """The entries in upstream's order: Apply before Update, then by time, manager, version."""
    ordered = sorted(managers.values(), key=lambda m: (m.operation, m.time or "", m.manager, m.api_version,
                                                       m.subresource))
    return [m.entry() for m in ordered if m.fields]


def is_reset(entries: Any) -> bool:
    """Upstream's ``isResetManagedFields``: ``[]`` or ``[{}]`` in a write clears the record."""
    return entries == [] or entries == [{}]
