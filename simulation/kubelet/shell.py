"""What runs when someone execs into a simulated container: a small shell with a command
table. It answers as the tools a class reaches for answer in a busybox-based container —
``hostname``, ``env``, ``cat`` of the kubelet-managed files, ``ip addr``, ``nslookup``
(bind's output), ``curl`` (curl 8's messages) and ``wget -qO-`` — and everything else as busybox
``sh`` answers an unknown command: ``sh: NAME: not found``, exit 127.

``kubectl exec POD -- CMD ARGS`` runs ``CMD`` directly, as the container runtime does: an unknown
``CMD`` is the runtime's error (``executable file not found in $PATH``), not a shell's. ``sh -c
'…'`` runs a script of commands joined by ``;``, ``&&`` and ``||``; ``sh`` with stdin reads
commands line by line (``kubectl exec -it POD -- sh``).

Names and connections go through :class:`Network`: the pod's resolver asks the nameserver in
its resolv.conf, and a connection to a Service IP is DNATed by the node's kube-proxy rules to one
backend pod, which answers as its image does (:mod:`.programs`).
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import shlex
from dataclasses import dataclass
from typing import Callable, Protocol
from urllib.parse import urlsplit

from simulation.dns import records
from simulation.dns.resolver import Lookup, ResolvConf, search

from . import envvars, pod_files
from .programs import response_for

SHELLS = frozenset({"sh", "ash", "bash"})
#: busybox sh's prompt for root in ``/``.
PROMPT = "/ # "
EXIT_NOT_FOUND = 127


@dataclass
class Reply:
    """What a connection attempt met: a pod that answered (its name and image), or an error:
    ``refused`` (an iptables REJECT, or nothing listening) or ``timeout`` (nobody has the IP)."""

    pod: str = ""
    image: str = ""
    error: str = ""


class Network(Protocol):
    def ask(self, nameserver: str, qname: str, qtype: str) -> records.Answer | None:
        """A DNS question to ``nameserver`` port 53/UDP; None when it timed out."""

    def connect(self, ip: str, port: int) -> Reply:
        """A TCP connection from the pod to ``ip:port``."""


@dataclass
class ExecContext:
    pod: dict
    container: dict
    pod_ip: str
    pod_cidr: str
    services: list[dict]
    network: Network
    tty: bool = False


@dataclass
class ExecResult:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    #: The runtime's error, when the command could not be started at all.
    error: str = ""


Command = Callable[[list[str], ExecContext], tuple[str, str, int]]


# ------------------------------------------------------------------ files
def _files(ctx: ExecContext) -> dict[str, str]:
    hostname = (ctx.pod.get("spec") or {}).get("hostname") or ctx.pod["metadata"]["name"]
    return {"/etc/resolv.conf": pod_files.resolv_conf(ctx.pod), "/etc/hosts": pod_files.hosts_file(ctx.pod, ctx.pod_ip),
            "/etc/hostname": hostname + "\n"}


def _cat(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    files = _files(ctx)
    out, err, code = [], [], 0
    for path in [a for a in args if a != "-"]:
        if path in files:
            out.append(files[path])
        else:
            err.append(f"cat: can't open '{path}': No such file or directory\n")
            code = 1
    return "".join(out), "".join(err), code


def _hostname(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    return _files(ctx)["/etc/hostname"], "", 0


def _env(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    pairs = envvars.environment(ctx.pod, ctx.container, ctx.pod_ip, ctx.services)
    return "".join(f"{k}={v}\n" for k, v in pairs), "", 0


def _echo(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    if args[:1] == ["-n"]:
        return " ".join(args[1:]), "", 0
    return " ".join(args) + "\n", "", 0


def _mac(ip: str) -> str:
    digest = hashlib.sha256(ip.encode()).digest()
    octets = [(digest[0] | 0x02) & 0xFE] + list(digest[1:6])
    return ":".join(f"{o:02x}" for o in octets)


def _link_local(mac: str) -> str:
    octets = [int(o, 16) for o in mac.split(":")]
    eui = [octets[0] ^ 0x02] + octets[1:3] + [0xFF, 0xFE] + octets[3:]
    groups = [f"{(eui[i] << 8) | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return "fe80::" + ":".join(groups)


def _ip(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    if not args or args[0] not in ("addr", "a", "address"):
        return "", "ip: only 'ip addr' is simulated here\n", 1
    network = ipaddress.ip_network(ctx.pod_cidr, strict=False)
    mac = _mac(ctx.pod_ip)
    peer = 4 + int(ipaddress.ip_address(ctx.pod_ip)) - int(network.network_address)
    out = ("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
           "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
           "    inet 127.0.0.1/8 scope host lo\n"
           "       valid_lft forever preferred_lft forever\n"
           "    inet6 ::1/128 scope host \n"
           "       valid_lft forever preferred_lft forever\n"
           f"2: eth0@if{peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \n"
           f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n"
           f"    inet {ctx.pod_ip}/{network.prefixlen} brd {network.broadcast_address} scope global eth0\n"
           "       valid_lft forever preferred_lft forever\n"
           f"    inet6 {_link_local(mac)}/64 scope link \n"
           "       valid_lft forever preferred_lft forever\n")
    return out, "", 0


# ------------------------------------------------------------------ names
def _resolv(ctx: ExecContext) -> ResolvConf:
    return ResolvConf.parse(pod_files.resolv_conf(ctx.pod))


def _lookup(ctx: ExecContext, name: str, qtype: str) -> tuple[Lookup, str]:
    conf = _resolv(ctx)
    nameserver = conf.nameservers[0] if conf.nameservers else "127.0.0.1"
    return search(conf, name, qtype, lambda qname, t: ctx.network.ask(nameserver, qname, t)), nameserver


def _hosts_entry(ctx: ExecContext, name: str) -> str | None:
    for line in _files(ctx)["/etc/hosts"].splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1 and name in words[1:] and ":" not in words[0]:
            return words[0]
    return None


def resolve_host(ctx: ExecContext, host: str) -> str | None:
    """``getaddrinfo``: an IP literal, /etc/hosts, then DNS (A, then AAAA, per candidate)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    local = _hosts_entry(ctx, host)
    if local is not None:
        return local
    conf = _resolv(ctx)
    nameserver = conf.nameservers[0] if conf.nameservers else "127.0.0.1"
    for candidate in conf.candidates(host):
        answer = ctx.network.ask(nameserver, candidate, records.A)
        if answer is None:
            return None
        ctx.network.ask(nameserver, candidate, records.AAAA)
        addresses = [r.value for r in answer.records if r.type == records.A]
        if addresses:
            return addresses[0]
    return None


def _nslookup(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    qtype = records.A
    names = []
    for arg in args:
        if arg.startswith(("-type=", "-query=", "-q=", "-t=")):
            qtype = arg.split("=", 1)[1].upper()
        elif not arg.startswith("-"):
            names.append(arg)
    if not names:
        return "", "Usage: nslookup [-type=TYPE] NAME\n", 1
    name = names[0]
    lookup, nameserver = _lookup(ctx, name, qtype)
    if lookup.timed_out:
        return ";; connection timed out; no servers could be reached\n\n", "", 1
    head = f"Server:\t\t{nameserver}\nAddress:\t{nameserver}#53\n\n"
    answer = lookup.answer
    if answer is None or not answer.records:
        if answer is not None and answer.rcode == records.NOERROR and qtype != records.A:
            return head + f"*** Can't find {name}: No answer\n\n", "", 0
        rcode = answer.rcode if answer is not None else records.NXDOMAIN
        return head + f"** server can't find {name}: {rcode}\n\n", "", 1
    lines = []
    for record in answer.records:
        if record.type in (records.A, records.AAAA):
            lines.append(f"Name:\t{record.name.rstrip('.')}\nAddress: {record.value}\n")
        elif record.type == records.SRV:
            lines.append(f"{record.name.rstrip('.')}\tservice = {record.value}\n")
        elif record.type == records.CNAME:
            lines.append(f"{record.name.rstrip('.')}\tcanonical name = {record.value}\n")
    if qtype == records.A:  # nslookup asks AAAA too; an IPv4 cluster has none to print
        ctx.network.ask(nameserver, lookup.name, records.AAAA)
    return head + "".join(lines) + "\n", "", 0


# ------------------------------------------------------------------ HTTP
def _http_target(url: str) -> tuple[str, int, str] | None:
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return None
    return parts.hostname, parts.port or 80, parts.path or "/"


def _fetch(ctx: ExecContext, host: str, port: int, path: str) -> tuple[str | None, str, str]:
    """``(body, error, ip)`` of ``GET path``: the body, or None and what went wrong (``resolve``,
    ``refused``, ``timeout``); the address the name resolved to."""
    ip = resolve_host(ctx, host)
    if ip is None:
        return None, "resolve", ""
    reply = ctx.network.connect(ip, port)
    if reply.error:
        return None, reply.error, ip
    return response_for(reply.image, reply.pod, path), "", ip


def _curl(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    silent = show_errors = False
    urls = []
    for arg in args:
        if arg.startswith("--"):
            silent = silent or arg == "--silent"
            show_errors = show_errors or arg == "--show-error"
        elif arg.startswith("-"):
            silent = silent or "s" in arg
            show_errors = show_errors or "S" in arg
        else:
            urls.append(arg)
    if not urls:
        return "", "curl: try 'curl --help' or 'curl --manual' for more information\n", 2
    target = _http_target(urls[0])
    if target is None:
        return "", f'curl: (1) Protocol "{urls[0].split("://")[0]}" not supported\n', 1
    host, port, path = target
    body, what, _ = _fetch(ctx, host, port, path)
    quiet = silent and not show_errors
    if body is None:
        if what == "resolve":
            return "", "" if quiet else f"curl: (6) Could not resolve host: {host}\n", 6
        if what == "timeout":
            return "", "" if quiet else (f"curl: (28) Failed to connect to {host} port {port} after 130000 ms: "
                                         "Couldn't connect to server\n"), 28
        return "", "" if quiet else (f"curl: (7) Failed to connect to {host} port {port} after 1 ms: "
                                     "Couldn't connect to server\n"), 7
    meter = "" if silent or ctx.tty else _progress(len(body.encode()))
    return body, meter, 0


def _progress(size: int) -> str:
    """curl's progress meter on stderr when its output is not a terminal (no ``-s``)."""
    return ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
            "                                 Dload  Upload   Total   Spent    Left  Speed\n"
            f"\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
            f"\r100 {size:>5}  100 {size:>5}    0     0   {size * 1000:>5}      0 --:--:-- --:--:-- --:--:-- "
            f"{size * 1000:>5}\n")


def _wget(args: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    urls = [a for a in args if not a.startswith("-")]
    quiet = any(a.startswith("-") and "q" in a for a in args)
    to_stdout = any(a in ("-O-", "-qO-", "-O", "-qO") for a in args) or "-" in args
    urls = [u for u in urls if u != "-"]
    if not urls:
        return "", "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [-O FILE] URL\n", 1
    target = _http_target(urls[0])
    if target is None:
        return "", f"wget: not an http or ftp url: {urls[0]}\n", 1
    host, port, path = target
    body, what, ip = _fetch(ctx, host, port, path)
    if body is None:
        if what == "resolve":
            return "", f"wget: bad address '{host}'\n", 1
        if what == "timeout":
            return "", "wget: download timed out\n", 1
        return "", f"wget: can't connect to remote host ({ip}): Connection refused\n", 1
    header = "" if quiet else f"Connecting to {host}{'' if port == 80 else f':{port}'} ({ip}:{port})\n"
    if not to_stdout:
        name = path.rsplit("/", 1)[-1] or "index.html"
        return "", header + f"saving to '{name}'\n{name}              100% |********************************|"\
            f"  {len(body.encode())}  0:00:00 ETA\n'{name}' saved\n", 0
    return body, header + ("" if quiet else "writing to stdout\n-                    100% |****************"
                                            f"****************|  {len(body.encode())}  0:00:00 ETA\n"
                                            "written to stdout\n"), 0


COMMANDS: dict[str, Command] = {
    "hostname": _hostname, "env": _env, "printenv": _env, "cat": _cat, "ip": _ip, "nslookup": _nslookup,
    "curl": _curl, "wget": _wget, "echo": _echo,
    "true": lambda args, ctx: ("", "", 0), "false": lambda args, ctx: ("", "", 1),
}


# ------------------------------------------------------------------ running
def _run_one(argv: list[str], ctx: ExecContext) -> tuple[str, str, int]:
    name = argv[0].rsplit("/", 1)[-1]
    command = COMMANDS.get(name)
    if command is None:
        return "", f"sh: {argv[0]}: not found\n", EXIT_NOT_FOUND
    return command(argv[1:], ctx)


#: ``for VAR in WORDS; do BODY; done`` (one loop, the whole script; ``$VAR`` is replaced in BODY).
_FOR_LOOP = re.compile(r"^\s*for\s+(\w+)\s+in\s+([^;]*);\s*do\s+(.*?);?\s*done\s*$", re.S)


def run_script(script: str, ctx: ExecContext) -> ExecResult:
    """A ``sh -c`` script: commands joined by ``;``, ``&&``, ``||`` (``exit N`` ends it), or one
    ``for`` loop over such commands."""
    loop = _FOR_LOOP.match(script)
    if loop is not None:
        total = ExecResult()
        for word in loop[2].split():
            body = re.sub(rf"\$(?:{loop[1]}\b|\{{{loop[1]}\}})", word, loop[3])
            one = run_script(body, ctx)
            total.stdout += one.stdout
            total.stderr += one.stderr
            total.exit_code = one.exit_code
        return total
    result = ExecResult()
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return ExecResult(stderr="sh: syntax error: unterminated quoted string\n", exit_code=2)
    argv: list[str] = []
    skip = False
    for token in tokens + [";"]:
        if token not in (";", "&&", "||"):
            argv.append(token)
            continue
        if argv and not skip:
            if argv[0] == "exit":
                result.exit_code = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else result.exit_code
                return result
            out, err, code = _run_one(argv, ctx)
            result.stdout += out
            result.stderr += err
            result.exit_code = code
        skip = (token == "&&" and result.exit_code != 0) or (token == "||" and result.exit_code == 0)
        argv = []
    return result


def execute(argv: list[str], ctx: ExecContext, runtime_error: Callable[[str], str]) -> ExecResult:
    """``argv`` run in the container as the runtime runs it: a shell with ``-c`` runs its
    script; a known command runs; anything else is the runtime's "executable file not found"
    (``runtime_error`` words it with the exec's ID)."""
    name = argv[0].rsplit("/", 1)[-1]
    if name in SHELLS:
        if len(argv) > 2 and argv[1] == "-c":
            return run_script(argv[2], ctx)
        return ExecResult()
    if name in COMMANDS:
        out, err, code = COMMANDS[name](argv[1:], ctx)
        return ExecResult(out, err, code)
    return ExecResult(error=runtime_error(argv[0]))
