"""The kubelet's exec endpoint (upstream's ``/exec/{namespace}/{pod}/{container}``, served
through the runtime's streaming server): find the running container, then run the command in
it with :mod:`.shell`.

The container sees what upstream gives it: its pod's IP (the sandbox's), the env the kubelet
builds from the Services it watches (``KUBERNETES_SERVICE_HOST``…, :mod:`.envvars`), the
kubelet-managed ``/etc/resolv.conf`` and ``/etc/hosts``; the network it talks to is the
caller's (the cluster's pod network and each node's kube-proxy rules).
"""
from __future__ import annotations

import uuid

from . import runtime as rt
from .programs import response_for, serves
from .shell import ExecContext, ExecResult, Network, execute


class Streaming:
    """Mixed into :class:`~.kubelet.Kubelet`."""

    def running_container(self, pod: dict, container_name: str) -> tuple[rt.Container, str]:
        """The running instance of the pod's container and the pod's IP; ``LookupError`` with
        the kubelet's words (``container not found ("NAME")``) when it does not run here."""
        uid = pod["metadata"].get("uid", "")
        instance = self.runtime.latest(uid, container_name)
        sandbox = self.runtime.sandbox(instance.sandbox_id) if instance is not None else None
        if instance is None or instance.state != rt.RUNNING or sandbox is None:
            raise LookupError(f'container not found ("{container_name}")')
        return instance, sandbox.ip

    def exec_in_container(self, pod: dict, container_name: str, argv: list[str], network: Network, *,
                          tty: bool = False) -> ExecResult:
        instance, pod_ip = self.running_container(pod, container_name)
        spec = pod.get("spec") or {}
        container = next((c for c in spec.get("containers") or [] if c.get("name") == container_name),
                         {"name": container_name, "image": instance.image})
        services = self.services_informer.lister.list() if self.services_informer is not None else []
        ctx = ExecContext(pod=pod, container=container, pod_ip=pod_ip, pod_cidr=self.spec.pod_cidr,
                          services=services, network=network, tty=tty)
        return execute(argv, ctx, self._runtime_error)

    def stdin_closed(self, pod: dict, container_name: str, exit_code: int) -> None:
        """An attach ended: a container started with ``stdin`` and ``stdinOnce`` has its stdin
        closed by the runtime, and its shell exits with ``exit_code`` (``kubectl run -i`` then
        sees the pod complete). Without ``stdinOnce`` the process keeps reading, for the next attach."""
        spec = next((c for c in (pod.get("spec") or {}).get("containers") or [] if c.get("name") == container_name), {})
        if not (spec.get("stdin") and spec.get("stdinOnce")):
            return
        instance, _ = self.running_container(pod, container_name)
        stopped = self.runtime.stop_container(instance.id, exit_code=exit_code)
        if stopped is not None:
            self.runtime.on_change(stopped)

    def port_forward(self, pod: dict, port: int, request: bytes) -> bytes:
        """The kubelet's port forwarding (``/portForward/{namespace}/{pod}``, through the runtime's
        streaming server): a connection to ``localhost:port`` in the pod's network namespace,
        ``request`` sent on it, and what the container listening there answers — an HTTP
        response from its image's server. ``LookupError`` with the kubelet's and containerd's
        words when nothing listens there (a shell image listens nowhere)."""
        uid = pod["metadata"].get("uid", "")
        sandboxes = [s for s in self.runtime.sandboxes_of(uid) if s.state == rt.SANDBOX_READY]
        if not sandboxes:
            raise LookupError(f'pod not found ("{pod["metadata"]["name"]}_{pod["metadata"].get("namespace", "")}")')
        sandbox = sandboxes[-1]
        images = [c.image for c in self.runtime.containers_of(uid, sandbox.id) if c.state == rt.RUNNING]
        image = next((i for i in images if serves(i, port)), None)
        if image is None:
            netns = f"/var/run/netns/cni-{uuid.UUID(sandbox.id[:32].ljust(32, '0'))}"
            raise LookupError(
                f"error forwarding port {port} to pod {sandbox.id}, uid : failed to execute portforward in network "
                f'namespace "{netns}": failed to connect to localhost:{port} inside namespace "{sandbox.id}", IPv4: '
                f"dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: "
                f"connection refused ")
        line = request.split(b"\r\n", 1)[0].decode("latin-1").split()
        path = line[1] if len(line) > 1 and line[1].startswith("/") else "/"
        body = response_for(image, pod["metadata"]["name"], path).encode()
        return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + str(len(body)).encode() +
                b"\r\n\r\n" + body)

    def _runtime_error(self, command: str) -> str:
        """containerd's words for a command it cannot start (the exec's ID is random)."""
        exec_id = f"{self.kernel.rng.getrandbits(256):064x}"
        return (f"Internal error occurred: error executing command in container: failed to exec in container: "
                f'failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: unable to start container '
                f'process: exec: "{command}": executable file not found in $PATH: unknown')
