"""The HTTP layer under the API and the page (``clusterviz.server.protocol``), on both listeners,
over raw sockets against ``manage.py up``: headers too large are 431 and headers too slow 408,
each answered and closed (under TLS too); malformed requests are 400; under
``/clusters/<name>/api…`` each of these is a Kubernetes ``Status``; idle and half-open
connections are closed; a watch and the page's websocket outlive every timeout. Then
``CLUSTERVIZ_HTTPS_ONLY``: ``check --deploy``, the page over HTTPS with ``Secure`` cookies and
HSTS, and the HTTP listener redirecting."""
from __future__ import annotations

import http.client
import json
import re
import secrets
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass

import pytest
import websocket  # websocket-client, a dependency of the kubernetes client

from tests.e2e.conftest import RawAPI, RawResponse, assert_status, unique
from tests.support.liveserver import API_ONLY, ROOT, LiveServer

#: Short timeouts, so a test can wait them out.
HEADER_TIMEOUT = 2
IDLE_TIMEOUT = 3
#: What the server may take beyond a timeout before the test calls it a hang.
SLACK = 3
LISTENERS = ["http", "https"]
API = b"/clusters/demo/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def timed_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("e2e-http"), extra_env={
        "CLUSTERVIZ_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "CLUSTERVIZ_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
        **API_ONLY}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def timed_api(timed_server) -> RawAPI:
    return RawAPI(timed_server.kubeconfig("demo"))


def connect(server: LiveServer, listener: str, timeout: float = 10) -> socket.socket:
    port = server.https_port if listener == "https" else server.http_port
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if listener == "https":
        context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    return sock


@dataclass
class Exchange:
    data: bytes
    closed: bool  # the server closed the connection (EOF), rather than the wait ending
    seconds: float  # from the last byte sent to the close, or to the end of the wait

    def response(self) -> RawResponse:
        head, _, body = self.data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", len(body)))
        return RawResponse(int(lines[0].split()[1]), headers, body[:length])


def read_until_closed(sock: socket.socket, wait: float) -> tuple[bytes, bool]:
    data, deadline = b"", time.monotonic() + wait
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            break
        except (ConnectionResetError, ssl.SSLError):
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def exchange(server: LiveServer, listener: str, *parts: bytes, pause: float = 0, wait: float = 10) -> Exchange:
    """Send ``parts`` (``pause`` seconds apart), then read until the server closes or ``wait`` ends."""
    with connect(server, listener) as sock:
        for i, part in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                break  # closed early: what the server said is still there to read
        started = time.monotonic()
        data, closed = read_until_closed(sock, wait)
        return Exchange(data, closed, time.monotonic() - started)


def request(path: bytes = API, *headers: bytes, method: bytes = b"GET", body: bytes = b"") -> bytes:
    return (method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(h + b"\r\n" for h in headers)
            + b"\r\n" + body)


def assert_refused(answer: Exchange, code: int, reason: str) -> dict:
    """A Status with ``code`` and ``reason``, ``Connection: close``, and the connection closed."""
    assert answer.closed, f"no close after {answer.seconds:.1f}s: {answer.data[:300]!r}"
    response = answer.response()
    assert response.headers.get("connection") == "close", response.headers
    return assert_status(response, code, reason)


# ------------------------------------------------------------------ 431: headers too large
@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("head", [
    request(API, b"X-Big: " + b"a" * 17000),
    request(API, *(b"X-H%d: %s" % (i, b"a" * 1000) for i in range(20))),
    request(API, *(b"X-H%d: a" % i for i in range(600))),
    request(API + b"?q=" + b"a" * 17000),
], ids=["one-long-line", "all-lines-too-long", "too-many-lines", "long-request-line"])
def test_headers_too_large_are_431_and_closed(timed_server, listener, head):
    # Under TLS the long line used to get neither an answer nor a close.
    answer = exchange(timed_server, listener, head)
    status = assert_refused(answer, 431, "BadRequest")
    assert "16384 bytes" in status["message"] or "500 header fields" in status["message"], status
    assert answer.seconds < SLACK


@pytest.mark.parametrize("listener", LISTENERS)
def test_headers_too_large_for_a_page_are_431_in_plain_text(timed_server, listener):
    answer = exchange(timed_server, listener, request(b"/", b"Cookie: " + b"a" * 17000))
    assert answer.closed
    response = answer.response()
    assert response.status == 431 and response.content_type.startswith("text/plain"), response
    assert response.body.startswith(b"431 Request Header Fields Too Large: ")


# ------------------------------------------------------------------ 408: too slow
@pytest.mark.parametrize("listener", LISTENERS)
def test_headers_trickled_byte_by_byte_are_408_and_closed(timed_server, listener):
    """Each byte would restart an idle timer; the header timeout counts from the first."""
    head = request(API, b"X-Slow: " + b"a" * 100)
    with connect(timed_server, listener) as sock:
        started = time.monotonic()
        sock.sendall(head[:40])
        sock.settimeout(0.25)
        data = b""
        for byte in head[40:]:  # a byte every quarter second, until the server speaks
            try:
                data = sock.recv(65536)
                break
            except socket.timeout:
                sock.sendall(bytes([byte]))
        rest, closed = read_until_closed(sock, SLACK)
        answer = Exchange(data + rest, closed, time.monotonic() - started)
    status = assert_refused(answer, 408, "Timeout")
    assert status["message"] == (f"request timeout: the request's headers were not complete after "
                                 f"{HEADER_TIMEOUT} seconds")
    assert HEADER_TIMEOUT - 0.5 < answer.seconds < HEADER_TIMEOUT + SLACK


@pytest.mark.parametrize("listener", LISTENERS)
def test_headers_that_stop_halfway_are_408_and_closed(timed_server, listener):
    answer = exchange(timed_server, listener, request(API)[:-2], wait=HEADER_TIMEOUT + SLACK)
    assert_refused(answer, 408, "Timeout")


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_stalled_body_is_408_and_closed(timed_server, listener):
    head = request(API, b"Content-Type: application/json", b"Content-Length: 100", method=b"POST",
                   body=b'{"metadata":')
    answer = exchange(timed_server, listener, head, wait=IDLE_TIMEOUT + SLACK)
    status = assert_refused(answer, 408, "Timeout")
    assert status["message"] == f"request timeout: nothing of the request arrived for {IDLE_TIMEOUT} seconds"
    assert IDLE_TIMEOUT - 0.5 < answer.seconds < IDLE_TIMEOUT + SLACK


# ------------------------------------------------------------------ idle connections
@pytest.mark.parametrize("listener", LISTENERS)
def test_connections_that_never_send_a_request_are_closed_quietly(timed_server, listener):
    """Many at once (half-open connections used to stay open): each closed, with nothing said."""
    sockets = [connect(timed_server, listener) for _ in range(100)]
    try:
        deadline = time.monotonic() + HEADER_TIMEOUT + SLACK
        for sock in sockets:
            data, closed = read_until_closed(sock, deadline - time.monotonic())
            assert (data, closed) == (b"", True)
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_kept_alive_connection_is_closed_quietly_after_the_idle_timeout(timed_server, listener):
    answer = exchange(timed_server, listener, request(b"/clusters/demo/version"), wait=IDLE_TIMEOUT + SLACK)
    assert answer.closed, answer
    assert answer.response().status == 401  # the one answer (anonymous access is off), then nothing more
    assert answer.data.count(b"HTTP/1.1 ") == 1
    assert IDLE_TIMEOUT - 0.5 < answer.seconds < IDLE_TIMEOUT + SLACK


# ------------------------------------------------------------------ 400: malformed requests
@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("head, message", [
    (request(API, b"Content-Length: abc", method=b"POST", body=b"{}"), "bad request: invalid Content-Length header"),
    (request(API, b"Content-Length: -1", method=b"POST", body=b"{}"), "bad request: invalid Content-Length header"),
    (request(API, b"Content-Length: 2", b"Content-Length: 3", method=b"POST", body=b"{}"),
     "bad request: invalid Content-Length header"),
    (request(API, b"Content-Length: 2", b"Transfer-Encoding: chunked", method=b"POST", body=b"{}"),
     "bad request: invalid Transfer-Encoding header"),
    (request(API, b"Transfer-Encoding: gzip", method=b"POST", body=b"{}"),
     "bad request: invalid Transfer-Encoding header"),
    (request(API, b"Transfer-Encoding: chunked", method=b"POST", body=b"zz\r\n{}\r\n"),
     "bad request: malformed chunked request body"),
    (request(API, b"No colon here"), "bad request: malformed HTTP header"),
    (request(API, b"Bad Name: x"), "bad request: malformed HTTP header"),
    (b"GARBAGE\r\n\r\n", "bad request: malformed HTTP request line"),
    (request(API + b"/caf\xc3\xa9"), "bad request: malformed HTTP request line"),
], ids=["content-length-not-a-number", "content-length-negative", "two-content-lengths", "length-and-chunked",
        "unknown-transfer-encoding", "bad-chunk", "header-without-colon", "space-in-header-name",
        "bad-request-line", "non-ascii-path"])
def test_malformed_requests_are_400_statuses_and_closed(timed_server, listener, head, message):
    status = assert_refused(exchange(timed_server, listener, head), 400, "BadRequest")
    assert status["message"] == message


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_malformed_request_for_a_page_is_400_in_plain_text(timed_server, listener):
    answer = exchange(timed_server, listener, request(b"/accounts/login/", b"Content-Length: abc", method=b"POST"))
    assert answer.closed
    response = answer.response()
    assert (response.status, response.content_type) == (400, "text/plain; charset=utf-8"), response
    assert response.body == b"400 Bad Request: bad request: invalid Content-Length header\n"


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_request_daphne_refuses_is_a_status_under_the_api(timed_server, listener):
    """daphne's own 400s (an HTML page before) are Statuses on API paths."""
    response = exchange(timed_server, listener, request(API, b"X-Odd: a\x0bb"), wait=IDLE_TIMEOUT + SLACK).response()
    assert assert_status(response, 400, "BadRequest")["message"] == "Invalid header value"


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("body", [
    b"--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--zz--\r\n",
    b"{}",  # not multipart at all: Twisted's form parser used to answer an empty 400 here
], ids=["multipart-body", "malformed-multipart-body"])
def test_a_multipart_body_reaches_the_api_server_and_is_415(timed_server, timed_api, listener, body):
    head = request(API, b"Authorization: Bearer " + timed_api.token.encode(),
                   b"Content-Type: multipart/form-data; boundary=zz", b"Content-Length: %d" % len(body),
                   b"Connection: close", method=b"POST", body=body)
    status = assert_status(exchange(timed_server, listener, head).response(), 415, "UnsupportedMediaType")
    assert status["message"].startswith("the body of the request was in an unknown format - accepted media "
                                        "types include: application/json, application/yaml")


# ------------------------------------------------------------------ long-lived answers are never cut
@pytest.mark.parametrize("listener", LISTENERS)
def test_a_watch_outlives_the_header_and_idle_timeouts(timed_server, timed_api, listener):
    namespace = unique("watch")
    assert timed_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}}).status == 201
    path = f"{timed_api.prefix}/api/v1/namespaces/{namespace}/configmaps?watch=true&timeoutSeconds=120"
    if listener == "https":
        conn = http.client.HTTPSConnection("127.0.0.1", timed_server.https_port, context=timed_api.context, timeout=30)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", timed_server.http_port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {timed_api.token}"})
        response = conn.getresponse()
        assert response.status == 200
        # Nothing flows for longer than both timeouts, before the first event and between two.
        for name, quiet in (("first", HEADER_TIMEOUT + IDLE_TIMEOUT + 1), ("second", IDLE_TIMEOUT + 1)):
            time.sleep(quiet)
            assert timed_api.request("POST", f"/api/v1/namespaces/{namespace}/configmaps",
                                     {"metadata": {"name": name}}).status == 201
            event = json.loads(response.readline())
            assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", name)
    finally:
        conn.close()


@pytest.mark.parametrize("listener", LISTENERS)
def test_the_pages_websocket_outlives_the_header_and_idle_timeouts(timed_server, timed_api, listener):
    cookies = log_in(timed_server, listener)
    scheme, port = ("wss", timed_server.https_port) if listener == "https" else ("ws", timed_server.http_port)
    origin = f"{'https' if listener == 'https' else 'http'}://127.0.0.1:{port}"
    ws = websocket.create_connection(f"{scheme}://127.0.0.1:{port}/ws/clusters/demo/", origin=origin,
                                     cookie=cookie_header(cookies), timeout=10,
                                     sslopt={"ca_certs": str(timed_server.data_dir / "pki" / "ca.crt")})
    try:
        ws.settimeout(0.5)
        deadline = time.monotonic() + HEADER_TIMEOUT + IDLE_TIMEOUT + SLACK
        while time.monotonic() < deadline:  # drain whatever the stream says at first, and wait
            try:
                ws.recv()
            except websocket.WebSocketTimeoutException:
                pass
        assert ws.connected
        # Still streaming: a request now travels across the page as a frame.
        name = unique("ws")
        assert timed_api.request("POST", "/api/v1/namespaces/default/configmaps",
                                 {"metadata": {"name": name}}).status == 201
        ws.settimeout(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if name in ws.recv():
                break
        else:
            pytest.fail("the websocket carried no frame about the request")
    finally:
        ws.close()


# ------------------------------------------------------------------ the page's log-in, for the tests below
TEACHER = ("http-teacher", "projector-2026-http")


def create_teacher(server: LiveServer) -> None:
    env = {**server.env, "DJANGO_SUPERUSER_PASSWORD": TEACHER[1]}
    result = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", TEACHER[0],
                             "--email", "teacher@example.com"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 or "already taken" in result.stderr, result.stderr


def page_connection(server: LiveServer, listener: str) -> http.client.HTTPConnection:
    if listener == "https":
        context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
        return http.client.HTTPSConnection("127.0.0.1", server.https_port, context=context, timeout=30)
    return http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)


def set_cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """Each ``Set-Cookie`` of ``response``: name → the whole header value."""
    return {value.split("=", 1)[0]: value for name, value in response.getheaders() if name.lower() == "set-cookie"}


def cookie_header(cookies: dict[str, str]) -> str:
    """A ``Cookie`` header sending back ``cookies`` (as :func:`set_cookies` returns them)."""
    return "; ".join(value.split(";", 1)[0] for value in cookies.values())


def log_in(server: LiveServer, listener: str) -> dict[str, str]:
    """Log the teacher in through the login form; the ``Set-Cookie`` values of the session."""
    origin = server.https_url if listener == "https" else server.http_url
    create_teacher(server)
    conn = page_connection(server, listener)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode()
        assert response.status == 200
        cookies = set_cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = urllib.parse.urlencode({"username": TEACHER[0], "password": TEACHER[1],
                                       "csrfmiddlewaretoken": token, "next": "/"})
        conn.request("POST", "/accounts/login/", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies),
            "Referer": f"{origin}/accounts/login/", "Origin": origin})
        response = conn.getresponse()
        response.read()
        assert response.status == 302, response.status
        return {**cookies, **set_cookies(response)}
    finally:
        conn.close()


# ------------------------------------------------------------------ CLUSTERVIZ_HTTPS_ONLY
DEPLOY_WARNINGS = ["security.W004", "security.W008", "security.W012", "security.W016"]


@pytest.mark.parametrize("https_only", [False, True], ids=["default", "https-only"])
def test_check_deploy(tmp_path, https_only):
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0"}
    if https_only:
        env["CLUSTERVIZ_HTTPS_ONLY"] = "1"
    result = LiveServer(tmp_path, extra_env=env).manage("check", "--deploy", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for warning in DEPLOY_WARNINGS:
        assert (warning in output) is not https_only, output


@pytest.fixture(scope="module")
def https_only_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("e2e-https-only"),
                        extra_env={"CLUSTERVIZ_HTTPS_ONLY": "1", **API_ONLY}).start()
    yield server
    server.stop()


def get(server: LiveServer, listener: str, path: str, method: str = "GET", headers: dict | None = None,
        body: bytes | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    conn = page_connection(server, listener)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_https_only_serves_the_page_over_https_with_hsts(https_only_server):
    response, body = get(https_only_server, "https", "/")
    assert response.status == 200 and b"demo" in body
    assert response.getheader("Strict-Transport-Security") == "max-age=3600"
    # daphne's TLS endpoint decides the scheme: a header claiming otherwise changes nothing (no loop)
    response, _ = get(https_only_server, "https", "/", headers={"X-Forwarded-Proto": "http"})
    assert response.status == 200


def test_https_only_cookies_are_secure(https_only_server):
    cookies = log_in(https_only_server, "https")  # the CSRF check passes over HTTPS (Origin, Referer)
    assert "; Secure" in cookies["csrftoken"], cookies
    assert "; Secure" in cookies["sessionid"] and "; HttpOnly" in cookies["sessionid"], cookies
    # and the logged-in page is served, with its websocket on wss:
    response, body = get(https_only_server, "https", "/clusters/demo/", headers={"Cookie": cookie_header(cookies)})
    assert response.status == 200 and b"/ws/clusters/demo/" in body
    ws = websocket.create_connection(f"wss://127.0.0.1:{https_only_server.https_port}/ws/clusters/demo/",
                                     origin=https_only_server.https_url, cookie=cookie_header(cookies), timeout=10,
                                     sslopt={"ca_certs": str(https_only_server.data_dir / "pki" / "ca.crt")})
    try:
        assert ws.connected and ws.recv()
    finally:
        ws.close()


@pytest.mark.parametrize("method, path, code", [
    ("GET", "/", 301),
    ("GET", "/clusters/demo/?panel=events", 301),
    ("HEAD", "/static/css/site.css", 301),
    ("POST", "/accounts/login/", 308),
    ("GET", "/clusters/demo/api/v1/namespaces", 301),
    ("POST", "/clusters/demo/sim/pause", 308),
])
def test_https_only_redirects_plain_http(https_only_server, method, path, code):
    body = b"{}" if method == "POST" else None
    response, data = get(https_only_server, "http", path, method=method, body=body)
    assert (response.status, data) == (code, b"")
    assert response.getheader("Location") == f"https://127.0.0.1:{https_only_server.https_port}{path}"
    # a header claiming TLS does not make plain HTTP served
    response, _ = get(https_only_server, "http", path, method=method, body=body,
                      headers={"X-Forwarded-Proto": "https"})
    assert response.status == code


def test_https_only_redirects_a_websocket_on_plain_http(https_only_server):
    head = request(b"/ws/clusters/demo/", b"Upgrade: websocket", b"Connection: Upgrade",
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", b"Sec-WebSocket-Version: 13")
    response = exchange(https_only_server, "http", head, wait=2).response()
    assert response.status == 301
    assert response.headers["location"] == f"https://127.0.0.1:{https_only_server.https_port}/ws/clusters/demo/"


def test_https_only_manage_sim_talks_https(https_only_server):
    result = https_only_server.manage("sim", "state", check=False)
    # API only: no kernel to report on, but the control API answered over HTTPS with the token
    assert result.returncode == 1
    assert "no simulation running" in result.stderr, result.stderr
