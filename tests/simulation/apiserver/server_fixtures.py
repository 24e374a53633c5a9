"""A whole API server over an in-memory store, and the calls a Kubernetes client makes to it.

:class:`Cluster` is what ``clusterviz`` builds for a real cluster, minus Django: the chain from
:func:`~simulation.apiserver.assembly.new_apiserver`, bearer tokens for ``admin`` (a member of
``system:masters``) and ``alice`` (no permissions), and the bootstrap objects (system
namespaces, their ``default`` service accounts, the default RBAC policy) written through the
server as ``system:apiserver``, as ``clusterviz.clusters.bootstrap`` does.

Requests go through :meth:`Cluster.request` as HTTP would deliver them (headers, a byte body,
a query dict), so the tests see what kubectl or the Python client sees: a code and a body.
Time is virtual (``cluster.now``) and the uid/name generator is seeded, so runs repeat.
"""
from __future__ import annotations

import json
from typing import Any

from simulation.apimachinery.resources import by_name
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.audit import AuditEvent
from simulation.apiserver.authorization.bootstrap_policy import default_objects
from simulation.apiserver.request import APIRequest, APIResponse, UserInfo
from simulation.store.memory import MemoryStore

ADMIN_TOKEN = "admin-token"
ALICE_TOKEN = "alice-token"
TOKENS = {ADMIN_TOKEN: UserInfo("admin", ("system:masters",)), ALICE_TOKEN: UserInfo("alice")}
APISERVER = UserInfo("system:apiserver", ("system:masters",))
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
#: 2024-01-01T00:00:00Z, so timestamps in assertions are readable.
START_SECONDS = 1_704_067_200.0
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io"

POD_PATH = "/api/v1/namespaces/default/pods"
CM_PATH = "/api/v1/namespaces/default/configmaps"
DEPLOY_PATH = "/apis/apps/v1/namespaces/default/deployments"


def collection_path(resource: str, namespace: str = "", group: str | None = None) -> str:
    rt = by_name(resource, group)
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    return f"{base}/namespaces/{namespace}/{resource}" if rt.namespaced and namespace else f"{base}/{resource}"


class Cluster:
    """One API server, its store, its audit trail and its virtual clock."""

    def __init__(self, compaction_window: int = 10_000, bootstrap: bool = True) -> None:
        self.now = START_SECONDS
        self.monotonic = 0.0
        self.records: list[AuditEvent] = []
        self.store = MemoryStore(compaction_window=compaction_window)
        self.server = new_apiserver(self.store, token_lookup=TOKENS.get, audit_sink=self.records.append,
                                    clock=lambda: self.now, seed=7)
        # Watch deadlines and bookmarks run on a wall clock; tests move it by hand.
        self.server.monotonic = lambda: self.monotonic
        if bootstrap:
            for namespace in SYSTEM_NAMESPACES:
                self.system_create("namespaces", {"metadata": {"name": namespace}})
                self.system_create("serviceaccounts", {"metadata": {"name": "default"}}, namespace)
            for resource, obj in default_objects():
                self.system_create(resource, obj)
        self.records.clear()

    # ------------------------------------------------------------------ requests
    def system_create(self, resource: str, obj: dict, namespace: str = "") -> dict:
        """Create as the in-process ``system:apiserver`` user, as bootstrapping does."""
        response = self.server.handle(APIRequest("POST", collection_path(resource, namespace), obj=obj,
                                                 user=APISERVER))
        assert response.code == 201, response.body
        return response.body

    def request(self, method: str, path: str, body: Any = None, *, query: dict | None = None,
                token: str | None = ADMIN_TOKEN, content_type: str | None = "application/json",
                accept: str | None = None, headers: dict | None = None) -> APIResponse:
        """One HTTP request: ``body`` is JSON-encoded unless it already is bytes or text."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if accept is not None:
            sent["Accept"] = accept
        raw = None
        if body is not None:
            raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else \
                json.dumps(body).encode()
            if content_type is not None:
                sent["Content-Type"] = content_type
        return self.server.handle(APIRequest(method, path, query={k: str(v) for k, v in (query or {}).items()},
                                             headers=sent, body=raw))

    def get(self, path: str, **kw: Any) -> APIResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> APIResponse:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> APIResponse:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any, patch_type: str = "merge", **kw: Any) -> APIResponse:
        content_type = {"merge": "application/merge-patch+json", "json": "application/json-patch+json",
                        "strategic": "application/strategic-merge-patch+json"}.get(patch_type, patch_type)
        return self.request("PATCH", path, body, content_type=content_type, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> APIResponse:
        return self.request("DELETE", path, body, **kw)

    # ------------------------------------------------------------------ shortcuts that must succeed
    def create(self, path: str, obj: dict) -> dict:
        response = self.post(path, obj)
        assert response.code == 201, response.body
        return response.body

    def read(self, path: str) -> dict:
        response = self.get(path)
        assert response.code == 200, response.body
        return response.body

    def exists(self, path: str) -> bool:
        code = self.get(path).code
        assert code in (200, 404)
        return code == 200

    def watch(self, path: str, **query: Any):
        """Open a watch and return its :class:`~simulation.apiserver.watch.Watcher`."""
        accept = query.pop("accept", None)
        response = self.get(path, query={"watch": "true", **query}, accept=accept)
        assert response.code == 200 and response.watcher is not None, response.body
        return response.watcher


# ---------------------------------------------------------------------------- case tables
def table(cases: list[tuple]) -> dict:
    """``parametrize`` keyword arguments for a case table whose first column is the case id:
    ``@pytest.mark.parametrize("a,b", **table(CASES))``."""
    return {"argvalues": [c[1] if len(c) == 2 else c[1:] for c in cases], "ids": [c[0] for c in cases]}


# ---------------------------------------------------------------------------- objects
def pod(name: str = "web", *, labels: dict | None = None, node: str | None = None, **spec: Any) -> dict:
    meta: dict = {"name": name} if name else {}
    if labels:
        meta["labels"] = dict(labels)
    body: dict = {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def configmap(name: str, data: dict | None = None, **meta: Any) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}, "data": dict(data or {})}


def deployment(name: str = "web", replicas: int = 1) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def names(body: dict) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def drain(watcher) -> list[dict]:
    """Every event the watcher has ready now (it never blocks)."""
    events: list[dict] = []
    while True:
        batch = watcher.poll()
        events.extend(batch)
        if not batch or watcher.done:
            return events


def event_summary(events: list[dict]) -> list[tuple[str, str]]:
    """``(type, name)`` per event, the shape most watch assertions read best in."""
    return [(e["type"], e["object"].get("metadata", {}).get("name", "")) for e in events]
