"""``pods/NAME/exec``: the API server's side of ``kubectl exec`` (upstream's ``ExecREST`` and
``pod.ExecLocation``, then the WebSocket ``StreamTranslatorHandler``).

The chain has already authenticated and authorized the request (``get`` for a WebSocket
``GET``, ``create`` for the ``POST`` SPDY uses, both on ``pods/exec``). Here: the options
(``command`` repeated, ``container``, ``stdin``, ``stdout``, ``stderr``, ``tty``), the pod, its
container and node, with upstream's messages. A WebSocket upgrade is answered with an
:class:`ExecSession` the transport drives (101 in the audit record); the session reaches the
node's kubelet through the ``kubelet_exec(node, pod, container, command, tty)`` connection the
cluster hands the server (``command`` None only asks whether the container runs), which
answers ``{"stdout", "stderr", "exit_code", "error", "trace"}`` or raises ``LookupError`` with
the kubelet's words.

This server speaks the WebSocket protocols (``v5.channel.k8s.io``, ``v4.channel.k8s.io``) only;
an SPDY/3.1 upgrade (kubectl 1.29 by default, and every kubectl's fallback) is refused
with a ``Status`` saying so (see docs/exec.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode
from typing import TYPE_CHECKING, Any, Callable

from . import errors
from .podlogs import choose_container
from .request import APIResponse

if TYPE_CHECKING:
    from .server import APIServer, Call

#: ``kubelet_exec(node, pod, container, command, tty) -> result``.
KubeletExec = Callable[[str, dict, str, "list[str] | None", bool], dict]
#: The subprotocols served, preferred first (k8s.io/apimachinery/pkg/util/remotecommand).
STREAM_PROTOCOL_V5 = "v5.channel.k8s.io"
STREAM_PROTOCOL_V4 = "v4.channel.k8s.io"
PROTOCOLS = (STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4)
#: remotecommand's ``NonZeroExitCodeReason`` and ``ExitCodeCauseType``.
NON_ZERO_EXIT_CODE = "NonZeroExitCode"
EXIT_CODE_CAUSE = "ExitCode"
SPDY_REFUSED = ("unable to upgrade connection: this server streams exec over WebSocket only (v5.channel.k8s.io, "
                "v4.channel.k8s.io), not SPDY/3.1: use kubectl 1.30 or later, or set "
                "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true for kubectl 1.29")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


@dataclass
class ExecOptions:
    """upstream's ``PodExecOptions``."""

    command: list[str]
    container: str
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool

    @classmethod
    def from_query(cls, items: list[tuple[str, str]]) -> ExecOptions:
        values: dict[str, str] = {}
        command = []
        for key, value in items:
            if key == "command":
                command.append(value)
            else:
                values.setdefault(key, value)
        options = cls(command, values.get("container", ""), _flag(values.get("stdin")), _flag(values.get("stdout")),
                      _flag(values.get("stderr")), _flag(values.get("tty")))
        if not command:
            raise errors.bad_request("you must specify at least one command for the container")
        if not (options.stdin or options.stdout or options.stderr):
            raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
        return options


def status_json(status: dict) -> bytes:
    """A Status as the error channel carries it (``json.Marshal`` of a ``metav1.Status``)."""
    return json.dumps(status, separators=(",", ":")).encode()


SUCCESS = {"metadata": {}, "status": "Success"}


def exit_status(code: int) -> dict:
    """The stream translator's ``codeExitToStatusError``."""
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: command terminated with exit code {code}",
            "reason": NON_ZERO_EXIT_CODE, "details": {"causes": [{"reason": EXIT_CODE_CAUSE, "message": str(code)}]}}


def internal_status(message: str) -> dict:
    """``apierrors.NewInternalError(err)`` as the error channel carries it."""
    return {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {message}",
            "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


class ExecSession:
    """One upgraded exec: the container it runs in, and how to reach its kubelet."""

    def __init__(self, server: APIServer, node: str, pod: dict, container: str, options: ExecOptions) -> None:
        self.server = server
        self.node = node
        self.pod = pod
        self.container = container
        self.options = options

    def kubelet_url(self) -> str:
        """Where upstream's API server would dial the kubelet (``pod.ExecLocation``)."""
        params = [("command", c) for c in self.options.command] + [("error", "1")] * self.options.stderr + \
            [("input", "1")] * self.options.stdin + [("output", "1")] * self.options.stdout + \
            [("tty", "1")] * self.options.tty
        meta = self.pod["metadata"]
        host = (self.pod.get("status") or {}).get("hostIP") or self.node
        return f"https://{host}:10250/exec/{meta.get('namespace', '')}/{meta['name']}/{self.container}?" + \
            urlencode(params)

    def failure(self, kubelet_words: str) -> dict:
        """The error channel's Status when the kubelet could not be reached or refused the
        stream (upstream's translator wraps what its SPDY client met in an InternalError)."""
        if kubelet_words.startswith("dial tcp"):
            return internal_status(f'error sending request: Post "{self.kubelet_url()}": {kubelet_words}')
        return internal_status(f"unable to upgrade connection: {kubelet_words}")

    def run(self, command: list[str] | None) -> dict[str, Any]:
        """Run ``command`` (None: only check the container runs); ``LookupError`` with the kubelet's words."""
        kubelet_exec = self.server.kubelet_exec
        if kubelet_exec is None:
            raise LookupError(f"dial tcp {self.node}:10250: connect: connection refused")
        return kubelet_exec(self.node, self.pod, self.container, command, self.options.tty)


def serve_exec(call: Call, server: APIServer, pod: dict) -> APIResponse:
    options = ExecOptions.from_query(call.req.query_items or list(call.req.query.items()))
    container = choose_container(pod, options.container)
    name = pod["metadata"]["name"]
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    upgrade = call.req.header("upgrade").lower()
    if upgrade == "websocket":
        return APIResponse(101, None, exec=ExecSession(server, node, pod, container, options))
    if upgrade.startswith("spdy/"):
        raise errors.bad_request(SPDY_REFUSED)
    raise errors.bad_request("Upgrade request required")
