"""io.k8s.api.rbac.v1."""
from __future__ import annotations

from ._helpers import META, arr, kind, list_kind, obj, ref, string, strings

R = "io.k8s.api.rbac.v1."

_rules = arr(R + "PolicyRule", "Rules holds all the PolicyRules for this role.", list_type="atomic")
_subjects = arr(R + "Subject", "Subjects holds references to the objects the role applies to.",
                list_type="atomic")
_role_ref = ref(R + "RoleRef", "RoleRef can reference a Role in the current namespace or a ClusterRole in "
                "the global namespace. Cannot be updated.")

SCHEMAS = {
    R + "PolicyRule": obj(
        "PolicyRule holds information that describes a policy rule, but does not contain information about "
        "who the rule applies to or which namespace the rule applies to.", ("verbs",),
        apiGroups=strings("The name of the APIGroup that contains the resources; \"\" is the core group and "
                          "\"*\" all groups."),
        nonResourceURLs=strings("A set of partial urls that a user should have access to; only for "
                                "ClusterRoles bound by a ClusterRoleBinding."),
        resourceNames=strings("An optional white list of names that the rule applies to. An empty set means "
                              "that everything is allowed."),
        resources=strings("A list of resources this rule applies to. '*' represents all resources."),
        verbs=strings("A list of verbs that apply to ALL the ResourceKinds contained in this rule. '*' "
                      "represents all verbs."),
    ),
    R + "Subject": obj(
        "Subject contains a reference to the object or user identities a role binding applies to.",
        ("kind", "name"),
        apiGroup=string("The API group of the referenced subject: \"\" for ServiceAccount, "
                        "\"rbac.authorization.k8s.io\" for User and Group."),
        kind=string("Kind of object being referenced: \"User\", \"Group\" or \"ServiceAccount\"."),
        name=string("Name of the object being referenced."),
        namespace=string("Namespace of the referenced object; must be empty for User or Group."),
    ),
    R + "RoleRef": obj("RoleRef contains information that points to the role being used", ("apiGroup", "kind",
                                                                                           "name"),
                       apiGroup=string("APIGroup is the group for the resource being referenced"),
                       kind=string("Kind is the type of resource being referenced"),
                       name=string("Name is the name of resource being referenced")),
    R + "AggregationRule": obj(
        "AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole",
        clusterRoleSelectors=arr(META + "LabelSelector", "A list of selectors which will be used to find "
                                 "ClusterRoles and create the rules.", list_type="atomic")),
    R + "Role": kind("Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit "
                     "by a RoleBinding.", "rbac.authorization.k8s.io", "v1", "Role", rules=_rules),
    R + "ClusterRole": kind(
        "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by "
        "a RoleBinding or ClusterRoleBinding.", "rbac.authorization.k8s.io", "v1", "ClusterRole",
        aggregationRule=ref(R + "AggregationRule", "An optional field that describes how to build the Rules "
                            "for this ClusterRole; if set, Rules are controller managed.", struct=False),
        rules=_rules),
    R + "RoleBinding": kind(
        "RoleBinding references a role, but does not contain it. It can reference a Role in the same "
        "namespace or a ClusterRole in the global namespace.", "rbac.authorization.k8s.io", "v1",
        "RoleBinding", ("roleRef",), roleRef=_role_ref, subjects=_subjects),
    R + "ClusterRoleBinding": kind(
        "ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a ClusterRole in "
        "the global namespace, and adds who information via Subject.", "rbac.authorization.k8s.io", "v1",
        "ClusterRoleBinding", ("roleRef",),
        roleRef=ref(R + "RoleRef", "RoleRef can only reference a ClusterRole in the global namespace. Cannot "
                    "be updated."), subjects=_subjects),
}
for _k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
    SCHEMAS[R + _k + "List"] = list_kind("rbac.authorization.k8s.io", "v1", _k + "List", R + _k)
