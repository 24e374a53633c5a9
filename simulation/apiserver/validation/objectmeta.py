"""``metadata`` validation shared by every kind (apimachinery ``api/validation/objectmeta.go``),
plus labels and label selectors (``apis/meta/v1/validation``).

Immutability of ``metadata.name``/``namespace``/``uid``/``creationTimestamp`` and the
``resourceVersion`` precondition are the server's (registry's) job, so
:func:`validate_object_meta_update` does not repeat them.
"""
from __future__ import annotations

from typing import Callable

from simulation.apimachinery.validation import is_qualified_name, is_valid_label_value, name_is_dns_label

from . import field
from .field import GoRepr, go_string_slice

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
NameFunc = Callable[[str, bool], list]

#: ``helper.IsStandardFinalizerName``: the finalizers without a domain prefix that Kubernetes owns.
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
_BANNED_OWNERS = {("v1", "Event")}


def validate_labels(labels: dict | None, path: str) -> list[dict]:
    errs: list[dict] = []
    for key, value in (labels or {}).items():
        errs += [field.invalid(path, key, m) for m in is_qualified_name(key)]
        errs += [field.invalid(path, value, m) for m in is_valid_label_value(str(value))]
    return errs


def validate_annotations(annotations: dict | None, path: str) -> list[dict]:
    errs: list[dict] = []
    total = 0
    for key, value in (annotations or {}).items():
        # Annotation keys are qualified names, except that case does not matter.
        errs += [field.invalid(path, key, m) for m in is_qualified_name(key.lower())]
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(field.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_finalizers(finalizers: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    finalizers = finalizers or []
    for name in finalizers:
        errs += [field.invalid(path, name, m) for m in is_qualified_name(name)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errs.append(field.invalid(path, go_string_slice(finalizers),
                                  "finalizer orphan and foregroundDeletion cannot be both set"))
    # core's extra rule: an unqualified finalizer must be one Kubernetes knows.
    for i, name in enumerate(finalizers):
        if "/" not in name and name not in STANDARD_FINALIZERS:
            errs.append(field.invalid(f"{path}[{i}]", name,
                                      "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


def validate_owner_references(refs: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    controller = ""
    for ref in refs or []:
        api_version = ref.get("apiVersion", "")
        version = api_version.split("/")[-1] if api_version else ""
        if not version:
            errs.append(field.invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        if not ref.get("kind"):
            errs.append(field.invalid(f"{path}.kind", ref.get("kind", ""), "must not be empty"))
        if not ref.get("name"):
            errs.append(field.invalid(f"{path}.name", ref.get("name", ""), "must not be empty"))
        if not ref.get("uid"):
            errs.append(field.invalid(f"{path}.uid", ref.get("uid", ""), "must not be empty"))
        if (api_version, ref.get("kind")) in _BANNED_OWNERS:
            errs.append(field.invalid(path, GoRepr(str(ref)), "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller"):
            current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if controller:
                errs.append(field.invalid(path, GoRepr(str(refs)), "Only one reference can have Controller set "
                                          f"to true. Found \"true\" in references for {controller} and {current}"))
            else:
                controller = current
    return errs


def _common(meta: dict, namespaced: bool, path: str) -> list[dict]:
    errs: list[dict] = []
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(field.required(f"{path}.namespace"))
        else:
            errs += [field.invalid(f"{path}.namespace", namespace, m) for m in name_is_dns_label(namespace)]
    elif namespace:
        errs.append(field.forbidden(f"{path}.namespace", "not allowed on this type"))
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        errs.append(field.invalid(f"{path}.generation", generation, "must be greater than or equal to 0"))
    errs += validate_labels(meta.get("labels"), f"{path}.labels")
    errs += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    errs += validate_owner_references(meta.get("ownerReferences"), f"{path}.ownerReferences")
    errs += validate_finalizers(meta.get("finalizers"), f"{path}.finalizers")
    return errs


def validate_object_meta(meta: dict | None, namespaced: bool, name_fn: NameFunc,
                         path: str = "metadata") -> list[dict]:
    """Create-time metadata checks. The server has already turned a generateName into a name."""
    meta = meta or {}
    errs: list[dict] = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        errs += [field.invalid(f"{path}.generateName", generate_name, m) for m in name_fn(generate_name, True)]
    name = meta.get("name") or ""
    if not name:
        errs.append(field.required(f"{path}.name", "name or generateName is required"))
    else:
        errs += [field.invalid(f"{path}.name", name, m) for m in name_fn(name, False)]
    return errs + _common(meta, namespaced, path)


def validate_object_meta_update(new: dict | None, old: dict | None, path: str = "metadata") -> list[dict]:
    """Update-time metadata checks that the registry does not already make."""
    new, old = new or {}, old or {}
    errs: list[dict] = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(new.get("finalizers") or []) - set(old.get("finalizers") or []))
        if extra:
            errs.append(field.forbidden(f"{path}.finalizers", "no new finalizers can be added if the object is "
                                        f"being deleted, found new finalizers {go_string_slice(extra)}"))
    errs += validate_labels(new.get("labels"), f"{path}.labels")
    errs += validate_annotations(new.get("annotations"), f"{path}.annotations")
    errs += validate_owner_references(new.get("ownerReferences"), f"{path}.ownerReferences")
    errs += validate_finalizers(new.get("finalizers"), f"{path}.finalizers")
    return errs


def validate_label_selector(selector: dict | None, path: str) -> list[dict]:
    """``ValidateLabelSelector`` (strict label values, as for workload selectors)."""
    if selector is None:
        return []
    errs = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator", "")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(field.required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(field.forbidden(f"{p}.values",
                                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(field.invalid(f"{p}.operator", op, "not a valid selector operator"))
        errs += [field.invalid(f"{p}.key", expr.get("key", ""), m) for m in is_qualified_name(expr.get("key", ""))]
        for j, value in enumerate(values):
            errs += [field.invalid(f"{p}.values[{j}]", value, m) for m in is_valid_label_value(str(value))]
    return errs


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """``LabelSelectorAsSelector(sel).Matches(labels)``; a nil selector matches nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_is_empty(selector: dict | None) -> bool:
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")
