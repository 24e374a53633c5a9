"""The printer of discovery.k8s.io/v1 EndpointSlice, with upstream's columns and cell
formatters (``printEndpointSlice``, ``formatDiscoveryPorts``, ``formatDiscoveryEndpoints`` in
``pkg/printers/internalversion/printers.go``); the column descriptions are discovery/v1's swagger
docs (``types_swagger_doc_generated.go``), as upstream's column definitions take them."""
from __future__ import annotations

from .columns import AGE, NAME, age_of, column, name_of

ENDPOINTSLICE_COLUMNS = (
    NAME,
    column("AddressType", "addressType specifies the type of address carried by this EndpointSlice. All addresses "
                          "in this slice must be the same type. This field is immutable after creation. The "
                          "following address types are currently supported: * IPv4: Represents an IPv4 Address. "
                          "* IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."),
    column("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port "
                    "must have a unique name. When ports is empty, it indicates that there are no defined ports. "
                    "When a port is defined with a nil port value, it indicates \"all ports\". Each slice may "
                    "include a maximum of 100 ports."),
    column("Endpoints", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum "
                        "of 1000 endpoints."),
    AGE,
)
#: Upstream shows at most three ports or addresses, then ``+ N more...``.
MAX_SHOWN = 3


def _list_with_more(items: list[str], count: int) -> str:
    """``listWithMoreString``: ``<unset>`` for none at all."""
    text = ",".join(items[:MAX_SHOWN])
    if count > MAX_SHOWN:
        return f"{text} + {count - MAX_SHOWN} more..."
    return text or "<unset>"


def format_discovery_ports(ports: list[dict] | None) -> str:
    """A port's number, else its name, else ``*``."""
    shown = []
    for port in ports or []:
        if port.get("port") is not None:
            shown.append(str(port["port"]))
        elif port.get("name") is not None:
            shown.append(port["name"])
        else:
            shown.append("*")
    return _list_with_more(shown, len(shown))


def format_discovery_endpoints(endpoints: list[dict] | None) -> str:
    addresses = [a for e in endpoints or [] for a in e.get("addresses") or []]
    return _list_with_more(addresses, len(addresses))


def print_endpoint_slice(eps: dict, now: float) -> list:
    return [name_of(eps), eps.get("addressType") or "", format_discovery_ports(eps.get("ports")),
            format_discovery_endpoints(eps.get("endpoints")), age_of(eps, now)]
