"""What a request is once it reaches the API server, wherever it came from.

HTTP (kubectl, the Python client, the browser) and in-process components build the
same :class:`APIRequest`, so every call crosses the same chain and leaves the same
audit record. :func:`parse_path` is upstream's RequestInfoFactory: it turns a URL path
into verb, group, version, resource, namespace, name and subresource.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulation.apimachinery import resources
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.wellknown import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER


@dataclass(frozen=True)
class UserInfo:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    #: ``user.Info.GetExtra``: (key, values) pairs, e.g. set by impersonation.
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def all_groups(self) -> tuple[str, ...]:
        extra = (ALL_AUTHENTICATED,) if self.name != ANONYMOUS_USER else (ALL_UNAUTHENTICATED,)
        return tuple(dict.fromkeys(self.groups + extra))


ANONYMOUS = UserInfo(ANONYMOUS_USER, (ALL_UNAUTHENTICATED,))


@dataclass
class RequestInfo:
    """Upstream's RequestInfo: the authorizer's view of a request."""

    path: str
    verb: str
    is_resource_request: bool = False
    api_prefix: str = ""
    group: str = ""
    version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    resource_type: ResourceType | None = None


@dataclass
class APIRequest:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    #: Already-decoded body, for in-process clients that skip serialization.
    obj: Any = None
    #: Set when the caller already knows who it is (in-process components).
    user: UserInfo | None = None
    #: Every query parameter in order, repeats kept (``exec``'s ``command`` is repeated).
    query_items: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The chain edits its request's headers (authentication drops the bearer token, as
        # upstream does); a caller reusing its own dict must not see that.
        self.headers = dict(self.headers)

    def header(self, name: str) -> str:
        name = name.lower()
        for k, v in self.headers.items():
            if k.lower() == name:
                return v
        return ""

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


@dataclass
class APIResponse:
    code: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Set for watches: an iterator-like object the transport drains (see ``watch.Watcher``).
    watcher: Any = None
    #: Set for a followed log: ``poll() -> str`` until ``done`` (see ``podlogs.LogFollower``).
    stream: Any = None
    #: Set for an upgraded exec: the session the transport drives (see ``podexec.ExecSession``).
    exec: Any = None
    #: Set for an upgraded port forward (see ``podportforward.PortForwardSession``).
    portforward: Any = None


_NAMESPACE_SUBRESOURCES = ("status", "finalize")
_METHOD_VERBS = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete"}


def parse_path(method: str, path: str, query: dict[str, str]) -> RequestInfo:
    """Split ``/api/v1/namespaces/ns/pods/name/status`` and friends, as upstream does."""
    verb = _METHOD_VERBS.get(method.upper(), method.lower())
    parts = [p for p in path.split("/") if p]
    info = RequestInfo(path=path, verb=verb)
    if not parts or parts[0] not in ("api", "apis"):
        return info
    info.api_prefix = parts[0]
    rest = parts[1:]
    if info.api_prefix == "api":
        if not rest:
            return info
        info.version, rest = rest[0], rest[1:]
    else:
        if len(rest) < 2:
            return info
        info.group, info.version, rest = rest[0], rest[1], rest[2:]
    if not rest:
        return info
    info.is_resource_request = True
    if rest[0] == "namespaces" and len(rest) > 1:
        info.namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    info.resource = rest[0]
    if len(rest) > 1:
        info.name = rest[1]
    if len(rest) > 2:
        info.subresource = "/".join(rest[2:])
    info.resource_type = resources.lookup(info.group, info.version, info.resource)
    if not info.name:
        if verb == "get":
            info.verb = "watch" if query.get("watch", "").lower() in ("1", "true") else "list"
        elif verb == "delete":
            info.verb = "deletecollection"
    return info
