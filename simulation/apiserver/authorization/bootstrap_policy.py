"""The ClusterRoles and ClusterRoleBindings a fresh cluster starts with (upstream's
``plugin/pkg/auth/authorizer/rbac/bootstrappolicy``), so ``kubectl get clusterroles``
looks like a real cluster's and RBAC decides everything — even ``system:masters`` gets its
power from the ``cluster-admin`` binding, not from a special case.

The rules are written as upstream writes them, then trimmed to what this server serves
(:func:`served`): a rule about ``statefulsets`` or ``pods/exec`` would grant nothing here
and only clutter ``kubectl auth can-i --list``. Rules for whole groups we do not serve
(batch, autoscaling, policy, networking, storage, certificates…) are left out by hand.

Where we differ from upstream, on purpose:

* ``admin``, ``edit`` and ``view`` carry their ``aggregationRule`` *and* the rules the
  clusterrole-aggregation controller would have gathered into them, since no such
  controller runs here.
* ``system:node`` is bound to group ``system:nodes`` (upstream leaves it unbound and lets
  the Node authorizer, which we do not have, authorize kubelets).
* The controller manager runs every controller under its own name (upstream's
  ``--use-service-account-credentials=false``), so ``system:kube-controller-manager``
  also holds the upstream ``system:controller:*`` rules of the controllers we run.
"""
from __future__ import annotations

from simulation.apimachinery import resources

RBAC_V1 = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
READ_WRITE = READ + WRITE

CORE, APPS, COORDINATION, AUTHORIZATION = "", "apps", "coordination.k8s.io", "authorization.k8s.io"
EVENTS = "events.k8s.io"
BATCH = "batch"
POLICY, DISCOVERY_GROUP = "policy", "discovery.k8s.io"  # policy
NETWORKING = "networking.k8s.io"  # ingress


def rule(verbs: tuple[str, ...] | str, groups: tuple[str, ...] | str = (), resources_: tuple[str, ...] = (),
         names: tuple[str, ...] = (), urls: tuple[str, ...] = ()) -> dict:
    """A PolicyRule with sorted, de-duplicated lists, as upstream's rule builder makes them."""
    as_list = (lambda v: sorted({v} if isinstance(v, str) else set(v)))
    out: dict = {"verbs": as_list(verbs)}
    if urls:
        out["nonResourceURLs"] = as_list(urls)
        return out
    out["apiGroups"] = as_list(groups)
    out["resources"] = as_list(resources_)
    if names:
        out["resourceNames"] = as_list(names)
    return out


def served(rules: list[dict]) -> list[dict]:
    """Keep, in each rule, only the groups and resources (``x`` or ``x/sub``) this server
    serves; drop rules left with none. Wildcards and non-resource rules stay as they are."""
    out: list[dict] = []
    for r in rules:
        if "nonResourceURLs" in r:
            out.append(r)
            continue
        groups = [g for g in r["apiGroups"] if g == "*" or any(t.group == g for t in resources.RESOURCES)]
        kept = [x for x in r["resources"] if _serves(groups, x)]
        if groups and kept:
            out.append(dict(r, apiGroups=groups, resources=kept))
    return out


def _serves(groups: list[str], resource: str) -> bool:
    if resource == "*" or resource.startswith("*/"):
        return True
    name, _, sub = resource.partition("/")
    return any((g == "*" or t.group == g) and t.name == name and (not sub or sub in t.subresources)
               for g in groups for t in resources.RESOURCES)


def _events() -> dict:
    return rule(("create", "patch", "update"), (CORE, EVENTS), ("events",))


# ---------------------------------------------------------------------------- user-facing roles
AGGREGATE_TO_VIEW = [
    rule(READ, CORE, ("configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                      "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                      "services/status")),
    rule(READ, CORE, ("bindings", "limitranges", "namespaces/status", "pods/log", "pods/status",
                      "replicationcontrollers/status", "resourcequotas", "resourcequotas/status")),
    rule(READ, CORE, ("namespaces",)),
    rule(READ, (CORE, EVENTS), ("events",)),
    rule(READ, APPS, ("controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                      "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
                      "statefulsets", "statefulsets/scale", "statefulsets/status")),
    rule(READ, BATCH, ("cronjobs", "cronjobs/status", "jobs", "jobs/status")),  # batch/v1 (jobs)
    # policy/v1, discovery.k8s.io/v1 (policy)
    rule(READ, POLICY, ("poddisruptionbudgets", "poddisruptionbudgets/status")),
    rule(READ, DISCOVERY_GROUP, ("endpointslices",)),
    rule(READ, NETWORKING, ("ingresses", "ingresses/status", "networkpolicies")),  # ingress
]

AGGREGATE_TO_EDIT = [
    rule(READ, CORE, ("pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy")),
    rule("impersonate", CORE, ("serviceaccounts",)),
    rule(WRITE, CORE, ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy")),
    rule("create", CORE, ("pods/eviction",)),
    rule(WRITE, CORE, ("configmaps", "persistentvolumeclaims", "replicationcontrollers",
                       "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy")),
    rule("create", CORE, ("serviceaccounts/token",)),
    rule(WRITE, (CORE, EVENTS), ("events",)),
    rule(WRITE, APPS, ("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                       "replicasets/scale", "statefulsets", "statefulsets/scale")),
    rule(READ_WRITE, COORDINATION, ("leases",)),
    rule(WRITE, BATCH, ("cronjobs", "jobs")),  # batch/v1 (jobs)
    rule(WRITE, POLICY, ("poddisruptionbudgets",)),  # policy
    rule(WRITE, NETWORKING, ("ingresses", "networkpolicies")),  # ingress
]

AGGREGATE_TO_ADMIN = [
    rule("create", AUTHORIZATION, ("localsubjectaccessreviews",)),
    rule(READ_WRITE, RBAC_GROUP, ("rolebindings", "roles")),
]

CLUSTER_ADMIN = [rule("*", "*", ("*",)), rule("*", urls=("*",))]

BASIC_USER = [
    rule("create", AUTHORIZATION, ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
    rule("create", "authentication.k8s.io", ("selfsubjectreviews",)),
]

DISCOVERY = [rule("get", urls=("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                               "/readyz", "/version", "/version/"))]

PUBLIC_INFO_VIEWER = [rule("get", urls=("/healthz", "/livez", "/readyz", "/version", "/version/"))]

MONITORING = [
    rule("get", urls=("/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz",
                      "/readyz/*", "/statusz")),
    rule("get", CORE, ("nodes/metrics",)),
]

AUTH_DELEGATOR = [
    rule("create", "authentication.k8s.io", ("tokenreviews",)),
    rule("create", AUTHORIZATION, ("subjectaccessreviews",)),
]

# ---------------------------------------------------------------------------- components
KUBE_SCHEDULER = [
    _events(),
    rule("create", COORDINATION, ("leases",)),
    rule(("get", "list", "update", "watch"), COORDINATION, ("leases",), names=("kube-scheduler",)),
    rule(READ, CORE, ("nodes",)),
    rule(("delete",) + READ, CORE, ("pods",)),
    rule("create", CORE, ("bindings", "pods/binding")),
    rule(("patch", "update"), CORE, ("pods/status",)),
    rule(READ, CORE, ("replicationcontrollers", "services")),
    rule(READ, (APPS, "extensions"), ("replicasets",)),
    rule(READ, APPS, ("statefulsets",)),
    rule(READ, CORE, ("persistentvolumeclaims", "persistentvolumes")),
    rule("create", "authentication.k8s.io", ("tokenreviews",)),
    rule("create", AUTHORIZATION, ("subjectaccessreviews",)),
    rule(READ, CORE, ("namespaces",)),
    rule("update", CORE, ("pods/finalizers",)),
    rule(READ, POLICY, ("poddisruptionbudgets",)),  # policy: DefaultPreemption
]

KUBE_CONTROLLER_MANAGER = [
    _events(),
    rule("create", COORDINATION, ("leases",)),
    rule(("get", "update"), COORDINATION, ("leases",), names=("kube-controller-manager",)),
    rule("create", CORE, ("secrets", "serviceaccounts")),
    rule("delete", CORE, ("secrets",)),
    rule("get", CORE, ("configmaps", "namespaces", "secrets", "serviceaccounts")),
    rule("update", CORE, ("secrets", "serviceaccounts")),
    rule("create", "authentication.k8s.io", ("tokenreviews",)),
    rule("create", AUTHORIZATION, ("subjectaccessreviews",)),
    rule(("list", "watch"), "*", ("*",)),
    rule("create", CORE, ("serviceaccounts/token",)),
]

#: Upstream's ``system:controller:<name>`` rules for the controllers this simulator runs.
CONTROLLERS: dict[str, list[dict]] = {
    "deployment-controller": [
        rule(("get", "list", "watch", "update"), (APPS, "extensions"), ("deployments",)),
        rule("update", (APPS, "extensions"), ("deployments/status", "deployments/finalizers")),
        rule(("create", "delete", "patch", "update") + READ, (APPS, "extensions"), ("replicasets",)),
        rule(("get", "list", "watch", "update"), CORE, ("pods",)),
        _events(),
    ],
    "replicaset-controller": [
        rule(("get", "list", "watch", "update"), (APPS, "extensions"), ("replicasets",)),
        rule("update", (APPS, "extensions"), ("replicasets/status", "replicasets/finalizers")),
        rule(("list", "watch", "patch", "create", "delete"), CORE, ("pods",)),
        _events(),
    ],
    "daemon-set-controller": [
        rule(READ, (APPS, "extensions"), ("daemonsets",)),
        rule("update", (APPS, "extensions"), ("daemonsets/status", "daemonsets/finalizers")),
        rule(("list", "watch"), CORE, ("nodes",)),
        rule(("list", "watch", "create", "delete", "patch"), CORE, ("pods",)),
        rule("create", CORE, ("pods/binding",)),
        _events(),
    ],
    "endpoint-controller": [
        rule(READ, CORE, ("services", "pods")),
        rule(("get", "list", "create", "update", "delete"), CORE, ("endpoints",)),
        rule("create", CORE, ("endpoints/restricted",)),
        _events(),
    ],
    "node-controller": [
        rule(("get", "list", "update", "delete", "patch"), CORE, ("nodes",)),
        rule(("patch", "update"), CORE, ("nodes/status",)),
        rule(("patch", "update"), CORE, ("pods/status",)),
        rule(("list", "get", "delete"), CORE, ("pods",)),
        _events(),
    ],
    "generic-garbage-collector": [
        rule(("get", "list", "watch", "patch", "update", "delete"), "*", ("*",)),
        _events(),
    ],
    "namespace-controller": [
        rule(("get", "list", "watch", "delete"), CORE, ("namespaces",)),
        rule("update", CORE, ("namespaces/finalize", "namespaces/status")),
        rule(("get", "list", "delete", "deletecollection"), "*", ("*",)),
    ],
    "resourcequota-controller": [
        rule(("list", "watch"), "*", ("*",)),
        rule("update", CORE, ("resourcequotas/status",)),
        _events(),
    ],
    "service-account-controller": [rule("create", CORE, ("serviceaccounts",)), _events()],
    # ReplicationController and batch/v1 (jobs)
    "replication-controller": [
        rule(("get", "list", "watch", "update"), CORE, ("replicationcontrollers",)),
        rule("update", CORE, ("replicationcontrollers/status", "replicationcontrollers/finalizers")),
        rule(("list", "watch", "patch", "create", "delete"), CORE, ("pods",)),
        _events(),
    ],
    "job-controller": [
        rule(("get", "list", "watch", "update", "patch"), BATCH, ("jobs",)),
        rule("update", BATCH, ("jobs/status", "jobs/finalizers")),
        rule(("list", "watch", "create", "delete", "patch"), CORE, ("pods",)),
        _events(),
    ],
    "cronjob-controller": [
        rule(("get", "list", "watch", "update"), BATCH, ("cronjobs",)),
        rule(("get", "list", "watch", "create", "update", "delete", "patch"), BATCH, ("jobs",)),
        rule("update", BATCH, ("cronjobs/status", "cronjobs/finalizers")),
        rule(("list", "delete"), CORE, ("pods",)),
        _events(),
    ],
    "ttl-after-finished-controller": [
        rule(("get", "list", "watch", "delete"), BATCH, ("jobs",)),
        _events(),
    ],
    "pod-garbage-collector": [
        rule(("list", "watch", "delete"), CORE, ("pods",)),
        rule(("get", "list"), CORE, ("nodes",)),
        rule("patch", CORE, ("pods/status",)),
    ],
    # storage (storage)
    "persistent-volume-binder": [
        rule(("create", "delete", "get", "list", "update", "watch"), CORE, ("persistentvolumes",)),
        rule("update", CORE, ("persistentvolumes/status",)),
        rule(("get", "list", "update", "watch"), CORE, ("persistentvolumeclaims",)),
        rule("update", CORE, ("persistentvolumeclaims/status",)),
        rule(("list", "watch", "get", "create", "delete"), CORE, ("pods",)),
        rule(READ, "storage.k8s.io", ("storageclasses",)),
        rule(READ, CORE, ("nodes",)),
        _events(),
    ],
    "statefulset-controller": [
        rule(("list", "watch"), CORE, ("pods",)),
        rule(READ, APPS, ("statefulsets",)),
        rule("update", APPS, ("statefulsets/status",)),
        rule("update", APPS, ("statefulsets/finalizers",)),
        rule(("get", "create", "delete", "update", "patch"), CORE, ("pods",)),
        rule(("get", "create", "delete", "update", "patch", "list", "watch"), APPS, ("controllerrevisions",)),
        rule(("get", "create"), CORE, ("persistentvolumeclaims",)),
        rule(("update", "patch"), CORE, ("persistentvolumeclaims",)),
        _events(),
    ],
    # disruption, endpointslice, endpointslicemirroring (policy)
    "disruption-controller": [
        rule(READ, (APPS, "extensions"), ("deployments", "replicasets")),
        rule(READ, CORE, ("replicationcontrollers",)),
        rule(READ, POLICY, ("poddisruptionbudgets",)),
        rule(READ, APPS, ("statefulsets",)),
        rule("update", POLICY, ("poddisruptionbudgets/status",)),
        rule("get", "*", ("*/scale",)),
        rule(("patch", "update"), CORE, ("pods/status",)),
        _events(),
    ],
    "endpointslice-controller": [
        rule(READ, CORE, ("services", "pods", "nodes")),
        rule("update", CORE, ("services/finalizers",)),
        rule(("get", "list", "create", "update", "delete"), DISCOVERY_GROUP, ("endpointslices",)),
        _events(),
    ],
    "endpointslicemirroring-controller": [
        rule(READ, CORE, ("services", "endpoints")),
        rule("update", CORE, ("endpoints/finalizers",)),
        rule(("get", "list", "create", "update", "delete"), DISCOVERY_GROUP, ("endpointslices",)),
        _events(),
    ],
}

#: ``system:volume-scheduler``: what the scheduler's VolumeBinding plugin writes (storage).
VOLUME_SCHEDULER = [
    rule(READ + ("update",), CORE, ("persistentvolumes",)),
    rule(READ, "storage.k8s.io", ("storageclasses",)),
    rule(READ + ("patch", "update"), CORE, ("persistentvolumeclaims",)),
]

NODE = [
    rule("create", "authentication.k8s.io", ("tokenreviews",)),
    rule("create", AUTHORIZATION, ("localsubjectaccessreviews", "subjectaccessreviews")),
    rule(READ, CORE, ("services",)),
    rule(("create", "get", "list", "watch"), CORE, ("nodes",)),
    rule(("patch", "update"), CORE, ("nodes/status",)),
    rule(("patch", "update"), CORE, ("nodes",)),
    _events(),
    rule(READ, CORE, ("pods",)),
    rule(("create", "delete"), CORE, ("pods",)),
    rule(("patch", "update"), CORE, ("pods/status",)),
    rule("create", CORE, ("pods/eviction",)),
    rule(READ, CORE, ("configmaps", "secrets")),
    rule("get", CORE, ("persistentvolumeclaims", "persistentvolumes")),
    rule("get", CORE, ("endpoints",)),
    rule(("create", "delete", "get", "patch", "update"), COORDINATION, ("leases",)),
    rule("create", CORE, ("serviceaccounts/token",)),
    rule("get", CORE, ("serviceaccounts",)),
]

NODE_PROXIER = [
    rule(("list", "watch"), CORE, ("endpoints", "services")),
    rule(("list", "watch"), DISCOVERY_GROUP, ("endpointslices",)),  # policy
    rule(READ, CORE, ("nodes",)),
    _events(),
]


# ---------------------------------------------------------------------------- objects
def _merge(*rule_lists: list[dict]) -> list[dict]:
    """Trim each list to what is served, then concatenate without repeating an identical
    rule (the aggregation controller's ``ruleExists``)."""
    out: list[dict] = []
    for rules in rule_lists:
        for r in served(rules):
            if r not in out:
                out.append(r)
    return out


def cluster_role(name: str, rules: list[dict], labels: dict | None = None, aggregate_label: str = "") -> dict:
    obj: dict = {"kind": "ClusterRole", "apiVersion": RBAC_V1,
                 "metadata": {"name": name, "labels": {**LABELS, **(labels or {})}, "annotations": dict(ANNOTATIONS)},
                 "rules": served(rules)}
    if aggregate_label:
        obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {aggregate_label: "true"}}]}
    return obj


def cluster_role_binding(name: str, subjects: list[tuple[str, str]]) -> dict:
    """Bind the ClusterRole ``name`` to (kind, name) User/Group subjects, under the same name."""
    return {"kind": "ClusterRoleBinding", "apiVersion": RBAC_V1,
            "metadata": {"name": name, "labels": dict(LABELS), "annotations": dict(ANNOTATIONS)},
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": kind, "apiGroup": RBAC_GROUP, "name": who} for kind, who in subjects]}


def _to(label: str) -> dict:
    return {f"rbac.authorization.k8s.io/aggregate-to-{label}": "true"}


def cluster_roles() -> list[dict]:
    # Aggregation gathers the selected roles sorted by name: edit = system:aggregate-to-edit
    # then view; admin = edit then system:aggregate-to-admin.
    view = _merge(AGGREGATE_TO_VIEW)
    edit = _merge(AGGREGATE_TO_EDIT, view)
    admin = _merge(edit, AGGREGATE_TO_ADMIN)
    controller_manager = _merge(KUBE_CONTROLLER_MANAGER, *CONTROLLERS.values())
    return [
        cluster_role("cluster-admin", CLUSTER_ADMIN),
        cluster_role("admin", admin, aggregate_label="rbac.authorization.k8s.io/aggregate-to-admin"),
        cluster_role("edit", edit, _to("admin"), "rbac.authorization.k8s.io/aggregate-to-edit"),
        cluster_role("view", view, _to("edit"), "rbac.authorization.k8s.io/aggregate-to-view"),
        cluster_role("system:aggregate-to-admin", AGGREGATE_TO_ADMIN, _to("admin")),
        cluster_role("system:aggregate-to-edit", AGGREGATE_TO_EDIT, _to("edit")),
        cluster_role("system:aggregate-to-view", AGGREGATE_TO_VIEW, _to("view")),
        cluster_role("system:auth-delegator", AUTH_DELEGATOR),
        cluster_role("system:basic-user", BASIC_USER),
        cluster_role("system:discovery", DISCOVERY),
        cluster_role("system:public-info-viewer", PUBLIC_INFO_VIEWER),
        cluster_role("system:monitoring", MONITORING),
        cluster_role("system:kube-scheduler", KUBE_SCHEDULER),
        cluster_role("system:kube-controller-manager", controller_manager),
        cluster_role("system:node", NODE),
        cluster_role("system:node-proxier", NODE_PROXIER),
        cluster_role("system:volume-scheduler", VOLUME_SCHEDULER),  # storage
    ]


def cluster_role_bindings() -> list[dict]:
    return [
        cluster_role_binding("cluster-admin", [("Group", "system:masters")]),
        cluster_role_binding("system:basic-user", [("Group", "system:authenticated")]),
        cluster_role_binding("system:discovery", [("Group", "system:authenticated")]),
        cluster_role_binding("system:public-info-viewer", [("Group", "system:authenticated"),
                                                           ("Group", "system:unauthenticated")]),
        cluster_role_binding("system:monitoring", [("Group", "system:monitoring")]),
        cluster_role_binding("system:kube-scheduler", [("User", "system:kube-scheduler")]),
        cluster_role_binding("system:kube-controller-manager", [("User", "system:kube-controller-manager")]),
        cluster_role_binding("system:node", [("Group", "system:nodes")]),
        cluster_role_binding("system:node-proxier", [("User", "system:kube-proxy")]),
        cluster_role_binding("system:volume-scheduler", [("User", "system:kube-scheduler")]),  # storage
    ]


def default_objects() -> list[tuple[str, dict]]:
    """(resource plural, object) for every default RBAC object, roles before bindings."""
    return ([("clusterroles", r) for r in cluster_roles()]
            + [("clusterrolebindings", b) for b in cluster_role_bindings()])
