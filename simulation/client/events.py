"""Event recording, as client-go's ``tools/record``: components tell their story as core/v1
Events, which ``kubectl describe`` and ``kubectl get events`` show.

Like upstream's correlator, a repeat of the same event (same object, reason, message and
source) bumps ``count`` and ``lastTimestamp`` on the existing Event instead of making a new
one. Recording never fails the caller: an Event that cannot be written is dropped, as
upstream's broadcaster drops after its retries.
"""
from __future__ import annotations

from simulation.apimachinery.timestamps import rfc3339
from simulation.kernel import Kernel

from .apiclient import APIClient, APIError

NORMAL = "Normal"
WARNING = "Warning"
#: As upstream's event correlator LRU: repeats older than this many distinct events are new events.
CORRELATOR_CACHE_SIZE = 4096


def object_reference(obj: dict, field_path: str = "") -> dict:
    meta = obj["metadata"]
    ref = {"kind": obj.get("kind", ""), "apiVersion": obj.get("apiVersion", ""), "name": meta["name"],
           "uid": meta.get("uid", ""), "resourceVersion": meta.get("resourceVersion", "")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class EventRecorder:
    def __init__(self, kernel: Kernel, client: APIClient, component: str, host: str = "") -> None:
        self.kernel = kernel
        self.client = client
        self.component = component
        self.host = host
        self._seen: dict[tuple, tuple[str, str, int]] = {}

    def event(self, obj: dict, type_: str, reason: str, message: str, *, field_path: str = "",
              related: dict | None = None) -> None:
        ref = object_reference(obj, field_path)
        namespace = ref.get("namespace") or "default"
        now = rfc3339(self.kernel.wall_time())
        key = (ref["kind"], namespace, ref["name"], ref["uid"], field_path, reason, message, type_)
        previous = self._seen.get(key)
        if previous is not None:
            name, _, count = previous
            try:
                self.client.patch("events", namespace, name, {"count": count + 1, "lastTimestamp": now})
                self._seen[key] = (name, now, count + 1)
                return
            except APIError:
                pass
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        suffix = format(int(self.kernel.wall_time() * 1e9) + self.kernel.rng.randrange(1 << 20), "x")
        event = {"apiVersion": "v1", "kind": "Event",
                 "metadata": {"name": f"{ref['name']}.{suffix}", "namespace": namespace},
                 "involvedObject": ref, "reason": reason, "message": message, "type": type_,
                 "source": source, "count": 1, "firstTimestamp": now, "lastTimestamp": now,
                 "eventTime": None, "reportingComponent": self.component,
                 "reportingInstance": self.host or self.component}
        if related is not None:
            event["related"] = object_reference(related)
        try:
            created = self.client.create("events", event, namespace)
        except APIError:
            return
        self._seen[key] = (created["metadata"]["name"], now, 1)
        if len(self._seen) > CORRELATOR_CACHE_SIZE:
            self._seen.pop(next(iter(self._seen)))
