"""The in-process API client every component is handed — and the only thing it is handed.

Each call is an :class:`~simulation.apiserver.request.APIRequest` that crosses the same
chain as an HTTP request (authenticated as the component's own user, authorized by RBAC,
admitted, validated, audited), just without serialising the body. Errors come back as
:class:`APIError` carrying the Kubernetes ``Status``, like client-go's ``StatusError``.
"""
from __future__ import annotations

import json
from typing import Any, Protocol

from simulation.apimachinery import resources
from simulation.apimachinery.resources import ResourceType
from simulation.apiserver.request import APIRequest, APIResponse, UserInfo

PATCH_TYPES = {"merge": "application/merge-patch+json", "strategic": "application/strategic-merge-patch+json",
               "json": "application/json-patch+json"}


class APIError(Exception):
    def __init__(self, code: int, status: dict) -> None:
        super().__init__(status.get("message", f"HTTP {code}") if isinstance(status, dict) else str(status))
        self.code = code
        self.status = status if isinstance(status, dict) else {}

    @property
    def reason(self) -> str:
        return self.status.get("reason", "")


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, APIError) and exc.code == 404


def is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, APIError) and exc.code == 409


def is_already_exists(exc: BaseException) -> bool:
    return isinstance(exc, APIError) and exc.reason == "AlreadyExists"


def resource_path(rt: ResourceType, namespace: str = "", name: str = "", subresource: str = "") -> str:
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    if rt.namespaced and namespace:
        base += f"/namespaces/{namespace}"
    path = f"{base}/{rt.name}"
    if name:
        path += f"/{name}"
    if subresource:
        path += f"/{subresource}"
    return path


class Transport(Protocol):
    """The client→server seam: everything an :class:`APIClient` asks of the API server it is
    handed (:class:`~simulation.apiserver.server.APIServer`, in every process). Requests cross
    the server's whole chain; the change feed is the server's own bookkeeping, which the
    kernel reads through the observer's client instead of holding the server's store."""

    def handle(self, req: APIRequest) -> APIResponse: ...

    def current_revision(self) -> int: ...

    def changed_topics(self, revision: int) -> set | None: ...


class APIClient:
    def __init__(self, server: Transport, user: UserInfo, user_agent: str) -> None:
        self.server = server
        self.user = user
        self.user_agent = user_agent
        #: Requests sent that ask for a change (whatever the answer): how a component tells an
        #: action that acted on the cluster from one that only looked (a housekeeping step).
        self.writes = 0

    def _call(self, method: str, path: str, *, query: dict | None = None, obj: Any = None, body: bytes | None = None,
              content_type: str = "application/json") -> Any:
        headers = {"user-agent": self.user_agent, "accept": "application/json"}
        if method != "GET":
            self.writes += 1
        if obj is not None or body is not None:
            headers["content-type"] = content_type
        response = self.server.handle(APIRequest(method, path, query=query or {}, headers=headers, body=body, obj=obj,
                                                 user=self.user))
        if response.code >= 400:
            raise APIError(response.code, response.body)
        return response.watcher if response.watcher is not None else response.body

    # ----------------------------------------------------------------- reads
    def get(self, resource: str, namespace: str, name: str, *, subresource: str = "") -> dict:
        return self._call("GET", resource_path(resources.by_name(resource), namespace, name, subresource))

    def list(self, resource: str, namespace: str = "", *, label_selector: str = "",
             field_selector: str = "") -> tuple[list[dict], str]:
        query = {k: v for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector)) if v}
        body = self._call("GET", resource_path(resources.by_name(resource), namespace), query=query)
        return body["items"], body["metadata"]["resourceVersion"]

    def watch(self, resource: str, namespace: str = "", *, resource_version: str, label_selector: str = "",
              field_selector: str = "", timeout_seconds: int | None = None) -> Any:
        """A :class:`~simulation.apiserver.watch.Watcher` the caller polls (informers do)."""
        query = {"watch": "true", "resourceVersion": resource_version, "allowWatchBookmarks": "true"}
        query.update({k: v for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector)) if v})
        if timeout_seconds:
            query["timeoutSeconds"] = str(timeout_seconds)
        return self._call("GET", resource_path(resources.by_name(resource), namespace), query=query)

    # ----------------------------------------------------------------- writes
    def create(self, resource: str, obj: dict, namespace: str = "", *, group: str | None = None) -> dict:
        """``group`` picks among groups serving the same plural (``events.k8s.io``'s events)."""
        rt = resources.by_name(resource, group)
        namespace = namespace or obj.get("metadata", {}).get("namespace", "")
        return self._call("POST", resource_path(rt, namespace), obj=obj)

    def update(self, resource: str, obj: dict, subresource: str = "") -> dict:
        rt = resources.by_name(resource)
        meta = obj["metadata"]
        return self._call("PUT", resource_path(rt, meta.get("namespace", ""), meta["name"], subresource), obj=obj)

    def update_status(self, resource: str, obj: dict) -> dict:
        return self.update(resource, obj, "status")

    def patch(self, resource: str, namespace: str, name: str, patch: Any, *, patch_type: str = "merge",
              subresource: str = "", group: str | None = None) -> dict:
        rt = resources.by_name(resource, group)
        return self._call("PATCH", resource_path(rt, namespace, name, subresource),
                          body=json.dumps(patch).encode(), content_type=PATCH_TYPES[patch_type])

    def delete(self, resource: str, namespace: str, name: str, *, propagation_policy: str | None = None,
               preconditions: dict | None = None, grace_period_seconds: int | None = None) -> dict:
        options: dict = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if preconditions:
            options["preconditions"] = preconditions
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        return self._call("DELETE", resource_path(resources.by_name(resource), namespace, name), obj=options)

    def bind(self, namespace: str, pod_name: str, node_name: str, *, pod_uid: str = "") -> dict:
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": pod_name, "namespace": namespace, **({"uid": pod_uid} if pod_uid else {})},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
        return self._call("POST", resource_path(resources.by_name("pods"), namespace, pod_name, "binding"), obj=binding)

    def changed_topics(self, revision: int) -> set | None:
        """What was written after ``revision`` (the watch cache's triggers), for the kernel."""
        return self.server.changed_topics(revision)

    def current_revision(self) -> int:
        """The store's latest revision: what the kernel's change probe watches (the API
        server's own bookkeeping, like the revision its watch cache has seen)."""
        return self.server.current_revision()
