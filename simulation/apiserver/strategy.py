"""What the registry does to every object on its way to the store (upstream's REST
strategies): system fields on create, what an update may and may not change, and when a
write of the main resource leaves ``status`` alone (and the other way round)."""
from __future__ import annotations

import random

from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.timestamps import rfc3339

from .defaults import generate_job_selector, prepare_for_create
from .schemas.required import fill_required_zero_values

#: Metadata only the server sets; carried over from the stored object on every update.
SYSTEM_METADATA = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")


def generate_name(prefix: str, rng: random.Random) -> str:
    """Upstream's SimpleNameGenerator: the prefix plus five random lowercase alphanumerics."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return prefix[:58] + "".join(rng.choice(alphabet) for _ in range(5))


def has_status_subresource(rt: ResourceType) -> bool:
    return "status" in rt.subresources


#: The bits ``uuid.UUID(int=n, version=4)`` clears, and those it sets (RFC 4122 variant, version 4).
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def uuid4_string(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` without building the UUID object (every create
    makes one, and the object's checks and properties cost more than the text)."""
    h = f"{(bits & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def prepare_create(rt: ResourceType, obj: dict, now: float, rng: random.Random) -> None:
    """System fields and a fresh status. Runs after mutating admission, as upstream's
    ``BeforeCreate`` does, so a pod's QoS class sees the resources LimitRanger filled in."""
    meta = obj["metadata"]
    for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
        meta.pop(field, None)
    drop_empty_metadata(meta)
    meta["uid"] = uuid4_string(rng.getrandbits(128))
    meta["creationTimestamp"] = rfc3339(now)
    if rt.has_generation:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    if rt.kind in ("Pod", "Namespace"):
        prepare_for_create(rt, obj)
    elif rt.kind in ("PersistentVolume", "PersistentVolumeClaim"):  # storage
        # Upstream's volume strategies start every volume and claim Pending; a volume also
        # stamps when it entered that phase (lastPhaseTransitionTime, GA in 1.31).
        obj["status"] = {"phase": "Pending"}
        if rt.kind == "PersistentVolume":
            obj["status"]["lastPhaseTransitionTime"] = rfc3339(now)
    elif rt.kind == "Ingress":  # ingress: upstream's IngressStatus prints its (empty) loadBalancer
        obj["status"] = {"loadBalancer": {}}
    elif has_status_subresource(rt) and rt.kind != "Node":
        obj["status"] = {}
    if rt.kind == "Job":  # batch/v1 (jobs): the Job strategy labels its template and selects on them
        generate_job_selector(obj)
    fill_required_zero_values(rt.group, rt.version, rt.kind, obj)


#: ObjectMeta fields serialized with ``omitempty`` upstream: an emptied one disappears.
OMIT_EMPTY_METADATA = ("labels", "annotations", "finalizers", "ownerReferences")


def drop_empty_metadata(meta: dict) -> None:
    """Remove emptied maps and lists (the last label patched away, ``finalizers: []``), so a
    client reads back what upstream's Go structs would print: no key at all."""
    for field in OMIT_EMPTY_METADATA:
        if field in meta and not meta[field]:
            del meta[field]


STATUS_MAY_SET_ANNOTATIONS = frozenset({"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"})


def prepare_update(rt: ResourceType, new: dict, old: dict, subresource: str) -> None:
    """Carry over what the caller may not change through this endpoint."""
    meta, old_meta = new["metadata"], old["metadata"]
    for field in SYSTEM_METADATA:
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    if subresource == "status":
        # Only status moves; everything else is the stored object's — except that the apps
        # kinds' status strategies (upstream's deploymentStatusStrategy and friends) reset
        # only spec and labels, so a controller may record annotations (the Deployment's
        # ``deployment.kubernetes.io/revision``) with its status.
        status = new.get("status")
        annotations = meta.get("annotations")
        new.clear()
        new.update({k: deep_copy(v) for k, v in old.items() if k != "status"})  # status is replaced below
        if rt.kind in STATUS_MAY_SET_ANNOTATIONS:
            if annotations:
                new["metadata"]["annotations"] = annotations
            else:
                new["metadata"].pop("annotations", None)
        if status is not None:
            new["status"] = status
            if rt.kind == "Pod" and isinstance(status, dict) and not status.get("qosClass"):
                # Upstream backfills the immutable QoS class a kubelet left out of its status.
                qos = (old.get("status") or {}).get("qosClass")
                if qos:
                    status["qosClass"] = qos
        else:
            new.pop("status", None)
        fill_required_zero_values(rt.group, rt.version, rt.kind, new)
        return
    drop_empty_metadata(meta)
    if has_status_subresource(rt):
        if "status" in old:
            new["status"] = deep_copy(old["status"])
        else:
            new.pop("status", None)
    if rt.has_generation and (new.get("spec") != old.get("spec") or _generation_annotations_changed(rt, new, old)):
        meta["generation"] = old_meta.get("generation", 0) + 1
    fill_required_zero_values(rt.group, rt.version, rt.kind, new)


def _generation_annotations_changed(rt: ResourceType, new: dict, old: dict) -> bool:
    """Deployments also count annotation changes as a new generation, because the
    Deployment controller copies them onto its ReplicaSets (upstream's deploymentStrategy)."""
    if rt.kind != "Deployment":
        return False
    return (new["metadata"].get("annotations") or {}) != (old["metadata"].get("annotations") or {})


def pod_grace_period(pod: dict, requested: int | None) -> int:
    """Upstream's ``podStrategy.CheckGracefulDelete``: the requested grace period, else the
    pod's ``terminationGracePeriodSeconds``; zero for a pod no kubelet runs (unbound) or
    that has finished, since nobody would stop its containers."""
    spec = pod.get("spec") or {}
    grace = requested if requested is not None else spec.get("terminationGracePeriodSeconds") or 0
    if not spec.get("nodeName") or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    return 1 if grace < 0 else grace


def name_for_create(obj: dict, rng: random.Random) -> str:
    meta = obj["metadata"]
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = generate_name(meta["generateName"], rng)
    return meta.get("name") or ""
