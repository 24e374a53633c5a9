"""Server-side apply and the ownership bookkeeping of every write.

Two entry points, both pure (inputs are never changed):

* :func:`record_update` — what upstream's field manager does on create / update / patch: the
  fields the write changed become the writer's (operation ``Update``), and are taken from
  whoever owned them before; fields it removed are nobody's any more.
* :func:`apply` — ``PATCH`` with ``application/apply-patch+yaml``: merge the applied
  configuration into the live object, let the applier own exactly the fields it applied, remove
  what it applied last time and no longer does (unless someone else owns it), and refuse to
  change a value another manager owns unless forced (then ownership moves).

The algorithms are upstream's ``Updater.Apply`` / ``Updater.Update`` / ``prune`` from
sigs.k8s.io/structured-merge-diff, with one object version (we serve one version per kind, so
no conversion). Field sets and their encoding live in :mod:`.managedfields`.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any

from . import managedfields as mf
from .managedfields import EMPTY, FieldSet, Manager, Path, Type

#: The manager name upstream's ``managedFieldsUpdater`` gives the write in progress.
CURRENT_OPERATION = "current-operation"
#: kubectl's server-side apply manager; upstream eases its upgrade from client-side apply.
KUBECTL = "kubectl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: Upstream's ``DefaultMaxUpdateManagers``: older Update entries are merged into one.
MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES = "ancient-changes"

_ABSENT = mf.ABSENT


@dataclass(frozen=True)
class Writer:
    """Who writes, and through which endpoint: the parts of a managedFields entry known before
    the write (upstream's ``buildManagerInfoManager``)."""

    manager: str
    api_version: str
    subresource: str = ""
    time: str | None = None

    def entry(self, operation: str, fields: FieldSet = EMPTY) -> Manager:
        return Manager(self.manager, operation, self.api_version, fields, self.time, self.subresource)


class ApplyConflict(Exception):
    """An apply would change values other managers own; ``conflicts`` are (manager, path) pairs
    in the order upstream reports them."""

    def __init__(self, conflicts: list[tuple[Manager, Path]]) -> None:
        self.conflicts = conflicts
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Upstream's ``getConflictMessage``."""
        if len(self.conflicts) == 1:
            manager, path = self.conflicts[0]
            return f"Apply failed with 1 conflict: conflict with {manager.describe()}: {mf.path_string(path)}"
        lines: list[str] = []
        for who in sorted({m.identifier: m for m, _ in self.conflicts}.values(), key=lambda m: m.identifier):
            lines.append(f"conflicts with {who.describe()}:")
            lines.extend(f"- {mf.path_string(p)}" for m, p in self.conflicts if m.identifier == who.identifier)
        return f"Apply failed with {len(self.conflicts)} conflicts: " + "\n".join(lines)

    def causes(self) -> list[dict]:
        return [{"reason": "FieldManagerConflict", "message": f"conflict with {m.describe()}",
                 "field": mf.path_string(p)} for m, p in self.conflicts]


# ------------------------------------------------------------------ merging values
def merge(live: Any, config: Any, typ: Type) -> Any:
    """Upstream's ``TypedValue.Merge`` with the applied configuration on the right: its values
    win, maps and structs merge field by field, keyed and set lists merge item by item (in
    upstream's order), atomic values are replaced whole. A null in the configuration unsets."""
    if config is _ABSENT:
        return copy.deepcopy(live)
    if live is _ABSENT or live is None or typ.atomic:
        return copy.deepcopy(config)
    if isinstance(live, dict) and isinstance(config, dict):
        out = {}
        for key in list(live) + [k for k in config if k not in live]:
            value = merge(live.get(key, _ABSENT), config.get(key, _ABSENT), typ.child(key))
            if value is not None:
                out[key] = value
        return out
    if isinstance(live, list) and isinstance(config, list) and typ.schema is not None:
        return _merge_list(live, config, typ)
    return copy.deepcopy(config)


def _merge_list(live: list, config: list, typ: Type) -> list:
    """Upstream's ``visitListItems``: live-only items stay where they were, applied items
    follow the configuration's order, shared items are merged."""
    item_type = typ.item()
    lhs = [(mf.item_element(typ, item, i), item) for i, item in enumerate(live)]
    rhs = [(mf.item_element(typ, item, i), item) for i, item in enumerate(config)]
    observed_lhs = dict(lhs)
    observed_rhs = dict(rhs)
    shared = [pe for pe, _ in rhs if pe in observed_lhs]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[str] = set()
    out: list = []
    li = ri = 0
    while li < len(lhs) or ri < len(rhs):
        if li < len(lhs) and ri < len(rhs):
            pe = lhs[li][0]
            if pe == rhs[ri][0]:
                merged_rhs.add(pe)
                out.append(merge(observed_lhs[pe], observed_rhs[pe], item_type))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in observed_rhs and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lhs):
            pe, item = lhs[li]
            if pe not in observed_rhs:
                out.append(copy.deepcopy(item))
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
                continue
        if ri < len(rhs):
            pe = rhs[ri][0]
            merged_rhs.add(pe)
            out.append(merge(observed_lhs.get(pe, _ABSENT), observed_rhs[pe], item_type))
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out


def remove_items(value: Any, paths: set[Path], typ: Type) -> Any:
    """Upstream's ``RemoveItems``: drop every field and list item named in ``paths`` (with all
    below it). Atomic values are never looked into."""
    if not paths or typ.atomic:
        return value
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            element = mf.field_element(key)
            if (element,) in paths:
                continue
            below = {p[1:] for p in paths if p[0] == element and len(p) > 1}
            out[key] = remove_items(child, below, typ.child(key)) if below else child
        return out
    if isinstance(value, list) and typ.schema is not None:
        out_list = []
        item_type = typ.item()
        for i, item in enumerate(value):
            element = mf.item_element(typ, item, i)
            if (element,) in paths:
                continue
            below = {p[1:] for p in paths if p[0] == element and len(p) > 1}
            out_list.append(remove_items(item, below, item_type) if below else item)
        return out_list
    return value


# ------------------------------------------------------------------ ownership
def _update_owners(live: Any, new: Any, managers: dict[str, Manager], writer: str, force: bool, typ: Type,
                   ignored: FieldSet) -> tuple[dict[str, Manager], mf.Comparison]:
    """Upstream's ``Updater.update``: what the write changes is taken from the other managers
    (or, unforced, reported as conflicts); what it removes is nobody's any more."""
    comparison = mf.compare(live, new, typ)
    comparison.added = mf.recursive_difference(comparison.added, ignored)
    comparison.modified = mf.recursive_difference(comparison.modified, ignored)
    comparison.removed = mf.recursive_difference(comparison.removed, ignored)
    changed = comparison.changed
    conflicts: list[tuple[Manager, Path]] = []
    out = dict(managers)
    for ident, manager in managers.items():
        if ident == writer:
            continue
        taken = manager.fields & changed
        conflicts.extend((manager, p) for p in mf.sorted_paths(taken))
        kept = manager.fields - taken - comparison.removed
        if len(kept) != len(manager.fields):
            out[ident] = manager.with_fields(kept)
    if conflicts and not force:
        conflicts.sort(key=lambda c: c[0].identifier)
        raise ApplyConflict(conflicts)
    return {k: m for k, m in out.items() if m.fields}, comparison


def _strip(managers: dict[str, Manager], ident: str) -> dict[str, Manager]:
    """Upstream's ``stripMetaManager``: identity and server-written metadata are nobody's."""
    manager = managers.get(ident)
    if manager is None:
        return managers
    fields = manager.fields - mf.STRIPPED
    out = dict(managers)
    if fields:
        out[ident] = manager.with_fields(fields)
    else:
        del out[ident]
    return out


def _cap(managers: dict[str, Manager], limit: int = MAX_UPDATE_MANAGERS) -> dict[str, Manager]:
    """Upstream's ``capManagersManager``: beyond ``limit`` Update entries, the oldest are merged
    into one ``ancient-changes`` entry per version."""
    updates = sorted((m for m in managers.values() if m.operation == "Update" and m.manager != ANCIENT_CHANGES),
                     key=lambda m: m.time or "")
    if len(updates) <= limit:
        return managers
    out = dict(managers)
    for manager in updates[:len(updates) - limit]:
        del out[manager.identifier]
        ancient = Manager(ANCIENT_CHANGES, "Update", manager.api_version, EMPTY)
        previous = out.get(ancient.identifier, ancient)
        out[ancient.identifier] = previous.with_fields(previous.fields | manager.fields)
    return out


def record_update(old: dict | None, new: dict, writer: Writer, typ: Type, ignored: FieldSet = EMPTY) -> dict:
    """``new`` with its ``metadata.managedFields`` brought up to date for an ordinary write
    (``old`` is None for a create). Upstream's ``FieldManager.Update``: the managers come from
    the written object when it carries valid ones (a client may edit them; ``[]`` resets them),
    else from the stored object; a subresource write always keeps the stored ones."""
    result = dict(new)  # only metadata.managedFields changes: copy that far, not the whole object
    meta = result["metadata"] = dict(result.get("metadata") or {})
    sent = meta.pop("managedFields", None)
    live_entries = ((old or {}).get("metadata") or {}).get("managedFields")
    if writer.subresource:
        managers = _decode_or_empty(live_entries)  # a subresource cannot edit the record
    elif mf.is_reset(sent):
        managers = {}
    else:
        managers = _decode_or_empty(sent) or _decode_or_empty(live_entries)
    before = _without_managed_fields(old) if old is not None else {}
    after = _without_managed_fields(result)
    try:
        current = Manager(CURRENT_OPERATION, "Update", writer.api_version, EMPTY)
        managers, comparison = _update_owners(before, after, managers, current.identifier, True, typ, ignored)
    except mf.FieldSetError:
        return _with_entries(result, managers)  # as UpdateNoErrors: a value we cannot walk keeps the record
    taken = mf.recursive_difference(comparison.changed, ignored) - mf.STRIPPED
    if taken:
        entry = writer.entry("Update")
        previous = managers.get(entry.identifier)
        fields = taken | (previous.fields if previous else EMPTY)
        managers[entry.identifier] = entry.with_fields(fields)
    return _with_entries(result, _cap(managers))


def apply(live: dict | None, config: dict, writer: Writer, force: bool, typ: Type,
          ignored: FieldSet = EMPTY) -> dict:
    """The object after applying ``config`` as ``writer`` (``live`` is None for a create).

    When the apply changes no value, the result is a copy of ``live`` with only the ownership
    brought up to date (the time of the applier's entry kept), so an unchanged re-apply
    compares equal to ``live`` and the caller writes nothing. Raises :class:`ApplyConflict`, or
    :class:`~.managedfields.FieldSetError` for a configuration that cannot be walked.
    """
    base = _without_managed_fields(live) if live is not None else {}
    managers = _decode_or_empty(((live or {}).get("metadata") or {}).get("managedFields"))
    applier = writer.entry("Apply")
    ident = applier.identifier
    last = managers.get(ident)
    applied = mf.recursive_difference(mf.field_set(config, typ), ignored)
    try:
        return _apply(live, base, config, managers, applier, applied, last, force, typ, ignored)
    except ApplyConflict as conflict:
        if writer.manager != KUBECTL or force or live is None:
            raise
        allowed = _allowed_by_last_applied(base, typ)
        if not {p for _, p in conflict.conflicts} <= allowed:
            raise ApplyConflict([c for c in conflict.conflicts if c[1] not in allowed]) from None
        return _apply(live, base, config, managers, applier, applied, last, True, typ, ignored)


def _apply(live: dict | None, base: dict, config: dict, managers: dict[str, Manager], applier: Manager,
           applied: set[Path], last: Manager | None, force: bool, typ: Type, ignored: FieldSet) -> dict:
    """One attempt of upstream's ``Updater.Apply`` (merge, own, prune, take from others), then
    its ``managedFieldsUpdater``: the applier's time moves only when the object changed."""
    ident = applier.identifier
    merged = merge(base, config, typ)
    managers = dict(managers)
    managers[ident] = applier.with_fields(applied)
    merged = _prune(merged, managers, last, typ)
    managers, _ = _update_owners(base, merged, managers, ident, force, typ, ignored)
    managers = _strip(managers, ident)
    changed = not mf.compare(base, merged, typ).is_same()
    if live is not None and not changed:
        if ident in managers:
            previous_time = last.time if last else None
            managers[ident] = replace(managers[ident], time=previous_time)
        unchanged = _with_entries(copy.deepcopy(live), managers)
        return unchanged
    if KUBECTL == applier.manager and live is not None and \
            LAST_APPLIED in ((live.get("metadata") or {}).get("annotations") or {}):
        # upstream's lastAppliedUpdater keeps client-side apply's record in step
        merged.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = _last_applied(config)
    return _with_entries(merged, _cap(managers))


def _prune(merged: dict, managers: dict[str, Manager], last: Manager | None, typ: Type) -> dict:
    """Upstream's ``prune``: remove what the applier applied last time and no longer does,
    unless some manager (the applier's new configuration included) still owns it."""
    if last is None or not last.fields:
        return merged
    owned: set[Path] = set()
    for manager in managers.values():
        owned |= manager.fields
    to_remove = mf.ensure_named(last.fields, typ) - mf.ensure_named(owned, typ)
    return remove_items(merged, to_remove, typ)


def _allowed_by_last_applied(live: dict, typ: Type) -> set[Path]:
    """Upstream's ``lastAppliedManager``: kubectl's server-side apply may take over the fields
    client-side apply recorded in ``last-applied-configuration`` whose live values still match."""
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return set()
    try:
        last_applied = json.loads(text)
        if not isinstance(last_applied, dict) or last_applied.get("apiVersion") != live.get("apiVersion"):
            return set()
        fields = mf.field_set(last_applied, typ)
        differing = mf.compare(last_applied, live, typ)
    except (ValueError, mf.FieldSetError):
        return set()
    return fields - differing.added - differing.modified - differing.removed


def _last_applied(config: dict) -> str:
    """Upstream's ``buildLastApplied``: the applied configuration without the annotation
    itself, as Go encodes an unstructured object (sorted keys, compact)."""
    config = copy.deepcopy(config)
    meta = config.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations:
        meta.pop("annotations", None)
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def _decode_or_empty(entries: Any) -> dict[str, Manager]:
    """Managers from stored or sent entries; entries we cannot read count as none (upstream
    then falls back to the stored record, which is what the callers do)."""
    try:
        return mf.decode(entries)
    except mf.FieldSetError:
        return {}


def _without_managed_fields(obj: dict) -> dict:
    out = dict(obj)
    meta = dict(out.get("metadata") or {})
    meta.pop("managedFields", None)
    out["metadata"] = meta
    return out


def _with_entries(obj: dict, managers: dict[str, Manager]) -> dict:
    meta = obj.setdefault("metadata", {})
    entries = mf.encode(managers)
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)
    return obj
