"""What the PersistentVolume binder, the provisioner and the scheduler's VolumeBinding plugin agree
on (upstream's ``pkg/controller/volume/persistentvolume/util`` and ``component-helpers/storage``): the annotations that carry a binding's state,
and the rule for whether a volume can satisfy a claim (``FindMatchingVolume``)."""
from __future__ import annotations

from simulation.apimachinery.corev1 import node_selector_terms, terms_match
from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.selectors import from_label_selector_object

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def annotations_of(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("annotations") or {}


def claim_class(claim: dict) -> str | None:
    """The claim's class: ``None`` when it names none (the default class may still be assigned),
    ``""`` when it asks for no class at all."""
    beta = annotations_of(claim).get("volume.beta.kubernetes.io/storage-class")
    if beta is not None:
        return beta
    return (claim.get("spec") or {}).get("storageClassName")


def volume_class(pv: dict) -> str:
    beta = annotations_of(pv).get("volume.beta.kubernetes.io/storage-class")
    return beta if beta is not None else (pv.get("spec") or {}).get("storageClassName") or ""


def default_class(classes: list[dict]) -> dict | None:
    """``GetDefaultClass``: the newest class annotated as default (ties: by name)."""
    defaults = [c for c in classes if annotations_of(c).get(ANN_IS_DEFAULT_CLASS) == "true"]
    defaults.sort(key=lambda c: (c["metadata"].get("creationTimestamp", ""), c["metadata"]["name"]), reverse=True)
    return defaults[0] if defaults else None


def is_delay_binding(claim: dict, classes: dict[str, dict]) -> bool:
    """``IsDelayBindingMode``: the claim's class binds when a pod is scheduled."""
    sc = classes.get(claim_class(claim) or "")
    return bool(sc) and sc.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER


def storage_request(claim: dict) -> Quantity:
    raw = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0")
    try:
        return Quantity.parse(raw)
    except QuantityError:
        return Quantity.parse("0")


def capacity_of(pv: dict) -> Quantity:
    try:
        return Quantity.parse(((pv.get("spec") or {}).get("capacity") or {}).get("storage", "0"))
    except QuantityError:
        return Quantity.parse("0")


def is_bound_to(pv: dict, claim: dict) -> bool:
    """``IsVolumeBoundToClaim``: the volume's claimRef names this claim (and its uid, if set)."""
    ref = (pv.get("spec") or {}).get("claimRef")
    meta = claim["metadata"]
    if not ref or ref.get("name") != meta["name"] or ref.get("namespace") != meta.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == meta.get("uid")


def volume_fits_node(pv: dict, node: dict) -> bool:
    """``CheckNodeAffinity``: a volume without node affinity is reachable from every node."""
    required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
    if not required:
        return True
    meta = node.get("metadata") or {}
    return terms_match(node_selector_terms(required), meta.get("name", ""), meta.get("labels") or {})


def volume_satisfies(pv: dict, claim: dict) -> bool:
    """Class, volume mode, access modes, size and selector, as ``FindMatchingVolume`` checks them."""
    spec, cspec = pv.get("spec") or {}, claim.get("spec") or {}
    if volume_class(pv) != (claim_class(claim) or ""):
        return False
    if (spec.get("volumeMode") or "Filesystem") != (cspec.get("volumeMode") or "Filesystem"):
        return False
    if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return False
    if capacity_of(pv).cmp(storage_request(claim)) < 0:
        return False
    selector = cspec.get("selector")
    if selector:
        try:
            if not from_label_selector_object(selector).matches((pv.get("metadata") or {}).get("labels") or {}):
                return False
        except ValueError:
            return False
    return True


def find_matching_volume(claim: dict, volumes: list[dict], *, delay_binding: bool,
                         node: dict | None = None) -> dict | None:
    """The smallest available volume that satisfies the claim; a volume pre-bound to the claim
    wins outright. With ``delay_binding`` only pre-bound volumes are taken unless a ``node`` is
    given (the scheduler's view: volumes that node can reach)."""
    best: dict | None = None
    for pv in volumes:
        if (pv.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if node is not None and not volume_fits_node(pv, node):
            continue
        if is_bound_to(pv, claim):
            if volume_satisfies(pv, claim):
                return pv
            continue
        if (pv.get("spec") or {}).get("claimRef"):
            continue
        if (pv.get("status") or {}).get("phase") in ("Released", "Failed"):
            continue
        if delay_binding and node is None:
            continue
        if volume_satisfies(pv, claim) and (best is None or capacity_of(pv).cmp(capacity_of(best)) < 0):
            best = pv
    return best
