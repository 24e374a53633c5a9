"""``events.k8s.io/v1``: the one stored Event kind, read and written in the newer API's shape.

Upstream stores one Event kind (``/registry/events/<ns>/<name>``) and serves it under both
``v1`` and ``events.k8s.io/v1``; the second is a conversion (``pkg/apis/events/v1``'s
``Convert_core_Event_To_v1_Event`` and back), not a second copy. The renamed fields:
``involvedObject`` → ``regarding``, ``message`` → ``note``, ``source`` → ``deprecatedSource``,
``firstTimestamp`` / ``lastTimestamp`` / ``count`` → ``deprecated…``; ``eventTime``, ``series``,
``action``, ``related`` and ``reportingInstance`` keep their names, and core's
``reportingComponent`` is ``reportingController``.

Every verb is served: an Event written here is converted to the stored (core) shape
(:func:`to_core`) and validated with the new API's stricter rules; what is read is converted back
(:func:`from_core`). Field selectors match the stored Event, so the core names
(``involvedObject.name``, ``reason``, ``type``) select on both APIs, as upstream's one registry does.
"""
from __future__ import annotations

API_VERSION = "events.k8s.io/v1"
GROUP = "events.k8s.io"

#: (core v1 name, events.k8s.io/v1 name) of every field the conversion renames.
_RENAMED = (("involvedObject", "regarding"), ("message", "note"), ("source", "deprecatedSource"),
            ("firstTimestamp", "deprecatedFirstTimestamp"), ("lastTimestamp", "deprecatedLastTimestamp"),
            ("count", "deprecatedCount"), ("reportingComponent", "reportingController"))
_V1_NAMES = frozenset(v1 for _, v1 in _RENAMED)
#: Fields both shapes share.
_KEPT = ("reason", "type", "action", "related", "series", "reportingInstance")


def from_core(event: dict) -> dict:
    """A stored (core v1) Event as ``events.k8s.io/v1`` answers it. Go's encoder writes the
    struct fields (``regarding``, ``deprecatedSource``) and the zero times (``eventTime``, the
    deprecated timestamps) as ``{}`` and ``null``; the rest is omitted when empty."""
    out: dict = {"kind": "Event", "apiVersion": API_VERSION, "metadata": event.get("metadata") or {},
                 "eventTime": event.get("eventTime")}
    for name in _KEPT:
        if event.get(name) not in (None, "", [], {}):
            out[name] = event[name]
    for core, v1 in _RENAMED:
        value = event.get(core)
        if core in ("involvedObject", "source"):
            out[v1] = value or {}
        elif core in ("firstTimestamp", "lastTimestamp"):
            out[v1] = value or None
        elif value not in (None, "", 0):
            out[v1] = value
    return out


def to_core(event: dict) -> dict:
    """The inverse of :func:`from_core`: how an Event written through this API is stored, and
    what the core printer reads (``kubectl get`` shows an Event the same through either API, as
    upstream prints both from the internal kind). As Go encodes a core Event, the source is
    ``{}``, the legacy timestamps ``null`` and the reporter's two strings always present."""
    out = {k: v for k, v in event.items() if k not in _V1_NAMES}
    for core, v1 in _RENAMED:
        if event.get(v1) not in (None, "", 0):  # Go omits the empty ones (an empty note, no count)
            out[core] = event[v1]
    out.setdefault("source", {})
    out.setdefault("firstTimestamp", None)
    out.setdefault("lastTimestamp", None)
    out.setdefault("reportingComponent", "")
    out.setdefault("reportingInstance", "")
    out["apiVersion"] = "v1"
    out["kind"] = "Event"
    return out
