"""io.k8s.api.discovery.v1: EndpointSlice, which the endpointslice controllers write and
kube-proxy reads."""
from __future__ import annotations

from ._helpers import (
    CORE,
    arr,
    boolean,
    int32,
    kind,
    list_kind,
    obj,
    ref,
    string,
    strings,
    strmap,
)

D = "io.k8s.api.discovery.v1."

SCHEMAS = {
    D + "EndpointSlice": kind(
        "EndpointSlice represents a set of service endpoints. Most EndpointSlices are created by the "
        "EndpointSlice controller to represent the Pods selected by Service objects. For a given service there "
        "may be multiple EndpointSlice objects which must be joined to produce the full set of endpoints; you can "
        "find all of the slices for a given service by listing EndpointSlices in the service's namespace whose "
        "`kubernetes.io/service-name` label contains the service's name.", "discovery.k8s.io", "v1",
        "EndpointSlice", ("addressType", "endpoints"),
        addressType=string("addressType specifies the type of address carried by this EndpointSlice. All "
                           "addresses in this slice must be the same type. This field is immutable after "
                           "creation.", enum=["FQDN", "IPv4", "IPv6"]),
        endpoints=arr(D + "Endpoint", "endpoints is a list of unique endpoints in this slice. Each slice may "
                      "include a maximum of 1000 endpoints.", list_type="atomic"),
        ports=arr(D + "EndpointPort", "ports specifies the list of network ports exposed by each endpoint in "
                  "this slice. Each port must have a unique name.", list_type="atomic")),
    D + "EndpointSliceList": list_kind("discovery.k8s.io", "v1", "EndpointSliceList", D + "EndpointSlice",
                                       "EndpointSliceList represents a list of endpoint slices"),
    D + "Endpoint": obj(
        "Endpoint represents a single logical \"backend\" implementing a service.", ("addresses",),
        addresses=strings("addresses of this endpoint. For EndpointSlices of addressType \"IPv4\" or \"IPv6\", "
                          "the values are IP addresses in canonical form.", list_type="set"),
        conditions=ref(D + "EndpointConditions", "conditions contains information about the current status of "
                       "the endpoint."),
        deprecatedTopology=strmap("deprecatedTopology contains topology information part of the v1beta1 API."),
        hints=ref(D + "EndpointHints", "hints contains information associated with how an endpoint should be "
                  "consumed."),
        hostname=string("hostname of this endpoint."),
        nodeName=string("nodeName represents the name of the Node hosting this endpoint."),
        targetRef=ref(CORE + "ObjectReference", "targetRef is a reference to a Kubernetes object that "
                      "represents this endpoint.", struct=False),
        zone=string("zone is the name of the Zone this endpoint exists in."),
    ),
    D + "EndpointConditions": obj(
        "EndpointConditions represents the current condition of an endpoint.",
        ready=boolean("ready indicates that this endpoint is ready to receive traffic, according to whatever "
                      "system is managing the endpoint."),
        serving=boolean("serving indicates that this endpoint is able to receive traffic, according to whatever "
                        "system is managing the endpoint."),
        terminating=boolean("terminating indicates that this endpoint is terminating."),
    ),
    D + "EndpointHints": obj(
        "EndpointHints provides hints describing how an endpoint should be consumed.",
        forZones=arr(D + "ForZone", "forZones indicates the zone(s) this endpoint should be consumed by when "
                     "using topology aware routing.", list_type="atomic"),
    ),
    D + "ForZone": obj("ForZone provides information about which zones should consume this endpoint.", ("name",),
                       name=string("name represents the name of the zone.")),
    D + "EndpointPort": obj(
        "EndpointPort represents a Port used by an EndpointSlice",
        appProtocol=string("The application protocol for this port."),
        name=string("name represents the name of this port."),
        port=int32("port represents the port number of the endpoint."),
        protocol=string("protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default "
                        "is TCP.", enum=["SCTP", "TCP", "UDP"]),
    ),
}
