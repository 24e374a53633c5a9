"""Where the class reaches this machine: its LAN address and the page's public origin."""
from __future__ import annotations

import ipaddress
import socket

from django.conf import settings

#: A documentation address (TEST-NET-1): "connecting" a UDP socket to it sends nothing, but
#: makes the kernel pick the interface and source address it would route through.
_PROBE = ("192.0.2.1", 9)


def lan_address() -> str | None:
    """The address other machines on the network reach this one at (the default route's), or
    None when there is no network but loopback."""
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            candidates.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for address in candidates:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local):
            return address
    return None


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def page_origin() -> str:
    """The origin students open: HTTPS on the API's port in a classroom (``CLUSTERVIZ_HTTPS_ONLY``)."""
    host = _host(settings.CLUSTERVIZ_PUBLIC_HOST)
    if settings.CLUSTERVIZ_HTTPS_ONLY:
        return f"https://{host}:{settings.CLUSTERVIZ_HTTPS_PORT}"
    return f"http://{host}:{settings.CLUSTERVIZ_HTTP_PORT}"


def join_url(code: str = "") -> str:
    return f"{page_origin()}/join/{code + '/' if code else ''}"
