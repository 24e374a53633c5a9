"""Test doubles for what admission plugins see of the cluster.

:class:`FakeReader` is a dict-backed :class:`~simulation.apiserver.admission.ObjectReader`:
objects are kept per resource and ``(namespace, name)``, handed out as copies (as the real
store does), and ``guaranteed_update`` bumps ``resourceVersion`` and keeps a log of writes so
tests can assert that a plugin charged a quota (or did not).
"""
from __future__ import annotations

import copy
from typing import Callable

from simulation.apimachinery.resources import RESOURCES, ResourceType
from simulation.apiserver.admission import AdmissionAttributes
from simulation.apiserver.request import UserInfo
from simulation.store import KeyNotFoundError

_PLURALS = {rt.kind: rt.name for rt in RESOURCES}


class FakeReader:
    def __init__(self, *objects: dict) -> None:
        self.objects: dict[str, dict[tuple[str, str], dict]] = {}
        self.writes: list[tuple[str, str, str]] = []
        self.revision = 0
        for obj in objects:
            self.add(obj)

    def add(self, obj: dict) -> dict:
        """Store ``obj`` under the plural of its ``kind``."""
        self.revision += 1
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        meta["resourceVersion"] = str(self.revision)
        self.objects.setdefault(_PLURALS[obj["kind"]], {})[(meta.get("namespace", ""), meta["name"])] = obj
        return obj

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        obj = self.objects.get(resource, {}).get((namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def list(self, resource: str, namespace: str = "") -> list[dict]:
        items = self.objects.get(resource, {})
        return [copy.deepcopy(o) for (ns, _), o in sorted(items.items()) if not namespace or ns == namespace]

    def guaranteed_update(self, resource: str, namespace: str, name: str,
                          try_update: Callable[[dict], dict | None]) -> dict:
        current = self.get(resource, namespace, name)
        if current is None:
            raise KeyNotFoundError(f"/registry/{resource}/{namespace}/{name}")
        updated = try_update(current)
        if updated is None:
            return current
        self.writes.append((resource, namespace, name))
        return self.add(updated)


def rt_for(kind: str) -> ResourceType:
    return next(rt for rt in RESOURCES if rt.kind == kind)


def attrs(operation: str, obj: dict | None, reader: FakeReader | None = None, *, kind: str | None = None,
          namespace: str | None = None, name: str | None = None, old: dict | None = None, subresource: str = "",
          options: dict | None = None, dry_run: bool = False) -> AdmissionAttributes:
    """Admission attributes for ``obj`` as the server would build them."""
    source = obj or old or {}
    meta = source.get("metadata") or {}
    return AdmissionAttributes(
        operation=operation,
        resource_type=rt_for(kind or source["kind"]),
        namespace=meta.get("namespace", "") if namespace is None else namespace,
        name=meta.get("name", "") if name is None else name,
        user=UserInfo("alice"),
        reader=reader or FakeReader(),
        object=obj,
        old_object=old,
        subresource=subresource,
        dry_run=dry_run,
        options=options or {},
    )


def namespace(name: str, phase: str = "Active") -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "status": {"phase": phase}}


def pod(name: str = "web", ns: str = "default", *, requests: dict | None = None, limits: dict | None = None,
        phase: str | None = None, **spec: object) -> dict:
    resources: dict = {}
    if requests:
        resources["requests"] = dict(requests)
    if limits:
        resources["limits"] = dict(limits)
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "resources": resources}], **spec}}
    if phase:
        obj["status"] = {"phase": phase}
    return obj
