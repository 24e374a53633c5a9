"""io.k8s.api.events.v1: the Event as ``events.k8s.io/v1`` shows it (a view of the core Event)."""
from __future__ import annotations

from ._helpers import CORE as C
from ._helpers import META, int32, kind, list_kind, obj, ref, string, time

E = "io.k8s.api.events.v1."
G = "events.k8s.io"

SCHEMAS = {
    E + "EventSeries": obj(
        "EventSeries contain information on series of events, i.e. thing that was/is happening continuously for "
        "some time. How often to update the EventSeries is up to the event reporters.",
        ("count", "lastObservedTime"),
        count=int32("count is the number of occurrences in this series up to the last heartbeat time."),
        lastObservedTime=ref(META + "MicroTime", "lastObservedTime is the time when last Event from the series "
                             "was seen before last heartbeat.")),
    E + "Event": kind(
        "Event is a report of an event somewhere in the cluster. It generally denotes some state change in the "
        "system. Events have a limited retention time and triggers and messages may evolve with time.",
        G, "v1", "Event", ("eventTime",),
        action=string("action is what action was taken/failed regarding to the regarding object."),
        deprecatedCount=int32("deprecatedCount is the deprecated field assuring backward compatibility with "
                              "core.v1 Event type."),
        deprecatedFirstTimestamp=time("deprecatedFirstTimestamp is the deprecated field assuring backward "
                                      "compatibility with core.v1 Event type."),
        deprecatedLastTimestamp=time("deprecatedLastTimestamp is the deprecated field assuring backward "
                                     "compatibility with core.v1 Event type."),
        deprecatedSource=obj("deprecatedSource is the deprecated field assuring backward compatibility with "
                             "core.v1 Event type.",
                             component=string("Component from which the event is generated."),
                             host=string("Node name on which the event is generated.")),
        eventTime=ref(META + "MicroTime", "eventTime is the time when this Event was first observed."),
        note=string("note is a human-readable description of the status of this operation."),
        reason=string("reason is why the action was taken. It is human-readable."),
        regarding=ref(C + "ObjectReference", "regarding contains the object this Event is about."),
        related=ref(C + "ObjectReference", "related is the optional secondary object for more complex actions.",
                    struct=False),
        reportingController=string("reportingController is the name of the controller that emitted this Event, "
                                   "e.g. `kubernetes.io/kubelet`."),
        reportingInstance=string("reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`."),
        series=ref(E + "EventSeries", "series is data about the Event series this event represents.",
                   struct=False),
        type=string("type is the type of this event (Normal, Warning), new types could be added in the future."),
    ),
    E + "EventList": list_kind(G, "v1", "EventList", E + "Event"),
}
