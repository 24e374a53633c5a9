"""A scenario run against a hosted cluster from a terminal (``manage.py scenario run
--cluster NAME``): Kubernetes API requests and control operations over HTTP to the running
server, exactly what kubectl and ``manage.py sim`` send. Waits poll the cluster while its clock
runs live; their timeouts are in the cluster's virtual seconds, with a wall-clock cap so a
paused or stalled cluster cannot hang the terminal.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from simulation.cluster import SimulationError

from .connection import Connection

USER_AGENT = "clusterviz-scenario/v1.33.0"
POLL_SECONDS = 0.2
#: Extra wall seconds a wait may take beyond its virtual timeout at the cluster's speed.
WALL_SLACK_SECONDS = 15.0
REQUEST_TIMEOUT_SECONDS = 30


class _HTTPWatch:
    """A watch read on a thread, line by line, like ``kubectl get --watch``."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self._events: list[dict] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True, name="scenario-watch")
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self._response:
                if line.strip():
                    with self._lock:
                        self._events.append(json.loads(line))
        except (OSError, ValueError):
            pass

    def poll(self) -> list[dict]:
        with self._lock:
            events, self._events = self._events, []
        return events

    def close(self) -> None:
        try:
            self._response.close()
        except OSError:
            pass


class HTTPBackend:
    builds_nodes = False

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.description = f"cluster {conn.cluster}"

    def _open(self, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
              headers: dict | None = None, timeout: float | None = REQUEST_TIMEOUT_SECONDS) -> Any:
        url = self.conn.url(path) + (f"?{urlencode(query)}" if query else "")
        request = urllib.request.Request(url, method=method, data=body, headers={
            "User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})})
        try:
            return urllib.request.urlopen(request, timeout=timeout, context=self.conn.context)
        except urllib.error.HTTPError as exc:
            return exc
        except urllib.error.URLError as exc:
            raise self.conn.unreachable(exc.reason) from None

    def send(self, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
             content_type: str = "application/json", headers: dict | None = None,
             token: str | None = None) -> tuple[int, Any]:
        sent = dict(headers or {})
        sent["Authorization"] = f"Bearer {token if token is not None else self.conn.token}"
        if body is not None:
            sent["Content-Type"] = content_type
        with self._open(method, path, query=query, body=body, headers=sent) as response:
            data = response.read()
            code = response.status if hasattr(response, "status") else response.code
        try:
            return code, json.loads(data) if data else None
        except ValueError:
            return code, {"message": data.decode(errors="replace")[:300]}

    def watch(self, path: str, query: dict) -> _HTTPWatch:
        response = self._open("GET", path, query=query, timeout=None,
                              headers={"Authorization": f"Bearer {self.conn.token}"})
        if getattr(response, "code", 200) >= 400:
            raise SimulationError(f"cannot watch {path}: HTTP {response.code}")
        return _HTTPWatch(response)

    # ----------------------------------------------------------------- control
    def _sim(self, method: str, path: str, body: dict | None = None) -> Any:
        code, answer = self.send(method, "/sim/" + path, body=json.dumps(body or {}).encode()
                                 if method == "POST" else None)
        if code == 404 and path.startswith("decisions/"):
            return None
        if code >= 400:
            raise SimulationError((answer or {}).get("message", f"HTTP {code}"))
        return answer

    def control(self, op: dict) -> Any:
        kind = op["op"]
        if kind == "state":
            return self._sim("GET", "")
        if kind == "components":
            return self._sim("GET", "components")
        if kind in ("stop", "start"):
            return self._sim("POST", f"components/{quote(op['name'], safe='/')}/{kind}")
        if kind == "add_scheduler":
            return self._sim("POST", "schedulers", {"name": op["name"]})
        if kind == "replicas":
            return self._sim("POST", "replicas", {"component": op["component"], "count": op["count"]})
        if kind == "fault":
            return self._sim("POST", "faults", op["fault"])
        if kind == "speed":
            return self._sim("POST", "speed", {"speed": op["speed"]})
        if kind in ("pause", "play"):
            return self._sim("POST", kind)
        if kind == "step":
            return self._sim("POST", "step", {"count": op["count"]})
        if kind == "decision":
            return self._sim("GET", f"decisions/{quote(op['namespace'])}/{quote(op['pod'])}")
        if kind in ("containers", "iptables", "network"):
            return self._sim("GET", f"nodes/{quote(op['node'])}/{kind}")
        if kind == "trace":
            return self._sim("GET", "trace?" + urlencode({"from": op["from"], "to": op["to"]}))
        if kind == "exec":
            return self._sim("POST", f"pods/{quote(op['namespace'])}/{quote(op['pod'])}/exec",
                             {"container": op.get("container", ""), "command": op["command"]})
        if kind == "ingress":
            return self._sim("GET", "ingress?" + urlencode({"url": op.get("url") or ""}))
        if kind == "ingress_install":
            return self._sim("POST", "ingress/install")
        raise SimulationError(f"unknown operation {kind!r}")

    # ----------------------------------------------------------------- time
    def now_seconds(self) -> float:
        return float(self.control({"op": "state"})["clock"]["now_seconds"])

    def wait(self, predicate: Callable[[], bool], timeout_seconds: float) -> bool:
        clock = self.control({"op": "state"})["clock"]
        if clock["mode"] == "paused":
            return predicate()
        deadline = float(clock["now_seconds"]) + timeout_seconds
        wall_deadline = time.monotonic() + timeout_seconds / max(float(clock["speed"]), 0.1) + WALL_SLACK_SECONDS
        while True:
            if predicate():
                return True
            if self.now_seconds() >= deadline or time.monotonic() >= wall_deadline:
                return predicate()
            time.sleep(POLL_SECONDS)

    def close(self) -> None:
        pass
