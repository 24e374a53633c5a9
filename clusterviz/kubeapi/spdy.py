"""SPDY/3.1 framing, as far as ``kubectl port-forward`` needs it (the draft's section 2; what
moby/spdystream speaks on both ends of a Kubernetes stream).

kubectl 1.31 and later tunnel SPDY through a WebSocket (subprotocol
``SPDY/3.1+portforward.k8s.io``): each binary message carries the next bytes of one SPDY
connection, so frames may be cut anywhere — :class:`FrameReader` buffers. Header blocks are zlib
streams over the whole connection (one per direction) primed with the spec's dictionary.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
#: RST_STREAM status codes used here.
PROTOCOL_ERROR, CANCEL = 1, 5


def _dictionary() -> bytes:
    """The header compression dictionary of SPDY/3 (draft-mbelshe-httpbis-spdy-00, 2.6.10.1):
    length-prefixed header names and values, then a run of common text."""
    words = ["options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
             "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
             "content-base", "content-encoding", "content-language", "content-length", "content-location",
             "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
             "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
             "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
             "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
             "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
             "public", "set-cookie", "keep-alive", "origin"]
    text = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
            "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
            "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
            "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
            "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
            "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in words) + text.encode()


DICTIONARY = _dictionary()


@dataclass
class Frame:
    """A control frame (``type`` > 0) or a data frame (``type`` 0, ``stream_id`` set)."""

    type: int
    flags: int
    payload: bytes
    stream_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


class FrameReader:
    """Frames out of a byte stream that arrives in arbitrary pieces."""

    def __init__(self) -> None:
        self._buffer = b""
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            head, flags_length = struct.unpack(">II", self._buffer[:8])
            length = flags_length & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            payload, self._buffer = self._buffer[8:8 + length], self._buffer[8 + length:]
            flags = flags_length >> 24
            if head & 0x80000000:
                frames.append(self._control((head >> 16) & 0x7FFF, head & 0xFFFF, flags, payload))
            else:
                frames.append(Frame(0, flags, payload, stream_id=head & 0x7FFFFFFF))
        return frames

    def _control(self, version: int, type_: int, flags: int, payload: bytes) -> Frame:
        if version != VERSION:
            raise ValueError(f"unsupported SPDY version {version}")
        frame = Frame(type_, flags, payload)
        if type_ in (SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE):
            frame.stream_id = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
        if type_ == SYN_STREAM:
            frame.headers = self._headers(payload[10:])
        elif type_ in (SYN_REPLY, HEADERS):
            frame.headers = self._headers(payload[4:])
        return frame

    def _headers(self, block: bytes) -> dict[str, str]:
        raw = self._inflate.decompress(block)
        (count,), at = struct.unpack(">I", raw[:4]), 4
        headers = {}
        for _ in range(count):
            (n,) = struct.unpack(">I", raw[at:at + 4])
            name = raw[at + 4:at + 4 + n].decode()
            at += 4 + n
            (n,) = struct.unpack(">I", raw[at:at + 4])
            headers[name] = raw[at + 4:at + 4 + n].decode()
            at += 4 + n
        return headers


class FrameWriter:
    """Frames to send, with this direction's header compression."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(level=9, zdict=DICTIONARY)

    @staticmethod
    def _control(type_: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, type_, (flags << 24) | len(payload)) + payload

    def _block(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers)) + b"".join(
            struct.pack(">I", len(k)) + k.encode() + struct.pack(">I", len(v.encode())) + v.encode()
            for k, v in headers.items())
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def syn_stream(self, stream_id: int, headers: dict[str, str], *, fin: bool = False) -> bytes:
        payload = struct.pack(">IIH", stream_id, 0, 0) + self._block(headers)
        return self._control(SYN_STREAM, FLAG_FIN if fin else 0, payload)

    def syn_reply(self, stream_id: int, headers: dict[str, str] | None = None, *, fin: bool = False) -> bytes:
        return self._control(SYN_REPLY, FLAG_FIN if fin else 0, struct.pack(">I", stream_id) + self._block(headers or {}))

    @staticmethod
    def data(stream_id: int, data: bytes, *, fin: bool = False) -> bytes:
        return struct.pack(">II", stream_id & 0x7FFFFFFF, ((FLAG_FIN if fin else 0) << 24) | len(data)) + data

    def ping(self, ping_id: int) -> bytes:
        return self._control(PING, 0, struct.pack(">I", ping_id))

    def rst_stream(self, stream_id: int, status: int) -> bytes:
        return self._control(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    def goaway(self, last_stream_id: int) -> bytes:
        return self._control(GOAWAY, 0, struct.pack(">II", last_stream_id, 0))
