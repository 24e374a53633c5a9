"""What a node's kernel does with a new connection under kube-proxy's nat rules: the
``KUBE-SERVICES`` rule matching the destination IP, port and protocol jumps to the Service
port's ``KUBE-SVC-…`` chain, whose rules are tried in order — each ``-m statistic --mode random
--probability P`` rule matches when the kernel's random draw falls under P, the last one
always — and the matched ``KUBE-SEP-…`` chain DNATs to its endpoint. A Service port with no
endpoints has a REJECT rule instead (the client sees "connection refused"); a destination no
rule matches goes out unchanged.

The probabilities drawn against are the ones iptables-save prints (the kernel keeps
``lround(p * 2**31)``), so with n endpoints each gets 1/n of the connections.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .iptables import ServicePortRules

DNAT = "DNAT"
REJECT = "REJECT"
ACCEPT = "ACCEPT"


@dataclass
class Verdict:
    action: str
    #: DNAT: the "ip:port" endpoint chosen; the Service port's name and chains, for the record.
    endpoint: str = ""
    service: str = ""
    service_chain: str = ""
    endpoint_chain: str = ""


def route(planned: list[ServicePortRules], ip: str, port: int, protocol: str, draw: Callable[[], float]) -> Verdict:
    """The verdict for a connection to ``ip:port`` (``protocol`` ``tcp`` or ``udp``);
    ``draw()`` is the kernel's random number in [0, 1)."""
    for sp in planned:
        if sp.cluster_ip != ip or sp.port != port or sp.protocol != protocol.lower():
            continue
        if not sp.endpoints:
            return Verdict(REJECT, service=sp.name)
        for rule in sp.endpoints:
            if rule.probability is None or draw() < float(rule.probability):
                return Verdict(DNAT, rule.endpoint, sp.name, sp.chain, rule.chain)
    return Verdict(ACCEPT)
