"""io.k8s.api.authorization.v1: the access review kinds (create-only)."""
from __future__ import annotations

from ._helpers import boolean, free, kind, mapof, obj, ref, string, strings

Z = "io.k8s.api.authorization.v1."
G = "authorization.k8s.io"

_status = ref(Z + "SubjectAccessReviewStatus", "Status is filled in by the server and indicates whether the "
              "request is allowed or not")

SCHEMAS = {
    Z + "ResourceAttributes": obj(
        "ResourceAttributes includes the authorization attributes available for resource requests to the "
        "Authorizer interface",
        fieldSelector=free("fieldSelector describes the limitation on access based on field."),
        group=string("Group is the API Group of the Resource. \"*\" means all."),
        labelSelector=free("labelSelector describes the limitation on access based on labels."),
        name=string("Name is the name of the resource being requested for a \"get\" or deleted for a "
                    "\"delete\". \"\" (empty) means all."),
        namespace=string("Namespace is the namespace of the action being requested. \"\" (empty) means all "
                         "for namespaced resources, and is meaningless for cluster-scoped ones."),
        resource=string("Resource is one of the existing resource types. \"*\" means all."),
        subresource=string("Subresource is one of the existing resource types. \"\" means none."),
        verb=string("Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, "
                    "proxy. \"*\" means all."),
        version=string("Version is the API Version of the Resource. \"*\" means all."),
    ),
    Z + "NonResourceAttributes": obj(
        "NonResourceAttributes includes the authorization attributes available for non-resource requests.",
        path=string("Path is the URL path of the request"),
        verb=string("Verb is the standard HTTP verb")),
    Z + "SubjectAccessReviewStatus": obj(
        "SubjectAccessReviewStatus", ("allowed",),
        allowed=boolean("Allowed is required. True if the action would be allowed, false otherwise."),
        denied=boolean("Denied is optional. True if the action would be denied, otherwise false."),
        evaluationError=string("An indication that some error occurred during the authorization check."),
        reason=string("Reason is optional. It indicates why a request was allowed or denied."),
    ),
    Z + "SelfSubjectAccessReview": kind(
        "SelfSubjectAccessReview checks whether or the current user can perform an action. Not filling in a "
        "spec.namespace means \"in all namespaces\".", G, "v1", "SelfSubjectAccessReview", ("spec",),
        spec=obj("SelfSubjectAccessReviewSpec is a description of the access request. Exactly one of "
                 "ResourceAttributes and NonResourceAttributes must be set",
                 nonResourceAttributes=ref(Z + "NonResourceAttributes", "NonResourceAttributes describes "
                                           "information for a non-resource access request", struct=False),
                 resourceAttributes=ref(Z + "ResourceAttributes", "ResourceAuthorizationAttributes describes "
                                        "information for a resource access request", struct=False)),
        status=_status),
    Z + "SelfSubjectRulesReview": kind(
        "SelfSubjectRulesReview enumerates the set of actions the current user can perform within a "
        "namespace.", G, "v1", "SelfSubjectRulesReview", ("spec",),
        spec=obj("SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.",
                 namespace=string("Namespace to evaluate rules for. Required.")),
        status=free("Status is filled in by the server and indicates the set of actions a user can perform.")),
    Z + "SubjectAccessReview": kind(
        "SubjectAccessReview checks whether or not a user or group can perform an action.", G, "v1",
        "SubjectAccessReview", ("spec",),
        spec=obj("SubjectAccessReviewSpec is a description of the access request. Exactly one of "
                 "ResourceAuthorizationAttributes and NonResourceAttributes must be set",
                 extra=mapof(strings(), "Extra corresponds to the user.Info.GetExtra() method from the "
                             "authenticator."),
                 groups=strings("Groups is the groups you're testing for."),
                 nonResourceAttributes=ref(Z + "NonResourceAttributes", "NonResourceAttributes describes "
                                           "information for a non-resource access request", struct=False),
                 resourceAttributes=ref(Z + "ResourceAttributes", "ResourceAuthorizationAttributes describes "
                                        "information for a resource access request", struct=False),
                 uid=string("UID information about the requesting user."),
                 user=string("User is the user you're testing for.")),
        status=_status),
}
