"""``pods/NAME/portforward``: the API server's side of ``kubectl port-forward`` (upstream's
``PortForwardREST``, then the tunnel that carries the kubelet's SPDY streams).

kubectl 1.31 and later open a WebSocket offering ``SPDY/3.1+portforward.k8s.io``: SPDY frames
tunnelled in binary messages, one pair of streams (``error`` and ``data``, with the ``port``
and ``requestid`` headers) per local connection. The chain has authenticated and authorized
the upgrade (``get`` on ``pods/portforward`` for the WebSocket ``GET``, ``create`` for the
``POST`` of raw SPDY, which is refused with a Status saying why); the transport then speaks
SPDY (``clusterviz.kubeapi.portforward``) and hands each connection's bytes to the node's
kubelet through the ``kubelet_portforward(node, pod, port, request)`` connection.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import errors
from .request import APIResponse

if TYPE_CHECKING:
    from .server import APIServer, Call

#: The WebSocket subprotocol of the SPDY tunnel (client-go's ``WebsocketsSPDYTunnelingPrefix``
#: and ``PortForwardProtocolV1Name``).
TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
SPDY_REFUSED = ("unable to upgrade connection: this server forwards ports over WebSocket only (the SPDY tunnel "
                f"{TUNNEL_PROTOCOL}), not raw SPDY/3.1: use kubectl 1.31 or later")


@dataclass
class PortForwardSession:
    """One upgraded port forward: the pod and how to reach its kubelet."""

    server: APIServer
    node: str
    pod: dict

    def forward(self, port: int, request: bytes) -> bytes:
        """``request`` sent to ``port`` in the pod, and the answer; ``LookupError`` with the
        kubelet's words."""
        connect = self.server.kubelet_portforward
        if connect is None:
            raise LookupError(f"dial tcp {self.node}:10250: connect: connection refused")
        return connect(self.node, self.pod, port, request)


def serve_portforward(call: Call, server: APIServer, pod: dict) -> APIResponse:
    name = pod["metadata"]["name"]
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    for port in call.req.query_items or []:
        if port[0] == "ports" and not (port[1].isdigit() and 0 < int(port[1]) < 65536):
            raise errors.bad_request(f"invalid port {port[1]!r}")
    upgrade = call.req.header("upgrade").lower()
    if upgrade == "websocket":
        return APIResponse(101, None, portforward=PortForwardSession(server, node, pod))
    if upgrade.startswith("spdy/"):
        raise errors.bad_request(SPDY_REFUSED)
    raise errors.bad_request("Upgrade request required")
