"""Printers of the storage kinds — PersistentVolume, PersistentVolumeClaim, StorageClass — and of
the StatefulSet and its ControllerRevisions, with upstream's columns (``pkg/printers/internalversion``,
1.33) and cells."""
from __future__ import annotations

from simulation.apimachinery.quantity import Quantity, QuantityError

from .columns import AGE, CONTAINERS, IMAGES, NAME, age_of, column, container_cells, name_of, template_spec

#: The annotation naming the cluster's default StorageClass (``storageutil.IsDefaultAnnotation``).
IS_DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class"
BETA_IS_DEFAULT_STORAGE_CLASS = "storageclass.beta.kubernetes.io/is-default-class"

PERSISTENTVOLUME_COLUMNS = (
    NAME,
    column("Capacity", "capacity is the description of the persistent volume's resources and capacity. More info: "
                       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    column("Access Modes", "accessModes contains all ways the volume can be mounted. More info: "
                           "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
    column("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released "
                             "from its claim. Valid options are Retain (default for manually created "
                             "PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), "
                             "and Recycle (deprecated). Recycle must be supported by the volume plugin underlying "
                             "this PersistentVolume. More info: "
                             "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
    column("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: "
                     "https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
    column("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and "
                    "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative "
                    "bind between PV and PVC. More info: "
                    "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
    column("StorageClass", "StorageClass of the pv"),
    column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    column("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing "
                     "and tidy display in the CLI."),
    AGE,
    column("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
                         "remain in raw block state. Value of Filesystem is implied when not included in spec.",
           priority=1),
)

PERSISTENTVOLUMECLAIM_COLUMNS = (
    NAME,
    column("Status", "phase represents the current phase of PersistentVolumeClaim."),
    column("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    column("Capacity", "capacity represents the actual resources of the underlying volume."),
    column("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has. More info: "
                           "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
    column("StorageClass", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    AGE,
    column("VolumeMode", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is "
                         "implied when not included in claim spec.", priority=1),
)

STORAGECLASS_COLUMNS = (
    NAME,
    column("Provisioner", "provisioner indicates the type of the provisioner."),
    column("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes "
                            "of this storage class. Defaults to Delete."),
    column("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and "
                                "bound.  When unset, VolumeBindingImmediate is used. This field is only honored by "
                                "servers that enable the VolumeScheduling feature."),
    column("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
    AGE,
)

STATEFULSET_COLUMNS = (
    NAME,
    column("Ready", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
)

CONTROLLERREVISION_COLUMNS = (
    NAME,
    column("Controller", "Controller of the object"),
    column("Revision", "Revision indicates the revision of the state represented by Data."),
    AGE,
)

#: ``helper.GetAccessModesAsString``: the abbreviations, always in this order.
_ACCESS_MODE_ABBREVIATIONS = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                              ("ReadWriteOncePod", "RWOP"))


def access_modes_string(modes: list | None) -> str:
    modes = modes or []
    return ",".join(abbr for mode, abbr in _ACCESS_MODE_ABBREVIATIONS if mode in modes)


def _storage(resources: dict | None) -> str:
    """A ``storage`` quantity as Go's ``Quantity.String()`` prints it ("0" when absent)."""
    raw = (resources or {}).get("storage")
    if raw is None:
        return "0"
    try:
        return str(Quantity.parse(raw))
    except QuantityError:
        return str(raw)


def _volume_mode(spec: dict) -> str:
    return spec.get("volumeMode") or "<unset>"


def _phase(obj: dict) -> str:
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return (obj.get("status") or {}).get("phase", "")


def storage_class_of(obj: dict) -> str:
    """``GetPersistentVolume(Claim)Class``: the beta annotation wins over ``storageClassName``."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return annotations["volume.beta.kubernetes.io/storage-class"]
    return (obj.get("spec") or {}).get("storageClassName") or ""


def print_persistent_volume(pv: dict, now: float) -> list:
    spec, status = pv.get("spec") or {}, pv.get("status") or {}
    ref = spec.get("claimRef")
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    return [name_of(pv), _storage(spec.get("capacity")), access_modes_string(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), _phase(pv), claim, storage_class_of(pv),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""), age_of(pv, now),
            _volume_mode(spec)]


def print_persistent_volume_claim(pvc: dict, now: float) -> list:
    spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
    capacity = access = ""
    if spec.get("volumeName"):
        access = access_modes_string(status.get("accessModes"))
        capacity = _storage(status.get("capacity"))
    return [name_of(pvc), _phase(pvc), spec.get("volumeName", ""), capacity, access, storage_class_of(pvc),
            spec.get("volumeAttributesClassName") or "<unset>", age_of(pvc, now), _volume_mode(spec)]


def is_default_storage_class(sc: dict) -> bool:
    annotations = (sc.get("metadata") or {}).get("annotations") or {}
    return "true" in (annotations.get(IS_DEFAULT_STORAGE_CLASS), annotations.get(BETA_IS_DEFAULT_STORAGE_CLASS))


def print_storage_class(sc: dict, now: float) -> list:
    name = name_of(sc) + (" (default)" if is_default_storage_class(sc) else "")
    return [name, sc.get("provisioner", ""), sc.get("reclaimPolicy") or "Delete",
            sc.get("volumeBindingMode") or "Immediate", bool(sc.get("allowVolumeExpansion")), age_of(sc, now)]


def print_stateful_set(sts: dict, now: float) -> list:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    replicas = spec.get("replicas")
    names, images = container_cells(template_spec(sts))
    return [name_of(sts), f"{status.get('readyReplicas', 0)}/{1 if replicas is None else replicas}",
            age_of(sts, now), names, images]


def print_controller_revision(revision: dict, now: float) -> list:
    controller = "<none>"
    for ref in (revision.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            group = (ref.get("apiVersion") or "").rpartition("/")[0]
            kind = (ref.get("kind") or "").lower()
            controller = f"{kind}.{group}/{ref.get('name', '')}" if group else f"{kind}/{ref.get('name', '')}"
    return [name_of(revision), controller, revision.get("revision", 0), age_of(revision, now)]
