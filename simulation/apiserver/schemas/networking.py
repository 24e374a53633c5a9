"""io.k8s.api.networking.v1: Ingress and IngressClass, the HTTP entry point an ingress controller
serves (the other kinds of the group are not served here)."""
from __future__ import annotations

from ._helpers import CORE, arr, int32, kind, list_kind, obj, ref, string, strings

N = "io.k8s.api.networking.v1."

SCHEMAS = {
    N + "Ingress": kind(
        "Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a "
        "backend. An Ingress can be configured to give services externally-reachable urls, load balance traffic, "
        "terminate SSL, offer name based virtual hosting etc.", "networking.k8s.io", "v1", "Ingress",
        spec=ref(N + "IngressSpec", "spec is the desired state of the Ingress. More info: "
                 "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"),
        status=ref(N + "IngressStatus", "status is the current state of the Ingress. More info: "
                   "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status")),
    N + "IngressList": list_kind("networking.k8s.io", "v1", "IngressList", N + "Ingress",
                                 "IngressList is a collection of Ingress."),
    N + "IngressSpec": obj(
        "IngressSpec describes the Ingress the user wishes to exist.",
        defaultBackend=ref(N + "IngressBackend", "defaultBackend is the backend that should handle requests that "
                           "don't match any rule. If Rules are not specified, DefaultBackend must be specified. If "
                           "DefaultBackend is not set, the handling of requests that do not match any of the rules "
                           "will be up to the Ingress controller.", struct=False),
        ingressClassName=string("ingressClassName is the name of an IngressClass cluster resource. Ingress "
                                "controller implementations use this field to know whether they should be serving "
                                "this Ingress resource, by a transitive connection (controller -> IngressClass -> "
                                "Ingress resource)."),
        rules=arr(N + "IngressRule", "rules is a list of host rules used to configure the Ingress. If unspecified, "
                  "or no rule matches, all traffic is sent to the default backend.", list_type="atomic"),
        tls=arr(N + "IngressTLS", "tls represents the TLS configuration. Currently the Ingress only supports a "
                "single TLS port, 443.", list_type="atomic")),
    N + "IngressBackend": obj(
        "IngressBackend describes all endpoints for a given service and port.",
        resource=ref(CORE + "TypedLocalObjectReference", "resource is an ObjectRef to another Kubernetes resource "
                     "in the namespace of the Ingress object. If resource is specified, a service.Name and "
                     "service.Port must not be specified. This is a mutually exclusive setting with \"Service\".",
                     struct=False),
        service=ref(N + "IngressServiceBackend", "service references a service as a backend. This is a mutually "
                    "exclusive setting with \"Resource\".", struct=False)),
    N + "IngressServiceBackend": obj(
        "IngressServiceBackend references a Kubernetes Service as a Backend.", ("name",),
        name=string("name is the referenced service. The service must exist in the same namespace as the Ingress "
                    "object."),
        port=ref(N + "ServiceBackendPort", "port of the referenced service. A port name or port number is required "
                 "for a IngressServiceBackend.")),
    N + "ServiceBackendPort": obj(
        "ServiceBackendPort is the service port being referenced.",
        name=string("name is the name of the port on the Service. This is a mutually exclusive setting with "
                    "\"Number\"."),
        number=int32("number is the numerical port number (e.g. 80) on the Service. This is a mutually exclusive "
                     "setting with \"Name\".")),
    N + "IngressRule": obj(
        "IngressRule represents the rules mapping the paths under a specified host to the related backend "
        "services. Incoming requests are first evaluated for a host match, then routed to the backend associated "
        "with the matching IngressRuleValue.",
        host=string("host is the fully qualified domain name of a network host, as defined by RFC 3986."),
        http=ref(N + "HTTPIngressRuleValue", "http is a list of http selectors pointing to backends.", struct=False)),
    N + "HTTPIngressRuleValue": obj(
        "HTTPIngressRuleValue is a list of http selectors pointing to backends.", ("paths",),
        paths=arr(N + "HTTPIngressPath", "paths is a collection of paths that map requests to backends.",
                  list_type="atomic")),
    N + "HTTPIngressPath": obj(
        "HTTPIngressPath associates a path with a backend. Incoming urls matching the path are forwarded to the "
        "backend.", ("pathType", "backend"),
        backend=ref(N + "IngressBackend", "backend defines the referenced service endpoint to which the traffic "
                    "will be forwarded to."),
        path=string("path is matched against the path of an incoming request."),
        pathType=string("pathType determines the interpretation of the path matching.",
                        enum=["Exact", "ImplementationSpecific", "Prefix"])),
    N + "IngressTLS": obj(
        "IngressTLS describes the transport layer security associated with an ingress.",
        hosts=strings("hosts is a list of hosts included in the TLS certificate."),
        secretName=string("secretName is the name of the secret used to terminate TLS traffic on port 443.")),
    N + "IngressStatus": obj(
        "IngressStatus describe the current state of the Ingress.",
        loadBalancer=ref(N + "IngressLoadBalancerStatus", "loadBalancer contains the current status of the "
                         "load-balancer.")),
    N + "IngressLoadBalancerStatus": obj(
        "IngressLoadBalancerStatus represents the status of a load-balancer.",
        ingress=arr(N + "IngressLoadBalancerIngress", "ingress is a list containing ingress points for the "
                    "load-balancer.", list_type="atomic")),
    N + "IngressLoadBalancerIngress": obj(
        "IngressLoadBalancerIngress represents the status of a load-balancer ingress point.",
        hostname=string("hostname is set for load-balancer ingress points that are DNS based."),
        ip=string("ip is set for load-balancer ingress points that are IP based."),
        ports=arr(N + "IngressPortStatus", "ports provides information about the ports exposed by this "
                  "LoadBalancer.", list_type="atomic")),
    N + "IngressPortStatus": obj(
        "IngressPortStatus represents the error condition of a service port", ("port", "protocol"),
        error=string("error is to record the problem with the service port."),
        port=int32("port is the port number of the ingress port."),
        protocol=string("protocol is the protocol of the ingress port. The supported values are: \"TCP\", "
                        "\"UDP\", \"SCTP\"", enum=["SCTP", "TCP", "UDP"])),
    N + "IngressClass": kind(
        "IngressClass represents the class of the Ingress, referenced by the Ingress Spec. The "
        "`ingressclass.kubernetes.io/is-default-class` annotation can be used to indicate that an IngressClass "
        "should be considered default. When a single IngressClass resource has this annotation set to true, new "
        "Ingress resources without a class specified will be assigned this default class.",
        "networking.k8s.io", "v1", "IngressClass",
        spec=ref(N + "IngressClassSpec", "spec is the desired state of the IngressClass. More info: "
                 "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status")),
    N + "IngressClassList": list_kind("networking.k8s.io", "v1", "IngressClassList", N + "IngressClass",
                                      "IngressClassList is a collection of IngressClasses."),
    N + "IngressClassSpec": obj(
        "IngressClassSpec provides information about the class of an Ingress.",
        controller=string("controller refers to the name of the controller that should handle this class. This "
                          "allows for different \"flavors\" that are controlled by the same controller. For "
                          "example, you may have different parameters for the same implementing controller. This "
                          "should be specified as a domain-prefixed path no more than 250 characters in length, "
                          "e.g. \"acme.io/ingress-controller\". This field is immutable."),
        parameters=ref(N + "IngressClassParametersReference", "parameters is a link to a custom resource "
                       "containing additional configuration for the controller. This is optional if the controller "
                       "does not require extra parameters.", struct=False)),
    N + "IngressClassParametersReference": obj(
        "IngressClassParametersReference identifies an API object. This can be used to specify a cluster or "
        "namespace-scoped resource.", ("kind", "name"),
        apiGroup=string("apiGroup is the group for the resource being referenced. If APIGroup is not specified, "
                        "the specified Kind must be in the core API group. For any other third-party types, "
                        "APIGroup is required."),
        kind=string("kind is the type of resource being referenced."),
        name=string("name is the name of resource being referenced."),
        namespace=string("namespace is the namespace of the resource being referenced. This field is required "
                         "when scope is set to \"Namespace\" and must be unset when scope is set to \"Cluster\"."),
        scope=string("scope represents if this refers to a cluster or namespace scoped resource. This may be set "
                     "to \"Cluster\" (default) or \"Namespace\".")),
    CORE + "TypedLocalObjectReference": obj(
        "TypedLocalObjectReference contains enough information to let you locate the typed referenced object "
        "inside the same namespace.", ("kind", "name"),
        apiGroup=string("APIGroup is the group for the resource being referenced. If APIGroup is not specified, "
                        "the specified Kind must be in the core API group. For any other third-party types, "
                        "APIGroup is required."),
        kind=string("Kind is the type of resource being referenced"),
        name=string("Name is the name of resource being referenced")),
}
