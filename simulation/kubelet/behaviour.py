"""How the simulated processes behave, decided from the pod's own YAML so a teacher can stage
a crash or a failing probe without any special tooling.

Processes
    A container runs until stopped, unless its command is a short script made only of
    simple commands (``echo``, ``printf``, ``sleep N``, ``true``, ``false``, ``exit N``,
    ``date``, ``hostname``, ``env``, ``ls``, ``cat``, ``touch``…), as in
    ``command: ["sh", "-c", "echo hello; sleep 5; exit 1"]``: that one exits after its sleeps
    plus one second, with the script's exit code — a crashing container in CrashLoopBackOff.
    Loops (``while``, ``until``, ``for``), ``tail -f`` and ``sleep infinity`` run forever.
    Init containers without such a script complete after one second with exit code 0.

    A ``perl -e``/``python -c`` one-liner (the docs' ``perl -Mbignum=bpi -wle 'print bpi(2000)'``)
    runs :data:`ONE_LINER_SECONDS` and exits 0. Images whose default process ends by itself
    (``luksa/batch-job``: two minutes, exit 0) are listed in :data:`.programs.PROGRAMS`.

Output
    What each container prints (``kubectl logs``) is in :mod:`.logs`: an image's lines from
    its table, or what the script echoes, or a generic pair of lines.

Probes
    Probes succeed, except a probe that is written to fail:

    * ``httpGet`` whose ``path`` starts with ``/fail`` (``/fail``, ``/failing-healthz``),
    * ``exec`` whose command mentions ``fail`` (``["cat", "/tmp/fail"]``),
    * ``tcpSocket`` on a port named or numbered ``fail``/``1``,
    * or any probe of a container listed in the pod annotation
      ``clusterviz.io/fail-liveness`` / ``clusterviz.io/fail-readiness``
      (comma-separated container names, or ``*`` for all).
"""
from __future__ import annotations

import re
import shlex

from .programs import program_for

#: How long an init container without a recognised script runs.
INIT_CONTAINER_SECONDS = 1.0
#: What a recognised script takes on top of its sleeps.
SCRIPT_SECONDS = 1.0
#: How long an interpreter one-liner (``perl -e``, ``python -c``) runs.
ONE_LINER_SECONDS = 5.0
_INTERPRETERS = {"perl": ("-e", "-le", "-wle", "-we", "-E"), "python": ("-c",), "python3": ("-c",)}
FAIL_LIVENESS_ANNOTATION = "clusterviz.io/fail-liveness"
FAIL_READINESS_ANNOTATION = "clusterviz.io/fail-readiness"

_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_SIMPLE = {"echo", "printf", "sleep", "exit", "true", "false", "date", "hostname", "env", "ls", "cat", "touch",
           "mkdir", "rm", "cp", "mv", "id", "whoami", "uname", "pwd", ":", "nslookup", "wget", "printenv"}
_LOOPS = re.compile(r"\b(while|until|for)\b|tail\s+-f|sleep\s+inf")


def argv_of(container: dict) -> list[str]:
    """The process's argv as the container declares it (command, then args)."""
    return [str(a) for a in (container.get("command") or [])] + [str(a) for a in (container.get("args") or [])]


def script_of(container: dict) -> str:
    """The shell script a container runs (``sh -c SCRIPT``), or its argv as one command line."""
    return _script(container)


def _one_liner(argv: list[str]) -> bool:
    flags = _INTERPRETERS.get(argv[0].rsplit("/", 1)[-1]) if argv else None
    return bool(flags) and any(a in flags for a in argv[1:])


def _script(container: dict) -> str:
    argv = argv_of(container)
    if not argv:
        return ""
    if argv[0].rsplit("/", 1)[-1] in _SHELLS and "-c" in argv[1:]:
        i = argv.index("-c")
        return argv[i + 1] if i + 1 < len(argv) else ""
    return shlex.join(argv)


def process_lifetime(container: dict, *, init: bool = False) -> tuple[float | None, int]:
    """``(run_seconds, exit_code)``; ``run_seconds`` is None for a process that runs until stopped."""
    default = (INIT_CONTAINER_SECONDS, 0) if init else (None, 0)
    if _one_liner(argv_of(container)):
        return ONE_LINER_SECONDS, 0
    if not argv_of(container):
        program = program_for(str(container.get("image", "")))
        if program is not None and program.runs is not None:
            return program.runs
    script = _script(container)
    if not script.strip() or _LOOPS.search(script):
        return default
    seconds, code = SCRIPT_SECONDS, 0
    for part in re.split(r"[;\n]|&&|\|\|", script):
        words = part.split()
        if not words:
            continue
        command = words[0].rsplit("/", 1)[-1]
        if command not in _SIMPLE:
            return default
        if command == "sleep":
            try:
                seconds += float(words[1].rstrip("s")) if len(words) > 1 else 0.0
            except ValueError:
                return default
            code = 0
        elif command == "exit":
            try:
                code = int(words[1]) if len(words) > 1 else code
            except ValueError:
                code = 2
            break
        else:
            code = 1 if command == "false" else 0
    return seconds, code


def _listed(pod: dict, annotation: str, container_name: str) -> bool:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(annotation, "")
    names = {n.strip() for n in value.split(",") if n.strip()}
    return "*" in names or container_name in names


def probe_failure(pod: dict, container: dict, kind: str, pod_ip: str) -> str | None:
    """The failure message of the container's ``kind`` probe ("liveness", "readiness"), or
    None if it succeeds. The words are those of the kubelet's prober."""
    probe = container.get(f"{kind}Probe")
    if not probe:
        return None
    forced = _listed(pod, FAIL_LIVENESS_ANNOTATION if kind == "liveness" else FAIL_READINESS_ANNOTATION,
                     container.get("name", ""))
    http, exec_, tcp = probe.get("httpGet"), probe.get("exec"), probe.get("tcpSocket")
    if http is not None:
        if forced or str(http.get("path") or "/").startswith("/fail"):
            return "HTTP probe failed with statuscode: 500"
    elif exec_ is not None:
        command = [str(a) for a in exec_.get("command") or []]
        if forced or any("fail" in a for a in command):
            if len(command) == 2 and command[0].rsplit("/", 1)[-1] == "cat":
                return f"cat: can't open '{command[1]}': No such file or directory"
            return f"command {shlex.join(command)!r} exited with 1"
    elif tcp is not None:
        port = str(tcp.get("port", ""))
        if forced or port in ("fail", "1"):
            return f"dial tcp {pod_ip}:{port}: connect: connection refused"
    elif forced:
        return f"timeout: failed to connect service \"{pod_ip}\" within 1s"
    return None


def probe_timing(container: dict, kind: str) -> tuple[float, float, int]:
    """``(initialDelaySeconds, periodSeconds, failureThreshold)`` with upstream's defaults."""
    probe = container.get(f"{kind}Probe") or {}
    return (float(probe.get("initialDelaySeconds") or 0), float(probe.get("periodSeconds") or 10),
            int(probe.get("failureThreshold") or 3))
