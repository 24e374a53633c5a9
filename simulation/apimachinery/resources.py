"""The resources this API server serves: one literal table, like upstream's REST storage map.

Discovery documents, URL routing, RBAC resource names and store keys all read from here,
so adding a kind is one line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    name: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    #: Filled by the server, never stored (componentstatuses).
    virtual: bool = False
    #: Kinds whose spec changes bump metadata.generation.
    has_generation: bool = False
    #: Creates only, answered without storing (reviews).
    create_only: bool = False
    singular: str = field(default="")

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return self.kind + "List"


_W = ("all",)
RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",), subresources=("status", "finalize")),
    ResourceType("", "v1", "nodes", "Node", False, ("no",), subresources=("status",)),
    ResourceType("", "v1", "pods", "Pod", True, ("po",), _W, subresources=("status", "binding", "log", "exec", "attach", "portforward")),
    ResourceType("", "v1", "services", "Service", True, ("svc",), _W, subresources=("status",)),
    ResourceType("", "v1", "endpoints", "Endpoints", True, ("ep",), singular="endpoints"),
    ResourceType("", "v1", "events", "Event", True, ("ev",)),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    ResourceType("", "v1", "secrets", "Secret", True),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    ResourceType("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",), subresources=("status",)),
    ResourceType("", "v1", "limitranges", "LimitRange", True, ("limits",)),
    ResourceType("", "v1", "componentstatuses", "ComponentStatus", False, ("cs",), verbs=READ_VERBS,
                 virtual=True),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), _W,
                 subresources=("status", "scale"), has_generation=True),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), _W,
                 subresources=("status", "scale"), has_generation=True),
    ResourceType("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), _W,
                 subresources=("status",), has_generation=True),
    # storage: core/v1 volumes and claims, storage.k8s.io/v1, apps/v1 StatefulSets and their history (storage)
    ResourceType("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",), subresources=("status",)),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",),
                 subresources=("status",)),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), _W,
                 subresources=("status", "scale"), has_generation=True),
    ResourceType("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    ResourceType("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    # ReplicationController and batch/v1 (jobs)
    ResourceType("", "v1", "replicationcontrollers", "ReplicationController", True, ("rc",), _W,
                 subresources=("status", "scale"), has_generation=True),
    ResourceType("batch", "v1", "jobs", "Job", True, (), _W, subresources=("status",), has_generation=True),
    ResourceType("batch", "v1", "cronjobs", "CronJob", True, ("cj",), _W, subresources=("status",),
                 has_generation=True),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ResourceType("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
                 verbs=("create",), create_only=True),
    ResourceType("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False,
                 verbs=("create",), create_only=True),
    ResourceType("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", False,
                 verbs=("create",), create_only=True),
    # scheduling.k8s.io/v1, policy/v1 (policy)
    ResourceType("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ("pc",)),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",),
                 subresources=("status",), has_generation=True),
    # discovery.k8s.io/v1 (slices)
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    # authentication.k8s.io/v1 SelfSubjectReview, events.k8s.io/v1 (quota)
    ResourceType("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False,
                 verbs=("create",), create_only=True),
    ResourceType("events.k8s.io", "v1", "events", "Event", True, ("ev",)),
    # networking.k8s.io/v1 (ingress)
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",), subresources=("status",),
                 has_generation=True),
    ResourceType("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
)

_BY_GVR = {(r.group, r.version, r.name): r for r in RESOURCES}
#: Plural → every group's resource of that name, in table order (core first where it serves one).
_BY_NAME: dict[str, list[ResourceType]] = {n: [r for r in RESOURCES if r.name == n] for n in {r.name for r in RESOURCES}}


def lookup(group: str, version: str, name: str) -> ResourceType | None:
    return _BY_GVR.get((group, version, name))


def by_name(name: str, group: str | None = None) -> ResourceType:
    """The served resource with plural ``name`` in ``group``. Without a group, the one group
    serving that plural, or — when several do (``events``: core and ``events.k8s.io``) — the
    legacy core group, as kubectl's RESTMapper prefers it. KeyError when none is served."""
    candidates = [r for r in _BY_NAME[name] if group is None or r.group == group]
    if not candidates:
        raise KeyError(f"{name}.{group}")
    if group is None and len(candidates) > 1:
        candidates = [r for r in candidates if r.group == ""] or candidates
    return candidates[0]


def group_versions() -> list[tuple[str, str]]:
    """Every served (group, version), core first, in a stable order."""
    seen: list[tuple[str, str]] = []
    for r in RESOURCES:
        if (r.group, r.version) not in seen:
            seen.append((r.group, r.version))
    return seen


def in_group_version(group: str, version: str) -> list[ResourceType]:
    return [r for r in RESOURCES if r.group == group and r.version == version]
