"""``kubectl exec`` and ``kubectl attach`` over WebSocket: the ASGI side of ``pods/NAME/exec`` and
``pods/NAME/attach`` (upstream's
``StreamTranslatorHandler`` and k8s.io/apimachinery ``wsstream``), in front of the cluster page's
own websocket.

The upgrade request crosses the API server's chain like any request (authentication,
authorization of ``get`` on ``pods/exec``, the pod, container and node checks, one audit record:
101 when upgraded), then the socket speaks the channel protocol the client chose, preferring
``v5.channel.k8s.io`` over ``v4.channel.k8s.io``: each binary message is one channel byte and
its data — 0 stdin, 1 stdout, 2 stderr, 3 the error channel (a ``Status``: Success, or Failure
with reason ``NonZeroExitCode`` and the exit code as an ``ExitCode`` cause), 4 terminal resizes,
and in v5 255 (a client closing its stdin: ``[255, 0]``). A refused upgrade is closed before
the handshake completes (daphne answers 403); kubectl then falls back to SPDY, whose ``POST``
gets the chain's ``Status`` (Forbidden, NotFound, BadRequest…) from the HTTP side.

Once upgraded, what the kubelet says goes on the error channel as upstream's translator writes
it: ``Internal error occurred: unable to upgrade connection: container not found ("app")`` when
the container does not run. ``sh`` with stdin (``kubectl exec -it POD -- sh``) is a line-by-line
shell: with a TTY it echoes what is typed and prompts ``/ # ``; without one it runs each line it
reads until stdin closes.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from channels.db import database_sync_to_async

from clusterviz.clusters import pageagent
from simulation.apiserver import podexec
from simulation.apiserver.podportforward import TUNNEL_PROTOCOL
from simulation.apiserver.request import APIRequest
from simulation.kubelet.shell import PROMPT, SHELLS

from .asgi import API_PATH, _headers, _serve
from .portforward import PortForwardTunnel

logger = logging.getLogger(__name__)

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def choose_protocol(offered: list[str]) -> str | None:
    """The first protocol the client offered that this server speaks (wsstream's ``handshake``)."""
    return next((p for p in offered if p in podexec.PROTOCOLS), None)


class ExecWebSocket:
    """Routes ``/clusters/NAME/api/v1/namespaces/NS/pods/POD/exec`` websockets here; every other
    websocket to ``fallback`` (the cluster page's stream)."""

    def __init__(self, fallback: Callable[[dict, Receive, Send], Awaitable[None]]) -> None:
        self.fallback = fallback
        self.serve = database_sync_to_async(_serve)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        match = API_PATH.match(scope.get("path", ""))
        if match is None:
            await self.fallback(scope, receive, send)
            return
        if (await receive())["type"] != "websocket.connect":
            return
        items = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        headers = pageagent.tagged(_headers(scope))
        headers.setdefault("upgrade", "websocket")
        request = APIRequest(method="GET", path=match["path"], query=dict(items), query_items=items, headers=headers)
        protocol = choose_protocol(list(scope.get("subprotocols") or []))
        try:
            response, _ = await self.serve(match["cluster"], request)
        except Exception:  # a bug refuses the upgrade rather than hanging the client
            logger.exception("internal error serving %s", scope.get("path"))
            await send({"type": "websocket.close"})
            return
        if response.portforward is not None and TUNNEL_PROTOCOL in (scope.get("subprotocols") or []):
            await send({"type": "websocket.accept", "subprotocol": TUNNEL_PROTOCOL})
            await PortForwardTunnel(response.portforward, receive, send).run()
            return
        if response.exec is None or protocol is None:
            await send({"type": "websocket.close"})
            return
        await send({"type": "websocket.accept", "subprotocol": protocol})
        await ExecStream(response.exec, protocol, receive, send).run()


class ExecStream:
    """One upgraded exec session."""

    def __init__(self, session: podexec.ExecSession, protocol: str, receive: Receive, send: Send) -> None:
        self.session = session
        self.options = session.options
        self.protocol = protocol
        self.receive = receive
        self.send = send
        self.run_in_kubelet = database_sync_to_async(session.run)
        self.close_stdin = database_sync_to_async(session.close_stdin)
        self.closed = False

    async def write(self, channel: int, data: str) -> None:
        if data and not self.closed:
            await self.send({"type": "websocket.send", "bytes": bytes([channel]) + data.encode()})

    async def output(self, result: dict[str, Any]) -> None:
        tty = self.options.tty
        out = result.get("stdout", "")
        err = result.get("stderr", "")
        if tty:  # one terminal: stderr interleaves with stdout, newlines become CR LF
            text = (out + err).replace("\r\n", "\n").replace("\n", "\r\n")
            if self.options.stdout:
                await self.write(STDOUT, text)
            return
        if self.options.stdout:
            await self.write(STDOUT, out)
        if self.options.stderr:
            await self.write(STDERR, err)

    async def exit_shell(self, code: int) -> None:
        """The shell read ``exit`` or the end of its stdin: an attached container's own shell
        exits with the session (a ``stdinOnce`` one), then the stream ends with its code."""
        if self.session.attach and not self.closed:
            try:
                await self.close_stdin(code)
            except LookupError:
                pass  # the container is gone already: nothing left to close
        await self.finish(podexec.SUCCESS if code == 0 else podexec.exit_status(code))

    async def finish(self, status: dict) -> None:
        if not self.closed:
            await self.write(ERROR, podexec.status_json(status).decode())
            await self.send({"type": "websocket.close", "code": 1000})
            self.closed = True

    async def execute(self, command: list[str]) -> dict | None:
        """The kubelet's answer, or None after reporting its error (the stream is then finished)."""
        try:
            return await self.run_in_kubelet(command)
        except LookupError as exc:  # the kubelet is unreachable, or refused with its words
            await self.finish(self.session.failure(str(exc).strip("'")))
        except Exception as exc:  # noqa: BLE001 - a broken kubelet connection ends the session as upstream's does
            logger.exception("exec failed")
            await self.finish(podexec.internal_status(f"error while streaming: {exc}"))
        return None

    def status_of(self, result: dict) -> dict:
        if result.get("error"):
            return podexec.internal_status(result["error"])
        code = int(result.get("exit_code", 0))
        return podexec.SUCCESS if code == 0 else podexec.exit_status(code)

    async def run(self) -> None:
        command = self.options.command
        if await self.execute(None) is None:
            return
        name = command[0].rsplit("/", 1)[-1]
        if self.options.stdin and name in SHELLS and "-c" not in command[1:2]:
            await self.interactive()
            return
        if self.session.attach:  # joined to a process that reads no commands: until the client leaves
            await self.until_detached()
            return
        result = await self.execute(command)
        if result is None:
            return
        await self.output(result)
        await self.finish(self.status_of(result))

    # ------------------------------------------------------------------ a shell reading stdin
    async def interactive(self) -> None:
        tty = self.options.tty
        line = ""
        code = 0
        if tty:
            await self.write(STDOUT, PROMPT)
        while not self.closed:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return
            data = message.get("bytes") or (message.get("text") or "").encode()
            if not data:
                continue
            channel, payload = data[0], data[1:]
            if channel == CLOSE and payload[:1] == bytes([STDIN]):
                if line.strip():
                    code = await self.run_line(line)
                await self.exit_shell(code)
                return
            if channel != STDIN:
                continue  # resizes change nothing in a line-by-line shell
            for char in payload.decode(errors="replace"):
                if tty and char in "\x03":
                    line = ""
                    await self.write(STDOUT, "^C\r\n" + PROMPT)
                elif tty and char == "\x04" and not line:
                    await self.write(STDOUT, "\r\n")
                    await self.exit_shell(code)
                    return
                elif tty and char in "\x7f\x08":
                    if line:
                        line = line[:-1]
                        await self.write(STDOUT, "\b \b")
                elif char in "\r\n":
                    if tty:
                        await self.write(STDOUT, "\r\n")
                    words = line.split()
                    if words[:1] == ["exit"]:
                        code = int(words[1]) if len(words) > 1 and words[1].isdigit() else code
                        await self.exit_shell(code)
                        return
                    if line.strip():
                        code = await self.run_line(line)
                    line = ""
                    if tty and not self.closed:
                        await self.write(STDOUT, PROMPT)
                else:
                    line += char
                    if tty:
                        await self.write(STDOUT, char)

    async def until_detached(self) -> None:
        """An attach to a process that is no shell: its output is its log (``kubectl logs -f``);
        the stream stays open, as upstream's does, until the client closes its end."""
        while not self.closed:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return
            data = message.get("bytes") or b""
            if data[:1] == bytes([CLOSE]) and data[1:2] == bytes([STDIN]):
                await self.finish(podexec.SUCCESS)
                return

    async def run_line(self, line: str) -> int:
        result = await self.execute(["sh", "-c", line])
        if result is None:
            return 1
        await self.output(result)
        return int(result.get("exit_code", 0))
