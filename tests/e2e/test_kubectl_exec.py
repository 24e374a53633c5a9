"""``kubectl exec`` with the real kubectl (1.33; 1.31 and 1.29 bundled) and the Python client
against a live demo cluster: WebSocket streaming (v5.channel.k8s.io) into the simulated shell,
DNS answered by CoreDNS pods through the kube-dns Service, ``curl`` through a Service's rules
to each backend with the rules' probability, exit codes, interactive shells, RBAC on
``pods/exec`` and upstream's errors."""
from __future__ import annotations

import functools
import os
import pty
import re
import select
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
import yaml

from simulation.scenarios import LIBRARY
from tests.e2e.conftest import get_json, kubectl_popen, ok, sim_api, tmpfile, wait_for
from tests.e2e.test_kubectl_parity import VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

CLUSTER_DNS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 2
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      containers: [{name: coredns, image: "registry.k8s.io/coredns/coredns:v1.12.0"}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: 10.96.0.10
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 3
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec:
      containers: [{name: kubia, image: luksa/kubia}]
---
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  selector: {app: kubia}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("exec")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def kc(kubectl, server):
    return functools.partial(kubectl, kubeconfig=server.kubeconfig("demo"))


@pytest.fixture(scope="module")
def kubia(kc, tmp_path_factory) -> list[str]:
    """CoreDNS (2 pods behind kube-system/kube-dns) and kubia (3 pods behind Service kubia),
    all Running and in their Services' slices; the kubia pods' names."""
    ok(kc("apply", "-f", str(tmpfile(tmp_path_factory.mktemp("exec-objects"), "dns.yaml", CLUSTER_DNS))))

    def ready() -> list[str] | None:
        slices = get_json(kc, "endpointslices", "-A")["items"]
        count = Counter(s["metadata"]["labels"].get("kubernetes.io/service-name") for s in slices
                        for e in s.get("endpoints") or [] if e["conditions"].get("ready"))
        if count["kubia"] != 3 or count["kube-dns"] != 2:
            return None
        return sorted(p["metadata"]["name"] for p in get_json(kc, "pods", "-l", "app=kubia")["items"])
    names = wait_for(ready, timeout=120)
    time.sleep(3)  # every node's kube-proxy rewrites its rules a moment after the slices change
    return names


@pytest.fixture(scope="module", params=["1.29", "1.31"], ids=["kubectl-1.29", "kubectl-1.31"])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "exec-")


def service_ip(kc, name: str) -> str:
    return get_json(kc, "service", name)["spec"]["clusterIP"]


def test_hostname_and_resolv_conf(kc, kubia):
    pod = kubia[0]
    assert ok(kc("exec", pod, "--", "hostname")) == f"{pod}\n"
    assert ok(kc("exec", pod, "--", "cat", "/etc/resolv.conf")) == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")


def test_nslookup_of_a_service_is_answered_by_coredns(kc, kubia):
    assert ok(kc("exec", kubia[0], "--", "nslookup", "kubia")) == (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n"
        f"Name:\tkubia.default.svc.cluster.local\nAddress: {service_ip(kc, 'kubia')}\n\n")
    rc, out, err = kc("exec", kubia[0], "--", "nslookup", "nope")
    assert (rc, out.splitlines()[3], err) == (1, "** server can't find nope: NXDOMAIN",
                                             "command terminated with exit code 1\n")


def test_curl_spreads_over_the_backends_with_the_rules_probability(kc, kubia):
    """300 connections from one pod: each backend's share is within a few percent of 1/3."""
    script = "; ".join(["curl -s http://kubia"] * 300)
    answers = Counter(ok(kc("exec", kubia[0], "--", "sh", "-c", script, timeout=180)).splitlines())
    assert set(answers) == {f"You've hit {name}" for name in kubia}, answers
    assert all(abs(count / 300 - 1 / 3) < 0.07 for count in answers.values()), answers


def test_exit_codes_reach_kubectl(kc, kubia):
    rc, out, err = kc("exec", kubia[0], "--", "sh", "-c", "hostname; exit 3")
    assert (rc, out, err) == (3, f"{kubia[0]}\n", "command terminated with exit code 3\n")
    rc, _, err = kc("exec", kubia[0], "--", "sh", "-c", "frobnicate")
    assert (rc, err) == (127, "sh: frobnicate: not found\ncommand terminated with exit code 127\n")
    rc, _, err = kc("exec", kubia[0], "--", "frobnicate")
    assert rc == 1 and re.fullmatch(
        r'error: Internal error occurred: Internal error occurred: error executing command in container: failed to '
        r'exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to '
        r'start container process: exec: "frobnicate": executable file not found in \$PATH: unknown\n', err), err


def test_stdin_feeds_a_shell_line_by_line(kc, kubia):
    out = ok(kc("exec", "-i", kubia[0], "--", "sh", input="hostname\ncurl -s kubia:80/\n"))
    first, second = out.splitlines()
    assert first == kubia[0] and second in {f"You've hit {name}" for name in kubia}


def test_an_interactive_terminal_prompts_and_echoes(kc, kubia, server):
    """``kubectl exec -it POD -- sh`` in a pseudo-terminal: busybox's prompt, what is typed
    echoed back, and ``exit 7`` ending kubectl with 7."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(kc.func.binary, [kc.func.binary, "--kubeconfig", str(server.kubeconfig("demo")), "exec", "-it",
                                    kubia[0], "--", "sh"], kc.func.env)
    out = b""

    def read_until(text: bytes, seconds: float = 30) -> None:
        nonlocal out
        deadline = time.time() + seconds
        while text not in out and time.time() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
    read_until(b"/ # ")
    os.write(fd, b"hostname\r")
    read_until(f"{kubia[0]}\r\n/ # ".encode())
    os.write(fd, b"exit 7\r")
    read_until(b"exit code 7")
    _, status = os.waitpid(pid, 0)
    assert out.decode().startswith(f"/ # hostname\r\n{kubia[0]}\r\n/ # exit 7\r\n"), out
    assert os.waitstatus_to_exitcode(status) == 7


def test_bundled_kubectl(kv, kubia):
    """1.31 speaks WebSocket by default (1.30 and later do); 1.29 only with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true
    (its SPDY upgrade is refused with a Status that says so)."""
    env = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "true"} if kv.minor < 31 else {}
    assert ok(kv("exec", kubia[1], "--", "hostname", env=env)) == f"{kubia[1]}\n"
    rc, _, err = kv("exec", kubia[1], "--", "sh", "-c", "exit 4", env=env)
    assert (rc, err) == (4, "command terminated with exit code 4\n")
    if kv.minor < 31:
        rc, _, err = kv("exec", kubia[1], "--", "hostname")
        assert rc == 1 and err.startswith("Error from server (BadRequest): unable to upgrade connection: this server "
                                          "streams exec over WebSocket only"), err


def test_a_user_without_pods_exec_is_forbidden(kc, kubia, server):
    ok(kc("create", "rolebinding", "viewer-view", "--clusterrole=view", "--user=viewer"))
    viewer = server.kubeconfig("demo", user="viewer")
    rc, _, err = kc("exec", kubia[0], "--", "hostname", kubeconfig=viewer)
    assert (rc, err) == (1, f'Error from server (Forbidden): pods "{kubia[0]}" is forbidden: User "viewer" cannot '
                            'create resource "pods/exec" in API group "" in the namespace "default"\n')


def test_a_pod_without_a_running_container(kc, kubia):
    ok(kc("run", "nowhere", "--image=luksa/kubia", "--overrides", '{"spec": {"nodeSelector": {"no": "such"}}}'))
    rc, _, err = kc("exec", "nowhere", "--", "hostname")
    assert (rc, err) == (1, "Error from server (BadRequest): pod nowhere does not have a host assigned\n")
    ok(kc("run", "unpullable", "--image=example.invalid/nothing:1"))
    wait_for(lambda: get_json(kc, "pod", "unpullable")["spec"].get("nodeName"))
    rc, _, err = kc("exec", "unpullable", "--", "hostname")
    assert (rc, err) == (1, 'error: Internal error occurred: unable to upgrade connection: container not found '
                            '("unpullable")\n')


def test_the_python_client_streams_exec(kc, kubia, server, api_client_factory):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes.stream import stream

    core = kubernetes.client.CoreV1Api(api_client_factory(server.kubeconfig("demo")))
    out = stream(core.connect_get_namespaced_pod_exec, kubia[2], "default", command=["sh", "-c", "hostname"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert out == f"{kubia[2]}\n"
    response = stream(core.connect_get_namespaced_pod_exec, kubia[2], "default", command=["sh", "-c", "exit 5"],
                      stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    response.run_forever(timeout=10)
    assert response.returncode == 5


def test_a_stopped_kubelet_cannot_be_reached(kc, kubia, server):
    pod = get_json(kc, "pod", kubia[0])
    node, host_ip = pod["spec"]["nodeName"], pod["status"]["hostIP"]
    sim = sim_api(server, server.kubeconfig("demo"))
    assert sim("POST", f"components/kubelet/{node}/stop")[0] == 200
    try:
        rc, _, err = kc("exec", kubia[0], "--", "hostname")
    finally:
        assert sim("POST", f"components/kubelet/{node}/start")[0] == 200
    assert (rc, err) == (1, f'error: Internal error occurred: error sending request: Post "https://{host_ip}:10250/exec/'
                            f'default/{kubia[0]}/kubia?command=hostname&error=1&output=1": dial tcp {host_ip}:10250: '
                            'connect: connection refused\n')


def test_the_services_lesson_execs_through_the_control_api(tmp_path_factory):
    """``manage.py scenario run services-in-action --cluster demo`` on a fresh server: its ``exec``
    actions reach the client pod through the control API over HTTP, as ``manage.py sim`` does."""
    lesson = yaml.safe_load((LIBRARY / "services-in-action.yaml").read_text())
    lesson["setup"]["speed"] = 20  # a class runs it at 1x; the test need not wait for that
    path = tmp_path_factory.mktemp("lesson") / "services-in-action.yaml"
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    live = LiveServer(tmp_path_factory.mktemp("exec-lesson")).start()
    try:
        done = live.manage("scenario", "run", str(path), "--cluster", "demo", check=False)
    finally:
        live.stop()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "You've hit kubia-" in done.stdout
    assert ("curl: (7) Failed to connect to 10.96.100.100 port 80 after 1 ms: Couldn't connect to server\n"
            "      command terminated with exit code 7") in done.stdout


def test_run_interactive_attaches_to_the_shell_and_removes_the_pod(kc, kubia):
    """``kubectl run -i --rm --image=busybox``: the pod's own ``sh`` reads what is typed
    (through ``pods/attach``), and the pod is deleted once the shell exits."""
    rc, out, err = kc("run", "probe", "-i", "--rm", "--image=busybox:1.36", "--restart=Never",
                      input="hostname\nnslookup kubia\nexit\n", timeout=120)
    assert rc == 0, (out, err)
    assert "probe\n" in out
    assert "Name:\tkubia.default.svc.cluster.local" in out
    assert 'pod "probe" deleted' in out
    rc, _, err = kc("get", "pod", "probe")
    assert rc == 1 and 'pods "probe" not found' in err


def test_attach_to_a_process_that_is_no_shell_waits_until_detached(kc, kubia):
    """An attach joins the container's process (kubia's node server): no prompt, nothing to run;
    the stream stays open until kubectl closes its end (here: stdin reaches EOF)."""
    rc, out, err = kc("attach", "-i", kubia[0], input="", timeout=60)
    assert rc == 0, (out, err)
    rc, out, err = kc("attach", kubia[0], "-c", "nope", timeout=60)
    assert rc == 1 and f"error: cannot attach to the container: container nope not found in pod {kubia[0]}" in err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_port_forward_reaches_the_pods_server(kubectl, server, kubia):
    """``kubectl port-forward pod/P L:8080`` (over the SPDY tunnel in a WebSocket): a request to
    the local port is answered by the pod's own server, every time; a port nothing listens on
    gets the kubelet's words in kubectl's error, and kubectl ends the forward (client-go closes
    the connection after an error)."""
    local, dead = free_port(), free_port()
    forward = kubectl_popen(kubectl, "port-forward", f"pod/{kubia[0]}", f"{local}:8080", f"{dead}:9999",
                            kubeconfig=server.kubeconfig("demo"))
    try:
        line = forward.stdout.readline()
        assert line.strip() == f"Forwarding from 127.0.0.1:{local} -> 8080", (line, forward.stderr.read()
                                                                              if forward.poll() is not None else "")
        for _ in range(2):
            with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=30) as response:
                assert response.status == 200
                assert response.read().decode() == f"You've hit {kubia[0]}\n"
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{dead}/", timeout=30)
        forward.wait(timeout=30)
    finally:
        forward.terminate()
    err = forward.stderr.read()
    assert forward.returncode == 1, err
    assert f"an error occurred forwarding {dead} -> 9999: error forwarding port 9999 to pod " in err, err
    assert "dial tcp4 127.0.0.1:9999: connect: connection refused" in err


def test_port_forward_with_older_kubectl(kv, kubia):
    """kubectl 1.31 tunnels SPDY through a WebSocket by default, as 1.33 does; 1.29 only speaks
    raw SPDY, which this server refuses saying why."""
    local = free_port()
    if kv.minor < 31:
        rc, _, err = kv("port-forward", f"pod/{kubia[0]}", f"{local}:8080", timeout=60)
        assert rc == 1 and "this server forwards ports over WebSocket only" in err, err
        return
    proc = subprocess.Popen(kv.argv("port-forward", f"pod/{kubia[0]}", f"{local}:8080"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=kv.env)
    try:
        assert proc.stdout.readline().strip() == f"Forwarding from 127.0.0.1:{local} -> 8080"
        with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=30) as response:
            assert response.read().decode() == f"You've hit {kubia[0]}\n"
    finally:
        proc.terminate()
