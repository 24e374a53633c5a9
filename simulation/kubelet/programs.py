"""The images a class meets and what their default process does: the lines it prints when it
starts, per HTTP request it serves and when it ends, and — for the few that finish by
themselves — how long they run. :mod:`.behaviour` reads the lifetimes, :mod:`.logs` the lines.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import runtime as rt


@dataclass(frozen=True)
class Program:
    """What an image's default process prints. ``{name}``, ``{pod}``, ``{client}`` and ``{date}``
    are filled in; ``request`` is printed once per HTTP request it serves."""

    start: tuple[str, ...] = ()
    request: str = ""
    end: tuple[str, ...] = ()
    #: Images whose default process finishes by itself: (seconds after start, exit code).
    runs: tuple[float, int] | None = None


_NGINX_START = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)

#: The images a class meets, by repository (``runtime.repository``: registry, no tag).
PROGRAMS: dict[str, Program] = {
    "docker.io/luksa/kubia": Program(start=("Kubia server starting...",), request="Received request from {client}"),
    "docker.io/luksa/kubia-unhealthy": Program(start=("Kubia server starting...",),
                                               request="Received request from {client}"),
    "docker.io/luksa/batch-job": Program(start=("{date} Batch job starting",), end=("{date} Finished succesfully",),
                                         runs=(120.0, 0)),
    "docker.io/library/nginx": Program(start=_NGINX_START,
                                       request='{client_ip} - - [{clf}] "GET {path} HTTP/1.1" 200 615 "-" '
                                               '"kube-probe/1.33" "-"'),
    "docker.io/library/busybox": Program(),
    "docker.io/library/alpine": Program(),
}
#: What an image not in the table prints when it starts.
GENERIC = ("Starting {name}...", "{name} is running")


def program_for(image: str) -> Program | None:
    """The table's entry for ``image`` (any tag or registry spelling), or None."""
    return PROGRAMS.get(rt.repository(image))
