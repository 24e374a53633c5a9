"""What ``kubectl logs`` shows: each simulated container's output, computed from its YAML, its image
and its life in the runtime (started, probed, exited), so the same history gives the same log.

One table says what an image prints (:data:`.programs.PROGRAMS`): its start-up lines, a line per HTTP
request it serves (the kubelet's probes are requests too: a failing liveness probe shows up as
requests, then the restart as a fresh log, the old one under ``--previous``), and the lines it
prints when it exits. A container whose command is a short script prints what the script
echoes, at the moment it echoes it (:mod:`.behaviour` decides how long the script runs). An
image not in the table prints :data:`.programs.GENERIC`.

Times are the runtime's virtual seconds; ``epoch`` turns them into the cluster's wall time
(what ``--timestamps`` and ``--since`` see).
"""
from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime

from . import behaviour
from . import runtime as rt
from .programs import GENERIC, program_for

_BPI = re.compile(r"bpi\((\d+)\)")


def pi_digits(count: int) -> str:
    """π to ``count`` significant digits, as ``perl -Mbignum=bpi -wle 'print bpi(N)'`` prints it
    (the Job example of the Kubernetes docs); Machin's formula in integers."""
    guard = 10
    scale = 10 ** (count + guard)

    def arctan_inv(x: int) -> int:
        total = term = scale // x
        n, sign, x2 = 1, -1, x * x
        while term:
            term //= x2
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total

    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239)) // 10 ** guard
    text = str(pi)
    return text[0] + "." + text[1:count]


def _date(epoch_seconds: float) -> str:
    """``date``'s default output, in UTC."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%a %b %e %H:%M:%S UTC %Y")


def _clf(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _script_lines(script: str, pod_name: str) -> list[tuple[float, str]]:
    """``(offset_seconds, text)`` for what a simple script prints, in order (``{date}`` left to fill)."""
    out: list[tuple[float, str]] = []
    offset = 0.0
    for part in re.split(r"[;\n]|&&|\|\|", script):
        part = part.strip()
        if not part:
            continue
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        command = words[0].rsplit("/", 1)[-1] if words else ""
        if command == "sleep" and len(words) > 1:
            try:
                offset += float(words[1].rstrip("s"))
            except ValueError:
                pass
        elif command == "echo":
            args = [w for w in words[1:] if w not in ("-n", "-e")]
            out.append((offset, " ".join(args)))
        elif command == "printf" and len(words) > 1:
            text = words[1].replace("\\n", "\n") % tuple(words[2:]) if "%" in words[1] else words[1].replace("\\n", "\n")
            out.extend((offset, line) for line in text.rstrip("\n").split("\n"))
        elif command == "date":
            out.append((offset, "{date}"))
        elif command == "hostname":
            out.append((offset, pod_name))
        elif command == "exit":
            break
    return out


def _probe_times(container: dict, started: float, until: float) -> list[tuple[float, str]]:
    """When the kubelet's HTTP probes hit the container: each httpGet probe at its initial
    delay, then every period, while the container runs."""
    hits: list[tuple[float, str]] = []
    for kind in ("liveness", "readiness", "startup"):
        probe = container.get(f"{kind}Probe") or {}
        http = probe.get("httpGet")
        if http is None:
            continue
        delay, period, _ = behaviour.probe_timing(container, kind)
        t = started + delay
        while t <= until and len(hits) < 10000:
            hits.append((t, str(http.get("path") or "/")))
            t += period
    return sorted(hits)


def container_log(container: dict, pod_name: str, c: rt.Container, *, now_seconds: float, epoch: float,
                  client_ip: str) -> list[tuple[float, str]]:
    """The container's log as ``(epoch_seconds, line)``, oldest first, up to ``now_seconds``."""
    if c.started_at is None:
        return []
    end = c.finished_at if c.finished_at is not None else now_seconds
    fill = {"name": container.get("name", ""), "pod": pod_name, "client": f"::ffff:{client_ip}",
            "client_ip": client_ip}
    timed: list[tuple[float, str]] = []
    script = behaviour.script_of(container)
    program = program_for(c.image)
    argv = behaviour.argv_of(container)
    bpi = _BPI.search(" ".join(argv)) if argv and argv[0].rsplit("/", 1)[-1] == "perl" else None
    if bpi is not None and c.finished_at is not None:
        timed = [(c.finished_at, pi_digits(min(int(bpi.group(1)), 20000)))]
    elif script:
        timed = [(c.started_at + offset, text) for offset, text in _script_lines(script, pod_name)]
    elif program is not None:
        timed = [(c.started_at, line) for line in program.start]
        if program.request:
            timed += [(t, program.request.replace("{path}", path)) for t, path in _probe_times(container, c.started_at, end)]
        if program.runs is not None and c.finished_at is not None and c.exit_code == program.runs[1]:
            timed += [(c.finished_at, line) for line in program.end]
    else:
        timed = [(c.started_at, line) for line in GENERIC]
    out = []
    for t, text in sorted(timed, key=lambda item: item[0]):
        if t > end:
            break
        stamp = epoch + t
        line = text.replace("{date}", _date(stamp)).replace("{clf}", _clf(stamp))
        for key, value in fill.items():
            line = line.replace("{" + key + "}", value)
        out.append((stamp, line))
    return out
