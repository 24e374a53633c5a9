"""Endpoints that are not the generic registry's own verbs: the ``scale`` and ``binding``
subresources, and the kinds computed per request rather than stored (``componentstatuses``,
the authorization reviews).

Upstream serves each from its own REST storage next to the kind's (``ScaleREST``,
``BindingREST``, the ``componentstatus`` and ``authorization`` registries); here each is one
method, writing through the same registry and store. The ``status`` subresource needs nothing
of its own: the registry's update and the kind's strategy treat it.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from simulation.apimachinery.jsonvalue import deep_copy
from simulation.apimachinery.selectors import selector_to_string
from simulation.apimachinery.timestamps import rfc3339
from simulation.store import KeyNotFoundError, guaranteed_update

from . import codec, errors
from .audit import MUTATING_ADMISSION, STORAGE
from .registry import patcher
from .request import APIResponse

if TYPE_CHECKING:
    from .server import APIServer, Call

#: kube-apiserver warns on every ComponentStatus answer; kubectl prints it on stderr.
CS_DEPRECATION = {"Warning": '299 - "v1 ComponentStatus is deprecated in v1.19+"'}


class Subresources:
    """Scale, binding, component statuses and reviews, for the API server's dispatch."""

    def __init__(self, server: APIServer) -> None:
        self.server = server

    def scale(self, call: Call) -> APIResponse:
        """The ``scale`` subresource: a Scale view of ``spec.replicas``. A PUT carrying a
        resourceVersion is conditional on it; a PATCH is re-applied to the fresh Scale when
        another writer got in first, as every patch is."""
        if call.info.verb == "get":
            return APIResponse(200, _to_scale(self.server.registry.read(call)))
        if call.info.verb == "update":
            # decoded as the typed Scale it is upstream: a wrong type anywhere is a 400
            incoming = call.req.obj if call.req.obj is not None else codec.decode_object(
                call.req.body, call.req.content_type, "Scale", "autoscaling/v1")
            if not isinstance(incoming, dict):
                raise errors.bad_request("Scale must be an object")
            new_scale: Callable[[dict], dict] = lambda current: deep_copy(incoming)
        elif call.info.verb == "patch":
            new_scale = patcher(call, "Scale")
        else:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")

        def set_replicas(current: dict) -> dict:
            obj = deep_copy(current)
            scale = new_scale(_to_scale(obj))
            replicas = (scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise errors.invalid("Scale", "autoscaling", call.info.name, [{
                    "reason": "FieldValueInvalid", "field": "spec.replicas",
                    "message": f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0"}])
            obj.setdefault("spec", {})["replicas"] = replicas
            obj["metadata"]["resourceVersion"] = (scale.get("metadata") or {}).get("resourceVersion") or ""
            return obj

        response = self.server.registry.update_with(call, set_replicas, from_patch=call.info.verb == "patch")
        return APIResponse(response.code, _to_scale(response.body))

    def binding(self, call: Call) -> APIResponse:
        """pods/binding: the scheduler's only write. Sets spec.nodeName once, and PodScheduled."""
        if call.info.verb != "create":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        binding = call.req.obj if call.req.obj is not None else codec.decode_object(
            call.req.body, call.req.content_type, "Binding", "v1")  # typed: a wrong type is a 400
        node = ((binding or {}).get("target") or {}).get("name")
        if not node:
            raise errors.invalid("Binding", "", call.info.name, [{"reason": "FieldValueRequired",
                                                                  "field": "target.name",
                                                                  "message": "Required value"}])
        name = call.info.name

        def bind(pod: dict) -> dict:
            if pod["metadata"].get("deletionTimestamp"):
                raise errors.conflict("pods/binding", "", name, f"pod {name} is being deleted, cannot be "
                                      "assigned to a host")
            current = pod.get("spec", {}).get("nodeName")
            if current:
                raise errors.conflict("pods/binding", "", name, f'pod {name} is already assigned to node '
                                      f'"{current}"')
            pod["spec"]["nodeName"] = node
            pod.setdefault("status", {}).pop("nominatedNodeName", None)  # a preemption's promise is kept
            conditions = [c for c in pod.setdefault("status", {}).get("conditions", [])
                          if c.get("type") != "PodScheduled"]
            conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": rfc3339(self.server.clock())})
            pod["status"]["conditions"] = conditions
            return pod

        call.record.passed(MUTATING_ADMISSION, [])
        try:
            stored = guaranteed_update(self.server.store, call.key(), bind)
        except KeyNotFoundError:
            raise call.not_found() from None
        self.server.registry.record_write(call, int(stored["metadata"]["resourceVersion"]))
        return APIResponse(201, errors.status_body(201, "", "", None, status="Success"))

    def component_statuses(self, call: Call) -> APIResponse:
        """componentstatuses: the health probes' answers, computed at each request."""
        items = [{"kind": "ComponentStatus", "apiVersion": "v1", **cs} for cs in self.server.component_statuses()]
        call.record.passed(STORAGE, ["health probes"])
        if call.info.verb == "get":
            for cs in items:
                if cs["metadata"]["name"] == call.info.name:
                    return APIResponse(200, call.present([cs], self.server.clock) or cs, dict(CS_DEPRECATION))
            raise call.not_found()
        if call.info.verb != "list":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        return APIResponse(200, call.present(items, self.server.clock) or {
            "kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items}, dict(CS_DEPRECATION))

    def review(self, call: Call) -> APIResponse:
        """The authorization reviews: answered (201) and never stored."""
        if call.info.verb != "create" or self.server.reviews is None:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        review = call.decode()
        call.record.passed(STORAGE, [])
        return APIResponse(201, self.server.reviews(call.rt.name, review, call.user))


def _to_scale(obj: dict) -> dict:
    """The autoscaling/v1 Scale of a Deployment, ReplicaSet or ReplicationController."""
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": _scale_selector(obj)}}


def _scale_selector(obj: dict) -> str:
    """A ReplicationController's selector is an equality map; the apps kinds' a LabelSelector."""
    selector = (obj.get("spec") or {}).get("selector") or {}
    if obj.get("kind") == "ReplicationController":
        return ",".join(f"{k}={selector[k]}" for k in sorted(selector))
    return selector_to_string(selector)
