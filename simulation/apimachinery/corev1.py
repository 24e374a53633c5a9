"""Scheduling helpers on core/v1 objects (upstream ``component-helpers/scheduling/corev1`` and
``v1helper``): taints and tolerations, node selectors, pod resource requests.

Kept apart from the plugins because several use them: TaintToleration and NodeUnschedulable
match tolerations, NodeAffinity and PodTopologySpread match a pod's required node affinity.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from simulation.apimachinery.quantity import QuantityError, parse_quantity
from simulation.apimachinery.selectors import DOES_NOT_EXIST, EXISTS, GREATER_THAN, IN, LESS_THAN, NOT_IN, Requirement

NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"

#: Upstream's non-zero defaults: a container without requests still counts for spreading scores.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
CPU, MEMORY, PODS, EPHEMERAL_STORAGE = "cpu", "memory", "pods", "ephemeral-storage"


# -- taints and tolerations -------------------------------------------------------------------

def tolerates_taint(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Upstream ``Toleration.ToleratesTaint``: empty effect or key in the toleration are wildcards."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerations_tolerate_taint(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    return any(tolerates_taint(t, taint) for t in tolerations)


def find_matching_untolerated_taint(taints: Iterable[Mapping[str, Any]], tolerations: list[Mapping[str, Any]],
                                    effects: tuple[str, ...]) -> Mapping[str, Any] | None:
    """The first taint with one of ``effects`` that no toleration tolerates, as upstream reports it."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


# -- node selectors ---------------------------------------------------------------------------

_NODE_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST,
                            "Gt": GREATER_THAN, "Lt": LESS_THAN}


def _requirements(exprs: Iterable[Mapping[str, Any]]) -> tuple[Requirement, ...] | None:
    """Node selector requirements as label requirements; ``None`` if one is invalid (matches nothing)."""
    out = []
    for expr in exprs:
        op = _NODE_SELECTOR_OPERATORS.get(expr.get("operator", ""))
        if op is None:
            return None
        out.append(Requirement(expr.get("key", ""), op, tuple(expr.get("values") or ())))
    return tuple(out)


class NodeSelectorTerm:
    """One ORed term: label expressions ANDed with field expressions (only ``metadata.name``)."""

    __slots__ = ("labels", "fields")

    def __init__(self, term: Mapping[str, Any]) -> None:
        self.labels = _requirements(term.get("matchExpressions") or ())
        fields = term.get("matchFields") or ()
        valid = all(f.get("key") == "metadata.name" and f.get("operator") in ("In", "NotIn") for f in fields)
        self.fields = _requirements(fields) if valid else None

    def matches(self, node_name: str, labels: Mapping[str, str]) -> bool:
        if self.labels is None or self.fields is None or not (self.labels or self.fields):
            return False  # upstream: an empty or unparsable term selects no node
        return (all(r.matches(labels) for r in self.labels)
                and all(r.matches({"metadata.name": node_name}) for r in self.fields))


def node_selector_terms(selector: Mapping[str, Any] | None) -> list[NodeSelectorTerm]:
    return [NodeSelectorTerm(t) for t in (selector or {}).get("nodeSelectorTerms") or ()]


def terms_match(terms: list[NodeSelectorTerm], node_name: str, labels: Mapping[str, str]) -> bool:
    return any(t.matches(node_name, labels) for t in terms)


class RequiredNodeAffinity:
    """A pod's ``nodeSelector`` ANDed with its required node affinity (upstream ``GetRequiredNodeAffinity``)."""

    __slots__ = ("node_selector", "terms")

    def __init__(self, pod: Mapping[str, Any]) -> None:
        spec = pod.get("spec") or {}
        self.node_selector: dict[str, str] = dict(spec.get("nodeSelector") or {})
        required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                    .get("requiredDuringSchedulingIgnoredDuringExecution"))
        self.terms = node_selector_terms(required) if required is not None else None

    @property
    def empty(self) -> bool:
        return not self.node_selector and self.terms is None

    def matches(self, node_name: str, labels: Mapping[str, str]) -> bool:
        for key, value in self.node_selector.items():
            if labels.get(key) != value:
                return False
        return self.terms is None or terms_match(self.terms, node_name, labels)


# -- images ------------------------------------------------------------------------------------

def normalized_image_name(name: str) -> str:
    """``nginx`` → ``nginx:latest``: a tag-less image means the latest tag, as node status lists it."""
    return name + ":latest" if name.rfind(":") <= name.rfind("/") else name


# -- resource requests ------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def resource_amount(name: str, raw: str) -> int:
    """Upstream's integer view of a quantity: millicores for cpu, whole units (rounded up) otherwise."""
    try:
        q = parse_quantity(raw)
    except QuantityError:
        return 0
    return q.milli_value() if name == CPU else q.int_value()


def resource_list(raw: Mapping[str, Any] | None) -> dict[str, int]:
    return {name: resource_amount(name, str(value)) for name, value in (raw or {}).items()}


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, value in other.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, value in other.items():
        if value > into.get(name, 0):
            into[name] = value


def pod_requests(pod: Mapping[str, Any], non_missing: Mapping[str, int] | None = None) -> dict[str, int]:
    """Upstream ``resourcehelper.PodRequests``: containers summed, init containers as a maximum
    (restartable "sidecar" init containers add up and stay), plus pod overhead.

    ``non_missing`` fills in requests a container does not state, which is how the scorers'
    non-zero defaults (100m cpu, 200Mi memory) make empty pods still count.
    """
    spec = pod.get("spec") or {}

    def container_requests(container: Mapping[str, Any]) -> dict[str, int]:
        reqs = resource_list((container.get("resources") or {}).get("requests"))
        for name, value in (non_missing or {}).items():
            reqs.setdefault(name, value)
        return reqs

    total: dict[str, int] = {}
    for c in spec.get("containers") or ():
        _add(total, container_requests(c))
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or ():
        reqs = container_requests(c)
        if c.get("restartPolicy") == "Always":
            _add(total, reqs)
            _add(sidecars, reqs)
            effective = dict(sidecars)
        else:
            effective = dict(reqs)
            _add(effective, sidecars)
        _max(init_max, effective)
    _max(total, init_max)
    _add(total, resource_list(spec.get("overhead")))
    return total
