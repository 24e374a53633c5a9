"""kubectl's verbs over a :class:`~.backend.Backend`: resource names resolved as kubectl
resolves them (``deploy``, ``deployment``, ``deployments``), paths built from the served
resource table, answers and refusals as kubectl prints them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simulation.apimachinery.resources import RESOURCES, ResourceType

from .backend import Backend, WatchStream

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
FIELD_MANAGER = "kubectl"
PATCH_TYPES = {"merge": "application/merge-patch+json", "strategic": "application/strategic-merge-patch+json",
               "json": "application/json-patch+json"}


def resolve(name: str) -> ResourceType | None:
    """The served resource kubectl would pick for ``name`` (plural, singular, short name or kind)."""
    wanted = name.lower().split(".", 1)[0]
    for rt in RESOURCES:
        if wanted in (rt.name, rt.singular_name, rt.kind.lower(), *rt.short_names):
            return rt
    return None


def object_ref(rt: ResourceType, name: str) -> str:
    """``deployment.apps/web``, ``pod/web-1``: how kubectl names an object in its answers."""
    return f"{rt.singular_name}{'.' + rt.group if rt.group else ''}/{name}"


def path_of(rt: ResourceType, namespace: str = "", name: str = "", subresource: str = "") -> str:
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    if rt.namespaced and namespace:
        base += f"/namespaces/{namespace}"
    return base + f"/{rt.name}" + (f"/{name}" if name else "") + (f"/{subresource}" if subresource else "")


class APIFailure(Exception):
    """A request the API server refused: its code and ``Status``."""

    def __init__(self, code: int, status: Any) -> None:
        self.code = code
        self.status = status if isinstance(status, dict) else {"message": str(status)}
        super().__init__(self.message)

    @property
    def reason(self) -> str:
        return self.status.get("reason", "")

    @property
    def message(self) -> str:
        return self.status.get("message") or f"HTTP {self.code}"

    def kubectl(self) -> str:
        """What kubectl prints for it: ``Error from server (Forbidden): …`` (for a 401, kubectl's
        own words about the credentials)."""
        if self.code == 401:
            return "error: You must be logged in to the server (Unauthorized)"
        if not self.reason:  # StatusReasonUnknown, as for an error of etcd's
            return f"Error from server: {self.message}"
        return f"Error from server ({self.reason}): {self.message}"


@dataclass
class Identity:
    """Who sends a request: the admin, the admin acting ``--as`` a user, or a bearer token."""

    as_user: str = ""
    as_groups: list[str] = field(default_factory=list)
    token: str | None = None

    def headers(self) -> dict:
        headers = {}
        if self.as_user:
            headers["Impersonate-User"] = self.as_user
        if self.as_groups:
            headers["Impersonate-Group"] = ",".join(self.as_groups)
        return headers


ADMIN = Identity()


class KubeAPI:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def call(self, method: str, path: str, *, query: dict | None = None, obj: Any = None,
             content_type: str = "application/json", who: Identity = ADMIN, accept: str = "") -> Any:
        headers = who.headers()
        if accept:
            headers["Accept"] = accept
        body = json.dumps(obj).encode() if obj is not None else None
        code, answer = self.backend.send(method, path, query=query, body=body, content_type=content_type,
                                         headers=headers, token=who.token)
        if code >= 400:
            raise APIFailure(code, answer)
        return answer

    # ----------------------------------------------------------------- reads
    def get(self, resource: str, namespace: str, name: str, who: Identity = ADMIN) -> dict:
        rt = _rt(resource)
        return self.call("GET", path_of(rt, namespace, name), who=who)

    def get_or_none(self, resource: str, namespace: str, name: str) -> dict | None:
        try:
            return self.get(resource, namespace, name)
        except APIFailure as exc:
            if exc.code == 404:
                return None
            raise

    def list(self, resource: str, namespace: str = "", selector: str = "", who: Identity = ADMIN) -> list[dict]:
        rt = _rt(resource)
        query = {"labelSelector": selector} if selector else None
        return self.call("GET", path_of(rt, namespace), query=query, who=who)["items"]

    def find(self, resource: str, namespace: str, name: str = "", selector: str = "") -> list[dict]:
        """The named object (none when absent), or every object the selector matches, by name."""
        if name:
            found = self.get_or_none(resource, namespace, name)
            return [found] if found is not None else []
        return sorted(self.list(resource, namespace, selector), key=lambda o: o["metadata"]["name"])

    def table(self, resource: str, namespace: str = "", name: str = "", who: Identity = ADMIN) -> str:
        """``kubectl get``'s table, from the server's Table rendering."""
        rt = _rt(resource)
        table = self.call("GET", path_of(rt, namespace, name), accept=TABLE_ACCEPT, who=who)
        columns = [c for c in table.get("columnDefinitions", []) if c.get("priority", 0) == 0]
        indexes = [i for i, c in enumerate(table.get("columnDefinitions", [])) if c.get("priority", 0) == 0]
        rows = [[str(row["cells"][i]) for i in indexes] for row in table.get("rows", [])]
        if not rows:
            return f"No resources found{' in ' + namespace + ' namespace' if rt.namespaced and namespace else ''}."
        header = [c["name"].upper() for c in columns]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        return "\n".join("   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header, *rows])

    def watch(self, resource: str, namespace: str = "") -> WatchStream:
        rt = _rt(resource)
        return self.backend.watch(path_of(rt, namespace), {"watch": "true"})

    # ----------------------------------------------------------------- writes
    def create(self, obj: dict, namespace: str, who: Identity = ADMIN) -> dict:
        rt = _rt_of(obj)
        return self.call("POST", path_of(rt, namespace if rt.namespaced else ""), obj=obj, who=who)

    def apply(self, obj: dict, namespace: str, who: Identity = ADMIN) -> dict:
        """``kubectl apply --server-side``."""
        rt = _rt_of(obj)
        name = obj["metadata"]["name"]
        return self.call("PATCH", path_of(rt, namespace if rt.namespaced else "", name), obj=obj,
                         query={"fieldManager": FIELD_MANAGER}, content_type="application/apply-patch+yaml", who=who)

    def replace(self, obj: dict, namespace: str, who: Identity = ADMIN) -> dict:
        rt = _rt_of(obj)
        return self.call("PUT", path_of(rt, namespace if rt.namespaced else "", obj["metadata"]["name"]), obj=obj,
                         who=who)

    def patch(self, resource: str, namespace: str, name: str, patch: Any, patch_type: str = "strategic",
              who: Identity = ADMIN) -> dict:
        rt = _rt(resource)
        return self.call("PATCH", path_of(rt, namespace, name), obj=patch, content_type=PATCH_TYPES[patch_type],
                         who=who)

    def scale(self, resource: str, namespace: str, name: str, replicas: int, who: Identity = ADMIN) -> dict:
        rt = _rt(resource)
        return self.call("PATCH", path_of(rt, namespace, name, "scale"), obj={"spec": {"replicas": replicas}},
                         content_type=PATCH_TYPES["merge"], who=who)

    def delete(self, resource: str, namespace: str, name: str, who: Identity = ADMIN,
               propagation: str = "") -> dict:
        """``kubectl delete``; ``propagation`` is the DeleteOptions' propagationPolicy that
        ``--cascade=background|foreground|orphan`` sends (empty: the server's default)."""
        rt = _rt(resource)
        options = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            options["propagationPolicy"] = propagation
        return self.call("DELETE", path_of(rt, namespace, name), obj=options, who=who)


def _rt(resource: str) -> ResourceType:
    rt = resolve(resource)
    if rt is None:
        raise APIFailure(404, {"reason": "NotFound", "message": f'the server doesn\'t have a resource type "{resource}"'})
    return rt


def _rt_of(obj: dict) -> ResourceType:
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    group, _, version = api_version.rpartition("/")
    for rt in RESOURCES:
        if rt.kind == kind and rt.group == group and rt.version == version:
            return rt
    raise APIFailure(404, {"reason": "NotFound", "message": f'no matches for kind "{kind}" in version "{api_version}"'})


class Session:
    """One run's connection to its cluster: the admin's kubectl, the watches the scenario
    opened (each keeps every event it received) and the control operations."""

    def __init__(self, backend: Backend, namespace: str = "default") -> None:
        self.backend = backend
        self.api = KubeAPI(backend)
        self.namespace = namespace
        self._watches: dict[str, tuple[WatchStream, list[dict]]] = {}

    def open_watch(self, name: str, resource: str, namespace: str) -> None:
        if name in self._watches:
            self._watches.pop(name)[0].close()
        self._watches[name] = (self.api.watch(resource, namespace), [])

    def watch_events(self, name: str) -> list[dict]:
        if name not in self._watches:
            return []
        stream, received = self._watches[name]
        received.extend(e for e in stream.poll() if e.get("type") != "BOOKMARK")
        return received

    def close(self) -> None:
        for stream, _ in self._watches.values():
            stream.close()
        self._watches.clear()
