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

#: ``kubelet_exec(node, pod, container, command, tty[, stdin_closed]) -> result``.
KubeletExec = Callable[..., dict]
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
    def from_query(cls, items: list[tuple[str, str]], *, attach: bool = False) -> ExecOptions:
        """The options of an exec, or (``attach``) of an attach, which names no command."""
        values: dict[str, str] = {}
        command = []
        for key, value in items:
            if key == "command":
                command.append(value)
            else:
                values.setdefault(key, value)
        options = cls(command, values.get("container", ""), _flag(values.get("stdin")), _flag(values.get("stdout")),
                      _flag(values.get("stderr")), _flag(values.get("tty")))
        if not command and not attach:
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
    """One upgraded exec, or attach: the container it runs in, and how to reach its kubelet.
    An attach's ``options.command`` is the container's own process (what it reads stdin with)."""

    def __init__(self, server: APIServer, node: str, pod: dict, container: str, options: ExecOptions,
                 *, attach: bool = False) -> None:
        self.server = server
        self.node = node
        self.pod = pod
        self.container = container
        self.options = options
        self.attach = attach

    def kubelet_url(self) -> str:
        """Where upstream's API server would dial the kubelet (``pod.ExecLocation``)."""
        params = [("command", c) for c in self.options.command] + [("error", "1")] * self.options.stderr + \
            [("input", "1")] * self.options.stdin + [("output", "1")] * self.options.stdout + \
            [("tty", "1")] * self.options.tty
        if self.attach:
            params = [p for p in params if p[0] != "command"]
        meta = self.pod["metadata"]
        host = (self.pod.get("status") or {}).get("hostIP") or self.node
        verb = "attach" if self.attach else "exec"
        return f"https://{host}:10250/{verb}/{meta.get('namespace', '')}/{meta['name']}/{self.container}?" + \
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

    def close_stdin(self, exit_code: int) -> None:
        """An attach ends: the container's stdin closes, and a ``stdinOnce`` shell exits."""
        kubelet_exec = self.server.kubelet_exec
        if kubelet_exec is not None:
            kubelet_exec(self.node, self.pod, self.container, None, self.options.tty, exit_code)


def serve_exec(call: Call, server: APIServer, pod: dict) -> APIResponse:
    options = ExecOptions.from_query(call.req.query_items or list(call.req.query.items()))
    return _upgrade(call, server, pod, options)


def serve_attach(call: Call, server: APIServer, pod: dict) -> APIResponse:
    """``pods/NAME/attach`` (``kubectl attach``, ``kubectl run -i``): the same streams, joined to
    the container's own process rather than a new one — a shell there reads what is typed."""
    options = ExecOptions.from_query(call.req.query_items or list(call.req.query.items()), attach=True)
    return _upgrade(call, server, pod, options, attach=True)


def _upgrade(call: Call, server: APIServer, pod: dict, options: ExecOptions, *, attach: bool = False) -> APIResponse:
    container = choose_container(pod, options.container)
    name = pod["metadata"]["name"]
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    if attach:
        spec = next(c for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
                    if c["name"] == container)
        options.command = process_argv(spec)
    upgrade = call.req.header("upgrade").lower()
    if upgrade == "websocket":
        return APIResponse(101, None, exec=ExecSession(server, node, pod, container, options, attach=attach))
    if upgrade.startswith("spdy/"):
        raise errors.bad_request(SPDY_REFUSED)
    raise errors.bad_request("Upgrade request required")


#: Images whose default process is a shell (their ``CMD``): ``kubectl run -it --image=busybox``
#: without a command attaches to it.
SHELL_IMAGES = frozenset({"busybox", "alpine", "ubuntu", "debian", "fedora", "centos"})


def process_argv(container: dict) -> list[str]:
    """The argv the container runs: its command and args, else its image's default."""
    argv = [str(a) for a in (container.get("command") or [])] + [str(a) for a in (container.get("args") or [])]
    if argv:
        return argv
    image = str(container.get("image", "")).rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return ["sh"] if image in SHELL_IMAGES else [image]
