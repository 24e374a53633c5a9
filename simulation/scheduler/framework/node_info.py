"""What the scheduler knows about each node: the node, its pods and running aggregates.

Why aggregates and why incremental: every Filter and Score call asks "how much is requested
here", "which host ports are taken", "which pods carry affinity"; at 5,000 nodes and 10,000
pods nothing may recompute those from the pod list. :meth:`NodeInfo.add_pod` and
:meth:`NodeInfo.remove_pod` update them in O(containers), and :class:`Snapshot` keeps the
cluster-wide indexes (nodes hosting pods with affinity, image spread) the same way.

A pod is parsed once into a :class:`PodInfo` (requests, ports, affinity terms), as upstream's
``framework.PodInfo``: plugins read those fields instead of walking the JSON on every node.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from simulation.apimachinery.corev1 import (CPU, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, MEMORY, PODS,
                                            normalized_image_name, pod_requests, resource_list)
from simulation.apimachinery.keys import object_key
from simulation.apimachinery.selectors import NOTHING, LabelSelector, from_label_selector_object

_NON_ZERO_DEFAULTS = {CPU: DEFAULT_MILLI_CPU_REQUEST, MEMORY: DEFAULT_MEMORY_REQUEST}
DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"
#: Results a NodeInfo keeps (plugins times pod shapes) before it starts over.
MAX_REMEMBERED = 32


def _selector(raw: Mapping[str, Any] | None) -> LabelSelector:
    """Upstream turns an unparsable selector into an error for the pod; here it selects nothing."""
    try:
        return from_label_selector_object(raw)
    except ValueError:
        return NOTHING


class AffinityTerm:
    """A parsed ``PodAffinityTerm`` (upstream ``framework.AffinityTerm``)."""

    __slots__ = ("namespaces", "namespace_selector", "selector", "topology_key")

    def __init__(self, namespace: str, term: Mapping[str, Any]) -> None:
        self.selector = _selector(term.get("labelSelector"))
        self.topology_key: str = term.get("topologyKey") or ""
        ns_selector = term.get("namespaceSelector")
        names = term.get("namespaces") or []
        # No namespaces and no namespaceSelector means "the pod's own namespace".
        self.namespaces = frozenset(names) if names or ns_selector is not None else frozenset([namespace])
        self.namespace_selector = _selector(ns_selector) if ns_selector is not None else NOTHING

    def matches(self, pod: PodInfo, namespace_labels: Mapping[str, str]) -> bool:
        """Does ``pod`` (whose namespace carries ``namespace_labels``) fall under this term?"""
        if pod.namespace in self.namespaces or self.namespace_selector.matches(namespace_labels):
            return self.selector.matches(pod.labels)
        return False


def _terms(namespace: str, raw: Iterable[Mapping[str, Any]]) -> list[AffinityTerm]:
    return [AffinityTerm(namespace, t) for t in raw]


def _weighted(namespace: str, raw: Iterable[Mapping[str, Any]]) -> list[tuple[int, AffinityTerm]]:
    return [(int(t.get("weight") or 0), AffinityTerm(namespace, t.get("podAffinityTerm") or {})) for t in raw]


class PodInfo:
    """A pod parsed once for scheduling: identity, requests, host ports, tolerations, affinity terms."""

    __slots__ = ("pod", "key", "namespace", "labels", "node_name", "terminating", "requests", "request_cpu",
                 "request_memory", "other_requests",
                 "non_zero_cpu", "non_zero_memory", "host_ports", "tolerations", "images", "normalized_images",
                 "required_affinity_terms", "required_anti_affinity_terms",
                 "preferred_affinity_terms", "preferred_anti_affinity_terms", "has_affinity")

    def __init__(self, pod: Mapping[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.namespace: str = meta.get("namespace") or "default"
        self.key = f"{self.namespace}/{meta.get('name', '')}"
        self.labels: dict[str, str] = meta.get("labels") or {}
        self.node_name: str = spec.get("nodeName") or ""
        self.terminating = meta.get("deletionTimestamp") is not None
        self.requests = pod_requests(pod)
        # The hot plugins read cpu and memory as attributes; anything else requested is rarer.
        self.request_cpu = self.requests.get(CPU, 0)
        self.request_memory = self.requests.get(MEMORY, 0)
        self.other_requests = tuple((k, v) for k, v in self.requests.items() if v and k not in (CPU, MEMORY))
        non_zero = pod_requests(pod, _NON_ZERO_DEFAULTS)
        self.non_zero_cpu = non_zero.get(CPU, 0)
        self.non_zero_memory = non_zero.get(MEMORY, 0)
        containers = list(spec.get("initContainers") or ()) + list(spec.get("containers") or ())
        self.images = [c.get("image") or "" for c in containers]
        self.normalized_images = [normalized_image_name(i) for i in self.images]
        self.host_ports = [(p.get("hostIP") or DEFAULT_BIND_ALL_HOST_IP, p.get("protocol") or "TCP",
                            int(p.get("hostPort") or 0))
                           for c in containers for p in c.get("ports") or () if int(p.get("hostPort") or 0) > 0]
        self.tolerations: list[Mapping[str, Any]] = list(spec.get("tolerations") or ())
        affinity = spec.get("affinity") or {}
        pod_affinity = affinity.get("podAffinity") or {}
        anti = affinity.get("podAntiAffinity") or {}
        ns, required, preferred = (self.namespace, "requiredDuringSchedulingIgnoredDuringExecution",
                                   "preferredDuringSchedulingIgnoredDuringExecution")
        self.required_affinity_terms = _terms(ns, pod_affinity.get(required) or ())
        self.required_anti_affinity_terms = _terms(ns, anti.get(required) or ())
        self.preferred_affinity_terms = _weighted(ns, pod_affinity.get(preferred) or ())
        self.preferred_anti_affinity_terms = _weighted(ns, anti.get(preferred) or ())
        self.has_affinity = bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))

    def __repr__(self) -> str:
        return f"PodInfo({self.key})"


class NodeInfo:
    """A node with its pods and what they add up to (upstream ``framework.NodeInfo``).

    ``requested`` holds the pods' real requests (cpu in millicores, the rest in units), which
    NodeResourcesFit compares with ``allocatable``; ``non_zero_cpu``/``non_zero_memory`` count an
    unstated request as 100m / 200Mi so that least-allocated scoring still spreads empty pods.
    cpu and memory are also kept as plain attributes (``allocatable_cpu``, ``requested_cpu``...):
    the filter and score loops read them for every node, and a dict lookup there costs 20%.
    """

    __slots__ = ("node", "name", "labels", "taints", "unschedulable", "allocatable", "allowed_pod_number",
                 "allocatable_cpu", "allocatable_memory", "image_sizes", "pods", "pods_with_affinity",
                 "pods_with_required_anti_affinity", "requested", "requested_cpu", "requested_memory",
                 "non_zero_cpu", "non_zero_memory", "used_ports", "memo")

    def __init__(self, node: Mapping[str, Any], pods: Iterable[Mapping[str, Any] | PodInfo] = ()) -> None:
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.requested: dict[str, int] = {}
        self.requested_cpu = 0
        self.requested_memory = 0
        self.non_zero_cpu = 0
        self.non_zero_memory = 0
        self.used_ports: dict[tuple[str, str, int], int] = {}
        #: Plugins' verdicts and scores for this node as it is now, by plugin and pod shape
        #: (see :meth:`remember`).
        self.memo: dict[str, int] = {}
        self.set_node(node)
        for pod in pods:
            self.add_pod(pod)

    def set_node(self, node: Mapping[str, Any]) -> None:
        """Take a new version of the node object; the pods and their aggregates stay."""
        meta = node.get("metadata") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.node = node
        self.memo = {}
        self.name: str = meta.get("name", "")
        self.labels: dict[str, str] = meta.get("labels") or {}
        # A tuple: most nodes have no taints, and the empty tuple is one shared object, which
        # the Filter loop's "any taints?" then reads without touching a list of its own per node.
        self.taints: tuple[Mapping[str, Any], ...] = tuple(spec.get("taints") or ())
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = resource_list(status.get("allocatable"))
        self.allowed_pod_number = self.allocatable.get(PODS, 0)
        self.allocatable_cpu = self.allocatable.get(CPU, 0)
        self.allocatable_memory = self.allocatable.get(MEMORY, 0)
        self.image_sizes: dict[str, int] = {}
        for image in status.get("images") or ():
            for name in image.get("names") or ():
                self.image_sizes[name] = int(image.get("sizeBytes") or 0)

    def add_pod(self, pod: Mapping[str, Any] | PodInfo) -> PodInfo:
        info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
        if info.key in self.pods:
            self.remove_pod(info.key)
        self.pods[info.key] = info
        if info.has_affinity:
            self.pods_with_affinity[info.key] = info
        if info.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity[info.key] = info
        self._account(info, 1)
        return info

    def remove_pod(self, pod: Mapping[str, Any] | PodInfo | str) -> PodInfo | None:
        """Forget a pod (by object, PodInfo or ``namespace/name`` key); unknown pods are ignored."""
        key = pod if isinstance(pod, str) else pod.key if isinstance(pod, PodInfo) else object_key(pod)
        info = self.pods.pop(key, None)
        if info is None:
            return None
        self.pods_with_affinity.pop(key, None)
        self.pods_with_required_anti_affinity.pop(key, None)
        self._account(info, -1)
        return info

    def remember(self, key: str, value: int) -> int:
        """Keep a plugin's result for this node (a score, or that the pod fits) under ``key``
        (the plugin and every pod value the result depends on) until the node or its pods change.

        Why: with percentageOfNodesToScore a cycle filters and scores hundreds of nodes, and
        between two visits a node rarely changed; pods of one workload ask the same. Reading a
        kept result is cheaper than the arithmetic and than reading the node's numbers (each a
        separate object in memory), and it is the same result by construction."""
        memo = self.memo
        if len(memo) >= MAX_REMEMBERED:
            memo.clear()
        memo[key] = value
        return value

    def _account(self, info: PodInfo, sign: int) -> None:
        self.memo = {}
        requested = self.requested
        for name, value in info.requests.items():
            requested[name] = requested.get(name, 0) + sign * value
        self.requested_cpu += sign * info.request_cpu
        self.requested_memory += sign * info.request_memory
        self.non_zero_cpu += sign * info.non_zero_cpu
        self.non_zero_memory += sign * info.non_zero_memory
        ports = self.used_ports
        for port in info.host_ports:
            count = ports.get(port, 0) + sign
            if count > 0:
                ports[port] = count
            else:
                ports.pop(port, None)

    def __repr__(self) -> str:
        return f"NodeInfo({self.name}, pods={len(self.pods)})"


class MatchingPods:
    """How many pods of one namespace match one label selector, per node and per topology domain.

    Why: PodTopologySpread asks this of every node in every cycle (the system default constraints
    apply to every ReplicaSet pod), and counting by walking all pods each time made 10,000 pods
    on 5,000 nodes quadratic. The snapshot keeps these counts current as pods come and go.
    Terminating pods do not count (kubernetes#87621).
    """

    __slots__ = ("namespace", "selector", "per_node", "per_domain")

    def __init__(self, namespace: str, selector: LabelSelector, node_infos: Iterable[NodeInfo]) -> None:
        self.namespace = namespace
        self.selector = selector
        self.per_node: dict[str, int] = {}
        #: topology key -> label value ("" when a node lacks the label) -> count, built on demand.
        self.per_domain: dict[str, dict[str, int]] = {}
        for ni in node_infos:
            count = sum(1 for p in ni.pods.values() if self.matches(p))
            if count:
                self.per_node[ni.name] = count

    def matches(self, pod: PodInfo) -> bool:
        return not pod.terminating and pod.namespace == self.namespace and self.selector.matches(pod.labels)

    def domain_counts(self, topology_key: str, snapshot: Snapshot) -> dict[str, int]:
        counts = self.per_domain.get(topology_key)
        if counts is None:
            counts = {}
            for name, count in self.per_node.items():
                value = snapshot._by_name[name].labels.get(topology_key, "")
                counts[value] = counts.get(value, 0) + count
            self.per_domain[topology_key] = counts
        return counts

    def _update(self, node_info: NodeInfo, pod: PodInfo, sign: int) -> None:
        if not self.matches(pod):
            return
        count = self.per_node.get(node_info.name, 0) + sign
        if count:
            self.per_node[node_info.name] = count
        else:
            self.per_node.pop(node_info.name, None)
        for key, counts in self.per_domain.items():
            value = node_info.labels.get(key, "")
            counts[value] = counts.get(value, 0) + sign


#: How many (namespace, selector) counts a snapshot keeps current; the oldest is dropped beyond.
MAX_MATCHING_POD_COUNTS = 32


class Snapshot:
    """The cluster as one scheduling cycle sees it: NodeInfos in a stable order, plus indexes.

    Built from node objects and pods (those with ``spec.nodeName`` land on their node). The
    workload objects (Services, ReplicationControllers, ReplicaSets, StatefulSets) only feed
    PodTopologySpread's default constraints, and namespace labels feed ``namespaceSelector``s of
    inter-pod affinity terms; all are optional.
    """

    def __init__(self, nodes: Iterable[Mapping[str, Any]], pods: Iterable[Mapping[str, Any]] = (), *,
                 services: Iterable[Mapping[str, Any]] = (),
                 replication_controllers: Iterable[Mapping[str, Any]] = (),
                 replica_sets: Iterable[Mapping[str, Any]] = (),
                 stateful_sets: Iterable[Mapping[str, Any]] = (),
                 namespaces: Iterable[Mapping[str, Any]] = ()) -> None:
        self.node_infos: list[NodeInfo] = []
        self._by_name: dict[str, NodeInfo] = {}
        self.image_num_nodes: dict[str, int] = {}
        self.services = list(services)
        self.replication_controllers = list(replication_controllers)
        self.replica_sets = list(replica_sets)
        self.stateful_sets = list(stateful_sets)
        self.namespace_labels: dict[str, dict[str, str]] = {
            (ns.get("metadata") or {}).get("name", ""): (ns.get("metadata") or {}).get("labels") or {}
            for ns in namespaces}
        self._with_affinity: dict[str, NodeInfo] = {}
        self._with_required_anti_affinity: dict[str, NodeInfo] = {}
        self._matching: dict[tuple[str, LabelSelector], MatchingPods] = {}
        for node in nodes:
            self.add_node(node)
        for pod in pods:
            self.add_pod(pod)

    # -- lookup -------------------------------------------------------------------------------
    def get(self, name: str) -> NodeInfo | None:
        return self._by_name.get(name)

    def __len__(self) -> int:
        return len(self.node_infos)

    def __iter__(self):
        return iter(self.node_infos)

    def matching_pods(self, namespace: str, selector: LabelSelector) -> MatchingPods:
        """Counts of ``namespace`` pods matching ``selector``, kept current from now on."""
        key = (namespace, selector)
        counts = self._matching.pop(key, None)
        if counts is None:
            counts = MatchingPods(namespace, selector, self.node_infos)
            if len(self._matching) >= MAX_MATCHING_POD_COUNTS:
                del self._matching[next(iter(self._matching))]
        self._matching[key] = counts  # most recently used last
        return counts

    def have_pods_with_affinity(self) -> list[NodeInfo]:
        """Nodes hosting at least one pod with (anti-)affinity: all InterPodAffinity scoring needs to visit."""
        return list(self._with_affinity.values())

    def have_pods_with_required_anti_affinity(self) -> list[NodeInfo]:
        return list(self._with_required_anti_affinity.values())

    # -- pods ---------------------------------------------------------------------------------
    def add_pod(self, pod: Mapping[str, Any] | PodInfo, node_name: str | None = None) -> PodInfo | None:
        """Account a pod on ``node_name`` (default: its ``spec.nodeName``); ``None`` if that node is unknown."""
        info = pod if isinstance(pod, PodInfo) else PodInfo(pod)
        node_info = self._by_name.get(node_name or info.node_name)
        if node_info is None:
            return None
        node_info.add_pod(info)
        self._reindex(node_info)
        for counts in self._matching.values():
            counts._update(node_info, info, 1)
        return info

    def remove_pod(self, pod: Mapping[str, Any] | PodInfo, node_name: str | None = None) -> PodInfo | None:
        info = pod if isinstance(pod, PodInfo) else None
        name = node_name or (info.node_name if info else (pod.get("spec") or {}).get("nodeName", ""))
        node_info = self._by_name.get(name or "")
        if node_info is None:
            return None
        removed = node_info.remove_pod(pod)
        if removed is not None:
            self._reindex(node_info)
            for counts in self._matching.values():
                counts._update(node_info, removed, -1)
        return removed

    def _reindex(self, node_info: NodeInfo) -> None:
        for index, members in ((self._with_affinity, node_info.pods_with_affinity),
                               (self._with_required_anti_affinity, node_info.pods_with_required_anti_affinity)):
            if members:
                index[node_info.name] = node_info
            else:
                index.pop(node_info.name, None)

    # -- nodes --------------------------------------------------------------------------------
    def add_node(self, node: Mapping[str, Any]) -> NodeInfo:
        """Add a node, or take a new version of a known one (keeping its pods)."""
        name = (node.get("metadata") or {}).get("name", "")
        node_info = self._by_name.get(name)
        if node_info is None:
            node_info = NodeInfo(node)
            self.node_infos.append(node_info)
            self._by_name[name] = node_info
        else:
            self._count_images(node_info, -1)
            if ((node.get("metadata") or {}).get("labels") or {}) != node_info.labels:
                self._matching.clear()  # domain counts follow node labels
            node_info.set_node(node)
        self._count_images(node_info, 1)
        return node_info

    def remove_node(self, name: str) -> NodeInfo | None:
        node_info = self._by_name.pop(name, None)
        if node_info is None:
            return None
        self.node_infos.remove(node_info)
        self._count_images(node_info, -1)
        self._with_affinity.pop(name, None)
        self._with_required_anti_affinity.pop(name, None)
        self._matching.clear()
        return node_info

    def _count_images(self, node_info: NodeInfo, sign: int) -> None:
        counts = self.image_num_nodes
        for image in node_info.image_sizes:
            counts[image] = counts.get(image, 0) + sign
            if counts[image] <= 0:
                del counts[image]
