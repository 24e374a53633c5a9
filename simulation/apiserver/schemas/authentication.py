"""io.k8s.api.authentication.v1: SelfSubjectReview (create-only; ``kubectl auth whoami``)."""
from __future__ import annotations

from ._helpers import kind, mapof, obj, ref, string, strings

A = "io.k8s.api.authentication.v1."
G = "authentication.k8s.io"

SCHEMAS = {
    A + "UserInfo": obj(
        "UserInfo holds the information about the user needed to implement the user.Info interface.",
        extra=mapof(strings(), "Any additional information provided by the authenticator."),
        groups=strings("The names of groups this user is a part of."),
        uid=string("A unique value that identifies this user across time. If this user is deleted and another "
                   "user by the same name is added, they will have different UIDs."),
        username=string("The name that uniquely identifies this user among all active users.")),
    A + "SelfSubjectReviewStatus": obj(
        "SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.",
        userInfo=ref(A + "UserInfo", "User attributes of the user making this request.")),
    A + "SelfSubjectReview": kind(
        "SelfSubjectReview contains the user information that the kube-apiserver has about the user making this "
        "request. When using impersonation, users will receive the user info of the user being impersonated.  If "
        "impersonation or request header authentication is used, any extra keys will have their case ignored and "
        "returned as lowercase.", G, "v1", "SelfSubjectReview",
        status=ref(A + "SelfSubjectReviewStatus", "Status is filled in by the server with the user attributes.")),
}
