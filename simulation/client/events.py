"""Event recording, as client-go's ``tools/record``: components tell their story as core/v1
Events, which ``kubectl describe`` and ``kubectl get events`` show.

Every Event passes upstream's ``EventCorrelator`` (``events_cache.go``) before it is written:

* **Spam filter** — a token bucket per source and involved object (and type): a burst of 25,
  then one Event per 5 virtual minutes; Events beyond it are dropped.
* **Aggregator** — Events alike but for their message (same source, object, type and reason)
  are counted over 10 minutes; from the 10th distinct message on they become one Event whose
  message reads ``(combined from similar events): <the latest message>``, counted from then on.
* **Logger** — a repeat of an Event already written (same key, message included) bumps
  ``count`` and ``lastTimestamp`` on it (a patch) instead of making a new one.

``source`` is ``{component, host}``; ``reportingComponent`` and ``reportingInstance`` are the
same two values, as upstream's ``makeEvent`` sets them (so a controller's Events have no
instance and ``kubectl get events -o wide`` prints its name once). Recording never fails the
caller: an Event that cannot be written is dropped, as upstream's broadcaster drops after its
retries. Time is the kernel's virtual clock.
"""
from __future__ import annotations

from collections import OrderedDict

from simulation.apimachinery.timestamps import rfc3339
from simulation.kernel import Kernel

from .apiclient import APIClient, APIError

NORMAL = "Normal"
WARNING = "Warning"
#: Upstream's ``maxLruCacheEntries``: keys older than this many distinct ones are forgotten.
CORRELATOR_CACHE_SIZE = 4096
#: ``defaultSpamBurst`` / ``defaultSpamQPS``: 25 at once, then one per 300 seconds.
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300
#: ``defaultAggregateMaxEvents`` / ``defaultAggregateIntervalInSeconds``.
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL_SECONDS = 600
COMBINED_PREFIX = "(combined from similar events): "


def object_reference(obj: dict, field_path: str = "") -> dict:
    """``reference.GetReference``: a reference to ``obj``, its empty fields left out as Go's
    encoder omits them (a Node reference has no namespace, kube-proxy's none of apiVersion)."""
    meta = obj["metadata"]
    ref = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", ""), "name": meta["name"],
           "uid": meta.get("uid", ""), "apiVersion": obj.get("apiVersion", ""),
           "resourceVersion": meta.get("resourceVersion", ""), "fieldPath": field_path}
    return {k: v for k, v in ref.items() if v}


class _LRU(OrderedDict):
    """A bounded map whose oldest entry goes first (upstream's ``lru.Cache``)."""

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > CORRELATOR_CACHE_SIZE:
            self.popitem(last=False)


class EventCorrelator:
    """Spam filter, aggregator and logger over one recorder's Events, on a virtual clock."""

    def __init__(self, now) -> None:
        self.now = now
        self._buckets = _LRU()     # spam key -> (tokens, last refill)
        self._aggregates = _LRU()  # aggregate key -> (distinct messages, last seen)
        self._written = _LRU()     # event key -> (name, count, firstTimestamp)

    def allow(self, event: dict) -> bool:
        """``EventSourceObjectSpamFilter.Filter`` (inverted): may this Event be written?"""
        ref, source = event["involvedObject"], event["source"]
        key = (source.get("component"), source.get("host"), ref.get("kind"), ref.get("namespace"), ref.get("name"),
               ref.get("uid"), ref.get("apiVersion"), event["type"])
        now = self.now()
        tokens, last = self._buckets.get(key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - last) * SPAM_QPS)
        allowed = tokens >= 1.0
        self._buckets.put(key, (tokens - 1.0 if allowed else tokens, now))
        return allowed

    def aggregate(self, event: dict) -> tuple[dict, tuple]:
        """``EventAggregator.EventAggregate``: the Event to write and the key it dedupes under."""
        ref, source = event["involvedObject"], event["source"]
        aggregate_key = (source.get("component"), source.get("host"), ref.get("kind"), ref.get("namespace"),
                         ref.get("name"), ref.get("uid"), ref.get("apiVersion"), event["type"], event["reason"],
                         event.get("reportingComponent", ""), event.get("reportingInstance", ""))
        event_key = aggregate_key + (ref.get("fieldPath", ""), event["message"])
        now = self.now()
        messages, last = self._aggregates.get(aggregate_key, (None, None))
        if messages is None or now - last > AGGREGATE_INTERVAL_SECONDS:
            messages = []
        if event["message"] not in messages:
            messages.append(event["message"])
        if len(messages) < AGGREGATE_MAX_EVENTS:
            self._aggregates.put(aggregate_key, (messages, now))
            return event, event_key
        messages.pop(0)  # do not grow the set beyond the threshold
        self._aggregates.put(aggregate_key, (messages, now))
        combined = {**event, "message": COMBINED_PREFIX + event["message"]}
        return combined, aggregate_key

    def observed(self, key: tuple) -> tuple[str, int, str] | None:
        """``EventLogger.eventObserve``: (name, count, firstTimestamp) of the Event written under ``key``."""
        return self._written.get(key)

    def written(self, key: tuple, name: str, count: int, first: str) -> None:
        self._written.put(key, (name, count, first))


class EventRecorder:
    def __init__(self, kernel: Kernel, client: APIClient, component: str, host: str = "") -> None:
        self.kernel = kernel
        self.client = client
        self.component = component
        self.host = host
        self.correlator = EventCorrelator(lambda: kernel.now_seconds)

    def event(self, obj: dict, type_: str, reason: str, message: str, *, field_path: str = "",
              related: dict | None = None) -> None:
        ref = object_reference(obj, field_path)
        namespace = ref.get("namespace") or "default"
        now = rfc3339(self.kernel.wall_time())
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        event = {"apiVersion": "v1", "kind": "Event", "metadata": {"namespace": namespace},
                 "involvedObject": ref, "reason": reason, "message": message, "type": type_,
                 "source": source, "count": 1, "firstTimestamp": now, "lastTimestamp": now,
                 "eventTime": None, "reportingComponent": self.component, "reportingInstance": self.host}
        if related is not None:
            event["related"] = object_reference(related)
        if not self.correlator.allow(event):
            return
        event, key = self.correlator.aggregate(event)
        seen = self.correlator.observed(key)
        if seen is not None:
            name, count, first = seen
            try:
                self.client.patch("events", namespace, name, {"count": count + 1, "lastTimestamp": now,
                                                              "message": event["message"]})
                self.correlator.written(key, name, count + 1, first)
                return
            except APIError:
                pass  # gone (expired, deleted): write it anew
        suffix = format(int(self.kernel.wall_time() * 1e9) + self.kernel.rng.randrange(1 << 20), "x")
        event["metadata"]["name"] = f"{ref['name']}.{suffix}"
        try:
            created = self.client.create("events", event, namespace)
        except APIError:
            return
        self.correlator.written(key, created["metadata"]["name"], 1, now)
