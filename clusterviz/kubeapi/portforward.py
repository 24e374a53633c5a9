"""``kubectl port-forward`` over the SPDY tunnel (``SPDY/3.1+portforward.k8s.io``): the
kubelet's side of the SPDY connection kubectl opens, carried in WebSocket binary messages
(client-go's ``TunnelingConnection``).

For each local connection kubectl opens two streams with the same ``requestid`` header: an
``error`` stream (which it closes for writing at once) and a ``data`` stream. Each SYN_STREAM is
answered with a SYN_REPLY. What arrives on the data stream is the local client's bytes; once an
HTTP request's head is in (or the client closes its side), the kubelet answers through the
connection to the pod's port, the answer goes back on the data stream and both streams are
closed — or, when nothing listens on the port, the kubelet's words go on the error stream,
which kubectl prints as ``an error occurred forwarding L -> R: …``. PINGs are echoed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from channels.db import database_sync_to_async

from simulation.apiserver.podportforward import PortForwardSession

from . import spdy

logger = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
#: The end of an HTTP request's head: the kubelet answers once it has it.
HEAD_END = b"\r\n\r\n"


@dataclass
class Connection:
    """One local connection: its two streams and what the client sent so far."""

    port: int
    error_stream: int = 0
    data_stream: int = 0
    received: bytes = b""
    answered: bool = False
    headers: dict = field(default_factory=dict)


class PortForwardTunnel:
    def __init__(self, session: PortForwardSession, receive: Receive, send: Send) -> None:
        self.receive = receive
        self.send = send
        self.reader = spdy.FrameReader()
        self.writer = spdy.FrameWriter()
        self.forward = database_sync_to_async(session.forward)
        self.connections: dict[str, Connection] = {}
        self.stream_request: dict[int, str] = {}
        self.closed = False

    async def write(self, data: bytes) -> None:
        if not self.closed:
            await self.send({"type": "websocket.send", "bytes": data})

    async def run(self) -> None:
        while not self.closed:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return
            try:
                frames = self.reader.feed(message.get("bytes") or b"")
            except ValueError:
                logger.warning("port-forward: not SPDY/3.1; closing")
                await self.send({"type": "websocket.close", "code": 1002})
                self.closed = True
                return
            for frame in frames:
                await self.handle(frame)

    async def handle(self, frame: spdy.Frame) -> None:
        if frame.type == spdy.SYN_STREAM:
            await self.stream_opened(frame)
        elif frame.type == 0:
            await self.data(frame)
        elif frame.type == spdy.PING:
            await self.write(self.writer.ping(int.from_bytes(frame.payload[:4], "big")))
        elif frame.type == spdy.GOAWAY:
            await self.send({"type": "websocket.close", "code": 1000})
            self.closed = True
        # SETTINGS, WINDOW_UPDATE, RST_STREAM, HEADERS: nothing to do for a single exchange

    async def stream_opened(self, frame: spdy.Frame) -> None:
        headers = {k.lower(): v for k, v in frame.headers.items()}
        await self.write(self.writer.syn_reply(frame.stream_id))
        request_id, kind, port = headers.get("requestid", ""), headers.get("streamtype", ""), headers.get("port", "")
        if not port.isdigit() or not 0 < int(port) < 65536:
            await self.write(self.writer.rst_stream(frame.stream_id, spdy.PROTOCOL_ERROR))
            return
        connection = self.connections.setdefault(request_id, Connection(int(port)))
        self.stream_request[frame.stream_id] = request_id
        if kind == "error":
            connection.error_stream = frame.stream_id
        elif kind == "data":
            connection.data_stream = frame.stream_id
        await self.maybe_answer(connection, closed=False)

    async def data(self, frame: spdy.Frame) -> None:
        request_id = self.stream_request.get(frame.stream_id)
        connection = self.connections.get(request_id or "")
        if connection is None or frame.stream_id != connection.data_stream:
            return
        connection.received += frame.payload
        await self.maybe_answer(connection, closed=frame.fin)

    async def maybe_answer(self, connection: Connection, *, closed: bool) -> None:
        """Answer once both streams are open and the request's head (or its end) is in."""
        if connection.answered or not (connection.error_stream and connection.data_stream):
            return
        if HEAD_END not in connection.received and not (closed and connection.received):
            return
        connection.answered = True
        try:
            response = await self.forward(connection.port, connection.received)
        except LookupError as exc:
            await self.write(self.writer.data(connection.error_stream, str(exc).strip("'\"").encode(), fin=True))
            await self.write(self.writer.data(connection.data_stream, b"", fin=True))
            return
        await self.write(self.writer.data(connection.data_stream, response, fin=True))
        await self.write(self.writer.data(connection.error_stream, b"", fin=True))
