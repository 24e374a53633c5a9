"""PersistentVolume, PersistentVolumeClaim, StorageClass and StatefulSet validation
(``pkg/apis/core/validation``, ``pkg/apis/storage/validation``, ``pkg/apis/apps/validation``),
with upstream's messages for what a learner gets wrong first: a claim without access modes or
a storage request, a volume with no source (or two), a local volume without node affinity, a
StatefulSet whose selector misses its template, and the StatefulSet fields that never change.

A claim's spec is immutable once created, except that ``volumeName`` may be set once (that is
how the binder binds it), a claim without a class may be given one (the default class, assigned
retroactively) and a bound claim may ask for more storage.
"""
from __future__ import annotations

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import name_is_dns_subdomain

from . import field
from .apps import FIELD_IMMUTABLE, _selector_checks, _template_for_replica_set
from .common import nonnegative
from .field import GoRepr
from .objectmeta import validate_object_meta, validate_object_meta_update

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
STORAGE_CLASS_RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
UPDATE_STRATEGIES = ("OnDelete", "RollingUpdate")
#: Every volume source a PersistentVolume may carry (exactly one of them).
PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
              "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk",
              "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume")
CLAIM_IMMUTABLE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
STATEFULSET_SPEC_FORBIDDEN = ("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                              "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                              "'minReadySeconds' are forbidden")
STATEFULSET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                       "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def _access_modes(modes: list | None, path: str) -> list[dict]:
    if not modes:
        return [field.required(path, "at least 1 access mode is required")]
    errs = [field.not_supported(path, m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(field.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def _positive_storage(raw: object, path: str) -> list[dict]:
    try:
        q = Quantity.parse(raw)
    except QuantityError as err:
        return [field.invalid(path, str(raw), str(err))]
    if q.value <= 0:
        return [field.invalid(path, GoRepr(str(q)), "must be greater than zero")]
    return []


# ---------------------------------------------------------------------------- PersistentVolume
def validate_persistent_volume(pv: dict, old: dict | None) -> list[dict]:
    if old is not None:
        return validate_object_meta_update(pv.get("metadata"), old.get("metadata"))
    errs = validate_object_meta(pv.get("metadata"), False, name_is_dns_subdomain)
    spec = pv.get("spec") or {}
    errs += _access_modes(spec.get("accessModes"), "spec.accessModes")
    capacity = spec.get("capacity") or {}
    if not capacity:
        errs.append(field.required("spec.capacity"))
    for name, raw in capacity.items():
        if name != "storage":
            errs.append(field.not_supported("spec.capacity", GoRepr(name), ("storage",)))
        else:
            errs += _positive_storage(raw, "spec.capacity[storage]")
    policy = spec.get("persistentVolumeReclaimPolicy", "")
    if policy and policy not in RECLAIM_POLICIES:
        errs.append(field.not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES))
    sources = [s for s in PV_SOURCES if spec.get(s) is not None]
    if not sources:
        errs.append(field.required("spec", "must specify a volume type"))
    for extra in sources[1:]:
        errs.append(field.forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
    if "hostPath" in sources and not (spec["hostPath"] or {}).get("path"):
        errs.append(field.required("spec.hostPath.path"))
    if "local" in sources:
        if not (spec["local"] or {}).get("path"):
            errs.append(field.required("spec.local.path"))
        if not ((spec.get("nodeAffinity") or {}).get("required")):
            errs.append(field.required("spec.nodeAffinity", "Local volume requires node affinity"))
    return errs


# ---------------------------------------------------------------------------- PersistentVolumeClaim
def validate_claim_spec(spec: dict, path: str) -> list[dict]:
    """``ValidatePersistentVolumeClaimSpec``: also run on a StatefulSet's claim templates."""
    errs = _access_modes(spec.get("accessModes"), f"{path}.accessModes")
    requests = (spec.get("resources") or {}).get("requests") or {}
    if "storage" not in requests:
        errs.append(field.required(f"{path}.resources[storage]"))
    else:
        errs += _positive_storage(requests["storage"], f"{path}.resources[storage]")
    class_name = spec.get("storageClassName")
    if class_name:
        errs += [field.invalid(f"{path}.storageClassName", class_name, m)
                 for m in name_is_dns_subdomain(class_name, False)]
    mode = spec.get("volumeMode")
    if mode and mode not in ("Block", "Filesystem"):
        errs.append(field.not_supported(f"{path}.volumeMode", mode, ("Block", "Filesystem")))
    return errs


def validate_persistent_volume_claim(pvc: dict, old: dict | None) -> list[dict]:
    if old is None:
        errs = validate_object_meta(pvc.get("metadata"), True, name_is_dns_subdomain)
        return errs + validate_claim_spec(pvc.get("spec") or {}, "spec")
    errs = validate_object_meta_update(pvc.get("metadata"), old.get("metadata"))
    new_spec, old_spec = dict(pvc.get("spec") or {}), dict(old.get("spec") or {})
    if not old_spec.get("volumeName") and "volumeName" in new_spec:
        old_spec["volumeName"] = new_spec["volumeName"]  # binding sets it, once
    if old_spec.get("storageClassName") is None and "storageClassName" in new_spec:
        old_spec["storageClassName"] = new_spec["storageClassName"]  # the default class, assigned late
    if (old.get("status") or {}).get("phase") == "Bound":
        for spec in (new_spec, old_spec):  # a bound claim may grow
            spec.pop("resources", None)
            spec.pop("volumeAttributesClassName", None)
    if new_spec != old_spec:
        errs.append(field.forbidden("spec", CLAIM_IMMUTABLE))
    return errs


# ---------------------------------------------------------------------------- StorageClass
def validate_storage_class(sc: dict, old: dict | None) -> list[dict]:
    if old is not None:
        errs = validate_object_meta_update(sc.get("metadata"), old.get("metadata"))
        if (sc.get("parameters") or {}) != (old.get("parameters") or {}):
            errs.append(field.forbidden("parameters", "updates to parameters are forbidden."))
        if sc.get("provisioner") != old.get("provisioner"):
            errs.append(field.forbidden("provisioner", "updates to provisioner are forbidden."))
        if sc.get("reclaimPolicy") != old.get("reclaimPolicy"):
            errs.append(field.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        if sc.get("volumeBindingMode") != old.get("volumeBindingMode"):
            errs.append(field.invalid("volumeBindingMode", sc.get("volumeBindingMode"), FIELD_IMMUTABLE))
        return errs
    errs = validate_object_meta(sc.get("metadata"), False, name_is_dns_subdomain)
    provisioner = sc.get("provisioner") or ""
    if not provisioner:
        errs.append(field.required("provisioner"))
    policy = sc.get("reclaimPolicy") or ""
    if policy not in STORAGE_CLASS_RECLAIM_POLICIES:
        errs.append(field.not_supported("reclaimPolicy", policy, STORAGE_CLASS_RECLAIM_POLICIES))
    mode = sc.get("volumeBindingMode") or ""
    if mode not in BINDING_MODES:
        errs.append(field.not_supported("volumeBindingMode", mode, BINDING_MODES))
    return errs


# ---------------------------------------------------------------------------- StatefulSet
def validate_stateful_set_spec(spec: dict, path: str = "spec") -> list[dict]:
    errs: list[dict] = []
    policy = spec.get("podManagementPolicy", "")
    if not policy:
        errs.append(field.required(f"{path}.podManagementPolicy"))
    elif policy not in POD_MANAGEMENT_POLICIES:
        errs.append(field.not_supported(f"{path}.podManagementPolicy", policy, POD_MANAGEMENT_POLICIES))
    strategy = spec.get("updateStrategy") or {}
    kind = strategy.get("type", "")
    if not kind:
        errs.append(field.required(f"{path}.updateStrategy"))
    elif kind not in UPDATE_STRATEGIES:
        errs.append(field.not_supported(f"{path}.updateStrategy", kind, UPDATE_STRATEGIES))
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        errs.append(field.invalid(f"{path}.updateStrategy.rollingUpdate", GoRepr("0xc000010000"),
                                  "only allowed for updateStrategy 'RollingUpdate'"))
    else:
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        errs += nonnegative(partition, f"{path}.updateStrategy.rollingUpdate.partition")
    errs += nonnegative(spec.get("replicas", 0), f"{path}.replicas")
    errs += nonnegative(spec.get("minReadySeconds", 0), f"{path}.minReadySeconds")
    if spec.get("ordinals") is not None:
        errs += nonnegative((spec.get("ordinals") or {}).get("start", 0), f"{path}.ordinals.start")
    errs += _selector_checks(spec, "statefulset", path)
    errs += _template_for_replica_set(_with_claim_volumes(spec), "StatefulSet", path)
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or []):
        errs += validate_claim_spec((claim or {}).get("spec") or {}, f"{path}.volumeClaimTemplates[{i}].spec")
    return errs


def _with_claim_volumes(spec: dict) -> dict:
    """The spec whose template also has the volumes its pods will get from the claim templates,
    so containers may mount ``www`` before any claim exists."""
    names = [((t or {}).get("metadata") or {}).get("name") for t in spec.get("volumeClaimTemplates") or []]
    template = spec.get("template")
    if not names or not isinstance(template, dict):
        return spec
    pod_spec = dict(template.get("spec") or {})
    pod_spec["volumes"] = list(pod_spec.get("volumes") or []) + [
        {"name": n, "persistentVolumeClaim": {"claimName": n}} for n in names if n]
    return {**spec, "template": {**template, "spec": pod_spec}}


def validate_stateful_set(sts: dict, old: dict | None) -> list[dict]:
    if old is None:
        errs = validate_object_meta(sts.get("metadata"), True, name_is_dns_subdomain)
        return errs + validate_stateful_set_spec(sts.get("spec") or {})
    errs = validate_object_meta_update(sts.get("metadata"), old.get("metadata"))
    new_spec, old_spec = sts.get("spec") or {}, old.get("spec") or {}
    frozen = {k: v for k, v in new_spec.items() if k not in STATEFULSET_MUTABLE}
    if frozen != {k: v for k, v in old_spec.items() if k not in STATEFULSET_MUTABLE}:
        errs.append(field.forbidden("spec", STATEFULSET_SPEC_FORBIDDEN))
    return errs + validate_stateful_set_spec(new_spec)


VALIDATORS = {
    "PersistentVolume": validate_persistent_volume,
    "PersistentVolumeClaim": validate_persistent_volume_claim,
    "StorageClass": validate_storage_class,
    "StatefulSet": validate_stateful_set,
}
