"""Impersonation (upstream's ``filters.WithImpersonation``): after authentication, a caller
may ask to act as someone else with ``Impersonate-User``, ``Impersonate-Group``,
``Impersonate-Uid`` and ``Impersonate-Extra-<key>`` headers — ``kubectl --as=student-3
--as-group=...``. Each thing asked for is authorized as the verb ``impersonate`` on
``users``, ``groups``, ``serviceaccounts``, ``uids`` (authentication.k8s.io) or
``userextras/<key>``; one refusal is a 403 naming it. Then the request runs as the
impersonated user, so a teacher sees exactly what a student's rights allow, and the audit
trail records both who asked and whom they acted as.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from simulation.apimachinery.wellknown import (ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER,
                                              service_account_groups, service_account_username,
                                              split_service_account_username)

from .. import errors
from ..authorization import Attributes
from ..errors import StatusError
from ..request import APIRequest, UserInfo

IMPERSONATE_USER = "impersonate-user"
IMPERSONATE_GROUP = "impersonate-group"
IMPERSONATE_UID = "impersonate-uid"
IMPERSONATE_EXTRA_PREFIX = "impersonate-extra-"
AUTHENTICATION_GROUP = "authentication.k8s.io"
PLUGIN = "Impersonation"

#: Answers (allowed, reason) for one ``impersonate`` check, and the 403 to raise otherwise.
Authorize = Callable[[Attributes], tuple[bool, str]]
Refuse = Callable[[Attributes, str], StatusError]


@dataclass(frozen=True)
class ImpersonationRequest:
    """One thing the caller asks to act as (upstream builds an ObjectReference for each)."""

    kind: str  # User, ServiceAccount, Group, UserExtra, UID
    name: str
    namespace: str = ""
    extra_key: str = ""


def impersonation_headers(request: APIRequest) -> dict[str, list[str]]:
    """The request's ``Impersonate-*`` headers, lower-cased, each with its values (several
    header lines of one name arrive joined by commas)."""
    found: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key.startswith("impersonate-"):
            values = [v.strip() for v in value.split(",")] if key != IMPERSONATE_USER else [value.strip()]
            found.setdefault(key, []).extend(v for v in values if v)
    return found


def build_requests(headers: dict[str, list[str]]) -> list[ImpersonationRequest]:
    """Upstream's ``buildImpersonationRequests``, in its order: user, groups, extras, uid."""
    out: list[ImpersonationRequest] = []
    user = (headers.get(IMPERSONATE_USER) or [""])[0]
    if user:
        sa = split_service_account_username(user)
        out.append(ImpersonationRequest("ServiceAccount", sa[1], sa[0]) if sa else ImpersonationRequest("User", user))
    out += [ImpersonationRequest("Group", group) for group in headers.get(IMPERSONATE_GROUP, ())]
    for key, values in sorted(headers.items()):
        if key.startswith(IMPERSONATE_EXTRA_PREFIX):
            extra_key = unquote(key[len(IMPERSONATE_EXTRA_PREFIX):])
            out += [ImpersonationRequest("UserExtra", value, extra_key=extra_key) for value in values]
    uid = (headers.get(IMPERSONATE_UID) or [""])[0]
    if uid:
        out.append(ImpersonationRequest("UID", uid))
    if out and not user:
        asked = ", ".join(f"{r.kind} {r.name!r}" for r in out)
        raise errors.bad_request(f"requested {asked} without impersonating a user")
    return out


def _attributes(requestor: UserInfo, asked: ImpersonationRequest) -> Attributes:
    resource, group, subresource = {
        "User": ("users", "", ""), "ServiceAccount": ("serviceaccounts", "", ""), "Group": ("groups", "", ""),
        "UserExtra": ("userextras", AUTHENTICATION_GROUP, asked.extra_key),
        "UID": ("uids", AUTHENTICATION_GROUP, ""),
    }[asked.kind]
    return Attributes(user=requestor, verb="impersonate", is_resource_request=True, api_group=group,
                      api_version="v1", resource=resource, subresource=subresource,
                      namespace=asked.namespace, name=asked.name)


def impersonate(requestor: UserInfo, request: APIRequest, authorize: Authorize, refuse: Refuse) -> UserInfo | None:
    """The user ``request`` asks to act as, each part authorized for ``requestor``; None
    when it asks for no one. Raises 400 for groups, extras or a uid without a user, and the
    403 ``refuse`` makes for the first part ``requestor`` may not impersonate."""
    headers = impersonation_headers(request)
    asked = build_requests(headers) if headers else []
    if not asked:
        return None
    groups_given = bool(headers.get(IMPERSONATE_GROUP))
    username, uid = "", ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    for item in asked:
        attrs = _attributes(requestor, item)
        allowed, reason = authorize(attrs)
        if not allowed:
            raise refuse(attrs, reason)
        if item.kind == "ServiceAccount":
            username = service_account_username(item.namespace, item.name)
            if not groups_given:
                groups = list(service_account_groups(item.namespace))
        elif item.kind == "User":
            username = item.name
        elif item.kind == "Group":
            groups.append(item.name)
        elif item.kind == "UserExtra":
            extra.setdefault(item.extra_key, []).append(item.name)
        else:
            uid = item.name
    # As upstream: the impersonated user is authenticated unless a group says otherwise.
    if username != ANONYMOUS_USER:
        if not any(g in (ALL_AUTHENTICATED, ALL_UNAUTHENTICATED) for g in groups):
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    return UserInfo(username, tuple(groups), uid, tuple((k, tuple(v)) for k, v in extra.items()))
