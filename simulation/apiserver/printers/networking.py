"""The printers of networking.k8s.io/v1 Ingress and IngressClass, with upstream's columns and cell
formatters (``printIngress``, ``formatHosts``, ``formatPorts``, ``ingressLoadBalancerStatusStringer``,
``printIngressClass`` in ``pkg/printers/internalversion/printers.go``)."""
from __future__ import annotations

from .columns import AGE, NAME, age_of, column, name_of

INGRESS_COLUMNS = (
    NAME,
    column("Class", "The name of the IngressClass resource that should be used for this Ingress."),
    column("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "Ports of TLS configurations that open"),
    AGE,
)
INGRESSCLASS_COLUMNS = (
    NAME,
    column("Controller", "Controller that is responsible for handling this class"),
    column("Parameters", "A reference to a resource with additional parameters"),
    AGE,
)
#: ``formatHosts`` names at most three hosts, then ``+ N more...``.
MAX_HOSTS = 3


def format_hosts(rules: list[dict] | None) -> str:
    """Each rule's host (rules without one add nothing), ``*`` when none has one. Note upstream's
    count: ``N`` is the number of rules past the third, hosted or not."""
    rules = rules or []
    shown: list[str] = []
    more = False
    for rule in rules:
        if len(shown) == MAX_HOSTS:
            more = True
        if not more and rule.get("host"):
            shown.append(rule["host"])
    if not shown:
        return "*"
    text = ",".join(shown)
    return f"{text} + {len(rules) - MAX_HOSTS} more..." if more else text


def format_ports(tls: list[dict] | None) -> str:
    return "80, 443" if tls else "80"


def load_balancer_address(ingress: dict) -> str:
    """The IPs and hostnames of ``status.loadBalancer.ingress``, sorted and joined with ``,``
    (the server prints wide, so never clipped)."""
    points = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return ",".join(sorted({p.get("ip") or p.get("hostname") for p in points if p.get("ip") or p.get("hostname")}))


def print_ingress(ing: dict, now: float) -> list:
    spec = ing.get("spec") or {}
    return [name_of(ing), spec.get("ingressClassName") or "<none>", format_hosts(spec.get("rules")),
            load_balancer_address(ing), format_ports(spec.get("tls")), age_of(ing, now)]


def format_parameters(params: dict | None) -> str:
    """``Kind[.apiGroup]/name``, ``<none>`` without parameters."""
    if not params:
        return "<none>"
    kind = params.get("kind") or ""
    if params.get("apiGroup") is not None:
        kind += "." + params["apiGroup"]
    return f"{kind}/{params.get('name') or ''}"


def print_ingress_class(ic: dict, now: float) -> list:
    spec = ic.get("spec") or {}
    return [name_of(ic), spec.get("controller") or "", format_parameters(spec.get("parameters")), age_of(ic, now)]
