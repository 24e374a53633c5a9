"""``SelfSubjectReview`` (``authentication.k8s.io/v1``): "who does the API server think I am?".

``kubectl auth whoami`` creates one (kubectl 1.28+ asks ``v1`` first, falling back to
``v1beta1`` and ``v1alpha1`` only on a 404) and prints the answer's ``status.userInfo`` as its
ATTRIBUTE/VALUE table (Username, UID, Groups, one ``Extra: <key>`` row per extra). Like
upstream's ``pkg/registry/authentication/selfsubjectreview``, the request body is ignored, the
answer is never stored, and under impersonation it describes the impersonated user.
"""
from __future__ import annotations

from collections.abc import Callable

from simulation.apimachinery.timestamps import rfc3339

from ..request import UserInfo

API_VERSION = "authentication.k8s.io/v1"
RESOURCE = "selfsubjectreviews"


def self_subject_review(user: UserInfo, now: float) -> dict:
    """The caller's user info as the authenticators (and impersonation) left it."""
    info: dict = {"username": user.name}
    if user.uid:
        info["uid"] = user.uid
    groups = list(user.all_groups)
    if groups:
        info["groups"] = groups
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra}
    return {"kind": "SelfSubjectReview", "apiVersion": API_VERSION,
            "metadata": {"creationTimestamp": rfc3339(now)}, "status": {"userInfo": info}}


def with_self_subject_review(reviews: Callable[[str, dict, UserInfo], dict],
                             clock: Callable[[], float]) -> Callable[[str, dict, UserInfo], dict]:
    """The server's review handler, answering ``selfsubjectreviews`` itself and passing the
    authorization reviews on."""
    def handle(resource: str, review: dict, user: UserInfo) -> dict:
        if resource == RESOURCE:
            return self_subject_review(user, clock())
        return reviews(resource, review, user)
    return handle
