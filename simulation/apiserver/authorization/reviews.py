"""The authorization.k8s.io reviews: asking the authorizers a question without acting.

* ``SelfSubjectAccessReview`` — "may I do this?"; ``kubectl auth can-i`` posts one.
* ``SubjectAccessReview`` — "may *they* do this?", for the user and groups in the spec.
* ``SelfSubjectRulesReview`` — "what may I do in this namespace?"; ``kubectl auth can-i
  --list`` posts one and prints the rules as a table.

Nothing is stored: the server answers 201 with the review and its ``status`` filled in.
The status follows upstream's JSON: ``allowed`` always; ``denied`` and ``reason`` only
when set (Go's ``omitempty``).
"""
from __future__ import annotations

import copy
from typing import Protocol

from ..errors import bad_request, invalid
from ..request import UserInfo
from . import ALLOW, DENY, Attributes
from .rbac import aggregate_errors
from .union import UnionAuthorizer

AUTHORIZATION_GROUP = "authorization.k8s.io"
API_VERSION = "authorization.k8s.io/v1"


class RulesResolver(Protocol):
    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[dict]]: ...

    def policy_rules(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]: ...


def _attributes(spec: dict, user: UserInfo) -> Attributes:
    """``ResourceAttributesFrom`` / ``NonResourceAttributesFrom``; an empty version means any."""
    ra = spec.get("resourceAttributes")
    if ra is not None:
        return Attributes(user=user, verb=ra.get("verb", ""), is_resource_request=True,
                          api_group=ra.get("group", ""), api_version=ra.get("version") or "*",
                          resource=ra.get("resource", ""), subresource=ra.get("subresource", ""),
                          namespace=ra.get("namespace", ""), name=ra.get("name", ""))
    nra = spec.get("nonResourceAttributes") or {}
    return Attributes(user=user, verb=nra.get("verb", ""), is_resource_request=False, path=nra.get("path", ""))


def _check_exactly_one(kind: str, spec: dict) -> None:
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if ra is not None and nra is not None:
        cause = {"reason": "FieldValueInvalid", "field": "spec.nonResourceAttributes",
                 "message": "Invalid value: \"object\": cannot be specified in combination with resourceAttributes"}
        raise invalid(kind, AUTHORIZATION_GROUP, "", [cause])
    if ra is None and nra is None:
        cause = {"reason": "FieldValueInvalid", "field": "spec.resourceAttributes",
                 "message": "Invalid value: \"null\": exactly one of nonResourceAttributes or "
                            "resourceAttributes must be specified"}
        raise invalid(kind, AUTHORIZATION_GROUP, "", [cause])


def _answer(kind: str, review: dict, user: UserInfo, authorizers: list) -> dict:
    out = copy.deepcopy(review)
    out["apiVersion"], out["kind"] = API_VERSION, kind
    out.setdefault("metadata", {})
    decision, reason = UnionAuthorizer(authorizers).authorize(_attributes(out.get("spec") or {}, user))
    status: dict = {"allowed": decision == ALLOW}
    if decision == DENY:
        status["denied"] = True
    if reason:
        status["reason"] = reason
    out["status"] = status
    return out


def self_subject_access_review(review: dict, user: UserInfo, authorizers: list) -> dict:
    """May the caller do what ``spec.resourceAttributes`` / ``spec.nonResourceAttributes`` say?"""
    _check_exactly_one("SelfSubjectAccessReview", review.get("spec") or {})
    return _answer("SelfSubjectAccessReview", review, user, authorizers)


def subject_access_review(review: dict, authorizers: list) -> dict:
    """May ``spec.user`` (with ``spec.groups``) do it?

    Upstream evaluates exactly the groups given; :class:`UserInfo` always adds
    ``system:authenticated`` (or ``system:unauthenticated`` for ``system:anonymous``), so
    here the review sees that group too — the only way it differs from upstream.
    """
    spec = review.get("spec") or {}
    if not spec.get("user") and not spec.get("groups"):
        cause = {"reason": "FieldValueInvalid", "field": "spec.user",
                 "message": 'Invalid value: "": at least one of user or group must be specified'}
        raise invalid("SubjectAccessReview", AUTHORIZATION_GROUP, "", [cause])
    _check_exactly_one("SubjectAccessReview", spec)
    user = UserInfo(spec.get("user", ""), tuple(spec.get("groups") or ()), spec.get("uid", ""))
    return _answer("SubjectAccessReview", review, user, authorizers)


def self_subject_rules_review(review: dict, user: UserInfo, authorizer: RulesResolver) -> dict:
    """Every rule the caller holds in ``spec.namespace`` (cluster-wide ones included)."""
    namespace = (review.get("spec") or {}).get("namespace", "")
    if not namespace:
        raise bad_request("no namespace on request")
    resource_rules, non_resource_rules = authorizer.rules_for(user, namespace)
    errors = authorizer.policy_rules(user, namespace)[1]
    out = copy.deepcopy(review)
    out["apiVersion"], out["kind"] = API_VERSION, "SelfSubjectRulesReview"
    out.setdefault("metadata", {})
    out["status"] = {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": False}
    if errors:
        out["status"]["evaluationError"] = aggregate_errors(errors)
    return out


def handle_review(resource: str, review: dict, user: UserInfo, authorizers: list,
                  rules: RulesResolver) -> dict:
    """Dispatch by resource plural — the shape ``APIServer(reviews=...)`` calls
    (bind ``authorizers`` and ``rules`` with ``functools.partial``)."""
    if resource == "selfsubjectaccessreviews":
        return self_subject_access_review(review, user, authorizers)
    if resource == "subjectaccessreviews":
        return subject_access_review(review, authorizers)
    if resource == "selfsubjectrulesreviews":
        return self_subject_rules_review(review, user, rules)
    raise bad_request(f"unknown review resource {resource!r}")
