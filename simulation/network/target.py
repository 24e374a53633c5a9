"""What a learner names as a packet's destination, as an address: a pod (``[ns/]name``), a
Service (``[ns/]name`` or its ClusterIP) or any IP, each optionally ``:port`` — a number, or a
port name of the Service. Objects are read through the API client given (what a user could read
with kubectl), never from a component's memory."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from simulation.client.apiclient import APIClient, APIError


class TargetError(ValueError):
    """The destination cannot be resolved; the message says why."""


@dataclass(frozen=True)
class Target:
    ip: str
    port: int | None
    #: What it names, as the trace prints it: ``service default/web``, ``pod default/web-x`` or the IP.
    label: str


def resolve_target(client: APIClient, namespace: str, to: str) -> Target:
    """``to`` as an address: an IP as is, else a Service of that name, else a pod; ``namespace``
    is where unqualified names are looked up."""
    text = to.strip()
    host, _, port_text = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        ipaddress.ip_address(host)
        return Target(host, _port(port_text, None), host)
    except ValueError:
        pass
    ns, _, name = host.rpartition("/")
    ns = ns or namespace
    if not name:
        raise TargetError("to needs a pod, a Service, or an IP, each optionally with :port")
    try:
        service = client.get("services", ns, name)
    except APIError:
        service = None
    if service is not None:
        ip = (service.get("spec") or {}).get("clusterIP") or ""
        if not ip or ip == "None":
            raise TargetError(f"service {ns}/{name} has no cluster IP (headless): trace to one of its pods")
        return Target(ip, _port(port_text, service), f"service {ns}/{name}")
    try:
        pod = client.get("pods", ns, name)
    except APIError as exc:
        raise TargetError(str(exc)) from None
    ip = (pod.get("status") or {}).get("podIP")
    if not ip:
        raise TargetError(f"pod {ns}/{name} has no IP yet (its sandbox is not running)")
    return Target(ip, _port(port_text, None), f"pod {ns}/{name}")


def _port(text: str, service: dict | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    for p in ((service or {}).get("spec") or {}).get("ports") or []:
        if p.get("name") == text:
            return int(p["port"])
    raise TargetError(f"unknown port {text!r}: give a number" + (" or a port name of the Service" if service else ""))
