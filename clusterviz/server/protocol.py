"""The HTTP/1.1 connection under daphne, with limits on what a client may hold open.

daphne serves both listeners (plain HTTP and TLS) with Twisted's ``HTTPChannel``. Left as
it is (Twisted 26.10, daphne 4.2), the channel:

- drops a header line longer than ``MAX_LENGTH`` (16 KiB) in ``lineLengthExceeded`` by calling
  ``transport.loseConnection()`` without a word. On TCP that closes; under TLS,
  ``TLSMemoryBIOProtocol`` waits for its producer to unregister first — the channel, which
  registered itself and only unregisters in its own ``loseConnection`` — so the connection
  stays open, silent, for good;
- answers every other malformed request (request line and headers past ``totalHeadersSize``,
  more than ``maxHeaders`` lines, a bad header line, a bad ``Content-Length`` or
  ``Transfer-Encoding``, a bad chunk) with a bare ``HTTP/1.1 400 Bad Request`` and no body,
  which kubectl cannot print;
- has one timer, ``TimeoutMixin``'s idle timeout (``HTTPFactory.timeOut``), restarted by every
  byte: a client that sends a header byte now and then holds its connection forever;
- parses POSTed form bodies into ``request.args`` (which daphne never reads), and answers a
  multipart body it cannot parse with that bare 400 before the application sees it.

:class:`HTTPChannel` keeps Twisted's parser and changes only those edges: headers too large
get **431**, headers that take longer than the header timeout (from the connection's opening
or a request's first byte) or a body that stalls for the idle timeout get **408**, a malformed
request gets **400**, each with ``Connection: close`` and then a close that works under TLS
too. A connection with no request under way is closed silently after the idle timeout (or
the header timeout, when it never sent a request at all), as Go's server does: a client that
reuses a kept-alive connection at that moment retries, rather than reading a 408 meant for
nobody. While a request is being answered — a watch streaming for minutes, or a connection
upgraded to the cluster page's websocket — neither timer runs (Twisted stops the idle timer
itself; the header timer ends with the headers).

Each of these refusals of a request under ``/clusters/<name>/api…`` is a Kubernetes ``Status``
(:func:`clusterviz.kubeapi.asgi.answers_as_kubernetes`); so is the refusal of a request whose
path could not be read (only API clients send malformed requests; a browser never does).
Other paths get a line of plain text. (With ``CLUSTERVIZ_HTTPS_ONLY`` the plain listener's
redirects are not refusals: they carry no body, whatever the path.)

Only HTTP/1.1 is offered over ALPN: these limits live in the HTTP/1.1 channel, and Twisted's
HTTP/2 channel (used when the ``h2`` package is installed) has none of them.
"""
from __future__ import annotations

from http import HTTPStatus
from urllib.parse import unquote

# daphne.server first: it installs the asyncio reactor, which must happen before Twisted's reactor is imported
from daphne import server as daphne_server
from daphne.http_protocol import HTTPFactory as DaphneHTTPFactory
from daphne.http_protocol import WebRequest as DaphneWebRequest
from twisted.web import http

from clusterviz.kubeapi.asgi import answers_as_kubernetes
from simulation.apiserver import codec, errors

#: Bytes allowed for a request line and all its headers together, and so for any one line:
#: Twisted's own default, made explicit. Upstream's Go server allows 1 MiB; a cluster's
#: requests carry a short bearer token or a session cookie, and a Python server holding
#: thousands of connections should not buffer a megabyte for each.
MAX_HEADER_BYTES = 16 * 1024
#: Header lines allowed per request (Twisted's default).
MAX_HEADERS = 500


def _is_page(path: bytes | None) -> bool:
    """Whether ``path`` (raw, as on the request line) is known to be one of the browser's."""
    if not path:
        return False
    text = unquote(path.split(b"?", 1)[0].decode("latin-1"))
    return not answers_as_kubernetes(text)


def error_response(code: int, reason: str, message: str, path: bytes | None) -> bytes:
    """A whole HTTP/1.1 answer that ends the connection: a ``Status`` unless ``path`` is a page's."""
    phrase = HTTPStatus(code).phrase
    if _is_page(path):
        body, content_type = f"{code} {phrase}: {message}\n".encode(), b"text/plain; charset=utf-8"
    else:
        body, content_type = codec.encode(errors.status_body(code, reason, message)), b"application/json"
    head = (f"HTTP/1.1 {code} {phrase}\r\n".encode() + b"Content-Type: " + content_type + b"\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
    return head + body


class WebRequest(DaphneWebRequest):
    """daphne's request, answering daphne's own refusals (a header value with a forbidden byte,
    an application that raised) as a ``Status`` on API paths instead of an HTML page, and
    redirecting to HTTPS when the page is served only there."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Twisted's form parsing serves ``request.args``, which daphne never reads; Django and the
        # API server parse bodies themselves (so a multipart body reaches the API server: 415).
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    def process(self):  # type: ignore[no-untyped-def]
        https_origin = self.channel.factory.https_origin
        if https_origin is not None and not self.isSecure():
            self._redirect(https_origin)
            return None
        return super().process()

    def _redirect(self, https_origin: bytes) -> None:
        """The plain listener's only answer when the page is served over HTTPS: the same path
        there (a websocket upgrade too: the page opens ``wss:`` when served over HTTPS).
        301 for GET and HEAD; 308 keeps the method and body of anything else."""
        target = self.uri if self.uri.startswith(b"/") else b"/"
        self.setResponseCode(301 if self.method in (b"GET", b"HEAD") else 308)
        self.setHeader(b"location", https_origin + target)
        self.setHeader(b"content-length", b"0")
        self.finish()

    def basic_error(self, status, status_text, body):  # type: ignore[no-untyped-def]
        if _is_page(self.uri):
            return super().basic_error(status, status_text, body)
        reason = {400: "BadRequest", 500: "InternalError", 503: "ServiceUnavailable"}.get(status, "BadRequest")
        payload = codec.encode(errors.status_body(status, reason, str(body)))
        self.handle_reply({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        self.handle_reply({"type": "http.response.body", "body": payload})
        return None


class HTTPChannel(http.HTTPChannel):
    """Twisted's HTTP/1.1 channel with a header timeout, and 431/408/400 answers that close.

    States of a connection, and what limits each:

    - no request under way: the idle timeout (Twisted's ``timeOut``); on a new connection also
      the header timeout, so one that never sends a request is dropped as soon;
    - headers arriving (from the connection's opening, or a later request's first byte): the
      header timeout, not restarted by data;
    - body arriving: the idle timeout, restarted by each piece;
    - request being answered (from the last body byte to the end of the answer): nothing.
    """

    MAX_LENGTH = MAX_HEADER_BYTES
    totalHeadersSize = MAX_HEADER_BYTES
    maxHeaders = MAX_HEADERS

    _header_clock = None
    #: Bytes of a request have arrived and it is not all here yet.
    _request_begun = False
    #: An answer that ends the connection has been written; anything more is ignored.
    _refused = False
    #: What a bare 400 from Twisted's parser would have been about.
    _problem = "malformed HTTP request"

    # ----------------------------------------------------------------- timers
    def connectionMade(self) -> None:
        super().connectionMade()
        self._start_header_clock()

    def dataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        if data and not self._request_begun and not self._handlingRequest:
            self._request_begun = True
            if self._header_clock is None:
                self._start_header_clock()
        super().dataReceived(data)

    def _start_header_clock(self) -> None:
        seconds = self.factory.header_timeout
        self._header_clock = self.callLater(seconds, self._headers_too_slow)

    def _stop_header_clock(self) -> None:
        if self._header_clock is not None and self._header_clock.active():
            self._header_clock.cancel()
        self._header_clock = None

    def _headers_too_slow(self) -> None:
        self._header_clock = None
        if self._request_begun:
            self._refuse(408, "Timeout", f"request timeout: the request's headers were not complete after "
                                         f"{self.factory.header_timeout:g} seconds")
        else:
            super().timeoutConnection()

    def timeoutConnection(self) -> None:
        """The idle timeout: silent between requests, 408 when a request's body stalls."""
        if self._request_begun:
            self._refuse(408, "Timeout", f"request timeout: nothing of the request arrived for "
                                         f"{self.factory.timeOut:g} seconds")
        else:
            super().timeoutConnection()

    def allHeadersReceived(self) -> None:
        self._stop_header_clock()
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        self._request_begun = False
        super().allContentReceived()

    def connectionLost(self, reason) -> None:  # type: ignore[no-untyped-def]
        self._stop_header_clock()
        super().connectionLost(reason)

    # ----------------------------------------------------------------- limits and refusals
    def lineReceived(self, line: bytes) -> None:
        if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
            self._refuse(431, "BadRequest", f"request header fields too large: the request line and headers "
                                            f"must fit in {self.totalHeadersSize} bytes")
            return
        self._problem = "malformed HTTP header" if hasattr(self, "_command") else "malformed HTTP request line"
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self._refuse(431, "BadRequest", f"request header fields too large: a line of the request must fit in "
                                        f"{self.MAX_LENGTH} bytes")

    def headerReceived(self, line: bytes) -> bool:
        if self._receivedHeaderCount >= self.maxHeaders:
            self._refuse(431, "BadRequest", f"request header fields too large: more than {self.maxHeaders} "
                                            f"header fields")
            return False
        name = line.split(b":", 1)[0].strip().lower()
        self._problem = (f"invalid {name.decode('latin-1').title()} header"
                         if name in (b"content-length", b"transfer-encoding") else "malformed HTTP header")
        return super().headerReceived(line)

    def rawDataReceived(self, data: bytes) -> None:
        self._problem = "malformed chunked request body"
        super().rawDataReceived(data)

    def _respondToBadRequestAndDisconnect(self) -> None:
        self._refuse(400, "BadRequest", f"bad request: {self._problem}")

    def _refuse(self, code: int, reason: str, message: str) -> None:
        """Answer ``code`` and close: through the channel's own ``loseConnection``, which
        unregisters it as the transport's producer (under TLS nothing closes until it does),
        with Twisted's abort after ``abortTimeout`` seconds for a peer that never finishes
        the TLS shutdown."""
        if self._refused:
            return
        self._refused = True
        self._stop_header_clock()
        self.setTimeout(None)
        self.transport.write(error_response(code, reason, message, getattr(self, "_path", None)))
        if self.abortTimeout is not None:
            self._abortingCall = self.callLater(self.abortTimeout, self.forceAbortClient)
        self.loseConnection()


class HTTPFactory(DaphneHTTPFactory):
    """daphne's factory building :class:`HTTPChannel` and :class:`WebRequest`.

    ``header_timeout``: seconds a request's headers may take. ``idle_timeout``: seconds a
    connection may stay silent with no request under way, or in the middle of a body.
    ``https_origin`` (``b"https://host:port"``): when set, requests that did not come over TLS
    are redirected there instead of served.
    """

    def __init__(self, server, header_timeout: float, idle_timeout: float,  # type: ignore[no-untyped-def]
                 https_origin: bytes | None = None) -> None:
        super().__init__(server)
        self.header_timeout = header_timeout
        self.timeOut = idle_timeout
        self.https_origin = https_origin

    def protocol(self) -> HTTPChannel:  # type: ignore[override]
        """The bare channel: Twisted's ``_GenericHTTPChannelProtocol`` wrapper only exists to
        switch to HTTP/2, which is not offered (see :meth:`acceptableProtocols`)."""
        return HTTPChannel()

    def buildProtocol(self, addr):  # type: ignore[no-untyped-def]
        channel = super().buildProtocol(addr)
        channel.requestFactory = WebRequest
        return channel

    def acceptableProtocols(self) -> list[bytes]:
        return [b"http/1.1"]


class Server(daphne_server.Server):
    """daphne's server with :class:`HTTPFactory` serving every endpoint.

    ``Server.run()`` builds daphne's factory and listens with it in one go, with no hook in
    between; assigning ``self.http_factory`` there lands in the setter below, which puts this
    module's factory in its place. Everything else in ``run()`` stays daphne's.
    """

    def __init__(self, *args, header_timeout: float, idle_timeout: float,  # type: ignore[no-untyped-def]
                 https_origin: bytes | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._factory_options = {"header_timeout": header_timeout, "idle_timeout": idle_timeout,
                                 "https_origin": https_origin}
        self._http_factory: HTTPFactory | None = None

    @property
    def http_factory(self) -> HTTPFactory | None:
        return self._http_factory

    @http_factory.setter
    def http_factory(self, daphne_factory) -> None:  # type: ignore[no-untyped-def]
        self._http_factory = HTTPFactory(self, **self._factory_options)
